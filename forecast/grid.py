"""Array layer: one queue's intervals as a day x slot matrix in local wall-clock time.

Models work on a :class:`Grid`: ``values[d, s]`` is the volume of local day ``d`` in
wall-clock slot ``s`` (slot = minutes after local midnight // interval minutes), NaN where
the history has no row. Working in wall-clock slots keeps a customer's 09:00 at 09:00
across DST changes:

- the day clocks go forward has no rows in the skipped slots (they stay NaN and are never
  forecast: the day has 23 hours);
- the day clocks go back has two intervals in the repeated slots; the matrix holds their
  mean and both get that slot's forecast (the day has 25 hours).

``open_cells[weekday, s]`` says which slots of each weekday the desk works: slots that
never appear in the history (nights, weekends of a desk that closes) are closed, get no
volume and are not forecast; open slots without a row are data gaps.
:func:`interval_starts` and :meth:`Grid.to_frame` turn days back into real,
timezone-aware interval starts, so a forecast has 23 or 25 hours on DST days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.schema import DEFAULT_QUEUE

__all__ = ["Grid", "interval_keys", "interval_starts", "open_cells", "wall_positions"]

OPEN_SHARE = 0.5  # a weekday's slot is open if it has a row on at least half of that weekday's days with data


def interval_keys(stamps: pd.Series, minutes: int, *, closed: str = "left") -> pd.Series:
    """Start of the local ``minutes``-long interval holding each tz-aware timestamp.

    Floors the wall-clock time and keeps the UTC offset, so the two 02:00 intervals of
    the night clocks go back stay apart. ``closed="right"`` puts a time exactly on a
    boundary into the interval before it (as ACDs that report right-closed bins do).
    """
    if closed == "right":
        stamps = stamps - pd.Timedelta(microseconds=1)
    wall = stamps.dt.tz_localize(None)
    return stamps - (wall - wall.dt.floor(f"{minutes}min"))


def interval_starts(first_day: pd.Timestamp, n_days: int, timezone: str, minutes: int) -> pd.DatetimeIndex:
    """Every interval start of the local days ``[first_day, first_day + n_days)``, tz-aware.

    Steps in real time from local midnight to local midnight, so a day has 23 or 25 hours
    when the clocks change.
    """
    start = pd.Timestamp(first_day).tz_localize(timezone, nonexistent="shift_forward")
    end = (pd.Timestamp(first_day) + pd.Timedelta(days=n_days)).tz_localize(timezone, nonexistent="shift_forward")
    return pd.date_range(start, end, freq=f"{minutes}min", inclusive="left")


def wall_positions(stamps: pd.DatetimeIndex | pd.Series, minutes: int) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """(local calendar day as naive midnight, wall-clock slot) of each tz-aware timestamp."""
    wall = pd.DatetimeIndex(stamps).tz_localize(None)
    day = wall.normalize()
    slot = ((wall - day) // pd.Timedelta(minutes=minutes)).to_numpy().astype(np.int64)
    return day, slot


def open_cells(weekly_hours: Sequence[tuple[int, int] | None] | None, minutes: int) -> np.ndarray | None:
    """(7, slots) open mask from ``weekly_hours``: per weekday (0 = Monday) the opening
    (start, end) in minutes after midnight, or None when closed; None: open all week."""
    if weekly_hours is None:
        return None
    slots = 1440 // minutes
    starts = np.arange(slots) * minutes
    mask = np.zeros((7, slots), bool)
    for weekday, hours in enumerate(weekly_hours):
        if hours is not None:
            mask[weekday] = (starts >= hours[0]) & (starts < hours[1])
    return mask


@dataclass(frozen=True)
class Grid:
    """One queue's history as a (days, slots) matrix of local wall-clock intervals.

    ``values`` and ``aht_seconds`` have shape (n_days, 1440 // interval_minutes); NaN
    means no row. ``first_day`` is the naive local date of row 0. ``open_cells`` has
    shape (7, slots), weekday 0 = Monday.
    """

    queue: str
    timezone: str
    interval_minutes: int
    first_day: pd.Timestamp
    values: np.ndarray
    aht_seconds: np.ndarray | None
    open_cells: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, timezone: str, interval_minutes: int,
                   open_cells: np.ndarray | None = None) -> Grid:
        """Build the grid of a validated, single-queue Frame A.

        ``open_cells`` (7, slots) overrides the opening hours inferred from the rows.
        """
        slots = 1440 // interval_minutes
        day, slot = wall_positions(frame["interval_start"].dt.tz_convert(timezone), interval_minutes)
        first_day = day.min()
        row = ((day - first_day).days).to_numpy()
        n_days = int(row.max()) + 1
        volume = frame["volume"].to_numpy(float)
        counts = np.zeros((n_days, slots))
        sums = np.zeros((n_days, slots))
        np.add.at(counts, (row, slot), 1.0)
        np.add.at(sums, (row, slot), volume)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(counts > 0, sums / counts, np.nan)
            aht = None
            if "aht_seconds" in frame.columns:
                handled = np.zeros((n_days, slots))
                weighted = frame["aht_seconds"].to_numpy(float) * volume
                usable = np.isfinite(weighted)
                np.add.at(handled, (row[usable], slot[usable]), volume[usable])
                seconds = np.zeros((n_days, slots))
                np.add.at(seconds, (row[usable], slot[usable]), weighted[usable])
                aht = np.where(handled > 0, seconds / handled, np.nan)
        queue = str(frame["queue"].iloc[0]) if "queue" in frame.columns else DEFAULT_QUEUE
        grid = cls(queue, timezone, interval_minutes, first_day, values, aht, np.ones((7, slots), bool))
        return replace(grid, open_cells=grid.inferred_open_cells() if open_cells is None else open_cells)

    @property
    def n_days(self) -> int:
        return self.values.shape[0]

    @property
    def slots(self) -> int:
        return self.values.shape[1]

    @property
    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.first_day, periods=self.n_days, freq="D")

    def weekdays(self, start: int = 0, n_days: int | None = None) -> np.ndarray:
        """Weekday (0 = Monday) of days ``start .. start + n_days`` (may run past the history)."""
        n_days = self.n_days - start if n_days is None else n_days
        return (self.first_day.day_of_week + start + np.arange(n_days)) % 7

    def open_mask(self, start: int = 0, n_days: int | None = None) -> np.ndarray:
        """(n_days, slots) bool: open cells of days ``start ..`` (may run past the history)."""
        return self.open_cells[self.weekdays(start, n_days)]

    def observed(self) -> np.ndarray:
        """(n_days, slots) bool: open cells that have a row."""
        return np.isfinite(self.values) & self.open_mask()

    def inferred_open_cells(self) -> np.ndarray:
        """(7, slots) bool: slots with a row on at least half of that weekday's days with data."""
        has_row = np.isfinite(self.values)
        with_data = has_row.any(axis=1)
        weekdays = self.weekdays()
        cells = np.zeros((7, self.slots), bool)
        for weekday in range(7):
            days = has_row[(weekdays == weekday) & with_data]
            if len(days):
                cells[weekday] = days.mean(axis=0) >= OPEN_SHARE
        return cells

    def extend(self, n_days: int) -> Grid:
        """The grid with ``n_days`` more days without rows (data gaps where the desk is open)."""
        pad = np.full((n_days, self.slots), np.nan)
        aht = None if self.aht_seconds is None else np.vstack([self.aht_seconds, pad])
        return replace(self, values=np.vstack([self.values, pad]), aht_seconds=aht)

    def head(self, n_days: int) -> Grid:
        """The first ``n_days`` days (a training window in a backtest)."""
        aht = None if self.aht_seconds is None else self.aht_seconds[:n_days]
        return replace(self, values=self.values[:n_days], aht_seconds=aht)

    def to_frame(self, columns: dict[str, np.ndarray], start: int, n_days: int,
                 until: pd.Timestamp | None = None) -> pd.DataFrame:
        """Frame A rows for the open intervals of days ``start .. start + n_days``.

        ``columns`` maps a column name to a (n_days, slots) matrix; ``until`` (tz-aware)
        drops intervals starting at or after it.
        """
        first = self.first_day + pd.Timedelta(days=start)
        index = interval_starts(first, n_days, self.timezone, self.interval_minutes)
        day, slot = wall_positions(index, self.interval_minutes)
        row = ((day - first).days).to_numpy()
        keep = self.open_mask(start, n_days)[row, slot]
        if until is not None:
            keep &= np.asarray(index < until)
        frame = pd.DataFrame({"queue": self.queue, "interval_start": index[keep]})
        for name, matrix in columns.items():
            frame[name] = matrix[row[keep], slot[keep]]
        return frame
