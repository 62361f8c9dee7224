"""The city's district list in the questionnaires bound to it: resolved when stored, followed by
drafts, frozen by publishing, refused while empty (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.questionnaire import QuestionnaireError, load_questionnaire_text
from survey.store import municipality
from survey.store.models import QuestionnaireVersion
from survey.store.municipality import DistrictInfo
from survey.store.questionnaires import (
    DRAFT,
    PUBLISHED,
    import_questionnaire,
    publish_version,
    questionnaire_for_version,
    unchanged_version,
    version_rows,
)
from tests.unit.test_district_binding import BOUND

CITY = [
    DistrictInfo("nord", "Nord", None, {"ar": "الشمال", "en": "North"}),
    DistrictInfo("mitte", "Mitte"),
    DistrictInfo("nord-hafen", "Hafen", "nord"),
]


def loaded(text: str = BOUND):
    return load_questionnaire_text(text, "bound.yaml")


def options(version: QuestionnaireVersion) -> list[tuple[str, str | None]]:
    return [(o.code, o.parent) for o in questionnaire_for_version(version).question("district").options]


def test_a_bound_questionnaire_is_refused_while_the_city_has_no_districts(db):
    for publish in (True, False):
        with pytest.raises(QuestionnaireError) as refused:
            import_questionnaire(db, loaded(), publish=publish)
        [problem] = refused.value.problems
        assert problem.code == "no_city_districts" and "Districts and fields" in problem.message
    assert version_rows(db, "bound") == []


def test_publishing_freezes_the_list_and_drafts_follow_the_city(db):
    municipality.save_districts(db, CITY)
    result = import_questionnaire(db, loaded())
    [published] = version_rows(db, "bound")
    assert result.status == PUBLISHED
    assert options(published) == [("nord", None), ("nord-hafen", "nord"), ("mitte", None)]
    nord = questionnaire_for_version(published).question("district").option("nord")
    assert dict(nord.label.translations) == {"de": "Nord", "ar": "الشمال", "en": "North"}

    # A draft of the next version, then the city renames a district and adds a sub-district.
    import_questionnaire(db, loaded(BOUND.replace("Titel", "Neuer Titel")), publish=False)
    municipality.save_districts(db, [DistrictInfo("nord", "Nord-Neu"), *CITY[1:], DistrictInfo("mitte-markt", "Markt", "mitte")])
    draft, published = version_rows(db, "bound")
    db.expire_all()
    assert draft.status == DRAFT
    assert options(draft) == [("nord", None), ("nord-hafen", "nord"), ("mitte", None), ("mitte-markt", "mitte")]
    assert questionnaire_for_version(draft).question("district").option("nord").label.get("de") == "Nord-Neu"
    # The published version's answers keep their meaning: its list is the one it was published with.
    assert options(published) == [("nord", None), ("nord-hafen", "nord"), ("mitte", None)]
    assert questionnaire_for_version(published).question("district").option("nord").label.get("de") == "Nord"

    publish_version(db, draft)
    municipality.save_districts(db, [*CITY, DistrictInfo("west", "West")])
    db.expire_all()
    assert ("west", None) not in options(draft)


def test_the_same_file_after_the_list_changed_makes_a_new_version_with_the_new_list(db):
    municipality.save_districts(db, CITY)
    import_questionnaire(db, loaded())
    assert unchanged_version(db, loaded()) is not None
    municipality.save_districts(db, [*CITY, DistrictInfo("west", "West")])
    assert unchanged_version(db, loaded()) is None
    again = import_questionnaire(db, loaded())
    assert again.created and again.version_number == 2
    newest, first = version_rows(db, "bound")
    assert ("west", None) in options(newest) and ("west", None) not in options(first)


def test_a_draft_is_not_published_once_the_list_was_emptied(db):
    municipality.save_districts(db, [DistrictInfo("only", "Einziger")])
    import_questionnaire(db, loaded(), publish=False)
    assert municipality.delete_district(db, "only")
    [draft] = version_rows(db, "bound")
    assert draft.districts == []
    with pytest.raises(QuestionnaireError):
        publish_version(db, draft)
    assert db.scalar(select(QuestionnaireVersion.status).where(QuestionnaireVersion.id == draft.id)) == DRAFT


def test_a_questionnaire_with_its_own_list_stores_no_city_list(db):
    municipality.save_districts(db, CITY)
    own = BOUND.replace("districts: municipality", "districts:\n  - {code: x, label: {de: X, ar: س}}").replace("nord-altstadt", "x")
    import_questionnaire(db, loaded(own))
    [version] = version_rows(db, "bound")
    assert version.districts is None and options(version) == [("x", None)]


def test_district_names_per_language_import_and_a_wrong_language_column_is_named(db):
    raw = "code,name,parent,name_ar,name_en\nnord,Nord,,الشمال,North\nhafen,Hafen,nord,,\n".encode()
    municipality.save_districts(db, municipality.parse_districts(raw, "d.csv"))
    assert municipality.list_districts(db) == [DistrictInfo("nord", "Nord", None, {"ar": "الشمال", "en": "North"}),
                                               DistrictInfo("hafen", "Hafen", "nord", {})]
    report = municipality.save_districts(db, municipality.parse_districts(raw.replace(b"North", b"Northside"), "d.csv"))
    assert report.changed == ("nord",)
    from survey.files import TableImportError

    with pytest.raises(TableImportError) as refused:
        municipality.parse_districts(b"code,name,name_xx\nnord,Nord,N\n", "d.csv")
    assert [p.code for p in refused.value.problems] == ["not_a_language_column"]
