"""Everything the results page, its charts and the council report show, computed once from the
stored responses: totals, period, responses per week, language, district and channel, and the
suppressed aggregate of every closed question. No Flask.

Building the frame is the costly part (reading every response); the result is cached per
questionnaire for as long as its responses do not change (same count, same newest id), so the
page and its dozens of chart images cost one pass over the data."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from survey.analysis.aggregate import OVERALL, aggregate, group_sizes, weekly_counts
from survey.analysis.frames import (
    META_CHANNEL,
    META_DISTRICT,
    META_LANGUAGE,
    META_SUBMITTED,
    ClosedQuestion,
    build_frame,
    closed_questions,
    iter_rows,
    need_column,
)
from survey.analysis.suppression import SUPPRESSED, apply_mask, checked_threshold, partition_mask
from survey.questionnaire.model import Questionnaire
from survey.store.responses import load_versions, response_state


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
    table: pd.DataFrame  # the tidy aggregate (survey.analysis.aggregate)
    need_by_district: pd.DataFrame  # districts x fields: respondents who need help (or ".")
    questions: list[ClosedQuestion] = field(default_factory=list)

    @property
    def newest(self) -> Questionnaire:
        return self.versions[0]

    def overall(self, code: str) -> pd.DataFrame:
        rows = self.table[(self.table["question"] == code) & (self.table["breakdown"] == OVERALL)]
        return rows.reset_index(drop=True)

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


def compute_results(session: Session, slug: str, threshold: int | None = None) -> Results:
    """Raises survey.store.responses.UnknownQuestionnaire for an unknown slug."""
    threshold = checked_threshold(threshold)
    versions = load_versions(session, slug)
    models = list(versions.values())
    frame = build_frame(iter_rows(session, slug), versions)
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
        table=aggregate(frame, models, threshold),
        need_by_district=_need_by_district(frame, fields, threshold),
        questions=closed_questions(models),
    )


_CACHE: OrderedDict[tuple[Any, ...], Results] = OrderedDict()
_LOCK = threading.Lock()
_CACHE_SIZE = 8


def cached_results(session: Session, slug: str, threshold: int, engine_key: Any = None,
                   refresh: bool = False) -> Results:
    """``compute_results``, reused while the questionnaire's responses are unchanged (``refresh``:
    compute anew and replace the cached copy; the results page does, its charts then reuse it)."""
    key = (engine_key, slug, threshold, response_state(session, slug))
    with _LOCK:
        if key in _CACHE and not refresh:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    results = compute_results(session, slug, threshold)
    with _LOCK:
        _CACHE[key] = results
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return results
