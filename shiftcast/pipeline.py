"""The whole plan as one run: forecast, staff and plan shifts for every queue, then the roster.

:func:`run_plan` runs each queue as an independent task, :func:`plan_queue`: forecast,
requirements and that queue's own week of shifts. Tasks run in this process, in local
worker processes (``workers``) or on a Dask cluster (``dask_scheduler``; its workers need
this package installed at the same version): :mod:`shiftcast.workers`. A queue that fails,
or whose worker dies twice, is recorded with its error while the other queues complete.

Each queue's task plans that queue's own week of shifts (``shifts.time_limit_seconds``
each, in parallel); :func:`staffing.weekplan.plan_week` then combines them, or solves the
joint plan when together they break ``shifts.max_agents`` (why that is exact: its
docstring). The roster of named agents spans queues (skills) and always runs here, after
the plans.

:func:`plan_files` turns a run into the files of a run folder, which the caller writes
atomically with :func:`core.output.write_folder`; :func:`load_plan` reads a run
folder back (the dashboard starts from one).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from forecast.runner import ForecastResult, forecast_queues, models_left_out
from core.config import Config, config_from_dict
from core.errors import InputError
from core.output import unguard_frame
from core.schema import agents_file_table, interval_minutes, validate_agents, validate_frame_a, validate_frame_b, validate_frame_c
from staffing.requirements import requirements
from staffing.roster import Roster, assign_roster, weekly_grid
from staffing.shiftplan import ShiftPlan, plan_shifts
from staffing.groupplan import GroupPlan, plan_groups
from staffing.weekplan import plan_week
from shiftcast.workers import error_message, run_tasks

__all__ = ["LoadedPlan", "PlanRun", "QueuePlan", "QueueTask", "forecast_start", "load_plan", "plan_files", "plan_queue", "run_plan",
           "skill_facts"]

SHIFT_PLAN, ROSTER = "shift plan", "roster"  # failure keys beside the queue names
SKILL_GROUPS = "skill groups"
# the inputs as ingested: the folder stands alone
HISTORY_FILE, EVENTS_FILE, AGENTS_FILE = "history.parquet", "events.parquet", "agents.csv"
WORKBOOK_MAX_ROWS = 25_000  # plan.xlsx is left out above this many rows (openpyxl: ~20 s per 50 queues' 90k rows)


@dataclass(frozen=True)
class PlanRun:
    """Everything one plan run produced.

    ``failures`` maps a queue, ``"shift plan"``, ``"shift plan (QUEUE)"`` or ``"roster"`` to
    its error message. With an agents file and ``[skills] plan_by_group``,
    ``shift_plan`` is the plan over skill groups (``skill_plan``), and ``dedicated_plan`` the
    queues' own plan it is compared with. ``seconds``: wall-clock seconds of this process's stages
    (``queues``: all queue tasks, in parallel; ``shift_plan``: combining the queues'
    plans, or the joint solve; ``roster``). ``queue_seconds``: per queue, its task's
    ``QueuePlan.seconds`` (in a worker).
    """

    history: pd.DataFrame
    config: Config
    forecast: ForecastResult
    requirements: pd.DataFrame
    shift_plan: ShiftPlan | None
    roster: Roster | None
    failures: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    queue_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    events: pd.DataFrame | None = None
    skill_plan: GroupPlan | None = None  # the plan over skill groups, when it is the shift plan
    dedicated_plan: ShiftPlan | None = None  # then the queues' own plan, for comparison
    notes: tuple[str, ...] = ()  # for the user, e.g. why the skill groups were not used
    agents: pd.DataFrame | None = None  # the validated agents file the run was given


@dataclass(frozen=True)
class QueuePlan:
    """One queue's task result: forecast, Frame B requirements, its own week of shifts
    (None, with ``shift_error``, when that failed) and ``seconds``: wall-clock seconds of
    ``forecast_and_staff`` and ``shift_plan``, and ``cpu``, the task's CPU seconds (less
    than the wall time when the worker waited for a busy core)."""

    forecast: ForecastResult
    requirements: pd.DataFrame
    shift_plan: ShiftPlan | None
    shift_error: str | None
    seconds: dict[str, float]


@dataclass(frozen=True)
class QueueTask:
    """What every queue's task shares: settings, horizon, events, the forecast's first day
    (``start``, named ``start_source`` in errors), whether to plan shifts, and the planned
    week's first day (``week_start``; None: the forecast's first week)."""

    config: Config
    horizon: pd.Timedelta
    events: pd.DataFrame | None
    start: pd.Timestamp
    start_source: str
    shifts: bool
    week_start: pd.Timestamp | None


def plan_queue(history: pd.DataFrame, task: QueueTask) -> QueuePlan:
    """Forecast, staff and (with ``task.shifts``) plan the shifts of one queue's Frame A
    ``history``: the unit of work a worker runs (module-level, so it pickles). Forecast
    errors raise; a shift plan error is returned in ``shift_error`` (the forecast and
    requirements still count)."""
    began, cpu = time.perf_counter(), time.process_time()
    config = task.config
    result = forecast_queues(history, horizon=task.horizon, config=config, events=task.events, start=task.start,
                             start_source=task.start_source)
    minutes = interval_minutes(history, config.site.interval_minutes)
    table = requirements(result.forecast, config, interval_seconds=minutes * 60)
    staffed = time.perf_counter()
    plan = error = None
    try:
        plan = plan_shifts(table, config, week_start=task.week_start) if task.shifts else None
    except Exception as problem:  # noqa: BLE001 - the forecast and requirements still count
        error = error_message(problem)
    seconds = {"forecast_and_staff": round(staffed - began, 3), "shift_plan": round(time.perf_counter() - staffed, 3),
               "cpu": round(time.process_time() - cpu, 3)}
    return QueuePlan(result, table, plan, error, seconds)


def _concat(results: list[ForecastResult]) -> ForecastResult:
    fields = ForecastResult.__dataclass_fields__
    return ForecastResult(**{name: pd.concat([getattr(r, name) for r in results], ignore_index=True)
                             for name in fields})


def _shift_plan(plans: dict[str, ShiftPlan], table: pd.DataFrame, config: Config,
                failures: dict[str, str]) -> ShiftPlan | None:
    """The week's plan for the queues that have their own (``staffing.weekplan.plan_week``)."""
    if not plans:
        return None
    try:
        return plan_week(table[table["queue"].isin(plans)], config,
                         week_start=next(iter(plans.values())).week_start, queue_plans=plans)
    except Exception as error:  # noqa: BLE001 - the forecasts and requirements are still written
        failures[SHIFT_PLAN] = error_message(error)
        return None


def forecast_start(history: pd.DataFrame) -> pd.Timestamp:
    """The local date every queue's forecast starts on by default: the day after the latest history of any queue."""
    return history["interval_start"].max().tz_localize(None).normalize() + pd.Timedelta(days=1)


def run_plan(history: pd.DataFrame, config: Config, *, horizon: pd.Timedelta, events: pd.DataFrame | None = None,
             agents: pd.DataFrame | None = None, start: pd.Timestamp | None = None, workers: int = 1,
             dask_scheduler: str | None = None, progress: Callable[[str], None] | None = None,
             stage: Callable[[str], None] | None = None, shifts: bool = True, week_start: pd.Timestamp | None = None) -> PlanRun:
    """Forecast, staff, plan shifts and roster a validated Frame A ``history``.

    Queues run in parallel on ``workers`` local processes, or on the Dask scheduler at
    ``dask_scheduler``; ``progress(queue)`` is called as each queue finishes, and
    ``stage(text)`` as each later stage starts (the shift plan, skill groups, roster). ``agents``:
    a validated agents table for the roster (none: no roster). ``shifts=False``: forecast
    and staff only (no shift plan, no roster; about half of a queue's work with the
    sample's shift rules). Every queue's forecast starts on ``start`` (a local date;
    default: the day after the latest history of any queue), so that a queue whose
    export ends earlier (a weekday desk, a late file) plans the same week as the others.
    ``week_start``: the first day of the week to plan shifts for, inside the horizon
    (default: the forecast's first week). Raises InputError when every queue fails; otherwise failures are in
    ``PlanRun.failures``.
    """
    start_source = "--start"
    stage = stage or (lambda text: None)
    if start is None:  # one start for every queue, so their plans share a week
        start, start_source = forecast_start(history), "the plan's start (the day after the latest history of any queue)"
    parts = dict(tuple(history.groupby("queue", sort=True)))
    queues = sorted(parts)
    results: dict[str, QueuePlan] = {}
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    notes: list[str] = []
    began = time.perf_counter()
    task = QueueTask(config, horizon, events, start, start_source, shifts, week_start)
    for outcome in run_tasks(plan_queue, {queue: parts[queue] for queue in queues}, task, workers=workers,
                             dask_scheduler=dask_scheduler):
        if outcome.error is None:
            results[outcome.queue] = outcome.value
        else:
            failures[outcome.queue] = outcome.error
        if outcome.note is not None:
            notes.append(outcome.note)
        if progress is not None:
            progress(outcome.queue)
    seconds["queues"] = round(time.perf_counter() - began, 3)
    failures = {queue: failures[queue] for queue in queues if queue in failures}  # in name order, not finish order
    if not results:
        shown = "; ".join(f"{queue}: {message}" for queue, message in list(failures.items())[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        raise InputError(f"every queue failed: {shown}{more}")
    done = [queue for queue in queues if queue in results]
    forecast = _concat([results[queue].forecast for queue in done])
    table = pd.concat([results[queue].requirements for queue in done], ignore_index=True)
    for queue in done:
        if results[queue].shift_error is not None:
            failures[f"{SHIFT_PLAN} ({queue})"] = results[queue].shift_error

    began = time.perf_counter()
    if shifts:
        stage(f"shift plan (when the queues' plans break shifts.max_agents: up to "
              f"{config.shifts.time_limit_seconds:g} s more)")
    plans = {queue: results[queue].shift_plan for queue in done if results[queue].shift_plan is not None}
    shift_plan = _shift_plan(plans, table, config, failures)
    seconds["shift_plan"] = round(time.perf_counter() - began, 3)
    skill_plan = dedicated_plan = None
    if shift_plan is not None and agents is not None and config.skills.plan_by_group:
        began = time.perf_counter()
        stage("skill groups")
        try:
            skill_plan = plan_groups(forecast.forecast, table, agents, config,
                                     interval_seconds=shift_plan.interval_minutes * 60, week_start=shift_plan.week_start)
            if skill_plan is not None:
                dedicated_plan, shift_plan = shift_plan, skill_plan.shift_plan
        except Exception as error:  # noqa: BLE001 - the queues' own plan stays: a note, not a failure
            notes.append(f"{SKILL_GROUPS}: not used, every queue planned on its own ({error_message(error)})")
        seconds["skill_groups"] = round(time.perf_counter() - began, 3)
    roster = None
    if shift_plan is None and agents is not None:
        failures[ROSTER] = "skipped: there is no shift plan to roster the agents onto"
    if shift_plan is not None and agents is not None:
        began = time.perf_counter()
        stage("roster")
        try:
            roster = assign_roster(shift_plan, agents if skill_plan is None else skill_plan.agents, config)
        except Exception as error:  # noqa: BLE001 - the plan is still written
            failures[ROSTER] = error_message(error)
        seconds["roster"] = round(time.perf_counter() - began, 3)
    return PlanRun(history, config, forecast, table, shift_plan, roster, failures, seconds,
                   {queue: results[queue].seconds for queue in done}, events, skill_plan, dedicated_plan,
                   tuple(notes), agents)


# ------------------------------------------------------------------------- outputs


def _sha256(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    names = ("shiftcast", "numpy", "pandas", "scipy", "statsmodels", "holidays", "plotly", "threadpoolctl", *extra)
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _tables(run: PlanRun) -> dict[str, pd.DataFrame]:
    tables = {"forecast": run.forecast.forecast, "requirements": run.requirements,
              "backtest": run.forecast.backtest, "peaks": run.forecast.peaks, "heatmap": run.forecast.heatmap}
    if run.shift_plan is not None:
        tables |= {"shifts": run.shift_plan.shifts, "coverage": run.shift_plan.coverage}
    if run.skill_plan is not None:
        tables |= {"requirements_by_group": run.skill_plan.by_group, "service_by_queue": run.skill_plan.simulated}
        if run.skill_plan.blend is not None:
            tables["deferred_blended"] = run.skill_plan.blend.deferred
    if run.roster is not None:
        tables |= {"roster": run.roster.roster, "roster_grid": weekly_grid(run.roster.roster),
                   "unassigned": run.roster.unassigned, "agent_summary": run.roster.agents}
    return tables


def _workbook_rows(run: PlanRun) -> int:
    return sum(len(table) for name, table in _tables(run).items() if name != "heatmap")


def _missing_outputs(run: PlanRun, *, shifts: bool, roster: bool) -> dict[str, str]:
    """Output files (or a queue's rows in them) that a run asked for but could not write, and why."""
    missing = {f"queue {queue} (in every table)": message for queue, message in run.failures.items()
               if queue in set(run.history["queue"])}
    if shifts and run.shift_plan is None:
        reason = run.failures.get(SHIFT_PLAN) or "; ".join(
            message for name, message in run.failures.items() if name.startswith(SHIFT_PLAN))
        missing["shifts.csv, coverage.csv"] = reason or "no queue has a shift plan"
    elif shifts:
        missing |= {f"queue {name[len(SHIFT_PLAN) + 2:-1]} in shifts.csv, coverage.csv": message
                    for name, message in run.failures.items() if name.startswith(f"{SHIFT_PLAN} (")}
    if roster and run.roster is None:
        missing["roster.csv, unassigned.csv, agent_summary.csv"] = run.failures.get(ROSTER, "no roster")
    return missing


def run_record(run: PlanRun, *, inputs: dict[str, str | Path | None], horizon: str, workers: int,
               dask_scheduler: str | None, shifts: bool = True, roster: bool = False, notes: tuple[str, ...] = (),
               seconds: dict[str, float] | None = None) -> dict:
    """``run.json``: inputs (absolute paths) and their sha256, settings, versions, seconds per
    stage (``run.seconds`` plus the caller's ``seconds``, e.g. reading), per queue the
    chosen model, its backtest error and seconds (or its error), failures, the outputs
    missing because of them (``shifts``/``roster``: whether a shift plan and a roster were
    asked for), and notes."""
    table = run.forecast.backtest
    chosen = table[table["chosen"]].set_index("queue")
    notes_of = {queue: dict(zip(rows["model"], rows["note"])) for queue, rows in table[table["note"] != ""]
                .groupby("queue")} if "note" in table else {}
    queues = {}
    for queue in sorted(run.history["queue"].unique()):
        if queue in chosen.index:
            row = chosen.loc[queue]
            queues[queue] = {"model": row["model"], "wmape": round(float(row["wmape"]), 4),
                             "coverage_p10_p90": round(float(row["coverage_p10_p90"]), 3),
                             "seconds": run.queue_seconds.get(queue, {}), "model_notes": notes_of.get(queue, {})}
        else:
            queues[queue] = {"model": None, "error": run.failures.get(queue)}
    notes = [*notes, *run.notes]
    if _workbook_rows(run) > WORKBOOK_MAX_ROWS:
        notes.append(f"plan.xlsx left out: {_workbook_rows(run):,} rows (over {WORKBOOK_MAX_ROWS:,}); "
                     f"the same tables are in the CSV files")
    record = {
        "inputs": {name: {"path": None if path is None else str(Path(path).resolve()), "sha256": _sha256(path)}
                   for name, path in inputs.items()},
        "horizon": horizon,
        "workers": workers,
        "dask_scheduler": dask_scheduler,
        "settings": run.config.model_dump(mode="json"),
        "versions": _versions(("dask", "distributed") if dask_scheduler else ()),
        "seconds": {**run.seconds, **(seconds or {})},
        "queues": queues,
        "models_left_out": models_left_out(run.config),
        "failures": run.failures,
        "missing": _missing_outputs(run, shifts=shifts, roster=roster),
        "notes": notes,
    }
    if run.shift_plan is not None:
        record["shift_plan"] = run.shift_plan.summary()
    if run.roster is not None:
        record["roster"] = run.roster.summary()
    if run.skill_plan is not None:
        record["skill_groups"] = skill_facts(run)
    return record


def skill_facts(run: PlanRun) -> dict:
    """run.json's ``skill_groups``: the groups, the plan over them against the queues' own, and
    per blended deferred queue its dedicated agent-hours on contacts alone and blended."""
    plan, own, desk, blend = run.shift_plan, run.dedicated_plan, run.skill_plan.desk, run.skill_plan.blend
    blended = {} if blend is None else dict(tuple(blend.deferred.groupby("queue")))
    hours = plan.interval_minutes / 60  # agents on contacts per interval -> agent-hours
    return {
        "groups": {name: {"queues": list(members), "agents": count} for name, (members, count) in desk.groups.items()},
        "cost": round(plan.cost, 3), "dedicated_cost": round(own.cost, 3),
        "saving": round(1 - plan.cost / own.cost, 4) if own.cost else 0.0,
        "paid_agent_hours": round(plan.paid_agent_hours, 2), "dedicated_paid_agent_hours": round(own.paid_agent_hours, 2),
        "simulated_service_level": {q: round(v, 4) for q, v in plan.service_level.items()
                                    if q in desk.queues or q in blended},
        "blending": {q: {"dedicated_agent_hours_unblended": round(float(rows["agents_unblended"].sum()) * hours, 2),
                         "dedicated_agent_hours": round(float(rows["agents_required"].sum()) * hours, 2),
                         "replaced_agent_hours": round(float(rows["blended_agents"].sum()) * hours, 2)}
                     for q, rows in blended.items()},
    }


def plan_files(run: PlanRun, record: dict, report_html: str) -> dict[str, object]:
    """The run folder's files: name -> table, workbook sheets, record or text. The workbook
    ``plan.xlsx`` is left out above ``WORKBOOK_MAX_ROWS`` rows (``run_record`` notes it)."""
    tables = _tables(run)
    files: dict[str, object] = {f"{name}.csv": table for name, table in tables.items()}
    if _workbook_rows(run) <= WORKBOOK_MAX_ROWS:
        files["plan.xlsx"] = {name: table for name, table in tables.items() if name != "heatmap"}
    files[HISTORY_FILE] = run.history
    if run.events is not None:
        files[EVENTS_FILE] = run.events
    if run.agents is not None:
        files[AGENTS_FILE] = agents_file_table(run.agents)
    files["report.html"] = report_html
    files["run.json"] = record
    return files


@dataclass(frozen=True)
class LoadedPlan:
    """A run folder read back: the frames a viewer needs, ``run.json``, and ``warnings`` for
    the viewer (e.g. a folder of an older version, without its history)."""

    history: pd.DataFrame | None
    events: pd.DataFrame | None
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
    warnings: tuple[str, ...]
    by_group: pd.DataFrame | None = None  # requirements_by_group.csv of a plan over skill groups
    service_by_queue: pd.DataFrame | None = None  # its queues' simulated service per interval
    agents: pd.DataFrame | None = None  # the agents file the plan was given (validated)


def load_plan(folder: str | Path) -> LoadedPlan:
    """Read a run folder written by ``shiftcast plan``. Everything comes from the folder itself
    (the history it was made from is its ``history.parquet``): paths recorded in run.json are
    never read, and a file that links out of the folder is refused."""
    folder = Path(folder)

    def inside(name: str) -> Path:
        """FOLDER/NAME, refused when a link takes it out of the folder."""
        path = folder / name
        if not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder)):
            raise InputError(f"{name} in the plan folder {folder.name} links to a file outside it, which is not read; "
                             f"plan again with `shiftcast plan`")
        return path

    try:
        record = json.loads(inside("run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{folder.name} is not a plan folder (run.json: {error}); run `shiftcast plan` first") from None
    config = config_from_dict(record["settings"], source=f"{folder.name}/run.json")
    zone = config.site.timezone

    def read(name: str) -> pd.DataFrame | None:
        path = inside(name)
        if not path.is_file():
            return None
        return pd.read_parquet(path) if path.suffix == ".parquet" else unguard_frame(pd.read_csv(path))

    def frame_c(name: str) -> pd.DataFrame | None:
        table = read(f"{name}.csv")
        return None if table is None else validate_frame_c(table, name, zone, source=f"{name}.csv")

    peaks = read("peaks.csv")
    for column in ("peak_start", "peak_end", "busiest_interval"):
        peaks[column] = pd.to_datetime(peaks[column], utc=True, format="ISO8601").dt.tz_convert(zone)
    history, agents = read(HISTORY_FILE), read(AGENTS_FILE)
    warnings = () if history is not None else (
        f"This plan folder has no {HISTORY_FILE} (an older Shiftcast made it): the history is not shown; "
        f"plan again with `shiftcast plan`",)
    return LoadedPlan(
        history=None if history is None else validate_frame_a(history, zone, source=HISTORY_FILE),
        events=read(EVENTS_FILE),
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
        warnings=warnings,
        by_group=_with_times(read("requirements_by_group.csv"), zone),
        service_by_queue=_with_times(read("service_by_queue.csv"), zone),
        agents=None if agents is None else validate_agents(agents, source=f"{folder.name}/{AGENTS_FILE}"),
    )


def _with_times(table: pd.DataFrame | None, zone: str) -> pd.DataFrame | None:
    """TABLE with its ``interval_start`` read back as site times (None stays None)."""
    if table is None:
        return None
    return table.assign(interval_start=pd.to_datetime(table["interval_start"], utc=True, format="ISO8601")
                        .dt.tz_convert(zone))


def default_workers() -> int:
    """All cores, as the CLI's default for ``--workers``."""
    return os.cpu_count() or 1
