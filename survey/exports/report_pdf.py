"""The council report as PDF: the same HTML (survey.exports.report), laid out by WeasyPrint.

WeasyPrint is a well-kept HTML/CSS-to-PDF library in pure Python on top of Pango (Debian:
libpango-1.0-0, libpangoft2-1.0-0). It is imported on first use, so a server without Pango still
runs everything else, and the staff page and ``survey report`` then say what to install.

The report must stand alone (stylesheet embedded) and nothing in it may reach outside the
document: answers are escaped by the template, and the URL fetcher refuses every URL anyway,
so not even a crafted ``file:`` or ``http:`` reference could be read into a PDF or leave the host.
(The report has no images: its charts are the tables themselves.)
"""
from __future__ import annotations

import ctypes.util
import functools
import importlib.util
import warnings
from typing import Any

INSTALL_HINT = ("PDF needs Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) "
                "and the Python package weasyprint")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries under it cannot be loaded on this host."""


@functools.cache
def pdf_available() -> bool:
    """Whether a PDF can be made here, without loading WeasyPrint (the results page asks)."""
    return importlib.util.find_spec("weasyprint") is not None and ctypes.util.find_library("pango-1.0") is not None


def html_to_pdf(html: str, stylesheet: str | None = None) -> bytes:
    """One PDF (A4, from the document's print CSS) of a standalone HTML document; ``stylesheet``:
    CSS applied as if the document linked it (a served page links it; the PDF may fetch nothing)."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=no_fetching(), base_url=None)
    if stylesheet is None:
        return document.write_pdf()
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=stylesheet, url_fetcher=no_fetching())])


def no_fetching() -> Any:
    """WeasyPrint's URL fetcher with no protocol allowed: the report embeds all it needs, so
    every URL (http, file, data...) is refused and logged by WeasyPrint as not loaded."""
    return _weasyprint().URLFetcher(allowed_protocols=frozenset(), allow_redirects=False)


def _weasyprint() -> Any:
    try:
        with warnings.catch_warnings():
            # Without libharfbuzz-subset WeasyPrint warns that a future version will need it;
            # fonts are then embedded whole (bigger file, same text).
            warnings.simplefilter("ignore", DeprecationWarning)
            import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's shared libraries are missing
        raise PdfUnavailable(f"{INSTALL_HINT} ({error})") from None
    return weasyprint
