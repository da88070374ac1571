"""The frames that pass between forecast/, staffing/ and the front ends, defined once.

Frame A (interval history or forecast) and Frame B (requirements) are long tables, one
row per queue per interval; ``interval_start`` is a timezone-aware timestamp in the
site's zone marking the START of the interval. :func:`validate_frame_a` and
:func:`validate_frame_b` check a table at the edge (a file, an upload) and return it
normalised: columns typed, rows sorted by queue and time. Every problem found is reported
in one :class:`~shiftcast.errors.InputError`, each naming the column, the first bad
values and the fix.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from shiftcast.errors import InputError, format_values

__all__ = [
    "FRAME_A_COLUMNS",
    "FRAME_B_COLUMNS",
    "DEFAULT_QUEUE",
    "interval_minutes",
    "parse_timestamps",
    "validate_frame_a",
    "validate_frame_b",
]

DEFAULT_QUEUE = "default"

# column -> meaning; the order is the order written to files
FRAME_A_COLUMNS = {
    "queue": "queue name, e.g. chat_en",
    "interval_start": "start of the interval, timezone-aware, site time",
    "volume": "contacts arriving in the interval (>= 0)",
    "aht_seconds": "average handle time of those contacts in seconds (> 0), optional",
    "volume_p10": "lower end of the 80% prediction interval (forecast only)",
    "volume_p90": "upper end of the 80% prediction interval (forecast only)",
}
FRAME_B_COLUMNS = {
    **FRAME_A_COLUMNS,
    "staffed_to": "the forecast column the agents were computed for (volume or volume_p90)",
    "model": "erlang_c, erlang_a, chat (concurrent slots) or deferred (e-mail/social backlog)",
    "settings_source": "queues.NAME, or queue_defaults when the queue has no table of its own",
    "traffic_erlangs": "offered load: volume x aht_seconds / interval seconds",
    "agents_required_fractional": "un-rounded agents on contacts (sum these across queues)",
    "agents_required": "whole agents handling contacts that meet the targets",
    "agents_scheduled_fractional": "un-rounded agents to schedule: agents_required_fractional / (1 - shrinkage)",
    "agents_scheduled": "agents to schedule so that agents_required remain after shrinkage",
    "service_level": "expected share answered within the target time, at the forecast volume",
    "asa_seconds": "expected average speed of answer (deferred: mean response time)",
    "occupancy": "expected share of on-contact agent time that is busy",
    "abandon_rate": "expected share of contacts abandoning (Erlang A only)",
}
_REQUIRED_A = ("interval_start", "volume")
_REQUIRED_B = ("interval_start", "volume", "agents_required", "agents_scheduled")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SHOWN_ROWS = 3


def parse_timestamps(
    values: pd.Series, timezone: str, *, column: str = "interval_start", by: pd.Series | None = None,
    nonexistent: str = "raise",
) -> tuple[pd.Series, bool]:
    """Parse timestamps into the site's zone; return them and whether they were naive.

    Values with a UTC offset (or already timezone-aware) are converted to ``timezone``.
    Values without one are taken as site-local wall-clock time; a wall time repeated when
    clocks go back is resolved by order within each ``by`` group (the first is summer
    time), and a wall time skipped when clocks go forward is an error (or, with
    ``nonexistent="shift_forward"``, moved to the first valid time after the gap, as
    exports that label a spring-forward day with 24 wall-clock hours need). A column
    mixing both kinds is an error.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone), False
    if pd.api.types.is_datetime64_dtype(values.dtype):
        naive = values
    else:
        text = values.astype("string").str.strip()
        bad = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601").isna()
        if bad.any():
            rows = np.flatnonzero(bad.to_numpy())
            raise InputError(
                f"{column} must be ISO 8601 timestamps like 2024-03-01T09:00:00+01:00; got "
                f"{format_values(values[bad].tolist(), int(bad.sum()))} in data row {rows[0] + 1}; "
                f"fix or drop those rows"
            )
        has_offset = text.str.contains(_OFFSET)
        if has_offset.any():
            if not has_offset.all():
                raise InputError(
                    f"{column} mixes timestamps with and without a UTC offset (e.g. {text[has_offset].iloc[0]!r} "
                    f"and {text[~has_offset].iloc[0]!r}); give every timestamp an offset, or none "
                    f"(then they are read as {timezone} time)"
                )
            return pd.to_datetime(text, utc=True, format="ISO8601").dt.tz_convert(timezone), False
        naive = pd.to_datetime(text, format="ISO8601")
    keys = [naive] if by is None else [by.reset_index(drop=True), naive.reset_index(drop=True)]
    first_of_repeat = ~pd.concat(keys, axis=1).duplicated(keep="first").to_numpy()
    try:
        local = naive.dt.tz_localize(timezone, ambiguous=first_of_repeat, nonexistent=nonexistent)
    except Exception as error:  # pandas raises several types for a skipped wall time
        raise InputError(
            f"{column} has a time that does not exist in {timezone} (clocks went forward): {error}; "
            f"drop it or give timestamps with UTC offsets"
        ) from None
    return local, True


def interval_minutes(frame: pd.DataFrame, configured: int | None = None) -> int:
    """The frame's interval length in minutes: the most common step between a queue's rows.

    ``configured`` (the site's ``interval_minutes``) is used when the frame has one row per
    queue, and must agree with the data otherwise.
    """
    steps = frame.groupby("queue", sort=False)["interval_start"].diff().dropna()
    if steps.empty:
        if configured is None:
            raise InputError("cannot tell the interval length from one row per queue; "
                             "set site.interval_minutes in the config")
        return configured
    found = int(steps.mode().iloc[0].total_seconds() // 60)
    if configured is not None and found != configured:
        raise InputError(f"the data are in {found}-minute intervals but site.interval_minutes is "
                         f"{configured}; set interval_minutes = {found} or re-aggregate the data")
    if found <= 0 or 1440 % found:
        raise InputError(f"the data's interval length of {found} minutes does not divide a day; "
                         f"use 15-, 30- or 60-minute intervals")
    return found


def _rows(frame: pd.DataFrame, mask: pd.Series) -> str:
    where = frame.loc[mask, ["interval_start", "queue"]].head(_SHOWN_ROWS)
    return ", ".join(f"{t.isoformat() if hasattr(t, 'isoformat') else t} (queue {q})" for t, q in where.itertuples(index=False))


def _check_numeric(frame: pd.DataFrame, column: str, problems: list[str], *, low: float, low_open: bool,
                   allow_nan_where: pd.Series | None = None, fix: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    not_number = values.isna() & frame[column].notna()
    if not_number.any():
        problems.append(f"{column} must be numeric; got {format_values(frame.loc[not_number, column].tolist())}; {fix}")
        return
    missing = values.isna() if allow_nan_where is None else values.isna() & ~allow_nan_where
    out_of_range = (values <= low) if low_open else (values < low)
    bad = missing | out_of_range | np.isinf(values)
    if bad.any():
        rule = f"{'>' if low_open else '>='} {low:g}"
        problems.append(
            f"{column} must be {rule}; got {format_values(values[bad].tolist(), int(bad.sum()))} "
            f"at {_rows(frame, bad)}; {fix}"
        )
    frame[column] = values.astype(float)


def _validate(frame: pd.DataFrame, timezone: str, required: tuple[str, ...], source: str) -> pd.DataFrame:
    if frame.empty:
        raise InputError(f"{source} has no rows; give at least one interval")
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source} is missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}. "
            f"Rename the columns (see shiftcast.schema for the frame layout)"
        )
    if "queue" not in frame.columns:
        frame.insert(0, "queue", DEFAULT_QUEUE)
    frame["queue"] = frame["queue"].astype("string").fillna(DEFAULT_QUEUE).astype(str)
    frame["interval_start"], _ = parse_timestamps(frame["interval_start"], timezone, by=frame["queue"])

    problems: list[str] = []
    duplicated = frame.duplicated(["queue", "interval_start"], keep=False)
    if duplicated.any():
        problems.append(f"interval_start has duplicate rows for the same queue at {_rows(frame, duplicated)}; "
                        f"keep one row per queue and interval")
    _check_numeric(frame, "volume", problems, low=0, low_open=False, fix="fix or drop the row")
    if "aht_seconds" in frame.columns:
        no_contacts = pd.to_numeric(frame["volume"], errors="coerce").fillna(1) == 0
        _check_numeric(frame, "aht_seconds", problems, low=0, low_open=True, allow_nan_where=no_contacts,
                       fix="handle time must be positive where there are contacts")
    for band in ("volume_p10", "volume_p90"):
        if band in frame.columns:
            _check_numeric(frame, band, problems, low=0, low_open=False, fix="bands are volumes >= 0")
    if not problems and {"volume_p10", "volume_p90"} <= set(frame.columns):
        crossed = frame["volume_p10"] > frame["volume_p90"]
        if crossed.any():
            problems.append(f"volume_p10 must not exceed volume_p90; it does at {_rows(frame, crossed)}")
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def validate_frame_a(frame: pd.DataFrame, timezone: str, *, source: str = "history") -> pd.DataFrame:
    """Check and normalise a Frame A table (history or forecast) in the site's ``timezone``."""
    frame = _validate(frame, timezone, _REQUIRED_A, source)
    ordered = [c for c in FRAME_A_COLUMNS if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]


def validate_frame_b(frame: pd.DataFrame, timezone: str, *, source: str = "requirements") -> pd.DataFrame:
    """Check and normalise a Frame B table (requirements) in the site's ``timezone``."""
    frame = _validate(frame, timezone, _REQUIRED_B, source)
    problems: list[str] = []
    for column in ("agents_required", "agents_scheduled"):
        _check_numeric(frame, column, problems, low=0, low_open=False, fix="agents are whole numbers >= 0")
        if not problems:
            fractional = frame[column] != np.floor(frame[column])
            if fractional.any():
                problems.append(f"{column} must be whole agents; got "
                                f"{format_values(frame.loc[fractional, column].tolist())} at {_rows(frame, fractional)}")
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    ordered = [c for c in FRAME_B_COLUMNS if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]
