"""Hostile input in the two upload paths tests/web/test_hostile_input.py does not cover: the offer
import (CSV and XLSX, /staff/offers/import) and the translation upload (.xlsx sheet and .po file,
/staff/q/<slug>/translations).

Every payload goes into every cell of an offer table in tests/store/test_hostile_imports.py; here
the representative few (tests/hostile.py) go through the upload form, and every payload into one
translation file each. Each upload is stored or refused with a
message (422, or 413 for a body over the limit), never a 500; whatever is stored is shown escaped
on the staff pages, the public directory and the respondent pages, and the offers CSV export
neutralises formula prefixes. Broken and tricky files (truncated, zip bomb, path traversal, not a
zip, invalid UTF-8, NUL, a huge text) are refused with a message and store nothing.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from markupsafe import escape
from sqlalchemy import func, select

from survey.store.models import AuditEvent, Offer
from survey.store.models import Questionnaire as QuestionnaireRow
from survey.store.questionnaires import questionnaire_for_version
from tests.conftest import Browser
from tests.hostile import (
    ALWAYS_INVALID,
    CODED_CELLS,
    HTML_PAYLOADS,
    OPTIONAL_TEXT_CELLS,
    PAYLOADS,
    REPRESENTATIVE,
    TEXT_CELLS,
    VALID_ROW,
    add_city,
    assert_cells_neutralised,
    assert_escaped,
    assert_not_unpacked,
    assert_offer_texts_kept_as_expected,
    fill_po,
    fill_sheet,
    offer_csv,
    offer_xlsx,
    server_ok,
    xlsx_safe,
    zip_variants,
)
from tests.staff_helpers import Staff, logged_in
from tests.web.test_problem_texts import problem_items

SLUG = "needs-assessment"
TRANSLATIONS = f"/staff/q/{SLUG}/translations"


# --- offer import --------------------------------------------------------------------------------


@pytest.fixture()
def city(db_session_factory) -> None:
    with db_session_factory() as session:
        add_city(session)
        session.commit()


def import_offers(designer: Staff, raw: bytes, name: str) -> Any:
    return designer.post("/staff/offers/import", {"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")


def offer_count(db) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Offer)))


def problems(page: str) -> list[tuple[str, str]]:
    """(place, sentence) of every problem the page lists."""
    return problem_items(page)


def assert_refused_with_message(response: Any, columns: tuple[str, ...] = ()) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert "Nothing was imported" in page
    found = problems(page)
    assert found and all(re.fullmatch(r"Row \d+(, column \S+)?", place) and text for place, text in found), found
    for column in columns:
        assert any(place.endswith(f", column {column}") for place, _text in found), (column, found)


def assert_offer_pages_escaped(designer: Staff, app, payload: str, offer_id: int) -> None:
    pages = {url: designer.get(url) for url in ("/staff/offers", f"/staff/offers/{offer_id}", "/staff/offers/review",
                                                "/staff/offers?stale=yes")}
    public = app.test_client()
    pages |= {url: public.get(url) for url in ("/offers/de/", "/offers/ar/", "/offers/en/?field=housing&district=mitte")}
    for url, response in pages.items():
        server_ok(response, url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert_escaped(response.get_data(as_text=True), payload)
    if payload in (PAYLOADS[name] for name in HTML_PAYLOADS):
        shown = str(escape(payload))
        assert shown in pages["/staff/offers"].get_data(as_text=True)  # the provider name, as text
        for url in ("/offers/de/", "/offers/ar/"):
            assert shown in pages[url].get_data(as_text=True), url  # published: in the public directory


def assert_export_neutralised(designer: Staff, expected_rows: int) -> list[list[str]]:
    response = designer.get("/staff/offers/export.csv")
    server_ok(response, "offers export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))  # German Excel's
    assert len(rows) == expected_rows + 1
    assert_cells_neutralised(rows)
    return rows


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_offer_import_with_payloads_in_every_cell(name, app, db, db_session_factory, city):
    payload = PAYLOADS[name]
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    before = offer_count(db)

    # 1. The payload in every coded column (valid texts): refused, every such column named.
    response = import_offers(designer, offer_csv({**VALID_ROW, **dict.fromkeys(CODED_CELLS, payload)}), "coded.csv")
    server_ok(response, "coded columns")
    assert_escaped(response.get_data(as_text=True), payload)
    assert_refused_with_message(response, ALWAYS_INVALID)
    assert offer_count(db) == before

    # 2. The payload in every text column, the required ones included; then (if that was
    # refused) in the optional text columns only, with a valid provider and German title.
    stored_payload = None
    for cells, file_name in ((TEXT_CELLS, "texts.csv"), (OPTIONAL_TEXT_CELLS, "optional.csv")):
        response = import_offers(designer, offer_csv({**VALID_ROW, **dict.fromkeys(cells, payload)}), file_name)
        server_ok(response, file_name)
        page = response.get_data(as_text=True)
        assert_escaped(page, payload)
        if response.status_code == 200:
            assert "1 added" in page, page[:2000]
            stored_payload = cells
            break
        assert_refused_with_message(response)
        assert offer_count(db) == before
    assert_offer_texts_kept_as_expected(name, stored_payload)
    if stored_payload is None:
        return

    assert offer_count(db) == before + 1
    offer = db.scalars(select(Offer).order_by(Offer.id.desc())).first()
    assert offer.status == "published" and offer.source == "import"
    assert offer.description["de"] == payload.strip() and offer.provider_name == payload.strip()  # as typed
    assert_offer_pages_escaped(designer, app, payload, offer.id)
    rows = assert_export_neutralised(designer, before + 1)
    if name.startswith("formula") and name != "formula_newline":
        assert any(cell.startswith("'") for cell in rows[1]), rows[1]

    # 3. The same row as XLSX updates that offer instead of adding one (same provider and title).
    xlsx_payload = xlsx_safe(payload)
    response = import_offers(designer, offer_xlsx({**VALID_ROW, **dict.fromkeys(stored_payload, xlsx_payload),
                                                   "opening_hours": "Di 10-12"}), "texts.xlsx")
    server_ok(response, "xlsx")
    assert_escaped(response.get_data(as_text=True), payload)
    assert response.status_code == 200, problems(response.get_data(as_text=True))
    assert re.search(r"1 (updated|added)", response.get_data(as_text=True))
    db.expire_all()
    updated = db.scalar(select(Offer).where(Offer.opening_hours == "Di 10-12"))
    assert updated is not None and updated.description["de"] == xlsx_payload.strip()
    if xlsx_payload == payload:
        assert updated.id == offer.id and offer_count(db) == before + 1  # updated, not duplicated
    assert_offer_pages_escaped(designer, app, payload, updated.id)

    # 4. Export -> import is a round trip: the neutralising apostrophe is taken off again.
    exported = designer.get("/staff/offers/export.csv").get_data()
    response = import_offers(designer, exported, "offers.csv")
    server_ok(response, "re-import of the export")
    assert response.status_code == 200, problems(response.get_data(as_text=True))
    assert re.search(r"0 added, 0 updated, \d+ unchanged", response.get_data(as_text=True))


def test_payload_in_required_columns_is_refused_with_the_column_named(app, db, db_session_factory, city):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    before = offer_count(db)
    for column, value in (("provider_name", PAYLOADS["long"]), ("title_de", PAYLOADS["long"]),
                          ("provider_name", PAYLOADS["nul"]), ("title_de", PAYLOADS["control"]),
                          ("fields", PAYLOADS["script"]), ("title_de", "x" * 301), ("provider_name", "   "),
                          ("description_de", "y" * 5001)):
        response = import_offers(designer, offer_csv({**VALID_ROW, column: value}), "required.csv")
        server_ok(response, column)
        assert_refused_with_message(response, (column,))
        assert_escaped(response.get_data(as_text=True), value)
    assert offer_count(db) == before


def test_corrupt_and_tricky_offer_xlsx_files_are_refused(app, db, db_session_factory, city):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    before = offer_count(db)
    for variant, raw in zip_variants(offer_xlsx(VALID_ROW)).items():
        response = import_offers(designer, raw, f"{variant}.xlsx")
        server_ok(response, variant)
        assert 400 <= response.status_code < 500, (variant, response.status_code)
        page = response.get_data(as_text=True)
        assert_escaped(page)
        assert "Nothing was imported" in page and any(len(text) >= 10 for _place, text in problems(page)), (variant, page[:2000])
        assert_not_unpacked(page)
        assert offer_count(db) == before, variant
    # The good file itself is taken: the refusals were about the damage, not the content.
    assert import_offers(designer, offer_xlsx(VALID_ROW), "good.xlsx").status_code == 200
    assert offer_count(db) == before + 1


def test_offer_file_name_and_non_table_uploads(app, db, db_session_factory, city):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    before = offer_count(db)
    for file_name, raw in (("<script>alert(1)</script>.csv", b"\xff\xfe not utf-8"),
                           ("offers.csv", b""), ("offers.exe", b"MZ"), ("offers.csv", b"\x00" * 100),
                           ("offers.csv", b'provider_name,title_de,fields\n"unterminated,x,housing\n')):
        response = import_offers(designer, raw, file_name)
        server_ok(response, file_name)
        assert response.status_code == 422, (file_name, response.status_code)
        page = response.get_data(as_text=True)
        assert_escaped(page)
        assert "Nothing was imported" in page or "Choose" in page
    assert offer_count(db) == before


# --- translation uploads -------------------------------------------------------------------------
# Every payload goes into its own texts of one file (one upload per file format keeps the run
# short: each stored upload writes and re-checks the whole questionnaire); payloads a file format
# cannot carry, or that break a rule (4000 characters), are tried alone and must be refused.

UI_KEY = "ui:Your privacy"  # shown on the respondent's intro page


def version_numbers(db_session_factory) -> list[int]:
    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        return [v.number for v in row.versions]


def stored_texts(db_session_factory, language: str) -> dict[str, str]:
    """Every translation of the newest version, by sheet key."""
    from survey.questionnaire.formats.translation_sheet import sheet_rows

    with db_session_factory() as session:
        row = session.scalar(select(QuestionnaireRow).where(QuestionnaireRow.slug == SLUG))
        model = questionnaire_for_version(row.versions[-1])
    return {r.key: r.translation for r in sheet_rows(model, language, set(), [])}


def stored_title(db_session_factory, language: str) -> str:
    return stored_texts(db_session_factory, language)["title"]


def imported_events(db_session_factory) -> int:
    with db_session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "translation_imported")))


def sheet_keys(raw: bytes) -> list[str]:
    return [row[0].value for row in openpyxl.load_workbook(io.BytesIO(raw))["Translations"].iter_rows(min_row=2)]


def upload_translation(designer: Staff, raw: bytes, file_name: str, lang: str) -> Any:
    return designer.post(TRANSLATIONS, {"lang": lang, "file": (io.BytesIO(raw), file_name)},
                         content_type="multipart/form-data")


def assert_translation_refused(response: Any, context: str = "") -> None:
    page = response.get_data(as_text=True)
    assert response.status_code in (413, 422), (context, response.status_code, page[:1500])
    assert "not stored" in page or 'class="problems"' in page or "larger than" in page, page[:2000]
    assert re.search(r"(?s)(<li>|<p>|<td>)[^<]{10,}", page)


def about_page_keys(raw: bytes) -> list[str]:
    """The keys of the texts on the first page (/p/about), the title and the intro."""
    keys = sheet_keys(raw)
    block = keys[keys.index("section.about.title"):keys.index("section.needs.title")]
    return [*block, "title", "intro"]


def assign(keys: list[str], names: list[str]) -> dict[str, str]:
    """payload name -> key; the markup payloads first, onto texts of the first page."""
    ordered = [n for n in HTML_PAYLOADS if n in names] + [n for n in names if n not in HTML_PAYLOADS]
    about = ("section.about", "question.")
    shown_first = [k for k in keys if k.startswith(about)] + [k for k in keys if not k.startswith(about)]
    assert len(shown_first) >= len(ordered)
    return dict(zip(ordered, shown_first, strict=False))


def respondent_pages(app, lang: str) -> str:
    respondent = Browser(app.test_client())
    html = ""
    for step in ("language", "intro", "first page"):
        if step == "language":
            respondent.get(f"/s/{SLUG}/")
        elif step == "intro":
            respondent.get(f"/s/{SLUG}/{lang}/")
        else:
            respondent.post(f"/s/{SLUG}/{lang}/start")
            assert respondent.url == f"/s/{SLUG}/{lang}/p/about", respondent.url
        server_ok(respondent, step)
        assert respondent.status == 200, step
        html += respondent.html
    return html


PREVIEW_FRAME = re.compile(r'<iframe class="phone" src="/staff/q/[a-z0-9-]+/v/\d+/preview/[a-z]+/[^"<>]*" title="[^"<>]*" '
                           r'width="360" height="640"></iframe>')


def staff_pages(designer: Staff, lang: str, number: int) -> str:
    html = ""
    for url in (TRANSLATIONS, f"/staff/q/{SLUG}", f"/staff/q/{SLUG}/v/{number}/preview/{lang}/",
                f"/staff/q/{SLUG}/v/{number}/preview/{lang}/p/about"):
        response = designer.get(url)
        server_ok(response, url)
        assert response.status_code == 200, (url, response.status_code)
        # The preview page frames the respondent page (checked itself): that iframe is its own.
        html += PREVIEW_FRAME.sub("", response.get_data(as_text=True), count=1)
    return html


def check_stored_payloads(designer: Staff, app, db_session_factory, lang: str, placed: dict[str, str],
                          expected: dict[str, str], publish: bool) -> None:
    """Each payload stored under its key, and every page that shows it escaped."""
    texts = stored_texts(db_session_factory, lang)
    for name, key in placed.items():
        assert texts[key] == expected[name], (name, key, texts[key][:80])
    number = version_numbers(db_session_factory)[-1]
    pages = {"staff": staff_pages(designer, lang, number)}
    if publish:
        response = designer.post(f"/staff/q/{SLUG}/v/{number}/publish", {"with_fallback": "yes"})
        server_ok(response, "publish")
        assert response.status_code == 302
        pages["respondent"] = respondent_pages(app, lang)
    for where, html in pages.items():
        for name in placed:
            assert_escaped(html, PAYLOADS[name])
        for name in HTML_PAYLOADS:
            assert str(escape(expected[name])) in html, (where, name)  # shown, as text


def try_alone(designer: Staff, db_session_factory, raw: bytes, file_name: str, lang: str, payload: str) -> bool:
    """Upload a file holding one payload; True when stored, else it was refused with a message and
    nothing changed."""
    versions, events = version_numbers(db_session_factory), imported_events(db_session_factory)
    texts = stored_texts(db_session_factory, lang)
    response = upload_translation(designer, raw, file_name, lang)
    server_ok(response, file_name)
    assert_escaped(response.get_data(as_text=True), payload)
    if response.status_code == 200:
        assert imported_events(db_session_factory) == events + 1
        return True
    assert_translation_refused(response, file_name)
    assert version_numbers(db_session_factory) == versions and imported_events(db_session_factory) == events
    assert stored_texts(db_session_factory, lang) == texts
    return False


def test_translation_sheet_with_every_payload(app, db, db_session_factory, bundled):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    sheet = designer.get(f"{TRANSLATIONS}/ar.xlsx")
    assert sheet.status_code == 200
    alone = ("long",)  # over 4000 characters
    placed = assign(about_page_keys(sheet.data), [n for n in PAYLOADS if n not in alone])
    cells = {name: xlsx_safe(PAYLOADS[name]) for name in PAYLOADS}  # a sheet cannot hold control characters
    raw = fill_sheet(sheet.data, {key: cells[name] for name, key in placed.items()})
    response = upload_translation(designer, raw, "ar.xlsx", "ar")
    server_ok(response, "sheet with every payload")
    assert_escaped(response.get_data(as_text=True))
    assert response.status_code == 200, re.findall(r"(?s)<li>(.*?)</li>", response.get_data(as_text=True))[:30]
    assert version_numbers(db_session_factory) == [1, 2]
    expected = {name: text.replace("\r\n", "\n").replace("\r", "\n").strip() for name, text in cells.items()}
    check_stored_payloads(designer, app, db_session_factory, "ar", placed, expected, publish=True)
    for name in alone:
        key = "question.district.label"
        refused = not try_alone(designer, db_session_factory, fill_sheet(sheet.data, {key: cells[name]}), "ar.xlsx", "ar", PAYLOADS[name])
        assert refused, name


def test_translation_po_file_with_every_payload(app, db, db_session_factory, bundled):
    """A .po file, unlike a sheet, carries control characters and NUL."""
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    po = designer.get(f"{TRANSLATIONS}/uk.po")
    sheet = designer.get(f"{TRANSLATIONS}/uk.xlsx")
    assert po.status_code == 200 and sheet.status_code == 200
    alone = ("long", "nul", "control")
    placed = assign(about_page_keys(sheet.data), [n for n in PAYLOADS if n not in alone])
    raw = fill_po(po.data, {key: PAYLOADS[name] for name, key in placed.items()})
    response = upload_translation(designer, raw, "uk.po", "uk")
    server_ok(response, ".po with every payload")
    assert_escaped(response.get_data(as_text=True))
    assert response.status_code == 200, re.findall(r"(?s)<li>(.*?)</li>", response.get_data(as_text=True))[:30]
    expected = {name: text.replace("\r\n", "\n").replace("\r", "\n").strip() for name, text in PAYLOADS.items()}
    check_stored_payloads(designer, app, db_session_factory, "uk", placed, expected, publish=False)
    outcomes = {}
    for name in alone:
        key = "question.district.label"
        outcomes[name] = try_alone(designer, db_session_factory, fill_po(po.data, {key: PAYLOADS[name]}), "uk.po", "uk", PAYLOADS[name])
        if outcomes[name]:
            text = stored_texts(db_session_factory, "uk")[key]
            assert "\x00" not in text
            assert_escaped(staff_pages(designer, "uk", version_numbers(db_session_factory)[-1]), PAYLOADS[name])
    assert not outcomes["long"] and not outcomes["nul"], outcomes


def test_interface_text_with_every_payload(app, db, db_session_factory, bundled):
    """Interface texts are not escaped by Jinja's gettext, so markup in one must be refused."""
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    sheet = designer.get(f"{TRANSLATIONS}/ar.xlsx")
    assert UI_KEY in sheet_keys(sheet.data)
    for name, payload in PAYLOADS.items():
        text = xlsx_safe(payload)
        stored = try_alone(designer, db_session_factory, fill_sheet(sheet.data, {UI_KEY: text}), f"ar-{name}.xlsx", "ar", payload)
        if name in HTML_PAYLOADS or name in ("long", "surrogate_escape"):  # markup; 4000 characters; a lone %
            assert not stored, name
        if not stored:
            continue
        intro = Browser(app.test_client()).get(f"/s/{SLUG}/ar/")
        server_ok(intro, f"intro with the interface text {name}")
        assert_escaped(intro.html, payload)
        assert text.strip() in intro.html or escape(text.strip()) in intro.html, name  # the new text is in use
    assert version_numbers(db_session_factory) == [1]  # interface texts never make a questionnaire draft


def test_a_second_change_of_an_interface_text_is_stored(app, db, db_session_factory, bundled):
    """The override catalogue already holding the text must not keep the first change."""
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    sheet = designer.get(f"{TRANSLATIONS}/ar.xlsx").data
    for text in ("خصوصيتك أولا", "خصوصيتك مهمة"):
        response = upload_translation(designer, fill_sheet(sheet, {UI_KEY: text}), "ar.xlsx", "ar")
        assert response.status_code == 200 and "1 interface text changed" in response.get_data(as_text=True)
        intro = Browser(app.test_client()).get(f"/s/{SLUG}/ar/")
        assert f'<h2 id="privacy-title">{text}</h2>' in intro.html, text


def good_po(designer: Staff) -> bytes:
    return fill_po(designer.get(f"{TRANSLATIONS}/ar.po").data, {"title": "عنوان"})


def corrupt_translation_files(designer: Staff) -> list[tuple[str, bytes]]:
    good_sheet = fill_sheet(designer.get(f"{TRANSLATIONS}/ar.xlsx").data, {"title": "عنوان"})
    variants = zip_variants(good_sheet)
    po = good_po(designer)
    title_line = po.index(b'msgstr "\xd8\xb9')  # the filled title
    return [
        *((f"{name}.xlsx", raw) for name, raw in variants.items()),
        ("invalid-utf8.po", po[:title_line] + b'msgstr "\xff\xfe\xc3\x28"\n' + po[title_line:].split(b"\n", 1)[1]),
        ("latin1.po", po.replace("عنوان".encode(), "Überschrift".encode("latin-1"))),
        ("nul.po", po[:title_line] + b'msgstr "a\x00b"\n' + po[title_line:].split(b"\n", 1)[1]),
        ("nul-bytes.po", b"\x00" * 64 + po),
        ("huge-msgstr.po", po[:title_line] + b'msgstr "' + b"x" * 5000 + b'"\n' + po[title_line:].split(b"\n", 1)[1]),
        ("very-huge-msgstr.po", po[:title_line] + b'msgstr "' + b"x" * (900 * 1024) + b'"\n' + po[title_line:].split(b"\n", 1)[1]),
        ("over-limit.po", po + b"# " + b"x" * (2 * 1024 * 1024) + b"\n"),
        ("plural.po", po + b'\nmsgctxt "intro"\nmsgid "a"\nmsgid_plural "b"\nmsgstr[0] "c"\n'),
        # A lost quote: babel alone would cut a letter off each end and store the rest.
        ("no-opening-quote.po", po.replace('msgstr "عنوان"'.encode(), 'msgstr عنوان"'.encode())),
        ("no-closing-quote.po", po.replace('msgstr "عنوان"'.encode(), 'msgstr "عنوان'.encode())),
        ("trailing-junk.po", po.replace('msgstr "عنوان"'.encode(), 'msgstr "عنوان" x'.encode())),
        ("<script>.po", b"<script>alert(1)</script>"),
        ("empty.po", b""),
    ]


def test_corrupt_and_tricky_translation_files_are_refused(app, db, db_session_factory, bundled):
    designer = logged_in(app, db_session_factory, "d@musterstadt.example", "designer")
    before = stored_title(db_session_factory, "ar")
    files = corrupt_translation_files(designer)
    # The good files are fine: the refusals below are about the damage, not the content.
    assert upload_translation(designer, fill_sheet(designer.get(f"{TRANSLATIONS}/ar.xlsx").data, {}), "ar.xlsx", "ar").status_code == 200
    assert version_numbers(db_session_factory) == [1]
    for file_name, raw in files:
        response = upload_translation(designer, raw, file_name, "ar")
        server_ok(response, file_name)
        assert_translation_refused(response, file_name)
        page = response.get_data(as_text=True)
        assert_escaped(page)
        assert_not_unpacked(page)
        assert version_numbers(db_session_factory) == [1], file_name
        assert stored_title(db_session_factory, "ar") == before, file_name
        assert imported_events(db_session_factory) == 1, file_name  # only the good upload above
    po = good_po(designer)
    response = upload_translation(designer, po, "ar.po", "ar")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert stored_title(db_session_factory, "ar") == "عنوان"
