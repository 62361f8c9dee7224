"""Loading questionnaire files: the bundled ones load, every kind of broken file is refused with a
precise message (file, line, path, what is wrong and how to fix it)."""
import pytest

from survey.languages import LANGUAGES
from survey.questionnaire import (
    IntegrationField,
    QuestionnaireError,
    QuestionType,
    load_questionnaire_bytes,
    load_questionnaire_file,
    load_questionnaire_text,
)
from survey.questionnaire.formats.yaml_writer import dump_questionnaire
from tests.conftest import BUNDLED

VALID = """\
slug: mini
default_language: de
languages:
  - de
  - en
title: {de: Mini, en: Mini}
districts:
  - {code: nord, label: {de: Nord, en: North}}
sections:
  - code: work
    field: work
    title: {de: Arbeit, en: Work}
    questions:
      - code: work_status
        type: single_choice
        required: true
        label: {de: Status, en: Status}
        options:
          - {code: looking, label: {de: Suche, en: Looking}}
          - {code: employed, label: {de: Arbeite, en: Working}}
      - code: work_help
        type: multiple_choice
        condition: "work_status == 'looking'"
        label: {de: Hilfe, en: Help}
        options:
          - {code: cv, label: {de: Lebenslauf, en: CV}}
          - {code: none, exclusive: true, label: {de: Keine, en: None}}
"""


def load(text: str):
    return load_questionnaire_text(text, "mini.yaml")


def refused(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load(text)
    return [str(problem) for problem in caught.value.errors]


def test_valid_file_builds_the_model():
    questionnaire = load(VALID).questionnaire
    assert questionnaire.slug == "mini"
    assert questionnaire.sections[0].field == IntegrationField.WORK
    question = questionnaire.question("work_help")
    assert question.type is QuestionType.MULTIPLE_CHOICE
    assert question.options[1].exclusive
    assert question.condition.evaluate({"work_status": "looking"})


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_questionnaires_load_without_warnings(path):
    loaded = load_questionnaire_file(path)
    assert loaded.warnings == []
    assert loaded.questionnaire.slug == path.stem


def test_needs_assessment_meets_its_brief():
    questionnaire = load_questionnaire_file(BUNDLED / "needs-assessment.yaml").questionnaire
    answerable = [q for q in questionnaire.questions() if q.takes_answer]
    assert 25 <= len(answerable) <= 40
    assert {s.field for s in questionnaire.sections if s.field} == set(IntegrationField)
    # All sixteen languages of DOMAIN.md, in full (no partial language, so no fallback needed).
    assert set(questionnaire.language_codes) == set(LANGUAGES)
    assert not any(spec.partial for spec in questionnaire.languages)
    unreviewed = {spec.code for spec in questionnaire.languages if not spec.reviewed}
    assert unreviewed == set(LANGUAGES) - {"de", "en"}
    assert sum(1 for q in questionnaire.questions() if q.condition) >= 5
    used_types = {q.type for q in questionnaire.questions()}
    assert used_types >= {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.YES_NO,
                          QuestionType.SCALE, QuestionType.NUMBER, QuestionType.LONG_TEXT, QuestionType.YEAR,
                          QuestionType.DISTRICT, QuestionType.INFO}


def test_writer_round_trip_keeps_everything():
    original = load_questionnaire_file(BUNDLED / "needs-assessment.yaml").questionnaire
    again = load_questionnaire_text(dump_questionnaire(original), "dumped.yaml").questionnaire
    assert again == original


def test_unknown_type_names_the_line_and_the_known_types():
    [message] = refused(VALID.replace("type: single_choice", "type: singel_choice"))
    assert message.startswith("mini.yaml:15: sections[0].questions[0].type:")
    assert "Unknown question type 'singel_choice'" in message
    assert "Did you mean 'single_choice'?" in message


def test_duplicate_question_code():
    [message] = refused(VALID.replace("code: work_help", "code: work_status"))
    assert "The question code 'work_status' appears twice (first at line 14)" in message
    assert message.startswith("mini.yaml:21:")


def test_duplicate_option_code():
    [message] = refused(VALID.replace("{code: employed,", "{code: looking,"))
    assert "The option code 'looking' appears twice" in message


def test_condition_on_unknown_question():
    [message] = refused(VALID.replace("work_status == 'looking'", "work_stat == 'looking'"))
    assert "refers to an unknown question 'work_stat'" in message
    assert "Did you mean 'work_status'?" in message


def test_condition_on_later_question():
    text = VALID.replace("        required: true\n        label: {de: Status",
                         "        required: true\n        condition: \"count(work_help) > 0\"\n        label: {de: Status")
    [message] = refused(text)
    assert "refers to 'work_help', which comes later" in message
    assert "only use questions asked before it" in message


def test_condition_with_unknown_option_and_bad_syntax():
    [message] = refused(VALID.replace("work_status == 'looking'", "work_status == 'lookin'"))
    assert "'work_status' has no option 'lookin'" in message and "Did you mean 'looking'?" in message
    [message] = refused(VALID.replace("work_status == 'looking'", "work_status = 'looking'"))
    assert "The condition \"work_status = 'looking'\" cannot be read." in message and "use == to compare" in message
    assert message.startswith("mini.yaml:23: sections[0].questions[1].condition: character 13: ")  # where the parser stopped


def test_missing_translation_of_a_declared_language_is_an_error():
    [message] = refused(VALID.replace("label: {de: Hilfe, en: Help}", "label: {de: Hilfe}"))
    assert "sections[0].questions[1].label: The 'en' translation is missing" in message
    assert "partial: true" in message  # says how to opt into fallback


def test_partial_language_falls_back_with_a_warning():
    text = VALID.replace("  - en\n", "  - en\n  - {code: prs, partial: true}\n").replace(
        "title: {de: Mini, en: Mini}", "title: {de: Mini, en: Mini, prs: مینی}")
    loaded = load(text)
    [warning] = loaded.warnings
    assert warning.severity == "warning"
    assert "'prs' lacks 8 texts; they fall back to en → de" in warning.message
    questionnaire = loaded.questionnaire
    resolved = questionnaire.question("work_status").label.resolve(questionnaire.chain("prs"))
    assert (resolved.text, resolved.language, resolved.is_fallback) == ("Status", "en", True)


def test_undeclared_and_ambiguous_languages():
    [message] = refused(VALID.replace("title: {de: Mini, en: Mini}", "title: {de: Mini, en: Mini, ar: x}"))
    assert "The language 'ar' is not declared" in message
    messages = refused(VALID.replace("  - en\n", "  - en\n  - ku\n"))
    assert any("use 'kmr' for Kurmanji" in m for m in messages)


def test_yaml_syntax_error_and_duplicate_keys_report_lines():
    [message] = refused(VALID.replace("title: {de: Arbeit, en: Work}", "title: {de: Arbeit, en: Work"))
    assert message.startswith("mini.yaml:") and "YAML syntax error" in message
    [message] = refused(VALID.replace("slug: mini\n", "slug: mini\nslug: other\n"))
    assert message.startswith("mini.yaml:2:") and "The key 'slug' appears twice (first at line 1)" in message


def test_a_refused_document_keeps_pyyamls_words_and_line():
    """libyaml reads the files; where it words an error otherwise (the first) or reads on where
    PyYAML refuses (a "?" ending a plain value in braces, a tab as white space), the staff get
    PyYAML's refusal as before."""
    for original, changed, words in [
        ("slug: mini\n", "slug: mini: other\n", "mapping values are not allowed here"),
        ("title: {de: Arbeit, en: Work}", "title: {de: Arbeit?, en: Work}", "expected ',' or '}', but got '?'"),
        ("title: {de: Arbeit, en: Work}", "title: {de:\tArbeit, en: Work}", "found character '\\t' that cannot start any token"),
    ]:
        [message] = refused(VALID.replace(original, changed))
        assert words in message, message
        assert message.startswith(f"mini.yaml:{VALID[:VALID.index(original)].count(chr(10)) + 1}:"), message


def test_unknown_key_and_wrong_shapes():
    messages = refused(VALID.replace("required: true", "requried: true"))
    assert any("Unknown key 'requried'. Did you mean 'required'?" in m for m in messages)
    messages = refused(VALID.replace("title: {de: Mini, en: Mini}", "title: Mini"))
    assert any("A text must map languages to strings" in m for m in messages)
    assert refused("just a string")[0].endswith("not the str 'just a string'.")


def test_type_specific_rules():
    text = VALID.replace("        options:\n          - {code: looking", "        min: 3\n        options:\n          - {code: looking")
    assert any("'min' does not apply to single_choice" in m for m in refused(text))
    text = VALID.replace("{code: looking, label", "{code: looking, exclusive: true, label")
    assert any("'exclusive' is only for options of multiple_choice" in m for m in refused(text))


def test_reports_every_error_at_once():
    text = VALID.replace("type: single_choice", "type: nope").replace("{code: cv,", "{code: none,")
    assert len(refused(text)) == 2


def test_safe_loader_refuses_python_tags_and_bad_encoding():
    messages = refused(VALID.replace("slug: mini", "slug: !!python/object/apply:os.system ['id']"))
    assert any("YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in m for m in messages)
    with pytest.raises(QuestionnaireError, match="not valid UTF-8"):
        load_questionnaire_bytes(VALID.encode("utf-8") + b"\xff\xfe", "mini.yaml")


NEEDS_FORM = """\
slug: needs-mini
default_language: de
languages: [de]
title: {de: Bedarf}
analysis:
  breakdowns: [district, "no"]
districts:
  - {code: nord, label: {de: Nord}}
sections:
  - code: about
    title: {de: Über Sie}
    questions:
      - {code: district, type: district, label: {de: Stadtteil}}
      - {code: "no", type: yes_no, label: {de: Kinder}}
  - code: housing
    field: housing
    need: "selected(flat_help, 'search') or later_question == 'yes'"
    title: {de: Wohnen}
    questions:
      - code: flat_help
        type: multiple_choice
        label: {de: Hilfe}
        options:
          - {code: search, label: {de: Suche}}
          - {code: none, exclusive: true, label: {de: Keine}}
  - code: other
    field: own_city_field
    title: {de: Eigenes Feld}
    questions:
      - {code: later_question, type: yes_no, label: {de: Später}}
"""


def test_need_breakdowns_and_city_fields_load_and_round_trip():
    from survey.questionnaire.formats.yaml_writer import dump_questionnaire

    q = load(NEEDS_FORM).questionnaire
    housing = q.section("housing")
    # A need may use a later question: it is judged on the whole response.
    assert housing.need.evaluate({"later_question": "yes"}) and not housing.need.evaluate({"flat_help": ["none"]})
    assert q.breakdowns == ("district", "no") and q.section("other").field == "own_city_field"
    assert [s.code for s in q.need_sections()] == ["housing"] and q.district_question().code == "district"
    again = load(dump_questionnaire(q)).questionnaire
    assert again.breakdowns == q.breakdowns and again.section("housing").need.source == housing.need.source


def test_need_and_breakdown_errors_are_named():
    broken = (NEEDS_FORM.replace("breakdowns: [district, \"no\"]", "breakdowns: [flat_help, nothing]")
              .replace("    field: housing\n", ""))
    with pytest.raises(QuestionnaireError) as caught:
        load(broken)
    text = str(caught.value)
    assert "give the section a 'field' too" in text
    assert "The breakdown 'flat_help' is a multiple_choice question" in text and "'nothing' is not a question" in text
