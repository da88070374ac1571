"""Cleaning: gaps, outliers and incident surges, holidays; the training matrix models see.

Every cell of a queue's :class:`~forecast.grid.Grid` gets one flag:

- ``closed``: the desk does not work then (or the wall-clock time was skipped by DST);
  volume 0 in training, never forecast;
- ``gap``: open but no row (a lost export, a holiday missing from the file); filled with
  the seasonal baseline for training only, never read as zero;
- ``holiday``: a public holiday or its eve (:class:`~forecast.calendar.Calendar`); replaced
  by the baseline for training, and its effect is learned as a day factor instead;
- ``event``: inside a user event (an outage, a token listing); replaced when
  ``exclude_outliers``;
- ``outlier``: a robust residual against the seasonal baseline beyond ``threshold``
  (incident surges, dropped feeds); replaced when ``exclude_outliers``;
- ``observed``: used as is.

The seasonal baseline of a cell is the median of the same weekday and slot in up to four
weeks before and after it. Residuals are standardised with a negative-binomial scale,
``(y - b) / sqrt(b + kappa * b**2 + 1)``, then by their median absolute deviation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.calendar import DAY_KINDS, Calendar
from forecast.grid import Grid, interval_starts, wall_positions

__all__ = ["FLAGS", "OUTLIER_THRESHOLD", "Training", "cleaning_summary", "prepare", "robust_scores",
           "seasonal_baseline"]

FLAGS = ("observed", "closed", "gap", "holiday", "event", "outlier")
BASELINE_WEEKS = 4
OUTLIER_THRESHOLD = 5.0  # robust standard deviations
MAD_TO_SD = 1.4826


def seasonal_baseline(values: np.ndarray, weeks: int = BASELINE_WEEKS) -> np.ndarray:
    """(days, slots) median of the same slot ``7, 14, .., 7 * weeks`` days before and after; NaN-aware."""
    n_days = values.shape[0]
    stack = np.full((2 * weeks,) + values.shape, np.nan)
    for k in range(1, weeks + 1):
        lag = 7 * k
        if lag < n_days:
            stack[2 * k - 2, lag:] = values[:-lag]
            stack[2 * k - 1, :-lag] = values[lag:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN stacks give NaN, as intended
        return np.nanmedian(stack, axis=0)


def _fallback(baseline: np.ndarray, values: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Fill a NaN baseline from the weekday-slot median, then the slot median, then 0."""
    filled = baseline.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for weekday in range(7):
            rows = weekdays == weekday
            if rows.any():
                median = np.nanmedian(values[rows], axis=0)
                filled[rows] = np.where(np.isnan(filled[rows]), median, filled[rows])
        filled = np.where(np.isnan(filled), np.nanmedian(values, axis=0), filled)
    return np.nan_to_num(filled, nan=0.0)


def robust_scores(values: np.ndarray, baseline: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Standardised residuals against the baseline (NaN where not ``usable``)."""
    error = values - baseline
    both = usable & np.isfinite(error)
    if not both.any():
        return np.full(values.shape, np.nan)
    excess = np.median(error[both] ** 2 - baseline[both])
    kappa = max(0.0, excess / max(np.median(baseline[both] ** 2), 1e-9))
    scaled = error / np.sqrt(baseline + kappa * baseline**2 + 1.0)
    centre = np.median(scaled[both])
    spread = MAD_TO_SD * np.median(np.abs(scaled[both] - centre))
    return np.where(both, (scaled - centre) / max(spread, 1e-9), np.nan)


@dataclass(frozen=True)
class Training:
    """A grid prepared for fitting: ``values`` (days, slots) cleaned, ``flags`` (days, slots)
    indices into :data:`FLAGS`, ``day_factors`` kind -> learned volume factor."""

    grid: Grid
    values: np.ndarray
    flags: np.ndarray
    day_factors: dict[str, float]
    calendar: Calendar

    def flag_names(self) -> np.ndarray:
        return np.asarray(FLAGS, dtype=object)[self.flags]

    def adjustment(self, n_days: int) -> np.ndarray:
        """(n_days, slots) multipliers for the days after the history: day factors x events."""
        grid = self.grid
        first = grid.first_day + pd.Timedelta(days=grid.n_days)
        days = pd.date_range(first, periods=n_days, freq="D")
        kinds = self.calendar.day_kinds(days, grid.open_cells.any(axis=1))
        factor = np.array([self.day_factors.get(kind, 1.0) for kind in kinds])
        multiplier = np.repeat(factor[:, None], grid.slots, axis=1)
        if len(self.calendar.events):
            stamps = interval_starts(first, n_days, grid.timezone, grid.interval_minutes)
            event_factor, _ = self.calendar.event_multiplier(stamps)
            day, slot = wall_positions(stamps, grid.interval_minutes)
            multiplier[(day - first).days.to_numpy(), slot] *= event_factor
        return multiplier


def _cells(grid: Grid, calendar: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """(days, slots) bool masks: the wall-clock cells that exist (not skipped by DST), and
    those inside a user event."""
    stamps = interval_starts(grid.first_day, grid.n_days, grid.timezone, grid.interval_minutes)
    day, slot = wall_positions(stamps, grid.interval_minutes)
    row = (day - grid.first_day).days.to_numpy()
    exists = np.zeros(grid.values.shape, bool)
    exists[row, slot] = True
    events = np.zeros(grid.values.shape, bool)
    if len(calendar.events):
        _, inside = calendar.event_multiplier(stamps)
        events[row[inside], slot[inside]] = True
    return exists, events


def prepare(grid: Grid, calendar: Calendar | None = None, *, exclude_outliers: bool = True,
            threshold: float = OUTLIER_THRESHOLD) -> Training:
    """Flag every cell, learn holiday factors and build the cleaned training matrix."""
    calendar = calendar or Calendar()
    open_mask = grid.open_mask()
    observed = grid.observed()
    raw = np.where(observed, grid.values, np.nan)
    kinds = calendar.day_kinds(grid.days, grid.open_cells.any(axis=1))
    special_day = np.isin(kinds, DAY_KINDS)
    ordinary = np.where(special_day[:, None], np.nan, raw)
    baseline = _fallback(seasonal_baseline(ordinary), ordinary, grid.weekdays())

    flags = np.zeros(grid.values.shape, np.int8)
    scores = robust_scores(raw, baseline, observed & ~special_day[:, None])
    flags[np.abs(np.nan_to_num(scores)) > threshold] = FLAGS.index("outlier")
    exists, events = _cells(grid, calendar)
    flags[events & observed] = FLAGS.index("event")
    flags[special_day[:, None] & observed] = FLAGS.index("holiday")
    flags[open_mask & ~observed] = FLAGS.index("gap")
    flags[~open_mask | ~exists] = FLAGS.index("closed")

    factors = {}
    for kind in DAY_KINDS:
        ratios = []
        for day in np.flatnonzero(kinds == kind):
            seen = observed[day]
            if seen.sum() >= 0.5 * open_mask[day].sum() > 0 and baseline[day, seen].sum() > 0:
                ratios.append(raw[day, seen].sum() / baseline[day, seen].sum())
        if ratios:
            factors[kind] = float(np.median(ratios))

    replaced = [FLAGS.index("gap"), FLAGS.index("holiday")]
    if exclude_outliers:
        replaced += [FLAGS.index("event"), FLAGS.index("outlier")]
    # cells skipped by DST get the baseline too, so weekly models see no hole a week later
    values = np.where(np.isin(flags, replaced) | ~exists, baseline, raw)
    values = np.where(open_mask, np.nan_to_num(values, nan=0.0), 0.0)
    return Training(grid, values, flags, factors, calendar)


def cleaning_summary(training: Training) -> dict[str, object]:
    """What cleaning found in one queue's history: interval counts per flag and the learned day factors."""
    counts = np.bincount(training.flags.ravel(), minlength=len(FLAGS))
    summary: dict[str, object] = {"queue": training.grid.queue, "days": training.grid.n_days}
    summary |= {f"{flag}_intervals": int(count) for flag, count in zip(FLAGS, counts) if flag != "closed"}
    summary |= {f"{kind}_factor": round(training.day_factors[kind], 3) if kind in training.day_factors else None
                for kind in DAY_KINDS}
    return summary
