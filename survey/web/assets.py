"""Static files under fingerprinted names, cached for a year, gzip-compressed once at start-up.

``asset_url('survey.css')`` gives ``/assets/survey.3f2a9c1e.css``; a changed file gets a new name, so
browsers may keep every version forever (``immutable``) and phones on prepaid data fetch it once.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request

ONE_YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    fingerprinted: str
    mimetype: str
    raw: bytes
    gzipped: bytes


def _load(folder: Path) -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()[:10]
        fingerprinted = f"{path.stem}.{digest}{path.suffix}"
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mimetype.startswith("text/") or mimetype in ("application/javascript", "image/svg+xml"):
            mimetype += "; charset=utf-8"
        assets[path.name] = Asset(fingerprinted, mimetype, raw, gzip.compress(raw, 9, mtime=0))
    return assets


def init_assets(app: Flask) -> None:
    assets = _load(Path(app.static_folder or ""))
    by_fingerprint = {asset.fingerprinted: asset for asset in assets.values()}

    def asset_url(name: str) -> str:
        return f"/assets/{assets[name].fingerprinted}"

    app.jinja_env.globals["asset_url"] = asset_url

    @app.get("/assets/<name>")
    def asset(name: str) -> Response:
        found = by_fingerprint.get(name)
        if found is None:
            abort(404)
        use_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        response = Response(found.gzipped if use_gzip else found.raw, mimetype=found.mimetype)
        if use_gzip:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response

    icon = assets["favicon.ico"]

    @app.get("/favicon.ico")
    def favicon() -> Response:
        """Pages link the fingerprinted icon; this address answers the browsers and bookmarks
        that ask for it anyway, instead of a 404 on a respondent's first visit."""
        response = Response(icon.raw, mimetype=icon.mimetype)
        response.headers["Cache-Control"] = "public, max-age=604800"
        return response
