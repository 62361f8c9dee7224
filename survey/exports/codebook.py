"""Codebook (CSV): every export column with its question, section, integration field, type,
question text, condition, and after each choice or 0/1 column one row per value with its label,
texts in the label language.

Columns: ``variable`` (the CSV/Excel column), ``question`` (the question code), ``section``,
``section_title``, ``field`` (integration field code), ``type`` (question type), ``kind`` (choice,
choices, flag, other, number, date, text, meta), ``required`` (1/0), ``text``, ``value``,
``value_label``, ``condition`` (when the question is asked, in the questionnaire's condition
language; a section's condition and the question's are joined with "and").
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from survey.exports.labels import Labels
from survey.exports.variables import META_COLUMNS, TRAILING_COLUMNS, Kind, Schema, Variable
from survey.exports.xlsx_export import variable_label

if TYPE_CHECKING:
    from survey.exports.request import PreparedExport, Progress

HEADER = ["variable", "question", "section", "section_title", "field", "type", "kind", "required", "text",
          "value", "value_label", "condition"]


def _condition(variable: Variable) -> str:
    parts = [condition.source for condition in (variable.section.condition, variable.question.condition) if condition]
    if len(parts) == 2:
        return f"({parts[0]}) and ({parts[1]})"
    return parts[0] if parts else ""


def codebook_rows(schema: Schema, labels: Labels) -> Iterator[list[Any]]:
    yield HEADER
    for name in META_COLUMNS:
        yield [name, "", "", "", "", "", "meta", 0, labels.word(name), "", "", ""]
    for variable in schema.variables:
        question, section = variable.question, variable.section
        yield [variable.name, question.code, section.code, labels.text(section.title), section.field or "",
               question.type.value, variable.kind.value, 1 if question.required else 0,
               variable_label(variable, labels), "", "", _condition(variable)]
        values: list[tuple[Any, str]] = []
        if variable.kind in (Kind.CHOICE, Kind.CHOICES):
            values = [(option.code, labels.option(option)) for option in variable.options]
        elif variable.kind is Kind.FLAG:
            values = [(1, labels.word("chosen")), (0, labels.word("not_chosen"))]
        for value, label in values:
            yield [variable.name, question.code, "", "", "", "", "", "", "", value, label, ""]
    for name in TRAILING_COLUMNS:
        yield [name, "", "", "", "", "", "meta", 0, labels.word(name), "", "", ""]


def write_codebook(prepared: PreparedExport, path: Path, progress: Progress | None = None) -> int:
    """Returns the number of variables described (a codebook has no response rows)."""
    dialect = prepared.request.csv_dialect
    schema = Schema(prepared.versions)
    with open(path, "w", encoding=dialect.encoding, newline="") as handle:
        writer = dialect.writer(handle)
        for row in codebook_rows(schema, prepared.labels):
            writer.writerow(dialect.row(row))
    if progress is not None:
        progress(0, 0)
    return len(META_COLUMNS) + len(schema.variables) + len(TRAILING_COLUMNS)
