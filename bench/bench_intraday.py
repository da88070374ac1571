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

Then the moves' speed: ``staffing.intraday.propose_moves`` for a 200-agent day (one queue,
8-hour shifts starting every 30 minutes from 06:00 to 14:00, a 30-minute break each,
40-hour contracts with 32 rostered, a 35% surge from 14:00 to 18:00, updated at 12:00):
median of 5 runs, candidates, moves and the shortfall recovered.

Run: ``python bench/bench_intraday.py`` (needs ../shared/data/real for the table; about 4
minutes on 2 cores). Prints a Markdown table.
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

from core.config import Config  # noqa: E402
from bench.real_sets import DATASETS, REAL, load  # noqa: E402
from forecast.intraday import morning_forecast, ratio_to_date, update_today  # noqa: E402
from staffing.intraday import propose_moves, staffing_gap  # noqa: E402

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


def moves_day(agents: int) -> tuple:
    """(gap, roster, agents table, config, now) of the 200-agent day in the module docstring."""
    day = pd.Timestamp("2026-03-02", tz="UTC")
    config = Config.model_validate({"site": {"timezone": "UTC"}, "queues": {"calls": {"shrinkage": 0.0}}})
    rows = []
    for i in range(agents):
        start = day + pd.Timedelta(hours=6, minutes=30 * (i % 17))
        pause = start + pd.Timedelta(hours=3, minutes=15 * (i % 8))
        for offset in (0, 1):
            rows.append({"agent": f"agent-{i:03d}", "queue": "calls", "start": start + pd.Timedelta(days=offset),
                         "end": start + pd.Timedelta(days=offset, hours=8), "paid_hours": 16.0,
                         "breaks": f"{pause:%H:%M}-{pause + pd.Timedelta(minutes=30):%H:%M}"})
    roster = pd.DataFrame(rows)
    stamps = pd.date_range(day + pd.Timedelta(hours=6), day + pd.Timedelta(hours=22, minutes=30), freq="15min",
                           inclusive="left")
    today = roster[roster["start"] < day + pd.Timedelta(days=1)]
    pauses = pd.to_datetime("2026-03-02 " + today["breaks"].str[:5]).dt.tz_localize("UTC")
    on_duty = [int(((today["start"] <= t) & (t < today["end"])).sum()
                   - ((pauses <= t) & (t < pauses + pd.Timedelta(minutes=30))).sum()) for t in stamps]
    coverage = pd.DataFrame({"queue": "calls", "interval_start": stamps, "planned": on_duty})
    volume = np.array(on_duty, float) * 2.2 * np.where((stamps.hour >= 14) & (stamps.hour < 18), 1.35, 1.0)
    now = day + pd.Timedelta(hours=12)
    rest = pd.DataFrame({"queue": "calls", "interval_start": stamps, "volume": volume, "aht_seconds": 300.0})
    gap = staffing_gap(rest[rest["interval_start"] >= now], coverage, config, interval_seconds=900)
    table = pd.DataFrame({"agent": sorted(roster["agent"].unique()), "contract_hours_per_week": 40})
    return gap, roster, table, config, now


def moves_speed(agents: int = 200, runs: int = 5) -> None:
    gap, roster, table, config, now = moves_day(agents)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        moves = propose_moves(gap, roster, config, now=now, interval_seconds=900, agents=table)
        seconds.append(time.perf_counter() - started)
    print(f"\nMoves for a {agents}-agent day: median {np.median(seconds):.2f} s of {runs} "
          f"({', '.join(f'{s:.2f}' for s in seconds)}); {len(moves.moves)} moves ({moves.status}); below target "
          f"{moves.shortfall_before * 100:.1f} -> {moves.shortfall_after * 100:.1f} points; "
          f"{gap['agents_short'].sum():.0f} agent-intervals short before")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28, help="held-out days per data set")
    parser.add_argument("--data", default="", help="only the data sets whose name starts with this")
    parser.add_argument("--moves-only", action="store_true", help="only the moves' speed")
    args = parser.parse_args()
    if args.moves_only:
        moves_speed()
        return
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    print("| data set | update at | days | morning | ratio-to-date | Shiftcast | vs ratio-to-date | vs morning "
          "| p10-p90 coverage |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in DATASETS:
        if not name.startswith(args.data):
            continue
        loaded = load(name)
        if loaded is None:
            print(f"| {name} | not found in {REAL} (../shared beside the checkout) |")
            continue
        history, config = loaded
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
    moves_speed()


if __name__ == "__main__":
    main()
