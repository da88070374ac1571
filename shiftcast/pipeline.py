"""The whole plan as one run: forecast and staff every queue, then shifts and roster.

:func:`run_plan` forecasts and staffs each queue as an independent task, in this process,
in local worker processes (``workers``) or on a Dask cluster (``dask_scheduler``), and
then plans one week of shifts for all queues together and, given named agents, the
roster. A queue that fails is recorded with its error while the other queues complete.
:func:`plan_files` turns a run into the files of a run folder, which the caller writes
atomically with :func:`shiftcast.output.write_folder`; :func:`load_plan` reads a run
folder back (the dashboard starts from one).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from forecast.runner import ForecastResult, forecast_queues
from shiftcast.config import Config, config_from_dict
from shiftcast.errors import InputError
from shiftcast.schema import interval_minutes, validate_frame_a, validate_frame_b, validate_frame_c
from staffing.requirements import requirements as staff
from staffing.roster import Roster, assign_roster
from staffing.shiftplan import ShiftPlan, plan_shifts

__all__ = ["PlanRun", "load_plan", "plan_files", "run_plan"]

SHIFT_PLAN, ROSTER = "shift plan", "roster"  # failure keys beside the queue names


@dataclass(frozen=True)
class PlanRun:
    """Everything one plan run produced.

    ``failures`` maps a queue (or ``"shift plan"``, ``"roster"``) to its error message;
    ``seconds`` maps each stage and ``queue:NAME`` to wall-clock seconds.
    """

    history: pd.DataFrame
    config: Config
    forecast: ForecastResult
    requirements: pd.DataFrame
    shift_plan: ShiftPlan | None
    roster: Roster | None
    failures: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def plan_queue(history: pd.DataFrame, config: Config, horizon: pd.Timedelta, events: pd.DataFrame | None,
               start: pd.Timestamp | None) -> tuple[ForecastResult, pd.DataFrame, float]:
    """Forecast and staff one queue's history: the unit of work a worker runs (picklable)."""
    began = time.perf_counter()
    result = forecast_queues(history, horizon=horizon, config=config, events=events, start=start)
    minutes = interval_minutes(history, config.site.interval_minutes)
    table = staff(result.forecast, config, interval_seconds=minutes * 60)
    return result, table, time.perf_counter() - began


@contextmanager
def _executor(workers: int, dask_scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask cluster's executor, a local process pool, or None (run in this process)."""
    if dask_scheduler:
        from distributed import Client

        try:
            client = Client(dask_scheduler, timeout=20)
        except (OSError, TimeoutError) as error:
            raise InputError(f"--dask-scheduler {dask_scheduler}: cannot connect ({error}); "
                             f"check the address, e.g. tcp://127.0.0.1:8786") from None
        with client:
            yield client.get_executor()
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        yield None


def _message(error: BaseException) -> str:
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


def _concat(results: list[ForecastResult]) -> ForecastResult:
    fields = ForecastResult.__dataclass_fields__
    return ForecastResult(**{name: pd.concat([getattr(r, name) for r in results], ignore_index=True)
                             for name in fields})


def run_plan(history: pd.DataFrame, config: Config, *, horizon: pd.Timedelta, events: pd.DataFrame | None = None,
             agents: pd.DataFrame | None = None, start: pd.Timestamp | None = None, workers: int = 1,
             dask_scheduler: str | None = None, progress: Callable[[str], None] | None = None) -> PlanRun:
    """Forecast, staff, plan shifts and roster a validated Frame A ``history``.

    Queues run in parallel on ``workers`` local processes, or on the Dask scheduler at
    ``dask_scheduler``; ``progress(queue)`` is called as each queue finishes. ``agents``:
    a validated agents table for the roster (none: no roster).
    """
    queues = sorted(history["queue"].unique())
    results: dict[str, tuple[ForecastResult, pd.DataFrame]] = {}
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    with _executor(workers, dask_scheduler) as pool:
        tasks = [(queue, history[history["queue"] == queue], config, horizon, events, start) for queue in queues]
        if pool is None:
            outcomes = ((task[0], _try(plan_queue, *task[1:])) for task in tasks)
        else:
            futures = {pool.submit(plan_queue, *task[1:]): task[0] for task in tasks}
            outcomes = ((futures[f], _outcome(f)) for f in as_completed(futures))
        for queue, (value, error) in outcomes:
            if error is None:
                result, table, spent = value
                results[queue] = (result, table)
                seconds[f"queue:{queue}"] = round(spent, 3)
            else:
                failures[queue] = error
            if progress is not None:
                progress(queue)
    seconds["forecast_and_staff"] = round(time.perf_counter() - began, 3)
    if not results:
        raise InputError("every queue failed: " + "; ".join(f"{q}: {m}" for q, m in failures.items()))
    done = [q for q in queues if q in results]
    forecast = _concat([results[q][0] for q in done])
    table = pd.concat([results[q][1] for q in done], ignore_index=True)

    shift_plan = roster = None
    began = time.perf_counter()
    try:
        shift_plan = plan_shifts(table, config)
    except InputError as error:
        failures[SHIFT_PLAN] = str(error)
    seconds["shift_plan"] = round(time.perf_counter() - began, 3)
    if shift_plan is not None and agents is not None:
        began = time.perf_counter()
        try:
            roster = assign_roster(shift_plan, agents, config)
        except InputError as error:
            failures[ROSTER] = str(error)
        seconds["roster"] = round(time.perf_counter() - began, 3)
    return PlanRun(history, config, forecast, table, shift_plan, roster, failures, seconds)


def _try(function, *args):
    try:
        return function(*args), None
    except Exception as error:  # one queue's failure must not stop the others
        return None, _message(error)


def _outcome(future):
    try:
        return future.result(), None
    except Exception as error:  # raised in the worker: recorded per queue
        return None, _message(error)


# ------------------------------------------------------------------------- outputs


def _sha256(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    names = ("shiftcast", "numpy", "pandas", "scipy", "statsmodels", "holidays", "plotly")
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run_record(run: PlanRun, *, inputs: dict[str, str | Path | None], horizon: str, workers: int,
               dask_scheduler: str | None, notes: tuple[str, ...] = ()) -> dict:
    """``run.json``: inputs and their hashes, settings, versions, timings, choices, failures."""
    chosen = run.forecast.backtest[run.forecast.backtest["chosen"]]
    record = {
        "inputs": {name: {"path": None if path is None else str(path), "sha256": _sha256(path)}
                   for name, path in inputs.items()},
        "horizon": horizon,
        "workers": workers,
        "dask_scheduler": dask_scheduler,
        "settings": run.config.model_dump(mode="json"),
        "versions": _versions(),
        "seconds": run.seconds,
        "queues": {row.queue: {"model": row.model, "wmape": round(float(row.wmape), 4),
                               "coverage_p10_p90": round(float(row.coverage_p10_p90), 3)}
                   for row in chosen.itertuples()},
        "failures": run.failures,
        "notes": list(notes),
    }
    if run.shift_plan is not None:
        record["shift_plan"] = run.shift_plan.summary()
    if run.roster is not None:
        record["roster"] = run.roster.summary()
    return record


def plan_files(run: PlanRun, record: dict, report_html: str) -> dict[str, object]:
    """The run folder's files: name -> table, workbook sheets, record or text."""
    tables = {"forecast": run.forecast.forecast, "requirements": run.requirements,
              "backtest": run.forecast.backtest, "peaks": run.forecast.peaks, "heatmap": run.forecast.heatmap}
    if run.shift_plan is not None:
        tables |= {"shifts": run.shift_plan.shifts, "coverage": run.shift_plan.coverage}
    if run.roster is not None:
        tables |= {"roster": run.roster.roster, "unassigned": run.roster.unassigned,
                   "agent_summary": run.roster.agents}
    files: dict[str, object] = {f"{name}.csv": table for name, table in tables.items()}
    files["plan.xlsx"] = {name: table for name, table in tables.items() if name != "heatmap"}
    files["report.html"] = report_html
    files["run.json"] = record
    return files


@dataclass(frozen=True)
class LoadedPlan:
    """A run folder read back: the frames a viewer needs, and ``run.json``."""

    history: pd.DataFrame | None
    config: Config
    forecast: pd.DataFrame
    backtest: pd.DataFrame
    heatmap: pd.DataFrame
    peaks: pd.DataFrame
    requirements: pd.DataFrame
    shifts: pd.DataFrame | None
    coverage: pd.DataFrame | None
    roster: pd.DataFrame | None
    record: dict


def load_plan(folder: str | Path) -> LoadedPlan:
    """Read a run folder written by ``shiftcast plan``; the history comes from its recorded path."""
    folder = Path(folder)
    try:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{folder} is not a plan folder (run.json: {error}); run `shiftcast plan` first") from None
    config = config_from_dict(record["settings"], source=f"{folder}/run.json")
    zone = config.site.timezone

    def read(name: str) -> pd.DataFrame | None:
        path = folder / name
        return pd.read_csv(path) if path.is_file() else None

    def frame_c(name: str) -> pd.DataFrame | None:
        table = read(f"{name}.csv")
        return None if table is None else validate_frame_c(table, name, zone, source=f"{name}.csv")

    peaks = read("peaks.csv")
    for column in ("peak_start", "peak_end", "busiest_interval"):
        peaks[column] = pd.to_datetime(peaks[column], utc=True, format="ISO8601").dt.tz_convert(zone)

    history_path = record["inputs"].get("history", {}).get("path")
    history = None
    if history_path and Path(history_path).is_file() and _sha256(Path(history_path)) == record["inputs"]["history"]["sha256"]:
        history = validate_frame_a(pd.read_csv(history_path), zone, source=history_path)
    return LoadedPlan(
        history=history,
        config=config,
        forecast=validate_frame_a(read("forecast.csv"), zone, source="forecast.csv"),
        backtest=read("backtest.csv"),
        heatmap=read("heatmap.csv"),
        peaks=peaks,
        requirements=validate_frame_b(read("requirements.csv"), zone, source="requirements.csv"),
        shifts=frame_c("shifts"),
        coverage=frame_c("coverage"),
        roster=frame_c("roster"),
        record=record,
    )


def default_workers() -> int:
    """All cores, as the CLI's default for ``--workers``."""
    return os.cpu_count() or 1
