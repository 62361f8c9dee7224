"""Turn located plain data into a validated Questionnaire, collecting every problem.

The reader (YAML, later XLSForm) produces ``LocDict``/``LocList`` data; this module checks it and
builds the immutable model, or raises one ``QuestionnaireError`` listing all errors with their
path, line, and how to fix them.

Every problem is an English template (marked with ``staff_text`` where it is written) with
parameters, so the staff pages show it in the staff's language. A reference to another line of
the file is the parameter ``at_line`` (a ``Phrase`` such as " (first at line 14)"), which the web
editor, having no lines, blanks; a missing translation is one of ``MISSING_TRANSLATION`` with the
parameter ``language``, which the editor puts at that language's field.
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from collections import defaultdict
from typing import Any

from survey.languages import LANGUAGES, MISLEADING_TAGS
from survey.questionnaire import builtin_texts
from survey.questionnaire.conditions.expression import Condition, ConditionSyntaxError, parse_condition
from survey.questionnaire.errors import Problem, QuestionnaireError
from survey.questionnaire.formats.located_yaml import LocDict, LocList
from survey.questionnaire.model import (
    OTHER_OPTION_CODE,
    OTHER_SUFFIX,
    IntegrationField,
    LanguageSpec,
    Option,
    Question,
    QuestionType,
    Questionnaire,
    Section,
    Text,
)
from survey.questionnaire.offer_mapping import MAPPABLE
from survey.problems import Phrase, phrase, staff_text

MAX_BOUND = 10**15  # the largest min/max of a number question
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
OPTION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,47}$")
# Export columns that question codes must not shadow.
RESERVED_CODES = frozenset(
    {"response_id", "submitted_at", "started_on", "language", "channel", "questionnaire_version"}
)

TOP_KEYS = {"slug", "title", "default_language", "languages", "intro", "districts", "sections", "analysis", "offer_mapping"}
LANGUAGE_KEYS = {"code", "reviewed", "partial"}
SECTION_KEYS = {"code", "field", "title", "intro", "condition", "need", "questions"}
QUESTION_KEYS = {
    "code", "type", "label", "hint", "required", "condition", "options", "other", "min", "max",
    "decimals", "max_length", "audio", "constraint", "constraint_message",
}
OPTION_KEYS = {"code", "label", "exclusive", "audio", "condition"}
# Audio clips are files in the audio folder (SURVEY_AUDIO_DIR), named here without a path.
AUDIO_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\.(ogg|opus|mp3|m4a|webm)$")

TYPES_WITH_OPTIONS = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.SCALE}
TYPES_WITH_OTHER = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE}
TYPES_WITH_RANGE = {QuestionType.NUMBER, QuestionType.YEAR}
TYPES_WITH_LENGTH = {QuestionType.TEXT, QuestionType.LONG_TEXT}
DEFAULT_MAX_LENGTH = {QuestionType.TEXT: 200, QuestionType.LONG_TEXT: 2000}
HARD_MAX_LENGTH = 10000
DEFAULT_YEAR_RANGE = (1900, 2100)


MISSING_DEFAULT_TRANSLATION = staff_text("missing the '%(language)s' translation; every text needs the default language.")
MISSING_OTHER_TRANSLATION = staff_text(
    "missing the '%(language)s' translation; add '%(language)s: ...' or mark the language as partial "
    "(- {code: %(language)s, partial: true}) to fall back."
)
# The problems of a text that lacks the translation ``params["language"]``.
MISSING_TRANSLATION = frozenset({MISSING_DEFAULT_TRANSLATION, MISSING_OTHER_TRANSLATION})
KEY_NOT_A_MAPPING = staff_text("'%(key)s' must be a mapping (key: value lines), not %(kind)s.")
KEY_NOT_A_LIST = staff_text("'%(key)s' must be a list (lines starting with '- '), not %(kind)s.")


def _suggest(word: Any, candidates: Any) -> Phrase | str:
    """A hint " Did you mean 'x'?" (put into a template right after a full stop), or ""."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1)
    return phrase(staff_text(" Did you mean '%(match)s'?"), match=matches[0]) if matches else ""


def _first_at(line: int | None) -> Phrase:
    """The ``at_line`` parameter of a duplicate: where the first one is."""
    return phrase(staff_text(" (first at line %(line)s)"), line=line)


class _Builder:
    def __init__(self, data: Any, source_name: str) -> None:
        self.data = data
        self.source_name = source_name
        self.problems: list[Problem] = []
        self.languages: list[LanguageSpec] = []
        self.default_language = "de"
        self.fallback_counts: dict[str, int] = defaultdict(int)
        self.codes_with_other: set[str] = set()  # questions whose "other" text is stored as <code>_other

    # --- reporting -------------------------------------------------------------------------

    def error(self, path: str, template: str, line: int | None, **params: Any) -> None:
        self.problems.append(Problem(path, template, line, params=params))

    def warning(self, path: str, template: str, line: int | None, **params: Any) -> None:
        self.problems.append(Problem(path, template, line, severity="warning", params=params))

    def check_keys(self, mapping: LocDict, allowed: set[str], path: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(
                    f"{path}.{key}" if path else str(key),
                    staff_text("unknown key '%(key)s'.%(hint)s Allowed here: %(allowed)s."),
                    mapping.line_of(key),
                    key=key, hint=_suggest(key, allowed), allowed=", ".join(sorted(allowed)),
                )

    def mapping(self, value: Any, path: str, line: int | None, template: str, **params: Any) -> LocDict | None:
        """``value`` if it is a mapping; else the error ``template`` (with ``%(kind)s``, what it is)."""
        if isinstance(value, LocDict):
            return value
        self.error(path, template, line, kind=_kind(value), **params)
        return None

    def sequence(self, value: Any, path: str, line: int | None, key: str) -> LocList | None:
        """The list under ``key``, or None with an error."""
        if isinstance(value, LocList):
            return value
        self.error(path, KEY_NOT_A_LIST, line, key=key, kind=_kind(value))
        return None

    def unknown_language(self, path: str, code: Any, line: int | None) -> None:
        if isinstance(code, str) and code in MISLEADING_TAGS:
            self.error(path, staff_text("language %(code)s: %(advice)s."), line, code=repr(code),
                       advice=Phrase(MISLEADING_TAGS[code]))
        else:
            self.error(path, staff_text("unknown language %(code)s.%(hint)s Known: %(known)s."), line,
                       code=repr(code), hint=_suggest(code, LANGUAGES), known=", ".join(LANGUAGES))

    # --- texts -----------------------------------------------------------------------------

    def text(self, value: Any, path: str, line: int | None, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.error(path, staff_text("a text is required here, e.g. {%(language)s: ...}."), line,
                           language=self.default_language)
            return None
        if not isinstance(value, LocDict):
            self.error(
                path,
                staff_text("a text must map languages to strings, e.g. {%(language)s: %(example)s}, not %(kind)s."),
                line,
                language=self.default_language, example=repr(str(value)[:30]), kind=_kind(value),
            )
            return None
        declared = {spec.code for spec in self.languages}
        translations: dict[str, str] = {}
        for language, string in value.items():
            key_line = value.line_of(language)
            if language not in declared:
                self.error(
                    f"{path}.{language}",
                    staff_text("language '%(language)s' is not declared in 'languages'; declare it or remove this "
                               "translation.%(hint)s"),
                    key_line,
                    language=language, hint=_suggest(language, declared),
                )
                continue
            if not isinstance(string, str) or not string.strip():
                self.error(f"{path}.{language}", staff_text("the translation must be a non-empty string."), key_line)
                continue
            translations[language] = string.strip()
        for spec in self.languages:
            if spec.code in value:
                continue
            if spec.partial and spec.code != self.default_language:
                self.fallback_counts[spec.code] += 1
            else:
                missing = MISSING_DEFAULT_TRANSLATION if spec.code == self.default_language else MISSING_OTHER_TRANSLATION
                self.error(path, missing, value.line, language=spec.code)
        return Text(translations) if translations else None

    # --- top level -------------------------------------------------------------------------

    def build(self) -> Questionnaire | None:
        root = self.data
        if not isinstance(root, LocDict):
            self.error("", staff_text("the file must be a mapping with slug, title, languages and sections, not %(kind)s."), 1,
                       kind=_kind(root))
            return None
        self.check_keys(root, TOP_KEYS, "")
        for key in ("slug", "title", "default_language", "languages", "sections"):
            if key not in root:
                self.error(key, staff_text("required key '%(key)s' is missing."), root.line, key=key)

        slug = root.get("slug")
        if "slug" in root and not (isinstance(slug, str) and SLUG_PATTERN.match(slug)):
            self.error("slug", staff_text("slug %(slug)s must be 2-64 characters: lower-case letters, digits, '-'."),
                       root.line_of("slug"), slug=repr(slug))

        self.read_languages(root)
        title = self.text(root.get("title"), "title", root.line_of("title")) if "title" in root else None
        intro = self.text(root.get("intro"), "intro", root.line_of("intro"), required=False)
        districts = self.read_districts(root)
        sections = self.read_sections(root, districts)
        breakdowns = self.read_analysis(root, sections)
        offer_mapping = self.read_offer_mapping(root, sections)

        for language, count in sorted(self.fallback_counts.items()):
            chain = [c for c in LANGUAGES[language].fallback if c in {s.code for s in self.languages}]
            chain.append(self.default_language)
            if count == 1:
                template = staff_text("'%(language)s' lacks %(count)s text; it falls back to %(chain)s.")
            else:
                template = staff_text("'%(language)s' lacks %(count)s texts; they fall back to %(chain)s.")
            self.warning("languages", template, root.line_of("languages"),
                         language=language, count=count, chain=" → ".join(dict.fromkeys(chain)))

        if any(p.severity == "error" for p in self.problems):
            return None
        assert isinstance(slug, str) and title is not None
        return Questionnaire(
            slug=slug,
            title=title,
            default_language=self.default_language,
            languages=tuple(self.languages),
            sections=tuple(sections),
            districts=tuple(districts),
            intro=intro,
            breakdowns=breakdowns,
            offer_mapping=offer_mapping,
        )

    def read_offer_mapping(self, root: LocDict, sections: list[Section]) -> dict[str, str]:
        """``offer_mapping: {provider_name: org_name, fields: offer_fields, ...}``: a provider
        questionnaire whose responses become offers for staff review."""
        if "offer_mapping" not in root:
            return {}
        mapping = self.mapping(root["offer_mapping"], "offer_mapping", root.line_of("offer_mapping"), KEY_NOT_A_MAPPING, key="offer_mapping")
        if mapping is None:
            return {}
        questions = {q.code: q for section in sections for q in section.questions}
        found: dict[str, str] = {}
        for attribute, code in mapping.items():
            path, line = f"offer_mapping.{attribute}", mapping.line_of(attribute)
            question = questions.get(code) if isinstance(code, str) else None
            if attribute not in MAPPABLE:
                self.error(path, staff_text("'%(attribute)s' is not an offer attribute.%(hint)s Allowed: %(allowed)s."), line,
                           attribute=attribute, hint=_suggest(str(attribute), MAPPABLE), allowed=", ".join(MAPPABLE))
            elif question is None:
                self.error(path, staff_text("%(code)s is not a question of this questionnaire.%(hint)s"), line,
                           code=repr(code), hint=_suggest(str(code), list(questions)))
            elif question.type not in MAPPABLE[attribute]:
                allowed = ", ".join(sorted(t.value for t in MAPPABLE[attribute]))
                self.error(path, staff_text("'%(code)s' is a %(type)s question; '%(attribute)s' needs one of: %(allowed)s."), line,
                           code=code, type=question.type.value, attribute=attribute, allowed=allowed)
            else:
                found[str(attribute)] = code
        return found

    def read_analysis(self, root: LocDict, sections: list[Section]) -> tuple[str, ...]:
        """``analysis: {breakdowns: [age_band, gender]}``: the target-group questions results
        are broken down by. Only closed single-answer questions make groups."""
        if "analysis" not in root:
            return ()
        analysis = self.mapping(root["analysis"], "analysis", root.line_of("analysis"), KEY_NOT_A_MAPPING, key="analysis")
        if analysis is None:
            return ()
        self.check_keys(analysis, {"breakdowns"}, "analysis")
        items = self.sequence(analysis.get("breakdowns"), "analysis.breakdowns", analysis.line_of("breakdowns"), "breakdowns")
        if items is None:
            return ()
        questions = {q.code: q for section in sections for q in section.questions}
        groupable = {QuestionType.SINGLE_CHOICE, QuestionType.YES_NO, QuestionType.DISTRICT, QuestionType.SCALE}
        found: list[str] = []
        for index, code in enumerate(items):
            path, line = f"analysis.breakdowns[{index}]", items.line_of(index)
            question = questions.get(code) if isinstance(code, str) else None
            if question is None:
                self.error(path, staff_text("breakdown %(code)s is not a question of this questionnaire.%(hint)s"), line,
                           code=repr(code), hint=_suggest(str(code), list(questions)))
            elif question.type not in groupable:
                self.error(path, staff_text("breakdown '%(code)s' is a %(type)s question; results can only be broken down by "
                                            "single choice, yes/no, scale or district questions."), line,
                           code=code, type=question.type.value)
            elif code in found:
                self.error(path, staff_text("breakdown '%(code)s' is listed twice."), line, code=code)
            else:
                found.append(code)
        return tuple(found)

    def read_languages(self, root: LocDict) -> None:
        default = root.get("default_language")
        if "default_language" in root:
            if isinstance(default, str) and default in LANGUAGES:
                self.default_language = default
            else:
                self.unknown_language("default_language", default, root.line_of("default_language"))
        entries = root.get("languages")
        if "languages" not in root:
            return
        items = self.sequence(entries, "languages", root.line_of("languages"), "languages")
        if items is None:
            return
        seen: set[str] = set()
        for index, entry in enumerate(items):
            path, line = f"languages[{index}]", items.line_of(index)
            if isinstance(entry, str):
                entry = LocDict({"code": entry}, line=line)
            if not isinstance(entry, LocDict):
                self.error(path, staff_text("a language is a tag (- ar) or a mapping (- {code: ar, reviewed: false})."), line)
                continue
            self.check_keys(entry, LANGUAGE_KEYS, path)
            code = entry.get("code")
            if not isinstance(code, str) or code not in LANGUAGES:
                self.unknown_language(f"{path}.code", code, line)
                continue
            if code in seen:
                self.error(f"{path}.code", staff_text("language '%(code)s' is declared twice."), line, code=code)
                continue
            seen.add(code)
            reviewed = entry.get("reviewed", True)
            partial = entry.get("partial", False)
            for flag, value in (("reviewed", reviewed), ("partial", partial)):
                if not isinstance(value, bool):
                    self.error(f"{path}.{flag}", staff_text("'%(key)s' must be true or false."), entry.line_of(flag), key=flag)
            if code == self.default_language and partial is True:
                self.error(f"{path}.partial", staff_text("the default language cannot be partial."), entry.line_of("partial"))
            self.languages.append(LanguageSpec(code, reviewed is not False, partial is True))
        if self.default_language not in seen and isinstance(default, str) and default in LANGUAGES:
            self.error("languages", staff_text("the default language '%(language)s' must be declared in 'languages'."), items.line,
                       language=self.default_language)

    def read_districts(self, root: LocDict) -> list[Option]:
        if "districts" not in root:
            return []
        items = self.sequence(root["districts"], "districts", root.line_of("districts"), "districts")
        if items is None:
            return []
        return self.read_options(items, "districts", allow_exclusive=False)

    def read_options(
        self,
        items: LocList,
        path: str,
        allow_exclusive: bool,
        earlier: dict[str, Question] | None = None,
        all_codes: dict[str, int | None] | None = None,
        order_line: int | None = None,
    ) -> list[Option]:
        """Options of a question (``earlier``: the questions an option condition may use) or the
        districts (``earlier`` None: no conditions)."""
        options: list[Option] = []
        seen: dict[str, int | None] = {}
        for index, entry in enumerate(items):
            option_path, line = f"{path}[{index}]", items.line_of(index)
            entry = self.mapping(entry, option_path, line,
                                 staff_text("an option must be a mapping (key: value lines), not %(kind)s."))
            if entry is None:
                continue
            self.check_keys(entry, OPTION_KEYS, option_path)
            code = entry.get("code")
            if isinstance(code, (int, float)) and not isinstance(code, bool):
                code = str(code)
            if not isinstance(code, str) or not OPTION_CODE_PATTERN.match(code):
                self.error(
                    f"{option_path}.code",
                    staff_text("option code %(code)s must be 1-48 letters, digits, '_', '-' or '.', without spaces."),
                    line,
                    code=repr(code),
                )
                continue
            if code in seen:
                self.error(f"{option_path}.code", staff_text("duplicate option code '%(code)s'%(at_line)s; codes must be unique."), line,
                           code=code, at_line=_first_at(seen[code]))
                continue
            seen[code] = line
            exclusive = entry.get("exclusive", False)
            if exclusive and not allow_exclusive:
                self.error(f"{option_path}.exclusive", staff_text("'exclusive' is only for options of multiple_choice questions."),
                           entry.line_of("exclusive"))
            elif not isinstance(exclusive, bool):
                self.error(f"{option_path}.exclusive", staff_text("'%(key)s' must be true or false."), entry.line_of("exclusive"),
                           key="exclusive")
            label = self.text(entry.get("label"), f"{option_path}.label", entry.line_of("label"))
            audio = self.audio(entry, option_path)
            condition = None
            if earlier is None:
                if "condition" in entry:
                    self.error(f"{option_path}.condition", staff_text("a district cannot have a condition."), entry.line_of("condition"))
            else:
                condition = self.condition(entry, option_path, earlier, all_codes or {}, order_line=order_line)
            if label is not None:
                options.append(Option(code, label, exclusive is True, audio, condition))
        return options

    # --- sections and questions ------------------------------------------------------------

    def read_sections(self, root: LocDict, districts: list[Option]) -> list[Section]:
        if "sections" not in root:
            return []
        items = self.sequence(root["sections"], "sections", root.line_of("sections"), "sections")
        if items is None:
            return []
        if not items:
            self.error("sections", staff_text("a questionnaire needs at least one section."), items.line)
        sections: list[Section] = []
        need_entries: list[tuple[int, LocDict, str]] = []
        section_lines: dict[str, int | None] = {}
        # Questions seen so far, in order: conditions may only refer to these.
        earlier: dict[str, Question] = {}
        all_codes: dict[str, int | None] = {}
        self._collect_all_codes(items, all_codes)
        for index, entry in enumerate(items):
            path, line = f"sections[{index}]", items.line_of(index)
            entry = self.mapping(entry, path, line, staff_text("a section must be a mapping (key: value lines), not %(kind)s."))
            if entry is None:
                continue
            self.check_keys(entry, SECTION_KEYS, path)
            code = entry.get("code")
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                self.error(f"{path}.code", staff_text("section code %(code)s must start with a letter and use a-z, 0-9, '_' (at most 48)."),
                           line, code=repr(code))
                code = f"section_{index}"
            elif code in section_lines:
                self.error(f"{path}.code", staff_text("duplicate section code '%(code)s'%(at_line)s."), line,
                           code=code, at_line=_first_at(section_lines[code]))
            section_lines.setdefault(code, line)
            field_value = entry.get("field")
            integration_field: str | None = None
            if field_value is not None:
                # Any well-formed code: a city may define its own fields; whether the code is
                # one of this municipality's is checked on import (survey.store.municipality).
                if isinstance(field_value, str) and CODE_PATTERN.match(field_value):
                    integration_field = field_value
                else:
                    known = [f.value for f in IntegrationField]
                    self.error(
                        f"{path}.field",
                        staff_text("integration field %(value)s must be a code like %(known)s."),
                        entry.line_of("field"),
                        value=repr(field_value), known=", ".join(known),
                    )
            if "need" in entry:
                if integration_field is None:
                    self.error(f"{path}.need", staff_text("'need' says when someone needs help in the section's integration field: "
                                                          "give the section a 'field' too."), entry.line_of("need"))
                else:
                    need_entries.append((len(sections), entry, path))
            title = self.text(entry.get("title"), f"{path}.title", entry.line_of("title"))
            intro = self.text(entry.get("intro"), f"{path}.intro", entry.line_of("intro"), required=False)
            condition = self.condition(entry, path, earlier, all_codes)
            questions: list[Question] = []
            question_items = self.sequence(entry.get("questions"), f"{path}.questions", entry.line_of("questions"), "questions")
            if question_items is not None:
                if not question_items:
                    self.error(f"{path}.questions", staff_text("a section needs at least one question."), question_items.line)
                for q_index, q_entry in enumerate(question_items):
                    question = self.read_question(
                        q_entry, f"{path}.questions[{q_index}]", question_items.line_of(q_index),
                        code, earlier, all_codes, districts,
                    )
                    if question is not None:
                        questions.append(question)
                        earlier[question.code] = question
            if title is not None:
                sections.append(Section(code, title, tuple(questions), integration_field, intro, condition))
            elif need_entries and need_entries[-1][0] == len(sections):
                need_entries.pop()
        # A need is judged on the whole submitted response, so it may use any question.
        for index, entry, path in need_entries:
            need = self.condition(entry, path, earlier, all_codes, key="need", order_line=10**9)
            if need is not None:
                sections[index] = replace(sections[index], need=need)
        return sections

    def _collect_all_codes(self, sections: LocList, all_codes: dict[str, int | None]) -> None:
        """Every question code in the file with its first line, to find duplicates and tell
        'refers to a later question' from 'refers to an unknown question'."""
        for section in sections:
            if not isinstance(section, LocDict) or not isinstance(section.get("questions"), LocList):
                continue
            questions = section["questions"]
            for index, question in enumerate(questions):
                if isinstance(question, LocDict) and isinstance(question.get("code"), str):
                    all_codes.setdefault(question["code"], questions.line_of(index))
                    if question.get("other") is True:
                        self.codes_with_other.add(question["code"])

    def read_question(
        self,
        entry: Any,
        path: str,
        line: int | None,
        section_code: str,
        earlier: dict[str, Question],
        all_codes: dict[str, int | None],
        districts: list[Option],
    ) -> Question | None:
        entry = self.mapping(entry, path, line, staff_text("a question must be a mapping (key: value lines), not %(kind)s."))
        if entry is None:
            return None
        self.check_keys(entry, QUESTION_KEYS, path)
        ok = True
        code = entry.get("code")
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            self.error(f"{path}.code", staff_text("question code %(code)s must start with a letter and use a-z, 0-9, '_' (at most 48)."),
                       line, code=repr(code))
            ok, code = False, f"q_{line}"
        elif code in earlier or all_codes.get(code) != line:
            self.error(f"{path}.code", staff_text("duplicate question code '%(code)s'%(at_line)s; codes must be unique in the questionnaire."),
                       line, code=code, at_line=_first_at(all_codes.get(code)))
            ok = False
        elif code in RESERVED_CODES:
            self.error(f"{path}.code", staff_text("'%(code)s' is reserved for an export column; choose another code."), line, code=code)
            ok = False
        elif code.endswith(OTHER_SUFFIX) and code[: -len(OTHER_SUFFIX)] in self.codes_with_other:
            self.error(f"{path}.code", staff_text("'%(code)s' would clash with the 'other' text of question '%(question)s'; choose another code."),
                       line, code=code, question=code[: -len(OTHER_SUFFIX)])
            ok = False

        type_value = entry.get("type")
        try:
            qtype = QuestionType(type_value)
        except ValueError:
            known = [t.value for t in QuestionType]
            self.error(f"{path}.type", staff_text("unknown question type %(type)s.%(hint)s Known types: %(known)s."), entry.line_of("type"),
                       type=repr(type_value), hint=_suggest(type_value, known), known=", ".join(known))
            return None

        label = self.text(entry.get("label"), f"{path}.label", entry.line_of("label"))
        hint = self.text(entry.get("hint"), f"{path}.hint", entry.line_of("hint"), required=False)
        required = entry.get("required", False)
        if not isinstance(required, bool):
            self.error(f"{path}.required", staff_text("'%(key)s' must be true or false."), entry.line_of("required"), key="required")
            required = False
        if qtype is QuestionType.INFO and required:
            self.error(f"{path}.required", staff_text("an info text takes no answer, so it cannot be required."), entry.line_of("required"))
        condition = self.condition(entry, path, earlier, all_codes)

        def not_for(key: str, allowed: set[QuestionType]) -> None:
            if key in entry and qtype not in allowed:
                users = ", ".join(sorted(t.value for t in allowed))
                self.error(f"{path}.{key}", staff_text("'%(key)s' does not apply to %(type)s questions (only %(users)s)."), entry.line_of(key),
                           key=key, type=qtype.value, users=users)

        not_for("options", TYPES_WITH_OPTIONS)
        not_for("other", TYPES_WITH_OTHER)
        not_for("min", TYPES_WITH_RANGE)
        not_for("max", TYPES_WITH_RANGE)
        not_for("decimals", {QuestionType.NUMBER})
        not_for("max_length", TYPES_WITH_LENGTH)

        options: list[Option] = []
        if qtype in TYPES_WITH_OPTIONS:
            items = self.sequence(entry.get("options"), f"{path}.options", entry.line_of("options"), "options")
            if items is not None:
                options = self.read_options(
                    items, f"{path}.options", allow_exclusive=qtype is QuestionType.MULTIPLE_CHOICE,
                    earlier=earlier, all_codes=all_codes, order_line=line,
                )
                if len(items) < 2:
                    self.error(f"{path}.options", staff_text("a choice question needs at least two options."), items.line)
        elif qtype is QuestionType.YES_NO:
            options = [Option("yes", self._builtin(builtin_texts.YES)), Option("no", self._builtin(builtin_texts.NO))]
        elif qtype is QuestionType.DISTRICT:
            if not districts:
                self.error(path, staff_text("a district question needs the list 'districts' at the top of the file."), line)
            options = list(districts)

        other = entry.get("other", False)
        if not isinstance(other, bool):
            self.error(f"{path}.other", staff_text("'%(key)s' must be true or false."), entry.line_of("other"), key="other")
            other = False
        if other and any(option.code == OTHER_OPTION_CODE for option in options):
            self.error(f"{path}.other", staff_text("with 'other: true' no option may use the code '%(code)s'; it is added for you."),
                       entry.line_of("other"), code=OTHER_OPTION_CODE)

        minimum, maximum = self.number(entry, "min", path), self.number(entry, "max", path)
        if qtype is QuestionType.YEAR:
            minimum = DEFAULT_YEAR_RANGE[0] if minimum is None else minimum
            maximum = DEFAULT_YEAR_RANGE[1] if maximum is None else maximum
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(f"{path}.min", staff_text("min (%(minimum)s) is greater than max (%(maximum)s)."), entry.line_of("min"),
                       minimum=f"{minimum:g}", maximum=f"{maximum:g}")
        decimals = entry.get("decimals", False)
        if not isinstance(decimals, bool):
            self.error(f"{path}.decimals", staff_text("'%(key)s' must be true or false."), entry.line_of("decimals"), key="decimals")
            decimals = False
        max_length = DEFAULT_MAX_LENGTH.get(qtype)
        if "max_length" in entry:
            value = entry["max_length"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= HARD_MAX_LENGTH:
                self.error(f"{path}.max_length", staff_text("'max_length' must be a whole number from 1 to %(maximum)s."),
                           entry.line_of("max_length"), maximum=HARD_MAX_LENGTH)
            else:
                max_length = value

        constraint, constraint_message = self.constraint(entry, path, earlier, all_codes, code, qtype, section_code, options, other)

        if not ok or label is None or any(p.severity == "error" and p.path.startswith(path + ".") for p in self.problems):
            return None
        return Question(
            code=code,
            type=qtype,
            label=label,
            section_code=section_code,
            hint=hint,
            required=required and qtype is not QuestionType.INFO,
            condition=condition,
            options=tuple(options),
            other=other,
            other_label=self._builtin(builtin_texts.OTHER) if other else None,
            minimum=minimum,
            maximum=maximum,
            decimals=decimals,
            max_length=max_length,
            audio=self.audio(entry, path),
            constraint=constraint,
            constraint_message=constraint_message,
        )

    def constraint(
        self,
        entry: LocDict,
        path: str,
        earlier: dict[str, Question],
        all_codes: dict[str, int | None],
        code: str,
        qtype: QuestionType,
        section_code: str,
        options: list[Option],
        other: bool,
    ) -> tuple[Condition | None, Text | None]:
        """The optional ``constraint`` an answer must meet (it may use the question's own code)
        and the ``constraint_message`` shown when it does not."""
        message = self.text(entry.get("constraint_message"), f"{path}.constraint_message", entry.line_of("constraint_message"), required=False)
        if "constraint" not in entry:
            if "constraint_message" in entry:
                self.error(f"{path}.constraint_message", staff_text("a constraint_message needs a 'constraint' to explain."),
                           entry.line_of("constraint_message"))
            return None, None
        if qtype is QuestionType.INFO:
            self.error(f"{path}.constraint", staff_text("an info text takes no answer, so it cannot have a constraint."), entry.line_of("constraint"))
            return None, None
        own = Question(code, qtype, Text({}), section_code, options=tuple(options), other=other,
                       other_label=self._builtin(builtin_texts.OTHER) if other else None)
        return self.condition(entry, path, earlier, all_codes, key="constraint", own=own), message

    def audio(self, entry: LocDict, path: str) -> Text | None:
        """The optional ``audio`` mapping: language -> file name; any subset of the languages."""
        if "audio" not in entry:
            return None
        mapping = self.mapping(entry["audio"], f"{path}.audio", entry.line_of("audio"),
                               staff_text("'audio' (language: file name) must be a mapping (key: value lines), not %(kind)s."))
        if mapping is None:
            return None
        declared = {spec.code for spec in self.languages}
        clips: dict[str, str] = {}
        for language, name in mapping.items():
            line = mapping.line_of(language)
            if language not in declared:
                self.error(f"{path}.audio.{language}", staff_text("'%(language)s' is not one of the questionnaire's languages (%(declared)s)."),
                           line, language=language, declared=", ".join(sorted(declared)))
            elif not isinstance(name, str) or not AUDIO_NAME_PATTERN.match(name):
                self.error(
                    f"{path}.audio.{language}",
                    staff_text("%(name)s is not an audio file name: give the name of a .ogg, .opus, .mp3, .m4a or .webm file in the audio "
                               "folder, without a path."),
                    line,
                    name=repr(name),
                )
            else:
                clips[language] = name
        return Text(clips) if clips else None

    def _builtin(self, text: Text) -> Text:
        declared = {spec.code for spec in self.languages}
        return Text({lang: value for lang, value in text.translations.items() if lang in declared} or dict(text.translations))

    def number(self, entry: LocDict, key: str, path: str) -> float | None:
        if key not in entry:
            return None
        value = entry[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(f"{path}.{key}", staff_text("'%(key)s' must be a number."), entry.line_of(key), key=key)
            return None
        # .inf, .nan and numbers beyond any answer (which floats could not even hold) would be
        # written back as text that no longer reads as a number.
        if not (isinstance(value, int) or math.isfinite(value)) or abs(value) > MAX_BOUND:
            self.error(f"{path}.{key}", staff_text("'%(key)s' must be a number between -10^15 and 10^15."), entry.line_of(key), key=key)
            return None
        return value

    def condition(
        self,
        entry: LocDict,
        path: str,
        earlier: dict[str, Question],
        all_codes: dict[str, int | None],
        key: str = "condition",
        own: Question | None = None,
        order_line: int | None = None,
    ) -> Condition | None:
        """The condition under ``key``. ``own``: the question a constraint belongs to, which it may
        use; ``order_line``: the line of the question an option condition belongs to."""
        if key not in entry:
            return None
        source = entry[key]
        cpath, line = f"{path}.{key}", entry.line_of(key)
        order = order_line if order_line is not None else line
        if own is not None:
            earlier = {**earlier, own.code: own}
        if not isinstance(source, str):
            self.error(cpath, staff_text("a %(key)s must be text, e.g. \"work_status == 'looking'\"."), line, key=key)
            return None
        try:
            condition = parse_condition(source)
        except ConditionSyntaxError as error:
            # The reason is the condition parser's English text (survey/questionnaire/conditions/expression.py).
            self.error(cpath, staff_text("cannot read %(key)s %(source)s: %(reason)s."), line,
                       key=key, source=repr(source), reason=str(error))
            return None
        valid = True
        for name in condition.names():
            if name.code in earlier:
                if not earlier[name.code].takes_answer:
                    self.error(cpath, staff_text("'%(code)s' is an info text and has no answer to test."), line, code=name.code)
                    valid = False
                continue
            valid = False
            if name.code in all_codes and (all_codes[name.code] or 0) < (order or 0):
                continue  # an earlier question that failed to load: its own error says why
            if name.code in all_codes:
                self.error(
                    cpath,
                    staff_text("the %(key)s refers to '%(code)s', which comes later%(at_line)s; "
                               "a %(key)s may only use questions asked before it."),
                    line,
                    key=key, code=name.code, at_line=phrase(staff_text(" (line %(line)s)"), line=all_codes[name.code]),
                )
            else:
                self.error(cpath, staff_text("the %(key)s refers to an unknown question '%(code)s'.%(hint)s"), line,
                           key=key, code=name.code, hint=_suggest(name.code, earlier))
        if not valid:
            return None
        for name, option_code in condition.option_references():
            question = earlier[name.code]
            if question.is_choice and question.option(option_code) is None:
                codes = ", ".join(option.code for option in question.all_options())
                self.error(cpath, staff_text("'%(code)s' has no option '%(option)s'.%(hint)s Its options: %(options)s."), line,
                           code=name.code, option=option_code, hint=_suggest(option_code, [o.code for o in question.all_options()]),
                           options=codes)
                valid = False
        return condition if valid else None


def _kind(value: Any) -> Phrase:
    """What ``value`` is, for "... must be a list, not %(kind)s"."""
    if value is None:
        return phrase(staff_text("nothing"))
    if isinstance(value, dict):
        return phrase(staff_text("a mapping"))
    if isinstance(value, list):
        return phrase(staff_text("a list"))
    return phrase(staff_text("the %(type)s %(value)s"), type=type(value).__name__, value=repr(str(value)[:40]))


def build_questionnaire(data: Any, source_name: str) -> tuple[Questionnaire, list[Problem]]:
    """Validate located data; return the questionnaire and its warnings, or raise."""
    builder = _Builder(data, source_name)
    questionnaire = builder.build()
    if questionnaire is None:
        raise QuestionnaireError(source_name, builder.problems)
    return questionnaire, [p for p in builder.problems if p.severity == "warning"]
