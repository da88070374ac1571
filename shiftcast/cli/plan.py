"""``shiftcast plan``: history -> forecast, requirements, shift plan, roster and report, one folder."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from forecast.ingest import Columns
from shiftcast.cli import history as opts
from shiftcast.cli.options import duration_seconds
from core.errors import InputError
from core.output import check_out_folder, write_folder
from shiftcast.pipeline import default_workers, forecast_start, plan_files, run_plan, run_record
from core.readers import read_table
from shiftcast.report import build_report
from core.schema import interval_minutes, validate_agents
from staffing.shifts import build_templates
from staffing.weekplan import shortfall_cause

Opt = typer.Option
SHOWN_QUEUES = 20  # queues listed on stderr; all are in run.json


def command(
    history: opts.HistoryOpt,
    out: opts.OutOpt,
    config: opts.ConfigOpt = None,
    agents: Annotated[Optional[Path], Opt(help="agents.csv: named agents to roster onto the plan.")] = None,
    events: opts.EventsOpt = None,
    horizon: Annotated[Optional[str], Opt(help="How far ahead, at least 7D (the shift plan's week), e.g. 14D "
                                               "(default: [forecast] horizon_days).")] = None,
    workers: Annotated[Optional[int], Opt(help="Worker processes for the queues (default: all cores).")] = None,
    dask_scheduler: Annotated[Optional[str], Opt(help="Run the queues on this Dask scheduler instead, e.g. "
                                                      "tcp://10.0.0.5:8786 (its workers need shiftcast "
                                                      "installed).")] = None,
    no_shifts: Annotated[bool, Opt("--no-shifts", help="Forecast and staff only: no shift plan and no "
                                                      "roster (about half the time).")] = False,
    start: opts.StartOpt = None,
    week_start: Annotated[Optional[str], Opt(help="First day of the week to plan shifts for, inside the "
                                                  "horizon, e.g. 2026-11-30 (default: the forecast's "
                                                  "first week).")] = None,
    folds: opts.FoldsOpt = None,
    interval: opts.IntervalOpt = None,
    query: opts.QueryOpt = None,
    shape: opts.ShapeOpt = "auto",
    timestamp_col: opts.TimestampOpt = None,
    volume_col: opts.VolumeOpt = None,
    queue_col: opts.QueueOpt = None,
    aht_col: opts.AhtOpt = None,
    handle_col: opts.HandleOpt = None,
    abandoned_col: opts.AbandonedOpt = None,
    ignore: opts.IgnoreOpt = None,
    quiet: opts.QuietOpt = False,
) -> None:
    """Forecast, staff, plan shifts and roster every queue; write one run folder with report.html.

    Exit 0 when every queue and stage succeeded, 1 when some failed (named on stderr and
    in run.json; the folder is still written), 2 on bad input (nothing written).
    """
    began = time.perf_counter()
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers must be >= 1; got {workers}")
    check_out_folder(out, inputs=(history, config, agents, events))
    first_day = opts.start_date(start)
    week_day = opts.start_date(week_start, option="--week-start")
    loaded = opts.load_inputs(history=history, config=config, interval=interval, events=events, query=query,
                              shape=shape, folds=folds,
                              columns=Columns(timestamp_col, volume_col, queue_col, aht_col, handle_col, abandoned_col),
                              ignore=ignore)
    settings = loaded.config
    text = horizon or f"{settings.forecast.horizon_days}D"
    delta = pd.Timedelta(seconds=duration_seconds(text, option="--horizon"))
    if delta < pd.Timedelta(days=7):
        raise InputError(f"--horizon must be at least 7D: the shift plan covers a week; got {text!r}")
    if week_day is not None:
        first = first_day if first_day is not None else forecast_start(loaded.history)
        last = first + delta - pd.Timedelta(days=7)
        if no_shifts or not first <= week_day <= last:
            raise InputError(f"--week-start must be a date from {first.date()} to {last.date()} (a whole week inside "
                             f"the {text} forecast from {first.date()}), with the shift plan on; got {week_start!r}")
    if no_shifts and agents is not None:
        raise InputError("--agents needs the shift plan; drop --no-shifts or --agents")
    if not no_shifts:  # shift rules that cannot fit the interval are bad input, found before any work
        build_templates(settings.shifts, interval_minutes(loaded.history, settings.site.interval_minutes))
    team = validate_agents(read_table(agents), source=str(agents)) if agents is not None else None
    store = opts.open_store(settings, out)
    seconds = {"read": round(time.perf_counter() - began, 3)}

    console = opts.stderr_console(quiet)
    queues = loaded.history["queue"].nunique()
    with opts.progress_bar(console) as bar:
        label = "queues: forecast and staff" if no_shifts else "queues: forecast, staff and plan shifts"
        task = bar.add_task(label, total=queues)

        def stage(text: str) -> None:  # after the queues: the time left is unknown
            bar.reset(task, total=None, completed=queues, description=text)

        run = run_plan(loaded.history, settings, horizon=delta, events=loaded.events, agents=team,
                       start=first_day, week_start=week_day,
                       workers=workers, dask_scheduler=dask_scheduler, shifts=not no_shifts,
                       progress=lambda queue: bar.update(task, advance=1, description=f"{label} ({queue} done)"),
                       stage=stage)
        stage("report")
        report_began = time.perf_counter()
        report = build_report(run)
        seconds["report"] = round(time.perf_counter() - report_began, 3)
        record = run_record(run, inputs={"history": history if "://" not in history else None, "config": config,
                                         "agents": agents, "events": events},
                            horizon=text, workers=workers, dask_scheduler=dask_scheduler, shifts=not no_shifts,
                            roster=team is not None,
                            notes=(*loaded.notes, *(["--no-shifts: no shift plan and no roster"] if no_shifts else [])),
                            seconds=seconds)
        stage(f"writing {out}")
        write_folder(out, plan_files(run, record, report), command="plan")
    snapshot = store.save_forecast(run.forecast.forecast, command="plan")

    done = [(queue, facts) for queue, facts in record["queues"].items() if facts["model"] is not None]
    for queue, facts in done[:SHOWN_QUEUES]:
        console.print(f"{queue}: {facts['model']} (backtest wMAPE {facts['wmape']:.3f})", markup=False)
    if len(done) > SHOWN_QUEUES:
        console.print(f"... and {len(done) - SHOWN_QUEUES} more queues (run.json)", markup=False)
    if run.shift_plan is not None:
        plan = run.shift_plan
        console.print(f"shift plan for the week of {plan.week_start.date()} (of the {text} "
                      f"forecast from {run.forecast.forecast['interval_start'].min().date()}): {int(plan.shifts['agents'].sum()):,} shifts, {plan.paid_agent_hours:,.0f} paid "
                      f"agent-hours, {plan.status} (gap {plan.gap:.2%})", markup=False)
        cause = shortfall_cause(plan, settings.shifts.max_agents)
        if cause is not None:  # a warning: shown with --quiet too
            print(f"shiftcast: SHORT {plan.shortfall_agent_hours:,.1f} agent-hours: {cause}", file=sys.stderr)
    if "skill_groups" in record:
        facts = record["skill_groups"]
        levels = ", ".join(f"{q} {v:.1%}" for q, v in facts["simulated_service_level"].items())
        console.print(f"skill groups ({', '.join(facts['groups'])}): cost {facts['cost']:,.0f} against "
                      f"{facts['dedicated_cost']:,.0f} with every queue on its own ({facts['saving']:.1%} less); "
                      f"simulated service level {levels}", markup=False)
        for queue, blended in facts["blending"].items():
            console.print(f"{queue} blended into live agents' idle time, replacing about "
                          f"{blended['replaced_agent_hours']:,.0f} dedicated agent-hours: dedicated staff "
                          f"{blended['dedicated_agent_hours']:,.0f} "
                          f"agent-hours on contacts instead of {blended['dedicated_agent_hours_unblended']:,.0f}",
                          markup=False)
    if run.roster is not None:
        facts = run.roster.summary()
        console.print(f"roster: {facts['shifts_assigned']:,} shifts to {facts['agents']} agents, "
                      f"{facts['shifts_unassigned']:,} unassigned", markup=False)
    console.print(f"wrote {out}/ (report.html, run.json and the tables) in {time.perf_counter() - began:.1f} s; "
                  f"forecast stored as snapshot {snapshot} in {store.shown}", markup=False)
    for note in record["notes"]:
        if note in run.notes:  # the run's own (a worker that died, skill groups not used): shown with --quiet too
            print(f"shiftcast: note: {note}", file=sys.stderr)
        else:
            console.print(f"note: {note}", markup=False)
    for name, message in run.failures.items():
        print(f"shiftcast: {name} failed: {message}", file=sys.stderr)
    for name, reason in record["missing"].items():
        print(f"shiftcast: not written: {name} ({reason})", file=sys.stderr)
    if run.failures:
        raise typer.Exit(1)
