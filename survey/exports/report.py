"""The council report: a printable HTML document (German by default, English as an option) with
the method (period, n, languages, channels), results per integration field and by district, the
needs-versus-offers matrix when the gap analysis provides one, and answers to open questions only
when asked for (escaped, in alphabetical order so their order says nothing about who answered
when). Plain Jinja2 with autoescaping; no Flask, so ``survey report`` and the staff button give
the same file.

Every number comes from survey.analysis.results, suppressed like everywhere else. The print CSS
sets A4 pages; survey.exports.report_pdf lays the same HTML out as PDF.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from survey.analysis.frames import iter_rows
from survey.analysis.results import Results, compute_results
from survey.analysis.suppression import SUPPRESSED
from survey.languages import LANGUAGES
from survey.questionnaire.model import QuestionType
from survey.store.municipality import field_labels
from survey.store.responses import UnknownQuestionnaire

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE.parent / "static" / "report.css"
REPORT_LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "report": "Bericht", "method": "Methode", "period": "Zeitraum", "responses": "Antworten",
        "languages": "Sprachen", "channels": "Zugangswege", "language": "Sprache", "channel": "Zugangsweg",
        "count": "Anzahl", "share": "Anteil", "answer": "Antwort", "district": "Stadtteil",
        "fields": "Ergebnisse nach Handlungsfeld", "field": "Handlungsfeld", "need": "mit Beratungsbedarf",
        "by_district": "Ergebnisse nach Stadtteil", "gaps": "Bedarfe und Angebote",
        "gaps_legend": "Je Stadtteil und Handlungsfeld: Anteil der Befragten mit Bedarf (mit Bedarf/Befragte) · Zahl der "
                       "veröffentlichten Angebote für den Stadtteil oder die ganze Stadt. „.“: zu wenige Befragte.",
        "open_text": "Antworten auf offene Fragen", "none": "keine",
        "suppression": "Werte unter {t} Befragten und Werte, aus denen sie sich errechnen ließen, sind durch „.“ ersetzt (Geheimhaltung).",
        "method_text": "Mehrsprachige Online-Befragung. Die Befragung war anonym; gezählt werden abgeschickte Fragebögen. Anteile "
                       "beziehen sich auf alle, die die jeweilige Frage beantwortet haben (n).",
        "need_text": "Beratungsbedarf in einem Handlungsfeld: wie im Fragebogen für das Handlungsfeld festgelegt (z. B. Hilfe in diesem "
                     "Bereich gewünscht).",
        "created": "Erstellt am", "to": "bis", "n": "n", "multiple": "Mehrfachnennungen möglich",
        "no_gaps": "Die Gegenüberstellung von Bedarfen und Angeboten ist noch nicht verfügbar.",
        "respondents": "Befragte",
    },
    "en": {
        "report": "Report", "method": "Method", "period": "Period", "responses": "Responses",
        "languages": "Languages", "channels": "Channels", "language": "Language", "channel": "Channel",
        "count": "Number", "share": "Share", "answer": "Answer", "district": "District",
        "fields": "Results by integration field", "field": "Integration field", "need": "needing advice",
        "by_district": "Results by district", "gaps": "Needs and offers",
        "gaps_legend": "Per district and integration field: share of respondents with a need (with a need/respondents) · number of "
                       "published offers for the district or the whole city. \".\": too few respondents.",
        "open_text": "Answers to open questions", "none": "none",
        "suppression": "Values below {t} respondents, and values from which they could be worked out, are replaced by “.” (statistical "
                       "disclosure control).",
        "method_text": "Multilingual online survey. The survey was anonymous; submitted questionnaires are counted. Shares refer to "
                       "everyone who answered the question (n).",
        "need_text": "Need for advice in an integration field: as the questionnaire defines it for that field (e.g. help wanted in this "
                     "area).",
        "created": "Created on", "to": "to", "n": "n", "multiple": "several answers possible",
        "no_gaps": "The comparison of needs and offers is not available yet.",
        "respondents": "Respondents",
    },
}


class UnknownReport(LookupError):
    pass


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["cell"] = _cell
    env.filters["percent"] = _percent
    return env


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    return str(value)


def _percent(value: Any) -> str:
    if value is None:
        return "–"
    if value == SUPPRESSED:
        return SUPPRESSED
    return f"{float(value) * 100:.0f} %"


def _open_texts(session: Session, results: Results, language: str) -> list[dict[str, Any]]:
    questions = [q for q in results.newest.questions() if q.type in (QuestionType.TEXT, QuestionType.LONG_TEXT)]
    answers: dict[str, list[str]] = {q.code: [] for q in questions}
    for _number, _language, _channel, _at, given in iter_rows(session, results.slug):
        for code, texts in answers.items():
            value = given.get(code)
            if isinstance(value, str) and value.strip():
                texts.append(value.strip())
    chain = results.newest.chain(language)
    return [{"title": q.label.resolve(chain).text, "answers": sorted(answers[q.code], key=str.casefold)}
            for q in questions if answers[q.code]]


def _gap_table(session: Session, results: Results, threshold: int, language: str) -> dict[str, Any] | None:
    """The needs-versus-offers table (survey.analysis.gap_source, counted from the results'
    frame), None without declared needs."""
    from survey.analysis.gap_source import gap_report_table

    return gap_report_table(session, results.slug, threshold, language, results.frame)


def render_report(session: Session, slug: str, threshold: int, language: str = "de",
                  include_open_text: bool = False, stylesheet_href: str | None = None,
                  results: Results | None = None) -> str:
    """The report as one HTML document. ``stylesheet_href``: link the print stylesheet (the staff
    area, whose Content-Security-Policy refuses inline styles) instead of embedding it (a file
    that must stand alone). ``results``: the questionnaire's results with ``threshold`` if the
    caller has them (the staff area keeps them), else computed here."""
    language = language if language in REPORT_LANGUAGES else "de"
    if results is None or results.slug != slug or results.threshold != threshold:
        try:
            results = compute_results(session, slug, threshold)
        except UnknownQuestionnaire:
            raise UnknownReport(slug) from None
    texts = TEXTS[language]
    newest = results.newest
    chain = newest.chain(language)
    labels_of_fields = field_labels(session, language)
    district_question = newest.district_question()

    def option_label(code: str, option: str) -> str:
        closed = results.question(code)
        found = next((o for o in closed.options if o.code == option), None) if closed else None
        return found.label.resolve(chain).text if found else option

    def district_label(code: str) -> str:
        return option_label(district_question.code, code) if district_question else code

    def question_block(code: str) -> dict[str, Any] | None:
        table = results.overall(code)
        closed = results.question(code)
        if table.empty or closed is None:
            return None
        return {"title": closed.question.label.resolve(chain).text, "n": table["n"].iloc[0],
                "multiple": closed.multiple,
                "rows": [(option_label(code, o), c, s) for o, c, s in zip(table["option"], table["count"], table["share"], strict=True)]}

    need_counts = dict(zip(results.by_field["group"], results.by_field["count"], strict=True))
    fields = []
    for section in newest.sections:
        if section.field is None:
            continue
        blocks = [b for b in (question_block(q.code) for q in section.questions if q.is_choice) if b]
        fields.append({"label": labels_of_fields.get(section.field, section.title.resolve(chain).text),
                       "section": section.title.resolve(chain).text,
                       "need": need_counts.get(section.field), "blocks": blocks})
    need_columns = [c for c in results.need_by_district.columns if c != "n"]
    context = {
        "t": texts, "lang": language, "title": newest.title.resolve(chain).text, "results": results,
        "threshold": threshold, "today": dt.date.today().isoformat(),
        "languages": [(_language_name(g, language), c)
                      for g, c in zip(results.by_language["group"], results.by_language["count"], strict=True)],
        "channels": list(zip(results.by_channel["group"], results.by_channel["count"], strict=True)),
        "districts": [(district_label(g), c) for g, c in zip(results.by_district["group"], results.by_district["count"], strict=True)],
        "fields": fields,
        "need_columns": [labels_of_fields.get(c, c) for c in need_columns],
        "need_rows": [(district_label(i), row["n"], [row[c] for c in need_columns])
                      for i, row in results.need_by_district.iterrows()] if need_columns else [],
        "gaps": _gap_table(session, results, threshold, language),
        "open_texts": _open_texts(session, results, language) if include_open_text else None,
        "stylesheet_href": stylesheet_href,
        "stylesheet": None if stylesheet_href else STYLESHEET.read_text(encoding="utf-8"),
    }
    return _environment().get_template("report.html").render(**context)


def _language_name(tag: str, language: str) -> str:
    spec = LANGUAGES.get(tag)
    if spec is None:
        return tag
    return f"{spec.name_in(language)} ({tag})"
