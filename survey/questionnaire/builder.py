"""Turn located plain data into a validated Questionnaire, collecting every problem.

The reader (YAML, later XLSForm) produces ``LocDict``/``LocList`` data; this module checks it and
builds the immutable model, or raises one ``QuestionnaireError`` listing all errors with their
path, line, and how to fix them.

Every problem is a ``Problem`` (survey/problems.py): a whole English sentence marked with
``staff_text`` where it is written, placed at the path and line it concerns. Where a sentence has
variants (with or without "Did you mean ...?", a reference to another line, the kind of value
found), each variant is a template of its own. The web editor has no lines, so it builds without
line references (``line_references``); a missing translation has the code
``missing_translation`` and the parameter ``language``, which the editor puts at that language's
field.
"""
from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from survey.languages import LANGUAGES, MISLEADING_TAGS
from survey.problems import Problem, Where, staff_text
from survey.questionnaire import builtin_texts
from survey.questionnaire.conditions.expression import Condition, ConditionSyntaxError, parse_condition
from survey.questionnaire.errors import QuestionnaireError
from survey.questionnaire.formats.located_yaml import LocDict, LocList
from survey.questionnaire.model import (
    MUNICIPALITY,
    OTHER_OPTION_CODE,
    OTHER_SUFFIX,
    IntegrationField,
    LanguageSpec,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    Text,
)
from survey.questionnaire.offer_mapping import MAPPABLE

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


# The code of the problem of a text that lacks the translation ``params["language"]``.
MISSING_TRANSLATION = "missing_translation"

# "... must be a mapping/list, not ...": one sentence for each kind of value found (``_kind``).
KEY_NOT_A_MAPPING = {
    "nothing": staff_text("'%(key)s' must be a mapping (key: value lines), but it is empty."),
    "list": staff_text("'%(key)s' must be a mapping (key: value lines), not a list."),
    "value": staff_text("'%(key)s' must be a mapping (key: value lines), not the %(type)s %(value)s."),
}
KEY_NOT_A_LIST = {
    "nothing": staff_text("'%(key)s' must be a list (lines starting with '- '), but it is empty."),
    "mapping": staff_text("'%(key)s' must be a list (lines starting with '- '), not a mapping."),
    "value": staff_text("'%(key)s' must be a list (lines starting with '- '), not the %(type)s %(value)s."),
}
# An entry of a list of sections, questions or options (its path says which).
ENTRY_NOT_A_MAPPING = {
    "nothing": staff_text("This entry must be a mapping (key: value lines), but it is empty."),
    "list": staff_text("This entry must be a mapping (key: value lines), not a list."),
    "value": staff_text("This entry must be a mapping (key: value lines), not the %(type)s %(value)s."),
}
TEXT_NOT_A_MAPPING = {
    "list": staff_text("A text must map languages to strings, e.g. {%(language)s: %(example)s}, not a list."),
    "value": staff_text("A text must map languages to strings, e.g. {%(language)s: %(example)s}, not the %(type)s %(value)s."),
}
FILE_NOT_A_MAPPING = {
    "nothing": staff_text("The file is empty; a questionnaire is a mapping with slug, title, languages and sections."),
    "list": staff_text("The file must be a mapping with slug, title, languages and sections, not a list."),
    "value": staff_text("The file must be a mapping with slug, title, languages and sections, not the %(type)s %(value)s."),
}


def _kind(value: Any) -> tuple[str, dict[str, str]]:
    """Which variant of a "must be a ..." sentence fits ``value`` (nothing, mapping, list or
    value), and the parameters that name a value."""
    kind = "nothing" if value is None else "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "value"
    return kind, {"type": type(value).__name__, "value": repr(str(value)[:40])}


def _suggest(word: Any, candidates: Any) -> str | None:
    """The candidate ``word`` was probably meant to be, for a "Did you mean ...?" variant."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1)
    return matches[0] if matches else None


class _Builder:
    def __init__(self, data: Any, source_name: str, line_references: bool = True) -> None:
        self.data = data
        self.source_name = source_name
        self.line_references = line_references  # False: no "(first at line N)"; the web editor has no lines
        self.problems: list[Problem] = []
        self.languages: list[LanguageSpec] = []
        self.default_language = "de"
        self.fallback_counts: dict[str, int] = defaultdict(int)
        self.codes_with_other: set[str] = set()  # questions whose "other" text is stored as <code>_other
        self.districts_from: str | None = None  # MUNICIPALITY: ``districts: municipality``

    # --- reporting -------------------------------------------------------------------------

    def error(self, path: str, line: int | None, code: str, template: str, /, **params: Any) -> None:
        """Report ``template`` (a whole sentence, marked with ``staff_text``) at ``path``."""
        self.problems.append(Problem(code, template, params, "error", Where(file=self.source_name, line=line, path=path)))

    def warning(self, path: str, line: int | None, code: str, template: str, /, **params: Any) -> None:
        self.problems.append(Problem(code, template, params, "warning", Where(file=self.source_name, line=line, path=path)))

    def line_of_first(self, line: int | None) -> int | None:
        """The line a duplicate refers to, or None where the reader has no lines."""
        return line if self.line_references else None

    def check_keys(self, mapping: LocDict, allowed: set[str], path: str) -> None:
        for key in mapping:
            if key not in allowed:
                match = _suggest(key, allowed)
                template = (staff_text("Unknown key '%(key)s'. Did you mean '%(match)s'? Allowed here: %(allowed)s.") if match
                            else staff_text("Unknown key '%(key)s'. Allowed here: %(allowed)s."))
                self.error(f"{path}.{key}" if path else str(key), mapping.line_of(key), "unknown_key", template,
                           key=key, match=match, allowed=", ".join(sorted(allowed)))

    def mapping(self, value: Any, path: str, line: int | None, templates: dict[str, str], /, **params: Any) -> LocDict | None:
        """``value`` if it is a mapping; else the error of ``templates`` for the kind of value it is."""
        if isinstance(value, LocDict):
            return value
        kind, named = _kind(value)
        self.error(path, line, "not_a_mapping", templates.get(kind) or templates["value"], **named, **params)
        return None

    def sequence(self, value: Any, path: str, line: int | None, key: str) -> LocList | None:
        """The list under ``key``, or None with an error."""
        if isinstance(value, LocList):
            return value
        kind, named = _kind(value)
        self.error(path, line, "not_a_list", KEY_NOT_A_LIST.get(kind) or KEY_NOT_A_LIST["value"], key=key, **named)
        return None

    def unknown_language(self, path: str, code: Any, line: int | None) -> None:
        if isinstance(code, str) and code in MISLEADING_TAGS:
            self.error(path, line, "misleading_language_tag", MISLEADING_TAGS[code], tag=code)
            return
        match = _suggest(code, LANGUAGES)
        template = (staff_text("Unknown language %(code)s. Did you mean '%(match)s'? Known: %(known)s.") if match
                    else staff_text("Unknown language %(code)s. Known: %(known)s."))
        self.error(path, line, "unknown_language", template, code=repr(code), match=match, known=", ".join(LANGUAGES))

    # --- texts -----------------------------------------------------------------------------

    def text(self, value: Any, path: str, line: int | None, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.error(path, line, "text_required", staff_text("A text is required here, e.g. {%(language)s: ...}."),
                           language=self.default_language)
            return None
        if not isinstance(value, LocDict):
            self.mapping(value, path, line, TEXT_NOT_A_MAPPING, language=self.default_language, example=repr(str(value)[:30]))
            return None
        declared = {spec.code for spec in self.languages}
        translations: dict[str, str] = {}
        for language, string in value.items():
            key_line = value.line_of(language)
            if language not in declared:
                match = _suggest(language, declared)
                template = (staff_text("The language '%(language)s' is not declared in 'languages'; declare it or remove this "
                                       "translation. Did you mean '%(match)s'?") if match
                            else staff_text("The language '%(language)s' is not declared in 'languages'; declare it or remove "
                                            "this translation."))
                self.error(f"{path}.{language}", key_line, "undeclared_language", template, language=language, match=match)
                continue
            if not isinstance(string, str) or not string.strip():
                self.error(f"{path}.{language}", key_line, "empty_translation", staff_text("The translation must be a non-empty string."))
                continue
            translations[language] = string.strip()
        for spec in self.languages:
            if spec.code in value:
                continue
            if spec.partial and spec.code != self.default_language:
                self.fallback_counts[spec.code] += 1
            elif spec.code == self.default_language:
                self.error(path, value.line, MISSING_TRANSLATION, staff_text(
                    "The '%(language)s' translation is missing; every text needs the default language."), language=spec.code)
            else:
                self.error(path, value.line, MISSING_TRANSLATION, staff_text(
                    "The '%(language)s' translation is missing; add '%(language)s: ...' or mark the language as partial "
                    "(- {code: %(language)s, partial: true}) to fall back."), language=spec.code)
        return Text(translations) if translations else None

    # --- top level -------------------------------------------------------------------------

    def build(self) -> Questionnaire | None:
        root = self.data
        if not isinstance(root, LocDict):
            self.mapping(root, "", 1, FILE_NOT_A_MAPPING)
            return None
        self.check_keys(root, TOP_KEYS, "")
        for key in ("slug", "title", "default_language", "languages", "sections"):
            if key not in root:
                self.error(key, root.line, "missing_key", staff_text("The required key '%(key)s' is missing."), key=key)

        slug = root.get("slug")
        if "slug" in root and not (isinstance(slug, str) and SLUG_PATTERN.match(slug)):
            self.error("slug", root.line_of("slug"), "bad_slug",
                       staff_text("The slug %(slug)s must be 2-64 characters: lower-case letters, digits, '-'."), slug=repr(slug))

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
            self.warning("languages", root.line_of("languages"), "falls_back", template,
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
            districts_from=self.districts_from,
            intro=intro,
            breakdowns=breakdowns,
            offer_mapping=offer_mapping,
        )

    def read_offer_mapping(self, root: LocDict, sections: list[Section]) -> dict[str, str]:
        """``offer_mapping: {provider_name: org_name, fields: offer_fields, ...}``: a provider
        questionnaire whose responses become offers for staff review."""
        if "offer_mapping" not in root:
            return {}
        mapping = self.mapping(root["offer_mapping"], "offer_mapping", root.line_of("offer_mapping"), KEY_NOT_A_MAPPING,
                               key="offer_mapping")
        if mapping is None:
            return {}
        questions = {q.code: q for section in sections for q in section.questions}
        found: dict[str, str] = {}
        for attribute, code in mapping.items():
            path, line = f"offer_mapping.{attribute}", mapping.line_of(attribute)
            question = questions.get(code) if isinstance(code, str) else None
            if attribute not in MAPPABLE:
                match = _suggest(str(attribute), MAPPABLE)
                template = (staff_text("'%(attribute)s' is not an offer attribute. Did you mean '%(match)s'? Allowed: %(allowed)s.")
                            if match else staff_text("'%(attribute)s' is not an offer attribute. Allowed: %(allowed)s."))
                self.error(path, line, "unknown_offer_attribute", template,
                           attribute=attribute, match=match, allowed=", ".join(MAPPABLE))
            elif question is None:
                match = _suggest(str(code), list(questions))
                template = (staff_text("%(code)s is not a question of this questionnaire. Did you mean '%(match)s'?") if match
                            else staff_text("%(code)s is not a question of this questionnaire."))
                self.error(path, line, "unknown_question", template, code=repr(code), match=match)
            elif question.type not in MAPPABLE[attribute]:
                allowed = ", ".join(sorted(t.value for t in MAPPABLE[attribute]))
                self.error(path, line, "offer_attribute_type",
                           staff_text("'%(code)s' is a %(type)s question; '%(attribute)s' needs one of: %(allowed)s."),
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
                match = _suggest(str(code), list(questions))
                template = (staff_text("The breakdown %(code)s is not a question of this questionnaire. Did you mean '%(match)s'?")
                            if match else staff_text("The breakdown %(code)s is not a question of this questionnaire."))
                self.error(path, line, "unknown_breakdown", template, code=repr(code), match=match)
            elif question.type not in groupable:
                self.error(path, line, "breakdown_type",
                           staff_text("The breakdown '%(code)s' is a %(type)s question; results can only be broken down by "
                                      "single choice, yes/no, scale or district questions."),
                           code=code, type=question.type.value)
            elif code in found:
                self.error(path, line, "breakdown_twice", staff_text("The breakdown '%(code)s' is listed twice."), code=code)
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
                self.error(path, line, "bad_language_entry",
                           staff_text("A language is a tag (- ar) or a mapping (- {code: ar, reviewed: false})."))
                continue
            self.check_keys(entry, LANGUAGE_KEYS, path)
            code = entry.get("code")
            if not isinstance(code, str) or code not in LANGUAGES:
                self.unknown_language(f"{path}.code", code, line)
                continue
            if code in seen:
                self.error(f"{path}.code", line, "language_twice", staff_text("The language '%(code)s' is declared twice."), code=code)
                continue
            seen.add(code)
            reviewed = entry.get("reviewed", True)
            partial = entry.get("partial", False)
            for flag, value in (("reviewed", reviewed), ("partial", partial)):
                if not isinstance(value, bool):
                    self.not_a_boolean(f"{path}.{flag}", entry.line_of(flag), flag)
            if code == self.default_language and partial is True:
                self.error(f"{path}.partial", entry.line_of("partial"), "default_language_partial",
                           staff_text("The default language cannot be partial."))
            self.languages.append(LanguageSpec(code, reviewed is not False, partial is True))
        if self.default_language not in seen and isinstance(default, str) and default in LANGUAGES:
            self.error("languages", items.line, "default_language_undeclared",
                       staff_text("The default language '%(language)s' must be declared in 'languages'."), language=self.default_language)

    def not_a_boolean(self, path: str, line: int | None, key: str) -> None:
        self.error(path, line, "not_a_boolean", staff_text("'%(key)s' must be true or false."), key=key)

    def read_districts(self, root: LocDict) -> list[Option]:
        """The file's own district list, or none yet when it binds the city's list
        (``districts: municipality``; the store hands that list in: survey.questionnaire.districts)."""
        if "districts" not in root:
            return []
        if root["districts"] == MUNICIPALITY:
            self.districts_from = MUNICIPALITY
            return []
        if isinstance(root["districts"], str):
            self.error("districts", root.line_of("districts"), "bad_district_binding", staff_text(
                "'districts' is either 'municipality' (the city's district list) or a list of districts, not %(value)s."),
                value=repr(root["districts"][:40]))
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
            entry = self.mapping(entry, option_path, line, ENTRY_NOT_A_MAPPING)
            if entry is None:
                continue
            self.check_keys(entry, OPTION_KEYS, option_path)
            code = entry.get("code")
            if isinstance(code, (int, float)) and not isinstance(code, bool):
                code = str(code)
            if not isinstance(code, str) or not OPTION_CODE_PATTERN.match(code):
                self.error(f"{option_path}.code", line, "bad_option_code",
                           staff_text("The option code %(code)s must be 1-48 letters, digits, '_', '-' or '.', without spaces."),
                           code=repr(code))
                continue
            if code in seen:
                first = self.line_of_first(seen[code])
                template = (staff_text("The option code '%(code)s' appears twice (first at line %(line)s); codes must be unique.")
                            if first is not None else staff_text("The option code '%(code)s' appears twice; codes must be unique."))
                self.error(f"{option_path}.code", line, "duplicate_option_code", template, code=code, line=first)
                continue
            seen[code] = line
            exclusive = entry.get("exclusive", False)
            if exclusive and not allow_exclusive:
                self.error(f"{option_path}.exclusive", entry.line_of("exclusive"), "exclusive_not_allowed",
                           staff_text("'exclusive' is only for options of multiple_choice questions."))
            elif not isinstance(exclusive, bool):
                self.not_a_boolean(f"{option_path}.exclusive", entry.line_of("exclusive"), "exclusive")
            label = self.text(entry.get("label"), f"{option_path}.label", entry.line_of("label"))
            audio = self.audio(entry, option_path)
            condition = None
            if earlier is None:
                if "condition" in entry:
                    self.error(f"{option_path}.condition", entry.line_of("condition"), "district_condition",
                               staff_text("A district cannot have a condition."))
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
            self.error("sections", items.line, "no_sections", staff_text("A questionnaire needs at least one section."))
        sections: list[Section] = []
        need_entries: list[tuple[int, LocDict, str]] = []
        section_lines: dict[str, int | None] = {}
        # Questions seen so far, in order: conditions may only refer to these.
        earlier: dict[str, Question] = {}
        all_codes: dict[str, int | None] = {}
        self._collect_all_codes(items, all_codes)
        for index, entry in enumerate(items):
            path, line = f"sections[{index}]", items.line_of(index)
            entry = self.mapping(entry, path, line, ENTRY_NOT_A_MAPPING)
            if entry is None:
                continue
            self.check_keys(entry, SECTION_KEYS, path)
            code = entry.get("code")
            if not isinstance(code, str) or not CODE_PATTERN.match(code):
                self.error(f"{path}.code", line, "bad_section_code",
                           staff_text("The section code %(code)s must start with a letter and use a-z, 0-9, '_' (at most 48)."),
                           code=repr(code))
                code = f"section_{index}"
            elif code in section_lines:
                first = self.line_of_first(section_lines[code])
                template = (staff_text("The section code '%(code)s' appears twice (first at line %(line)s).") if first is not None
                            else staff_text("The section code '%(code)s' appears twice."))
                self.error(f"{path}.code", line, "duplicate_section_code", template, code=code, line=first)
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
                    self.error(f"{path}.field", entry.line_of("field"), "bad_field",
                               staff_text("The integration field %(value)s must be a code like %(known)s."),
                               value=repr(field_value), known=", ".join(known))
            if "need" in entry:
                if integration_field is None:
                    self.error(f"{path}.need", entry.line_of("need"), "need_without_field",
                               staff_text("'need' says when someone needs help in the section's integration field: "
                                          "give the section a 'field' too."))
                else:
                    need_entries.append((len(sections), entry, path))
            title = self.text(entry.get("title"), f"{path}.title", entry.line_of("title"))
            intro = self.text(entry.get("intro"), f"{path}.intro", entry.line_of("intro"), required=False)
            condition = self.condition(entry, path, earlier, all_codes)
            questions: list[Question] = []
            question_items = self.sequence(entry.get("questions"), f"{path}.questions", entry.line_of("questions"), "questions")
            if question_items is not None:
                if not question_items:
                    self.error(f"{path}.questions", question_items.line, "no_questions",
                               staff_text("A section needs at least one question."))
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
        entry = self.mapping(entry, path, line, ENTRY_NOT_A_MAPPING)
        if entry is None:
            return None
        self.check_keys(entry, QUESTION_KEYS, path)
        ok = True
        code = entry.get("code")
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            self.error(f"{path}.code", line, "bad_question_code",
                       staff_text("The question code %(code)s must start with a letter and use a-z, 0-9, '_' (at most 48)."),
                       code=repr(code))
            ok, code = False, f"q_{line}"
        elif code in earlier or all_codes.get(code) != line:
            first = self.line_of_first(all_codes.get(code))
            template = (staff_text("The question code '%(code)s' appears twice (first at line %(line)s); codes must be unique "
                                   "in the questionnaire.") if first is not None
                        else staff_text("The question code '%(code)s' appears twice; codes must be unique in the questionnaire."))
            self.error(f"{path}.code", line, "duplicate_question_code", template, code=code, line=first)
            ok = False
        elif code in RESERVED_CODES:
            self.error(f"{path}.code", line, "reserved_code",
                       staff_text("'%(code)s' is reserved for an export column; choose another code."), code=code)
            ok = False
        elif code.endswith(OTHER_SUFFIX) and code[: -len(OTHER_SUFFIX)] in self.codes_with_other:
            self.error(f"{path}.code", line, "clashes_with_other",
                       staff_text("'%(code)s' would clash with the 'other' text of question '%(question)s'; choose another code."),
                       code=code, question=code[: -len(OTHER_SUFFIX)])
            ok = False

        type_value = entry.get("type")
        try:
            qtype = QuestionType(type_value)
        except ValueError:
            known = [t.value for t in QuestionType]
            match = _suggest(type_value, known)
            template = (staff_text("Unknown question type %(type)s. Did you mean '%(match)s'? Known types: %(known)s.") if match
                        else staff_text("Unknown question type %(type)s. Known types: %(known)s."))
            self.error(f"{path}.type", entry.line_of("type"), "unknown_question_type", template,
                       type=repr(type_value), match=match, known=", ".join(known))
            return None

        label = self.text(entry.get("label"), f"{path}.label", entry.line_of("label"))
        hint = self.text(entry.get("hint"), f"{path}.hint", entry.line_of("hint"), required=False)
        required = entry.get("required", False)
        if not isinstance(required, bool):
            self.not_a_boolean(f"{path}.required", entry.line_of("required"), "required")
            required = False
        if qtype is QuestionType.INFO and required:
            self.error(f"{path}.required", entry.line_of("required"), "info_required",
                       staff_text("An info text takes no answer, so it cannot be required."))
        condition = self.condition(entry, path, earlier, all_codes)

        def not_for(key: str, allowed: set[QuestionType]) -> None:
            if key in entry and qtype not in allowed:
                users = ", ".join(sorted(t.value for t in allowed))
                self.error(f"{path}.{key}", entry.line_of(key), "key_not_for_type",
                           staff_text("'%(key)s' does not apply to %(type)s questions (only %(users)s)."),
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
                    self.error(f"{path}.options", items.line, "too_few_options",
                               staff_text("A choice question needs at least two options."))
        elif qtype is QuestionType.YES_NO:
            options = [Option("yes", self._builtin(builtin_texts.YES)), Option("no", self._builtin(builtin_texts.NO))]
        elif qtype is QuestionType.DISTRICT:
            if not districts and self.districts_from != MUNICIPALITY:
                self.error(path, line, "no_district_list", staff_text(
                    "A district question needs districts: write 'districts: municipality' at the top level of the file to "
                    "offer the city's district list (Districts and fields), or list the districts there yourself."))
            options = list(districts)

        other = entry.get("other", False)
        if not isinstance(other, bool):
            self.not_a_boolean(f"{path}.other", entry.line_of("other"), "other")
            other = False
        if other and any(option.code == OTHER_OPTION_CODE for option in options):
            self.error(f"{path}.other", entry.line_of("other"), "other_code_taken",
                       staff_text("With 'other: true' no option may use the code '%(code)s'; it is added for you."),
                       code=OTHER_OPTION_CODE)

        minimum, maximum = self.number(entry, "min", path), self.number(entry, "max", path)
        if qtype is QuestionType.YEAR:
            minimum = DEFAULT_YEAR_RANGE[0] if minimum is None else minimum
            maximum = DEFAULT_YEAR_RANGE[1] if maximum is None else maximum
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(f"{path}.min", entry.line_of("min"), "min_above_max",
                       staff_text("The minimum (%(minimum)s) is greater than the maximum (%(maximum)s)."),
                       minimum=f"{minimum:g}", maximum=f"{maximum:g}")
        decimals = entry.get("decimals", False)
        if not isinstance(decimals, bool):
            self.not_a_boolean(f"{path}.decimals", entry.line_of("decimals"), "decimals")
            decimals = False
        max_length = DEFAULT_MAX_LENGTH.get(qtype)
        if "max_length" in entry:
            value = entry["max_length"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= HARD_MAX_LENGTH:
                self.error(f"{path}.max_length", entry.line_of("max_length"), "bad_max_length",
                           staff_text("'max_length' must be a whole number from 1 to %(maximum)s."), maximum=HARD_MAX_LENGTH)
            else:
                max_length = value

        constraint, constraint_message = self.constraint(entry, path, earlier, all_codes, code, qtype, section_code, options, other)

        if not ok or label is None or any(p.is_error and p.where.path.startswith(path + ".") for p in self.problems):
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
        message = self.text(entry.get("constraint_message"), f"{path}.constraint_message", entry.line_of("constraint_message"),
                            required=False)
        if "constraint" not in entry:
            if "constraint_message" in entry:
                self.error(f"{path}.constraint_message", entry.line_of("constraint_message"), "message_without_constraint",
                           staff_text("A constraint_message needs a 'constraint' to explain."))
            return None, None
        if qtype is QuestionType.INFO:
            self.error(f"{path}.constraint", entry.line_of("constraint"), "info_constraint",
                       staff_text("An info text takes no answer, so it cannot have a constraint."))
            return None, None
        own = Question(code, qtype, Text({}), section_code, options=tuple(options), other=other,
                       other_label=self._builtin(builtin_texts.OTHER) if other else None)
        return self.condition(entry, path, earlier, all_codes, key="constraint", own=own), message

    def audio(self, entry: LocDict, path: str) -> Text | None:
        """The optional ``audio`` mapping: language -> file name; any subset of the languages."""
        if "audio" not in entry:
            return None
        mapping = self.mapping(entry["audio"], f"{path}.audio", entry.line_of("audio"), KEY_NOT_A_MAPPING, key="audio")
        if mapping is None:
            return None
        declared = {spec.code for spec in self.languages}
        clips: dict[str, str] = {}
        for language, name in mapping.items():
            line = mapping.line_of(language)
            if language not in declared:
                self.error(f"{path}.audio.{language}", line, "audio_language",
                           staff_text("'%(language)s' is not one of the questionnaire's languages (%(declared)s)."),
                           language=language, declared=", ".join(sorted(declared)))
            elif not isinstance(name, str) or not AUDIO_NAME_PATTERN.match(name):
                self.error(f"{path}.audio.{language}", line, "bad_audio_name",
                           staff_text("%(name)s is not an audio file name: give the name of a .ogg, .opus, .mp3, .m4a or .webm file "
                                      "in the audio folder, without a path."),
                           name=repr(name))
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
            self.error(f"{path}.{key}", entry.line_of(key), "not_a_number", staff_text("'%(key)s' must be a number."), key=key)
            return None
        # .inf, .nan and numbers beyond any answer (which floats could not even hold) would be
        # written back as text that no longer reads as a number.
        if not (isinstance(value, int) or math.isfinite(value)) or abs(value) > MAX_BOUND:
            self.error(f"{path}.{key}", entry.line_of(key), "number_out_of_range",
                       staff_text("'%(key)s' must be a number between -10^15 and 10^15."), key=key)
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
            self.error(cpath, line, "condition_not_text", staff_text("'%(key)s' must be text, e.g. \"work_status == 'looking'\"."),
                       key=key)
            return None
        try:
            condition = parse_condition(source)
        except ConditionSyntaxError as error:
            # The parser's own sentence says why, at the character it stopped at.
            self.problems.append(Problem(
                "unreadable_condition", staff_text("The %(key)s %(source)s cannot be read."), {"key": key, "source": repr(source)},
                where=Where(file=self.source_name, line=line, path=cpath, character=error.position + 1), reason=error.problem))
            return None
        valid = True
        for name in condition.names():
            if name.code in earlier:
                if not earlier[name.code].takes_answer:
                    self.error(cpath, line, "info_in_condition",
                               staff_text("'%(code)s' is an info text and has no answer to test."), code=name.code)
                    valid = False
                continue
            valid = False
            if name.code in all_codes and (all_codes[name.code] or 0) < (order or 0):
                continue  # an earlier question that failed to load: its own error says why
            if name.code in all_codes:
                later = self.line_of_first(all_codes[name.code])
                template = (staff_text("The %(key)s refers to '%(code)s', which comes later (line %(line)s); a %(key)s may only "
                                       "use questions asked before it.") if later is not None
                            else staff_text("The %(key)s refers to '%(code)s', which comes later; a %(key)s may only use "
                                            "questions asked before it."))
                self.error(cpath, line, "later_question", template, key=key, code=name.code, line=later)
            else:
                match = _suggest(name.code, earlier)
                template = (staff_text("The %(key)s refers to an unknown question '%(code)s'. Did you mean '%(match)s'?") if match
                            else staff_text("The %(key)s refers to an unknown question '%(code)s'."))
                self.error(cpath, line, "unknown_question_in_condition", template, key=key, code=name.code, match=match)
        if not valid:
            return None
        for name, option_code in condition.option_references():
            question = earlier[name.code]
            if question.type is QuestionType.DISTRICT and self.districts_from == MUNICIPALITY:
                continue  # the city's list is not known to the file; a code it lacks never matches
            if question.is_choice and question.option(option_code) is None:
                codes = [option.code for option in question.all_options()]
                match = _suggest(option_code, codes)
                template = (staff_text("'%(code)s' has no option '%(option)s'. Did you mean '%(match)s'? Its options: %(options)s.")
                            if match else staff_text("'%(code)s' has no option '%(option)s'. Its options: %(options)s."))
                self.error(cpath, line, "no_such_option", template, code=name.code, option=option_code, match=match,
                           options=", ".join(codes))
                valid = False
        return condition if valid else None


def build_questionnaire(data: Any, source_name: str, line_references: bool = True) -> tuple[Questionnaire, list[Problem]]:
    """Validate located data; return the questionnaire and its warnings, or raise.
    ``line_references`` False: no sentence refers to another line (the data has none to show)."""
    builder = _Builder(data, source_name, line_references)
    questionnaire = builder.build()
    if questionnaire is None:
        raise QuestionnaireError(source_name, builder.problems)
    return questionnaire, [p for p in builder.problems if not p.is_error]
