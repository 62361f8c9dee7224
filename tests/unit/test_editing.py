"""The editor's domain logic without Flask: edits on questionnaire data, the loader's errors
mapped to form fields, the condition builder, and storing edits as draft versions."""
from __future__ import annotations

import pytest

from survey.questionnaire import editing as e
from survey.questionnaire import load_questionnaire_file, load_questionnaire_text
from survey.questionnaire.conditions.expression import parse_condition
from survey.questionnaire.conditions.rules import (
    AND,
    OR,
    BuiltCondition,
    Rule,
    check_rule,
    condition_source,
    operators_for,
    parse_built,
    parse_number,
)
from survey.questionnaire.formats.yaml_writer import to_data
from tests.conftest import BUNDLED

SMALL = """\
slug: small
default_language: de
languages: [de, {code: en, partial: true}]
title: {de: Klein}
districts:
  - {code: nord, label: {de: Nord}}
sections:
  - code: one
    title: {de: Eins}
    questions:
      - code: status
        type: single_choice
        label: {de: Status}
        options:
          - {code: a, label: {de: A}}
          - {code: b, label: {de: B}, audio: {de: b.opus}}
      - code: help
        type: multiple_choice
        label: {de: Hilfe}
        options:
          - {code: x, label: {de: X}}
          - {code: none, exclusive: true, label: {de: Keine}}
      - code: size
        type: number
        label: {de: Größe}
  - code: two
    title: {de: Zwei}
    condition: "status == 'a'"
    questions:
      - code: level
        type: scale
        condition: "size > 2 and selected(help, 'x')"
        label: {de: Stufe}
        options:
          - {code: "1", label: {de: eins}}
          - {code: "2", label: {de: zwei}}
      - code: note
        type: info
        label: {de: Hinweis}
"""


@pytest.fixture()
def data():
    return to_data(load_questionnaire_text(SMALL).questionnaire)


def keys(errors: e.FormErrors) -> dict[str, list[str]]:
    return {key: [problem.message for problem in problems] for key, problems in errors.fields.items()}


# --- data round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.yaml")), ids=lambda p: p.name)
def test_to_data_loads_back_to_the_same_questionnaire(path):
    model = load_questionnaire_file(path).questionnaire
    assert e.check(e.Edit(to_data(model), "")) == model


def test_edits_never_change_the_data_they_were_given(data):
    before = repr(data)
    e.move_question(data, "help", "up")
    e.delete_question(data, "note")
    e.update_question(data, "size", e.QuestionInput(code="size", type="number", label={"de": "Neu"}))
    assert repr(data) == before


# --- questions ---------------------------------------------------------------------------------


def test_add_question_of_each_type(data):
    for kind in ("yes_no", "number", "text", "long_text", "year", "date", "district", "info"):
        edit = e.add_question(data, "two", e.QuestionInput(code=f"q_{kind}", type=kind, label={"de": kind}))
        model = e.check(edit)
        assert model.question(f"q_{kind}").type.value == kind
        assert edit.fields == {"sections[1].questions[2]": ""}
    edit = e.add_question(data, "two", e.QuestionInput(
        code="colour", type="single_choice", label={"de": "Farbe"}, other=True,
        options=[e.OptionRow("red", {"de": "Rot"}), e.OptionRow("blue", {"de": "Blau", "en": "Blue"})]))
    question = e.check(edit).question("colour")
    assert [o.code for o in question.options] == ["red", "blue"] and question.other


def test_form_errors_sit_next_to_their_fields(data):
    with pytest.raises(e.FormErrors) as caught:
        e.add_question(data, "two", e.QuestionInput(
            code="size", type="number", label={"en": "Size"}, minimum="zwei", maximum="1",
            options=[e.OptionRow("x", {"de": "X"})]))
    errors = keys(caught.value)
    assert "used already" in errors["code"][0]
    assert "The 'de' translation is missing" in errors["label.de"][0]
    assert errors["min"] == ["zwei is not a number."]
    assert set(errors) == {"code", "label.de", "min"}  # options do not apply to numbers


def test_loader_errors_of_options_point_at_the_row(data):
    rows = [e.OptionRow("a", {"de": "A"}), e.OptionRow("b c", {"de": "B"}), e.OptionRow("d", {"en": "D"})]
    with pytest.raises(e.FormErrors) as caught:
        e.set_options(data, "status", rows)
    errors = keys(caught.value)
    assert "without spaces" in errors["options[1].code"][0]
    assert "The 'de' translation is missing" in errors["options[2].label.de"][0]


def test_too_few_options_and_min_above_max(data):
    with pytest.raises(e.FormErrors) as caught:
        e.update_question(data, "status", e.QuestionInput(code="status", type="single_choice", label={"de": "S"},
                                                          options=[e.OptionRow("a", {"de": "A"})]))
    assert "at least two options" in keys(caught.value)["options"][0]
    with pytest.raises(e.FormErrors) as caught:
        e.update_question(data, "size", e.QuestionInput(code="size", type="number", label={"de": "S"}, minimum="5", maximum="1"))
    assert "greater than the maximum" in keys(caught.value)["min"][0]


def test_an_empty_code_gets_a_suggestion(data):
    with pytest.raises(e.FormErrors) as caught:
        e.add_question(data, "one", e.QuestionInput(type="text", label={"de": "Wie groß ist Ihre Wohnung?"}))
    assert caught.value.suggested == {"code": "wie_gross_ist_ihre_wohnung"}
    assert list(caught.value.fields) == ["code"]  # the rest of the form is fine


def test_suggest_code():
    assert e.suggest_code("Wie alt sind Sie?") == "wie_alt_sind_sie"
    assert e.suggest_code("Sprache", taken={"sprache"}) == "sprache_2"
    assert e.suggest_code("18 oder älter?") == "q_18_oder_aelter"
    assert e.suggest_code("ما هو عمرك؟") == "question"
    assert e.suggest_code("language") == "language_2"  # a reserved export column
    assert e.suggest_code("Nein") == "nein" and e.suggest_code("No") == "no_2"  # 'no' reads as false in YAML
    assert len(e.suggest_code("ein sehr langer Fragetext mit vielen vielen Wörtern darin")) <= 32


def test_codes_that_yaml_would_misread_are_refused(data):
    with pytest.raises(e.FormErrors) as caught:
        e.add_question(data, "one", e.QuestionInput(code="yes", type="text", label={"de": "X"}))
    assert "yes/no value" in keys(caught.value)["code"][0]


def test_rename_follows_conditions_and_is_refused_with_responses(data):
    edit = e.update_question(data, "size", e.QuestionInput(code="household_size", type="number", label={"de": "G"}))
    assert e.check(edit).question("level").condition.source == "household_size > 2 and selected(help, 'x')"
    assert e.rename_in_condition("count(count) > 1 and count == 'count'", "count", "n") == "count(n) > 1 and n == 'count'"
    with pytest.raises(e.FormErrors) as caught:
        e.update_question(data, "size", e.QuestionInput(code="household_size", type="number", label={"de": "G"}),
                          answered={"size"})
    assert "responses" in keys(caught.value)["code"][0]


def test_type_changes_are_refused_with_responses_or_conditions(data):
    with pytest.raises(e.FormErrors) as caught:
        e.update_question(data, "size", e.QuestionInput(code="size", type="text", label={"de": "G"}))
    assert "level" in keys(caught.value)["type"][0]
    with pytest.raises(e.FormErrors) as caught:
        e.update_question(data, "note", e.QuestionInput(code="note", type="text", label={"de": "G"}), answered={"note"})
    assert "responses" in keys(caught.value)["type"][0]
    edit = e.update_question(data, "note", e.QuestionInput(code="note", type="long_text", label={"de": "G"}))
    assert e.check(edit).question("note").max_length is not None


def test_options_used_by_conditions_must_stay_and_audio_is_kept(data):
    with pytest.raises(e.FormErrors) as caught:
        e.set_options(data, "status", [e.OptionRow("b", {"de": "B"}), e.OptionRow("c", {"de": "C"})])
    assert "[two]" in keys(caught.value)["options"][0]
    edit = e.set_options(data, "status", [e.OptionRow("b", {"de": "Bee"}), e.OptionRow("a", {"de": "A"})])
    question = e.check(edit).question("status")
    assert [o.code for o in question.options] == ["b", "a"] and question.options[0].audio.get("de") == "b.opus"


def test_move_question_within_and_across_sections(data):
    edit = e.move_question(data, "help", "up")
    assert [q["code"] for q in edit.data["sections"][0]["questions"]] == ["help", "status", "size"]
    edit = e.move_question(data, "level", "up")  # first of its section: to the end of the previous
    model = e.check(edit)
    assert [q.code for q in model.sections[0].questions] == ["status", "help", "size", "level"]
    with pytest.raises(e.FormErrors) as caught:
        e.move_question(data, "status", "up")
    assert keys(caught.value) == {"status": ["It is first already."]}
    last = e.move_question(e.move_question(data, "status", "down").data, "status", "down").data
    with pytest.raises(e.FormErrors) as caught:
        e.move_question(last, "status", "down")  # onto page two, whose own condition uses it
    assert "comes later" in keys(caught.value)["status"][0]


def test_delete_question(data):
    with pytest.raises(e.FormErrors) as caught:
        e.delete_question(data, "help")
    assert "level" in keys(caught.value)["help"][0]
    edit = e.delete_question(data, "note")
    assert not e.check(edit).has_question("note")
    with pytest.raises(e.FormErrors) as caught:
        e.delete_question(e.delete_question(data, "note").data, "level")
    assert "only one on its page" in keys(caught.value)["level"][0]


# --- sections ----------------------------------------------------------------------------------


def test_sections_add_update_move_delete(data):
    edit = e.add_section(data, e.SectionInput("housing", {"de": "Wohnen"}, {}, "housing"),
                         e.QuestionInput(code="flat", type="yes_no", label={"de": "Wohnung?"}))
    model = e.check(edit)
    assert model.sections[-1].code == "housing" and model.sections[-1].field == "housing"
    with pytest.raises(e.FormErrors) as caught:
        e.add_section(data, e.SectionInput("one", {}, {}, "sport"), e.QuestionInput(code="", type="yes_no", label={"de": "Sport?"}))
    errors = keys(caught.value)
    assert "used already" in errors["section.code"][0] and "not one of the city's integration fields" in errors["section.field"][0]
    assert "The 'de' translation is missing" in errors["section.title.de"][0] and "Enter a code" in errors["code"][0]

    edit = e.update_section(data, "two", e.SectionInput("second", {"de": "Zwei", "en": "Two"}, {"de": "Intro"}, ""))
    section = e.check(edit).sections[1]
    assert section.code == "second" and section.intro.get("de") == "Intro"
    assert section.condition.source == "status == 'a'" and len(section.questions) == 2  # kept

    with pytest.raises(e.FormErrors) as caught:
        e.move_section(data, "two", "up")  # its condition would use a later question
    assert "comes later" in keys(caught.value)["section:two"][0]
    with pytest.raises(e.FormErrors):
        e.delete_section(data, "one")  # section two uses its questions
    assert [s.code for s in e.check(e.delete_section(data, "two")).sections] == ["one"]
    with pytest.raises(e.FormErrors) as caught:
        e.delete_section(e.delete_section(data, "two").data, "one")
    assert "at least one section" in keys(caught.value)["section:one"][0]


# --- settings, districts, new questionnaires -----------------------------------------------------


def test_settings_languages(data):
    given = e.SettingsInput.from_data(data)
    rows = {row.code: row for row in given.languages}
    rows["ar"].offered = True  # added: starts partial
    rows["en"].offered = False  # removed: its texts go
    given.title = {"de": "Neu"}
    edit = e.update_settings(data, given)
    model = e.check(edit)
    assert model.language_codes == ("de", "ar") and model.language_spec("ar").partial
    assert "en" not in str(edit.data)
    rows["en"].offered = True
    rows["en"].partial = False
    with pytest.raises(e.FormErrors) as caught:
        e.update_settings(data, given)
    assert "lacks" in keys(caught.value)["partial.en"][0]
    given.default_language = "fr"
    with pytest.raises(e.FormErrors) as caught:
        e.update_settings(data, given)
    assert "default_language" in caught.value.fields


def test_districts(data):
    with pytest.raises(e.FormErrors) as caught:
        e.set_districts(data, [e.OptionRow("nord", {})])
    assert "The 'de' translation is missing" in keys(caught.value)["options[0].label.de"][0]
    edit = e.set_districts(data, [e.OptionRow("nord", {"de": "Nord"}), e.OptionRow("sued", {"de": "Süd"})])
    assert [d.code for d in e.check(edit).districts] == ["nord", "sued"]


def test_new_questionnaire():
    edit = e.new_questionnaire(e.NewQuestionnaireInput("neu", "Neu", "de", ["en", "ar", "de"], "Allgemeines", "Hallo"))
    model = e.check(edit)
    assert model.language_codes == ("de", "en", "ar") and model.language_spec("ar").partial
    assert model.sections[0].code == "allgemeines" and model.question("welcome").label.get("de") == "Hallo"
    with pytest.raises(e.FormErrors) as caught:
        e.new_questionnaire(e.NewQuestionnaireInput("Neu!", "", "de", [], "", ""), taken_slugs=())
    assert set(caught.value.fields) == {"slug", "title", "section_title", "welcome"}
    with pytest.raises(e.FormErrors) as caught:
        e.new_questionnaire(e.NewQuestionnaireInput("neu", "Neu", "de", [], "A", "B"), taken_slugs=["neu"])
    assert "exists already" in keys(caught.value)["slug"][0]


def test_option_rows_from_a_form():
    form = {"options[0].code": "a", "options[0].label.de": "A", "options[1].code": "", "options[1].label.de": "",
            "options[2].code": "c", "options[2].label.de": "C", "options[2].exclusive": "on",
            "options[3].code": "d", "options[3].remove": "on", "options[9999].code": "x", "other": "on"}
    rows = e.option_rows_from_form(form, ["de"])
    assert [(r.code, r.label, r.exclusive) for r in rows] == [("a", {"de": "A"}, False), ("c", {"de": "C"}, True)]
    assert [r.code for r in e.rearrange_rows(rows, "up:1")] == ["c", "a"]
    assert [r.code for r in e.rearrange_rows(rows, "remove:0")] == ["c"]
    assert len(e.rearrange_rows(rows, "add")) == 5
    assert e.rearrange_rows(rows, "down:7") == rows


# --- conditions --------------------------------------------------------------------------------

TYPES = {"status": "single_choice", "help": "multiple_choice", "size": "number", "level": "scale",
         "year": "year", "name": "text"}


@pytest.mark.parametrize(("built", "source"), [
    (BuiltCondition(AND, (Rule("status", "is", ("a",)),)), "status == 'a'"),
    (BuiltCondition(AND, (Rule("status", "is_not", ("a",)),)), "status != 'a'"),
    (BuiltCondition(AND, (Rule("status", "any_of", ("a", "b")),)), "(status == 'a' or status == 'b')"),
    (BuiltCondition(AND, (Rule("status", "none_of", ("a", "b")),)), "(status != 'a' and status != 'b')"),
    (BuiltCondition(AND, (Rule("help", "selected", ("x",)),)), "selected(help, 'x')"),
    (BuiltCondition(AND, (Rule("help", "not_selected", ("x",)),)), "not selected(help, 'x')"),
    (BuiltCondition(AND, (Rule("help", "any_selected", ("x", "y")),)), "(selected(help, 'x') or selected(help, 'y'))"),
    (BuiltCondition(AND, (Rule("name", "answered"),)), "answered(name)"),
    (BuiltCondition(AND, (Rule("name", "not_answered"),)), "not answered(name)"),
    (BuiltCondition(AND, (Rule("size", "ge", ("2,5",)),)), "size >= 2.5"),
    (BuiltCondition(AND, (Rule("size", "is", ("-3",)),)), "size == -3"),
    (BuiltCondition(AND, (Rule("level", "lt", ("4",)),)), "level < 4"),
    (BuiltCondition(OR, (Rule("status", "is", ("a",)), Rule("size", "gt", ("2",)))), "status == 'a' or size > 2"),
    (BuiltCondition(AND, (Rule("status", "any_of", ("a", "b")), Rule("year", "le", ("2020",)))),
     "(status == 'a' or status == 'b') and year <= 2020"),
])
def test_condition_source_and_back(built, source):
    assert condition_source(built, TYPES) == source
    parse_condition(source)  # valid condition language
    back = parse_built(source)
    expected_values = tuple(tuple(str(parse_number(v)) if TYPES[r.question] == "number" else v for v in r.values) for r in built.rules)
    assert back is not None and back.combinator == built.combinator
    assert [(r.question, r.operator) for r in back.rules] == [(r.question, r.operator) for r in built.rules]
    assert tuple(r.values for r in back.rules) == expected_values


@pytest.mark.parametrize(("source", "rules"), [
    ("count(help) > 0 and not selected(help, 'none')", [("help", "answered", ()), ("help", "not_selected", ("none",))]),
    ("'x' in help", [("help", "selected", ("x",))]),
    ("status == 'a' or status == 'b' or size > 1", [("status", "any_of", ("a", "b")), ("size", "gt", ("1",))]),
])
def test_hand_written_conditions_that_fit(source, rules):
    built = parse_built(source)
    assert [(r.question, r.operator, r.values) for r in built.rules] == rules


@pytest.mark.parametrize("source", [
    "size * 2 > 6", "status == 'a' and size > 1 or help == 'x'", "not (status == 'a' or status == 'b')",
    "size == other_size", "count(help) > 1", "status == null", "", "((",
])
def test_conditions_that_do_not_fit_the_builder(source):
    assert parse_built(source) is None


def test_operators_fit_the_question_type():
    assert "lt" not in operators_for("single_choice") and "lt" in operators_for("scale")
    assert operators_for("multiple_choice")[0] == "selected" and operators_for("info") == ()
    assert operators_for("text") == ("answered", "not_answered")
    assert [p.where.field for p in check_rule(Rule("s", "is", ("a", "b")), "single_choice", ["a", "b"])] == ["values"]
    assert [p.code for p in check_rule(Rule("s", "is", ("z",)), "single_choice", ["a"])] == ["no_such_option"]
    assert [p.code for p in check_rule(Rule("n", "gt", ("viele",)), "number", None)] == ["not_a_number"]
    assert check_rule(Rule("n", "gt", ("3",)), None, None)[0].where.field == "question"
    assert check_rule(Rule("n", "answered", ("ignored",)), "number", None) == []


def test_condition_builder_edits(data):
    target = e.Target("two", "note")
    assert [q["code"] for _s, q in e.earlier_questions(data, target)] == ["status", "help", "size", "level"]
    assert [q["code"] for _s, q in e.earlier_questions(data, e.Target("two"))] == ["status", "help", "size"]
    rule = e.make_rule(data, target, "status", "any_of", ["a", "b", "a"])
    assert rule.values == ("a", "b")
    edit = e.add_rule(data, target, rule)
    edit = e.add_rule(edit.data, target, e.make_rule(edit.data, target, "level", "ge", ["2"]), combinator=OR)
    assert e.check(edit).question("note").condition.source == "(status == 'a' or status == 'b') or level >= 2"
    state = e.condition_state(edit.data, target)
    assert state.built.combinator == OR and [r.operator for r in state.built.rules] == ["any_of", "ge"]
    edit = e.set_combinator(edit.data, target, AND)
    edit = e.remove_rule(edit.data, target, 0)
    assert e.check(edit).question("note").condition.source == "level >= 2"
    assert "condition" not in e.clear_condition(edit.data, target).data["sections"][1]["questions"][1]
    with pytest.raises(e.FormErrors) as caught:
        e.make_rule(data, target, "note", "answered", [])
    assert list(caught.value.fields) == ["rule.question"]
    with pytest.raises(e.FormErrors) as caught:
        e.make_rule(data, target, "status", "lt", ["a"])
    assert list(caught.value.fields) == ["rule.operator"]


def test_a_condition_the_builder_cannot_show_is_kept_or_replaced(data):
    data["sections"][1]["questions"][1]["condition"] = "size * 2 > 6"
    target = e.Target("two", "note")
    state = e.condition_state(data, target)
    assert state.source == "size * 2 > 6" and state.built is None and not state.fits
    with pytest.raises(e.FormErrors):
        e.add_rule(data, target, Rule("size", "gt", ("3",)))
    edit = e.add_rule(data, target, Rule("size", "gt", ("3",)), replace=True)
    assert e.check(edit).question("note").condition.source == "size > 3"
