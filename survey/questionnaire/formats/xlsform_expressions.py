"""XLSForm expressions (the XPath subset of ``relevant``, ``constraint`` and ``choice_filter``)
to the condition language of ``conditions.py``, and back.

Supported, in XLSForm terms::

    ${name}  .  'text' "text"  12  3.5  ( )
    =  !=  <>  <  <=  >  >=  +  -  *  div  and  or
    not(x)  selected(${q}, 'code')  count-selected(${q})  true()  false()
    ${q} = ''   ->  not answered(q)        ${q} != ''   ->  answered(q)

Anything else (``regex()``, ``position()``, ``pulldata()``, ``string-length()``, ``today()``,
``jr:choice-name()``, ``if()``, ``mod``, paths such as ``/data/q`` or ``..``) raises
``UnsupportedExpression`` naming what is not supported and why, in a sentence of its own. Both directions go through the
condition tree, and the condition text is written in one canonical layout, so an expression
exported with ``condition_to_xlsform`` imports again as the same condition.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from survey.problems import Problem, staff_text
from survey.questionnaire.conditions.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Condition,
    ConditionSyntaxError,
    Literal,
    Name,
    Node,
    Unary,
    parse_condition,
)

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Functions people use in XLSForms that have no counterpart here, with a friendlier sentence.
_NO_REPEATS = staff_text("'%(token)s' is not supported: there are no repeats.")
_NO_CALCULATIONS = staff_text("'%(token)s' is not supported: there are no calculated values.")
_NO_DATES = staff_text("'%(token)s' is not supported: there is no date arithmetic.")
_KNOWN_UNSUPPORTED = {
    "regex": staff_text("'%(token)s' is not supported: answers are not checked against patterns."),
    "position": _NO_REPEATS, "indexed-repeat": _NO_REPEATS, "count": _NO_REPEATS, "sum": _NO_REPEATS,
    "pulldata": staff_text("'%(token)s' is not supported: there are no external data files."),
    "string-length": staff_text("'%(token)s' is not supported: a text's length is limited with max_length only."),
    "today": _NO_DATES, "now": _NO_DATES, "date": _NO_DATES, "format-date": _NO_DATES,
    "decimal-date-time": _NO_DATES,
    "jr:choice-name": staff_text("'%(token)s' is not supported: choice labels cannot be tested."),
    "if": _NO_CALCULATIONS, "coalesce": _NO_CALCULATIONS, "concat": _NO_CALCULATIONS,
    "once": _NO_CALCULATIONS, "random": _NO_CALCULATIONS, "uuid": _NO_CALCULATIONS,
}
NOT_SUPPORTED = staff_text("'%(token)s' is not supported.")


class ExpressionError(ValueError):
    """The expression cannot be translated: ``problem`` says why in a whole sentence (the
    problem of the cell gives it as its ``reason``); ``position`` is the 0-based character
    offset, None when the problem is not at one character."""

    def __init__(self, code: str, template: str, position: int | None = 0, /, reason: Problem | None = None,
                 **params: Any) -> None:
        self.problem = Problem(code, template, params, reason=reason)
        self.position = position
        super().__init__(str(self))

    @property
    def message(self) -> str:
        return self.problem.message

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at character {self.position + 1})"


class UnsupportedExpression(ExpressionError):
    """Valid XLSForm, but it uses ``token`` (a function such as ``regex()`` or an operator),
    which the condition language does not have; ``template`` says why."""

    def __init__(self, token: str, position: int = 0, template: str = NOT_SUPPORTED) -> None:
        super().__init__("unsupported", template, position, token=token)
        self.token = token


# --- XLSForm -> condition ------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{[^}]*\})
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<parent>\.\.)
  | (?P<current>\.)
  | (?P<op>!=|<>|<=|>=|==|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.:-]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # ref, number, string, current, op, word, end
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            char = source[position]
            if char in "‘’‚“”„":
                raise ExpressionError("typographic_quote", staff_text("The typographic quote %(char)s cannot be used; write ' or \" "
                                                                      "instead."), position, char=repr(char))
            if char in "'\"":
                raise ExpressionError("open_quote", staff_text("A text in quotes is not closed."), position)
            if char == "$":
                raise ExpressionError("bad_reference", staff_text("A reference must be written ${name}."), position)
            raise UnsupportedExpression(char, position)
        kind = match.lastgroup or ""
        if kind == "parent":
            raise UnsupportedExpression("..", position, staff_text("'%(token)s' is not supported: relative paths are for repeats, "
                                                                   "and there are none."))
        if kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


Rename = Callable[[str, int], str]


class _Parser:
    """XPath 1.0 precedence: or < and < = != < relational < + - < * div < unary minus."""

    def __init__(
        self, source: str, current: str | None, rename: Rename | None, columns: Mapping[str, str] | None = None
    ) -> None:
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0
        self.current_code = current
        self.rename = rename or (lambda name, position: name)
        self.columns = columns

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        return self.token.kind == kind and (not texts or self.token.text in texts)

    def parse(self) -> Node:
        node = self.or_expr()
        if self.token.kind != "end":
            raise ExpressionError("unexpected_token", staff_text("Unexpected %(found)s; the expression should end before it."),
                                  self.token.position, found=repr(self.token.text))
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("too_deep", staff_text("The expression is nested too deeply."), self.token.position)

    def or_expr(self) -> Node:
        self.nest()
        node = self.and_expr()
        while self.at("word", "or"):
            self.advance()
            node = Binary("or", node, self.and_expr())
        self.depth -= 1
        return node

    def and_expr(self) -> Node:
        node = self.equality()
        while self.at("word", "and"):
            self.advance()
            node = Binary("and", node, self.equality())
        return node

    def equality(self) -> Node:
        node = self.relational()
        while self.at("op", "=", "==", "!=", "<>"):
            token = self.advance()
            op = "!=" if token.text in ("!=", "<>") else "=="
            node = _equality(op, node, self.relational(), token.position)
        return node

    def relational(self) -> Node:
        node = self.additive()
        while self.at("op", "<", "<=", ">", ">="):
            op = self.advance().text
            node = Binary(op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.at("op", "+", "-"):
            op = self.advance().text
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.at("op", "*") or self.at("word", "div", "mod"):
            token = self.advance()
            if token.text == "mod":
                raise UnsupportedExpression("mod", token.position, staff_text("'%(token)s' is not supported: there is no "
                                                                              "remainder operator."))
            node = Binary("*" if token.text == "*" else "/", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.advance()
            self.nest()
            node = Unary("-", self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            text = token.text if not token.text.startswith(".") else "0" + token.text
            text = text.rstrip(".") if text.endswith(".") else text
            return Literal(float(text) if "." in text else int(text))
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            self.advance()
            name = token.text[2:-1].strip()
            if not NAME_PATTERN.match(name):
                raise ExpressionError("bad_reference", staff_text("%(reference)s is not a valid reference."), token.position,
                                      reference=token.text)
            return Name(self.rename(name, token.position), 0)
        if token.kind == "current":
            self.advance()
            if self.current_code is None:
                raise UnsupportedExpression(".", token.position, staff_text("'%(token)s' is not supported here: '.' means the "
                                                                            "current question only in a constraint."))
            return Name(self.current_code, 0)
        if self.at("op", "("):
            self.advance()
            node = self.or_expr()
            self.expect_close()
            return node
        if token.kind == "word":
            self.advance()
            if self.at("op", "("):
                return self.call(token)
            if token.text in ("and", "or", "div", "mod"):
                raise ExpressionError("expected_value", staff_text("'%(word)s' needs a value before it."), token.position,
                                      word=token.text)
            if self.columns is not None:
                if token.text in self.columns:
                    return Literal(self.columns[token.text])
                raise ExpressionError("unknown_column", staff_text("'%(word)s' is not a column of the choices sheet."),
                                      token.position, word=token.text)
            raise UnsupportedExpression(token.text, token.position, staff_text("'%(token)s' is not supported: refer to a "
                                                                               "question as ${name}."))
        if token.kind == "end":
            raise ExpressionError("expected_value", staff_text("The expression ends where a value should follow."), token.position)
        raise ExpressionError("expected_value", staff_text("Expected a value here, found %(found)s."), token.position,
                              found=repr(token.text))

    def expect_close(self) -> None:
        if not self.at("op", ")"):
            if self.token.kind == "end":
                raise ExpressionError("expected_bracket", staff_text("The expression ends where a ')' should follow."),
                                      self.token.position)
            raise ExpressionError("expected_bracket", staff_text("Expected ')' here, found %(found)s."), self.token.position,
                                  found=repr(self.token.text))
        self.advance()

    def call(self, name: _Token) -> Node:
        function = name.text
        self.advance()  # "("
        args: list[Node] = []
        if not self.at("op", ")"):
            args.append(self.or_expr())
            while self.at("op", ","):
                self.advance()
                args.append(self.or_expr())
        self.expect_close()
        expected = {"not": 1, "selected": 2, "count-selected": 1, "true": 0, "false": 0}
        if function not in expected:
            raise UnsupportedExpression(f"{function}()", name.position, _KNOWN_UNSUPPORTED.get(function, NOT_SUPPORTED))
        if len(args) != expected[function]:
            count = expected[function]
            template = (staff_text("%(name)s() takes no arguments, not %(count)s.") if count == 0
                        else staff_text("%(name)s() takes one argument, not %(count)s.") if count == 1
                        else staff_text("%(name)s() takes %(expected)s arguments, not %(count)s."))
            raise ExpressionError("argument_count", template, name.position, name=function, expected=count, count=len(args))
        if function in ("true", "false"):
            return Literal(function == "true")
        if function == "not":
            return Unary("not", args[0])
        if not isinstance(args[0], Name):
            raise ExpressionError("first_argument", staff_text("The first argument of %(name)s() must be a question, e.g. ${q} "
                                                               "or '.'."), name.position, name=function)
        if function == "count-selected":
            return Call("count", (args[0],), 0)
        code = args[1]
        if isinstance(code, Literal) and isinstance(code.value, (int, float)) and not isinstance(code.value, bool):
            code = Literal(_number(code.value))
        if not (isinstance(code, Literal) and isinstance(code.value, str)):
            raise UnsupportedExpression("selected()", name.position, staff_text("'%(token)s' is not supported with a computed "
                                                                               "choice: give the choice's name in quotes."))
        return Call("selected", (args[0], code), 0)


def _equality(op: str, left: Node, right: Node, position: int) -> Node:
    """``${q} = ''`` and ``${q} != ''`` test whether q is answered: an unanswered question is
    null in the condition language and equals nothing."""
    for side, other in ((left, right), (right, left)):
        if isinstance(other, Literal) and other.value == "":
            if not isinstance(side, Name):
                raise UnsupportedExpression("''", position, staff_text("A comparison with '' is not supported here: only a "
                                                                       "question can be compared with ''."))
            answered = Call("answered", (side,), 0)
            return answered if op == "!=" else Unary("not", answered)
    return Binary(op, left, right)


def xlsform_to_tree(
    expression: str,
    current: str | None = None,
    rename: Rename | None = None,
    columns: Mapping[str, str] | None = None,
) -> Node:
    """The condition tree of an XLSForm expression. ``current``: the question code ``.`` stands
    for; ``rename(name, position)``: the question code of ``${name}`` (it may raise
    ``ExpressionError``, e.g. for a question that is not imported); ``columns``: for a
    choice_filter, the values of one choice's columns, which bare names (``filter``) stand for."""
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError("empty", staff_text("The expression is empty."), 0)
    if len(expression) > MAX_LENGTH:
        raise ExpressionError("too_long", staff_text("The expression is longer than %(maximum)s characters."), MAX_LENGTH,
                              maximum=MAX_LENGTH)
    return _Parser(expression, current, rename, columns).parse()


def xlsform_to_condition(expression: str, current: str | None = None, rename: Rename | None = None) -> Condition:
    """The condition an XLSForm expression means, with its text in the canonical layout."""
    source = condition_source(xlsform_to_tree(expression, current, rename))
    try:
        return parse_condition(source)
    except ConditionSyntaxError as error:  # e.g. a question named like a keyword ('not')
        raise ExpressionError("not_a_condition", staff_text("The expression cannot be written as a condition."), 0,
                              reason=error.problem) from None


# --- canonical condition text --------------------------------------------------------------

_PRECEDENCE = {"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
               "not in": 4, "+": 5, "-": 5, "*": 6, "/": 6}


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if "e" in text or "E" in text or "inf" in text or "nan" in text:
        text = f"{value:.17f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text
    return text


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    return _quote(str(value))


def _source(node: Node) -> tuple[str, int]:
    if isinstance(node, Literal):
        return _literal(node.value), 8
    if isinstance(node, Name):
        return node.code, 8
    if isinstance(node, Call):
        return f"{node.function}({', '.join(_wrapped(arg, 0) for arg in node.args)})", 8
    if isinstance(node, Unary):
        if node.op == "not":
            return "not " + _wrapped(node.operand, 3), 3
        return "-" + _wrapped(node.operand, 7), 7
    prec = _PRECEDENCE[node.op]
    if prec == 4:  # comparisons do not chain
        return f"{_wrapped(node.left, 5)} {node.op} {_wrapped(node.right, 5)}", 4
    return f"{_wrapped(node.left, prec)} {node.op} {_wrapped(node.right, prec + 1)}", prec


def _wrapped(node: Node, minimum: int) -> str:
    text, prec = _source(node)
    return f"({text})" if prec < minimum else text


def condition_source(node: Node) -> str:
    """The text of a condition tree in one canonical layout (``a == 'x' and not selected(b, 'y')``)."""
    return _wrapped(node, 0)


# --- condition -> XLSForm ------------------------------------------------------------------

_XPATH_PRECEDENCE = {"or": 1, "and": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
                     "+": 5, "-": 5, "*": 6, "/": 6}


def _xpath_string(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ExpressionError("mixed_quotes", staff_text("A text with both ' and \" cannot be written in XLSForm."), 0)


def _xpath(node: Node, current: str | None) -> tuple[str, int]:
    if isinstance(node, Literal):
        if node.value is None:
            return "''", 8
        if isinstance(node.value, bool):
            return ("true()" if node.value else "false()"), 8
        if isinstance(node.value, (int, float)):
            return _number(node.value), 8
        return _xpath_string(node.value), 8
    if isinstance(node, Name):
        return ("." if node.code == current else "${" + node.code + "}"), 8
    if isinstance(node, Call):
        target = _xpath_wrapped(node.args[0], 0, current)
        if node.function == "answered":
            return f"{target} != ''", 3
        if node.function == "count":
            return f"count-selected({target})", 8
        return f"selected({target}, {_xpath_wrapped(node.args[1], 0, current)})", 8
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not({_xpath_wrapped(node.operand, 0, current)})", 8
        return "-" + _xpath_wrapped(node.operand, 7, current), 7
    if node.op in ("in", "not in"):
        if not (isinstance(node.right, Name) and isinstance(node.left, Literal) and isinstance(node.left.value, str)):
            raise ExpressionError("not_writable", staff_text("'%(op)s' can be written in XLSForm only as 'code' %(op)s question."),
                                  0, op=node.op)
        test = f"selected({_xpath_wrapped(node.right, 0, current)}, {_xpath_string(node.left.value)})"
        return (test, 8) if node.op == "in" else (f"not({test})", 8)
    prec = _XPATH_PRECEDENCE[node.op]
    op = {"==": "=", "/": "div"}.get(node.op, node.op)
    return f"{_xpath_wrapped(node.left, prec, current)} {op} {_xpath_wrapped(node.right, prec + 1, current)}", prec


def _xpath_wrapped(node: Node, minimum: int, current: str | None) -> str:
    text, prec = _xpath(node, current)
    return f"({text})" if prec < minimum else text


def condition_to_xlsform(condition: Condition | Node, current: str | None = None) -> str:
    """The XLSForm expression of a condition; ``current``: the code written as ``.`` (the
    question a constraint belongs to)."""
    tree = condition.tree if isinstance(condition, Condition) else condition
    return _xpath_wrapped(tree, 0, current)
