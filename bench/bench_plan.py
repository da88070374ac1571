"""Benchmark: ``shiftcast plan`` end to end for 1, 50 and 200 queues with 1 and 2 workers.

Each queue has one year (52 weeks) of 30-minute history, synthetic and seeded
(:func:`synthetic_history`: daily double peaks at queue-specific times, weekends, a yearly
swell, a trend, holiday dips, incident surges, Poisson counts, levels from 2 to 150
contacts per peak interval), written as one CSV. The command is run as a user runs it
(``python -m shiftcast plan --history ... --config ... --out ... --workers W``, a new
process each time, no ``--agents``: a roster of named agents spans all queues and is not
part of this scaling question), with the product's defaults: the default models (all but mstl), 4 backtest
folds, 14 days ahead, and the sample desk's queue defaults and shift rules
(data/shiftcast.toml: voice at 80/20, 8-hour shifts starting every 30 minutes with a
placed 30-minute break); ``--models`` picks a cheaper model set. ``max_agents`` is set
high enough never to bind, so each queue's shift plan is its own (see
``shiftcast.pipeline``); ``--max-agents 200 --weeks 26 --queues 40`` is instead the
seat-capped desk of issue 16 (the sample's cap), whose plan's ``seat_cap`` is printed.

Printed per run: the wall time (median of ``--repeats`` runs for one queue), then from
``run.json`` the stages of the main process: reading the history, the queue tasks (in
parallel: forecast, staffing and each queue's shift plan), combining the plans, the
report, and the rest (interpreter start, imports, writing the folder); the per-queue work
summed over queues (forecast + staffing, shift plan); and the 1 -> 2 worker speed-up.
The machine's load average is printed too: on a shared 2-core machine other work skews
both the times and the speed-up.

Run: ``python bench/bench_plan.py`` from the repository root, with the project's Python
(about 25 minutes on 2 cores); ``--queues 1 50 --repeats 1`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

TIMEZONE = "Europe/Malta"
FIRST_DAY = "2025-11-03"  # a Monday; 52 weeks of history end on Sunday 2026-11-01
DAYS = 364


def bench_config(models: list[str], time_limit_seconds: float | None = None, max_agents: int = 1_000_000) -> str:
    """The sample desk's settings (data/shiftcast.toml: queue defaults, shift rules) for the
    benchmark's queues: 30-minute intervals, ``models`` (empty: all), a ``max_agents`` that
    never binds by default, so each queue's shift plan is its own, and optionally another
    solver limit."""
    sample = tomllib.loads((ROOT / "data" / "shiftcast.toml").read_text())
    shifts = {**sample["shifts"], "max_agents": max_agents}
    if time_limit_seconds is not None:
        shifts["time_limit_seconds"] = time_limit_seconds
    lines = ["[site]", 'name = "Benchmark desk"', f'timezone = "{TIMEZONE}"', "interval_minutes = 30",
             'country = "MT"', "", "[queue_defaults]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in sample["queue_defaults"].items()]
    lines += ["", "[forecast]", f"models = {json.dumps(models)}", "", "[shifts]"]
    for key, value in shifts.items():
        text = ("{ " + ", ".join(f'"{k}" = {v}' for k, v in value.items()) + " }") if isinstance(value, dict) else json.dumps(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def synthetic_history(n_queues: int, *, days: int = DAYS, minutes: int = 30, seed: int = 6) -> pd.DataFrame:
    """Frame A (queue, interval_start, volume, aht_seconds) for ``n_queues`` queues of ``days``
    days of ``minutes``-minute intervals in local time (Europe/Malta, so two DST changes).

    Each queue: a daily double peak whose times and widths vary by queue, weekends at
    55-90% of weekdays, a yearly swell (+-10%), a trend of -15% to +25% over the period,
    Christmas and New Year at 40%, three four-hour incident surges (x2-4), Poisson counts;
    levels log-uniform from 2 to 150 contacts per peak interval. Handle time 240-480 s
    with a daily cycle, missing where no contact arrived. Seeded: the same queues every run.
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range(pd.Timestamp(FIRST_DAY, tz=TIMEZONE), pd.Timestamp(FIRST_DAY, tz=TIMEZONE)
                          + pd.DateOffset(days=days), freq=f"{minutes}min", inclusive="left")
    wall = index.tz_localize(None)
    hour = (wall.hour + wall.minute / 60).to_numpy()
    weekday = wall.day_of_week.to_numpy()
    day = (wall.normalize() - wall[0].normalize()).days.to_numpy()
    dips = wall.strftime("%m-%d").isin(["12-24", "12-25", "12-26", "12-31", "01-01"])
    frames = []
    for number in range(n_queues):
        first, second = rng.uniform(9, 12), rng.uniform(17, 21)
        shape = (0.06 + np.exp(-0.5 * ((hour - first) / rng.uniform(1.5, 3)) ** 2)
                 + rng.uniform(0.4, 1.0) * np.exp(-0.5 * ((hour - second) / rng.uniform(1.5, 3)) ** 2))
        weekly = np.where(weekday >= 5, rng.uniform(0.55, 0.9), 1.0) * (1 + 0.05 * np.cos(2 * np.pi * weekday / 7))
        yearly = 1 + 0.1 * np.sin(2 * np.pi * (day / 365 + rng.uniform()))
        trend = 1 + rng.uniform(-0.15, 0.25) * day / days
        level = np.exp(rng.uniform(np.log(2), np.log(150))) * shape * weekly * yearly * trend
        level = np.where(dips, level * 0.4, level)
        for start in rng.choice(len(index) - 8, size=3, replace=False):
            level[start:start + 8] *= rng.uniform(2, 4)
        volume = rng.poisson(level).astype(float)
        aht = rng.uniform(240, 480) * (1 + 0.1 * np.cos(2 * np.pi * (hour - 14) / 24)) + rng.normal(0, 15, len(index))
        frames.append(pd.DataFrame({"queue": f"q{number:03d}", "interval_start": index, "volume": volume,
                                    "aht_seconds": np.where(volume > 0, np.round(aht, 1), np.nan)}))
    return pd.concat(frames, ignore_index=True)


def write_history(frame: pd.DataFrame, path: Path) -> None:
    """The history as CSV with UTC timestamps (``...+00:00``), as an export would have it."""
    utc = frame["interval_start"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    frame.assign(interval_start=utc).to_csv(path, index=False)


def run_once(python: str, history: Path, config: Path, out: Path, workers: int, extra: list[str]) -> dict:
    """One ``shiftcast plan`` run: wall seconds, run.json's stages and per-queue sums."""
    command = [python, "-m", "shiftcast", "plan", "--history", str(history), "--config", str(config),
               "--out", str(out), "--workers", str(workers), *extra]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - began
    if not (out / "run.json").is_file():
        sys.exit(f"shiftcast plan failed (exit {done.returncode}):\n{done.stderr}")
    record = json.loads((out / "run.json").read_text())
    seconds = record["seconds"]
    per_queue = [facts["seconds"] for facts in record["queues"].values() if facts.get("seconds")]
    staged = sum(seconds.get(k, 0.0) for k in ("read", "queues", "shift_plan", "roster", "report"))
    return {
        "wall": wall, "read": seconds["read"], "queues": seconds["queues"], "combine": seconds["shift_plan"],
        "report": seconds["report"], "rest": wall - staged,
        "forecast_work": sum(s["forecast_and_staff"] for s in per_queue),
        "plan_work": sum(s["shift_plan"] for s in per_queue),
        "plan_max": max((s["shift_plan"] for s in per_queue), default=0.0),
        "plan_times": sorted(s["shift_plan"] for s in per_queue),
        "task_cpu": sum(s.get("cpu", float("nan")) for s in per_queue),
        "failures": len(record["failures"]), "exit": done.returncode,
        "status": record.get("shift_plan", {}).get("status", "none"), "gap": record.get("shift_plan", {}).get("gap"),
        "seat_cap": record.get("shift_plan", {}).get("seat_cap"), "cost": record.get("shift_plan", {}).get("cost"),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queues", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per case (default: 3 for one queue, 1 for more; the median is shown)")
    parser.add_argument("--models", default="", help="comma-separated [forecast] models (default: the default set, all but mstl)")
    parser.add_argument("--shift-time-limit", type=float, default=None,
                        help="[shifts] time_limit_seconds per queue (default: the sample's 60)")
    parser.add_argument("--no-shifts", action="store_true", help="pass --no-shifts: forecast and staff only")
    parser.add_argument("--weeks", type=int, default=DAYS // 7, help="weeks of history per queue (default 52)")
    parser.add_argument("--max-agents", type=int, default=1_000_000,
                        help="[shifts] max_agents (default: never binds; the sample's is 200)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs shiftcast")
    args = parser.parse_args()
    models = [name for name in args.models.split(",") if name]
    limit = f"{args.shift_time_limit:g}" if args.shift_time_limit is not None else "60 (sample)"

    print(f"shiftcast plan: {args.weeks} weeks of 30-minute history per queue, 14 days ahead, max_agents "
          f"{args.max_agents:,}, models: "
          f"{', '.join(models) or 'all (default)'}, "
          f"{'no shift plan (--no-shifts)' if args.no_shifts else f'shift plan time limit {limit} s per queue'}; "
          f"{os.cpu_count()} cores")
    print()
    print("| queues | workers | wall s | speed-up | read | queue tasks | combine plans | report | rest* | "
          "forecast+staff work | shift plan work (slowest queue) | task CPU | failed | plan | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as folder:
        folder = Path(folder)
        config = folder / "shiftcast.toml"
        config.write_text(bench_config(models, args.shift_time_limit, args.max_agents))
        for n_queues in args.queues:
            history = folder / f"history-{n_queues}.csv"
            write_history(synthetic_history(n_queues, days=7 * args.weeks), history)
            walls: dict[int, float] = {}
            for workers in args.workers:
                repeats = args.repeats or (3 if n_queues == 1 else 1)
                runs = [run_once(args.python, history, config, folder / "out", workers,
                                 ["--no-shifts"] if args.no_shifts else []) for _ in range(repeats)]
                middle = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
                walls[workers] = middle["wall"]
                speedup = walls[args.workers[0]] / middle["wall"] if workers != args.workers[0] else None
                shown = " / ".join(f"{r['wall']:.1f}" for r in runs) if repeats > 1 else ""
                print(f"| {n_queues} | {workers} | {statistics.median(r['wall'] for r in runs):.1f}"
                      f"{f' ({shown})' if shown else ''} | {'' if speedup is None else f'{speedup:.2f}x'} | "
                      f"{middle['read']:.1f} | {middle['queues']:.1f} | {middle['combine']:.1f} | "
                      f"{middle['report']:.1f} | {middle['rest']:.1f} | {middle['forecast_work']:.0f} | "
                      f"{middle['plan_work']:.0f} ({middle['plan_max']:.1f}) | {middle['task_cpu']:.0f} | "
                      f"{middle['failures']} | {middle['status']} ({middle['gap'] or 0:.1%}) | {middle['load']:.1f} |", flush=True)
                if middle["cost"] is not None:
                    times = np.array(middle["plan_times"])
                    print(f"|  |  | shift plan cost {middle['cost']:,.1f}; queues' shift plans: median "
                          f"{np.median(times):.1f} s, {(times >= 10).sum()} took 10 s or more "
                          f"({times[times >= 10].sum():.0f} s of the {times.sum():.0f} s) |", flush=True)
                if middle["seat_cap"]:
                    print(f"|  |  | seat cap: {middle['seat_cap']} |", flush=True)
    print()
    print("Seconds. read, queue tasks, combine plans, report: the main process's stages (run.json). "
          "*rest: interpreter start, imports and writing the folder. work: wall time summed over the queue tasks; "
          "task CPU: their CPU time (below the work when a worker waited for a busy core). plan: the shift plan's "
          "status (feasible: some queue's solve stopped at shifts.time_limit_seconds) and its proven gap. load: 1-minute load "
          "average after the run (2 cores; other sessions share them).")


if __name__ == "__main__":
    main()
