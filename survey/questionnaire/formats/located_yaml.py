"""Plain data (dicts, lists, scalars) that remembers the line each part came from.

The YAML reader produces it; the builder reports problems with those lines. Other readers
(XLSForm) can produce it too, with spreadsheet rows as lines.
"""
from __future__ import annotations

import re
from typing import Any

import yaml

from survey.problems import Problem, Where, staff_text


class LocDict(dict):
    """A mapping with the line of the mapping and of each key."""

    def __init__(self, *args: Any, line: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        return self.key_lines.get(key, self.line)


class LocList(list):
    """A sequence with the line of the sequence and of each item."""

    def __init__(self, *args: Any, line: int | None = None) -> None:
        super().__init__(*args)
        self.line = line
        self.item_lines: list[int | None] = []

    def line_of(self, index: int) -> int | None:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class YamlSyntaxError(ValueError):
    """The YAML cannot be read: ``problem`` says why, at the ``line`` where it is."""

    def __init__(self, code: str, template: str, line: int | None, /, **params: Any) -> None:
        self.problem = Problem(code, template, params, where=Where(line=line))
        super().__init__(self.problem.message)


def read_yaml(text: str) -> Any:
    """Parse YAML with PyYAML's safe loader (no Python objects, no tags) into located data.

    Duplicate keys, which YAML would silently resolve to the last one, are refused.

    libyaml (``CSafeLoader``) reads the document, about ten times faster than the pure-Python
    loader; its nodes carry the same line marks. A document libyaml refuses is read again by
    the pure-Python loader, so a refusal keeps the words and line the staff have always been
    shown (libyaml words some errors differently). Where libyaml reads on but PyYAML refuses (a
    tab as white space; "?" in a plain value inside brackets or braces), PyYAML decides, as before.
    """
    if "\t" not in text:
        try:
            return _read(_FAST_LOADER(text))
        except (yaml.YAMLError, UnicodeEncodeError, RecursionError, _PyYamlReadsOtherwise):
            # UnicodeEncodeError: libyaml reads UTF-8, which a lone surrogate cannot be encoded in.
            pass
    try:
        loader = yaml.SafeLoader(text)  # refuses characters YAML does not allow, before parsing
    except yaml.reader.ReaderError as error:
        raise _unacceptable_character(text, error) from None
    try:
        return _read(loader)
    except RecursionError:
        raise YamlSyntaxError("yaml_too_deep", staff_text("The document is nested too deeply to read."), None) from None
    except yaml.reader.ReaderError as error:
        raise _unacceptable_character(text, error) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or str(error)  # PyYAML's own English words, passed on as they are
        if error.context:
            raise YamlSyntaxError("yaml_syntax", staff_text("YAML syntax error: %(problem)s (%(context)s)."), line,
                                  problem=problem, context=error.context) from None
        raise YamlSyntaxError("yaml_syntax", staff_text("YAML syntax error: %(problem)s."), line, problem=problem) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError("yaml_syntax", staff_text("YAML error: %(error)s."), None, error=str(error)) from None


class _PyYamlReadsOtherwise(Exception):
    """The document holds what libyaml accepts and PyYAML refuses: PyYAML reads it instead."""


def _read(loader: yaml.SafeLoader | yaml.CSafeLoader) -> Any:
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _convert(node, loader, _Budget())
    finally:
        loader.dispose()


def _unacceptable_character(text: str, error: yaml.reader.ReaderError) -> YamlSyntaxError:
    line = text[: error.position].count("\n") + 1
    return YamlSyntaxError(
        "yaml_character",
        staff_text("The character U+%(code)s is not allowed in a YAML file; remove it, or write it "
                   "as \"\\u%(escape)s\" inside double quotes."),
        line, code=f"{error.character:04X}", escape=f"{error.character:04x}",
    )


_SURROGATE = re.compile("[\ud800-\udfff]")
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


# About twice the values a file within the 2 MB upload limit can hold. An alias (*name) counts
# every time it is used, so a "billion laughs" document stops here instead of expanding for
# minutes.
MAX_NODES = 200_000


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self, line: int) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlSyntaxError(
                "yaml_too_many_values",
                staff_text("The document holds more than %(maximum)s values once its aliases (*name) are expanded; "
                           "write the parts out instead of repeating aliases."), line, maximum=MAX_NODES)


# PyYAML wheels bundle libyaml; a build without it falls back to the pure-Python loader.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _convert(node: yaml.Node, loader: yaml.SafeLoader | yaml.CSafeLoader, budget: _Budget, in_flow: bool = False) -> Any:
    line = node.start_mark.line + 1
    budget.spend(line)
    if not isinstance(node, yaml.ScalarNode):
        if node.tag not in _PLAIN_TAGS:
            raise YamlSyntaxError("yaml_tag", staff_text("The YAML tag %(tag)s is not allowed; remove it."), line, tag=repr(node.tag))
        in_flow = in_flow or bool(node.flow_style)
    elif in_flow and not node.style and "?" in node.value and not isinstance(loader, yaml.SafeLoader):
        # PyYAML ends a plain value at "?" inside [...] or {...} and refuses the rest; libyaml reads on.
        raise _PyYamlReadsOtherwise
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result = LocDict(line=line)
        for key_node, value_node in node.value:
            key = _convert(key_node, loader, budget, in_flow)
            if isinstance(key, (dict, list)):
                raise YamlSyntaxError("yaml_key", staff_text("A mapping key must be a plain value."), key_node.start_mark.line + 1)
            if key in result:
                raise YamlSyntaxError(
                    "yaml_duplicate_key", staff_text("The key %(key)s appears twice (first at line %(first)s); remove one of them."),
                    key_node.start_mark.line + 1, key=repr(key), first=result.key_lines[key],
                )
            result[key] = _convert(value_node, loader, budget, in_flow)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        items = LocList(line=line)
        for item_node in node.value:
            items.append(_convert(item_node, loader, budget, in_flow))
            items.item_lines.append(item_node.start_mark.line + 1)
        return items
    # A plain string (most of a questionnaire) is its node's text: what SafeConstructor's
    # construct_yaml_str gives, without its bookkeeping per scalar.
    value = node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
    if isinstance(value, str) and _SURROGATE.search(value):
        # Only an escape such as "\ud800" makes one; it cannot be stored or shown as UTF-8.
        raise YamlSyntaxError(
            "yaml_surrogate",
            staff_text("An escape between \\ud800 and \\udfff is half of a character, not a character; "
                       "write the character itself."), line)
    return value
