"""Small-cell suppression for published tables, as statistical offices do it.

Primary suppression hides every cell counting fewer than ``threshold`` people (but more than
none), and every cell whose complement within the total it is shown with counts that few ("26 of
27" gives the one other person away; "27 of 27" is published, as statistical offices do).
Secondary suppression then hides further cells so that no published total minus the published
cells of its row or column gives a hidden one back: wherever a row or column that has
a published total holds exactly one hidden cell, the smallest other cell there is hidden too
(non-zero cells first, as hiding a zero protects less), repeated until nothing changes. Hidden
cells are shown as ``SUPPRESSED`` ("."), the sign German statistical offices use.

Plain pandas; no Flask, no database.
"""
from __future__ import annotations

import pandas as pd

from survey.analysis.thresholds import DEFAULT_THRESHOLD, MIN_THRESHOLD, SUPPRESSED, ThresholdTooLow, checked_threshold  # noqa: F401


def primary_mask(counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """True where a cell counts between 1 and threshold - 1 people."""
    threshold = checked_threshold(threshold)
    values = counts.fillna(0)
    return (values > 0) & (values < threshold)


def complement_mask(counts: pd.DataFrame, totals: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """True where the people of a row's published total who are *not* in the cell number between
    1 and threshold - 1: "26 of 27 chose Ukrainian advice" tells everyone what the one other
    person did. ``totals``: per row, the total the cell is shown with (the group's n)."""
    threshold = checked_threshold(threshold)
    rest = counts.fillna(0).rsub(totals.reindex(counts.index).fillna(0), axis=0)
    return (rest > 0) & (rest < threshold)


def _complement(values: pd.Series, hidden: pd.Series) -> object | None:
    """The label of the cell to hide next to a lone hidden cell: the smallest non-zero visible
    one, else the smallest visible one; None when there is none."""
    visible = values[~hidden]
    if visible.empty:
        return None
    nonzero = visible[visible > 0]
    pool = nonzero if not nonzero.empty else visible
    return pool.sort_values(kind="stable").index[0]


def secondary_mask(counts: pd.DataFrame, mask: pd.DataFrame, row_totals: bool = True,
                   column_totals: bool = True) -> pd.DataFrame:
    """Extend ``mask`` so no row (when row totals are published) or column (when column totals
    are) has exactly one hidden cell."""
    values = counts.fillna(0)
    mask = mask.copy()
    changed = True
    while changed:
        changed = False
        if row_totals:
            for label in mask.index:
                row = mask.loc[label]
                if int(row.sum()) == 1:
                    other = _complement(values.loc[label], row)
                    if other is not None:
                        mask.loc[label, other] = True
                        changed = True
        if column_totals:
            for label in mask.columns:
                column = mask[label]
                if int(column.sum()) == 1:
                    other = _complement(values[label], column)
                    if other is not None:
                        mask.loc[other, label] = True
                        changed = True
    return mask


def suppression_mask(counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, row_totals: bool = True,
                     column_totals: bool = True) -> pd.DataFrame:
    """Primary plus secondary suppression of a table of counts (rows x columns)."""
    return secondary_mask(counts, primary_mask(counts, threshold), row_totals, column_totals)


def suppress_groups(sizes: pd.Series, threshold: int = DEFAULT_THRESHOLD, total_published: bool = True) -> pd.Series:
    """For groups that partition everyone (districts, languages): which groups to hide as a
    whole. Groups under the threshold are hidden; if that leaves exactly one hidden group while
    the total is published, the smallest other group is hidden too."""
    threshold = checked_threshold(threshold)
    hidden = (sizes > 0) & (sizes < threshold)
    if total_published and int(hidden.sum()) == 1:
        other = _complement(sizes, hidden)
        if other is not None:
            hidden[other] = True
    return hidden


def partition_mask(counts: pd.DataFrame, sizes: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, pd.Series]:
    """For a table whose rows are groups that partition the respondents (districts, of
    ``sizes`` people each) and whose columns overlap (fields of need: one person may count in
    several), with every column's total and the overall total published. A group under the
    threshold is hidden as a whole (with a second one if it were alone), counts under the
    threshold too, then secondary suppression down the columns (rows have no total). Returns
    the cell mask and the hidden groups."""
    hidden = suppress_groups(sizes, threshold, total_published=True)
    mask = primary_mask(counts, threshold) | complement_mask(counts, sizes, threshold)
    mask.loc[hidden[hidden].index, :] = True
    return secondary_mask(counts, mask, row_totals=False, column_totals=True), hidden


def apply_mask(table: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """The table as published: hidden cells replaced by ``SUPPRESSED``."""
    return table.astype(object).mask(mask.reindex_like(table).fillna(False).astype(bool), SUPPRESSED)
