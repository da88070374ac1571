"""Peaks of a forecast (or history): the busiest window of each day, and a weekday x hour heatmap.

Both take Frame A (``queue``, tz-aware ``interval_start``, ``volume``) and work in local
wall-clock time. :func:`daily_peaks` finds, per queue and local date, the ``window``-long
run of consecutive intervals with the most contacts. :func:`weekday_hour_heatmap` gives,
per queue, weekday and hour of day, the mean contacts per hour over the dates covered
(the hour repeated on the day the clocks go back counts as two hours).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.schema import WEEKDAYS

__all__ = ["DAY_LABELS", "daily_peaks", "heatmap_grid", "weekday_hour_heatmap"]

DAY_LABELS = tuple(day.title() for day in WEEKDAYS)  # the heatmap's weekday names: Mon ... Sun


def daily_peaks(frame: pd.DataFrame, *, window: str = "2h") -> pd.DataFrame:
    """Per queue and date: peak_start, peak_end (tz-aware), peak_volume (contacts in the window),
    share_of_day (peak_volume / the day's contacts) and the single busiest interval."""
    rows = []
    for (queue, date), day in frame.groupby([frame["queue"], frame["interval_start"].dt.date], sort=True):
        day = day.sort_values("interval_start")
        stamps = day["interval_start"].reset_index(drop=True)
        step = stamps.diff().min() if len(stamps) > 1 else pd.Timedelta(window)
        width = max(1, int(pd.Timedelta(window) / step))
        volume = day["volume"].to_numpy(float)
        sums = np.convolve(volume, np.ones(width), mode="valid") if len(volume) >= width else volume.sum(keepdims=True)
        first = int(np.argmax(sums))
        last = min(first + width, len(stamps)) - 1
        busiest = int(np.argmax(volume))
        total = volume.sum()
        rows.append({
            "queue": queue, "date": date.isoformat(), "peak_start": stamps[first], "peak_end": stamps[last] + step,
            "peak_volume": float(sums[first]), "share_of_day": float(sums[first] / total) if total > 0 else np.nan,
            "busiest_interval": stamps[busiest], "busiest_volume": float(volume[busiest]),
            "day_volume": float(total),
        })
    return pd.DataFrame(rows)


def weekday_hour_heatmap(frame: pd.DataFrame) -> pd.DataFrame:
    """Long table: queue, weekday (Mon..Sun), hour (0-23), volume_per_hour (mean over dates)."""
    wall = frame["interval_start"].dt.tz_localize(None)
    # the UTC offset tells the two 02:00 hours of the day the clocks go back apart
    offset = wall - frame["interval_start"].dt.tz_convert("UTC").dt.tz_localize(None)
    hourly = frame.assign(date=wall.dt.date, weekday=wall.dt.day_of_week, hour=wall.dt.hour, offset=offset) \
        .groupby(["queue", "date", "weekday", "hour", "offset"], sort=True)["volume"].sum().reset_index()
    table = hourly.groupby(["queue", "weekday", "hour"], sort=True)["volume"].mean().reset_index()
    table["weekday"] = [DAY_LABELS[d] for d in table["weekday"]]
    return table.rename(columns={"volume": "volume_per_hour"})


def heatmap_grid(heatmap: pd.DataFrame, queue: str) -> pd.DataFrame:
    """One queue of :func:`weekday_hour_heatmap`'s long table as weekday x hour (rows Mon..Sun)."""
    table = heatmap[heatmap["queue"] == queue].pivot(index="weekday", columns="hour", values="volume_per_hour")
    return table.reindex([day for day in DAY_LABELS if day in table.index])
