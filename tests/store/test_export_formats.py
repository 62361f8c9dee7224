"""Every export format read back (pandas, openpyxl, pyreadstat) and compared to the stored
answers; filters; label language; formula neutralisation; background jobs and their staff pages;
the command line."""
from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.exports.filters import FilterError, parse_filter
from survey.exports.formats import get_format
from survey.exports.labels import Labels, UnknownLabelLanguage
from survey.exports.request import ExportRequest, prepare
from survey.exports.variables import Kind, Schema
from survey.files import neutralize
from survey.questionnaire import load_questionnaire_text
from survey.questionnaire.model import Text
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.models import QuestionnaireVersion, Response
from survey.store.questionnaires import import_questionnaire
from survey.store.responses import ResponseFilter
from tests.conftest import BUNDLED

SLUG = "needs-assessment"


FORMULA = '=HYPERLINK("http://evil")'


LONG = ("Wir brauchen eine Beratung in der Nähe. " * 30).strip()  # > 255 bytes: a long SPSS string


ANSWERS = [
    ("r1", dt.datetime(2026, 11, 2, 9, 30), "ar", "web", False, {
        "district": "nord", "age_band": "18_27", "gender": "female", "arrival_year": 2019,
        "housing_type": "shared_accommodation", "household_children": "yes",
        "help_areas": ["language", "housing"], "urgency": "very_urgent", "knows_where": "no",
        "barriers": ["language", "other"], "barriers_other": FORMULA, "german_level": "2",
        "german_course": "waiting", "course_obstacles": ["childcare"], "children_ages": ["under_3"],
        "childcare_place_needed": "yes", "own_education": "no", "work_status": "looking",
        "work_help": ["job_search"], "housing_help": ["finding_flat"], "housing_satisfaction": "2",
        "advice_language": ["ar"], "advice_channel": ["in_person", "interpreter"], "household_size": 5,
        "comments": "-1 ist schlecht\nzweite Zeile"}),
    ("r2", dt.datetime(2026, 11, 5, 18, 0), "uk", "shelter-north", True, {
        "district": "mitte", "age_band": "28_44", "housing_type": "municipal_flat", "household_children": "no",
        "help_areas": ["none"], "knows_where": "yes_used", "german_level": "4", "work_status": "other",
        "work_status_other": "@Fahrer", "housing_help": ["none"], "legal_help": ["benefits", "letters"],
        "advice_language": ["uk", "ru"], "advice_channel": ["phone"], "comments": LONG}),
    ("r3", dt.datetime(2026, 11, 10, 7, 5), "de", "web", False, {
        "district": "nord", "age_band": "45_64", "housing_type": "own_flat", "household_children": "no",
        "help_areas": ["work"], "urgency": "later", "knows_where": "yes_not_used", "barriers": ["opening_hours"],
        "german_level": "3", "work_status": "employed", "work_help": ["recognition"], "housing_help": ["costs"],
        "advice_language": ["de"], "advice_channel": ["video"], "household_size": 1}),
    ("r4", dt.datetime(2026, 12, 1, 12, 0), "ar", "web", False, {
        "district": "sued", "age_band": "65_plus", "housing_type": "with_others", "household_children": "no",
        "help_areas": ["health"], "urgency": "within_3_months", "knows_where": "no", "german_level": "1",
        "german_course": "would_like", "work_status": "not_working", "housing_help": ["none"],
        "health_help": ["doctor_my_language"], "advice_language": ["ar", "other"], "advice_language_other": "+Dari",
        "advice_channel": ["interpreter"]}),
]


def add_responses(session: Session, slug: str = SLUG, version_number: int = 1, answers=ANSWERS) -> None:
    version = session.scalar(select(QuestionnaireVersion).join(QuestionnaireRow).where(
        QuestionnaireRow.slug == slug, QuestionnaireVersion.number == version_number))
    for public_id, submitted, language, channel, interviewer, values in answers:
        session.add(Response(public_id=public_id, submission_key=uuid.uuid4().hex, version_id=version.id,
                             language=language, channel=channel, interviewer_entered=interviewer,
                             started_on=submitted.date(), submitted_at=submitted.replace(tzinfo=dt.UTC),
                             answers=values))
    session.flush()


@pytest.fixture()
def stored(db, bundled):
    add_responses(db)
    db.commit()
    return db


def export(db, tmp_path, name, **options) -> Path:
    export_filter = options.pop("export_filter", ResponseFilter())
    request = ExportRequest(SLUG, export_filter, **{"threshold": 5, **options})
    path = tmp_path / f"out-{name}.{get_format(name).extension}"
    count = get_format(name).write(prepare(db, request), path)
    assert count > 0
    return path


def schema(db) -> Schema:
    return Schema(prepare(db, ExportRequest(SLUG, threshold=5)).versions)


def expected_text(variable, answers) -> str:
    """The CSV cell the stored answers must give (codes)."""
    value = answers.get(variable.question.code)
    if variable.kind is Kind.FLAG:
        return "" if value is None else ("1" if variable.option.code in value else "0")
    if variable.kind is Kind.OTHER:
        value = answers.get(variable.question.other_code)
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    return str(neutralize(value)) if isinstance(value, str) else str(value)


def label_sheet(workbook) -> dict:
    """(variable, value) -> the row of the labels sheet (read-only mode drops trailing empty cells)."""
    rows = [tuple(row) + (None,) * (5 - len(row)) for row in workbook["labels"].iter_rows(values_only=True)]
    assert rows[0] == ("variable", "label", "type", "value", "value_label")
    return {(row[0], row[3]): row for row in rows[1:]}


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_read_back_with_pandas_equals_the_stored_answers(stored, tmp_path):
    frame = pd.read_csv(export(stored, tmp_path, "csv"), dtype=str, keep_default_na=False).set_index("response_id")
    assert list(frame.index) == ["r1", "r2", "r3", "r4"]  # submission order
    variables = schema(stored).variables
    assert len(variables) > 60
    for public_id, submitted, language, channel, interviewer, answers in ANSWERS:
        row = frame.loc[public_id]
        assert row["language"] == language and row["channel"] == channel
        assert row["submitted_at"] == submitted.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")
        assert row["interviewer_entered"] == ("1" if interviewer else "0") and row["questionnaire_version"] == "1"
        for variable in variables:
            assert row[variable.name] == expected_text(variable, answers), (public_id, variable.name)
    assert frame.loc["r1", "barriers_other"] == "'" + FORMULA and frame.loc["r4", "advice_language_other"] == "'+Dari"
    assert frame.loc["r1", "comments"] == "'-1 ist schlecht\nzweite Zeile"


def test_csv_with_labels_in_the_chosen_language_whatever_the_respondent_used(stored, tmp_path):
    german = pd.read_csv(export(stored, tmp_path, "csv", labels=True), dtype=str, keep_default_na=False)
    r1 = german.set_index("response_id").loc["r1"]
    assert r1["district"] == "Musterstadt-Nord" and r1["language"] == "ar"  # answered in Arabic
    assert r1["household_children"] == "Ja" and r1["german_level"] != "2"
    labels = Labels(schema(stored).versions, "de")
    help_areas = schema(stored).versions[0].question("help_areas")
    assert r1["help_areas"] == "; ".join(labels.option(help_areas.option(c)) for c in ["language", "housing"])
    assert r1["help_areas/language"] == "1" and r1["household_size"] == "5"
    english = pd.read_csv(export(stored, tmp_path, "csv", labels=True, label_language="en"), dtype=str,
                          keep_default_na=False).set_index("response_id")
    assert english.loc["r1", "district"] == "Musterstadt North" and english.loc["r2", "household_children"] == "No"


# --- Excel --------------------------------------------------------------------------------------


def test_xlsx_data_and_labels_sheets_read_back_with_openpyxl(stored, tmp_path):
    workbook = openpyxl.load_workbook(export(stored, tmp_path, "xlsx"), read_only=True)
    assert workbook.sheetnames == ["data", "labels"]
    rows = list(workbook["data"].iter_rows(values_only=True))
    header = list(rows[0])
    by_id = {row[0]: dict(zip(header, row, strict=False)) for row in rows[1:]}
    assert list(by_id) == ["r1", "r2", "r3", "r4"]
    for public_id, submitted, language, channel, _interviewer, answers in ANSWERS:
        row = by_id[public_id]
        assert row["submitted_at"] == submitted and row["language"] == language and row["channel"] == channel
        for variable in schema(stored).variables:
            cell = row[variable.name]
            assert ("" if cell is None else str(cell)) == expected_text(variable, answers), (public_id, variable.name)
    assert isinstance(by_id["r1"]["household_size"], int) and by_id["r1"]["help_areas/housing"] == 1
    # Formula neutralisation: text, never a formula, in every cell.
    assert by_id["r1"]["barriers_other"] == "'" + FORMULA and by_id["r2"]["work_status_other"] == "'@Fahrer"
    labels = label_sheet(workbook)
    question_text = schema(stored).versions[0].question("urgency").label.get("de")
    assert labels[("urgency", None)][1] == question_text
    assert labels[("district", "nord")][4] == "Musterstadt-Nord"
    assert labels[("help_areas/language", 1)][4] == "ausgewählt"
    assert labels[("language", None)][1] == "Sprache, in der geantwortet wurde"


def test_xlsx_formula_cells_are_stored_as_text(stored, tmp_path):
    workbook = openpyxl.load_workbook(export(stored, tmp_path, "xlsx"))
    sheet = workbook["data"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("barriers_other") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_labels_in_english_and_more_rows_than_a_sheet_continue_on_the_next(stored, tmp_path, monkeypatch):
    from survey.exports import xlsx_export
    monkeypatch.setattr(xlsx_export, "MAX_ROWS_PER_SHEET", 3)
    workbook = openpyxl.load_workbook(export(stored, tmp_path, "xlsx", labels=True, label_language="en"), read_only=True)
    assert workbook.sheetnames == ["data", "data_2", "labels"]
    first, second = (list(workbook[name].iter_rows(values_only=True)) for name in ("data", "data_2"))
    assert first[0] == second[0] and [row[0] for row in first[1:] + second[1:]] == ["r1", "r2", "r3", "r4"]
    district = first[0].index("district")
    assert first[1][district] == "Musterstadt North"
    labels = label_sheet(workbook)
    assert labels[("help_areas/language", 0)][4] == "not chosen"


# --- SPSS ---------------------------------------------------------------------------------------


def test_sav_read_back_with_pyreadstat_equals_the_stored_answers(stored, tmp_path):
    frame, meta = pyreadstat.read_sav(str(export(stored, tmp_path, "sav")), apply_value_formats=False)
    frame = frame.set_index("response_id")
    assert list(frame.index) == ["r1", "r2", "r3", "r4"]
    for public_id, submitted, language, channel, interviewer, answers in ANSWERS:
        row = frame.loc[public_id]
        assert row["language"] == language and row["channel"] == channel
        assert row["submitted_at"].to_pydatetime() == submitted and row["interviewer_entered"] == int(interviewer)
        for variable in schema(stored).variables:
            if variable.kind is Kind.CHOICES:
                assert variable.name not in frame.columns  # carried by the 0/1 variables
                continue
            name = variable.name.replace("/", ".")
            value, expected = row[name], expected_text(variable, answers)
            if variable.kind is Kind.CHOICE:
                # Codes chosen: the value labels are the codes, so each number maps back to its code.
                found = "" if math.isnan(value) else meta.variable_value_labels[name][value]
                assert found == expected, (public_id, name)
            elif variable.kind in (Kind.FLAG, Kind.NUMBER):
                assert ("" if math.isnan(value) else str(int(value))) == expected, (public_id, name)
            else:
                assert value == expected, (public_id, name)
    assert frame.loc["r2", "comments"] == LONG and len(LONG.encode()) > 255
    assert frame.loc["r1", "barriers_other"] == "'" + FORMULA and frame.loc["r4", "advice_language_other"] == "'+Dari"


def test_sav_labels_measures_and_names(stored, tmp_path):
    _frame, meta = pyreadstat.read_sav(str(export(stored, tmp_path, "sav", labels=True)), metadataonly=True)
    versions = schema(stored).versions
    assert meta.column_names_to_labels["urgency"] == versions[0].question("urgency").label.get("de")
    language_label = versions[0].question("help_areas").option("language").label.get("de")
    assert meta.column_names_to_labels["help_areas.language"].endswith(": " + language_label)
    assert meta.variable_value_labels["help_areas.language"] == {0: "nicht ausgewählt", 1: "ausgewählt"}
    assert meta.variable_value_labels["district"][1] == "Musterstadt-Nord"
    assert meta.variable_value_labels["household_children"] == {1: "Ja", 0: "Nein"}
    assert meta.variable_value_labels["german_level"][1] == versions[0].question("german_level").option("1").label.get("de")
    assert meta.variable_measure["german_level"] == "ordinal" and meta.variable_measure["district"] == "nominal"
    assert meta.variable_measure["household_size"] == "scale" and meta.variable_measure["barriers_other"] == "nominal"
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_.@#$]*", name) and len(name.encode()) <= 64
               for name in meta.column_names)
    assert len({name.upper() for name in meta.column_names}) == len(meta.column_names)
    assert meta.file_label == versions[0].title.get("de")


def test_sav_keeps_codes_no_version_lists_and_widens_numbers_that_do_not_fit(db, bundled, tmp_path):
    add_responses(db, answers=[("x1", dt.datetime(2026, 11, 2), "de", "web", False,
                                {"district": "altstadt", "household_size": 20, "arrival_year": 2020})])
    db.commit()
    frame, meta = pyreadstat.read_sav(str(export(db, tmp_path, "sav")), apply_value_formats=False)
    number = frame.loc[0, "district"]
    assert meta.variable_value_labels["district"][number] == "altstadt"  # kept, labelled with its code
    assert frame.loc[0, "arrival_year"] == 2020 and frame.loc[0, "household_size"] == 20


def test_sav_takes_responses_that_arrive_after_counting(stored, tmp_path):
    prepared = prepare(stored, ExportRequest(SLUG, threshold=5))
    prepared.__dict__["total"] = 1  # as if three responses came in between counting and reading
    path = tmp_path / "late.sav"
    assert get_format("sav").write(prepared, path) == 4
    frame, _meta = pyreadstat.read_sav(str(path))
    assert list(frame["response_id"]) == ["r1", "r2", "r3", "r4"] and list(frame["household_size"].fillna(0)) == [5, 0, 1, 0]


# --- codebook -----------------------------------------------------------------------------------


def test_codebook_lists_variables_questions_options_and_conditions(stored, tmp_path):
    book = pd.read_csv(export(stored, tmp_path, "codebook"), dtype=str, keep_default_na=False)
    versions = schema(stored).versions
    urgency = book[(book["variable"] == "urgency") & (book["value"] == "")].iloc[0]
    assert urgency["text"] == versions[0].question("urgency").label.get("de")
    assert urgency["condition"] == versions[0].question("urgency").condition.source
    assert urgency["section"] == "needs" and urgency["type"] == "single_choice" and urgency["required"] == "1"
    district_values = book[(book["variable"] == "district") & (book["value"] != "")]
    assert list(district_values["value"])[:2] == ["nord", "mitte"] and district_values.iloc[0]["value_label"] == "Musterstadt-Nord"
    assert set(book["variable"]) >= {v.name for v in schema(stored).variables} | {"response_id", "language", "channel"}
    flag = book[(book["variable"] == "help_areas/work") & (book["value"] == "")].iloc[0]
    assert flag["kind"] == "flag" and flag["field"] == ""
    field_row = book[(book["variable"] == "german_level") & (book["value"] == "")].iloc[0]
    assert field_row["field"] == "language"
    english = pd.read_csv(export(stored, tmp_path, "codebook", label_language="en"), dtype=str, keep_default_na=False)
    assert english[(english["variable"] == "district") & (english["value"] == "nord")].iloc[0]["value_label"] == "Musterstadt North"


# --- filters and labels -------------------------------------------------------------------------


def ids(db, tmp_path, **filter_values) -> list[str]:
    frame = pd.read_csv(export(db, tmp_path, "csv", export_filter=parse_filter(**filter_values)), dtype=str)
    return list(frame["response_id"])


def test_filters_by_date_language_district_channel_and_version(stored, tmp_path):
    assert ids(stored, tmp_path, date_from="2026-11-05", date_to="2026-11-10") == ["r2", "r3"]
    assert ids(stored, tmp_path, date_to="2026-11-02") == ["r1"]  # the end day is included
    assert ids(stored, tmp_path, languages=["ar"]) == ["r1", "r4"]
    assert ids(stored, tmp_path, districts=["nord", "sued"]) == ["r1", "r3", "r4"]
    assert ids(stored, tmp_path, channels=["shelter-north"]) == ["r2"]
    assert ids(stored, tmp_path, languages=["ar"], districts=["nord"]) == ["r1"]
    # A second version: its responses are told apart by version number.
    source = (BUNDLED / "needs-assessment.yaml").read_text(encoding="utf-8")
    import_questionnaire(stored, load_questionnaire_text(source.replace("Ihr Bedarf an Beratung und Unterstützung",
                                                                        "Ihr Bedarf, zweite Runde", 1)))
    add_responses(stored, version_number=2, answers=[("r5", dt.datetime(2027, 1, 3), "fr", "web", False,
                                                      {"district": "west", "help_areas": ["legal"]})])
    stored.commit()
    assert ids(stored, tmp_path, versions=["2"]) == ["r5"] and ids(stored, tmp_path, versions=["1"]) == ["r1", "r2", "r3", "r4"]
    assert ids(stored, tmp_path, districts=["west"]) == ["r5"]


def test_bad_filter_values_are_refused_with_a_specific_message(stored):
    with pytest.raises(FilterError, match="'2026-02-30' is not a date"):
        parse_filter(date_from="2026-02-30")
    with pytest.raises(FilterError, match="start date is after the end date"):
        parse_filter(date_from="2026-12-01", date_to="2026-11-01")
    with pytest.raises(FilterError, match="'x' is not a version"):
        parse_filter(versions=["x"])
    for values, message in [({"districts": ["atlantis"]}, "'atlantis' is not a district"),
                            ({"languages": ["zz"]}, "'zz' is not a language"),
                            ({"versions": ["7"]}, "'7' is not a version")]:
        with pytest.raises(FilterError, match=message):
            prepare(stored, ExportRequest(SLUG, parse_filter(**values), threshold=5))
    with pytest.raises(UnknownLabelLanguage):
        prepare(stored, ExportRequest(SLUG, label_language="xx", threshold=5))


def test_label_language_falls_back_along_the_questionnaires_chain(stored):
    versions = schema(stored).versions
    sorani = Labels(versions, "ckb")
    assert sorani.chain[:3] == ["ckb", "ar", "en"]
    assert sorani.text(Text({"de": "Ja", "en": "Yes", "ar": "نعم"})) == "نعم"
    assert sorani.text(Text({"de": "Ja", "en": "Yes"})) == "Yes"
    assert Labels(versions, "fr").text(Text({"de": "Nur Deutsch"})) == "Nur Deutsch"
    assert sorani.word("chosen") == "chosen" and Labels(versions).word("chosen") == "ausgewählt"


def test_filter_survives_the_round_trip_through_a_job(stored):
    request = ExportRequest(SLUG, parse_filter("2026-11-01", "2026-11-30", ["ar"], ["nord"], ["web"], ["1"]), True, "en", threshold=5)
    assert ExportRequest.from_options(SLUG, request.to_options()) == request
