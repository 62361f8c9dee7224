"""Weight of every respondent page of every bundled questionnaire in every language.

For each page: the HTML as served (raw and gzip, as the app compresses it) plus every asset the
page loads (CSS, script; gzip as served). The budget is 14,000 bytes gzip for a page with
everything it loads (one TCP round trip on a slow link), and 5,000 bytes gzip for script.

    .venv/bin/python bench/page_weight.py            # prints the table, writes docs/performance.md
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey.seed import seeded_app  # noqa: E402
from survey.store.questionnaires import live_version, questionnaire_for_version  # noqa: E402

PAGE_BUDGET = 14_000
SCRIPT_BUDGET = 5_000
ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class PageWeight:
    slug: str
    language: str
    page: str
    html_raw: int
    html_gzip: int
    assets_gzip: int
    script_gzip: int

    @property
    def total_gzip(self) -> int:
        return self.html_gzip + self.assets_gzip

    @property
    def within_budget(self) -> bool:
        return self.total_gzip <= PAGE_BUDGET and self.script_gzip <= SCRIPT_BUDGET


def _html(response) -> bytes:
    body = response.get_data()
    return gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body


def _weigh(client, slug: str, language: str, page: str, response) -> PageWeight:
    assert response.status_code in (200, 422), (slug, language, page, response.status_code)
    html = _html(response)
    compressed = response.headers.get("Content-Encoding") == "gzip"
    served = len(response.get_data()) if compressed else len(gzip.compress(html, 6))
    assets_gzip = script_gzip = 0
    for url in sorted(set(ASSET.findall(html.decode("utf-8")))):
        asset = client.get(url, headers={"Accept-Encoding": "gzip"})
        size = len(asset.get_data())
        assets_gzip += size
        if url.endswith(".js"):
            script_gzip += size
    return PageWeight(slug, language, page, len(html), served, assets_gzip, script_gzip)


def measure(app) -> list[PageWeight]:
    """Render every page in every language through the app, as a respondent would meet it."""
    results: list[PageWeight] = []
    gz = {"Accept-Encoding": "gzip"}
    with app.app_context():
        database = app.extensions["survey.db"]
        with database.session_factory() as session:
            versions = {slug: questionnaire_for_version(live_version(session, slug))
                        for slug in ("needs-assessment", "offer-inventory")}
    for slug, questionnaire in versions.items():
        for language in questionnaire.language_codes:
            client = app.test_client()
            base = f"/s/{slug}/{language}"

            def get(page: str, url: str, client: Any = client, slug: str = slug, language: str = language) -> str:
                response = client.get(url, headers=gz)
                results.append(_weigh(client, slug, language, page, response))
                return _html(response).decode()

            get("language choice", f"/s/{slug}/")
            html = get("intro", f"{base}/")
            get("accessibility", f"{base}/accessibility")
            get("resume", f"{base}/resume")
            token = CSRF.search(html).group(1)
            client.post(f"{base}/start", data={"csrf_token": token})
            for section in questionnaire.sections:
                html = get(f"page: {section.code}", f"{base}/p/{section.code}")
                token = CSRF.search(html).group(1)
                # The same page with every error shown (summary and messages) is the heavier one.
                response = client.post(f"{base}/p/{section.code}", headers=gz, data={"csrf_token": token, "action": "next"})
                if response.status_code == 422:
                    results.append(_weigh(client, slug, language, f"page: {section.code} (errors)", response))
            get("review", f"{base}/review")
            get("delete", f"{base}/delete")
            get("thanks", f"{base}/thanks")
    # The public offer directory (with the sample city's ~30 offers, all unfiltered: the heaviest)
    # and the contact form, plain and with every error shown.
    for language in versions["needs-assessment"].language_codes:
        client = app.test_client()
        response = client.get(f"/offers/{language}/", headers=gz)
        results.append(_weigh(client, "directory", language, "offers", response))
        response = client.get(f"/contact/{language}/", headers=gz)
        results.append(_weigh(client, "directory", language, "contact", response))
        token = CSRF.search(_html(response).decode()).group(1)
        response = client.post(f"/contact/{language}/", headers=gz, data={"csrf_token": token})
        results.append(_weigh(client, "directory", language, "contact (errors)", response))
    return results


def make_app():
    app = seeded_app(Path(tempfile.mkdtemp(prefix="page-weight-")))
    from survey.store.sample import load_sample

    with app.app_context(), app.extensions["survey.db"].session_factory() as session:
        load_sample(session)  # only into empty tables: harmless if the seed already has it
        session.commit()
    return app


def write_report(results: list[PageWeight], path: Path) -> None:
    heaviest = max(results, key=lambda r: r.total_gzip)
    lines = [
        "# Performance",
        "",
        "## Respondent page weight",
        "",
        "Measured by `bench/page_weight.py` (`make bench`): every page of every bundled questionnaire",
        "in every language, as served (HTML gzip-compressed by the app) plus everything the page loads",
        f"(CSS, script). Budget: {PAGE_BUDGET:,} bytes gzip per page with its assets, {SCRIPT_BUDGET:,} bytes",
        "gzip of script. No page loads anything from another host.",
        "",
        f"{len(results)} pages measured; {sum(r.within_budget for r in results)} within budget. Heaviest:",
        f"{heaviest.slug} / {heaviest.language} / {heaviest.page}: {heaviest.total_gzip:,} bytes gzip "
        f"({heaviest.html_raw:,} bytes of HTML before compression).",
        "",
        "The heaviest page of each questionnaire and language (bytes):",
        "",
        "| questionnaire | language | heaviest page | HTML raw | HTML gzip | assets gzip | script gzip | total gzip | budget |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    groups: dict[tuple[str, str], list[PageWeight]] = {}
    for result in results:
        groups.setdefault((result.slug, result.language), []).append(result)
    for (slug, language), items in groups.items():
        top = max(items, key=lambda r: r.total_gzip)
        ok = "ok" if all(r.within_budget for r in items) else "OVER"
        lines.append(f"| {slug} | {language} | {top.page} | {top.html_raw:,} | {top.html_gzip:,} | "
                     f"{top.assets_gzip:,} | {top.script_gzip:,} | {top.total_gzip:,} | {ok} |")
    lines += ["", "Every page (total gzip bytes per language):", ""]
    languages = list(dict.fromkeys(r.language for r in results))
    for slug in dict.fromkeys(r.slug for r in results):
        slug_languages = [lang for lang in languages if (slug, lang) in groups]
        lines += [f"### {slug}", "", "| page | " + " | ".join(slug_languages) + " |",
                  "| --- | " + " | ".join("---:" for _ in slug_languages) + " |"]
        pages = list(dict.fromkeys(r.page for r in results if r.slug == slug))
        table = {(r.page, r.language): r.total_gzip for r in results if r.slug == slug}
        for page in pages:
            cells = [f"{table[(page, lang)]:,}" if (page, lang) in table else "" for lang in slug_languages]
            lines.append(f"| {page} | " + " | ".join(cells) + " |")
        lines.append("")
    # Replace only this section: the export, aggregate and throughput benchmarks own the others.
    body = lines[2:]
    existing = path.read_text(encoding="utf-8").rstrip("\n").split("\n") if path.exists() else lines[:1]
    heading = body[0]
    start = existing.index(heading) if heading in existing else len(existing)
    end = next((i for i in range(start + 1, len(existing)) if existing[i].startswith("## ")), len(existing))
    new = existing[:start] + body + ([""] + existing[end:] if end < len(existing) else [])
    path.write_text("\n".join(new).rstrip() + "\n", encoding="utf-8")


def main() -> int:
    results = measure(make_app())
    write_report(results, ROOT / "docs" / "performance.md")
    over = [r for r in results if not r.within_budget]
    heaviest = max(results, key=lambda r: r.total_gzip)
    print(f"{len(results)} pages; heaviest {heaviest.slug}/{heaviest.language}/{heaviest.page}: "
          f"{heaviest.total_gzip} bytes gzip; {len(over)} over budget; written to docs/performance.md")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
