"""The weekly roster: which named agent works which of the plan's shifts.

Input: a :class:`~staffing.shiftplan.ShiftPlan` and a validated agents table
(``core.schema.validate_agents``); output: Frame C's ``roster`` (one row per agent
and worked shift), the plan's ``unassigned`` shifts, a per-agent summary, and a per-queue
table of supply and demand.

Hard rules, on every roster returned:

- an agent works only queues in their ``skills`` (and, where ``roster.queue_languages``
  names the queue's language, speaks it), and not on their ``unavailable_days``;
- at most one shift starts per day; at least ``roster.min_rest_hours`` from the end of
  one shift to the start of the next (the week wraps: Sunday's shift is followed by
  Monday's, as in a roster repeated every week);
- at least ``roster.min_days_off`` days without a shift start, and at most
  ``max_shifts`` shifts;
- paid hours at most ``contract_hours_per_week + roster.contract_tolerance_hours``;
- no shift gets more agents than the plan asks for.

Soft rules, in the order they weigh in the objective: fill the plan's shifts (an
unassigned paid hour costs the most), reach ``min_shifts`` and at least
``contract_hours_per_week - contract_tolerance_hours`` (shortfalls are reported per
agent: ``hours_short``), give two consecutive days off, and share weekend and night shifts
fairly: each weekend (night) shift beyond the plan's weekend (night) share of the agent's
own shifts, rounded up, is penalised. Contracts that no roster could honour (more hours than
``max_shifts`` of the longest shift, a ``max_shifts`` leaving fewer than ``min_days_off``
days off) are input errors. Skills for queues outside the plan (an agents file for more
queues than the run) are ignored, and agents left without a skill are not rostered; the
supply note names both.

How it is solved (``docs/roster.md`` has the measurements behind each choice):

- Agents with the same skills, unavailable days and contract are interchangeable, so the
  search works with groups of them and weekly *patterns*: which shift, if any, starts
  each day.
- For one group and given values of the plan's shifts, the best pattern is a dynamic
  program over the seven days (:class:`_WeekPatterns`; state: when the last shift's rest
  ends; shifts, paid hours, night and weekend shifts so far; the days off so far). It is
  exact for every rule (checked against brute force in the tests) except the
  Sunday-to-Monday rest, which it restores by solving again with those two shifts kept
  apart.
- A greedy pass gives each agent in turn their best pattern, valuing a shift by how much
  of it is still open and charging hours above contract. A local search then lets each
  agent in turn re-plan their week against everyone else's, filling open shifts and
  taking over a colleague's shift when that lowers the total (the colleague's loss counted
  exactly), then also chains (the colleague re-plans too), until no agent can improve.
- A lower bound comes from column generation on the patterns' linear relaxation
  (Dantzig-Wolfe decomposition, Lagrangian bound). ``gap`` is measured against it, so
  ``status == "optimal"`` means proven within ``roster.mip_rel_gap``.
- While the heavy rules (unassigned hours, minimum shifts, contract hours) still cost
  more than the bound, a second greedy start valued by the LP's duals and a MILP over
  every week the searches visited (HiGHS) look for a better roster.
- Every step stops when it is done or at a work limit counted in rounds or nodes, never
  on the clock, and visits agents, groups and patterns in a fixed order: identical
  inputs give identical rosters, in any process and on any machine.
  ``roster.time_limit_seconds`` is a safety net checked between rounds; a run it cuts
  short (``time_limit_reached``) depends on the machine's speed and load.

Limits: the search is a heuristic. The LP bound is tight for the heavy rules but weak for
the light ones (days off, fairness), so a roster whose only cost left is light shows a gap
it may not have (the sample desk: 272 against a bound of 120). The program's state grows
with the number of distinct shift lengths (three lengths: up to ~700 resource states a
day; nine: ~2,500 and about 30 s for 50 agents). A shift row of the plan is one (queue,
start, length, break): the break stays as planned.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.config import Config
from core.errors import InputError
from core.schema import AGENT_SUMMARY_COLUMNS, ROSTER_COLUMNS, UNASSIGNED_COLUMNS, WEEKDAYS
from staffing.milp import equality_lp, integer_program
from staffing.shiftplan import ShiftPlan
from staffing.shifts import DAYS_PER_WEEK, MINUTES_PER_DAY

__all__ = ["Roster", "assign_roster", "supply_and_demand"]

MINUTES_PER_WEEK = DAYS_PER_WEEK * MINUTES_PER_DAY
# objective weights: an unassigned paid hour > a missed minimum shift > an hour under
# contract > no consecutive days off > a weekend or night shift above the fair share
UNASSIGNED_HOUR_COST = 100.0
MIN_SHIFT_COST = 50.0
HOUR_SHORT_COST = 20.0
SPLIT_DAYS_OFF_COST = 5.0
UNFAIR_SHIFT_COST = 2.0
# the greedy start only: charge hours above contract, so that part-timers leave shifts for
# the agents after them (the local search may still give them those hours)
GREEDY_OVERTIME_HOUR_COST = HOUR_SHORT_COST
# the greedy start only: an open seat is worth up to this share more when most of its shift is open
GREEDY_SPREAD = 0.2
_CANDIDATES = 4  # patterns per dynamic program tried by the local search
# work limits, counted, never timed, so that identical inputs give identical rosters; each step
# stops sooner when done (the sample desk: 11 rounds of local search, 18 of pricing, no MILP)
_MOST_ROUNDS = 50  # rounds of the local search (each re-plans every agent once)
_MOST_PRICING_ROUNDS = 60  # rounds of column generation for the bound
_MOST_MILP_NODES = 1_000  # branch-and-bound nodes of the MILP over the visited weeks
_NEG = -np.inf


@dataclass(frozen=True)
class Roster:
    """A week's roster: Frame C ``roster``, ``unassigned`` shifts and the per-agent ``agents`` summary.

    ``objective``: the weighted soft-rule cost of the roster (weights above); ``bound``: a
    proven lower bound on it; ``gap``: ``(objective - bound) / objective``; ``status``:
    ``optimal`` when ``gap <= roster.mip_rel_gap``, else ``feasible``. ``supply``: per
    queue, the plan's demand and what the agents who may work it can supply (see
    :func:`supply_and_demand`). ``time_limit_reached``: the search was cut short by
    ``roster.time_limit_seconds``, so another run (on a faster or quieter machine) may
    give another roster.
    """

    roster: pd.DataFrame
    unassigned: pd.DataFrame
    agents: pd.DataFrame
    status: str
    gap: float
    solve_seconds: float
    objective: float = float("nan")
    bound: float = float("nan")
    supply: pd.DataFrame | None = field(default=None, compare=False)
    time_limit_reached: bool = False

    def summary(self) -> dict[str, Any]:
        """The roster's figures as a JSON-ready dict."""
        facts = {
            "status": self.status, "gap": round(self.gap, 6), "solve_seconds": round(self.solve_seconds, 3),
            "objective": round(self.objective, 3), "bound": round(self.bound, 3),
            "agents": len(self.agents), "shifts_assigned": len(self.roster),
            "shifts_unassigned": int(self.unassigned["agents_unassigned"].sum()),
            "unassigned_agent_hours": float((self.unassigned["agents_unassigned"] * self.unassigned["paid_hours"]).sum()),
            "agents_under_contract": int((self.agents["hours_short"] > 0).sum()),
            "hours_under_contract": float(self.agents["hours_short"].sum()),
            "time_limit_reached": self.time_limit_reached,
        }
        if self.supply is not None:
            facts["supply_short_hours"] = float(self.supply.attrs.get("short_hours", 0.0))
            facts["supply_note"] = str(self.supply.attrs.get("note", ""))
        return facts


# ------------------------------------------------------------------------ inputs


def _shift_table(plan: ShiftPlan, config: Config) -> pd.DataFrame:
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


def _unavailable(days: list[str], week_start: pd.Timestamp) -> set[int]:
    """Day numbers (0..6 from ``week_start``) named by weekday tokens or dates in the week."""
    dates = [(week_start + pd.Timedelta(days=d)).date() for d in range(DAYS_PER_WEEK)]
    off = set()
    for token in days:
        if token in WEEKDAYS:
            off |= {d for d, date in enumerate(dates) if date.weekday() == WEEKDAYS.index(token)}
        else:
            date = pd.Timestamp(token).date()
            off |= {d for d, day in enumerate(dates) if day == date}
    return off


_NAMED = 5  # agents named in a note, at most


def _within_plan(agents: pd.DataFrame, plan: ShiftPlan) -> tuple[pd.DataFrame, str]:
    """The agents with only their skills for the plan's queues, less those left with none,
    and a note naming what was left out ("" when nothing was)."""
    queues = set(plan.shifts["queue"]) | set(plan.coverage["queue"])
    skills = agents["skills"].map(lambda names: [name for name in names if name in queues])
    outside = Counter(name for names in agents["skills"] for name in dict.fromkeys(names) if name not in queues)
    unused = (skills.map(len) == 0).to_numpy()
    kept = agents.assign(skills=skills)[~unused].reset_index(drop=True)
    return kept, _left_out_note(outside, list(agents["agent"][unused]))


def _left_out_note(outside: Counter, unused: list[str]) -> str:
    """A note like "skills for queues not in the plan ignored: voice_de (3 agents)" that
    also names the agents left without a skill; "" when no skill was ignored."""
    if not outside:
        return ""
    skills = ", ".join(f"{queue} ({count} agent{'s' * (count > 1)})" for queue, count in sorted(outside.items()))
    note = f"skills for queues not in the plan ignored: {skills}"
    if unused:
        more = f" and {len(unused) - _NAMED} more" if len(unused) > _NAMED else ""
        note += f"; not rostered, without a skill in the plan: {', '.join(map(repr, unused[:_NAMED]))}{more}"
    return note


def _check_agents(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> None:
    """Input errors for languages that contradict skills and contracts no roster could
    honour; all problems in one message."""
    rules, shifts = config.roster, config.shifts
    known = sorted(set(plan.shifts["queue"]) | set(plan.coverage["queue"]) | set(config.queues))
    problems = []
    unknown_languages = sorted(set(rules.queue_languages) - set(known))
    if unknown_languages:
        problems.append(f"roster.queue_languages must name known queues ({', '.join(known)}); got {', '.join(unknown_languages)}")
    longest, shortest = max(shifts.lengths_hours), min(shifts.lengths_hours)
    most_shifts = DAYS_PER_WEEK - rules.min_days_off
    tolerance = rules.contract_tolerance_hours
    for row in agents.itertuples(index=False):
        name = row.agent
        for skill in row.skills:
            language = rules.queue_languages.get(skill)
            if language and language not in row.languages:
                problems.append(f"agent {name!r} has skill {skill} but does not speak {language} "
                                f"(roster.queue_languages); add {language} to languages or drop the skill")
        if row.max_shifts > most_shifts:
            problems.append(f"max_shifts must leave roster.min_days_off = {rules.min_days_off} days off, so at most "
                            f"{most_shifts}; got {row.max_shifts} for agent {name!r}")
        reachable = min(row.max_shifts, most_shifts) * longest
        if row.contract_hours_per_week - tolerance > reachable:
            problems.append(f"contract_hours_per_week must be workable in at most {min(row.max_shifts, most_shifts)} "
                            f"shifts of at most {longest:g} h (+{tolerance:g} h tolerance); got "
                            f"{row.contract_hours_per_week:g} for agent {name!r}; lower the contract or allow more shifts")
        if row.min_shifts * shortest > row.contract_hours_per_week + tolerance:
            problems.append(f"min_shifts {row.min_shifts} of at least {shortest:g} h exceed contract_hours_per_week "
                            f"{row.contract_hours_per_week:g} (+{tolerance:g} h) for agent {name!r}; lower min_shifts")
        available = DAYS_PER_WEEK - len(_unavailable(row.unavailable_days, plan.week_start))
        if row.min_shifts > available:
            problems.append(f"min_shifts {row.min_shifts} exceeds the {available} available days of agent {name!r}; "
                            f"lower min_shifts or unavailable_days")
    if problems:
        shown = problems[:3] + ([f"and {len(problems) - 3} more problems"] if len(problems) > 3 else [])
        raise InputError("agents: " + "; ".join(shown))


# ------------------------------------------------------------------ supply and demand

_SUBSET_QUEUES = 10  # up to this many queues, every set of queues is checked for a shortage


def _capacity_hours(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> np.ndarray:
    """Most paid hours each agent could work this week (contract ceiling, shifts and days)."""
    rules = config.roster
    longest = float(plan.shifts["paid_hours"].max()) if len(plan.shifts) else 0.0
    capacity = []
    for row in agents.itertuples(index=False):
        days = DAYS_PER_WEEK - len(_unavailable(row.unavailable_days, plan.week_start))
        shifts = min(row.max_shifts, DAYS_PER_WEEK - rules.min_days_off, days)
        capacity.append(min(row.contract_hours_per_week + rules.contract_tolerance_hours, shifts * longest))
    return np.array(capacity, dtype=float)


def _least_workable_hours(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> list[float]:
    """Per agent, the fewest paid hours in whole shifts of the plan's lengths that reach
    ``contract_hours_per_week - contract_tolerance_hours`` (0 if no shift is needed)."""
    rules = config.roster
    lengths = sorted(set(plan.shifts["paid_hours"].round(6)))
    least = []
    for row in agents.itertuples(index=False):
        need = row.contract_hours_per_week - rules.contract_tolerance_hours
        most = min(row.max_shifts, DAYS_PER_WEEK - rules.min_days_off)
        sums = {0.0}
        for _ in range(most):
            sums |= {s + length for s in sums for length in lengths}
        reach = [s for s in sums if s >= need - 1e-9]
        least.append(min(reach) if reach and need > 0 else (max(sums) if need > 0 else 0.0))
    return least


def supply_and_demand(plan: ShiftPlan, agents: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per queue: the plan's paid hours, the agents who may work it and the most hours they
    could supply, and whether supply is short.

    Columns ``queue``, ``demand_hours``, ``skilled_agents``, ``skilled_capacity_hours``
    (every agent with the skill at their weekly maximum, shared with their other queues).
    A shortage is proven by Hall's condition: a set of queues whose demand exceeds the
    capacity of every agent who can work any of them. ``attrs["short_hours"]`` is the
    largest such excess (up to ``_SUBSET_QUEUES`` queues every set is checked, beyond that
    single queues and pairs) and ``attrs["note"]`` says which queues, in words, together
    with the hours the contracts' minimums need against the plan's hours, and the skills
    for queues not in the plan, which count for nothing (see :func:`assign_roster`).
    """
    agents, left_out = _within_plan(agents, plan)
    shifts = plan.shifts
    demand = (shifts["agents"] * shifts["paid_hours"]).groupby(shifts["queue"]).sum()
    queues = sorted(demand.index)
    capacity = _capacity_hours(agents, plan, config)
    skills = [set(s) for s in agents["skills"]]
    table = pd.DataFrame({
        "queue": queues,
        "demand_hours": [float(demand[q]) for q in queues],
        "skilled_agents": [sum(q in s for s in skills) for q in queues],
        "skilled_capacity_hours": [float(sum(c for c, s in zip(capacity, skills) if q in s)) for q in queues],
    })
    sizes = range(1, len(queues) + 1) if len(queues) <= _SUBSET_QUEUES else (1, 2)
    worst, worst_set, worst_capacity = 0.0, (), 0.0
    for size in sizes:
        for subset in itertools.combinations(queues, size):
            need = float(sum(demand[q] for q in subset))
            able = float(sum(c for c, s in zip(capacity, skills) if s & set(subset)))
            if need - able > worst + 1e-9:
                worst, worst_set, worst_capacity = need - able, subset, able
    notes = []
    if worst > 0:
        notes.append(f"short {worst:,.0f} h: the plan needs {worst + worst_capacity:,.0f} paid hours of "
                     f"{' + '.join(worst_set)}, but the agents who can work {'them' if len(worst_set) > 1 else 'it'} "
                     f"can give at most {worst_capacity:,.0f} h; hire or train agents for "
                     f"{', '.join(worst_set)}")
    minimum = float(sum(_least_workable_hours(agents, plan, config)))
    offered = float(demand.sum())
    if minimum > offered + 1e-9:
        notes.append(f"the contracts need at least {minimum:,.0f} paid hours in whole shifts (contract - "
                     f"roster.contract_tolerance_hours), the plan has {offered:,.0f}: some agents must stay "
                     f"below contract")
    if left_out:
        notes.append(left_out)
    table.attrs["short_hours"] = worst
    table.attrs["note"] = "; ".join(notes)
    return table


# ------------------------------------------------------------- one group's best week


class _WeekPatterns:
    """Best weekly patterns of one group of interchangeable agents, by dynamic programming.

    ``day``, ``start``, ``end``, ``night``, ``weekend``: the group's shift options (the
    distinct shift times it may work), shape (n,): day 0..6, minutes of the week (``end``
    may pass the week's end) and the shift's night and weekend flags. A pattern starts at
    most one option a day, keeps ``rest_minutes`` between consecutive shifts (across days
    off too), works at most ``most`` shifts and ``ceiling_hours``. Its cost, exactly the
    roster's soft rules: ``MIN_SHIFT_COST`` per shift below ``min_shifts``,
    ``HOUR_SHORT_COST`` per hour below ``lower_hours``, ``pair_cost`` without two
    consecutive days off (the week wraps), ``UNFAIR_SHIFT_COST`` per weekend (night)
    shift above ``ceil(weekend_share x shifts)`` (``night_share``).

    :meth:`best` maximises ``sum(value[option]) - cost`` over the days in order. The state
    after each day: flags (Monday off, the day before off, two consecutive days off seen:
    8 values), resources (shifts, paid hours, night and weekend shifts so far: the ``R``
    reachable combinations), and when the last shift's rest ends (the distinct rest ends
    still pending that day, ``S``): 8 x R x S values a day, with a running maximum over
    rest ends so that each option costs one lookup. The Sunday-to-Monday rest is not a
    state: :meth:`best` solves again with the two shifts kept apart when the best pattern
    breaks it, and reports the first value (a relaxation) separately for bounds.
    """

    def __init__(self, day: np.ndarray, start: np.ndarray, end: np.ndarray, night: np.ndarray, weekend: np.ndarray,
                 *, rest_minutes: float, most: int, ceiling_hours: float, lower_hours: float, min_shifts: int,
                 pair_cost: float, night_share: float, weekend_share: float) -> None:
        self.day, self.start, self.end = day, start, end
        self.rest = rest_minutes
        minutes = (end - start).astype(np.int64)
        unit = int(np.gcd.reduce(minutes)) if minutes.size else 60
        ceiling_units = math.floor(ceiling_hours * 60 / unit + 1e-9)
        # option kinds: (length in units, night, weekend); resources: (shifts, units, nights, weekends)
        kinds, kind_of = np.unique(np.column_stack([minutes // unit, night, weekend]).astype(np.int64), axis=0,
                                   return_inverse=True)
        kind_of = kind_of.ravel()
        states: dict[tuple[int, int, int, int], int] = {(0, 0, 0, 0): 0}
        frontier = [(0, 0, 0, 0)]
        for _ in range(most):
            grown = [(k + 1, u + length, n + is_night, w + is_weekend) for k, u, n, w in frontier
                     for length, is_night, is_weekend in kinds if u + length <= ceiling_units]
            frontier = [key for key in dict.fromkeys(grown) if key not in states]
            for key in frontier:
                states[key] = len(states)
        size = len(states)
        resource = np.array(list(states), dtype=np.int64).reshape(-1, 4)
        shifts_of, nights_of, weekends_of = resource[:, 0], resource[:, 2], resource[:, 3]
        self.hours_of = resource[:, 1] * unit / 60
        next_state = np.full((len(kinds), size), -1, dtype=np.int64)
        self._previous_state = np.full((len(kinds), size), -1, dtype=np.int64)  # the inverse map
        for (k, u, n, w), i in states.items():
            for j, (length, is_night, is_weekend) in enumerate(kinds):
                following = states.get((k + 1, u + length, n + is_night, w + is_weekend), -1)
                next_state[j, i] = following
                if following >= 0:
                    self._previous_state[j, following] = i
        self._kind_of = kind_of
        flags = np.arange(8)
        monday_off, before_off, paired = flags & 1, (flags >> 1) & 1, (flags >> 2) & 1
        pair_at_end = paired | (before_off & monday_off)
        unfair = (np.maximum(nights_of - np.ceil(night_share * shifts_of - 1e-9), 0)
                  + np.maximum(weekends_of - np.ceil(weekend_share * shifts_of - 1e-9), 0))
        self.size = size
        self.cost = (pair_cost * (1 - pair_at_end)[:, None]
                     + (MIN_SHIFT_COST * np.maximum(min_shifts - shifts_of, 0)
                        + HOUR_SHORT_COST * np.maximum(lower_hours - self.hours_of, 0)
                        + UNFAIR_SHIFT_COST * unfair)[None, :])
        pending = [np.array([_NEG])]  # per day: -inf (rested) and the rest ends still running
        self._days = []
        for d in range(DAYS_PER_WEEK):
            options = np.flatnonzero(day == d)
            edge = (d + 1) * MINUTES_PER_DAY
            rest_end = end[options] + rest_minutes
            later = np.unique(np.r_[pending[d][1:], rest_end])
            pending.append(np.r_[_NEG, later[later > edge]])

            def slot(times: np.ndarray, d: int = d, edge: int = edge) -> np.ndarray:
                return np.where(times > edge, np.searchsorted(pending[d + 1], times), 0)

            here, after = pending[d].size, pending[d + 1].size
            off_flags = (flags | 1 | 2) if d == 0 else (flags | 2 | (before_off << 2))
            work_flags = (flags & ~3) if d == 0 else (flags & ~2)
            carry = slot(pending[d])
            carry[0] = 0
            off_target = (off_flags[:, None, None] * size + np.arange(size)[None, :, None]) * after + carry[None, None, :]
            grown = next_state[kind_of[options]].T  # (R, O)
            work_target = (work_flags[:, None, None] * size + grown[None, :, :]) * after + slot(rest_end)[None, None, :]
            self._days.append({
                "options": options, "here": here, "after": after, "off_target": off_target.reshape(8 * size, here),
                # the last pending rest end (index) that still lets each option start
                "last_ok": np.searchsorted(pending[d], start[options], side="right") - 1,
                "work_target": work_target.reshape(8 * size, -1), "valid": (grown[None] >= 0).repeat(8, 0).reshape(8 * size, -1),
                "carry": carry, "option_slot": slot(rest_end),
                "off_from": [np.flatnonzero(off_flags == f) for f in flags],
                "work_from": [np.flatnonzero(work_flags == f) for f in flags],
            })

    def _forward(self, value: np.ndarray) -> list[np.ndarray]:
        """Best score per state after each day, shape (8 x R, S) per layer (-inf: unreachable)."""
        layer = np.full((8 * self.size, 1), _NEG)
        layer[0, 0] = 0.0
        layers = [layer]
        for info in self._days:
            out = np.full(8 * self.size * info["after"], _NEG)
            live = np.flatnonzero((layer > _NEG).any(axis=1))  # reachable (flag, resources) rows
            here = layer[live]
            reached = here > _NEG
            np.maximum.at(out, info["off_target"][live][reached], here[reached])
            if info["options"].size:
                gain = np.maximum.accumulate(here, axis=1)[:, info["last_ok"]] + value[info["options"]][None, :]
                keep = info["valid"][live] & (gain > _NEG)
                np.maximum.at(out, info["work_target"][live][keep], gain[keep])
            layer = out.reshape(8 * self.size, info["after"])
            layers.append(layer)
        return layers

    def _path(self, layers: list[np.ndarray], value: np.ndarray, flag: int, state: int) -> np.ndarray:
        """The options of the pattern ending in (flag, state), walking back through the
        predecessors of each state (inverse transition maps) to one that scores it."""
        last = layers[-1][flag * self.size + state]
        rest_slot = int(np.argmax(last))
        score = last[rest_slot]
        chosen = []
        for d in range(DAYS_PER_WEEK - 1, -1, -1):
            info, layer = self._days[d], layers[d]
            found = None
            for f in info["off_from"][flag]:
                for j in np.flatnonzero(info["carry"] == rest_slot):
                    if layer[f * self.size + state, j] == score:
                        found = (f, state, j, None)
                        break
                if found:
                    break
            if found is None:
                for o in np.flatnonzero(info["option_slot"] == rest_slot):
                    option = info["options"][o]
                    before = self._previous_state[self._kind_of[option], state]
                    if before < 0 or value[option] == _NEG:
                        continue
                    for f in info["work_from"][flag]:
                        row = layer[f * self.size + before, : info["last_ok"][o] + 1]
                        if row.size and row.max() + value[option] == score:
                            found = (f, before, int(np.argmax(row)), option)
                            break
                    if found:
                        break
            flag, state, rest_slot, option = found
            score = layer[flag * self.size + state, rest_slot]
            if option is not None:
                chosen.append(option)
        return np.array(chosen[::-1], dtype=np.int64)

    def _wraps(self, options: np.ndarray) -> bool:
        """True if the pattern keeps the rest from its last shift to its first one a week later."""
        if options.size < 2:
            return True
        order = options[np.argsort(self.start[options])]
        return self.start[order[0]] + MINUTES_PER_WEEK >= self.end[order[-1]] + self.rest

    def _ranked(self, value: np.ndarray, count: int, extra: np.ndarray | None) -> tuple[float, list]:
        layers = self._forward(value)
        score = layers[-1].max(axis=1).reshape(8, self.size) - self.cost - (0.0 if extra is None else extra[None, :])
        order = np.argsort(-score, axis=None, kind="stable")[:count]
        found = [(float(score.flat[i]), self._path(layers, value, *np.unravel_index(i, score.shape)))
                 for i in order if np.isfinite(score.flat[i])]
        return (float(score.max()) if np.isfinite(score).any() else _NEG), found

    def best(self, value: np.ndarray, count: int = 1, extra: np.ndarray | None = None
             ) -> tuple[float, list[tuple[float, np.ndarray]]]:
        """Up to ``count`` patterns of highest ``sum(value) - cost - extra[resources]``.

        ``value``: per option, shape (n,), ``-inf`` forbids it; ``extra``: an added cost per
        resource state, shape (R,) (see ``hours_of``). Returns the best score of the
        relaxation without the Sunday-to-Monday rest (an upper bound on every pattern's
        score) and ``(score, options)`` pairs that keep every rule, best first.
        """
        top, found = self._ranked(value, count, extra)
        kept = [(s, o) for s, o in found if self._wraps(o)]
        if found and not self._wraps(found[0][1]):
            options = found[0][1]
            order = options[np.argsort(self.start[options])]
            first_start, last_end = self.start[order[0]], self.end[order[-1]]
            # keep the last shift's end (and start the week no earlier than its rest allows),
            # or keep the first shift's start (and end the week early enough for it)
            for allowed in ((self.end <= last_end) & (self.start + MINUTES_PER_WEEK >= last_end + self.rest),
                            (self.start >= first_start) & (self.end + self.rest <= first_start + MINUTES_PER_WEEK)):
                _, again = self._ranked(np.where(allowed, value, _NEG), 1, extra)
                kept += [(s, o) for s, o in again if self._wraps(o)]
            kept.sort(key=lambda pair: -pair[0])
        return top, kept[:count]


# ------------------------------------------------------------------- groups and search


class _Deadline:
    """``roster.time_limit_seconds`` as a safety net: the searches check it between rounds
    and remember (``reached``) whether it cut them short."""

    def __init__(self, seconds: float) -> None:
        self.at = time.perf_counter() + seconds
        self.reached = False

    def passed(self) -> bool:
        self.reached = self.reached or time.perf_counter() >= self.at
        return self.reached

    def seconds_left(self) -> float:
        return self.at - time.perf_counter()


@dataclass
class _Week:
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
    def of(cls, shifts: pd.DataFrame, config: Config) -> _Week:
        wanted = shifts["agents"].to_numpy(float)
        starts, ends = shifts["start_minute"].to_numpy(np.int64), shifts["end_minute"].to_numpy(np.int64)
        _, timing = np.unique(np.column_stack([starts, ends]), axis=0, return_inverse=True)
        total = max(wanted.sum(), 1.0)
        weekend, night = shifts["weekend"].to_numpy(bool), shifts["night"].to_numpy(bool)
        return cls(wanted, shifts["paid_hours"].to_numpy(float), shifts["day"].to_numpy(np.int64), starts, ends,
                   night, weekend, timing.ravel(), float((wanted * weekend).sum() / total),
                   float((wanted * night).sum() / total), config.roster.contract_tolerance_hours,
                   SPLIT_DAYS_OFF_COST if config.roster.prefer_consecutive_days_off else 0.0)


class _Group:
    """Interchangeable agents (same skills, unavailable days, contract) and their best weeks."""

    def __init__(self, members: list[int], rows: np.ndarray, contract: float, min_shifts: int, most: int,
                 week: _Week, rest_minutes: float) -> None:
        self.members, self.rows, self.week = members, rows, week
        self.contract, self.min_shifts = contract, min_shifts
        self.timings, self.option_of_row = np.unique(week.timing[rows], return_inverse=True)
        first = np.zeros(self.timings.size, dtype=np.int64)
        first[self.option_of_row[::-1]] = rows[::-1]
        self.patterns = _WeekPatterns(week.day[first], week.start[first], week.end[first], week.night[first],
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
        option_value = np.full(self.timings.size, _NEG)
        np.maximum.at(option_value, self.option_of_row, value)
        order = np.lexsort((-value, self.option_of_row))
        leading = np.diff(self.option_of_row[order], prepend=-1) != 0
        row_of_option = self.rows[order[leading]]
        top, found = self.patterns.best(option_value, count, extra)
        return top, [(score, np.sort(row_of_option[options])) for score, options in found]


def _groups(agents: pd.DataFrame, plan: ShiftPlan, shifts: pd.DataFrame, week: _Week, config: Config) -> list[_Group]:
    rules = config.roster
    keys: dict[tuple, list[int]] = {}
    for a, row in enumerate(agents.itertuples(index=False)):
        off = frozenset(_unavailable(row.unavailable_days, plan.week_start))
        key = (frozenset(row.skills), off, float(row.contract_hours_per_week), int(row.min_shifts), int(row.max_shifts))
        keys.setdefault(key, []).append(a)
    queue = shifts["queue"].to_numpy()
    groups = []
    for (skills, off, contract, min_shifts, max_shifts), members in keys.items():
        rows = np.flatnonzero(np.isin(queue, list(skills)) & ~np.isin(week.day, list(off)))
        most = min(max_shifts, DAYS_PER_WEEK - rules.min_days_off)
        groups.append(_Group(members, rows, contract, min_shifts, most, week, rules.min_rest_hours * 60))
    return groups


class _Search:
    """One pattern (shift rows) per agent, improved agent by agent."""

    def __init__(self, groups: list[_Group], week: _Week, n_agents: int) -> None:
        self.groups, self.week = groups, week
        self.group_of = np.zeros(n_agents, dtype=np.int64)
        for g, group in enumerate(groups):
            self.group_of[group.members] = g
        self.rows = [np.zeros(0, dtype=np.int64) for _ in range(n_agents)]
        self.costs = np.array([groups[g].cost(self.rows[a]) for a, g in enumerate(self.group_of)])
        self.taken = np.zeros(week.wanted.size)
        self.pool: dict[tuple[int, bytes], np.ndarray] = {}  # every pattern seen, for the bound
        self._gains: list[np.ndarray] = [np.zeros(0) for _ in range(n_agents)]
        self._flat: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._journal: list | None = None  # (agent, previous rows) of each change, while a chain is tried

    def heavy(self) -> float:
        """The objective without the light soft rules (days off, fairness): unassigned
        hours, missed minimum shifts and hours below contract."""
        week, total = self.week, UNASSIGNED_HOUR_COST * float((self.week.paid * (self.week.wanted - self.taken)).sum())
        for a, rows in enumerate(self.rows):
            group = self.groups[self.group_of[a]]
            total += (MIN_SHIFT_COST * max(group.min_shifts - rows.size, 0)
                      + HOUR_SHORT_COST * max(group.contract - week.tolerance - float(week.paid[rows].sum()), 0))
        return total

    def objective(self) -> float:
        open_hours = float((self.week.paid * (self.week.wanted - self.taken)).sum())
        return float(self.costs.sum()) + UNASSIGNED_HOUR_COST * open_hours

    def _remember(self, g: int, rows: np.ndarray) -> None:
        self.pool.setdefault((g, rows.tobytes()), rows)

    def _set(self, a: int, rows: np.ndarray) -> None:
        previous = self.rows[a]
        np.add.at(self.taken, self.rows[a], -1)
        np.add.at(self.taken, rows, 1)
        group = self.groups[self.group_of[a]]
        self.rows[a] = rows
        self.costs[a] = group.cost(rows)
        # what dropping each of its shifts would save this agent (usually negative)
        self._gains[a] = np.array([self.costs[a] - group.cost(rows[rows != r]) for r in rows])
        self._flat = None
        self._remember(self.group_of[a], rows)
        if self._journal is not None:
            self._journal.append((a, previous))

    def greedy(self, duals: np.ndarray | None = None) -> None:
        """Each agent in turn takes their best week among the shifts still open.

        Without ``duals``: specialists (fewest shift options) and full-timers first, a shift
        valued at its unassigned cost, up to ``GREEDY_SPREAD`` more the more of it is open,
        hours above contract charged. With ``duals`` (the master LP's, per shift row):
        groups in order, a shift valued at its dual, so that agents take the weeks the LP
        relaxation prices best.
        """
        week = self.week
        order = range(len(self.groups)) if duals is not None else sorted(
            range(len(self.groups)), key=lambda g: (self.groups[g].timings.size, -self.groups[g].contract))
        for g in order:
            group = self.groups[g]
            for a in group.members:
                free = week.wanted - self.taken
                if duals is None:
                    value = UNASSIGNED_HOUR_COST * week.paid * (1 + GREEDY_SPREAD * free / np.maximum(week.wanted, 1))
                    _, found = group.best(np.where(free > 0, value, _NEG), 1, group.overtime)
                else:
                    _, found = group.best(np.where(free > 0, duals, _NEG), 1)
                if found:
                    self._set(a, found[0][1])

    def _takeover_values(self, a: int, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row that is full: the most any other holder gains by giving it up, and who."""
        if self._flat is None:
            owners = np.concatenate([np.full(r.size, k) for k, r in enumerate(self.rows)])
            self._flat = (owners, np.concatenate(self.rows), np.concatenate(self._gains))
        owners, rows, gains = self._flat
        value, donor = np.full(free.size, _NEG), np.full(free.size, -1)
        mine = (owners != a) & (free[rows] <= 0)
        if not mine.any():
            return value, donor
        owners, rows, gains = owners[mine], rows[mine], gains[mine]
        order = np.lexsort((-gains, rows))
        leading = order[np.r_[True, np.diff(rows[order]) != 0]]
        value[rows[leading]], donor[rows[leading]] = gains[leading], owners[leading]
        return value, donor

    def descend(self, deadline: _Deadline) -> None:
        """Improve agent after agent until a round changes nothing (at most ``_MOST_ROUNDS``
        rounds, or until ``deadline``): rounds of single re-plans while they help, then a
        round that also tries chains."""
        chain = False
        for _ in range(_MOST_ROUNDS):
            if deadline.passed():
                return
            improved = False
            for a in range(len(self.rows)):
                improved |= self.improve(a, chain)
            if not improved and chain:
                return
            chain = not improved

    def adopt_if_better(self, chosen: list[tuple[int, np.ndarray, int]]) -> bool:
        """Take the roster ``chosen`` ((group, rows, agents) triples) if its objective is lower."""
        covered = np.zeros(self.week.wanted.size)
        cost = 0.0
        for g, rows, count in chosen:
            np.add.at(covered, rows, count)
            cost += count * self.groups[g].cost(rows)
        objective = cost + UNASSIGNED_HOUR_COST * float((self.week.paid * (self.week.wanted - covered)).sum())
        if objective >= self.objective() - 1e-9:
            return False
        members = {g: list(group.members) for g, group in enumerate(self.groups)}
        for a in range(len(self.rows)):
            self._set(a, np.zeros(0, dtype=np.int64))
        for g, rows, count in chosen:
            for _ in range(count):
                self._set(members[g].pop(0), rows)
        return True

    def improve(self, a: int, chain: bool = True) -> bool:
        """Re-plan agent ``a``'s week against everyone else's; True if the objective fell.

        A new week may fill open shifts and take over colleagues' shifts (each valued at
        what giving it up costs the colleague). When no week lowers the objective as it
        stands, and ``chain``, the best week that takes over shifts is tried with each
        giver then re-planning their own week once; the whole chain is undone unless the
        objective falls.
        """
        week, g = self.week, self.group_of[a]
        group, old = self.groups[g], self.rows[a]
        free = week.wanted - self.taken
        free[old] += 1
        takeover, donor = self._takeover_values(a, free)
        value = np.where(free > 0, UNASSIGNED_HOUR_COST * week.paid, takeover)
        _, found = group.best(value, _CANDIDATES)
        best, best_delta, chained = None, -1e-9, None
        for _, rows in found:
            self._remember(g, rows)
            delta = group.cost(rows) - self.costs[a] - UNASSIGNED_HOUR_COST * (
                week.paid[rows[free[rows] > 0]].sum() - week.paid[old].sum())
            givers: dict[int, np.ndarray] = {}
            for r in rows[free[rows] <= 0]:
                givers[int(donor[r])] = np.r_[givers.get(int(donor[r]), np.zeros(0, dtype=np.int64)), r]
            for h, given in givers.items():
                delta += self.groups[self.group_of[h]].cost(self.rows[h][~np.isin(self.rows[h], given)]) - self.costs[h]
            if delta < best_delta:
                best, best_delta = (rows, givers), delta
            elif givers and chained is None and not np.array_equal(rows, old):
                chained = (rows, givers)
        if best is None and chain and chained is not None:
            before, journal = self.objective(), []
            self._apply(a, *chained, journal)
            for h in chained[1]:
                self._journal = journal
                self.improve(h, chain=False)
                self._journal = None
            if self.objective() < before - 1e-9:
                return True
            for agent, rows in reversed(journal):
                self._set(agent, rows)
            return False
        if best is None:
            return False
        self._apply(a, *best, None)
        return True

    def _apply(self, a: int, rows: np.ndarray, givers: dict[int, np.ndarray], journal: list | None) -> None:
        for h, given in givers.items():
            if journal is not None:
                journal.append((h, self.rows[h]))
            self._set(h, self.rows[h][~np.isin(self.rows[h], given)])
        if journal is not None:
            journal.append((a, self.rows[a]))
        self._set(a, rows)


# ------------------------------------------------------------------ the master problem


class _Master:
    """The patterns' master problem over a pool of patterns (Dantzig-Wolfe decomposition).

    Choose ``n_g`` patterns per group (with repeats) and leave ``wanted - sum(patterns)``
    of each shift row unassigned, at the least total cost. Its LP, grown by column
    generation, gives the lower bound; the MILP over the grown pool gives rosters.
    """

    def __init__(self, search: _Search) -> None:
        self.groups, self.week = search.groups, search.week
        self.pool = dict(search.pool)
        for g in range(len(self.groups)):
            self.pool.setdefault((g, b""), np.zeros(0, dtype=np.int64))
        self.sizes = np.array([len(group.members) for group in self.groups], dtype=float)
        self.lp: tuple[list, np.ndarray, np.ndarray] | None = None  # last LP: keys, pattern values, duals

    def _problem(self) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """Pool keys, costs (patterns, then one unassigned column per row) and the matrix triplets."""
        keys, n_groups, n_rows = list(self.pool), len(self.groups), self.week.wanted.size
        rows = [self.pool[key] for key in keys]
        column = np.repeat(np.arange(len(keys)), [r.size + 1 for r in rows])
        row = np.concatenate([np.zeros(0, dtype=np.int64)] + [np.r_[g, n_groups + r] for (g, _), r in zip(keys, rows)])
        cost = np.r_[[self.groups[g].cost(r) for (g, _), r in zip(keys, rows)], UNASSIGNED_HOUR_COST * self.week.paid]
        return keys, cost, np.r_[row, n_groups + np.arange(n_rows)], np.r_[column, len(keys) + np.arange(n_rows)]

    def bound(self, deadline: _Deadline) -> float:
        """Column generation: a proven lower bound on the objective, and a grown pool.

        Each round solves the master LP, prices every group at its duals ``pi`` by the
        dynamic program and adds the patterns with a negative reduced cost. For any ``pi``
        the Lagrangian bound ``L(pi) = sum_s wanted_s x min(pi_s, unassigned cost_s) -
        sum_g n_g x max_p (pi . p - cost_p)`` holds, with the max taken over a relaxation
        (the program without the Sunday-to-Monday rest), so each round gives a bound.
        Stops when no pattern prices out or the bound meets the LP, after
        ``_MOST_PRICING_ROUNDS`` rounds, or at ``deadline``; returns the best bound seen.
        (Dual smoothing did not cut the rounds on the sample desk or the bench; see
        docs/roster.md.)
        """
        groups, week = self.groups, self.week
        ceiling = UNASSIGNED_HOUR_COST * week.paid
        best = _NEG
        for _ in range(_MOST_PRICING_ROUNDS):
            if deadline.passed():
                break
            keys, cost, row, column = self._problem()
            solved = equality_lp(cost, rows=row, columns=column, right_side=np.r_[self.sizes, week.wanted],
                                 upper=np.r_[np.full(len(keys), np.inf), week.wanted],
                                 time_limit_seconds=deadline.seconds_left())
            if solved is None:
                break
            value, x, duals = solved
            self.lp = (keys, x[: len(keys)], duals)
            group_dual, row_dual = duals[: len(groups)], duals[len(groups):]
            lagrangian, added = float((week.wanted * np.minimum(row_dual, ceiling)).sum()), 0
            for g, group in enumerate(groups):
                top, found = group.best(row_dual, _CANDIDATES)
                lagrangian -= self.sizes[g] * top
                for _, pattern in found:
                    key = (g, pattern.tobytes())
                    if key not in self.pool and group.cost(pattern) - row_dual[pattern].sum() - group_dual[g] < -1e-6:
                        self.pool[key] = pattern
                        added += 1
            best = max(best, lagrangian)
            if added == 0 or value - best <= 1e-6 * max(abs(value), 1.0):
                break
        return best

    def roster(self, pool: dict[tuple[int, bytes], np.ndarray], time_limit_seconds: float, mip_rel_gap: float
               ) -> list[tuple[int, np.ndarray, int]] | None:
        """The best roster made of ``pool``'s patterns (HiGHS MILP, at most ``_MOST_MILP_NODES``
        nodes), as (group, rows, agents) triples. Give it the patterns the local search
        visited: a pool grown by column generation has a near-fractional LP that HiGHS
        rounds poorly (see docs/roster.md)."""
        saved, self.pool = self.pool, dict(pool)
        for g in range(len(self.groups)):
            self.pool.setdefault((g, b""), np.zeros(0, dtype=np.int64))
        keys, cost, row, column = self._problem()
        pool, self.pool = self.pool, saved
        solution = integer_program(cost, rows=row, columns=column, right_side=np.r_[self.sizes, self.week.wanted],
                                   upper=np.r_[np.full(len(keys), np.inf), self.week.wanted],
                                   integer=np.r_[np.ones(len(keys), dtype=bool), np.zeros(self.week.wanted.size, dtype=bool)],
                                   time_limit_seconds=time_limit_seconds, mip_rel_gap=mip_rel_gap,
                                   node_limit=_MOST_MILP_NODES)
        if solution is None:
            return None
        counts = np.round(solution[: len(keys)]).astype(np.int64)
        return [(g, pool[(g, key)], int(n)) for (g, key), n in zip(keys, counts) if n > 0]


# ------------------------------------------------------------------------ the roster


def assign_roster(plan: ShiftPlan, agents: pd.DataFrame, config: Config) -> Roster:
    """Assign the validated ``agents`` to ``plan``'s shifts under ``config.roster``'s rules.

    Skills for queues not in the plan are ignored, and agents left without a skill are not
    rostered (``supply_note`` names both). Raises :class:`InputError` for impossible
    contracts; shifts no agent can take are reported in ``unassigned``, never dropped
    silently.

    Steps: the greedy start and local search, the bound, then, only while the heavy rules'
    costs stay above the bound, a second start from the LP's duals and a MILP over the
    weeks the searches visited, each followed by local search. Each step stops when it is
    done or at its work limit (``_MOST_ROUNDS``, ``_MOST_PRICING_ROUNDS``,
    ``_MOST_MILP_NODES``), so identical inputs give identical rosters: small rosters take
    well under a second, the sample desk about ten seconds. ``roster.time_limit_seconds``
    is only a safety net: a run it cuts short says so (``time_limit_reached``), and only
    such a run can differ from another.
    """
    began = time.perf_counter()
    deadline = _Deadline(config.roster.time_limit_seconds)
    everyone = agents
    agents = _within_plan(agents, plan)[0]
    _check_agents(agents, plan, config)
    rules = config.roster
    shifts = _shift_table(plan, config)
    week = _Week.of(shifts, config)
    groups = _groups(agents, plan, shifts, week, config)
    search = _Search(groups, week, len(agents))
    search.greedy()
    search.descend(deadline)
    master = _Master(search)
    bound = master.bound(deadline) if search.objective() > 0 else 0.0

    def open_gap() -> bool:
        """Worth more work: the heavy rules' costs (unassigned, minimum shifts, contract
        hours) are still above the bound; once they are not, only the light rules (days
        off, fairness) could improve, which the local search already works on."""
        tolerance = rules.mip_rel_gap * search.objective() + 1e-6
        return search.heavy() - bound > tolerance and not deadline.passed()

    if open_gap() and master.lp is not None:
        second = _Search(groups, week, len(agents))
        second.greedy(duals=master.lp[2][len(groups):])
        second.descend(deadline)
        if second.objective() < search.objective():
            second.pool.update(search.pool)
            search = second
        else:
            search.pool.update(second.pool)
    if open_gap():
        chosen = master.roster(search.pool, deadline.seconds_left(), rules.mip_rel_gap)
        if chosen is not None and search.adopt_if_better(chosen):
            search.descend(deadline)
    cut_short = deadline.passed()
    objective = search.objective()
    bound = float(min(max(bound, 0.0), objective))
    gap = float((objective - bound) / objective) if objective > 0 else 0.0
    status = "optimal" if gap <= rules.mip_rel_gap + 1e-12 else "feasible"
    agent_of = np.concatenate([np.zeros(0, dtype=np.int64)] + [np.full(r.size, a) for a, r in enumerate(search.rows)])
    shift_of = np.concatenate([np.zeros(0, dtype=np.int64)] + search.rows)
    return _outputs(agents, shifts, agent_of, shift_of, config, status=status, gap=gap, objective=objective,
                    bound=bound, seconds=time.perf_counter() - began, supply=supply_and_demand(plan, everyone, config),
                    time_limit_reached=cut_short)


def _outputs(agents: pd.DataFrame, shifts: pd.DataFrame, agent_of: np.ndarray, shift_of: np.ndarray,
             config: Config, *, status: str, gap: float, objective: float, bound: float, seconds: float,
             supply: pd.DataFrame, time_limit_reached: bool) -> Roster:
    rows = shifts.iloc[shift_of].reset_index(drop=True)
    roster = rows.assign(agent=agents["agent"].to_numpy()[agent_of])
    roster = roster.sort_values(["agent", "start"], kind="stable").reset_index(drop=True)[list(ROSTER_COLUMNS)]

    taken = np.bincount(shift_of, minlength=len(shifts))
    left = shifts.assign(agents_unassigned=shifts["agents"].to_numpy() - taken)
    left = left[left["agents_unassigned"] > 0].reset_index(drop=True)[list(UNASSIGNED_COLUMNS)]

    rules = config.roster
    paid = np.bincount(agent_of, weights=shifts["paid_hours"].to_numpy(float)[shift_of], minlength=len(agents))
    worked_days = np.zeros((len(agents), DAYS_PER_WEEK), dtype=bool)
    worked_days[agent_of, shifts["day"].to_numpy()[shift_of]] = True
    off = ~worked_days
    consecutive = (off & np.roll(off, -1, axis=1)).any(axis=1)
    summary = pd.DataFrame({
        "agent": agents["agent"],
        "contract_hours_per_week": agents["contract_hours_per_week"],
        "paid_hours": paid,
        "hours_short": np.maximum(agents["contract_hours_per_week"] - rules.contract_tolerance_hours - paid, 0),
        "shifts": np.bincount(agent_of, minlength=len(agents)),
        "days_off": off.sum(axis=1),
        "consecutive_days_off": consecutive,
        "weekend_shifts": np.bincount(agent_of, weights=shifts["weekend"].to_numpy(float)[shift_of],
                                      minlength=len(agents)).astype(np.int64),
        "night_shifts": np.bincount(agent_of, weights=shifts["night"].to_numpy(float)[shift_of],
                                    minlength=len(agents)).astype(np.int64),
    })[list(AGENT_SUMMARY_COLUMNS)]
    return Roster(roster, left, summary, status, gap, seconds, objective=objective, bound=bound, supply=supply,
                  time_limit_reached=time_limit_reached)
