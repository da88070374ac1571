"""The rest of today, end to end: re-forecast from the intervals so far, surge alerts, and
with a plan folder the staffing gap and the moves that close it (``shiftcast intraday``
and the dashboard's Today page call :func:`run_intraday`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import Config
from core.errors import InputError
from core.schema import interval_minutes as minutes_of
from forecast.intraday import Morning, morning_forecast, surge_alerts, update_today
from staffing.intraday import Moves, propose_moves, roster_on_duty, staffing_gap

__all__ = ["IntradayRun", "OnDuty", "intraday_files", "parse_now", "run_intraday"]


@dataclass(frozen=True)
class OnDuty:
    """Who the plan has on duty: a plan folder's ``coverage`` (Frame C), ``roster`` (Frame C,
    or None) and ``agents`` (the agents file, or None: no contract rule). With a roster the
    gap counts its agents (the coverage also counts shifts no agent was given)."""

    coverage: pd.DataFrame | None
    roster: pd.DataFrame | None = None
    agents: pd.DataFrame | None = None


@dataclass(frozen=True)
class IntradayRun:
    """``forecast``: the rest of today (Frame A with p10/p90, from ``now``); ``today``: every
    interval of today with ``actual`` (before now), the morning forecast and the re-forecast;
    ``alerts``: :func:`forecast.intraday.surge_alerts`; ``morning``; with a plan, ``gap``
    and ``moves``; ``record``: what run.json keeps."""

    now: pd.Timestamp
    forecast: pd.DataFrame
    today: pd.DataFrame
    alerts: pd.DataFrame
    morning: Morning
    gap: pd.DataFrame | None
    moves: Moves | None
    record: dict


def parse_now(text: str, timezone: str) -> pd.Timestamp:
    """``--now`` as a site time (a time without an offset is site time)."""
    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise InputError(f"--now must be a local time like 2026-03-02T10:00; got {text!r}") from None
    if stamp.tzinfo is not None:
        return stamp.tz_convert(timezone)
    try:
        return stamp.tz_localize(timezone)
    except ValueError:  # a time the DST change skips or repeats
        raise InputError(f"--now {text} does not name one time in {timezone} (a daylight-saving change skips or "
                         f"repeats it); give it with its UTC offset, e.g. {text}+01:00") from None


def _check_now(history: pd.DataFrame, now: pd.Timestamp, minutes: int) -> None:
    """--now on an interval boundary, on the history's last day (or the day after), with
    nothing in the history at or after it."""
    if (now.hour * 60 + now.minute) % minutes or now.second or now.microsecond:
        raise InputError(f"--now {now:%Y-%m-%d %H:%M:%S} is not on a {minutes}-minute interval boundary; give a "
                         f"time such as {now.floor(f'{minutes}min'):%H:%M}")
    last_day = history["interval_start"].max().tz_localize(None).normalize()
    day = now.tz_localize(None).normalize()
    if not last_day <= day <= last_day + pd.Timedelta(days=1):
        raise InputError(f"--now {now:%Y-%m-%d %H:%M} is outside the history's last day ({last_day:%Y-%m-%d}); give "
                         f"a time on that day, or a history that holds today's intervals so far")
    if day > last_day and now > now.normalize():
        raise InputError(f"the history has no interval of {day:%Y-%m-%d} before --now {now:%H:%M} (it ends "
                         f"{last_day:%Y-%m-%d}): add today's intervals so far (--today FILE), or give --now "
                         f"{day:%Y-%m-%d}T00:00")
    later = history[history["interval_start"] >= now]
    if len(later):
        raise InputError(f"the history has {len(later)} interval(s) at or after --now {now:%Y-%m-%d %H:%M} (first: "
                         f"{later['interval_start'].min():%Y-%m-%d %H:%M}): today's actuals from another time zone? "
                         f"they are read as {now.tz} time ([site] timezone); fix the export's times or the timezone")


def run_intraday(history: pd.DataFrame, now: pd.Timestamp, config: Config, *, events: pd.DataFrame | None = None,
                 plan: OnDuty | None = None, plan_name: str = "--plan") -> IntradayRun:
    """The rest of NOW's local day from HISTORY (Frame A, today's intervals before NOW
    included); with PLAN also the gap and (with its roster) the moves."""
    minutes = minutes_of(history, config.site.interval_minutes)
    _check_now(history, now, minutes)
    day = now.tz_localize(None).normalize()
    local_day = history["interval_start"].dt.tz_localize(None).dt.normalize()
    so_far = history[local_day == day]
    if plan is not None:
        _check_plan(plan, so_far, day, plan_name)
    started = time.perf_counter()
    morning = morning_forecast(history, day, config, events)
    rest = update_today(morning, so_far, now)
    alerts = surge_alerts(morning, so_far, now)
    record = {"now": now.isoformat(), "interval_minutes": minutes, "forecast_seconds": time.perf_counter() - started,
              "update_models": {queue: {"alpha": round(model.alpha, 3), "dispersion": round(model.dispersion, 3),
                                        "half_life_intervals": None if np.isinf(model.half_life_intervals)
                                        else model.half_life_intervals,
                                        "band_dispersion": round(model.band_dispersion or model.dispersion, 3)}
                                for queue, model in morning.models.items()},
              "alerts": len(alerts)}
    gap = moves = None
    if plan is not None and plan.coverage is not None:
        started = time.perf_counter()
        on_duty = plan.coverage if plan.roster is None else roster_on_duty(  # who will come, not unfilled shifts
            plan.roster, pd.DatetimeIndex(rest["interval_start"].drop_duplicates().sort_values()), minutes * 60)
        gap = staffing_gap(rest, on_duty, config, interval_seconds=minutes * 60)
        if plan.roster is not None:
            moves = propose_moves(gap, plan.roster, config, now=now, interval_seconds=minutes * 60,
                                  agents=plan.agents)
            record |= {"moves": len(moves.moves), "moves_status": moves.status,
                       "shortfall_points_before": round(moves.shortfall_before * 100, 2),
                       "shortfall_points_after": round(moves.shortfall_after * 100, 2)}
        record["gap_seconds"] = time.perf_counter() - started
    return IntradayRun(now, rest, _today(morning, so_far, rest, now), alerts, morning, gap, moves, record)


def _check_plan(plan: OnDuty, so_far: pd.DataFrame, day: pd.Timestamp, name: str) -> None:
    """The plan covers today and every queue of today's data."""
    if plan.coverage is None:
        raise InputError(f"{name} has no shift plan (coverage.csv); give a folder written by `shiftcast plan`")
    days = plan.coverage["interval_start"].dt.tz_localize(None).dt.normalize()
    if not (days == day).any():
        raise InputError(f"{name} covers {days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}, not {day:%Y-%m-%d}; give "
                         f"the plan of today's week")
    planned = {q for label in plan.coverage["queue"].unique() for q in str(label).split("+")}
    missing = sorted(set(so_far["queue"]) - planned)
    if missing:
        raise InputError(f"queue {missing[0]} is in today's data but not in the plan {name}; plan it, or leave it "
                         f"out with --ignore queue={missing[0]}")


def _today(morning: Morning, so_far: pd.DataFrame, rest: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Every interval of today: actual so far, morning forecast with its band, re-forecast."""
    table = morning.forecast[["queue", "interval_start", "volume", "volume_p10", "volume_p90"]].rename(columns={
        "volume": "morning", "volume_p10": "morning_p10", "volume_p90": "morning_p90"})
    table = table.merge(so_far[["queue", "interval_start", "volume"]].rename(columns={"volume": "actual"}),
                        on=["queue", "interval_start"], how="left")
    table.loc[(table["interval_start"] < now) & table["actual"].isna(), "actual"] = 0.0
    return table.merge(rest[["queue", "interval_start", "volume", "volume_p10", "volume_p90"]].rename(columns={
        "volume": "reforecast", "volume_p10": "reforecast_p10", "volume_p90": "reforecast_p90"}),
        on=["queue", "interval_start"], how="left")


def intraday_files(run: IntradayRun) -> dict[str, object]:
    """The run folder's files: forecast.csv, today.csv, alerts.csv, with a plan gap.csv and
    moves.csv, and run.json."""
    files: dict[str, object] = {"forecast.csv": run.forecast, "today.csv": run.today, "alerts.csv": run.alerts}
    if run.gap is not None and run.moves is None:
        files["gap.csv"] = run.gap
    elif run.gap is not None:  # with the moves: the gap after them beside the plan's
        before = run.gap[["queue", "interval_start", "agents_planned", "sl_projected"]].rename(columns={
            "agents_planned": "agents_planned_before", "sl_projected": "sl_projected_before"})
        files["gap.csv"] = run.moves.gap_after.merge(before, on=["queue", "interval_start"], how="left")
    if run.moves is not None:
        files["moves.csv"] = run.moves.moves
    alerts = [{**row, "since": str(row["since"]), "until": str(row["until"])} for row in
              run.alerts.to_dict(orient="records")]
    return {**files, "run.json": {**run.record, "alert_list": alerts}}
