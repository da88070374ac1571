"""Forecast accuracy by lead time on the real data sets, from stored snapshots (docs/accuracy.md).

A replay of how a desk uses Shiftcast: every ``--step`` days over the data set's last
``--origins`` weeks, ``forecast.runner.forecast_queues`` forecasts 15 days from the
history before that day (exactly as ``shiftcast forecast`` would, with its own backtest
and choice), and the forecast is stored as a snapshot in a real store (``core.store``, a
SQLite file in a temporary folder); the data set's intervals are stored as actuals. Then
``review.accuracy.accuracy_by_lead``, the code behind ``shiftcast review``'s accuracy.csv,
scores every snapshot at 0, 1, 7 and 14 days ahead: wMAPE and bias beside the Poisson
floor and the seasonal naive forecast (the same interval a week earlier) on the same
intervals.

Run: ``python bench/bench_lead.py`` (needs ../shared/data/real; about a minute).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.store import ACTUAL_COLUMNS, Store  # noqa: E402
from bench.real_sets import DATASETS, REAL, load  # noqa: E402
from core.config import Config  # noqa: E402
from forecast.runner import forecast_queues  # noqa: E402
from review.accuracy import accuracy_by_lead  # noqa: E402

HORIZON_DAYS = 15


def replay(history: pd.DataFrame, config: Config, store: Store, origins: int, step_days: int) -> list[float]:
    """Store a forecast made at each of ORIGINS days, STEP_DAYS apart, ending HORIZON_DAYS
    before the history's last day; the seconds each took."""
    days = history["interval_start"].dt.tz_localize(None).dt.normalize()
    last_origin = days.max() - pd.Timedelta(days=HORIZON_DAYS - 1)
    seconds = []
    for k in reversed(range(origins)):
        origin = last_origin - pd.Timedelta(days=k * step_days)
        started = time.perf_counter()
        result = forecast_queues(history[days < origin], horizon=f"{HORIZON_DAYS}D", config=config)
        seconds.append(time.perf_counter() - started)
        store.save_forecast(result.forecast, command="replay")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=24, help="forecast origins per data set")
    parser.add_argument("--step", type=int, default=3, help="days between origins (not a multiple of 7, so every lead sees every weekday)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    print("| data set | lead (days) | intervals | wMAPE | bias | Poisson floor | seasonal naive | value added |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in DATASETS:
        loaded = load(name)
        if loaded is None:
            print(f"| {name} | not found in {REAL} (../shared beside the checkout) |")
            continue
        history, config = loaded
        timezone = config.site.timezone
        with tempfile.TemporaryDirectory() as folder:
            store = Store(f"sqlite:///{folder}/replay.db")
            seconds = replay(history, config, store, args.origins, args.step)
            counts = history.rename(columns={"volume": "offered"})  # an interval export: volumes only
            store.save_actuals(counts.assign(**{c: np.nan for c in ACTUAL_COLUMNS if c not in counts.columns}))
            table = accuracy_by_lead(store.forecasts(timezone), store.actuals(timezone))
        for row in table.itertuples():
            print(f"| {name} | {row.lead_days} | {row.intervals:,} | {row.wmape:.3f} | {row.bias:+.3f} | "
                  f"{row.poisson_floor:.3f} | {row.seasonal_naive_wmape:.3f} | {row.value_added:+.1%} |")
        print(f"| {name} | {args.origins} origins, {args.step} days apart: median {np.median(seconds):.1f} s per "
              f"forecast |  |  |  |  |  |  |")


if __name__ == "__main__":
    main()
