"""``shiftcast intraday``: history with today's intervals so far -> the rest of today
re-forecast, surge alerts, and with --plan the staffing gap and the moves that close it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.output import check_out_folder, write_folder
from forecast.ingest import Columns
from shiftcast.cli import history as opts
from shiftcast.intraday import OnDuty, intraday_files, parse_now, run_intraday
from shiftcast.pipeline import load_plan

__all__ = ["command"]


def command(
    history: opts.HistoryOpt,
    now: Annotated[str, typer.Option("--now", help="Local time of the update, on an interval boundary, e.g. "
                                                    "2026-03-02T10:00; the history holds today's intervals before it.")],
    out: opts.OutOpt,
    today: Annotated[Optional[Path], typer.Option("--today", help="Today's intervals so far in a file of their own "
                                                                  "(the history's format and columns), added to it.")
                     ] = None,
    config: opts.ConfigOpt = None,
    plan: Annotated[Optional[Path], typer.Option("--plan", help="A plan folder (shiftcast plan) with shifts and roster: "
                                                                "add the staffing gap and the moves.")] = None,
    interval: opts.IntervalOpt = None,
    events: opts.EventsOpt = None,
    query: opts.QueryOpt = None,
    shape: opts.ShapeOpt = "auto",
    timestamp_col: opts.TimestampOpt = None,
    volume_col: opts.VolumeOpt = None,
    queue_col: opts.QueueOpt = None,
    aht_col: opts.AhtOpt = None,
    handle_col: opts.HandleOpt = None,
    abandoned_col: opts.AbandonedOpt = None,
    ignore: opts.IgnoreOpt = None,
) -> None:
    """Re-forecast the rest of today from the intervals so far (forecast.csv from --now to the
    end of the day, today.csv, alerts.csv); with --plan also gap.csv (agents short or over,
    projected service level and abandonment per interval) and moves.csv (overtime, time off,
    moved breaks that close the gap, each explained)."""
    check_out_folder(out, inputs=(history, config, events, today, plan))
    columns = Columns(timestamp_col, volume_col, queue_col, aht_col, handle_col, abandoned_col)
    loaded = opts.load_inputs(history=history, config=config, interval=interval, events=events, query=query,
                              shape=shape, folds=None, columns=columns, ignore=ignore)
    if today is not None:
        loaded = opts.with_today(loaded, today, columns=columns, shape=shape, ignore=ignore)
    stamp = parse_now(now, loaded.config.site.timezone)
    loaded_plan = None if plan is None else load_plan(plan)
    planned = None if loaded_plan is None else OnDuty(loaded_plan.coverage, loaded_plan.roster, loaded_plan.agents)
    run = run_intraday(loaded.history, stamp, loaded.config, events=loaded.events, plan=planned,
                       plan_name=f"--plan {plan.name}" if plan is not None else "--plan")
    files = intraday_files(run)
    files["run.json"] |= {"notes": list(loaded.notes)}
    write_folder(out, files, command="intraday")

    console = Console(stderr=True, soft_wrap=True)
    for note in loaded.notes:
        console.print(f"note: {note}", markup=False)
    for alert in run.alerts.itertuples():
        console.print(f"ALERT {alert.alert} on {alert.queue} since {alert.since:%H:%M} ({alert.intervals} intervals to "
                      f"{alert.until:%H:%M}): {alert.actual:,.0f} contacts against {alert.forecast:,.0f} forecast "
                      f"({alert.ratio:.0%})", markup=False)
    for queue, rows in run.today.groupby("queue", sort=True):
        rest = rows[rows["interval_start"] >= stamp]
        console.print(f"{queue}: rest of today {rest['reforecast'].sum():,.0f} contacts (p10-p90 per interval; "
                      f"morning forecast {rest['morning'].sum():,.0f}); so far {rows['actual'].sum():,.0f} against "
                      f"{rows.loc[rows['interval_start'] < stamp, 'morning'].sum():,.0f}", markup=False)
    if run.moves is not None:
        console.print(f"projected service level below target: {run.moves.shortfall_before * 100:.1f} points over the "
                      f"rest of the day; with {len(run.moves.moves)} move(s) {run.moves.shortfall_after * 100:.1f}",
                      markup=False)
        for move in run.moves.moves.itertuples():
            console.print(f"  {move.agent}: {move.what} on {move.queue} ({move.why}; buys {move.buys_points:+.1f} "
                          f"points)", markup=False)
    console.print(f"wrote {', '.join(str(out / name) for name in files)}", markup=False)
