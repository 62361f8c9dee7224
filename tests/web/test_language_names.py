"""Language names on staff pages are in the staff's language: curated German names (Dari, not
CLDR's "Persisch (Afghanistan)"), the native name beside them only where it differs."""
from __future__ import annotations

import pytest

from survey.questionnaire.editing import FormErrors
from tests.staff_helpers import PASSWORD, Staff, make_user


def staff(app, factory, email: str, language: str, *roles: str) -> Staff:
    make_user(factory, email, *roles)
    member = Staff(app, language=language)
    assert member.login(email, PASSWORD).status_code == 302
    return member


def test_the_offer_form_names_languages_in_german(app, db_session_factory):
    designer = staff(app, db_session_factory, "designer@musterstadt.example", "de", "designer")
    html = designer.get("/staff/offers/new").get_data(as_text=True)
    assert 'Titel: Deutsch <span class="small" dir="ltr">(de)</span>' in html  # German is not named twice
    assert 'Arabisch <span lang="ar" dir="rtl">العربية</span>' in html
    assert "German" not in html and "Arabic" not in html


def test_the_translations_page_names_languages_in_the_staff_language(app, db_session_factory, bundled):
    german = staff(app, db_session_factory, "designer@musterstadt.example", "de", "designer")
    html = german.get("/staff/q/needs-assessment/translations").get_data(as_text=True)
    assert "Ukrainisch" in html and "Ukrainian" not in html
    english = staff(app, db_session_factory, "designer2@musterstadt.example", "en", "designer")
    assert "Ukrainian" in english.get("/staff/q/needs-assessment/translations").get_data(as_text=True)


def test_a_problem_naming_a_language_names_it_in_german(app):
    from survey.questionnaire import editing
    from survey.staff.problem_texts import problem_text

    data = {"slug": "kurz", "default_language": "de", "title": {"de": "Kurz"},
            "languages": ["de", {"code": "prs", "partial": True}],
            "sections": [{"code": "s", "title": {"de": "S"}, "questions": [{"code": "q", "type": "yes_no", "label": {"de": "Q"}}]}]}
    settings = editing.SettingsInput({"de": "Kurz"}, {}, "de", [editing.LanguageRow("de", offered=True),
                                                                 editing.LanguageRow("prs", offered=True, partial=False)])
    with pytest.raises(FormErrors) as caught:  # prs would no longer fall back, but lacks 3 texts
        editing.update_settings(data, settings)
    [problem] = caught.value.fields["partial.prs"]
    assert problem.message == ("Dari still lacks 3 texts. Translate them first, or keep the language partial "
                               "so they fall back.")
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        text = problem_text(problem)
    assert text.startswith("Für Dari fehlen noch 3 Texte.")
