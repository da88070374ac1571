"""A contact log read into the standard form the review works on.

The standard log has one row per contact that reached the agent queue:

- ``arrival``: when it entered the agent queue (site time when it has no UTC offset);
- ``queue``: the queue (one queue when the log has none);
- ``wait_seconds``: seconds until answered or abandoned;
- ``handle_seconds``: agent time, empty when abandoned;
- ``abandoned``: true when the caller hung up before an agent answered;
- ``agent``: the answering agent, empty when abandoned or unknown.

Columns are found by common names (:data:`forecast.ingest.COLUMN_CANDIDATES`) or given
in :class:`LogColumns`. A log without waits, or without both an abandoned flag and handle
times, cannot be reviewed: an InputError says which column to add. Rows without an arrival
never reached the agent queue (an IVR that completed them) and are dropped with a note.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import InputError, format_values
from core.schema import DEFAULT_QUEUE, parse_timestamps
from forecast.ingest import drop_ignored, find_column

__all__ = ["LOG_COLUMNS", "LogColumns", "read_log"]

LOG_COLUMNS = ("arrival", "queue", "wait_seconds", "handle_seconds", "abandoned", "agent")
_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class LogColumns:
    """Source column names; None means found by common names."""

    arrival: str | None = None
    queue: str | None = None
    wait: str | None = None
    handle: str | None = None
    abandoned: str | None = None
    agent: str | None = None


def read_log(table: pd.DataFrame, *, timezone: str, columns: LogColumns | None = None,
             ignore: Mapping[str, Collection[str]] | None = None,
             source: str = "log") -> tuple[pd.DataFrame, list[str]]:
    """The standard log (``LOG_COLUMNS``, sorted by arrival) and notes for the user."""
    columns = columns or LogColumns()
    table, notes = drop_ignored(table, ignore or {}, source)
    roles = {"arrival": "timestamp", "queue": "queue", "wait": "wait", "handle": "handle", "abandoned": "abandoned",
             "agent": "agent"}
    names = {name: find_column(table, role, getattr(columns, name)) for name, role in roles.items()}
    if names["arrival"] is None:
        raise InputError(f"{source} has no arrival column (when a contact entered the agent queue); found "
                         f"{', '.join(map(str, table.columns))}; pass --arrival-col")
    if names["wait"] is None:
        raise InputError(f"{source} has no wait column (seconds until answered or abandoned): the service level "
                         f"cannot be measured without it; add wait_seconds or pass --wait-col")
    if names["abandoned"] is None and names["handle"] is None:
        raise InputError(f"{source} has neither an abandoned flag nor handle times, so answered and abandoned "
                         f"contacts cannot be told apart; add an abandoned column or pass --abandoned-col")
    reached = table[names["arrival"]].notna() & (table[names["arrival"]].astype("string").str.strip() != "")
    if not reached.all():
        notes.append(f"{int((~reached).sum()):,} row(s) without {names['arrival']} left out: they never reached "
                     f"the agent queue")
    table = table[reached.to_numpy()]
    if table.empty:
        raise InputError(f"{source} has no contact that reached the agent queue; check --arrival-col")
    queue = (table[names["queue"]].astype("string").str.strip() if names["queue"] else
             pd.Series(DEFAULT_QUEUE, index=table.index)).fillna(DEFAULT_QUEUE)
    arrival, naive = parse_timestamps(table[names["arrival"]].reset_index(drop=True), timezone,
                                      column=names["arrival"], by=queue.reset_index(drop=True),
                                      nonexistent="shift_forward")
    if naive:
        notes.append(f"{names['arrival']} has no UTC offset: read as {timezone} local time")
    wait = _seconds(table[names["wait"]], names["wait"], source, required=True)
    handle = _seconds(table[names["handle"]], names["handle"], source) if names["handle"] else \
        pd.Series(np.nan, index=table.index)
    abandoned = _flags(table[names["abandoned"]], names["abandoned"], source) if names["abandoned"] else \
        handle.isna()
    agent = table[names["agent"]].astype("string").str.strip().replace("", pd.NA) if names["agent"] else \
        pd.Series(pd.NA, index=table.index, dtype="string")
    log = pd.DataFrame({"arrival": arrival.to_numpy(), "queue": queue.to_numpy(), "wait_seconds": wait.to_numpy(),
                        "handle_seconds": handle.where(~abandoned).to_numpy(), "abandoned": abandoned.to_numpy(),
                        "agent": agent.where(~abandoned).to_numpy()})
    answered_without_time = ~log["abandoned"] & log["handle_seconds"].isna()
    if names["handle"] and answered_without_time.any():
        notes.append(f"{int(answered_without_time.sum()):,} answered contact(s) have no handle time: counted as "
                     f"answered, left out of the handle time")
    return log.sort_values("arrival", kind="stable").reset_index(drop=True), notes


def _seconds(values: pd.Series, column: str, source: str, *, required: bool = False) -> pd.Series:
    """Durations in seconds (numbers >= 0; empty allowed unless REQUIRED)."""
    numbers = pd.to_numeric(values, errors="coerce")
    text = values.astype("string").str.strip()
    bad = (numbers.isna() & text.notna() & (text != "")) | (numbers < 0) | np.isinf(numbers)
    if required:
        bad |= numbers.isna()
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
        raise InputError(f"{source}: {column} must be seconds >= 0; got {format_values(values[bad].tolist())} in data "
                         f"row(s) {format_values(rows)}; fix or remove those rows")
    return numbers.astype(float)


def _flags(values: pd.Series, column: str, source: str) -> pd.Series:
    """True/false flags (true/false, 1/0, yes/no)."""
    text = values.astype("string").str.strip().str.lower().fillna("")
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise InputError(f"{source}: {column} must be true or false; got {format_values(values[bad].tolist())}; "
                         f"write true/false (or 1/0)")
    return text.isin(_TRUE)
