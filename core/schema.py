"""The frames that pass between forecast/, staffing/ and the front ends, defined once.

Frame A (interval history or forecast) and Frame B (requirements) are long tables, one
row per queue per interval; ``interval_start`` is a timezone-aware timestamp in the
site's zone marking the START of the interval. :func:`validate_frame_a` and
:func:`validate_frame_b` check a table at the edge (a file, an upload) and return it
normalised: columns typed, rows sorted by queue and time. Every problem found is reported
in one :class:`~core.errors.InputError`, each naming the column, the first bad
values and the fix.

Frame C (shift plan and roster) is the optimizer's output: ``shifts``, ``coverage`` and,
with named agents, ``roster`` (plus ``unassigned`` shifts and a per-agent summary);
:func:`validate_frame_c` checks one of its tables when it is read back. The agents file
(``agents.csv``) that the roster reads is checked by :func:`validate_agents`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from core.errors import InputError, format_values, range_rule

__all__ = [
    "FRAME_A_COLUMNS",
    "FRAME_B_COLUMNS",
    "FRAME_C_TABLES",
    "MAX_AHT_SECONDS",
    "MAX_VOLUME",
    "AGENTS_COLUMNS",
    "AGENT_SUMMARY_COLUMNS",
    "COVERAGE_COLUMNS",
    "DEFAULT_QUEUE",
    "ROSTER_COLUMNS",
    "SHIFTS_COLUMNS",
    "UNASSIGNED_COLUMNS",
    "in_frame_order",
    "interval_minutes",
    "parse_timestamps",
    "split_list",
    "agents_file_table",
    "validate_agents",
    "validate_frame_a",
    "validate_frame_b",
    "validate_frame_c",
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

# Frame C: one row per shift of the plan week (``agents`` start it)
SHIFTS_COLUMNS = {
    "shift_id": "queue-weekday-HHMM-length[-bHHMM]: the queue worked, start, length and break start",
    "queue": "the queue the shift's agents work",
    "start": "start of this occurrence of the shift, timezone-aware, site time",
    "end": "end of the shift (start + paid length), timezone-aware",
    "breaks": "paid, non-covering break as HH:MM-HH:MM wall-clock, empty if none",
    "agents": "agents starting this shift (whole, >= 0)",
    "paid_hours": "paid hours per agent, breaks included",
    "night_hours": "hours per agent inside shifts.night_hours",
    "cost": "agents x (cost_per_shift + cost_per_hour x (paid_hours + night_premium x night_hours))",
}
# Frame C: one row per queue per interval of the plan week
COVERAGE_COLUMNS = {
    "queue": "queue name",
    "interval_start": "start of the interval, timezone-aware, site time",
    "required": "agents_scheduled from the requirements",
    "planned": "agents on duty and not on break in the plan",
    "on_break": "agents on duty but on their break",
    "gap": "planned - required (negative: short by that many agents)",
    "shortfall": "max(required - planned, 0)",
    "service_level": "expected service level with the planned agents (Erlang C/A or deferred backlog)",
    "service_level_target": "the queue's service_level setting (empty for deferred work)",
}
# Frame C: one row per agent per worked shift
ROSTER_COLUMNS = {
    "agent": "agent name from agents.csv",
    "date": "local date the shift starts",
    "shift_id": "the plan's shift (see shifts)",
    "queue": "queue worked",
    "start": "shift start, timezone-aware",
    "end": "shift end, timezone-aware",
    "breaks": "break as HH:MM-HH:MM, empty if none",
    "paid_hours": "paid hours of the shift",
    "night": "True for a night shift (roster.night_shift_min_hours inside shifts.night_hours)",
    "weekend": "True if the shift starts on a Saturday or Sunday",
}
# Frame C: plan shifts nobody in agents.csv could take
UNASSIGNED_COLUMNS = {
    "shift_id": "the plan's shift",
    "queue": "queue worked",
    "start": "shift start, timezone-aware",
    "end": "shift end, timezone-aware",
    "agents_unassigned": "agents the plan wants on this shift that the roster could not name",
    "paid_hours": "paid hours per agent",
}
AGENT_SUMMARY_COLUMNS = {
    "agent": "agent name",
    "contract_hours_per_week": "contracted paid hours per week",
    "paid_hours": "paid hours rostered this week",
    "hours_short": "hours below contract_hours_per_week - roster.contract_tolerance_hours (0 if within)",
    "shifts": "shifts rostered",
    "days_off": "days of the week with no shift start",
    "consecutive_days_off": "True if two days off fall next to each other (the week wraps)",
    "weekend_shifts": "shifts starting on Saturday or Sunday",
    "night_shifts": "night shifts",
}
FRAME_C_TABLES = {"shifts": SHIFTS_COLUMNS, "coverage": COVERAGE_COLUMNS, "roster": ROSTER_COLUMNS,
                  "unassigned": UNASSIGNED_COLUMNS, "agent_summary": AGENT_SUMMARY_COLUMNS}
_FRAME_C_TIMES = ("interval_start", "start", "end")

# agents.csv, the roster's input: one row per agent
AGENTS_COLUMNS = {
    "agent": "unique name",
    "contract_hours_per_week": "contracted paid hours per week (> 0)",
    "min_shifts": "fewest shifts in the week (whole, >= 0)",
    "max_shifts": "most shifts in the week (whole, >= min_shifts, <= 7)",
    "skills": "queues the agent may work, separated by ';' (e.g. chat_en;email)",
    "languages": "languages spoken, separated by ';' (e.g. en;zh), optional",
    "unavailable_days": "weekdays (mon..sun) or dates (YYYY-MM-DD) off, separated by ';', optional",
}
_REQUIRED_AGENTS = ("agent", "contract_hours_per_week", "min_shifts", "max_shifts", "skills")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Monday = 0, as pandas counts

_REQUIRED_A = ("interval_start", "volume")
_REQUIRED_B = ("interval_start", "volume", "agents_required", "agents_scheduled")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SHOWN_ROWS = 3
# Far above any desk, far below where sums and squares of a history overflow a float.
MAX_VOLUME = 1e9  # contacts per interval
MAX_AHT_SECONDS = 86_400.0  # a day of handling per contact


def parse_timestamps(
    values: pd.Series, timezone: str, *, column: str = "interval_start", by: pd.Series | None = None,
    nonexistent: str = "raise",
) -> tuple[pd.Series, bool]:
    """Parse timestamps into the site's zone; return them and whether they were naive.

    Values with a UTC offset (or already timezone-aware) are converted to ``timezone``.
    Values without one are taken as site-local wall-clock time; a wall time repeated when
    clocks go back is resolved by order within each ``by`` group (the first is summer
    time, the second standard time; one that appears once is summer time), and a wall
    time skipped when clocks go forward is an error naming it (or, with
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
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        bad = parsed.isna()
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
            return parsed.dt.tz_convert(timezone), False
        naive = pd.to_datetime(text, format="ISO8601")
    keys = [naive] if by is None else [by.reset_index(drop=True), naive.reset_index(drop=True)]
    first_of_repeat = ~pd.concat(keys, axis=1).duplicated(keep="first").to_numpy()
    local = naive.dt.tz_localize(timezone, ambiguous=first_of_repeat,
                                 nonexistent="NaT" if nonexistent == "raise" else nonexistent)
    skipped = local.isna() & naive.notna()
    if skipped.any():
        raise InputError(_skipped_time_message(naive, skipped, timezone, column))
    return local, True


def _skipped_time_message(naive: pd.Series, skipped: pd.Series, timezone: str, column: str) -> str:
    """Name the wall times skipped when clocks jump forward, the first one's data row, and the fix."""
    first = naive[skipped].iloc[0]
    shown = naive[skipped].dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
    return (f"{column} must be a local time that exists in {timezone}; got {format_values(shown)} in data row "
            f"{np.flatnonzero(skipped.to_numpy())[0] + 1}, a time no clock there shows: on {first.date()} the "
            f"clocks jump forward over it; drop the row, or export timestamps with their "
            f"UTC offset (like 2026-03-02T09:00:00+01:00)")


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


def _problem(frame: pd.DataFrame, column: str, rule: str, bad: pd.Series, values: pd.Series, fix: str) -> str:
    return (f"{column} must be {rule}; got {format_values(values[bad].tolist(), int(bad.sum()))} "
            f"at {_rows(frame, bad)}; {fix}")


def _check_numeric(frame: pd.DataFrame, column: str, problems: list[str], *, low: float, low_open: bool,
                   high: float | None = None, allow_nan_where: pd.Series | None = None, fix: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    not_number = values.isna() & frame[column].notna()
    if not_number.any():
        problems.append(f"{column} must be numeric; got {format_values(frame.loc[not_number, column].tolist())}; {fix}")
        return
    missing = values.isna() if allow_nan_where is None else values.isna() & ~allow_nan_where
    out_of_range = (values <= low) if low_open else (values < low)
    bad = missing | out_of_range | np.isinf(values)
    if bad.any():
        problems.append(_problem(frame, column, range_rule(low, low_open=low_open), bad, values, fix))
    if high is not None:
        too_large = np.isfinite(values) & (values > high)
        if too_large.any():
            problems.append(_problem(frame, column, range_rule(high=high), too_large, values, fix))
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
            f"Rename the columns (see core.schema for the frame layout)"
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
    _check_numeric(frame, "volume", problems, low=0, low_open=False, high=MAX_VOLUME,
                   fix="fix or drop the row")
    if "aht_seconds" in frame.columns:
        no_contacts = pd.to_numeric(frame["volume"], errors="coerce").fillna(1) == 0
        _check_numeric(frame, "aht_seconds", problems, low=0, low_open=True, high=MAX_AHT_SECONDS,
                       allow_nan_where=no_contacts,
                       fix="handle time is seconds per contact, > 0 where there are contacts; fix or drop the row")
    for band in ("volume_p10", "volume_p90"):
        if band in frame.columns:
            _check_numeric(frame, band, problems, low=0, low_open=False, high=MAX_VOLUME,
                           fix="bands are volumes, counts of contacts")
    if not problems and {"volume_p10", "volume_p90"} <= set(frame.columns):
        crossed = frame["volume_p10"] > frame["volume_p90"]
        if crossed.any():
            problems.append(f"volume_p10 must not exceed volume_p90; it does at {_rows(frame, crossed)}")
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    return frame.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def in_frame_order(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the frame's known ``columns`` first, in their order, then any others."""
    known = [c for c in columns if c in frame.columns]
    return frame[known + [c for c in frame.columns if c not in columns]]


def validate_frame_a(frame: pd.DataFrame, timezone: str, *, source: str = "history") -> pd.DataFrame:
    """Check and normalise a Frame A table (history or forecast) in the site's ``timezone``."""
    return in_frame_order(_validate(frame, timezone, _REQUIRED_A, source), FRAME_A_COLUMNS)


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
    frame[["agents_required", "agents_scheduled"]] = frame[["agents_required", "agents_scheduled"]].astype("int64")
    return in_frame_order(frame, FRAME_B_COLUMNS)


def split_list(text: object) -> list[str]:
    """``'a; b;c'`` -> ``['a', 'b', 'c']``; empty or missing -> ``[]``."""
    if text is None or pd.isna(text):
        return []
    return [part.strip() for part in str(text).split(";") if part.strip()]


def _agent_rows(frame: pd.DataFrame, mask: pd.Series) -> str:
    return ", ".join(repr(a) for a in frame.loc[mask, "agent"].head(_SHOWN_ROWS))


def agents_file_table(agents: pd.DataFrame) -> pd.DataFrame:
    """A validated agents table as ``agents.csv`` holds it: lists joined by ';' (validate_agents reads it back)."""
    lists = ("skills", "languages", "unavailable_days")
    return agents.assign(**{column: agents[column].map(";".join) for column in lists})


def validate_agents(frame: pd.DataFrame, *, source: str = "agents") -> pd.DataFrame:
    """Check and normalise an agents table (see ``AGENTS_COLUMNS``).

    Checks each column on its own (names, numbers, whole shift counts, list syntax,
    weekday and date tokens); whether the skills exist and the contracts fit the shift
    rules is checked by the roster, which knows the queues and shifts.
    """
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in _REQUIRED_AGENTS if c not in frame.columns]
    if missing:
        raise InputError(f"{source} is missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}. "
                         f"Columns: {', '.join(AGENTS_COLUMNS)}")
    for optional in ("languages", "unavailable_days"):
        if optional not in frame.columns:
            frame[optional] = ""
    problems: list[str] = []
    names = frame["agent"].astype("string").str.strip()
    blank = names.isna() | (names == "")
    if blank.any():
        problems.append(f"agent must be a name; got blanks in data row(s) {format_values((np.flatnonzero(blank) + 1).tolist())}")
    frame["agent"] = names.fillna("").astype(str)
    twice = frame["agent"].duplicated(keep=False) & ~blank
    if twice.any():
        problems.append(f"agent names must be unique; got {_agent_rows(frame, twice)} more than once; rename or merge them")
    hours = pd.to_numeric(frame["contract_hours_per_week"], errors="coerce")
    bad = hours.isna() | ~(hours > 0) | ~np.isfinite(hours)
    if bad.any():
        problems.append(f"contract_hours_per_week must be > 0; got {format_values(frame.loc[bad, 'contract_hours_per_week'].tolist())} "
                        f"for agent(s) {_agent_rows(frame, bad)}")
    frame["contract_hours_per_week"] = hours
    for column in ("min_shifts", "max_shifts"):
        counts = pd.to_numeric(frame[column], errors="coerce")
        bad = counts.isna() | (counts < 0) | (counts > 7) | (counts != np.floor(counts))
        if bad.any():
            problems.append(f"{column} must be a whole number of shifts in [0, 7]; got "
                            f"{format_values(frame.loc[bad, column].tolist())} for agent(s) {_agent_rows(frame, bad)}")
        frame[column] = counts
    if not any(p.startswith(("min_shifts", "max_shifts")) for p in problems):
        frame[["min_shifts", "max_shifts"]] = frame[["min_shifts", "max_shifts"]].astype(np.int64)
        crossed = frame["min_shifts"] > frame["max_shifts"]
        if crossed.any():
            problems.append(f"min_shifts must not exceed max_shifts; it does for agent(s) {_agent_rows(frame, crossed)}")
    frame["skills"] = frame["skills"].map(split_list)
    no_skill = frame["skills"].map(len) == 0
    if no_skill.any():
        problems.append(f"skills must list at least one queue; got none for agent(s) {_agent_rows(frame, no_skill)}; "
                        f"list queues separated by ';'")
    frame["languages"] = frame["languages"].map(split_list)
    frame["unavailable_days"] = frame["unavailable_days"].map(split_list)
    for agent, days in zip(frame["agent"], frame["unavailable_days"]):
        unknown = [d for d in days if d.lower() not in WEEKDAYS and pd.isna(pd.to_datetime(d, errors="coerce", format="%Y-%m-%d"))]
        if unknown:
            problems.append(f"unavailable_days must be weekdays (mon..sun) or dates YYYY-MM-DD; got "
                            f"{format_values(unknown)} for agent {agent!r}")
            break
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    frame["unavailable_days"] = frame["unavailable_days"].map(lambda days: [d.lower() for d in days])
    return frame[list(AGENTS_COLUMNS)]


def validate_frame_c(frame: pd.DataFrame, table: str, timezone: str, *, source: str | None = None) -> pd.DataFrame:
    """Check a Frame C table read back from a file: its columns, timestamps and counts.

    ``table`` is one of ``FRAME_C_TABLES`` (shifts, coverage, roster, unassigned, agent_summary).
    Timestamps are parsed into ``timezone``; agent counts must be whole and >= 0.
    """
    columns = FRAME_C_TABLES[table]
    source = source or table
    frame = frame.copy()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{source} is missing column(s) {', '.join(missing)}; a {table} table has {', '.join(columns)}")
    for column in _FRAME_C_TIMES:
        if column in columns:
            frame[column], _ = parse_timestamps(frame[column], timezone, column=column)
    problems: list[str] = []
    for column in ("agents", "required", "planned", "on_break", "agents_unassigned", "shifts"):
        if column in columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() | (values < 0) | (values != np.floor(values))
            if bad.any():
                problems.append(f"{column} must be whole agents >= 0; got {format_values(frame.loc[bad, column].tolist())}")
            frame[column] = values
    if {"start", "end"} <= set(columns):
        backwards = frame["end"] <= frame["start"]
        if backwards.any():
            problems.append(f"end must be after start; it is not for {format_values(frame.loc[backwards, 'start'].astype(str).tolist())}")
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    if "breaks" in frame.columns:
        frame["breaks"] = frame["breaks"].astype("string").fillna("").astype(str)
    return frame[list(columns) + [c for c in frame.columns if c not in columns]]
