"""Calendars: public holidays (the ``holidays`` package) and a user's events file.

Holidays: each local day is a ``"holiday"`` (a public holiday of the site's country), an
``"observance"`` (the package's optional holidays, where the country has them), an
``"eve"`` (the day before either: e.g. Jewish holidays start at sunset), ``"after"`` (the
first open day after a public holiday) or ``""``. Models forecast ordinary days;
:mod:`forecast.clean` learns one volume factor per kind from the history's own days of
that kind and applies it to forecast days of that kind (an override, not a regressor).

Events: a table with ``start``, ``end`` (timestamps; without an offset they are site
time), ``name`` and optionally ``expected_multiplier`` (e.g. 2.0 for a token listing
expected to double contacts). Intervals of the history inside an event are flagged as
incidents and can be kept out of training; forecast intervals inside an event are
multiplied by its expected multiplier (1 when none is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from core.errors import InputError, check_range
from core.schema import parse_timestamps

__all__ = ["Calendar", "DAY_KINDS", "events_for_queue", "holidays_between", "read_events"]

DAY_KINDS = ("holiday", "observance", "eve", "after")
EVENT_COLUMNS = ("start", "end", "name", "expected_multiplier", "queues")


def read_events(table: pd.DataFrame, timezone: str, *, source: str = "events") -> pd.DataFrame:
    """Validate an events table: tz-aware ``start`` < ``end``, ``name``, ``expected_multiplier`` > 0,
    and optionally ``queues`` (``"chat_en;email"``; empty or absent: every queue)."""
    table = table.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in ("start", "end") if c not in table.columns]
    if missing:
        raise InputError(f"{source} is missing column(s) {', '.join(missing)}; found {', '.join(table.columns)}. "
                         f"Give start, end, name and optionally expected_multiplier")
    events = pd.DataFrame({
        "start": parse_timestamps(table["start"], timezone, column=f"{source} start")[0],
        "end": parse_timestamps(table["end"], timezone, column=f"{source} end")[0],
        "name": table["name"].astype(str) if "name" in table.columns else "event",
        # the queues an event affects, ";"-separated; empty: every queue
        "queues": table["queues"].fillna("").astype(str).str.strip() if "queues" in table.columns else "",
    })
    multiplier = table.get("expected_multiplier", pd.Series(1.0, index=table.index)).fillna(1.0)
    events["expected_multiplier"] = check_range(
        f"{source} expected_multiplier", multiplier, low=0, low_open=True,
        labels=[f"event {n!r}" for n in events["name"]], fix="give a factor such as 2.0 (double the contacts)")
    backwards = events["end"] <= events["start"]
    if backwards.any():
        name = events.loc[backwards, "name"].iloc[0]
        raise InputError(f"{source} end must be after start; it is not for event {name!r}; fix the times")
    return events.reset_index(drop=True)


@lru_cache(maxsize=32)
def _holiday_dates(country: str, first_year: int, last_year: int) -> tuple[frozenset, frozenset]:
    """(public, optional-category) holiday dates of ``country`` in the years given."""
    years = range(first_year, last_year + 1)
    try:
        public = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise InputError(f"site.country must be a country code the holidays package knows, e.g. DE or MT; "
                         f"got {country!r}; fix it or remove it") from None
    optional = (holidays.country_holidays(country, years=years, categories=("optional",))
                if "optional" in public.supported_categories else {})
    return frozenset(public), frozenset(optional)


@dataclass(frozen=True)
class Calendar:
    """Public holidays of ``country`` (ISO code or None) and a validated events table."""

    country: str | None = None
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(EVENT_COLUMNS)))

    def day_kinds(self, days: pd.DatetimeIndex, open_weekdays: np.ndarray | None = None) -> np.ndarray:
        """The kind of each naive local date: one of :data:`DAY_KINDS` or ``""``.

        ``"holiday"``: a public holiday; ``"observance"``: a holiday of the package's
        ``optional`` category (e.g. the intermediate days of Passover and Sukkot in IL);
        ``"eve"``: the day before either; ``"after"``: the first day the desk opens
        (``open_weekdays``, (7,) bool) after a public holiday, when contacts catch up.
        """
        kinds = np.full(len(days), "", dtype=object)
        if self.country is None or not len(days):
            return kinds
        public, optional = _holiday_dates(self.country, days.min().year - 1, days.max().year + 1)
        open_weekdays = np.ones(7, bool) if open_weekdays is None else open_weekdays
        one_day = pd.Timedelta(days=1)
        for i, day in enumerate(days):
            date = day.date()
            if date in public:
                kinds[i] = "holiday"
            elif date in optional:
                kinds[i] = "observance"
            elif (date + one_day) in public or (date + one_day) in optional:
                kinds[i] = "eve"
            else:
                before = day - one_day
                while not open_weekdays[before.day_of_week] and (day - before).days < 7:
                    before -= one_day
                if before.date() in public:
                    kinds[i] = "after"
        return kinds

    def event_multiplier(self, stamps: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """(multiplier, inside an event) for tz-aware interval starts; overlapping events multiply."""
        multiplier = np.ones(len(stamps))
        inside = np.zeros(len(stamps), bool)
        for start, end, factor in self.events[["start", "end", "expected_multiplier"]].itertuples(index=False):
            hit = np.asarray((stamps >= start) & (stamps < end))
            multiplier[hit] *= factor
            inside |= hit
        return multiplier, inside


def events_for_queue(events: pd.DataFrame | None, queue: str) -> pd.DataFrame | None:
    """The events that affect ``queue``: those naming it in ``queues``, and those naming none."""
    if events is None or "queues" not in events.columns:
        return events
    named = events["queues"].map(lambda text: {q.strip() for q in str(text).split(";") if q.strip()})
    return events[named.map(lambda queues: not queues or queue in queues)].reset_index(drop=True)


def holidays_between(country: str | None, first: object, last: object) -> pd.DataFrame:
    """Public holidays of ``country`` between two dates (inclusive): columns date, holiday."""
    if country is None:
        return pd.DataFrame(columns=["date", "holiday"])
    first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    calendar = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    rows = sorted((day, name) for day, name in calendar.items() if first <= day <= last)
    return pd.DataFrame(rows, columns=["date", "holiday"])
