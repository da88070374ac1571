"""Handle-time forecast: a recency-weighted profile by interval of the week.

For each weekday and slot, the forecast AHT is the mean of the last ``weeks`` weeks' AHT
at that slot, weighted by the contacts handled (volume) and by recency
(``0.5 ** (weeks old / halflife_weeks)``). Slots with no contacts in that window fall back
to the same slot on any weekday, then to the queue's overall weighted mean, so every
forecast interval gets a positive AHT. Input and output are seconds per contact.
"""

from __future__ import annotations

import numpy as np

from forecast.grid import Grid

__all__ = ["forecast_aht"]


def forecast_aht(grid: Grid, n_days: int, *, weeks: int = 8, halflife_weeks: float = 4.0) -> np.ndarray | None:
    """(n_days, slots) AHT in seconds for the days after the grid; None if it has no AHT."""
    if grid.aht_seconds is None:
        return None
    usable = np.isfinite(grid.aht_seconds) & np.isfinite(grid.values) & (grid.values > 0)
    if not usable.any():
        return None
    start = max(0, grid.n_days - 7 * weeks)
    age_weeks = (grid.n_days - 1 - np.arange(start, grid.n_days)) // 7
    weight = np.where(usable[start:], grid.values[start:], 0.0) * 0.5 ** (age_weeks / halflife_weeks)[:, None]
    seconds = np.where(usable[start:], grid.aht_seconds[start:], 0.0) * weight
    weekdays = grid.weekdays(start)
    by_weekday_w = np.zeros((7, grid.slots))
    by_weekday_s = np.zeros((7, grid.slots))
    np.add.at(by_weekday_w, weekdays, weight)
    np.add.at(by_weekday_s, weekdays, seconds)
    all_w, all_s = weight.sum(axis=0), seconds.sum(axis=0)
    overall = all_s.sum() / all_w.sum() if all_w.sum() > 0 else np.average(grid.aht_seconds[usable])
    with np.errstate(invalid="ignore", divide="ignore"):
        by_slot = np.where(all_w > 0, all_s / all_w, overall)
        profile = np.where(by_weekday_w > 0, by_weekday_s / by_weekday_w, by_slot[None, :])
    return profile[grid.weekdays(grid.n_days, n_days)]
