"""``shiftcast review``: a contact log -> actuals per queue and interval beside what the
staffing model predicts with the staff that worked (review.csv)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console

import pandas as pd

from core.config import Config, load_config, queue_table_notes
from core.errors import InputError
from core.schema import interval_minutes
from core.output import check_out_folder, write_folder
from forecast.ingest import read_source
from review.accuracy import accuracy_by_lead
from review.actuals import actuals, days_without_data, predicted
from review.log import LogColumns, read_log
from review.miss import daily_miss, with_plan
from shiftcast.pipeline import load_plan
from shiftcast.report import build_review_report
from shiftcast.cli.history import (AbandonedOpt, ConfigOpt, HandleOpt, IgnoreOpt, IntervalOpt, OutOpt, QueryOpt,
                                   QueueOpt, ignored_rows, interval_minutes_option, open_store)

Opt = typer.Option
DEFAULT_MINUTES = 30  # review intervals without --interval or [site] interval_minutes
MIN_CONTACTS = 20  # intervals with fewer offered contacts are left out of the printed error figures


LogOpt = Annotated[str, Opt("--log", help="Contact log: CSV, Parquet, Excel, a SQLite file or a SQLAlchemy URL.")]
ArrivalOpt = Annotated[Optional[str], Opt("--arrival-col", help="Column: entry into the agent queue.")]
WaitOpt = Annotated[Optional[str], Opt("--wait-col", help="Column: seconds until answered or abandoned.")]
AgentOpt = Annotated[Optional[str], Opt("--agent-col", help="Column: the answering agent's id.")]


def read_contact_log(log: str, config: Path | None, interval: str | None, query: str | None, columns: LogColumns,
                     ignore: list[str] | None) -> tuple[Config, int, pd.DataFrame, list[str]]:
    """The settings, interval minutes, standard log and notes of a review or calibrate run."""
    settings = load_config(config)
    minutes = interval_minutes_option(interval, settings.site.interval_minutes or DEFAULT_MINUTES)
    source = Path(log).name if "://" not in log else "query"
    contacts, notes = read_log(read_source(log, query=query), timezone=settings.site.timezone, columns=columns,
                               ignore=ignored_rows(ignore), source=source)
    notes += queue_table_notes(settings, contacts["queue"].unique())
    missing = days_without_data(contacts)
    if missing:
        notes.append(f"{len(missing)} day(s) without any contact between the log's first and last day, left out "
                     f"(a gap in the log?): {missing[0]} to {missing[-1]}" if len(missing) > 3 else
                     f"{len(missing)} day(s) without any contact, left out: {', '.join(map(str, missing))}")
    return settings, minutes, contacts, notes


def command(
    log: LogOpt,
    out: OutOpt,
    config: ConfigOpt = None,
    interval: IntervalOpt = None,
    query: QueryOpt = None,
    arrival_col: ArrivalOpt = None,
    queue_col: QueueOpt = None,
    wait_col: WaitOpt = None,
    handle_col: HandleOpt = None,
    abandoned_col: AbandonedOpt = None,
    agent_col: AgentOpt = None,
    ignore: IgnoreOpt = None,
    plan: Annotated[Optional[Path], Opt("--plan", help="A plan folder (shiftcast plan): add its forecast and "
                                                        "planned staff, and explain each day's miss.")] = None,
) -> None:
    """Offered, answered, abandoned, handle time, service level, ASA, abandonment and agents
    staffed per queue and interval, with the model's service level, ASA and abandonment at
    the staff that worked: writes review.csv, stores the actuals, and writes accuracy.csv:
    the stored forecasts' accuracy by lead time, and report.html (all of it on one page, with
    charts). With --plan also the forecast and planned staff, and daily.csv: each day's
    service-level gap split into volume, handle time, staffing and model parts that add up
    to it."""
    check_out_folder(out, inputs=(Path(log) if "://" not in log else None, config))
    columns = LogColumns(arrival_col, queue_col, wait_col, handle_col, abandoned_col, agent_col)
    settings, minutes, contacts, notes = read_contact_log(log, config, interval, query, columns, ignore)
    table = predicted(actuals(contacts, settings, interval_minutes=minutes), settings, interval_minutes=minutes)
    record = {"notes": notes, "interval_minutes": minutes, "contacts": len(contacts),
              "session_gap_minutes": settings.review.session_gap_minutes}
    store = open_store(settings, out)
    files: dict[str, object] = {"review.csv": table}
    if plan is not None:
        planned = load_plan(plan).requirements
        plan_minutes = interval_minutes(planned, None)
        if plan_minutes != minutes:
            raise InputError(f"--plan {plan.name} has {plan_minutes}-minute intervals and the review {minutes}-minute "
                             f"ones; pass --interval {plan_minutes}min")
        table = with_plan(table, planned)
        daily = daily_miss(table, settings, interval_minutes=minutes)
        if daily.empty:
            raise InputError(f"--plan {plan.name} covers none of the log's days and queues; give the plan of the "
                             f"days the log holds")
        files |= {"review.csv": table, "daily.csv": daily}
    stored = store.save_actuals(table)
    accuracy = accuracy_by_lead(store.forecasts(settings.site.timezone), store.actuals(settings.site.timezone))
    if len(accuracy):
        files["accuracy.csv"] = accuracy
    record["store"] = {"url": store.shown, "actuals_saved": stored, "forecast_snapshots": store.count("forecast_snapshots")}
    page = build_review_report(files["review.csv"], files.get("daily.csv"), accuracy, site=settings.site,
                               interval_minutes=minutes, min_contacts=MIN_CONTACTS)
    write_folder(out, {**files, "report.html": page, "run.json": record}, command="review")

    console = Console(stderr=True, soft_wrap=True)
    for note in notes:
        console.print(f"note: {note}", markup=False)
    for queue, rows in table.groupby("queue", sort=False):
        busy = rows[rows["offered"] >= MIN_CONTACTS]
        line = (f"{queue}: {int(rows['offered'].sum()):,} offered, {int(rows['answered'].sum()):,} answered, "
                f"{int(rows['abandoned'].sum()):,} abandoned")
        if len(busy) and busy["sl_predicted"].notna().any():
            error = busy["sl_predicted"] - busy["sl_actual"]
            line += (f"; predicted service level off by {np.abs(error).mean() * 100:.1f} points on average (bias "
                     f"{error.mean() * 100:+.1f}) "
                     f"in {len(busy):,} intervals with {MIN_CONTACTS}+ contacts")
        console.print(line, markup=False)
    if "daily.csv" in files:
        for day in files["daily.csv"].itertuples():
            console.print(f"{day.queue} {day.date}: service level {day.sl_actual:.1%} against {day.sl_planned:.1%} "
                          f"planned ({day.gap * 100:+.1f} points: volume {day.part_volume * 100:+.1f}, handle time "
                          f"{day.part_aht * 100:+.1f}, staffing {day.part_staffing * 100:+.1f}, model "
                          f"{day.part_model * 100:+.1f})", markup=False)
    for row in accuracy.itertuples():
        console.print(f"{row.queue} forecast {row.lead_days} day(s) ahead: wMAPE {row.wmape:.3f} (bias {row.bias:+.3f}; "
                      f"Poisson floor {row.poisson_floor:.3f}, seasonal naive {row.seasonal_naive_wmape:.3f}) over "
                      f"{row.intervals:,} intervals", markup=False)
    console.print(f"wrote {', '.join(str(out / name) for name in [*files, 'report.html'])} ({len(table):,} rows); actuals stored in "
                  f"{store.shown} ({record['store']['forecast_snapshots']} forecast snapshot(s) there)", markup=False)
