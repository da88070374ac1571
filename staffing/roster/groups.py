"""The plan's shift rows as arrays, and the groups of interchangeable agents who work them.

Agents with the same skills, unavailable days and contract are interchangeable, so the
search works with groups of them. Rows: one per (queue, start, length, break) of the plan,
arrays of shape (S,), times in minutes from the week start; a week of one agent is an
array of row numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import Config
from staffing.roster.checks import unavailable
from staffing.roster.costs import (GREEDY_OVERTIME_HOUR_COST, HOUR_SHORT_COST, MIN_SHIFT_COST, SPLIT_DAYS_OFF_COST,
                                   UNFAIR_SHIFT_COST)
from staffing.roster.patterns import NEG, WeekPatterns
from staffing.shiftplan import ShiftPlan
from staffing.shifts import DAYS_PER_WEEK, MINUTES_PER_DAY


def shift_table(plan: ShiftPlan, config: Config) -> pd.DataFrame:
    """The plan's shifts with day (0..6 from the week start), start and end in minutes of the week."""
    shifts = plan.shifts.reset_index(drop=True).copy()
    origin = plan.week_start.tz_localize(None)
    wall = shifts["start"].dt.tz_localize(None)
    shifts["start_minute"] = ((wall - origin) // pd.Timedelta(minutes=1)).astype(np.int64)
    shifts["end_minute"] = shifts["start_minute"] + np.round(shifts["paid_hours"] * 60).astype(np.int64)
    shifts["day"] = shifts["start_minute"] // MINUTES_PER_DAY
    shifts["night"] = shifts["night_hours"] >= config.roster.night_shift_min_hours - 1e-9
    shifts["weekend"] = wall.dt.day_of_week >= 5
    shifts["date"] = wall.dt.date
    return shifts


@dataclass
class Week:
    """The plan's shift rows as arrays, shape (S,), and the rules every group shares."""

    wanted: np.ndarray
    paid: np.ndarray
    day: np.ndarray
    start: np.ndarray
    end: np.ndarray
    night: np.ndarray
    weekend: np.ndarray
    timing: np.ndarray  # index of the row's (start, end) among the week's distinct shift times
    weekend_share: float
    night_share: float
    tolerance: float
    pair_cost: float

    @classmethod
    def of(cls, shifts: pd.DataFrame, config: Config) -> Week:
        """The rows of ``shifts`` (a :func:`shift_table`) under ``config.roster``'s rules."""
        wanted = shifts["agents"].to_numpy(float)
        starts, ends = shifts["start_minute"].to_numpy(np.int64), shifts["end_minute"].to_numpy(np.int64)
        _, timing = np.unique(np.column_stack([starts, ends]), axis=0, return_inverse=True)
        total = max(wanted.sum(), 1.0)
        weekend, night = shifts["weekend"].to_numpy(bool), shifts["night"].to_numpy(bool)
        return cls(wanted, shifts["paid_hours"].to_numpy(float), shifts["day"].to_numpy(np.int64), starts, ends,
                   night, weekend, timing.ravel(), float((wanted * weekend).sum() / total),
                   float((wanted * night).sum() / total), config.roster.contract_tolerance_hours,
                   SPLIT_DAYS_OFF_COST if config.roster.prefer_consecutive_days_off else 0.0)


class Group:
    """Interchangeable agents (same skills, unavailable days, contract) and their best weeks."""

    def __init__(self, members: list[int], rows: np.ndarray, contract: float, min_shifts: int, most: int,
                 week: Week, rest_minutes: float) -> None:
        self.members, self.rows, self.week = members, rows, week
        self.contract, self.min_shifts = contract, min_shifts
        self.timings, self.option_of_row = np.unique(week.timing[rows], return_inverse=True)
        first = np.zeros(self.timings.size, dtype=np.int64)
        first[self.option_of_row[::-1]] = rows[::-1]
        self.patterns = WeekPatterns(week.day[first], week.start[first], week.end[first], week.night[first],
                                     week.weekend[first], rest_minutes=rest_minutes, most=most,
                                     ceiling_hours=contract + week.tolerance, lower_hours=contract - week.tolerance,
                                     min_shifts=min_shifts, pair_cost=week.pair_cost, night_share=week.night_share,
                                     weekend_share=week.weekend_share)
        self.overtime = GREEDY_OVERTIME_HOUR_COST * np.maximum(self.patterns.hours_of - contract, 0)

    def cost(self, rows: np.ndarray) -> float:
        """The exact soft-rule cost of one agent of the group working ``rows``."""
        week, count = self.week, rows.size
        hours = float(week.paid[rows].sum())
        off = np.ones(DAYS_PER_WEEK, dtype=bool)
        off[week.day[rows]] = False
        paired = bool((off & np.roll(off, -1)).any())
        unfair = (max(0, int(week.weekend[rows].sum()) - math.ceil(week.weekend_share * count - 1e-9))
                  + max(0, int(week.night[rows].sum()) - math.ceil(week.night_share * count - 1e-9)))
        return (MIN_SHIFT_COST * max(self.min_shifts - count, 0) + HOUR_SHORT_COST * max(self.contract - week.tolerance - hours, 0)
                + (0.0 if paired else week.pair_cost) + UNFAIR_SHIFT_COST * unfair)

    def best(self, row_value: np.ndarray, count: int = 1, extra: np.ndarray | None = None
             ) -> tuple[float, list[tuple[float, np.ndarray]]]:
        """Best patterns as arrays of shift rows for values per row, shape (S,) (-inf: not allowed)."""
        value = row_value[self.rows]
        option_value = np.full(self.timings.size, NEG)
        np.maximum.at(option_value, self.option_of_row, value)
        order = np.lexsort((-value, self.option_of_row))
        leading = np.diff(self.option_of_row[order], prepend=-1) != 0
        row_of_option = self.rows[order[leading]]
        top, found = self.patterns.best(option_value, count, extra)
        return top, [(score, np.sort(row_of_option[options])) for score, options in found]


def group_agents(agents: pd.DataFrame, plan: ShiftPlan, shifts: pd.DataFrame, week: Week, config: Config) -> list[Group]:
    """The ``agents`` (members: their row numbers) in groups of equal skills, unavailable
    days and contract, in order of first member; each may work the rows of its skills on
    its available days."""
    rules = config.roster
    keys: dict[tuple, list[int]] = {}
    for a, row in enumerate(agents.itertuples(index=False)):
        off = frozenset(unavailable(row.unavailable_days, plan.week_start))
        key = (frozenset(row.skills), off, float(row.contract_hours_per_week), int(row.min_shifts), int(row.max_shifts))
        keys.setdefault(key, []).append(a)
    queue = shifts["queue"].to_numpy()
    groups = []
    for (skills, off, contract, min_shifts, max_shifts), members in keys.items():
        rows = np.flatnonzero(np.isin(queue, list(skills)) & ~np.isin(week.day, list(off)))
        most = min(max_shifts, DAYS_PER_WEEK - rules.min_days_off)
        groups.append(Group(members, rows, contract, min_shifts, most, week, rules.min_rest_hours * 60))
    return groups
