"""Intraday re-forecast against ratio-to-date and the unchanged morning forecast (docs/accuracy.md).

On each data set's last ``--days`` days with contacts (held out: each day's morning forecast
comes from the days before it, ``forecast.intraday.morning_forecast``, exactly as
``shiftcast intraday`` makes it), at 10:00, 12:00 and 14:00 local time, the rest of the day
is forecast three ways from the intervals so far:

- **morning**: the morning forecast unchanged;
- **ratio-to-date**: the morning forecast times actual so far / forecast so far (the
  industry default);
- **Shiftcast**: ``forecast.intraday.update_today`` (empirical-Bayes day level learned from
  the morning forecast's backtest, recency weights, single spikes capped).

Each is scored by the wMAPE of the rest of the day (sum |error| / sum actual over the
remaining intervals of every held-out day); the band's p10-p90 coverage is Shiftcast's.
30-minute intervals.

Run: ``python bench/bench_intraday.py`` (needs ../shared/data/real; about 3 minutes on 2
cores). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Config, ForecastSettings, Site  # noqa: E402
from forecast.ingest import ingest, read_source  # noqa: E402
from forecast.intraday import morning_forecast, ratio_to_date, update_today  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
DATASETS = {
    "Anonymous Bank 1999": ("anonymous_bank_1999_6min/anonymous_bank_1999_6min.csv.gz", "Asia/Jerusalem", "IL"),
    "fpp3 bank calls 2003": ("fpp3_bank_calls/bank_calls_5min.csv.gz", "America/New_York", "US"),
}
MINUTES = 30
HOURS = (10, 12, 14)


def score_day(history: pd.DataFrame, day: pd.Timestamp, config: Config) -> tuple[dict, float]:
    """Per update hour: (sum actual, sum |error| of each method, intervals inside the band) of
    the rest of DAY; and the seconds the morning forecast took."""
    started = time.perf_counter()
    morning = morning_forecast(history, day, config)
    seconds = time.perf_counter() - started
    local = history["interval_start"].dt.tz_localize(None)
    today = history[local.dt.normalize() == day]
    found = {}
    for hour in HOURS:
        now = pd.Timestamp(day + pd.Timedelta(hours=hour)).tz_localize(config.site.timezone)
        updated = update_today(morning, today[today["interval_start"] < now], now)
        rows = morning.forecast.merge(today[["queue", "interval_start", "volume"]].rename(columns={"volume": "actual"}),
                                      on=["queue", "interval_start"], how="left").fillna({"actual": 0.0})
        before, rest = rows[rows["interval_start"] < now], rows[rows["interval_start"] >= now]
        if rest.empty or before["volume"].sum() <= 0:
            continue
        ratio = ratio_to_date(before["actual"].to_numpy(), before["volume"].to_numpy())
        ours = rest[["queue", "interval_start", "actual"]].merge(updated, on=["queue", "interval_start"])
        actual = rest["actual"].to_numpy()
        found[hour] = {"actual": actual.sum(), "morning": np.abs(rest["volume"].to_numpy() - actual).sum(),
                       "ratio-to-date": np.abs(ratio * rest["volume"].to_numpy() - actual).sum(),
                       "shiftcast": np.abs(ours["volume"] - ours["actual"]).sum(),
                       "inside": ((ours["actual"] >= ours["volume_p10"]) & (ours["actual"] <= ours["volume_p90"])).sum(),
                       "intervals": len(ours)}
    return found, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28, help="held-out days per data set")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    print("| data set | update at | days | morning | ratio-to-date | Shiftcast | vs ratio-to-date | vs morning "
          "| p10-p90 coverage |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, (path, timezone, country) in DATASETS.items():
        if not (REAL / path).is_file():
            print(f"| {name} | not found: {REAL / path} (../shared beside the checkout) |")
            continue
        history = ingest(read_source(REAL / path), timezone=timezone, interval_minutes=MINUTES).frame
        config = Config(site=Site(timezone=timezone, country=country), forecast=ForecastSettings(folds=4))
        local = history["interval_start"].dt.tz_localize(None).dt.normalize()
        busy = history.groupby(local)["volume"].sum()
        days = busy[busy > 0].index[-args.days:]
        totals: dict[int, dict[str, float]] = {}
        seconds = []
        for day in days:
            found, took = score_day(history, day, config)
            seconds.append(took)
            for hour, figures in found.items():
                total = totals.setdefault(hour, {"days": 0})
                total["days"] += 1
                for key, value in figures.items():
                    total[key] = total.get(key, 0.0) + value
        for hour, total in sorted(totals.items()):
            wmape = {m: total[m] / total["actual"] for m in ("morning", "ratio-to-date", "shiftcast")}
            print(f"| {name} | {hour:02d}:00 | {total['days']} | {wmape['morning']:.3f} | {wmape['ratio-to-date']:.3f} "
                  f"| {wmape['shiftcast']:.3f} | {wmape['shiftcast'] / wmape['ratio-to-date'] - 1:+.1%} "
                  f"| {wmape['shiftcast'] / wmape['morning'] - 1:+.1%} | {total['inside'] / total['intervals']:.1%} |")
        print(f"| {name} | morning forecast and update model: median {np.median(seconds):.1f} s |  |  |  |  |  |  |  |")


if __name__ == "__main__":
    main()
