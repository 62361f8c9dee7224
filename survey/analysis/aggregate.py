"""Aggregated results of closed questions with small-cell suppression, as a tidy table.

One row per question, option, breakdown and group: ``n`` (respondents of the group who answered
the question), ``count`` (of them, those who chose the option) and ``share`` (count / n).
Breakdowns: ``overall``; ``district``; ``field`` (group: respondents who need help in that
integration field); ``language``; and each target-group question the questionnaire declares
(``analysis: breakdowns``), named by its code.

Suppression per question and breakdown, as a table of groups x options:

- a group whose n is below the threshold is hidden as a whole; in a breakdown whose groups
  partition the respondents (district, language, target groups) the group sizes add up to the
  overall n, so a single hidden group would be given back by subtraction: then the next smallest
  group is hidden too (``suppress_groups``);
- counts of 1 .. threshold-1 are hidden (primary suppression), and so are counts whose
  complement within the group's n (those who did not choose the option) is 1 .. threshold-1;
- secondary suppression, knowing which totals are published: a single choice's counts add up to
  its n (row totals); in a partition, an option's counts add up across groups to the overall count
  (column totals). Integration-field groups overlap, so they have no column totals; a multiple
  choice's counts add up to nothing.

Hidden values are ``SUPPRESSED`` ("."), never a number.
"""
from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.analysis.frames import (
    META_DISTRICT,
    META_LANGUAGE,
    ClosedQuestion,
    closed_questions,
    need_column,
    option_column,
)
from survey.analysis.suppression import SUPPRESSED, checked_threshold, complement_mask, secondary_mask, suppress_groups
from survey.files import CSV_QUOTING
from survey.questionnaire.model import Questionnaire, QuestionType

COLUMNS = ["question", "question_type", "section", "field", "option", "breakdown", "group", "n", "count", "share"]
OVERALL = "overall"
ALL = "all"


@dataclass(frozen=True)
class Breakdown:
    name: str
    groups: list[str]
    masks: list[np.ndarray]  # per group: which rows belong to it
    partition: bool  # groups are disjoint and their totals add up to the overall ones


def breakdowns(frame: pd.DataFrame, questionnaire: Questionnaire | Sequence[Questionnaire]) -> list[Breakdown]:
    """The breakdowns the frame allows, overall first."""
    versions = _versions(questionnaire)
    result = [Breakdown(OVERALL, [ALL], [np.ones(len(frame), dtype=bool)], False)]
    if META_DISTRICT in frame:
        result.append(_categorical("district", frame[META_DISTRICT]))
    fields = [c[len("need:"):] for c in frame.columns if c.startswith("need:")]
    if fields:
        result.append(Breakdown("field", fields, [frame[need_column(f)].to_numpy(dtype=bool) for f in fields], False))
    if META_LANGUAGE in frame:
        result.append(_categorical("language", frame[META_LANGUAGE]))
    declared: dict[str, None] = {}
    for model in versions:
        for code in model.breakdowns:
            declared.setdefault(code)
    for code in declared:
        if code in frame and isinstance(frame[code].dtype, pd.CategoricalDtype):
            result.append(_categorical(code, frame[code]))
    return result


def _versions(questionnaire: Questionnaire | Sequence[Questionnaire]) -> list[Questionnaire]:
    return [questionnaire] if isinstance(questionnaire, Questionnaire) else list(questionnaire)


def _categorical(name: str, column: pd.Series) -> Breakdown:
    codes = column.cat.codes.to_numpy()
    categories = [str(c) for c in column.cat.categories]
    return Breakdown(name, categories, [codes == i for i in range(len(categories))], True)


def _counts(frame: pd.DataFrame, question: ClosedQuestion, masks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(n per group, counts groups x options) with numpy only: a million rows take milliseconds."""
    code = question.question.code
    n_groups, n_options = len(masks), len(question.options)
    counts = np.zeros((n_groups, n_options), dtype=np.int64)
    sizes = np.zeros(n_groups, dtype=np.int64)
    if question.multiple:
        answered = frame[code].to_numpy(dtype=bool)
        chosen = [frame[option_column(code, o.code)].to_numpy(dtype=bool) for o in question.options]
        for g, mask in enumerate(masks):
            rows = mask & answered
            sizes[g] = int(rows.sum())
            for j, column in enumerate(chosen):
                counts[g, j] = int(np.count_nonzero(column & rows))
        return sizes, counts
    column = frame[code]
    position = {str(c): i for i, c in enumerate(column.cat.categories)}
    # Category index -> option index (categories may hold values no option declares: dropped).
    order = np.full(len(position) + 1, -1, dtype=np.int64)
    for j, option in enumerate(question.options):
        if option.code in position:
            order[position[option.code]] = j
    codes = column.cat.codes.to_numpy().astype(np.int64)
    option_index = np.where(codes >= 0, order[codes], -1)
    for g, mask in enumerate(masks):
        picked = option_index[mask & (option_index >= 0)]
        counts[g] = np.bincount(picked, minlength=n_options)[:n_options]
        sizes[g] = len(picked)
    return sizes, counts


def _suppressed(sizes: np.ndarray, counts: np.ndarray, threshold: int, partition: bool,
                single: bool) -> tuple[np.ndarray, np.ndarray]:
    """Which group sizes and which counts to hide."""
    groups = suppress_groups(pd.Series(sizes), threshold, total_published=partition).to_numpy(dtype=bool)
    table = pd.DataFrame(counts)
    # A count and its complement within the group's n ("did not choose it") alike.
    mask = (table > 0) & (table < threshold) | complement_mask(table, pd.Series(sizes), threshold)
    mask.loc[groups, :] = True
    mask = secondary_mask(table, mask, row_totals=single, column_totals=partition)
    return groups, mask.to_numpy(dtype=bool)


def aggregate(frame: pd.DataFrame, questionnaire: Questionnaire | Sequence[Questionnaire],
              threshold: int | None = None, only: Collection[str] | None = None) -> pd.DataFrame:
    """The tidy, suppressed aggregate of every closed question (see the module docstring).

    ``questionnaire``: the model, or every version newest first (options of older versions
    then count too). ``n``, ``count`` and ``share`` hold numbers or ``SUPPRESSED``. ``only``: the
    names of the breakdowns wanted (each is suppressed on its own, so its rows are the same as
    in the whole table)."""
    threshold = checked_threshold(threshold)
    versions = _versions(questionnaire)
    sections = {q.code: s for model in reversed(versions) for s in model.sections for q in s.questions}
    parts: list[pd.DataFrame] = []
    splits = breakdowns(frame, versions)
    if only is not None:
        splits = [split for split in splits if split.name in only]
    for question in closed_questions(versions):
        code = question.question.code
        if code not in frame:
            continue
        section = sections.get(code)
        single = not question.multiple
        for split in splits:
            if split.name == code or (split.name == "district" and question.question.type is QuestionType.DISTRICT):
                continue  # a question broken down by itself says nothing new
            sizes, counts = _counts(frame, question, split.masks)
            hidden_groups, hidden = _suppressed(sizes, counts, threshold, split.partition, single)
            n_groups, n_options = counts.shape
            with np.errstate(divide="ignore", invalid="ignore"):
                shares = np.where(sizes[:, None] > 0, counts / np.maximum(sizes[:, None], 1), np.nan)
            n_values = sizes.astype(object)
            n_values[hidden_groups] = SUPPRESSED
            count_values = counts.astype(object)
            count_values[hidden] = SUPPRESSED
            share_values = np.round(shares, 4).astype(object)
            share_values[hidden] = SUPPRESSED
            share_values[np.isnan(shares)] = None
            parts.append(pd.DataFrame({
                "question": code,
                "question_type": str(question.question.type),
                "section": section.code if section else "",
                "field": (section.field or "") if section else "",
                "option": np.tile([o.code for o in question.options], n_groups),
                "breakdown": split.name,
                "group": np.repeat(split.groups, n_options),
                "n": np.repeat(n_values, n_options),
                "count": count_values.ravel(),
                "share": share_values.ravel(),
            }))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def group_sizes(frame: pd.DataFrame, column: str, threshold: int | None = None) -> pd.DataFrame:
    """Responses per value of a meta column (language, district, channel), suppressed:
    columns group, count (number or SUPPRESSED)."""
    threshold = checked_threshold(threshold)
    sizes = frame[column].value_counts(sort=False, dropna=True)
    sizes = sizes[sizes > 0]
    hidden = suppress_groups(sizes, threshold, total_published=True)
    values = sizes.astype(object)
    values[hidden] = SUPPRESSED
    return pd.DataFrame({"group": [str(g) for g in sizes.index], "count": values.to_list()})


def weekly_counts(frame: pd.DataFrame, column: str, threshold: int | None = None) -> pd.DataFrame:
    """Responses per ISO week (Monday) of the submission day, small weeks suppressed (the weeks
    add up to the published total, so a single small week hides the next smallest one too)."""
    threshold = checked_threshold(threshold)
    if frame.empty:
        return pd.DataFrame({"week": [], "count": []})
    days = pd.to_datetime(frame[column])
    weeks = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date
    sizes = weeks.value_counts().sort_index()
    hidden = suppress_groups(sizes, threshold, total_published=True)
    values = sizes.astype(object)
    values[hidden] = SUPPRESSED
    return pd.DataFrame({"week": [w.isoformat() for w in sizes.index], "count": values.to_list()})


def to_csv(table: pd.DataFrame) -> str:
    """The published CSV: hidden values as ".", empty shares (nobody answered) empty."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n", quoting=CSV_QUOTING)
    return buffer.getvalue()


def numeric(values: Iterable[object]) -> pd.Series:
    """Published values as numbers, hidden ones as NaN (for charts)."""
    return pd.to_numeric(pd.Series(list(values), dtype=object).replace(SUPPRESSED, np.nan), errors="coerce")
