"""Forecast accuracy and speed on the real data sets in ../shared/data/real (docs/accuracy.md).

For each data set (30-minute intervals) and horizon (1 and 7 days), rolling origins
(``--folds`` of them, 3 days apart for 1 day ahead and 7 days apart for 7 days ahead)
score, on the open intervals that have data:

- the two bars, computed from the raw data with no cleaning and no calendar: weekly
  seasonal naive (the same slot a week earlier, or the latest earlier week that has it)
  and the 8-week slot median (median of the same slot of the week over the last 8 weeks);
- every model in ``forecast.models.default_models`` (with cleaning and the holiday
  calendar), band coverage from leave-one-fold-out bands;
- the automatic choice: at each origin, ``forecast.runner.forecast_queues`` runs exactly as
  a user would on the history up to that origin (its own 4-fold inner backtest, selection,
  bands) and its forecast is scored: nested, so the choice never sees the scored week;
- Prophet (default settings, 80% interval) when it is installed (requirements-bench.txt).
  statsforecast is not run: installing it would downgrade pandas in this environment.

Then the speed figure: fit, backtest (4 folds) and forecast of one queue with one year
of 30-minute history (Anonymous Bank 1999), 7 days ahead.

Run: ``python bench/bench_forecast.py`` (about 15 minutes on 2 cores; ``--folds 6`` for a
quick look, ``--speed-only`` for the timing). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.backtest import metrics, origins, rolling_origin  # noqa: E402
from forecast.calendar import Calendar  # noqa: E402
from forecast.grid import Grid, wall_positions  # noqa: E402
from forecast.ingest import ingest, read_source  # noqa: E402
from forecast.models import default_models  # noqa: E402
from forecast.runner import forecast_queues  # noqa: E402
from bench.real_sets import DATASETS, MINUTES, REAL  # noqa: E402
from core.config import Config, ForecastSettings, Site  # noqa: E402

HORIZONS = {1: 3, 7: 7}  # horizon days -> days between origins


def plain_baselines(grid: Grid, starts: list[int], horizon: int) -> dict[str, np.ndarray]:
    """Weekly seasonal naive and the 8-week slot median from raw observed values, (folds, days, slots)."""
    raw = np.where(grid.observed(), grid.values, np.nan)
    naive, median = [], []
    for start in starts:
        fold_naive, fold_median = [], []
        for day in range(horizon):
            same = [start - 7 * k + day % 7 for k in range(1, start // 7 + 1) if start - 7 * k + day % 7 >= 0]
            weeks = raw[same]  # most recent week first
            first_seen = np.argmax(np.isfinite(weeks), axis=0)
            fold_naive.append(weeks[first_seen, np.arange(grid.slots)])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                fold_median.append(np.nanmedian(weeks[:8], axis=0))
        naive.append(fold_naive)
        median.append(fold_median)
    return {"weekly seasonal naive (raw)": np.nan_to_num(np.array(naive)),
            "8-week slot median (raw)": np.nan_to_num(np.array(median))}


def to_matrix(frame: pd.DataFrame, grid: Grid, start: int, horizon: int, column: str) -> np.ndarray:
    """(horizon, slots) matrix of a forecast column for days start .. start + horizon."""
    matrix = np.zeros((horizon, grid.slots))
    day, slot = wall_positions(frame["interval_start"], grid.interval_minutes)
    row = (day - (grid.first_day + pd.Timedelta(days=start))).days.to_numpy()
    keep = (row >= 0) & (row < horizon)
    matrix[row[keep], slot[keep]] = frame[column].to_numpy(float)[keep]
    return matrix


def automatic(history: pd.DataFrame, grid: Grid, starts: list[int], horizon: int, config: Config):
    """Nested: the runner's own choice at every origin; (volume, p10, p90), each (folds, days, slots)."""
    out = {"volume": [], "volume_p10": [], "volume_p90": []}
    for start in starts:
        cut = (grid.first_day + pd.Timedelta(days=start)).tz_localize(grid.timezone)
        result = forecast_queues(history[history["interval_start"] < cut], horizon=horizon, config=config,
                                 start=cut.tz_localize(None))
        for column in out:
            out[column].append(to_matrix(result.forecast, grid, start, horizon, column))
    return tuple(np.array(out[c]) for c in ("volume", "volume_p10", "volume_p90"))


def prophet(grid: Grid, starts: list[int], horizon: int):
    """Default Prophet on the raw observed intervals (wall-clock time); (yhat, lower, upper)."""
    from prophet import Prophet

    logging.getLogger("cmdstanpy").disabled = True
    raw = np.where(grid.observed(), grid.values, np.nan)
    stamps = grid.first_day + pd.to_timedelta(np.arange(grid.n_days), "D")
    wall = (stamps.to_numpy()[:, None] + pd.to_timedelta(np.arange(grid.slots) * grid.interval_minutes, "min")
            .to_numpy()[None, :])
    outputs = []
    for start in starts:
        seen = np.isfinite(raw[:start])
        train = pd.DataFrame({"ds": wall[:start][seen], "y": raw[:start][seen]})
        model = Prophet().fit(train)
        future = pd.DataFrame({"ds": wall[start:start + horizon].ravel()})
        predicted = model.predict(future)
        shape = (horizon, grid.slots)
        outputs.append([np.clip(predicted[c].to_numpy(), 0, None).reshape(shape)
                        for c in ("yhat", "yhat_lower", "yhat_upper")])
    return tuple(np.array([fold[i] for fold in outputs]) for i in range(3))


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    scored = np.isfinite(actual)
    return float(((actual >= low) & (actual <= high))[scored].mean())


def run(folds: int, with_prophet: bool, models: list[str]) -> list[dict]:
    rows = []
    for name, (path, timezone, country) in DATASETS.items():
        if not (REAL / path).is_file():
            print(f"skip {name}: {REAL / path} not found", file=sys.stderr)
            continue
        history = ingest(read_source(REAL / path), timezone=timezone, interval_minutes=MINUTES).frame
        grid = Grid.from_frame(history, timezone, MINUTES)
        calendar = Calendar(country)
        config = Config(site=Site(timezone=timezone, country=country), forecast=ForecastSettings(folds=4, models=models))
        for horizon, step in HORIZONS.items():
            started = time.perf_counter()
            starts = origins(grid.n_days, horizon, folds, step)
            backtest = rolling_origin(grid, default_models(), horizon_days=horizon, folds=folds, step_days=step,
                                      calendar=calendar)
            actual = backtest.actual
            scores = {label: (metrics(actual, predicted, backtest.scales)["wmape"], np.nan)
                      for label, predicted in plain_baselines(grid, starts, horizon).items()}
            for label, predicted in backtest.predicted.items():
                score = metrics(actual, predicted, backtest.scales)
                scores[label] = (score["wmape"], score["coverage_p10_p90"])
            volume, low, high = automatic(history, grid, starts, horizon, config)
            scores["automatic choice (nested)"] = (metrics(actual, volume, backtest.scales)["wmape"],
                                                   coverage(actual, low, high))
            if with_prophet:
                yhat, lower, upper = prophet(grid, starts, horizon)
                scores["Prophet (default)"] = (metrics(actual, yhat, backtest.scales)["wmape"],
                                               coverage(actual, lower, upper))
            naive = scores["weekly seasonal naive (raw)"][0]
            median = scores["8-week slot median (raw)"][0]
            for label, (wmape, covered) in scores.items():
                rows.append({"data set": name, "horizon": f"{horizon} d", "model": label, "wMAPE": wmape,
                             "vs naive": wmape / naive - 1, "vs slot median": wmape / median - 1,
                             "p10-p90 coverage": covered, "folds": len(starts),
                             "first origin": str((grid.first_day + pd.Timedelta(days=starts[0])).date())})
            print(f"{name}, {horizon} d: {len(starts)} folds in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
    return rows


def speed(runs: int = 3) -> list[float]:
    """Seconds to fit, backtest (4 folds) and forecast one queue: a year of 30-minute intervals.

    Run ``runs`` times (the first includes statsmodels' imports): the machine is shared, so
    the spread says as much as the median.
    """
    path, timezone, country = DATASETS["Anonymous Bank 1999"]
    history = ingest(read_source(REAL / path), timezone=timezone, interval_minutes=MINUTES).frame
    config = Config(site=Site(timezone=timezone, country=country), forecast=ForecastSettings(folds=4))
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        forecast_queues(history, horizon="7D", config=config)
        seconds.append(time.perf_counter() - started)
    return seconds


def markdown(rows: list[dict]) -> str:
    table = pd.DataFrame(rows)
    lines = ["| data set | horizon | model | wMAPE | vs naive | vs slot median | p10-p90 coverage |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for row in table.itertuples(index=False):
        covered = "" if np.isnan(row[6]) else f"{row[6]:.1%}"
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.3f} | {row[4]:+.0%} | {row[5]:+.0%} | {covered} |")
    origins_text = table.groupby(["data set", "horizon"])[["folds", "first origin"]].first()
    notes = [f"- {ds}, {h}: {r['folds']} origins, the first on {r['first origin']}" for (ds, h), r in origins_text.iterrows()]
    return "\n".join(lines + [""] + notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=20, help="rolling origins per data set and horizon")
    parser.add_argument("--no-prophet", action="store_true", help="skip Prophet even when installed")
    parser.add_argument("--speed-only", action="store_true", help="only the speed figure")
    parser.add_argument("--models", default="", help="comma-separated [forecast] models the automatic choice "
                                                     "backtests (default: the default set, all but mstl)")
    args = parser.parse_args()
    models = [name for name in args.models.split(",") if name]
    if not REAL.is_dir():
        sys.exit(f"{REAL} not found: the benchmark needs ../shared/data/real")
    with_prophet = not args.no_prophet and importlib.util.find_spec("prophet") is not None
    if not args.speed_only:
        print(markdown(run(args.folds, with_prophet, models)))
    seconds = speed()
    print(f"\nspeed: fit + 4-fold backtest + 7-day forecast of one queue, one year of 30-minute history "
          f"(Anonymous Bank 1999): median {np.median(seconds):.1f} s of {len(seconds)} runs "
          f"({', '.join(f'{s:.1f}' for s in seconds)} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
