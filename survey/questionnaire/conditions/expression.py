"""A small, safe expression language for display conditions.

Conditions are parsed into a tree of frozen dataclasses and evaluated by walking it: no Python
``eval``, no attribute access, no imports, bounded length and nesting. Grammar::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") sum]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [expr ("," expr)*] ")"
                | "(" expr ")"

Names are question codes. Functions: ``selected(q, 'code')`` (is the option chosen),
``count(q)`` (how many options are chosen), ``answered(q)``. ``'code' in q`` is
``selected(q, 'code')``. An unanswered question is ``null``: it equals nothing but ``null`` and
every ordering comparison with it is false.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from survey.problems import Problem, staff_text

MAX_LENGTH = 2000
MAX_DEPTH = 40

FUNCTIONS: dict[str, int] = {"selected": 2, "count": 1, "answered": 1}
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
COMPARISONS = {"==", "!=", "<", "<=", ">", ">=", "in", "not in"}


class ConditionSyntaxError(ValueError):
    """The condition text cannot be parsed: ``problem`` says why in a whole sentence (a file's
    problem gives it as its ``reason``); ``position`` is the 0-based character offset."""

    def __init__(self, code: str, template: str, position: int, /, **params: Any) -> None:
        self.problem = Problem(code, template, params)
        self.position = position
        super().__init__(str(self))

    @property
    def message(self) -> str:
        return self.problem.message

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


# --- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None


@dataclass(frozen=True)
class Name:
    code: str
    position: int


@dataclass(frozen=True)
class Unary:
    op: str  # "not" or "-"
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    position: int


Node = Literal | Name | Unary | Binary | Call


@dataclass(frozen=True)
class Condition:
    """A parsed condition with its source text, ready to evaluate against answers."""

    source: str
    tree: Node

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return _truthy(_evaluate(self.tree, answers))

    def to_data(self) -> list[Any]:
        """The tree as nested lists, for the browser's evaluator (survey/static/survey.js)."""
        return _to_data(self.tree)

    def names(self) -> list[Name]:
        """Every question reference, in order of appearance."""
        found: list[Name] = []
        _walk(self.tree, lambda node: found.append(node) if isinstance(node, Name) else None)
        return found

    def option_references(self) -> list[tuple[Name, str]]:
        """(question, option code) pairs the condition compares or tests with ``selected``."""
        pairs: list[tuple[Name, str]] = []

        def visit(node: Node) -> None:
            if isinstance(node, Binary) and node.op in ("==", "!=", "in", "not in"):
                for name_side, literal_side in ((node.left, node.right), (node.right, node.left)):
                    if (isinstance(name_side, Name) and isinstance(literal_side, Literal)
                            and isinstance(literal_side.value, str)):
                        pairs.append((name_side, literal_side.value))
            if isinstance(node, Call) and node.function == "selected":
                target, code = node.args
                if isinstance(target, Name) and isinstance(code, Literal):
                    pairs.append((target, str(code.value)))

        _walk(self.tree, visit)
        return pairs


def _to_data(node: Node) -> list[Any]:
    if isinstance(node, Literal):
        return ["lit", node.value]
    if isinstance(node, Name):
        return ["name", node.code]
    if isinstance(node, Unary):
        return ["not" if node.op == "not" else "neg", _to_data(node.operand)]
    if isinstance(node, Call):
        return [node.function, *(_to_data(arg) for arg in node.args)]
    return [node.op, _to_data(node.left), _to_data(node.right)]


def _walk(node: Node, visit: Callable[[Node], None]) -> None:
    visit(node)
    if isinstance(node, Unary):
        _walk(node.operand, visit)
    elif isinstance(node, Binary):
        _walk(node.left, visit)
        _walk(node.right, visit)
    elif isinstance(node, Call):
        for arg in node.args:
            _walk(arg, visit)


# --- tokenizer -----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            char = source[position]
            if char == "=":
                raise ConditionSyntaxError("unexpected_character", staff_text("A single '=' does not compare; use == to compare."),
                                           position)
            raise ConditionSyntaxError("unexpected_character", staff_text("The character %(char)s cannot be used in a condition."),
                                       position, char=repr(char))
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name" and text in KEYWORDS:
            kind = "keyword"
        if kind != "space":
            tokens.append(_Token(kind, text, position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect_close(self, or_comma: bool = False) -> None:
        """A ')' (``or_comma``: or a ',' between a function's arguments) must come next."""
        if self.accept("op", ")") is not None:
            return
        token = self.current
        if token.kind == "end":
            template = (staff_text("The condition ends where a ')' or ',' should follow.") if or_comma
                        else staff_text("The condition ends where a ')' should follow."))
        else:
            template = (staff_text("Expected ')' or ',' here, found %(found)s.") if or_comma
                        else staff_text("Expected ')' here, found %(found)s."))
        raise ConditionSyntaxError("expected_bracket", template, token.position, found=repr(token.text))

    def parse(self) -> Node:
        node = self.expression()
        if self.current.kind != "end":
            raise ConditionSyntaxError("unexpected_token", staff_text("Unexpected %(found)s; the condition should end before it."),
                                       self.current.position, found=repr(self.current.text))
        return node

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Count nesting so hostile input fails cleanly instead of exhausting the stack."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError("too_deep", staff_text("The condition is nested too deeply."), self.current.position)
        try:
            yield
        finally:
            self.depth -= 1

    def expression(self) -> Node:
        with self.nested():
            return self.or_expr()

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.accept("keyword", "or"):
            node = Binary("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.accept("keyword", "and"):
            node = Binary("and", node, self.not_expr())
        return node

    def not_expr(self) -> Node:
        if self.accept("keyword", "not"):
            with self.nested():
                return Unary("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS:
            self.advance()
            return Binary(token.text, left, self.sum())
        if token.kind == "keyword" and token.text == "in":
            self.advance()
            return Binary("in", left, self.sum())
        if token.kind == "keyword" and token.text == "not" and self.tokens[self.index + 1].text == "in":
            self.index += 2
            return Binary("not in", left, self.sum())
        return left

    def sum(self) -> Node:
        node = self.product()
        while self.current.kind == "op" and self.current.text in ("+", "-"):
            op = self.advance().text
            node = Binary(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in ("*", "/"):
            op = self.advance().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.accept("op", "-"):
            with self.nested():
                return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.advance()
            value = float(token.text) if "." in token.text else int(token.text)
            return Literal(value)
        if token.kind == "string":
            self.advance()
            return Literal(_unquote(token.text))
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.advance()
            return Literal({"true": True, "false": False, "null": None}[token.text])
        if token.kind == "name":
            self.advance()
            if self.accept("op", "("):
                return self.call(token)
            return Name(token.text, token.position)
        if self.accept("op", "("):
            node = self.expression()
            self.expect_close()
            return node
        if token.kind == "end":
            raise ConditionSyntaxError("expected_value", staff_text("The condition ends where a value should follow."), token.position)
        raise ConditionSyntaxError("expected_value", staff_text("Expected a value here, found %(found)s."), token.position,
                                   found=repr(token.text))

    def call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            raise ConditionSyntaxError("unknown_function", staff_text("Unknown function %(name)s(); known: %(known)s."),
                                       name.position, name=name.text, known=", ".join(f"{f}()" for f in FUNCTIONS))
        args: list[Node] = []
        if not self.accept("op", ")"):
            args.append(self.expression())
            while self.accept("op", ","):
                args.append(self.expression())
            self.expect_close(or_comma=True)
        expected = FUNCTIONS[name.text]
        if len(args) != expected:
            template = (staff_text("%(name)s() takes one argument, not %(count)s.") if expected == 1
                        else staff_text("%(name)s() takes %(expected)s arguments, not %(count)s."))
            raise ConditionSyntaxError("argument_count", template, name.position, name=name.text, expected=expected, count=len(args))
        if not isinstance(args[0], Name):
            raise ConditionSyntaxError("first_argument", staff_text("The first argument of %(name)s() must be a question code."),
                                       name.position, name=name.text)
        if name.text == "selected" and not (isinstance(args[1], Literal) and isinstance(args[1].value, str)):
            raise ConditionSyntaxError("second_argument",
                                       staff_text("The second argument of selected() must be an option code in quotes."), name.position)
        return Call(name.text, tuple(args), name.position)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_condition(source: str) -> Condition:
    """Parse a condition; raises ConditionSyntaxError with a position on bad input."""
    if not isinstance(source, str) or not source.strip():
        raise ConditionSyntaxError("empty", staff_text("The condition is empty."), 0)
    if len(source) > MAX_LENGTH:
        raise ConditionSyntaxError("too_long", staff_text("The condition is longer than %(maximum)s characters."), MAX_LENGTH,
                                   maximum=MAX_LENGTH)
    return Condition(source, _Parser(source).parse())


# --- evaluation ----------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple, str)):
        return len(value) > 0
    return bool(value)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
        return list(left) == list(right) if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)) else False
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    # A numeric answer compared with a code such as '3' (scale options) compares as numbers.
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    return False


def _order(op: str, left: Any, right: Any) -> bool:
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is None or right_number is None:
        return False
    return {
        "<": left_number < right_number,
        "<=": left_number <= right_number,
        ">": left_number > right_number,
        ">=": left_number >= right_number,
    }[op]


def _contains(container: Any, item: Any) -> bool:
    if container is None or item is None:
        return False
    if isinstance(container, (list, tuple)):
        return str(item) in [str(element) for element in container]
    return str(container) == str(item)


def _arithmetic(op: str, left: Any, right: Any) -> float | None:
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is None or right_number is None:
        return None
    if op == "+":
        result = left_number + right_number
    elif op == "-":
        result = left_number - right_number
    elif op == "*":
        result = left_number * right_number
    else:
        if right_number == 0:
            return None
        result = left_number / right_number
    return result if math.isfinite(result) else None


def _evaluate(node: Node, answers: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        value = answers.get(node.code)
        return None if value in ("", []) else value
    if isinstance(node, Unary):
        operand = _evaluate(node.operand, answers)
        if node.op == "not":
            return not _truthy(operand)
        number = _as_number(operand)
        return None if number is None else -number
    if isinstance(node, Call):
        target = _evaluate(node.args[0], answers)
        if node.function == "answered":
            return target is not None
        if node.function == "count":
            if target is None:
                return 0
            return len(target) if isinstance(target, (list, tuple)) else 1
        return _contains(target, _evaluate(node.args[1], answers))
    op = node.op
    if op == "and":
        return _truthy(_evaluate(node.left, answers)) and _truthy(_evaluate(node.right, answers))
    if op == "or":
        return _truthy(_evaluate(node.left, answers)) or _truthy(_evaluate(node.right, answers))
    left = _evaluate(node.left, answers)
    right = _evaluate(node.right, answers)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("<", "<=", ">", ">="):
        return _order(op, left, right)
    if op == "in":
        return _contains(right, left)
    if op == "not in":
        return not _contains(right, left)
    return _arithmetic(op, left, right)
