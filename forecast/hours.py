"""Opening hours the history shows: weekdays on which the desk never had a contact.

A weekday-only desk's forecast has no rows at weekends, and a shift plan cannot tell a
closed weekend from a short file. When ``[site] opening_hours`` is not set, the weekdays
with no contact at all in the history (over at least ``MIN_WEEKS`` of them) are written
into it as ``closed``, with a note saying so. Nights stay learned from the rows.
"""

from __future__ import annotations

import pandas as pd

from core.config import Config
from core.schema import WEEKDAYS

__all__ = ["MIN_WEEKS", "closed_weekdays", "with_history_hours"]

MIN_WEEKS = 2  # a weekday seen fewer times than this in the history is never called closed


def closed_weekdays(history: pd.DataFrame) -> list[str]:
    """Weekdays (``mon`` .. ``sun``) with no contact in any queue of validated Frame A
    ``history``, among those that occur on at least ``MIN_WEEKS`` dates of its span."""
    days = history["interval_start"].dt.tz_localize(None).dt.normalize()
    span = pd.date_range(days.min(), days.max(), freq="D")
    seen = pd.Series(span.day_of_week).value_counts()
    busy = set(days[history["volume"] > 0].dt.day_of_week)
    return [WEEKDAYS[d] for d in range(7) if seen.get(d, 0) >= MIN_WEEKS and d not in busy]


def with_history_hours(config: Config, history: pd.DataFrame) -> tuple[Config, list[str]]:
    """CONFIG with the history's closed weekdays in ``[site] opening_hours`` when none are set,
    and notes for the user; CONFIG unchanged when hours are set or every weekday has contacts."""
    if config.site.opening_hours:
        return config, []
    closed = closed_weekdays(history)
    if not closed:
        return config, []
    site = config.site.model_copy(update={"opening_hours": dict.fromkeys(closed, "closed")})
    return config.model_copy(update={"site": site}), [
        f"opening hours: {', '.join(closed)} closed (no contact on those weekdays in the history); "
        f"set [site] opening_hours to say otherwise"]
