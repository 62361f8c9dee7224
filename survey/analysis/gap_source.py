"""Read what the gap matrix needs from the database: responses (streamed), the city's districts
and fields, and the published offers."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from survey.analysis.frames import META_DISTRICT, META_LANGUAGE, NEED_PREFIX
from survey.analysis.gaps import NO_DISTRICT, GapMatrix, ResponseFacts, compute_gap_matrix, facts_of
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


def facts_of_frame(frame: pd.DataFrame, districts: set[str]) -> Iterator[ResponseFacts] | None:
    """The same facts as ``iter_facts``, from the analysis frame of the same responses (in
    another order, which the matrix does not depend on): a fact per distinct district, language
    and needs, given as often as it occurs. None when the frame's district column cannot say
    what each version reads as the district (``FrameBuilder.plain_district``)."""
    if not frame.attrs.get("plain_district") or len(frame) == 0:
        return None
    fields = [c[len(NEED_PREFIX):] for c in frame.columns if c.startswith(NEED_PREFIX)]
    if len(fields) > 40:  # the combination would not fit one number
        return None
    district_codes = [code if code in districts else NO_DISTRICT for code in map(str, frame[META_DISTRICT].cat.categories)]
    languages = [str(c) for c in frame[META_LANGUAGE].cat.categories]
    district = frame[META_DISTRICT].cat.codes.to_numpy().astype(np.int64)
    language = frame[META_LANGUAGE].cat.codes.to_numpy().astype(np.int64)
    key = (district + 1) * (len(languages) + 1) + (language + 1)
    for name in fields:
        key = key * 2 + frame[NEED_PREFIX + name].to_numpy(dtype=bool)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)

    def facts() -> Iterator[ResponseFacts]:
        for row, count in zip(first.tolist(), counts.tolist(), strict=True):
            d, lang = int(district[row]), int(language[row])
            needs = frozenset(name for name in fields if frame[NEED_PREFIX + name].iat[row])
            fact = ResponseFacts(district_codes[d] if d >= 0 else NO_DISTRICT, languages[lang] if lang >= 0 else "", needs)
            for _ in range(count):
                yield fact

    return facts()


def gap_matrix_for(session: Session, slug: str, threshold: int | None = None,
                   frame: pd.DataFrame | None = None) -> GapMatrix:
    """The matrix for one questionnaire over all its versions. Raises LookupError for an unknown
    slug and NotANeedsQuestionnaire when no version declares needs. ``frame``: the analysis frame
    of the same responses, if the caller has it (then no response is read again)."""
    versions = load_versions(session, slug)
    if not any(model.need_sections() for model in versions.values()):
        raise NotANeedsQuestionnaire(slug)
    districts = [(d.code, d.name) for d in list_districts(session)]
    codes = {code for code, _ in districts}
    fields = [f.code for f in list_fields(session)]
    facts = facts_of_frame(frame, codes) if frame is not None else None
    return compute_gap_matrix(facts if facts is not None else iter_facts(session, slug, versions, codes), districts,
                              fields, published_offers(session), threshold)


REPORT_WORDS = {
    "de": {"district": "Stadtteil", "no_district": "Stadtteil nicht angegeben", "city": "Ganze Stadt", "offers": "Angebote"},
    "en": {"district": "District", "no_district": "District not given", "city": "Whole city", "offers": "offers"},
}


def gap_report_table(session: Session, slug: str, threshold: int | None = None, language: str = "de",
                     frame: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """The matrix as a table for the council report: a row per district, a column per field,
    each cell "share with a need (with need/respondents) · offers", hidden figures as ".".
    None when the questionnaire declares no needs. ``frame``: as for ``gap_matrix_for``."""
    from survey.analysis.suppression import SUPPRESSED

    try:
        matrix = gap_matrix_for(session, slug, threshold, frame)
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
