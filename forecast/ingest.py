"""Ingest: a user's export (file or SQL query) -> validated Frame A in the site's time zone.

Two input shapes, told apart by whether a volume column is found (or set by ``shape``):

- **interval exports** (an ACD report, a warehouse table): one row per interval with a
  timestamp, a volume and optionally an AHT, per queue;
- **contact logs** (a ticket system's CSV): one row per contact with its arrival time and
  optionally handle seconds, a queue/channel and an abandoned flag. They are counted into
  intervals (``volume``; ``aht_seconds`` = mean handle seconds of the contacts that have
  one; ``abandoned`` = abandoned contacts). Every interval between the first and last
  local day is a row, zero when no contact arrived, except on days without any contact
  (in any queue) on a weekday that usually has at least ``GAP_DAY_CONTACTS``: those are
  left out, so they read as data gaps (a lost export, a holiday missing from the file),
  not as empty days. Rows identical in every column are dropped as export duplicates when
  a column besides the arrival time and queue could tell two contacts apart; without one
  they are kept (two contacts can arrive in the same second). A note counts either.

Column names are matched case-insensitively against common names
(:data:`COLUMN_CANDIDATES`), or given in :class:`Columns`. Timestamps with a UTC offset are
converted to the site's zone; timestamps without one are read as site-local wall-clock
time (the notes say so). A wall time skipped when clocks go forward (an export that labels
a 23-hour day with 24 hours) is moved to the first valid interval after the gap, and its
volume added there. The hour repeated when clocks go back is two hours, told apart by order
within each queue: the first copy of a wall time is summer time, the second standard time
(so the repeated 02:00 rows of a naive export are two intervals, not duplicates); a wall
time of that hour that appears once is read as summer time (the standard-time copy then has
no row; the forecast grid, which works in wall-clock slots, is unaffected).
``interval_minutes`` re-aggregates to coarser intervals (e.g. 5-minute rows to 30 minutes);
intervals are local, so DST days have 23 or 25 hours.

Sources: CSV, Parquet, Excel (:func:`core.readers.read_table`), a SQLite file
(``.db``, ``.sqlite``, ``.sqlite3``: the embedded default), or any SQLAlchemy URL, each
with a query.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.grid import interval_keys, interval_starts, wall_positions
from core.errors import InputError, check_range, format_values
from core.readers import read_table
from core.schema import (DEFAULT_QUEUE, MAX_AHT_SECONDS, interval_minutes, parse_timestamps,
                              validate_frame_a)

__all__ = ["Columns", "Ingested", "COLUMN_CANDIDATES", "SQLITE_SUFFIXES", "drop_ignored", "find_column", "ingest",
           "patience_seconds", "read_source", "read_sql", "reaggregate"]

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
DEFAULT_CONTACT_MINUTES = 15
# A day without any contact is a data gap when that weekday's median day has at least this many
# contacts (zero would then be implausible); on quieter weekdays it is a true zero.
GAP_DAY_CONTACTS = 10
COLUMN_CANDIDATES = {
    "timestamp": ("interval_start", "timestamp", "datetime", "date_time", "time", "start", "start_time",
                  "interval", "period_start", "arrival", "arrival_time", "arrived_at", "created", "created_at",
                  "opened_at", "ts"),
    "volume": ("volume", "calls", "contacts", "offered", "calls_offered", "arrivals", "count", "tickets", "chats"),
    "queue": ("queue", "queue_name", "channel", "skill", "split", "service", "type"),
    "aht": ("aht_seconds", "aht", "avg_handle_time", "average_handle_time", "handle_time_avg"),
    "handle": ("handle_seconds", "handle_time", "handle_time_seconds", "service_seconds", "ser_time",
               "talk_seconds", "duration_seconds"),
    "abandoned": ("abandoned", "is_abandoned", "abandon"),
    "wait": ("wait_seconds", "wait", "queue_seconds", "wait_time", "waiting_seconds"),
    "agent": ("agent", "agent_id", "agent_name", "answered_by", "user", "assignee"),
}
MIN_ABANDONED_FOR_PATIENCE = 20  # fewer abandoned contacts give no patience estimate


@dataclass(frozen=True)
class Columns:
    """Source column names; None means auto-detect from :data:`COLUMN_CANDIDATES`."""

    timestamp: str | None = None
    volume: str | None = None
    queue: str | None = None
    aht: str | None = None
    handle: str | None = None
    abandoned: str | None = None
    wait: str | None = None


@dataclass(frozen=True)
class Ingested:
    """A validated Frame A, the input shape (``"intervals"`` or ``"contacts"``), notes for the
    user, and per queue the mean patience in seconds that a contact log's waits and abandoned
    flags show (:func:`patience_seconds`; empty for an interval export)."""

    frame: pd.DataFrame
    shape: str
    notes: tuple[str, ...]
    patience_seconds: dict[str, float] = field(default_factory=dict)


def patience_seconds(queue: pd.Series, wait_seconds: pd.Series, abandoned: pd.Series) -> dict[str, float]:
    """Mean patience per queue, in seconds, assuming exponential patience: the maximum-likelihood
    estimate with answered contacts' waits as censored observations, total wait / abandoned
    contacts (Brown et al. 2005, JASA, on the Anonymous Bank data; Mandelbaum & Zeltyn).
    Queues with fewer than ``MIN_ABANDONED_FOR_PATIENCE`` abandoned contacts get none."""
    table = pd.DataFrame({"queue": queue, "wait": wait_seconds, "abandoned": abandoned}).dropna()
    sums = table.groupby("queue")[["wait", "abandoned"]].sum()
    enough = sums[sums["abandoned"] >= MIN_ABANDONED_FOR_PATIENCE]
    return {str(name): float(row.wait / row.abandoned) for name, row in enough.iterrows()}


def read_sql(url: str, query: str) -> pd.DataFrame:
    """Run ``query`` on a SQLAlchemy ``url``; a failing query or connection is an InputError."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        shown = make_url(url).render_as_string(hide_password=True)
        engine = create_engine(url)
    except (ArgumentError, ValueError, ImportError) as error:
        raise InputError(f"{url!r} is not a usable database URL ({error}); "
                         f"write e.g. sqlite:///history.db or postgresql://user@host/db") from None
    try:
        with engine.connect() as connection:
            frame = pd.read_sql_query(text(query), connection)
    except (SQLAlchemyError, pd.errors.DatabaseError) as error:
        cause = error.__cause__ if isinstance(error, pd.errors.DatabaseError) and error.__cause__ else error
        reason = str(getattr(cause, "orig", None) or cause).splitlines()[0]
        raise InputError(f"SQL query failed on {shown}: {reason}; "
                         f"check the query and the table and column names") from None
    finally:
        engine.dispose()
    if frame.empty:
        raise InputError(f"SQL query on {shown} returned no rows; check the query's filters")
    return frame


def read_source(source: str | Path, *, query: str | None = None, sheet: str | int = 0) -> pd.DataFrame:
    """A table from a file (CSV, Parquet, Excel), a SQLite file plus ``query``, or a SQLAlchemy URL plus ``query``."""
    text = str(source)
    is_url = "://" in text
    is_sqlite = not is_url and Path(text).suffix.lower() in SQLITE_SUFFIXES
    if not (is_url or is_sqlite):
        if query is not None:
            raise InputError(f"--query needs a database: give a SQLite file ({', '.join(SQLITE_SUFFIXES)}) "
                             f"or a SQLAlchemy URL, not {text}")
        return read_table(text, sheet=sheet)
    if query is None:
        raise InputError(f"{text} is a database; pass --query, e.g. \"SELECT * FROM calls\"")
    if is_sqlite:
        if not Path(text).is_file():
            raise InputError(f"file {text} not found; check the path")
        text = f"sqlite:///{Path(text).resolve()}"
    return read_sql(text, query)


def _normal(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def find_column(table: pd.DataFrame, role: str, given: str | None) -> str | None:
    """The column playing ``role``: the given name (must exist) or the first candidate present."""
    by_normal = {_normal(c): c for c in table.columns}
    if given is not None:
        if given in table.columns:
            return given
        if _normal(given) in by_normal:
            return by_normal[_normal(given)]
        option = "--ignore" if role == "ignore" else f"--{role}-col"
        raise InputError(f"{option} {given!r} is not a column; found {', '.join(map(str, table.columns))}")
    return next((by_normal[c] for c in COLUMN_CANDIDATES[role] if c in by_normal), None)


def drop_ignored(table: pd.DataFrame, ignore: Mapping[str, Collection[str]],
                 source: str = "history") -> tuple[pd.DataFrame, list[str]]:
    """TABLE without the rows to ignore, and a note per column: ``ignore`` maps a column
    (matched as in :class:`Columns`) to the values whose rows are dropped, compared as
    text with surrounding spaces and case ignored (e.g. ``{"outcome": ["PHANTOM"]}``:
    virtual calls that are not work)."""
    notes = []
    for given, values in ignore.items():
        column = find_column(table, "ignore", given)
        wanted = {str(value).strip().lower() for value in values}
        hit = table[column].astype("string").str.strip().str.lower().isin(wanted).fillna(False)
        if hit.all():
            raise InputError(f"{source}: ignoring {column} = {', '.join(sorted(values))} leaves no rows; "
                             f"check the values to ignore")
        table = table[~hit.to_numpy()]
        notes.append(f"{int(hit.sum()):,} row(s) ignored where {column} is {' or '.join(sorted(values))}")
    return table, notes


def _parse(values: pd.Series, timezone: str, column: str,
           queue: pd.Series) -> tuple[pd.Series, pd.Series, list[str]]:
    """Timestamps in the site's zone, which of them moved out of the hour skipped in spring, and notes."""
    stamps, naive = parse_timestamps(values.reset_index(drop=True), timezone, column=column,
                                     by=queue.reset_index(drop=True), nonexistent="shift_forward")
    moved = pd.Series(False, index=stamps.index)
    notes = []
    if naive:
        notes.append(f"{column} has no UTC offset: read as {timezone} local time")
        text = values.astype("string").str.strip().reset_index(drop=True)
        wall = pd.to_datetime(text, format="ISO8601") if not pd.api.types.is_datetime64_dtype(values.dtype) \
            else values.reset_index(drop=True)
        moved = stamps.dt.tz_localize(None) != wall
        if moved.any():
            notes.append(f"{int(moved.sum())} {column} value(s) fall in the hour skipped when clocks went forward: "
                         f"counted in the first interval after it")
    return stamps, moved, notes


def _merge(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum rows that share a queue and interval (AHT weighted by volume)."""
    frame = frame.assign(volume=pd.to_numeric(frame["volume"], errors="coerce"))
    has_aht = "aht_seconds" in frame.columns
    if has_aht:
        frame["aht_seconds"] = pd.to_numeric(frame["aht_seconds"], errors="coerce")
        frame["_seconds"] = frame["aht_seconds"] * frame["volume"]
    grouped = frame.groupby(["queue", "interval_start"], sort=True)
    merged = grouped["volume"].sum(min_count=1).reset_index()
    if has_aht:
        seconds = grouped["_seconds"].sum(min_count=1).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            merged["aht_seconds"] = np.where(merged["volume"] > 0, seconds / merged["volume"], np.nan)
    return merged


def reaggregate(frame: pd.DataFrame, minutes: int, *, source: str = "history",
                interval_source: str = "--interval") -> pd.DataFrame:
    """Sum a validated Frame A into ``minutes``-long local intervals (a multiple of its own).

    ``interval_source`` names the setting ``minutes`` came from in an error message.
    """
    current = interval_minutes(frame)
    if minutes == current:
        return frame
    if minutes < current or minutes % current:
        raise InputError(f"{interval_source} must be a multiple of the data's {current}-minute intervals; "
                         f"got {minutes} minutes; choose {current} (the data's own) or a multiple such as "
                         f"{current * max(2, -(-30 // current))}")
    keyed = frame.assign(interval_start=interval_keys(frame["interval_start"], minutes))
    return validate_frame_a(_merge(keyed), str(frame["interval_start"].dt.tz), source=source)


def _intervals_table(table: pd.DataFrame, names: dict[str, str | None], timezone: str,
                     source: str) -> tuple[pd.DataFrame, list[str]]:
    frame = pd.DataFrame({"queue": table[names["queue"]] if names["queue"] else DEFAULT_QUEUE,
                          "interval_start": table[names["timestamp"]], "volume": table[names["volume"]]})
    if names["aht"]:
        frame["aht_seconds"] = table[names["aht"]]
    frame["queue"] = frame["queue"].astype("string").fillna(DEFAULT_QUEUE).astype(str)
    frame = frame.reset_index(drop=True)
    frame["interval_start"], moved, notes = _parse(frame["interval_start"], timezone, names["timestamp"],
                                                   frame["queue"])
    _reject_duplicates(frame[~moved], names["timestamp"], source)
    if moved.any():  # rows moved out of the hour skipped in spring join the interval after it
        frame = _merge(frame)
    return frame, notes


def _reject_duplicates(frame: pd.DataFrame, column: str, source: str) -> None:
    """InputError when two rows of a queue start at the same instant (the repeated autumn hour's
    two copies are two instants by then)."""
    duplicated = frame.duplicated(["queue", "interval_start"], keep=False)
    if duplicated.any():
        shown = frame.loc[duplicated, ["interval_start", "queue"]].drop_duplicates().head(3)
        where = ", ".join(f"{t.isoformat()} (queue {q})" for t, q in shown.itertuples(index=False))
        raise InputError(f"{source}: {column} has duplicate rows for the same queue at {where}; "
                         f"keep one row per queue and interval")


def _repeated_contacts(table: pd.DataFrame, names: dict[str, str | None]) -> tuple[pd.DataFrame, list[str]]:
    """Drop rows identical in every column when some column besides the arrival time and queue
    (an id, handle seconds) could tell two contacts apart: an export's duplicates. With only
    those two columns repeats can be real contacts: keep them. Either way a note says how many."""
    repeated = table.duplicated(keep="first")
    if not repeated.any():
        return table, []
    count = int(repeated.sum())
    keys = [names["timestamp"]] + ([names["queue"]] if names["queue"] else [])
    if set(table.columns) - set(keys):
        return table[~repeated], [f"{count:,} row(s) identical to an earlier row in every column dropped as "
                                  f"export duplicates"]
    return table, [f"{count:,} row(s) repeat an earlier row's {' and '.join(map(str, keys))}: counted as "
                   f"separate contacts (they can be real); remove them from the export if they are duplicates"]


def _contacts_table(table: pd.DataFrame, names: dict[str, str | None], timezone: str, minutes: int,
                    closed: str, source: str) -> tuple[pd.DataFrame, list[str], dict[str, float]]:
    table, repeat_notes = _repeated_contacts(table, names)
    queue = (table[names["queue"]] if names["queue"] else pd.Series(DEFAULT_QUEUE, index=table.index))
    queue = queue.astype("string").fillna(DEFAULT_QUEUE).astype(str).reset_index(drop=True)
    arrival, _, notes = _parse(table[names["timestamp"]], timezone, names["timestamp"], queue)
    notes += repeat_notes
    contacts = pd.DataFrame({"queue": queue, "interval_start": interval_keys(arrival, minutes, closed=closed)})
    if names["handle"]:
        handle = pd.to_numeric(table[names["handle"]].reset_index(drop=True), errors="coerce")
        known = handle.notna()
        check_range(names["handle"], handle[known], low=0, high=MAX_AHT_SECONDS,
                    labels=[str(t) for t in arrival[known]],
                    fix="handle seconds are durations of up to a day; fix or drop the row")
        contacts["handle"] = handle.where(handle > 0)
    if names["abandoned"]:
        flag = table[names["abandoned"]].reset_index(drop=True)
        text = flag.astype("string").str.strip().str.lower()
        truthy, falsy = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}
        unknown = ~(text.isin(truthy | falsy) | text.isna())
        if unknown.any():
            raise InputError(f"{names['abandoned']} must be true/false or 1/0; got "
                             f"{format_values(flag[unknown].tolist(), int(unknown.sum()))}; fix those rows")
        contacts["abandoned"] = text.isin(truthy).astype(int)
    patience = {}
    if names["wait"] and names["abandoned"]:
        wait = pd.to_numeric(table[names["wait"]].reset_index(drop=True), errors="coerce")
        check_range(names["wait"], wait[wait.notna()], low=0, high=MAX_AHT_SECONDS,
                    labels=[str(t) for t in arrival[wait.notna()]],
                    fix="waits are seconds in the queue, up to a day; fix or drop the row")
        patience = patience_seconds(queue, wait, contacts["abandoned"])
        if patience:
            notes.append("patience in the data (total wait / abandoned contacts): " + ", ".join(
                f"{name} {seconds:.0f} s" for name, seconds in patience.items())
                + "; set [queues.NAME] patience_seconds to staff with Erlang A")
    grouped = contacts.groupby(["queue", "interval_start"], sort=True)
    counted = grouped.size().rename("volume").reset_index()
    if names["handle"]:
        counted["aht_seconds"] = grouped["handle"].mean().to_numpy()
    if names["abandoned"]:
        counted["abandoned"] = grouped["abandoned"].sum().to_numpy()

    days, _ = wall_positions(counted["interval_start"], minutes)
    per_day = counted.groupby(days)["volume"].sum()
    span = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
    typical = per_day.groupby(per_day.index.day_of_week).median()
    quiet = typical[typical < GAP_DAY_CONTACTS].index
    empty = span.difference(per_day.index)
    gaps = empty[~empty.day_of_week.isin(quiet)]
    index = interval_starts(span[0], len(span), timezone, minutes)
    index_days, _ = wall_positions(index, minutes)
    index = index[~index_days.isin(gaps)]
    skipped = len(gaps)
    full = pd.MultiIndex.from_product([sorted(counted["queue"].unique()), index], names=["queue", "interval_start"])
    frame = counted.set_index(["queue", "interval_start"]).reindex(full).reset_index()
    frame["volume"] = frame["volume"].fillna(0.0)
    if "abandoned" in frame.columns:
        frame["abandoned"] = frame["abandoned"].fillna(0.0)
    notes.append(f"contact log: {len(contacts):,} contacts counted into {minutes}-minute intervals"
                 + (f"; {skipped} day(s) without any contact left out as data gaps" if skipped else ""))
    if "aht_seconds" in frame.columns:
        unknown = (frame["volume"] > 0) & frame["aht_seconds"].isna()
        fill = frame.groupby("queue")["aht_seconds"].transform("median").fillna(frame["aht_seconds"].median())
        if fill.isna().all():
            frame = frame.drop(columns="aht_seconds")
            notes.append(f"{names['handle']} is empty for every contact: no handle time in the history")
        else:
            frame.loc[unknown, "aht_seconds"] = fill[unknown]
            frame.loc[frame["volume"] == 0, "aht_seconds"] = np.nan
            if unknown.any():
                notes.append(f"{int(unknown.sum())} interval(s) had contacts but none with a handle time: "
                             f"given the queue's median AHT (all queues' for a queue with none)")
    return frame, notes, patience


def ingest(table: pd.DataFrame, *, timezone: str, interval_minutes: int | None = None,
           columns: Columns | None = None, shape: str = "auto", closed: str = "left",
           ignore: Mapping[str, Collection[str]] | None = None, source: str = "history",
           interval_source: str = "--interval") -> Ingested:
    """Turn a raw table into a validated Frame A (see the module docstring).

    ``shape``: ``"auto"``, ``"intervals"`` or ``"contacts"``. ``interval_minutes``: the
    output interval (contact logs default to 15 minutes; interval exports keep theirs
    unless a coarser one is asked for). ``closed="right"`` counts a contact arriving
    exactly on a boundary in the interval before it. ``ignore``: rows to drop first
    (:func:`drop_ignored`). ``interval_source`` names where ``interval_minutes`` came from
    (``--interval``, ``[site] interval_minutes``) in an error.
    """
    if shape not in ("auto", "intervals", "contacts"):
        raise InputError(f"shape must be auto, intervals or contacts; got {shape!r}")
    if table.empty:
        raise InputError(f"{source} has no rows; give at least one interval or contact")
    columns = columns or Columns()
    table, ignore_notes = drop_ignored(table, ignore or {}, source)
    names = {role.name: find_column(table, role.name, getattr(columns, role.name)) for role in fields(Columns)}
    if names["timestamp"] is None:
        raise InputError(f"{source} has no timestamp column; found {', '.join(map(str, table.columns))}. "
                         f"Name it interval_start (or arrival for a contact log), or pass --timestamp-col")
    if shape == "auto":
        shape = "intervals" if names["volume"] else "contacts"
    if shape == "intervals":
        if names["volume"] is None:
            raise InputError(f"{source} has no volume column; found {', '.join(map(str, table.columns))}. "
                             f"Name it volume or pass --volume-col (or --shape contacts for a contact log)")
        frame, notes = _intervals_table(table, names, timezone, source)
        patience = {}
    else:
        minutes = interval_minutes or DEFAULT_CONTACT_MINUTES
        frame, notes, patience = _contacts_table(table, names, timezone, minutes, closed, source)
    used = ", ".join(f"{role}={name}" for role, name in names.items() if name)
    notes[:0] = ignore_notes
    notes.insert(0, f"{source}: read as {'an interval export' if shape == 'intervals' else 'a contact log'} ({used})")
    frame = validate_frame_a(frame, timezone, source=source)
    if interval_minutes is not None:
        frame = reaggregate(frame, interval_minutes, source=source, interval_source=interval_source)
    return Ingested(frame, shape, tuple(notes), patience)
