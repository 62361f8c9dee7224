"""Preview a version as a respondent would see it, in any language, without storing anything:
the answers so far travel in a hidden field of the page itself."""
from __future__ import annotations

import json
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.questionnaire.model import Questionnaire, Section
from survey.respondent.messages import newly_shown_notice
from survey.respondent.page_answers import merge_page, neighbour_section, prune_hidden, read_page, visible_sections
from survey.respondent.page_context import section_context
from survey.respondent.rendering import answer_summary, localizer
from survey.staff import bp
from survey.staff.auth import requires
from survey.staff.questionnaires import questionnaire_row, version_of
from survey.store.accounts import Role
from survey.store.questionnaires import questionnaire_for_version
from survey.web.i18n import staff_language

MAX_PREVIEW_ANSWERS = 200_000  # characters of JSON; a preview is one person clicking through


def _model(slug: str, number: int, lang: str) -> Questionnaire:
    model = questionnaire_for_version(version_of(questionnaire_row(slug), number))
    if lang not in model.language_codes:
        abort(404)
    return model


@bp.get("/q/<slug>/v/<int:number>/preview/<lang>/")
@requires(Role.DESIGNER, Role.ANALYST)
def preview(slug: str, number: int, lang: str) -> str:
    """The preview in a phone-sized frame."""
    model = _model(slug, number, lang)
    first = visible_sections(model, {})[0]
    return render_template(
        "staff/preview.html", row=questionnaire_row(slug), number=number, lang=lang, model=model,
        frame_url=url_for("staff.preview_section", slug=slug, number=number, lang=lang, section_code=first.code),
    )


def _page(model: Questionnaire, slug: str, number: int, lang: str, section: Section, answers: dict[str, Any], **extra: Any) -> str:
    from survey.languages import LANGUAGES

    staff = staff_language()
    with force_locale(staff.babel_locale):  # the page is in the respondent's language, the banner in the staff's
        banner = gettext("Preview: nothing entered here is stored.")
    return render_template(
        "respondent/section.html",
        **section_context(model, section, answers, extra.pop("form", None), extra.pop("errors", None),
                          extra.pop("notice", None), localize=localizer(model, lang)),
        questionnaire=model, slug=slug, lang=lang, t=localizer(model, lang), resume_code=None, has_draft=False,
        kept_until=None, page_language=LANGUAGES[lang], returning=False, preview_answers=answers,
        preview_banner=banner, preview_banner_lang=staff.tag,
        form_action=url_for("staff.preview_section", slug=slug, number=number, lang=lang, section_code=section.code),
    )


@bp.route("/q/<slug>/v/<int:number>/preview/<lang>/p/<section_code>", methods=["GET", "POST"])
@requires(Role.DESIGNER, Role.ANALYST)
def preview_section(slug: str, number: int, lang: str, section_code: str) -> Any:
    model = _model(slug, number, lang)
    current = model.section(section_code)
    if current is None:
        abort(404)
    if request.method == "GET":
        return _page(model, slug, number, lang, current, {})
    raw = request.form.get("_preview_answers", "{}")
    try:
        answers = json.loads(raw) if len(raw) <= MAX_PREVIEW_ANSWERS else {}
    except ValueError:
        answers = {}
    if not isinstance(answers, dict):
        answers = {}
    answers = prune_hidden(model, answers)
    action = request.form.get("action", "next")
    form = request.form.to_dict(flat=False)
    result = read_page(model, current, form, answers, request.form.get("_shown", "").split(), enforce_required=action == "next")
    merged = merge_page(model, current, answers, result.answers)
    if action == "switch_language" and request.form.get("new_language") in model.language_codes:
        return _page(model, slug, number, request.form["new_language"], current, merged)
    if result.errors:
        return _page(model, slug, number, lang, current, merged, form=form, errors=result.errors), 422
    if result.newly_shown:
        return _page(model, slug, number, lang, current, merged,
                     notice=newly_shown_notice())
    following = neighbour_section(model, merged, current, -1 if action == "back" else 1)
    if following is not None:
        return _page(model, slug, number, lang, following, merged)
    if action == "back":
        return _page(model, slug, number, lang, current, merged)
    t = localizer(model, lang)
    first = visible_sections(model, merged)[0]
    return render_template("staff/preview_end.html", model=model, summary=answer_summary(model, merged, t), t=t, lang=lang,
                           restart=url_for("staff.preview_section", slug=slug, number=number, lang=lang, section_code=first.code))


@bp.get("/q/<slug>/v/<int:number>/preview/<lang>/restart")
@requires(Role.DESIGNER, Role.ANALYST)
def preview_restart(slug: str, number: int, lang: str) -> WerkzeugResponse:
    return redirect(url_for("staff.preview", slug=slug, number=number, lang=lang))
