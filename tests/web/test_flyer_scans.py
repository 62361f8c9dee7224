"""The flyer's QR code scans (issue 18): every flyer variant as the A4 PDF rasterised at 300 dpi
and as the HTML page in Chromium, and the PNG and SVG downloads, read by a real decoder (Debian's
zbarimg) to exactly the respondent's address, with a light margin (quiet zone) of at least four
modules around the symbol.

Before, the SVG had no viewBox and the stylesheet shrank it to 60 mm: two of the three finder
patterns were cut off and no reader found a code on the flyer.

`make test` installs zbar-tools and poppler-utils (pdftoppm); without them this test is skipped
locally, unless SURVEY_REQUIRE_ZBAR=1 (CI) makes that a failure. The PDF needs WeasyPrint with
Pango (SURVEY_REQUIRE_PDF), the screenshots Debian's Chromium (SURVEY_REQUIRE_BROWSER).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import segno
from PIL import Image

from tests.staff_helpers import logged_in

SLUG = "needs-assessment"
CHANNEL = "shelter-north"
LONG_BASE = "https://umfrage.kommunales-integrationsmanagement.stadtverwaltung-musterstadt.example"
LANGUAGE_SETS = {1: ["de"], 4: ["de", "ar", "uk", "fa"], 16: []}  # none chosen: every language of the questionnaire
CHROMIUM = shutil.which("chromium")
QUIET_ZONE = 4  # modules, ISO/IEC 18004


def _required(variable: str, reason: str) -> None:
    if os.environ.get(variable) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture()
def zbar() -> str:
    zbarimg, pdftoppm = shutil.which("zbarimg"), shutil.which("pdftoppm")
    if zbarimg is None or pdftoppm is None:
        _required("SURVEY_REQUIRE_ZBAR", "zbarimg or pdftoppm is not installed "
                  "(make test installs them: apt-get install zbar-tools poppler-utils)")
    return str(zbarimg)


@pytest.fixture()
def pdf() -> None:
    from survey.exports.report_pdf import pdf_available

    if not pdf_available():
        _required("SURVEY_REQUIRE_PDF", "WeasyPrint/Pango cannot be loaded (make test installs Pango)")


@pytest.fixture()
def chromium() -> str:
    if CHROMIUM is None:
        _required("SURVEY_REQUIRE_BROWSER", "Debian's chromium is not installed (make test installs it)")
    return str(CHROMIUM)


def decode(zbarimg: str, *images: Path) -> list[str]:
    """Every QR code zbarimg finds in ``images`` (exit status 4: none found)."""
    result = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, images)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 4), result.stderr
    return result.stdout.splitlines()


def quiet_zone(image_path: Path, link: str) -> float:
    """The light margin around the QR symbol for ``link``, in modules. The symbol is the first ink
    from the top of the image (nothing is printed above it): its top row runs from the left edge of
    the upper-left finder pattern to the right edge of the upper-right one, and it is square. The
    pixel next to its edge may be grey (anti-aliasing): the margin is counted from the symbol's edge
    but checked from the second pixel on; and the last pixel of a margin ending between two pixels
    is blended with what lies beyond, so it counts as well."""
    modules = segno.make(link, error="m", micro=False).symbol_size(border=0)[0]
    image = np.asarray(Image.open(image_path).convert("L"))
    dark, light = image < 100, image >= 200
    top = int(np.flatnonzero(dark.any(axis=1))[0])
    columns = np.flatnonzero(dark[top])
    left, right = int(columns[0]), int(columns[-1])
    bottom = top + right - left
    module = (right - left + 1) / modules
    inside = round(module / 2)
    assert dark[bottom - inside, left + inside] and dark[top + inside, right - inside], ("no QR symbol", image_path.name)
    height, width = image.shape
    margin = 1
    while margin < (QUIET_ZONE + 2) * module:
        step = margin + 1
        y0, y1, x0, x1 = top - step, bottom + step, left - step, right + step
        if y0 < 0 or x0 < 0 or y1 >= height or x1 >= width:
            break
        ring = [light[y0, x0:x1 + 1], light[y1, x0:x1 + 1], light[y0:y1 + 1, x0], light[y0:y1 + 1, x1]]
        if not all(part.all() for part in ring):
            break
        margin = step
    return (margin + 1) / module


def screenshot(chromium: str, page: Path, out: Path, width: int, height: int = 1200) -> Path:
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                    f"--user-data-dir={out.parent / 'chromium-profile'}", f"--window-size={width},{height}",
                    f"--screenshot={out}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return out


def with_stylesheet_inlined(designer, html: str) -> str:
    """The page as served, its linked stylesheet (fetched from the app) written into it, so that
    Chromium can open it as a file."""
    href = re.search(r'<link rel="stylesheet" href="([^"]+)">', html).group(1)
    css = designer.get(href).get_data(as_text=True)
    return html.replace(f'<link rel="stylesheet" href="{href}">', f"<style>{css}</style>")


@pytest.fixture()
def designer(app, db_session_factory, bundled):
    designer = logged_in(app, db_session_factory, "flyer@musterstadt.example", "designer")
    assert designer.post(f"/staff/q/{SLUG}/distribute", {"code": CHANNEL}).status_code == 302
    return designer


@pytest.mark.parametrize("base", ["", LONG_BASE], ids=["request-host", "long-public-address"])
@pytest.mark.parametrize("channel", [None, CHANNEL], ids=["no-channel", "channel"])
@pytest.mark.parametrize("languages", sorted(LANGUAGE_SETS), ids=lambda count: f"{count}-languages")
def test_every_flyer_scans_as_pdf_and_on_screen(app, designer, languages, channel, base, tmp_path, zbar, pdf, chromium):
    app.config["PUBLIC_BASE_URL"] = base
    link = f"{base or 'http://localhost'}/s/{SLUG}/" + (f"?c={channel}" if channel else "")
    query = "&".join([*(f"lang={tag}" for tag in LANGUAGE_SETS[languages]), *([f"c={channel}"] if channel else [])])

    response = designer.get(f"/staff/q/{SLUG}/flyer.pdf?{query}")
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.get_data(as_text=True)[:300]
    (tmp_path / "flyer.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "300", "-png", str(tmp_path / "flyer.pdf"), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert decode(zbar, *pages) == [link]  # one code on the flyer, the respondent's address
    assert quiet_zone(pages[0], link) >= QUIET_ZONE

    html = designer.get(f"/staff/q/{SLUG}/flyer?{query}").get_data(as_text=True)
    assert html.count("<section lang=") == languages
    page = tmp_path / "flyer.html"
    page.write_text(with_stylesheet_inlined(designer, html), encoding="utf-8")
    for width in (390, 800):  # a phone, and a desktop window the staff member prints from
        shot = screenshot(chromium, page, tmp_path / f"flyer-{width}.png", width)
        assert decode(zbar, shot) == [link], width
        assert quiet_zone(shot, link) >= QUIET_ZONE, width


@pytest.mark.parametrize("base", ["", LONG_BASE], ids=["request-host", "long-public-address"])
@pytest.mark.parametrize("channel", [None, CHANNEL], ids=["no-channel", "channel"])
def test_qr_downloads_scan_at_their_size_and_scaled(app, designer, channel, base, tmp_path, zbar, chromium):
    app.config["PUBLIC_BASE_URL"] = base
    link = f"{base or 'http://localhost'}/s/{SLUG}/" + (f"?c={channel}" if channel else "")
    query = f"?c={channel}" if channel else ""

    png = tmp_path / "qr.png"
    png.write_bytes(designer.get(f"/staff/q/{SLUG}/qr.png{query}").data)
    assert decode(zbar, png) == [link]
    assert quiet_zone(png, link) >= QUIET_ZONE

    # The SVG as a designer places it: at its own size and scaled to 6 cm, on a coloured page
    # (mid grey: neither ink nor paper), so the light margin must be the image's own.
    (tmp_path / "qr.svg").write_bytes(designer.get(f"/staff/q/{SLUG}/qr.svg{query}").data)
    for name, style in (("natural", ""), ("scaled", ' style="inline-size:60mm"')):
        holder = tmp_path / f"svg-{name}.html"
        holder.write_text(f'<!doctype html><body style="margin:0;padding:16px;background:#a0a0a0">'
                          f'<img src="qr.svg" alt=""{style}></body>', encoding="utf-8")
        shot = screenshot(chromium, holder, tmp_path / f"svg-{name}.png", 800, 800)
        assert decode(zbar, shot) == [link], name
        assert quiet_zone(shot, link) >= QUIET_ZONE, name



def test_without_pango_the_flyer_pdf_says_why_and_the_page_still_prints(designer, monkeypatch):
    import survey.exports.report_pdf as report_pdf

    def missing():
        raise report_pdf.PdfUnavailable(report_pdf.INSTALL_HINT)

    monkeypatch.setattr(report_pdf, "_weasyprint", missing)
    response = designer.get(f"/staff/q/{SLUG}/flyer.pdf?lang=de&c={CHANNEL}")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Pango" in body and "print it to PDF from the browser" in body and "Traceback" not in body
    assert designer.get(f"/staff/q/{SLUG}/flyer.pdf?c=unknown").status_code == 404
    assert designer.get(f"/staff/q/{SLUG}/flyer?lang=de").status_code == 200
    page = designer.get(f"/staff/q/{SLUG}/distribute").get_data(as_text=True)
    assert f'formaction="/staff/q/{SLUG}/flyer.pdf"' in page
