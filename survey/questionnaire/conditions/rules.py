"""Conditions as staff build them: rules chosen from lists, not typed as code. No Flask.

A ``BuiltCondition`` is a list of rules ("work_status is looking", "household_size is at least
3") joined by *and* or *or*. It is turned into the condition language of ``conditions.py``
(``condition_source``) and read back from it (``parse_built``) for display. A condition that does
not fit this shape (arithmetic, ``not`` around a group, and/or mixed, ...) reads back as None: the
editor shows it as text and lets staff keep or replace it, so nothing written by hand is lost.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey.problems import Problem, Where, staff_text
from survey.questionnaire.conditions.expression import (
    Binary,
    Call,
    ConditionSyntaxError,
    Literal,
    Name,
    Node,
    Unary,
    parse_condition,
)

AND, OR = "and", "or"

# Operators by what they need: one value, one or more values, none.
SINGLE_VALUE = ("is", "is_not", "lt", "le", "gt", "ge", "selected", "not_selected")
MANY_VALUES = ("any_of", "none_of", "any_selected")
NO_VALUE = ("answered", "not_answered")
OPERATORS = SINGLE_VALUE + MANY_VALUES + NO_VALUE

_ONE_OPTION = ("is", "is_not", "any_of", "none_of", "answered", "not_answered")
_ORDERED = ("lt", "le", "gt", "ge")
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "single_choice": _ONE_OPTION,
    "yes_no": _ONE_OPTION,
    "district": _ONE_OPTION,
    # Scale codes such as "1".."5" compare as numbers, so "less than" makes sense.
    "scale": _ONE_OPTION[:4] + _ORDERED + NO_VALUE,
    "multiple_choice": ("selected", "not_selected", "any_selected", "answered", "not_answered"),
    "number": ("is", "is_not") + _ORDERED + NO_VALUE,
    "year": ("is", "is_not") + _ORDERED + NO_VALUE,
    "text": NO_VALUE,
    "long_text": NO_VALUE,
    "date": NO_VALUE,
}
# Types whose values are typed numbers rather than chosen options.
NUMERIC_TYPES = frozenset({"number", "year"})

_COMPARISON = {"is": "==", "is_not": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_FROM_COMPARISON = {op: name for name, op in _COMPARISON.items()}


@dataclass(frozen=True)
class Rule:
    question: str  # the code of an earlier question
    operator: str  # one of OPERATORS
    values: tuple[str, ...] = ()  # option codes, or numbers as text for number/year questions


@dataclass(frozen=True)
class BuiltCondition:
    combinator: str  # AND: every rule must hold; OR: at least one
    rules: tuple[Rule, ...]


def operators_for(question_type: str) -> tuple[str, ...]:
    """The operators that fit a question type (none for info texts)."""
    return OPERATORS_BY_TYPE.get(question_type, ())


def parse_number(text: str) -> float | int | None:
    """A number as staff type it: '3', '-2', '1.5' or the German '1,5'. None if it is not one."""
    cleaned = text.strip().replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    value = float(cleaned)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and "." not in cleaned else value


def _number_literal(text: str) -> str:
    number = parse_number(text)
    if number is None:
        raise ValueError(f"not a number: {text!r}")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return str(number)


def _value_literal(value: str, numeric: bool) -> str:
    if numeric:
        return _number_literal(value)
    # Option codes are letters, digits, '_', '-', '.': nothing to escape; still be safe.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _ordered_literal(value: str, numeric: bool) -> str:
    # Ordering compares numbers; a numeric scale code is written as a number, as people do.
    if numeric or parse_number(value) is not None:
        return _number_literal(value)
    return _value_literal(value, False)


def rule_source(rule: Rule, question_type: str) -> str:
    """One rule in the condition language; a rule of several parts is in parentheses."""
    code, numeric = rule.question, question_type in NUMERIC_TYPES
    op = rule.operator
    if op == "answered":
        return f"answered({code})"
    if op == "not_answered":
        return f"not answered({code})"
    if op in ("lt", "le", "gt", "ge"):
        return f"{code} {_COMPARISON[op]} {_ordered_literal(rule.values[0], numeric)}"
    if op in ("is", "is_not"):
        return f"{code} {_COMPARISON[op]} {_value_literal(rule.values[0], numeric)}"
    if op == "selected":
        return f"selected({code}, {_value_literal(rule.values[0], False)})"
    if op == "not_selected":
        return f"not selected({code}, {_value_literal(rule.values[0], False)})"
    if op == "any_selected":
        parts = [f"selected({code}, {_value_literal(value, False)})" for value in rule.values]
        joiner = " or "
    elif op == "any_of":
        parts = [f"{code} == {_value_literal(value, numeric)}" for value in rule.values]
        joiner = " or "
    elif op == "none_of":
        parts = [f"{code} != {_value_literal(value, numeric)}" for value in rule.values]
        joiner = " and "
    else:
        raise ValueError(f"unknown operator {op!r}")
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"


def condition_source(built: BuiltCondition, question_types: Mapping[str, str]) -> str:
    """The condition text of ``built``; ``question_types`` maps each rule's question to its type."""
    if not built.rules:
        raise ValueError("a condition needs at least one rule")
    joiner = f" {built.combinator} "
    return joiner.join(rule_source(rule, question_types.get(rule.question, "")) for rule in built.rules)


# --- reading a condition back ---------------------------------------------------------------


def _flatten(node: Node, op: str) -> list[Node]:
    if isinstance(node, Binary) and node.op == op:
        return _flatten(node.left, op) + _flatten(node.right, op)
    return [node]


def _literal_text(node: Node) -> str | None:
    """The value of a literal as the builder keeps it (text); None for anything else."""
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal):
        inner = _literal_text(node.operand)
        return None if inner is None or isinstance(node.operand.value, str) else "-" + inner
    if not isinstance(node, Literal) or node.value is None or isinstance(node.value, bool):
        return None
    if isinstance(node.value, float):
        return repr(int(node.value)) if node.value.is_integer() else repr(node.value)
    return str(node.value)


def _simple_rule(node: Node) -> Rule | None:
    if isinstance(node, Binary) and node.op in _FROM_COMPARISON:
        if isinstance(node.left, Name):
            value = _literal_text(node.right)
            if value is not None:
                return Rule(node.left.code, _FROM_COMPARISON[node.op], (value,))
        if isinstance(node.left, Call) and node.left.function == "count" and isinstance(node.left.args[0], Name):
            # count(q) > 0 and count(q) == 0 say "answered" and "not answered" in other words.
            code = node.left.args[0].code
            if isinstance(node.right, Literal) and node.right.value == 0 and not isinstance(node.right.value, bool):
                if node.op in (">", "!="):
                    return Rule(code, "answered")
                if node.op in ("==", "<="):
                    return Rule(code, "not_answered")
        return None
    if isinstance(node, Binary) and node.op in ("in", "not in"):
        if isinstance(node.right, Name) and isinstance(node.left, Literal) and isinstance(node.left.value, str):
            return Rule(node.right.code, "selected" if node.op == "in" else "not_selected", (node.left.value,))
        return None
    if isinstance(node, Call) and isinstance(node.args[0], Name):
        code = node.args[0].code
        if node.function == "answered":
            return Rule(code, "answered")
        if node.function == "selected":
            option = node.args[1]
            if isinstance(option, Literal) and isinstance(option.value, str):
                return Rule(code, "selected", (option.value,))
        return None
    if isinstance(node, Unary) and node.op == "not":
        inner = _simple_rule(node.operand)
        if inner is not None and inner.operator in ("answered", "selected"):
            return Rule(inner.question, "not_" + inner.operator, inner.values)
    return None


def _group_rule(node: Node) -> Rule | None:
    """A rule of several parts: (q == a or q == b), (q != a and q != b), (selected.. or ..)."""
    for op, part_operator, operator in ((OR, "is", "any_of"), (AND, "is_not", "none_of"), (OR, "selected", "any_selected")):
        parts = _flatten(node, op)
        if len(parts) < 2:
            continue
        rules = [_simple_rule(part) for part in parts]
        if all(rule is not None and rule.operator == part_operator for rule in rules):
            codes = {rule.question for rule in rules if rule is not None}
            if len(codes) == 1:
                return Rule(codes.pop(), operator, tuple(rule.values[0] for rule in rules if rule is not None))
    return None


def _rule(node: Node) -> Rule | None:
    return _simple_rule(node) or _group_rule(node)


def _merge(rules: list[Rule], combinator: str) -> list[Rule]:
    """Neighbouring rules on the same question that say one thing become one rule
    ("is a" or "is b" -> "is any of a, b"), as the builder would show them."""
    merge_as = {OR: {"is": "any_of", "any_of": "any_of", "selected": "any_selected", "any_selected": "any_selected"},
                AND: {"is_not": "none_of", "none_of": "none_of"}}[combinator]
    merged: list[Rule] = []
    for rule in rules:
        previous = merged[-1] if merged else None
        if (previous is not None and previous.question == rule.question and previous.operator in merge_as
                and rule.operator in merge_as and merge_as[previous.operator] == merge_as[rule.operator]):
            values = previous.values + tuple(v for v in rule.values if v not in previous.values)
            merged[-1] = Rule(rule.question, merge_as[rule.operator], values)
        else:
            merged.append(rule)
    return merged


def parse_built(source: str | None) -> BuiltCondition | None:
    """The rules of a condition text, or None when it does not fit the builder (or is empty)."""
    if not source or not source.strip():
        return None
    try:
        tree = parse_condition(source).tree
    except ConditionSyntaxError:
        return None
    whole = _rule(tree)
    if whole is not None:
        return BuiltCondition(AND, (whole,))
    for combinator in (OR, AND):
        parts = _flatten(tree, combinator)
        if len(parts) < 2:
            continue
        rules = [_rule(part) for part in parts]
        if all(rule is not None for rule in rules):
            return BuiltCondition(combinator, tuple(_merge([r for r in rules if r is not None], combinator)))
        return None
    return None


def normalized(built: BuiltCondition, question_types: Mapping[str, str]) -> BuiltCondition:
    """``built`` as it reads back from its own source (neighbouring rules merged)."""
    return parse_built(condition_source(built, question_types)) or built


NOT_A_NUMBER = staff_text("%(value)s is not a number.")
CHOOSE_EARLIER_QUESTION = staff_text("Choose one of the questions asked before this one.")


def _problem(part: str, code: str, template: str, /, **params: str) -> Problem:
    """A problem of the rule's ``part``: "question", "operator" or "values"."""
    return Problem(code, template, params, where=Where(field=part))


def check_rule(
    rule: Rule, question_type: str | None, option_codes: Sequence[str] | None
) -> list[Problem]:
    """Whether ``rule`` fits its question: ``question_type`` None when the question is not one
    the condition may use; ``option_codes`` the codes to choose from (None for typed numbers)."""
    if question_type is None:
        return [_problem("question", "choose_earlier_question", CHOOSE_EARLIER_QUESTION)]
    allowed = operators_for(question_type)
    if rule.operator not in allowed:
        return [_problem("operator", "operator_does_not_fit", staff_text("Choose a comparison that fits the question %(question)s."),
                         question=rule.question)]
    if rule.operator in NO_VALUE:
        return []
    if not rule.values:
        return [_problem("values", "choose_value", staff_text("Choose or enter a value."))]
    if rule.operator in SINGLE_VALUE and len(rule.values) > 1:
        return [_problem("values", "choose_one_value", staff_text(
            "Choose exactly one value for this comparison, or use one that takes several values."))]
    problems: list[Problem] = []
    for value in rule.values:
        if question_type in NUMERIC_TYPES:
            if parse_number(value) is None:
                problems.append(_problem("values", "not_a_number", NOT_A_NUMBER, value=value))
        elif option_codes is not None and value not in option_codes:
            problems.append(_problem("values", "no_such_option", staff_text("The question %(question)s has no option %(option)s."),
                                     question=rule.question, option=value))
        elif rule.operator in _ORDERED and parse_number(value) is None:
            problems.append(_problem("values", "not_a_number", NOT_A_NUMBER, value=value))
    return problems
