"""Read what the gap matrix needs from the database: responses (streamed), the city's districts
and fields, and the published offers."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from survey.analysis.gaps import GapMatrix, ResponseFacts, compute_gap_matrix, facts_of
from survey.questionnaire.model import Questionnaire
from survey.store.municipality import field_labels, list_districts, list_fields
from survey.store.offers import published_offers
from survey.store.responses import iter_responses, load_versions


class NotANeedsQuestionnaire(LookupError):
    """The questionnaire declares no ``need`` in any section: there is nothing to compare."""


def iter_facts(session: Session, slug: str, versions: dict[int, Questionnaire], districts: set[str]) -> Iterator[ResponseFacts]:
    """``versions``: version number -> model (``load_versions``)."""
    for record in iter_responses(session, slug):
        yield facts_of(versions[record.questionnaire_version], record.language, record.answers, districts)


def gap_matrix_for(session: Session, slug: str, threshold: int | None = None) -> GapMatrix:
    """The matrix for one questionnaire over all its versions. Raises LookupError for an unknown
    slug and NotANeedsQuestionnaire when no version declares needs."""
    versions = load_versions(session, slug)
    if not any(model.need_sections() for model in versions.values()):
        raise NotANeedsQuestionnaire(slug)
    districts = [(d.code, d.name) for d in list_districts(session)]
    codes = {code for code, _ in districts}
    fields = [f.code for f in list_fields(session)]
    return compute_gap_matrix(iter_facts(session, slug, versions, codes), districts, fields,
                              published_offers(session), threshold)


REPORT_WORDS = {
    "de": {"district": "Stadtteil", "no_district": "Stadtteil nicht angegeben", "city": "Ganze Stadt", "offers": "Angebote"},
    "en": {"district": "District", "no_district": "District not given", "city": "Whole city", "offers": "offers"},
}


def gap_report_table(session: Session, slug: str, threshold: int | None = None, language: str = "de") -> dict[str, Any] | None:
    """The matrix as a table for the council report: a row per district, a column per field,
    each cell "share with a need (with need/respondents) · offers", hidden figures as ".".
    None when the questionnaire declares no needs."""
    from survey.analysis.gaps import NO_DISTRICT
    from survey.analysis.suppression import SUPPRESSED

    try:
        matrix = gap_matrix_for(session, slug, threshold)
    except NotANeedsQuestionnaire:
        return None
    words = REPORT_WORDS.get(language, REPORT_WORDS["en"])
    labels = field_labels(session, language)

    def text(cell: Any) -> str:
        offers = f"{cell.offers} {words['offers']}"
        if cell.suppressed or cell.share is None:
            return f"{SUPPRESSED} · {offers}" if cell.district else SUPPRESSED
        figure = f"{cell.share * 100:.0f} % ({cell.with_need}/{cell.respondents})"
        return f"{figure} · {offers}"

    rows = []
    for code, name in matrix.districts:
        rows.append([words["no_district"] if code == NO_DISTRICT else name,
                     *[text(matrix.cell(code, f)) for f in matrix.fields]])
    rows.append([words["city"], *[text(matrix.cell("", f)) for f in matrix.fields]])
    return {"columns": [words["district"], *[labels.get(f, f) for f in matrix.fields]], "rows": rows}
