"""Options and input loading shared by ``shiftcast forecast`` and ``shiftcast backtest``.

Reads the history (file, SQLite file or SQLAlchemy URL with ``--query``), maps its columns,
aggregates a contact log or re-aggregates intervals (``--interval``), reads the events
file, and hands the library a validated Frame A plus the settings to use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from forecast.calendar import read_events
from forecast.hours import with_history_hours
from forecast.ingest import Columns, ingest, read_source
from shiftcast.cli.options import duration_seconds
from core.config import Config, load_config, queue_table_notes
from core.errors import InputError
from core.readers import read_table
from core.schema import interval_minutes as minutes_of
from core.store import Store, store_url

__all__ = ["Loaded", "ignored_rows", "interval_minutes_option", "load_inputs", "open_store", "progress_bar", "stderr_console",
           "start_date"]

Opt = typer.Option
HistoryOpt = Annotated[str, Opt("--history", help="History: CSV, Parquet, Excel, a SQLite file or a SQLAlchemy URL.")]
OutOpt = Annotated[Path, Opt("--out", help="Output folder; replaced only when the run succeeds.")]
ConfigOpt = Annotated[Optional[Path], Opt("--config", help="shiftcast.toml; built-in defaults if omitted.")]
IntervalOpt = Annotated[Optional[str], Opt("--interval", help="Re-aggregate to 15min, 30min or 60min.")]
EventsOpt = Annotated[Optional[Path], Opt("--events", help="Events file: start, end, name, expected_multiplier.")]
QueryOpt = Annotated[Optional[str], Opt("--query", help="SQL query for a database history.")]
ShapeOpt = Annotated[str, Opt("--shape", help="auto, intervals (one row per interval) or contacts (per contact).")]
FoldsOpt = Annotated[Optional[int], Opt("--folds", help="Backtest folds (default: [forecast] folds, 4).")]
TimestampOpt = Annotated[Optional[str], Opt("--timestamp-col", help="Column with interval starts or arrival times.")]
VolumeOpt = Annotated[Optional[str], Opt("--volume-col", help="Column with contacts per interval.")]
QueueOpt = Annotated[Optional[str], Opt("--queue-col", help="Column with the queue or channel.")]
AhtOpt = Annotated[Optional[str], Opt("--aht-col", help="Column with average handle seconds per interval.")]
HandleOpt = Annotated[Optional[str], Opt("--handle-col", help="Contact log: column with handle seconds.")]
AbandonedOpt = Annotated[Optional[str], Opt("--abandoned-col", help="Contact log: column with the abandoned flag.")]
IgnoreOpt = Annotated[Optional[list[str]], Opt("--ignore", help="Rows to leave out, COLUMN=VALUE[,VALUE...], e.g. "
                                                                "outcome=PHANTOM; repeat for more columns.")]
QuietOpt = Annotated[bool, Opt("--quiet", "-q", help="No progress bar and no summary on stderr: only failures, "
                                                  "errors and warnings.")]
StartOpt = Annotated[Optional[str], Opt("--start", help="First local date to forecast (default: the day after "
                                                       "the history).")]


def open_store(settings: Config, out: Path) -> Store:
    """The store for this run (``[store] url``, else shiftcast.db beside OUT, whose folder the
    run makes like OUT's); InputError when unusable."""
    return Store(store_url(settings.store.url, out), make_folder=settings.store.url is None)


def interval_minutes_option(interval: str | None, default: int) -> int:
    """``--interval`` (e.g. ``30min``) in whole minutes that divide a day; DEFAULT without it."""
    if interval is None:
        return default
    seconds = duration_seconds(interval, option="--interval")
    if seconds % 60 or 1440 % (seconds // 60):
        raise InputError(f"--interval must be whole minutes that divide a day, e.g. 15min, 30min or 60min; "
                         f"got {interval!r}")
    return int(seconds // 60)


def ignored_rows(texts: list[str] | None) -> dict[str, tuple[str, ...]]:
    """``--ignore`` options (``COLUMN=VALUE[,VALUE...]``) as column -> values."""
    ignore: dict[str, tuple[str, ...]] = {}
    for text in texts or ():
        column, sep, values = text.partition("=")
        named = tuple(v.strip() for v in values.split(",") if v.strip())
        if not sep or not column.strip() or not named:
            raise InputError(f"--ignore must be COLUMN=VALUE[,VALUE...], e.g. outcome=PHANTOM; got {text!r}")
        ignore[column.strip()] = ignore.get(column.strip(), ()) + named
    return ignore


def start_date(text: str | None, *, option: str = "--start") -> pd.Timestamp | None:
    """The local date ``option`` (``--start``, ``--week-start``) names, or None."""
    if text is None:
        return None
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise InputError(f"{option} must be a date like 2026-03-02; got {text!r}") from None


@dataclass(frozen=True)
class Loaded:
    """A validated Frame A history, the settings to use, the events and notes for the user."""

    history: pd.DataFrame
    config: Config
    events: pd.DataFrame | None
    notes: tuple[str, ...]


def load_inputs(*, history: str, config: Path | None, interval: str | None, events: Path | None,
                query: str | None, shape: str, folds: int | None, columns: Columns,
                ignore: list[str] | None = None) -> Loaded:
    """Read and check everything a forecast or backtest run needs; InputError on bad input."""
    settings = load_config(config)
    minutes = interval_minutes_option(interval, settings.site.interval_minutes)
    if folds is not None and folds < 2:
        raise InputError(f"--folds must be >= 2; got {folds}")
    timezone = settings.site.timezone
    ingested = ingest(read_source(history, query=query), timezone=timezone, interval_minutes=minutes,
                      columns=columns, shape=shape, ignore=ignored_rows(ignore),
                      source=Path(history).name if "://" not in history else "query",
                      interval_source="--interval" if interval is not None else "[site] interval_minutes")
    forecast_settings = settings.forecast.model_copy(update={} if folds is None else {"folds": folds})
    site = settings.site.model_copy(update={"interval_minutes": None if minutes is None else minutes})
    settings = settings.model_copy(update={"site": site, "forecast": forecast_settings})
    settings, hour_notes = with_history_hours(settings, ingested.frame)
    table = None if events is None else read_events(read_table(events), timezone, source=events.name)
    notes = (*ingested.notes, *hour_notes, *queue_table_notes(settings, ingested.frame["queue"].unique()))
    return Loaded(ingested.frame, settings, table, notes)


def with_today(loaded: Loaded, today: Path, *, columns: Columns, shape: str, ignore: list[str] | None) -> Loaded:
    """LOADED with the intervals of the file TODAY added (read like the history, at its
    interval); an interval both files hold is an error naming it."""
    minutes = minutes_of(loaded.history, loaded.config.site.interval_minutes)
    added = ingest(read_source(str(today)), timezone=loaded.config.site.timezone, interval_minutes=minutes,
                   columns=columns, shape=shape, ignore=ignored_rows(ignore), source=today.name).frame
    both = added.merge(loaded.history[["queue", "interval_start"]], on=["queue", "interval_start"])
    if len(both):
        raise InputError(f"--today {today.name} and the history both hold {both['queue'].iloc[0]} at "
                         f"{both['interval_start'].iloc[0]:%Y-%m-%d %H:%M} ({len(both)} interval(s)); give today's "
                         f"intervals in one of them only")
    history = pd.concat([loaded.history, added], ignore_index=True).sort_values(["queue", "interval_start"],
                                                                                kind="stable")
    return Loaded(history.reset_index(drop=True), loaded.config, loaded.events, loaded.notes)


def stderr_console(quiet: bool) -> Console:
    """The commands' stderr console: progress and summary; silent with ``--quiet`` (failures and
    errors are printed apart from it)."""
    return Console(stderr=True, soft_wrap=True, quiet=quiet)


def progress_bar(console: Console) -> Progress:
    """A transient progress bar on stderr: stage, steps done of all, time spent and left; off
    with ``--quiet`` and when stderr is not a terminal."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("left"), TimeRemainingColumn(), console=console, transient=True,
                    disable=console.quiet or not console.is_terminal)
