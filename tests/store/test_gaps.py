"""The needs-versus-offers matrix on a synthetic data set whose right answer is known."""
from __future__ import annotations

import datetime as dt
import io
import uuid

import pandas as pd
import pytest

from survey.analysis.gap_source import NotANeedsQuestionnaire, gap_matrix_for
from survey.analysis.gaps import NO_DISTRICT
from survey.store.models import Offer, Response
from survey.store.municipality import DistrictInfo, ensure_default_fields, save_districts
from survey.store.questionnaires import live_version, questionnaire_for_version

# --- from the database, with the bundled needs questionnaire ---------------------------------

def _answers(district: str, help_areas: list[str], **extra) -> dict:
    return {"district": district, "help_areas": help_areas, **extra}


def _store(db, version, language: str, answers: dict) -> None:
    db.add(Response(public_id=str(uuid.uuid4()), submission_key=uuid.uuid4().hex, version_id=version.id,
                    language=language, channel="web", started_on=dt.date(2026, 11, 2), answers=answers))


def test_needs_declared_in_the_bundled_questionnaire(db, bundled):
    model = questionnaire_for_version(live_version(db, "needs-assessment"))
    assert {s.field for s in model.need_sections()} == {"language", "education", "work", "housing", "health", "legal", "participation"}
    assert model.needs_of(_answers("nord", ["housing", "work"])) == ("work", "housing")
    # A field-specific answer counts even when the field was not ticked among the areas.
    assert model.needs_of(_answers("nord", ["none"], housing_help=["finding_flat"])) == ("housing",)
    assert model.needs_of(_answers("nord", ["none"], housing_help=["none"])) == ()


def test_gap_matrix_from_stored_responses_and_offers(db, bundled):
    ensure_default_fields(db)
    save_districts(db, [DistrictInfo("nord", "Nord"), DistrictInfo("mitte", "Mitte"), DistrictInfo("sued", "Süd")])
    version = live_version(db, "needs-assessment")
    for _ in range(8):
        _store(db, version, "ar", _answers("nord", ["housing"]))
    for _ in range(6):
        _store(db, version, "uk", _answers("mitte", ["work"], work_help=["recognition"]))
    _store(db, version, "fa", _answers("sued", ["housing"]))
    _store(db, version, "de", _answers("unknown", ["housing"]))
    db.add(Offer(provider_name="Fiktiver Verein", provider_kind="mso", title={"de": "Wohnberatung"}, description={},
                 fields=["housing"], districts=["nord"], languages=["ar"], status="published"))
    db.add(Offer(provider_name="Fiktiv", provider_kind="other", title={"de": "Entwurf"}, description={},
                 fields=["work"], city_wide=True, languages=["uk"], status="pending"))  # not published: not counted
    db.flush()
    matrix = gap_matrix_for(db, "needs-assessment")
    nord = matrix.cell("nord", "housing")
    assert (nord.respondents, nord.with_need, nord.offers, nord.offers_in_language) == (8, 8, 1, 1)
    assert matrix.cell("mitte", "work").offers == 0 and matrix.cell("mitte", "work").with_need == 6
    # sued has 1 respondent, the "unknown" answer 1: both hidden, as one hidden group
    # needs a second.
    assert matrix.cell("sued", "housing").suppressed and matrix.cell(NO_DISTRICT, "housing").suppressed
    assert matrix.cell("", "housing").with_need == 10 and matrix.responses == 16
    frame = matrix.to_frame()
    out = io.StringIO()
    frame.to_csv(out, index=False)
    back = pd.read_csv(io.StringIO(out.getvalue()), dtype=str)
    assert set(back.columns) >= {"district", "field", "respondents", "with_need", "share", "ci_low", "ci_high",
                                 "offers", "offers_in_language", "gap_score", "gap_rank"}
    assert back[(back.district == "sued") & (back.field == "housing")].iloc[0].respondents == "."


def test_a_questionnaire_without_needs_has_no_matrix(db, bundled):
    with pytest.raises(NotANeedsQuestionnaire):
        gap_matrix_for(db, "offer-inventory")
    with pytest.raises(LookupError):
        gap_matrix_for(db, "nope")
