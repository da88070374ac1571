"""Shift templates: every shift the ``[shifts]`` rules allow in one week, and what it covers.

A template is one start interval of the week, one length and (for shifts long enough to
need one) one break position. The week is cyclic: ``T = 7 * 1440 / interval_minutes``
intervals, numbered from the plan week's first local midnight, and a shift that runs past
the end of the week covers the first intervals of the same week (the pattern repeats, so
Sunday's night shift is also the shift that covers Monday 00:00-06:00).

Times are wall-clock minutes in the site's zone; on the two DST nights of a year a shift
is an hour longer or shorter in real time than its wall-clock length (not modelled).
Breaks are paid and non-covering: an agent on break is on duty (counts against
``max_agents`` and is paid) but takes no contacts. One break per shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.config import ShiftRules, parse_clock
from core.errors import InputError

__all__ = ["ShiftTemplates", "build_templates", "night_minutes"]

MINUTES_PER_DAY = 1440
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class ShiftTemplates:
    """Every allowed shift of one week as parallel arrays of shape (J,).

    ``start_slot``: index of the shift's first interval in the week; ``length_slots``:
    intervals from start to end; ``break_offset_slots`` and ``break_slots``: where the
    break starts (intervals after the shift's start) and how long it is (0: no break);
    ``paid_hours`` and ``night_hours`` per agent; ``cost`` per agent (``cost_per_shift +
    cost_per_hour x (paid_hours + night_premium x night_hours)``).
    """

    interval_minutes: int
    start_slot: np.ndarray
    length_slots: np.ndarray
    break_offset_slots: np.ndarray
    break_slots: np.ndarray
    paid_hours: np.ndarray
    night_hours: np.ndarray
    cost: np.ndarray

    @property
    def slots_per_week(self) -> int:
        """Intervals in the cyclic week, T."""
        return DAYS_PER_WEEK * MINUTES_PER_DAY // self.interval_minutes

    def __len__(self) -> int:
        return self.start_slot.size

    def _matrix(self, *, skip_breaks: bool) -> sp.csc_array:
        col = np.repeat(np.arange(len(self)), self.length_slots)
        offset = np.arange(col.size) - np.repeat(np.cumsum(self.length_slots) - self.length_slots, self.length_slots)
        if skip_breaks:  # leave out the intervals of each template's break
            begin = self.break_offset_slots[col]
            keep = (offset < begin) | (offset >= begin + self.break_slots[col])
            col, offset = col[keep], offset[keep]
        row = (self.start_slot[col] + offset) % self.slots_per_week
        return sp.csc_array((np.ones(row.size), (row, col)), shape=(self.slots_per_week, len(self)))

    def working_matrix(self) -> sp.csc_array:
        """(T, J) 0/1 matrix: 1 where an agent on template j works interval t (not on break)."""
        return self._matrix(skip_breaks=True)

    def on_duty_matrix(self) -> sp.csc_array:
        """(T, J) 0/1 matrix: 1 where an agent on template j is on duty at t, breaks included."""
        return self._matrix(skip_breaks=False)


def night_minutes(start_minutes: np.ndarray, length_minutes: np.ndarray, night: tuple[str, str]) -> np.ndarray:
    """Minutes of each shift ``[start, start + length)`` (minutes after a midnight, length
    up to a day) that fall inside the nightly window ``night = (start, end)`` clock times."""
    begin, end = parse_clock(night[0]) % MINUTES_PER_DAY, parse_clock(night[1]) % MINUTES_PER_DAY
    clock = np.arange(3 * MINUTES_PER_DAY) % MINUTES_PER_DAY
    is_night = (clock >= begin) & (clock < end) if begin < end else (clock >= begin) | (clock < end)
    cumulative = np.concatenate([[0], np.cumsum(is_night)])
    start = np.asarray(start_minutes) % MINUTES_PER_DAY
    return cumulative[start + np.asarray(length_minutes)] - cumulative[start]


def _slots(minutes: float, interval_minutes: int, setting: str) -> int:
    """``minutes`` as a whole number of intervals, or an error naming the setting."""
    slots = minutes / interval_minutes
    if abs(slots - round(slots)) > 1e-9:
        raise InputError(
            f"{setting} must be a whole number of the requirements' {interval_minutes}-minute intervals; "
            f"got {minutes:g} minutes; change the setting or use finer intervals"
        )
    return round(slots)


def _start_clocks(rules: ShiftRules, interval_minutes: int) -> np.ndarray:
    """Allowed start times of day in minutes; the window wraps midnight when latest < earliest."""
    step = rules.start_step_minutes
    _slots(step, interval_minutes, "shifts.start_step_minutes")
    earliest = parse_clock(rules.earliest_start) % MINUTES_PER_DAY
    _slots(earliest, interval_minutes, "shifts.earliest_start")
    span = (parse_clock(rules.latest_start) - earliest) % MINUTES_PER_DAY
    clocks = (earliest + step * np.arange(span // step + 1)) % MINUTES_PER_DAY
    return np.unique(clocks)


def build_templates(rules: ShiftRules, interval_minutes: int) -> ShiftTemplates:
    """All shift templates of a week for the ``[shifts]`` rules on ``interval_minutes`` intervals.

    Every start clock in the start window, on each of the 7 days, times every length,
    times every break start inside ``break_window_hours`` (on the interval grid) that ends
    before the shift does. Raises :class:`InputError` when a setting is not a whole number
    of intervals or a shift that needs a break has no room for it.
    """
    clocks = _start_clocks(rules, interval_minutes)
    starts = (np.arange(DAYS_PER_WEEK)[:, None] * MINUTES_PER_DAY + clocks[None, :]).ravel() // interval_minutes
    window_low, window_high = (hours * 60 for hours in rules.break_window_hours)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("start", "length", "offset", "break")}
    for hours in sorted(set(rules.lengths_hours)):
        length = _slots(hours * 60, interval_minutes, f"shifts.lengths_hours value {hours:g}")
        break_minutes = rules.break_for(hours)
        if break_minutes:
            pause = _slots(break_minutes, interval_minutes, f"shifts.break_minutes for {hours:g} h shifts")
            offsets = [o for o in range(length) if window_low <= o * interval_minutes <= window_high
                       and o + pause <= length]
            if not offsets:
                raise InputError(
                    f"a {hours:g} h shift needs a {break_minutes}-minute break, but no break start in "
                    f"shifts.break_window_hours {list(rules.break_window_hours)} fits inside it; "
                    f"widen the window or change break_minutes"
                )
        else:
            pause, offsets = 0, [0]
        for offset in offsets:
            parts["start"].append(starts)
            parts["length"].append(np.full(starts.size, length))
            parts["offset"].append(np.full(starts.size, offset))
            parts["break"].append(np.full(starts.size, pause))
    start, length, offset, pause = (np.concatenate(parts[k]).astype(np.int64) for k in ("start", "length", "offset", "break"))
    paid_hours = length * interval_minutes / 60
    night = night_minutes(start * interval_minutes, length * interval_minutes, rules.night_hours) / 60
    cost = rules.cost_per_shift + rules.cost_per_hour * (paid_hours + rules.night_premium * night)
    return ShiftTemplates(interval_minutes, start, length, offset, pause, paid_hours, night, cost)
