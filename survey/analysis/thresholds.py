"""The suppression threshold and its rules, without pandas (the settings check at start-up
needs them; pandas loads only when results are computed)."""
from __future__ import annotations

SUPPRESSED = "."
DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3  # below this, a table reveals individuals whatever else is done


class ThresholdTooLow(ValueError):
    pass


def checked_threshold(threshold: int | None) -> int:
    """The configured threshold, refusing values that would publish cells of one or two people."""
    if threshold is None:
        return DEFAULT_THRESHOLD
    if int(threshold) < MIN_THRESHOLD:
        raise ThresholdTooLow(f"the suppression threshold must be at least {MIN_THRESHOLD}, not {threshold}.")
    return int(threshold)
