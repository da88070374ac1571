"""Small requirement weeks, a desk like the sample, configs, and independent checkers for
shift plans and rosters.

The checkers re-derive everything from the output tables alone (timestamps, break
strings, agents.csv), sharing no code with ``staffing.shiftplan`` or ``staffing.roster``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config import Config, QueueSettings, RosterRules, ShiftRules, Site
from core.schema import validate_agents, validate_frame_b
from staffing.shiftplan import plan_shifts

MONDAY = "2026-11-16"  # a Monday without DST changes around it


def week_index(minutes: int = 60, days: int = 7, start: str = MONDAY, tz: str = "UTC") -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=tz), periods=days * 1440 // minutes, freq=f"{minutes}min")


def daily(hours_to_agents: dict[tuple[int, int], int], minutes: int = 60, days: int = 7) -> np.ndarray:
    """A requirement curve repeating every day: {(from_hour, to_hour): agents} (to_hour exclusive)."""
    per_day = np.zeros(1440 // minutes, dtype=np.int64)
    for (begin, end), agents in hours_to_agents.items():
        per_day[begin * 60 // minutes:end * 60 // minutes] = agents
    return np.tile(per_day, days)


def frame_b(curves: dict[str, np.ndarray], minutes: int = 60, start: str = MONDAY, tz: str = "UTC",
            aht_seconds: float = 300.0, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """A validated Frame B with ``agents_scheduled`` = the curve per queue (volume = 4 calls per
    agent-hour), on ``index`` or consecutive intervals from ``start``."""
    rows = []
    for queue, curve in curves.items():
        if index is None:
            index = week_index(minutes, len(curve) * minutes // 1440, start, tz)
        rows.append(pd.DataFrame({
            "queue": queue, "interval_start": index, "volume": curve * 4.0 * minutes / 60,
            "aht_seconds": aht_seconds, "agents_required": curve, "agents_scheduled": curve,
        }))
    return validate_frame_b(pd.concat(rows, ignore_index=True), tz)


def config(minutes: int = 60, tz: str = "UTC", queues: dict[str, QueueSettings] | None = None,
           roster: dict | None = None, **shifts) -> Config:
    """Hourly starts, 4 and 8 h shifts without breaks or night premium, plans proven optimal
    (no relative or one-shift tolerance) unless overridden."""
    rules = dict(start_step_minutes=60, lengths_hours=[4, 8], break_minutes={}, night_premium=0.0,
                 time_limit_seconds=20, mip_rel_gap=0.0, mip_gap_shifts=0.0)
    rules.update(shifts)
    return Config(site=Site(timezone=tz, interval_minutes=minutes), queues=queues or {},
                  shifts=ShiftRules(**rules), roster=RosterRules(**(roster or {})))


def agents_table(rows: list[dict]) -> pd.DataFrame:
    defaults = dict(contract_hours_per_week=40, min_shifts=0, max_shifts=5, languages="", unavailable_days="")
    return validate_agents(pd.DataFrame([{**defaults, **row} for row in rows]))


def desk(seed: int, agents: int):
    """A 24/7 desk like the sample, on hourly intervals: chat (two daily peaks), zh (a
    language queue with night peaks, customers in Beijing) and e-mail on weekdays; 8 h
    shifts; agents with the sample's skill profiles, 40/30/20 h contracts and some days
    off. 90 shifts (720 paid hours) a week."""
    rng = np.random.default_rng(seed)
    curves = {"chat": daily({(0, 7): 1, (7, 10): 2, (10, 14): 3, (14, 19): 2, (19, 23): 3, (23, 24): 1}),
              "zh": daily({(0, 3): 1, (3, 7): 2, (7, 14): 1, (22, 24): 1}),
              "mail": daily({(8, 18): 2})}
    curves["mail"][5 * 24:] = 0
    cfg = config(lengths_hours=[8], roster=dict(queue_languages={"zh": "zh"}))
    plan = plan_shifts(frame_b(curves), cfg)
    profiles = [("chat;mail", "en"), ("chat;zh", "en;zh"), ("zh;mail", "en;zh"), ("chat", "en"), ("mail", "en"),
                ("chat;zh;mail", "en;zh")]
    rows = []
    for k in range(agents):
        skills, languages = profiles[rng.choice(len(profiles), p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1])]
        hours = int(rng.choice([40, 40, 40, 30, 20]))
        rows.append({"agent": f"agent {k:02d}", "skills": skills, "languages": languages,
                     "contract_hours_per_week": hours, "min_shifts": {40: 4, 30: 3, 20: 2}[hours],
                     "max_shifts": 5 if hours > 20 else 4,
                     "unavailable_days": str(rng.choice(["", "", "", "sat;sun", "2026-11-18"]))})
    return plan, agents_table(rows), cfg


# --------------------------------------------------------------------- checkers


def _break_span(shift: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The break of a shift as timestamps, from its HH:MM-HH:MM text (the first match after start)."""
    if not shift["breaks"]:
        return None
    begin_text, end_text = shift["breaks"].split("-")
    day = shift["start"].tz_localize(None).normalize()
    begin = day + pd.Timedelta(hours=int(begin_text[:2]), minutes=int(begin_text[3:]))
    if begin < shift["start"].tz_localize(None):
        begin += pd.Timedelta(days=1)
    end = day + pd.Timedelta(hours=int(end_text[:2]), minutes=int(end_text[3:]))
    while end <= begin:
        end += pd.Timedelta(days=1)
    return begin.tz_localize(shift["start"].tz), end.tz_localize(shift["start"].tz)


def coverage_from_shifts(shifts: pd.DataFrame, intervals: pd.DatetimeIndex, minutes: int) -> dict[str, np.ndarray]:
    """Agents working (on duty, not on break) per queue per interval, from the shifts table;
    the week wraps (a shift past the last interval counts again from the first)."""
    week = pd.Timedelta(days=7)
    counts: dict[str, np.ndarray] = {}
    for _, shift in shifts.iterrows():
        counts.setdefault(shift["queue"], np.zeros(len(intervals), dtype=np.int64))
        pause = _break_span(shift)
        for k, t in enumerate(intervals):
            for moved in (t, t + week):
                working = shift["start"] <= moved < shift["end"]
                if working and pause is not None and pause[0] <= moved < pause[1]:
                    working = False
                if working:
                    counts[shift["queue"]][k] += shift["agents"]
    return counts


def check_roster(roster, plan, agents: pd.DataFrame, cfg: Config) -> None:
    """Assert every hard roster rule on ``roster`` (a staffing.roster.Roster) for ``plan``."""
    rules = cfg.roster
    table = roster.roster
    week_start = plan.week_start
    wanted = plan.shifts.set_index("shift_id")["agents"]
    # no shift over-filled, and taken + unassigned = planned
    taken = table.groupby("shift_id").size()
    assert (taken <= wanted.reindex(taken.index)).all()
    left = roster.unassigned.set_index("shift_id")["agents_unassigned"]
    total = taken.reindex(wanted.index, fill_value=0) + left.reindex(wanted.index, fill_value=0)
    assert (total == wanted).all()
    by_name = agents.set_index("agent")
    week_dates = [(week_start + pd.Timedelta(days=d)).date() for d in range(7)]
    for name, mine in table.groupby("agent"):
        person = by_name.loc[name]
        mine = mine.sort_values("start")
        # skills and languages
        assert set(mine["queue"]) <= set(person["skills"]), name
        for queue in mine["queue"]:
            language = rules.queue_languages.get(queue)
            assert language is None or language in person["languages"], name
        # availability
        for date in mine["date"]:
            weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[pd.Timestamp(date).weekday()]
            assert weekday not in person["unavailable_days"], name
            assert str(date) not in person["unavailable_days"], name
        # one shift a day, days off, max shifts
        assert mine["date"].is_unique, name
        assert len(mine) <= person["max_shifts"], name
        assert 7 - len(set(mine["date"])) >= rules.min_days_off, name
        # rest, the week wrapping: each shift's successor is the next one, or the first one next week
        following = list(mine["start"].iloc[1:]) + [mine["start"].iloc[0] + pd.Timedelta(days=7)]
        for end, successor in zip(mine["end"], following):
            rest_hours = (successor - end).total_seconds() / 3600
            assert rest_hours >= rules.min_rest_hours - 1e-9, (name, end, successor)
        # contract ceiling
        assert mine["paid_hours"].sum() <= person["contract_hours_per_week"] + rules.contract_tolerance_hours + 1e-9
        assert set(mine["date"]) <= set(week_dates)
    # the summary agrees with the roster
    summary = roster.agents.set_index("agent")
    hours = table.groupby("agent")["paid_hours"].sum().reindex(summary.index, fill_value=0.0)
    assert np.allclose(summary["paid_hours"], hours)
    floor = (summary["contract_hours_per_week"] - rules.contract_tolerance_hours - hours).clip(lower=0)
    assert np.allclose(summary["hours_short"], floor)
