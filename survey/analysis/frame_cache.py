"""The analysis frame of a questionnaire, kept in a folder (the instance folder's
``results-cache``) so that a restart or another worker goes on from it instead of reading every
response again: only responses newer than the kept ones are read and added.

Whether the kept frame still holds exactly the stored responses is checked against the
database every time (survey.store.responses.marks_up_to): as many responses up to the last id
it read as it holds, and that last response still the same one (its public id). Any deletion
(the retention deletes all of a questionnaire's answers at once), a response committed late
under a lower id, or a change to what the frame depends on (a new version, another option or
need; ``frame_signature``; not a text) makes it read everything again, so numbers of a deleted
response are never shown. A file is written under a temporary name and then renamed, so workers
and hosts sharing the folder only ever read whole files; the last writer wins, and every file is
a true state of the responses. The folder is handed in; no Flask here.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from survey.analysis.frames import FrameBuilder, frame_signature
from survey.questionnaire.model import Questionnaire
from survey.store.responses import ResponseMarks, analysis_rows, marks_up_to

log = logging.getLogger(__name__)
FORMAT = 3  # raise when the frame's columns or this file's layout change


def cache_path(cache_dir: Path, database_key: str, slug: str) -> Path:
    digest = hashlib.sha256(f"{FORMAT}\0{database_key}\0{slug}".encode()).hexdigest()[:24]
    return cache_dir / f"frame-{digest}.npz"


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            packed = {kind: stored[kind] for kind in ("bool", "coded", "version", "day")}
        arrays = {name: packed[kind][i] for kind in ("bool", "coded") for i, name in enumerate(meta[kind])}
        arrays["version"], arrays["day"] = packed["version"], packed["day"]
    except (OSError, ValueError, KeyError, IndexError, json.JSONDecodeError):
        return None  # missing, half-written by a crashed writer or of another layout: build anew
    return meta, arrays


def _write(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """One array per kind of column (a file of a few arrays opens faster than of a hundred)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    length = len(arrays["version"])
    names = {kind: [name for name in arrays if name.startswith(kind + ":")] for kind in ("bool", "coded")}
    packed: dict[str, Any] = {
        "bool": np.stack([arrays[n] for n in names["bool"]]) if names["bool"] else np.empty((0, length), dtype=bool),
        "coded": np.stack([arrays[n].astype(np.int32) for n in names["coded"]]) if names["coded"]
        else np.empty((0, length), dtype=np.int32),
        "version": arrays["version"], "day": arrays["day"]}
    meta = {**meta, **names}
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=path.stem + "-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            np.savez(handle, meta=np.array(json.dumps(meta)), **packed)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def frame_for(session: Session, slug: str, versions: dict[int, Questionnaire], marks: ResponseMarks,
              cache_dir: Path | None = None, database_key: str = "") -> pd.DataFrame:
    """The analysis frame of the responses ``marks`` describes (read up to its last id), going
    on from the kept one in ``cache_dir`` when it still fits, and keeping the result there.
    ``cache_dir`` None: read everything, keep nothing."""
    builder = FrameBuilder(versions)
    if cache_dir is None:
        if marks.last_id is not None:
            builder.add(analysis_rows(session, slug, up_to_id=marks.last_id))
        return builder.frame()
    path = cache_path(cache_dir, database_key, slug)
    signature = frame_signature(versions)
    after = 0
    held = 0
    kept = _read(path)
    if kept is not None:
        meta, arrays = kept
        fits = meta.get("format") == FORMAT and meta.get("slug") == slug and meta.get("signature") == signature
        last_id = meta.get("last_id")
        if fits and last_id is not None and marks.last_id is not None and last_id <= marks.last_id:
            fits = marks_up_to(session, slug, last_id) == (meta.get("count"), meta.get("last_public_id"))
        else:
            fits = fits and last_id is None and meta.get("count") == 0
        if fits and (last_id is None or builder.restore(meta["categories"], arrays)):
            builder.plain_district = builder.plain_district and bool(meta.get("plain_district"))
            after, held = last_id or 0, int(meta.get("count") or 0)
            if last_id == marks.last_id:
                return builder.frame()  # nothing new
    if marks.last_id is not None:
        builder.add(analysis_rows(session, slug, after, marks.last_id))
    categories, arrays = builder.state()
    count = len(arrays["version"])
    if count != held or after == 0:
        try:
            _write(path, {"format": FORMAT, "slug": slug, "signature": signature,
                          "last_id": marks.last_id if count else None,
                          "last_public_id": marks.last_public_id if count else None,
                          "count": count, "categories": categories, "plain_district": builder.plain_district}, arrays)
        except OSError as error:  # a full disk or a read-only folder costs speed, never the page
            log.warning("results cache %s not written: %s", path, error)
    return builder.frame()
