"""Problems of offer forms and of the offer, district and field imports in the staff's language:
the domain modules give English templates with parameters, survey/staff/problem_texts.py marks
the same templates for the staff catalogue and translates them for display."""
from __future__ import annotations

import io

from survey.store import municipality
from survey.offers import inventory
from survey.offers.sample import load_sample
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.conftest import ROOT


def german(app, factory, email: str, *roles: str) -> Staff:
    make_user(factory, email, *roles)
    staff = Staff(app, language="de")
    assert staff.login(email, PASSWORD).status_code == 302
    return staff


def post_file(staff: Staff, url: str, raw: bytes, name: str) -> tuple[int, str]:
    """Upload ``raw`` as the form's file; the status and the page."""
    response = staff.post(url, {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def test_an_invalid_offer_form_is_explained_in_german(app, db_session_factory):
    with db_session_factory() as session:
        load_sample(session)
        session.commit()
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    refused = designer.post("/staff/offers/new", {"provider_name": "", "title_de": "Sprechstunde", "fields": ["legal"],
                                                  "districts": ["ost"], "contact_email": "kein-mail", "cost": "free",
                                                  "last_verified_on": "gestern"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Der Name des Trägers fehlt." in html
    assert "„kein-mail“ ist keine E-Mail-Adresse (name@example.org)." in html
    assert "Geben Sie das Datum als JJJJ-MM-TT ein." in html
    assert "is required" not in html and "is not an e-mail address" not in html


def test_an_offer_import_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    raw = "provider_name,title_de,fields,city_wide\nTräger,Titel,work,vielleicht\n".encode()
    status, html = post_file(designer, "/staff/offers/import", raw, "offers.csv")
    assert status == 422
    assert "Zeile 2, Spalte city_wide: „vielleicht“ ist weder ja noch nein." in html
    assert "row 2" not in html


def test_a_districts_import_is_explained_in_german(app, db_session_factory):
    admin = german(app, db_session_factory, "admin@musterstadt.example", "admin")
    status, html = post_file(admin, "/staff/municipality/districts", b"code,name\nnord,\nNord 2,Nord\n", "d.csv")
    assert status == 422
    assert "Zeile 2, Spalte name: Der Name des Stadtteils fehlt." in html
    assert "Zeile 3, Spalte code: &#39;Nord 2&#39; ist kein gültiger Code" in html
    assert "row 2" not in html and "needs a name" not in html
    _status, html = post_file(admin, "/staff/municipality/fields", b"x", "fields.pdf")
    assert "Bitte laden Sie eine CSV- oder XLSX-Datei hoch." in html


def test_questionnaire_code_warnings_in_german(app):
    from survey.questionnaire import load_questionnaire_file
    from survey.staff.problem_texts import problem_text

    model = load_questionnaire_file(ROOT / "questionnaires" / "needs-assessment.yaml").questionnaire
    warnings = municipality.check_questionnaire(model, ["nirgendwo"], ["nichts"])
    assert warnings and all(w.severity == "warning" for w in warnings)
    assert any("is not one of the city's integration fields (nichts)" in w.message for w in warnings)
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        texts = [problem_text(w) for w in warnings]
    assert any("ist keines der Handlungsfelder der Stadt (nichts)" in text for text in texts)
    assert any(text.startswith("Keine der Antworten zum Stadtteil") for text in texts)


def test_a_refused_questionnaire_file_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    cases = {
        "fragen.txt": (b"title: x\n", "fragen.txt: Dateien mit der Endung „.txt“ können nicht importiert werden"),
        "alt.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "alt.xls: Das ist eine alte Excel-.xls-Datei"),
        "kaputt.xlsx": (b"PK\x03\x04" + b"\0" * 64, "kaputt.xlsx: Das .xlsx-Archiv ist beschädigt"),
        "latin1.yaml": ("title: Ümlaut\n".encode("latin-1"), "latin1.yaml:1: Die Datei ist kein gültiges UTF-8 (Byte 8)"),
    }
    for name, (raw, expected) in cases.items():
        status, html = post_file(designer, "/staff/questionnaires/upload", raw, name)
        assert status == 422, name
        assert expected in html, (name, html[html.find("<main"):][:1500])
        assert "cannot" not in html and "save it" not in html, name


def test_an_offer_workbook_refused_by_the_container_check_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    status, html = post_file(designer, "/staff/offers/import", b"PK\x03\x04" + b"\0" * 64, "angebote.xlsx")
    assert status == 422
    assert "Das .xlsx-Archiv ist beschädigt und kann nicht geöffnet werden" in html
    assert "damaged" not in html


def test_an_overlong_csv_cell_is_explained_in_german(app, db_session_factory):
    import csv

    admin = german(app, db_session_factory, "admin@musterstadt.example", "admin")
    raw = b"code,name\nnord," + b"N" * (csv.field_size_limit() + 10) + b"\n"
    status, html = post_file(admin, "/staff/municipality/districts", raw, "d.csv")
    assert status == 422
    assert f"Eine Zelle ist länger als {csv.field_size_limit()} Zeichen" in html
    assert "field limit" not in html


def test_the_advice_for_a_misleading_language_tag_is_german(app):
    """The advice is written once, in survey.languages, and translated wherever it is given."""
    from survey.questionnaire import QuestionnaireError, load_questionnaire_text
    from survey.staff.problem_texts import problem_text, questionnaire_problem_text

    data = inventory.OfferInput(provider_name="T", title={"de": "T"}, fields=["work"], city_wide=True,
                                languages=["ku", "fa-AF"])
    offer_problems = [p for p in inventory.validate(data, inventory.CityCodes(("work",), ())) if p.field == "languages"]
    try:
        load_questionnaire_text("slug: kurz\ntitle: {de: K}\ndefault_language: de\nlanguages: [de, ku]\nsections: []\n", "k.yaml")
    except QuestionnaireError as error:
        file_problems = [p for p in error.problems if "ku" in p.message]
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        offer_texts = [problem_text(p) for p in offer_problems]
        file_texts = [questionnaire_problem_text(p, "k.yaml") for p in file_problems]
    assert offer_texts == ["„ku“ ist nicht eindeutig: Verwenden Sie „kmr“ für Kurmandschi (lateinische Schrift) oder "
                           "„ckb“ für Sorani (arabische Schrift), niemals „ku“.",
                           "„fa-AF“ ist nicht eindeutig: Verwenden Sie „prs“ für Dari."]
    assert len(file_texts) == 1 and file_texts[0].endswith("Sprache 'ku': Verwenden Sie „kmr“ für Kurmandschi (lateinische "
                                                           "Schrift) oder „ckb“ für Sorani (arabische Schrift), niemals „ku“."), file_texts
