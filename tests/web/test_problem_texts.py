"""Problems of offer forms and of the offer, district and field imports in the staff's language,
and what every problem (survey/problems.py) promises: a whole sentence, marked with staff_text
where it is written and translated as a whole, with its place shown beside it by the page, never
inside the sentence."""
from __future__ import annotations

import html as html_text
import io
import re

from survey.offers import inventory
from survey.problems import Where
from survey.store import municipality
from survey.store.sample import load_sample
from tests.conftest import ROOT
from tests.staff_helpers import PASSWORD, Staff, make_user
from tests.unit.test_problem_texts import broken_inputs


def test_the_place_is_never_inside_the_sentence(app):
    """The place is data of its own (``where``); neither the English sentence nor its German
    translation repeats it."""
    from survey.staff.problem_texts import problem_text, where_text

    placed = broken_inputs()
    assert all(p.where for p in placed)
    assert any(p.where.line and p.where.path for p in placed) and any(p.where.cell for p in placed)
    assert any(p.where.row and p.where.column and not p.where.sheet for p in placed) and any(p.where.field for p in placed)

    def place_words(where: Where, row: str, line: str) -> list[str]:
        words = [where.file, where.path, where.cell, where.key]
        if where.row is not None:
            words.append(f"{row} {where.row}" + (f", {where.column}" if where.column else ""))
        if where.line is not None:
            words.append(f"{line} {where.line}")
        return [word for word in words if word]

    for problem in placed:
        for word in place_words(problem.where, "row", "line"):
            assert word not in problem.message, (word, problem.message)
        assert str(problem).endswith(problem.message) and str(problem.where) in str(problem)
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        for problem in placed:
            sentence, place = problem_text(problem), html_text.unescape(re.sub(r"<[^>]+>", "", where_text(problem.where)))
            for word in place_words(problem.where, "Zeile", "Zeile"):
                assert word not in sentence, (word, sentence)
            assert (place or problem.where.field) and (not place or place not in sentence)  # a field: shown at the field


def german(app, factory, email: str, *roles: str) -> Staff:
    make_user(factory, email, *roles)
    staff = Staff(app, language="de")
    assert staff.login(email, PASSWORD).status_code == 302
    return staff


def post_file(staff: Staff, url: str, raw: bytes, name: str) -> tuple[int, str]:
    """Upload ``raw`` as the form's file; the status and the page."""
    response = staff.post(url, {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


_ITEM = re.compile(r'(?s)<li[^>]*>(?:<span class="where">(?P<where>.*?)</span> )?(?:<span class="severity">[^<]*</span> )?'
                   r'<span class="problem-text">(?P<text>.*?)</span></li>')


def _plain(fragment: str | None) -> str:
    return html_text.unescape(re.sub(r"<[^>]+>", "", fragment or ""))


def problem_items(page: str) -> list[tuple[str, str]]:
    """(place, sentence) of every problem the page lists, as plain text; the place's parts are
    separated by " · "."""
    lists = "".join(re.findall(r'(?s)<ul class="problems">(.*?)</ul>', page))
    return [(_plain(match["where"]), _plain(match["text"])) for match in _ITEM.finditer(lists)]


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
    assert ("Zeile 2, Spalte city_wide", "„vielleicht“ ist weder ja noch nein.") in problem_items(html)
    assert "row 2" not in html and "Row 2" not in html


def test_a_districts_import_is_explained_in_german(app, db_session_factory):
    admin = german(app, db_session_factory, "admin@musterstadt.example", "admin")
    status, html = post_file(admin, "/staff/municipality/districts", b"code,name\nnord,\nNord 2,Nord\n", "d.csv")
    assert status == 422
    items = problem_items(html)
    assert ("Zeile 2, Spalte name", "Der Name des Stadtteils fehlt.") in items
    assert any(place == "Zeile 3, Spalte code" and text.startswith("'Nord 2' ist kein gültiger Code") for place, text in items)
    assert "row 2" not in html and "needs a name" not in html
    _status, html = post_file(admin, "/staff/municipality/fields", b"x", "fields.pdf")
    assert problem_items(html) == [("", "Bitte laden Sie eine CSV- oder XLSX-Datei hoch.")]


def test_questionnaire_code_warnings_in_german(app):
    from survey.questionnaire import load_questionnaire_file
    from survey.staff.problem_texts import problem_text
    from tests.conftest import with_sample_districts

    model = with_sample_districts(load_questionnaire_file(ROOT / "questionnaires" / "needs-assessment.yaml").questionnaire)
    warnings = municipality.check_questionnaire(model, ["nirgendwo"], ["nichts"])
    assert warnings and all(w.severity == "warning" for w in warnings)
    assert any("is not one of the city's integration fields (nichts)" in w.message for w in warnings)
    paths = {w.where.path for w in warnings}
    assert "districts" in paths and any(re.fullmatch(r"sections\[\d+\]\.field", path) for path in paths)
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        texts = [problem_text(w) for w in warnings]
    assert any("ist keines der Handlungsfelder der Stadt (nichts)" in text for text in texts)
    assert any(text.startswith("Keine der Antworten zum Stadtteil") for text in texts)


def test_a_refused_questionnaire_file_is_explained_in_german(app, db_session_factory):
    designer = german(app, db_session_factory, "designer@musterstadt.example", "designer")
    cases = {
        "fragen.txt": (b"title: x\n", "fragen.txt", "Dateien mit der Endung „.txt“ können nicht importiert werden"),
        "alt.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "alt.xls", "Das ist eine alte Excel-.xls-Datei"),
        "kaputt.xlsx": (b"PK\x03\x04" + b"\0" * 64, "kaputt.xlsx", "Das .xlsx-Archiv ist beschädigt"),
        "latin1.yaml": ("title: Ümlaut\n".encode("latin-1"), "latin1.yaml · Zeile 1", "Die Datei ist kein gültiges UTF-8 (Byte 8)"),
    }
    for name, (raw, place, expected) in cases.items():
        status, html = post_file(designer, "/staff/questionnaires/upload", raw, name)
        assert status == 422, name
        [(shown_place, text)] = problem_items(html)
        assert shown_place == place and text.startswith(expected), (name, html[html.find("<main"):][:1500])
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
    from survey.staff.problem_texts import problem_text

    data = inventory.OfferInput(provider_name="T", title={"de": "T"}, fields=["work"], city_wide=True,
                                languages=["ku", "fa-AF"])
    offer_problems = [p for p in inventory.validate(data, inventory.CityCodes(("work",), ())) if p.where.field == "languages"]
    try:
        load_questionnaire_text("slug: kurz\ntitle: {de: K}\ndefault_language: de\nlanguages: [de, ku]\nsections: []\n", "k.yaml")
    except QuestionnaireError as error:
        file_problems = [p for p in error.problems if "ku" in p.message]
    with app.test_request_context("/staff/", headers={"Accept-Language": "de"}):
        offer_texts = [problem_text(p) for p in offer_problems]
        file_texts = [problem_text(p) for p in file_problems]
    assert offer_texts == ["Das Sprachkürzel „ku“ ist nicht eindeutig: Verwenden Sie „kmr“ für Kurmandschi (lateinische Schrift) "
                           "oder „ckb“ für Sorani (arabische Schrift), niemals „ku“.",
                           "Das Sprachkürzel „fa-AF“ ist nicht eindeutig: Verwenden Sie „prs“ für Dari."]
    assert file_texts == offer_texts[:1]  # the same sentence for a file and an offer
