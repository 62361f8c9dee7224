import pytest

from survey.questionnaire.conditions.expression import ConditionSyntaxError, parse_condition


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("work_status == 'looking'", {"work_status": "looking"}, True),
        ("work_status == 'looking'", {"work_status": "employed"}, False),
        ("work_status == 'looking'", {}, False),
        ("work_status != 'looking'", {}, True),
        ("selected(help, 'housing')", {"help": ["work", "housing"]}, True),
        ("selected(help, 'housing')", {"help": ["work"]}, False),
        ("'housing' in help", {"help": ["housing"]}, True),
        ("'housing' not in help", {"help": ["housing"]}, False),
        ("count(help) > 1", {"help": ["a", "b"]}, True),
        ("count(help) > 1", {}, False),
        ("answered(age)", {"age": 0}, True),
        ("answered(age)", {"age": ""}, False),
        ("level < 4", {"level": "3"}, True),  # scale codes compare as numbers
        ("level < 4", {}, False),  # unanswered: every ordering is false
        ("size * 2 + 1 >= 7", {"size": 3}, True),
        ("size / 0 > 1", {"size": 3}, False),
        ("not (a == 'x' or b == 'y') and c == 1", {"a": "z", "b": "z", "c": 1}, True),
        ("not(a == 'x')", {"a": "x"}, False),
        ("-x < 0", {"x": 2}, True),
        ('q == "it\'s"', {"q": "it's"}, True),
    ],
)
def test_evaluates(source, answers, expected):
    assert parse_condition(source).evaluate(answers) is expected


def test_and_binds_tighter_than_or():
    condition = parse_condition("a == 1 or b == 1 and c == 1")
    assert condition.evaluate({"a": 1, "b": 0, "c": 0}) is True
    assert condition.evaluate({"a": 0, "b": 1, "c": 0}) is False


def test_lists_names_and_option_references():
    condition = parse_condition("work == 'looking' and selected(help, 'housing') or count(kids) > 0")
    assert [name.code for name in condition.names()] == ["work", "help", "kids"]
    assert [(name.code, code) for name, code in condition.option_references()] == [("work", "looking"), ("help", "housing")]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("work = 'x'", "use == to compare"),
        ("__import__('os')", "Unknown function __import__()"),
        ("__import__('os').system('id')", "The character '.' cannot be used"),
        ("a.b == 1", "The character '.' cannot be used"),
        ("selected(a)", "takes 2 arguments"),
        ("selected('a', 'b')", "must be a question code"),
        ("selected(a, b)", "option code in quotes"),
        ("(a == 1", "ends where a ')' should follow"),
        ("a ==", "ends where a value should follow"),
        ("", "empty"),
        ("a == 1 b", "Unexpected 'b'"),
    ],
)
def test_refuses_bad_syntax_with_a_reason(source, message):
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(source)
    assert message in str(caught.value)


def test_refuses_deep_nesting_and_long_input_without_recursion_error():
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        parse_condition("(" * 200 + "a" + ")" * 200)
    with pytest.raises(ConditionSyntaxError, match="nested too deeply"):
        parse_condition("not " * 200 + "a")
    with pytest.raises(ConditionSyntaxError, match="longer than"):
        parse_condition("a == 1 or " * 400 + "a == 1")
