"""``shiftcast plan``: history -> forecast, requirements, shift plan, roster and report, one folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.console import Console

from forecast.ingest import Columns
from shiftcast.cli import history as opts
from shiftcast.cli.options import duration_seconds
from shiftcast.errors import InputError
from shiftcast.output import write_folder
from shiftcast.pipeline import default_workers, plan_files, run_plan, run_record
from shiftcast.readers import read_table
from shiftcast.report import build_report
from shiftcast.schema import validate_agents

Opt = typer.Option


def command(
    history: opts.HistoryOpt,
    out: opts.OutOpt,
    config: opts.ConfigOpt = None,
    agents: Annotated[Optional[Path], Opt(help="agents.csv: named agents to roster onto the plan.")] = None,
    events: opts.EventsOpt = None,
    horizon: Annotated[Optional[str], Opt(help="How far ahead, e.g. 14D (default: [forecast] horizon_days).")] = None,
    workers: Annotated[Optional[int], Opt(help="Worker processes for the queues (default: all cores).")] = None,
    dask_scheduler: Annotated[Optional[str], Opt(help="Run the queues on this Dask scheduler, e.g. "
                                                      "tcp://10.0.0.5:8786.")] = None,
    interval: opts.IntervalOpt = None,
    query: opts.QueryOpt = None,
    shape: opts.ShapeOpt = "auto",
    timestamp_col: opts.TimestampOpt = None,
    volume_col: opts.VolumeOpt = None,
    queue_col: opts.QueueOpt = None,
    aht_col: opts.AhtOpt = None,
) -> None:
    """Forecast, staff, plan shifts and roster every queue; write one run folder with report.html."""
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers must be >= 1; got {workers}")
    loaded = opts.load_inputs(history=history, config=config, interval=interval, events=events, query=query,
                              shape=shape, folds=None,
                              columns=Columns(timestamp_col, volume_col, queue_col, aht_col, None, None))
    settings = loaded.config
    text = horizon or f"{settings.forecast.horizon_days}D"
    delta = pd.Timedelta(seconds=duration_seconds(text, option="--horizon"))
    staff = validate_agents(read_table(agents), source=str(agents)) if agents is not None else None

    console = Console(stderr=True, soft_wrap=True)
    queues = loaded.history["queue"].nunique()
    with opts.progress_bar(console) as bar:
        task = bar.add_task("forecast and staff", total=queues)
        run = run_plan(loaded.history, settings, horizon=delta, events=loaded.events, agents=staff,
                       workers=workers, dask_scheduler=dask_scheduler,
                       progress=lambda queue: bar.update(task, advance=1, description=queue))
    record = run_record(run, inputs={"history": history if "://" not in history else None, "config": config,
                                     "agents": agents, "events": events},
                        horizon=text, workers=workers, dask_scheduler=dask_scheduler, notes=loaded.notes)
    write_folder(out, plan_files(run, record, build_report(run)))

    for queue, facts in record["queues"].items():
        console.print(f"{queue}: {facts['model']} (backtest wMAPE {facts['wmape']:.3f})", markup=False)
    if run.shift_plan is not None:
        plan = run.shift_plan
        console.print(f"shift plan: {int(plan.shifts['agents'].sum()):,} shifts, {plan.paid_agent_hours:,.0f} paid "
                      f"agent-hours, {plan.status} (gap {plan.gap:.2%})", markup=False)
    if run.roster is not None:
        facts = run.roster.summary()
        console.print(f"roster: {facts['shifts_assigned']:,} shifts to {facts['agents']} agents, "
                      f"{facts['shifts_unassigned']:,} unassigned", markup=False)
    console.print(f"wrote {out}/ (report.html, run.json and the tables) in {sum(v for k, v in run.seconds.items() if ':' not in k):.1f} s",
                  markup=False)
    for name, message in run.failures.items():
        print(f"shiftcast: {name} failed: {message}", file=sys.stderr)
    if run.failures:
        raise typer.Exit(1)
