"""The web questionnaire editor: sections, questions, options, conditions, settings.

Views stay thin: each POST applies one edit from survey.questionnaire.editing to the newest
version's data, validates it with the file loader, and stores it as the draft
(survey.store.questionnaires). A form with errors is shown again with everything typed kept and each
message next to its field.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.languages import LANGUAGES
from survey.problems import Problem
from survey.questionnaire import QuestionnaireError, editing
from survey.questionnaire.conditions.rules import (
    AND,
    CHOOSE_EARLIER_QUESTION,
    MANY_VALUES,
    NO_VALUE,
    NUMERIC_TYPES,
    OR,
    Rule,
    operators_for,
)
from survey.questionnaire.editing import Edit, FormErrors, Target
from survey.questionnaire.formats.yaml_writer import to_data
from survey.staff import bp
from survey.staff.auth import actor, requires
from survey.staff.problem_texts import problem_html
from survey.store import audit
from survey.store.accounts import Role
from survey.store.municipality import field_labels
from survey.store.questionnaires import Editable, answered_codes, editable, save_edit, slug_exists
from survey.web.request_db import get_db


def _errors(errors: FormErrors) -> dict[str, list[str]]:
    """Form field key -> its problems as the page shows them: at a field only the sentence; for
    the form as a whole also the section and question a problem is in."""
    return {key: [problem_html(problem) for problem in problems] for key, problems in errors.fields.items()}


def type_names() -> dict[str, str]:
    return {
        "single_choice": gettext("Single choice (one option)"),
        "multiple_choice": gettext("Multiple choice (several options)"),
        "yes_no": gettext("Yes / no"),
        "scale": gettext("Scale (e.g. 1 to 5)"),
        "number": gettext("Number"),
        "text": gettext("Short text"),
        "long_text": gettext("Long text"),
        "year": gettext("Year"),
        "date": gettext("Date"),
        "district": gettext("District (from the district list)"),
        "info": gettext("Info text (no answer)"),
    }


def field_names() -> dict[str, str]:
    """The city's integration fields (Staff area, Districts and fields) in the staff language."""
    language = str(get_locale() or "de")
    return field_labels(get_db(), language)


def operator_names() -> dict[str, str]:
    return {
        "is": gettext("is"),
        "is_not": gettext("is not"),
        "any_of": gettext("is any of"),
        "none_of": gettext("is none of"),
        "selected": gettext("has selected"),
        "not_selected": gettext("has not selected"),
        "any_selected": gettext("has selected any of"),
        "answered": gettext("is answered"),
        "not_answered": gettext("is not answered"),
        "lt": gettext("is less than"),
        "le": gettext("is at most"),
        "gt": gettext("is greater than"),
        "ge": gettext("is at least"),
    }


# --- shared helpers ----------------------------------------------------------------------------


def _current(slug: str) -> Editable:
    current = editable(get_db(), slug)
    if current is None:
        abort(404)
    return current


def _default_text(text: Mapping[str, str] | None, default: str) -> str:
    if not text:
        return ""
    return text.get(default) or next(iter(text.values()), "")


def _languages(current: Editable) -> list[Any]:
    return [LANGUAGES[code] for code in editing.language_codes(current.data)]


def _store(slug: str, current: Editable | None, edit: Edit) -> bool:
    """Validate and store an edit as the draft, with an audit entry; False if nothing changed.
    Raises FormErrors (nothing stored) when the loader refuses it."""
    model = editing.check(edit)
    db = get_db()
    # The text the check read is the file's body when the edit's data is the model's own.
    text = editing.checked_text(edit) if to_data(model) == edit.data else None
    try:
        result = save_edit(db, current, model, text)
    except QuestionnaireError as refused:  # bound to the city's district list while it is empty
        raise FormErrors([problem.at(field="") for problem in refused.problems]) from None
    if result is None:
        flash(gettext("Nothing changed."))
        return False
    audit.record(db, actor(), "questionnaire_edited", result.slug, what=edit.summary, version=result.version_number)
    if current is not None and not current.is_draft:
        flash(gettext("Saved as the new draft version %(n)d. Version %(old)d stays as it is for respondents until you publish the draft.",
                      n=result.version_number, old=current.version.number))
    else:
        flash(gettext("Saved in draft version %(n)d.", n=result.version_number))
    return True


def _overview(slug: str, anchor: str = "") -> WerkzeugResponse:
    return redirect(url_for("staff.editor", slug=slug) + (f"#{anchor}" if anchor else ""))


def _describe_rule(rule: Rule, data: editing.Data) -> dict[str, Any]:
    """A rule in words: the question's text, the comparison, and the chosen values' labels."""
    default = str(data.get("default_language", "de"))
    question = next((q for _s, q in editing.all_questions(data) if q.get("code") == rule.question), None)
    labels: dict[str, str] = {}
    if question is not None:
        districts = data.get("districts") if isinstance(data.get("districts"), list) else None
        for option in question.get("options") or (districts if question.get("type") == "district" else None) or []:
            labels[str(option.get("code"))] = _default_text(option.get("label"), default)
        if question.get("type") == "yes_no":
            labels.update({"yes": gettext("yes"), "no": gettext("no")})
        if question.get("other"):
            labels["other"] = gettext("other")
    return {
        "lang": default,
        "dir": LANGUAGES[default].direction if default in LANGUAGES else "ltr",
        "question": rule.question,
        "label": _default_text(question.get("label"), default) if question else rule.question,
        "operator": operator_names().get(rule.operator, rule.operator),
        "choices": [labels.get(value, value) for value in rule.values],
        "codes": list(rule.values),
    }


def _condition_summary(data: editing.Data, target: Target) -> dict[str, Any] | None:
    state = editing.condition_state(data, target)
    if state.source is None:
        return None
    return {
        "source": state.source,
        "combinator": state.built.combinator if state.built else None,
        "rules": [_describe_rule(rule, data) for rule in state.built.rules] if state.built else None,
    }


def _render(template: str, current: Editable | None, slug: str, errors: dict[str, list[str]] | None = None,
            **context: Any) -> tuple[str, int]:
    # Questionnaire texts shown in the (English or German) staff page carry their own language.
    text_lang = str(current.data.get("default_language", "de")) if current is not None else "de"
    context.setdefault("text_lang", text_lang)
    context.setdefault("text_dir", LANGUAGES[text_lang].direction if text_lang in LANGUAGES else "ltr")
    return render_template(
        template, slug=slug, current=current, errors=errors or {}, type_names=type_names(),
        field_names=field_names(), operator_names=operator_names(), all_languages=LANGUAGES, **context,
    ), (422 if errors else 200)


# --- overview ----------------------------------------------------------------------------------


def _overview_page(slug: str, current: Editable, errors: dict[str, list[str]] | None = None) -> tuple[str, int]:
    data = current.data
    sections = []
    for section in data["sections"]:
        questions = [
            {"data": question, "condition": _condition_summary(data, Target(section["code"], question["code"]))}
            for question in section.get("questions", [])
        ]
        sections.append({"data": section, "questions": questions, "condition": _condition_summary(data, Target(section["code"]))})
    return _render("staff/editor.html", current, slug, errors, sections=sections,
                   default=str(data.get("default_language")), answered=answered_codes(get_db(), slug))


@bp.get("/q/<slug>/edit")
@requires(Role.DESIGNER)
def editor(slug: str) -> Any:
    return _overview_page(slug, _current(slug))


@bp.post("/q/<slug>/edit/move")
@requires(Role.DESIGNER)
def editor_move(slug: str) -> Any:
    current = _current(slug)
    kind, code = request.form.get("kind", ""), request.form.get("code", "")
    direction = "up" if request.form.get("direction") == "up" else "down"
    move: Callable[[editing.Data, str, str], Edit] = editing.move_section if kind == "section" else editing.move_question
    try:
        _store(slug, current, move(current.data, code, direction))
    except FormErrors as problems:
        return _overview_page(slug, current, _errors(problems))
    return _overview(slug, ("f-section-" if kind == "section" else "f-") + code)


@bp.route("/q/<slug>/edit/q/<code>/delete", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_delete_question(slug: str, code: str) -> Any:
    current = _current(slug)
    if not any(q.get("code") == code for _s, q in editing.all_questions(current.data)):
        abort(404)
    if request.method == "POST":
        try:
            _store(slug, current, editing.delete_question(current.data, code))
        except FormErrors as problems:
            return _overview_page(slug, current, _errors(problems))
        return _overview(slug)
    question = next(q for _s, q in editing.all_questions(current.data) if q.get("code") == code)
    return _render("staff/editor_delete.html", current, slug, what="question", code=code,
                   label=_default_text(question.get("label"), str(current.data["default_language"])),
                   answered=code in answered_codes(get_db(), slug))


@bp.route("/q/<slug>/edit/s/<section_code>/delete", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_delete_section(slug: str, section_code: str) -> Any:
    code = section_code
    current = _current(slug)
    section = next((s for s in current.data["sections"] if s.get("code") == code), None)
    if section is None:
        abort(404)
    if request.method == "POST":
        try:
            _store(slug, current, editing.delete_section(current.data, code))
        except FormErrors as problems:
            return _overview_page(slug, current, _errors(problems))
        return _overview(slug)
    return _render("staff/editor_delete.html", current, slug, what="section", code=code,
                   label=_default_text(section.get("title"), str(current.data["default_language"])),
                   questions=[q.get("code") for q in section.get("questions", [])], answered=False)


# --- sections ----------------------------------------------------------------------------------


@bp.route("/q/<slug>/edit/s/<section_code>", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_section(slug: str, section_code: str) -> Any:
    code = section_code
    current = _current(slug)
    section = next((s for s in current.data["sections"] if s.get("code") == code), None)
    if section is None:
        abort(404)
    languages = editing.language_codes(current.data)
    given = editing.SectionInput.from_data(section)
    if request.method == "POST":
        given = editing.SectionInput.from_form(request.form, languages)
        given.known_fields = tuple(field_names())
        try:
            _store(slug, current, editing.update_section(current.data, code, given))
        except FormErrors as problems:
            return _render("staff/editor_section.html", current, slug, _errors(problems), section=given, code=code,
                           languages=_languages(current))
        return _overview(slug, "f-section-" + given.code)
    return _render("staff/editor_section.html", current, slug, section=given, code=code, languages=_languages(current))


@bp.route("/q/<slug>/edit/new-section", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_new_section(slug: str) -> Any:
    """A new section with its first question (a page needs one): the question form with the
    section's fields above it."""
    current = _current(slug)
    return _question_form(slug, current, None, None, new_section=True)


# --- questions ---------------------------------------------------------------------------------


@bp.route("/q/<slug>/edit/s/<section_code>/new-question", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_new_question(slug: str, section_code: str) -> Any:
    current = _current(slug)
    if not any(s.get("code") == section_code for s in current.data["sections"]):
        abort(404)
    return _question_form(slug, current, section_code, None)


@bp.route("/q/<slug>/edit/q/<code>", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_question(slug: str, code: str) -> Any:
    current = _current(slug)
    found = next(((s, q) for s, q in editing.all_questions(current.data) if q.get("code") == code), None)
    if found is None:
        abort(404)
    return _question_form(slug, current, found[0]["code"], found[1])


def _question_form(slug: str, current: Editable, section_code: str | None, question: dict[str, Any] | None,
                   new_section: bool = False) -> Any:
    """The question form for a new question (``question`` None; in a new section when
    ``new_section``) or an existing one. Buttons that move, add or remove option rows or change
    the type show the form again with what was typed; only "Save" stores."""
    languages = editing.language_codes(current.data)
    chosen_type = request.values.get("type", "")
    if question is None and request.method == "GET" and chosen_type not in type_names():
        return _render("staff/editor_choose_type.html", current, slug, section_code=section_code, new_section=new_section)
    answered = answered_codes(get_db(), slug)
    if request.method == "GET":
        given = editing.QuestionInput.from_data(question) if question else editing.QuestionInput(type=chosen_type)
        section = editing.SectionInput()
    else:
        given = editing.QuestionInput.from_form(request.form, languages)
        if given.type not in type_names():
            given.type = str(question["type"]) if question else "info"
        section = editing.SectionInput.from_form(request.form, languages, prefix="section.")
        section.known_fields = tuple(field_names())
    errors: dict[str, list[str]] = {}
    action = request.form.get("row_action", "") if request.method == "POST" else ""
    if action and action != "type":
        given.options = editing.rearrange_rows(given.options, action)
    elif request.method == "POST" and not action:
        try:
            if new_section:
                edit = editing.add_section(current.data, section, given)
            elif question is None:
                assert section_code is not None
                edit = editing.add_question(current.data, section_code, given)
            else:
                edit = editing.update_question(current.data, str(question["code"]), given, answered)
            _store(slug, current, edit)
        except FormErrors as problems:
            errors = _errors(problems)
            for key, value in problems.suggested.items():
                if key == "code" and not given.code:
                    given.code = value
                elif key == "section.code" and not section.code:
                    section.code = value
        else:
            return _overview(slug, "f-" + given.code)
    condition = None
    if question is not None and section_code is not None:
        condition = _condition_summary(current.data, Target(section_code, str(question["code"])))
    return _render(
        "staff/editor_question.html", current, slug, errors, q=given, section=section, section_code=section_code,
        original=question, new_section=new_section, languages=_languages(current), condition=condition,
        locked=question is not None and question.get("code") in answered,
        blank_rows=2, has_districts=bool(current.data.get("districts")),
    )


# --- settings, districts, new questionnaire ----------------------------------------------------


@bp.route("/q/<slug>/edit/settings", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_settings(slug: str) -> Any:
    current = _current(slug)
    given = editing.SettingsInput.from_data(current.data)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        given = editing.SettingsInput.from_form(request.form)
        try:
            _store(slug, current, editing.update_settings(current.data, given))
        except FormErrors as problems:
            errors = _errors(problems)
        else:
            return _overview(slug)
    return _render("staff/editor_settings.html", current, slug, errors, settings=given, languages=_languages(current))


@bp.route("/q/<slug>/edit/districts", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_districts(slug: str) -> Any:
    current = _current(slug)
    languages = editing.language_codes(current.data)
    bound = editing.binds_city_districts(current.data)
    rows = [] if bound else editing.option_rows(current.data.get("districts"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and request.form.get("city_list") == "yes":
        try:
            _store(slug, current, editing.use_city_districts(current.data))
        except FormErrors as problems:
            errors = _errors(problems)
        else:
            return _overview(slug)
    elif request.method == "POST" and not bound:
        rows = editing.option_rows_from_form(request.form, languages)
        action = request.form.get("row_action", "")
        if action:
            rows = editing.rearrange_rows(rows, action)
        else:
            try:
                _store(slug, current, editing.set_districts(current.data, rows))
            except FormErrors as problems:
                errors = _errors(problems)
            else:
                return _overview(slug)
    return _render("staff/editor_districts.html", current, slug, errors, rows=rows, languages=_languages(current), blank_rows=2,
                   bound=bound, city_districts=current.model.districts if bound else ())


@bp.route("/questionnaires/new", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_new() -> Any:
    """A new questionnaire: its basics, a first section and a welcome text become draft 1."""
    given = editing.NewQuestionnaireInput()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = request.form
        given = editing.NewQuestionnaireInput(
            slug=(form.get("slug") or "").strip().lower(), title=(form.get("title") or "").strip(),
            default_language=form.get("default_language") or "de",
            languages=[tag for tag in form.getlist("languages") if tag in LANGUAGES],
            section_title=(form.get("section_title") or "").strip(), welcome=(form.get("welcome") or "").strip(),
        )
        if given.default_language not in LANGUAGES:
            given.default_language = "de"
        try:
            edit = editing.new_questionnaire(given, [given.slug] if slug_exists(get_db(), given.slug) else [])
            _store(given.slug, None, edit)
        except FormErrors as problems:
            errors = _errors(problems)
        else:
            return _overview(given.slug)
    return _render("staff/editor_new.html", None, given.slug, errors, new=given)


# --- conditions --------------------------------------------------------------------------------


def _target(current: Editable, section_code: str | None, question_code: str | None) -> Target:
    if question_code is not None:
        found = next((s for s, q in editing.all_questions(current.data) if q.get("code") == question_code), None)
        if found is None:
            abort(404)
        return Target(str(found["code"]), question_code)
    if not any(s.get("code") == section_code for s in current.data["sections"]):
        abort(404)
    return Target(str(section_code))


@bp.route("/q/<slug>/edit/s/<section_code>/condition", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_section_condition(slug: str, section_code: str) -> Any:
    current = _current(slug)
    return _condition_page(slug, current, _target(current, section_code, None))


@bp.route("/q/<slug>/edit/q/<code>/condition", methods=["GET", "POST"])
@requires(Role.DESIGNER)
def editor_condition(slug: str, code: str) -> Any:
    current = _current(slug)
    return _condition_page(slug, current, _target(current, None, code))


def _condition_page(slug: str, current: Editable, target: Target) -> Any:
    """The condition builder. Step 1 chooses an earlier question (a GET, nothing changes);
    step 2 chooses a comparison and values fitting that question and adds the rule."""
    data = current.data
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {"operator": "", "values": [], "combinator": AND}
    chosen = request.values.get("question", "")
    if request.method == "POST":
        action = request.form.get("action", "")
        form = {"operator": request.form.get("operator", ""), "values": request.form.getlist("values"),
                "combinator": request.form.get("combinator", AND)}
        try:
            if action == "add":
                rule = editing.make_rule(data, target, chosen, form["operator"], form["values"])
                edit = editing.add_rule(data, target, rule, form["combinator"], replace=request.form.get("replace") == "yes")
            elif action == "remove_rule":
                number = request.form.get("rule", "")
                edit = editing.remove_rule(data, target, int(number) if number.isdigit() else -1)
            elif action == "combinator":
                edit = editing.set_combinator(data, target, form["combinator"])
            elif action == "clear":
                edit = editing.clear_condition(data, target)
            else:
                abort(400)
            _store(slug, current, edit)
        except FormErrors as problems:
            errors = _errors(problems)
        else:
            return redirect(request.path)
    earlier = editing.earlier_questions(data, target)
    question = next((q for _s, q in earlier if q.get("code") == chosen), None)
    if chosen and question is None and "rule.question" not in errors:
        errors["rule.question"] = [problem_html(Problem("choose_earlier_question", CHOOSE_EARLIER_QUESTION))]
    options: list[tuple[str, str]] = []
    if question is not None:
        codes = editing.option_codes_of(data, question) or []
        described = _describe_rule(Rule(chosen, "any_of", tuple(codes)), data)
        options = list(zip(codes, described["choices"], strict=True))
    owner = (next(q for _s, q in editing.all_questions(data) if q.get("code") == target.question)
             if target.question else next(s for s in data["sections"] if s.get("code") == target.section))
    default = str(data.get("default_language"))
    return _render(
        "staff/editor_condition.html", current, slug, errors, target=target,
        target_label=_default_text(owner.get("label") if target.question else owner.get("title"), default),
        state=editing.condition_state(data, target), summary=_condition_summary(data, target),
        earlier=earlier, chosen=question, operators=operators_for(str(question.get("type"))) if question else (),
        options=options, numeric=question is not None and question.get("type") in NUMERIC_TYPES,
        many=MANY_VALUES, no_value=NO_VALUE, form=form, default=default, AND=AND, OR=OR,
        replace=request.values.get("replace") == "yes",
    )

