"""Security headers on every response, templates that need no inline script or style, and CSRF
on every state-changing request."""
from __future__ import annotations

import re

from survey.web.security_headers import CONTENT_SECURITY_POLICY, FRAMEABLE_POLICY
from tests.conftest import ROOT

EXPECTED_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";"))}


def test_the_policy_allows_no_inline_code_and_no_framing():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    # The preview's policy differs in exactly one directive.
    frameable = directives(FRAMEABLE_POLICY)
    assert frameable.pop("frame-ancestors") == "'self'"
    policy.pop("frame-ancestors")
    assert frameable == policy


# --- no inline code or style ------------------------------------------------------------------

INLINE_STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)


STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


EVENT_HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.I | re.S)


JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code_problems(html: str) -> list[str]:
    problems = []
    if INLINE_STYLE_ATTRIBUTE.search(html):
        problems.append("style attribute")
    if STYLE_ELEMENT.search(html):
        problems.append("<style> element")
    for attributes in SCRIPT_TAG.findall(html):
        if "src=" not in attributes and 'type="application/json"' not in attributes:
            problems.append(f"inline <script{attributes}>")
    if EVENT_HANDLER.search(html):
        problems.append("on...= event handler attribute")
    if JAVASCRIPT_URL.search(html):
        problems.append("javascript: URL")
    return problems


def test_the_checker_finds_what_it_looks_for():
    assert inline_code_problems('<p style="color:red">') == ["style attribute"]
    assert inline_code_problems("<style>p{}</style>") == ["<style> element"]
    assert inline_code_problems("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code_problems('<img src=x onerror="alert(1)">') == ["on...= event handler attribute"]
    assert inline_code_problems('<a href="javascript:alert(1)">') == ["javascript: URL"]
    assert inline_code_problems('<script type="application/json" id="x">{}</script><script src="/a.js" defer></script>') == []
    assert inline_code_problems('<p>Click on = here, the "style" of it</p>') == []


# Every template folder the app serves pages from: all but survey/exports/templates, whose
# report.html is rendered into a stand-alone report file that may carry its stylesheet inline
# (when the app serves the report, the stylesheet is linked).
NOT_SERVED = {ROOT / "survey" / "exports" / "templates"}


SERVED_TEMPLATE_DIRS = sorted(folder for folder in (ROOT / "survey").rglob("templates")
                              if folder.is_dir() and folder not in NOT_SERVED)


def test_no_template_has_inline_script_style_or_event_handlers():
    assert ROOT / "survey" / "respondent" / "templates" in SERVED_TEMPLATE_DIRS
    templates = sorted(path for folder in SERVED_TEMPLATE_DIRS for path in folder.rglob("*.html"))
    assert len(templates) >= 30
    found = {str(path.relative_to(ROOT)): inline_code_problems(path.read_text(encoding="utf-8")) for path in templates}
    assert {path: problems for path, problems in found.items() if problems} == {}
