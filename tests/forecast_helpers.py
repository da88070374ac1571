"""Small, seeded synthetic histories for the forecast tests (no files, no network)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecast.grid import interval_starts

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def make_history(*, days: int = 35, minutes: int = 30, queues: tuple[str, ...] = ("chat",),
                 timezone: str = "Europe/Malta", start: str = "2026-03-02", seed: int = 0,
                 open_hours: tuple[int, int] | None = None, weekdays_only: bool = False,
                 peak: float = 40.0) -> pd.DataFrame:
    """Frame A with a daily double peak, quieter weekends and Poisson counts.

    ``open_hours=(7, 21)`` keeps only intervals from 07:00 to 21:00 local (a desk that
    closes at night); ``weekdays_only`` drops Saturdays and Sundays.
    """
    rng = np.random.default_rng(seed)
    index = interval_starts(pd.Timestamp(start), days, timezone, minutes)
    wall = index.tz_localize(None)
    hour = wall.hour + wall.minute / 60
    level = peak * (0.1 + np.exp(-0.5 * ((hour - 11) / 2) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 19) / 2) ** 2))
    level = level * np.where(wall.day_of_week >= 5, 0.6, 1.0)
    keep = np.ones(len(index), bool)
    if open_hours is not None:
        keep &= (hour >= open_hours[0]) & (hour < open_hours[1])
    if weekdays_only:
        keep &= wall.day_of_week < 5
    frames = []
    for queue in queues:
        volume = rng.poisson(level).astype(float)
        aht = np.where(volume > 0, 300 + 60 * np.cos(hour / 24 * 2 * np.pi) + rng.normal(0, 10, len(index)), np.nan)
        frames.append(pd.DataFrame({"queue": queue, "interval_start": index, "volume": volume,
                                    "aht_seconds": aht})[keep])
    return pd.concat(frames, ignore_index=True)


def iso(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ISO 8601 timestamps (with offset), as a CSV export has them."""
    return frame.assign(interval_start=frame["interval_start"].map(pd.Timestamp.isoformat))
