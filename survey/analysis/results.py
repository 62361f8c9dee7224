"""Everything the results page, its charts and the council report show, computed once from the
stored responses: totals, period, responses per week, language, district and channel, and the
suppressed aggregate of every closed question. No Flask.

Building the frame is the costly part (reading every response). It is kept in a folder when one
is handed in (survey.analysis.frame_cache: a restart or another worker reads only newer
responses), and the results are kept in memory per questionnaire for as long as its responses
and versions do not change (``ResponseMarks``), so the page and its dozens of chart images cost
one pass over the data. The page shows each question overall; the breakdowns by district,
field, language and target group (the report's and the aggregate CSV's) are computed when first
asked for (``Results.table``).
"""
from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from survey.analysis.aggregate import OVERALL, aggregate, group_sizes, weekly_counts
from survey.analysis.frame_cache import frame_for
from survey.analysis.frames import (
    META_CHANNEL,
    META_DISTRICT,
    META_LANGUAGE,
    META_SUBMITTED,
    ClosedQuestion,
    closed_questions,
    need_column,
)
from survey.analysis.suppression import SUPPRESSED, apply_mask, checked_threshold, partition_mask
from survey.questionnaire.model import Questionnaire
from survey.store.responses import load_versions, response_marks


@dataclass
class Results:
    slug: str
    threshold: int
    versions: list[Questionnaire]  # newest first
    total: int
    first_day: dt.date | None
    last_day: dt.date | None
    weekly: pd.DataFrame  # week, count
    by_language: pd.DataFrame  # group, count
    by_district: pd.DataFrame
    by_channel: pd.DataFrame
    by_field: pd.DataFrame  # group (field), count: respondents who need help there
    overall_table: pd.DataFrame  # the tidy aggregate, overall only
    need_by_district: pd.DataFrame  # districts x fields: respondents who need help (or ".")
    questions: list[ClosedQuestion] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def newest(self) -> Questionnaire:
        return self.versions[0]

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The tidy aggregate by every breakdown (survey.analysis.aggregate), made when first used."""
        return aggregate(self.frame, self.versions, self.threshold)

    def overall(self, code: str) -> pd.DataFrame:
        table = self.overall_table
        return table[table["question"] == code].reset_index(drop=True)

    def breakdown(self, code: str, name: str) -> pd.DataFrame:
        rows = self.table[(self.table["question"] == code) & (self.table["breakdown"] == name)]
        return rows.reset_index(drop=True)

    def question(self, code: str) -> ClosedQuestion | None:
        return next((q for q in self.questions if q.question.code == code), None)


def _field_sizes(frame: pd.DataFrame, fields: list[str], threshold: int) -> pd.DataFrame:
    # Fields overlap (one person may need help in several), so no total gives a cell back:
    # primary suppression, of the count and of its complement within all respondents.
    counts: list[Any] = []
    total = len(frame)
    for name in fields:
        count = int(frame[need_column(name)].sum())
        counts.append(SUPPRESSED if 0 < count < threshold or 0 < total - count < threshold else count)
    return pd.DataFrame({"group": fields, "count": counts})


def _need_by_district(frame: pd.DataFrame, fields: list[str], threshold: int) -> pd.DataFrame:
    """Districts (rows, plus their n) x fields: how many respondents need help there.
    Districts partition the respondents, so a field's column adds up to its published total
    (column totals); fields overlap, so a row has none. A district under the threshold is
    hidden as a whole, with a second one if it were the only one."""
    if not fields or META_DISTRICT not in frame or frame.empty:
        return pd.DataFrame()
    grouped = frame.groupby(META_DISTRICT, observed=True)
    counts = grouped[[need_column(f) for f in fields]].sum().astype(int)
    counts.columns = fields
    sizes = grouped.size()
    mask, hidden = partition_mask(counts, sizes, threshold)
    table = apply_mask(counts, mask)
    n = sizes.astype(object)
    n[hidden] = SUPPRESSED
    table.insert(0, "n", n)
    table.index = [str(i) for i in table.index]
    return table


def compute_results(session: Session, slug: str, threshold: int | None = None, cache_dir: Path | None = None,
                    database_key: str = "") -> Results:
    """Raises survey.store.responses.UnknownQuestionnaire for an unknown slug. ``cache_dir``: where
    the frame is kept between processes (survey.analysis.frame_cache), ``database_key`` telling
    databases that share it apart; None: read every response."""
    threshold = checked_threshold(threshold)
    marks = response_marks(session, slug)
    return _compute(session, slug, threshold, marks, cache_dir, database_key)


def _compute(session: Session, slug: str, threshold: int, marks: Any, cache_dir: Path | None,
             database_key: str) -> Results:
    versions = load_versions(session, slug)
    models = list(versions.values())
    frame = frame_for(session, slug, versions, marks, cache_dir, database_key)
    days = frame[META_SUBMITTED]
    fields = [c[len("need:"):] for c in frame.columns if c.startswith("need:")]
    return Results(
        slug=slug, threshold=threshold, versions=models, total=len(frame),
        first_day=days.min().date() if len(frame) else None,
        last_day=days.max().date() if len(frame) else None,
        weekly=weekly_counts(frame, META_SUBMITTED, threshold),
        by_language=group_sizes(frame, META_LANGUAGE, threshold),
        by_district=group_sizes(frame, META_DISTRICT, threshold),
        by_channel=group_sizes(frame, META_CHANNEL, threshold),
        by_field=_field_sizes(frame, fields, threshold),
        overall_table=aggregate(frame, models, threshold, only=(OVERALL,)),
        need_by_district=_need_by_district(frame, fields, threshold),
        questions=closed_questions(models),
        frame=frame,
    )


_CACHE: OrderedDict[tuple[Any, ...], Results] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 8


def cached_results(session: Session, slug: str, threshold: int, engine_key: Any = None,
                   refresh: bool = False, cache_dir: Path | None = None, database_key: str = "") -> Results:
    """``compute_results``, reused while the questionnaire's responses and versions are unchanged
    (``refresh``: compute anew and replace the kept copy)."""
    threshold = checked_threshold(threshold)
    marks = response_marks(session, slug)
    key = (engine_key, database_key, slug, threshold, marks)
    with _LOCK:
        if key in _CACHE and not refresh:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    results = _compute(session, slug, threshold, marks, cache_dir, database_key)
    with _LOCK:
        _CACHE[key] = results
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return results
