"""The weekly roster: which named agent works which of the plan's shifts.

Input: a :class:`~staffing.shiftplan.ShiftPlan` and a validated agents table
(``shiftcast.schema.validate_agents``); output: Frame C's ``roster`` (one row per agent
and worked shift), the plan's ``unassigned`` shifts, and a per-agent summary. An
assignment MILP (binary ``z[agent, shift]`` for each pair the agent may work), solved by
HiGHS through ``staffing.milp``.

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
fairly: each agent's weekend (night) shifts above the plan's weekend (night) share of
their own shifts are penalised. Contracts that no roster could honour (more hours than
``max_shifts`` of the longest shift, a ``max_shifts`` leaving fewer than ``min_days_off``
days off, skills that name no queue) are input errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from shiftcast.config import Config
from shiftcast.errors import InputError
from shiftcast.schema import AGENT_SUMMARY_COLUMNS, ROSTER_COLUMNS, UNASSIGNED_COLUMNS
from staffing.milp import Model
from staffing.shiftplan import WEEKDAY_NAMES, ShiftPlan
from staffing.shifts import DAYS_PER_WEEK, MINUTES_PER_DAY

__all__ = ["Roster", "assign_roster"]

MINUTES_PER_WEEK = DAYS_PER_WEEK * MINUTES_PER_DAY
# objective weights: an unassigned paid hour > a missed minimum shift > an hour under
# contract > no consecutive days off > a weekend or night shift above the fair share
UNASSIGNED_HOUR_COST = 100.0
MIN_SHIFT_COST = 50.0
HOUR_SHORT_COST = 20.0
SPLIT_DAYS_OFF_COST = 5.0
UNFAIR_SHIFT_COST = 2.0


@dataclass(frozen=True)
class Roster:
    """A week's roster: Frame C ``roster``, ``unassigned`` shifts and the per-agent ``agents`` summary.

    ``status`` and ``gap`` as in :class:`~staffing.shiftplan.ShiftPlan` (here on the
    weighted objective above, not on cost).
    """

    roster: pd.DataFrame
    unassigned: pd.DataFrame
    agents: pd.DataFrame
    status: str
    gap: float
    solve_seconds: float

    def summary(self) -> dict[str, Any]:
        """The roster's figures as a JSON-ready dict."""
        return {
            "status": self.status, "gap": round(self.gap, 6), "solve_seconds": round(self.solve_seconds, 3),
            "agents": len(self.agents), "shifts_assigned": len(self.roster),
            "shifts_unassigned": int(self.unassigned["agents_unassigned"].sum()),
            "unassigned_agent_hours": float((self.unassigned["agents_unassigned"] * self.unassigned["paid_hours"]).sum()),
            "agents_under_contract": int((self.agents["hours_short"] > 0).sum()),
        }


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
        if token in WEEKDAY_NAMES:
            off |= {d for d, date in enumerate(dates) if date.weekday() == WEEKDAY_NAMES.index(token)}
        else:
            date = pd.Timestamp(token).date()
            off |= {d for d, day in enumerate(dates) if day == date}
    return off


def _check_agents(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> None:
    """Input errors for skills no queue has, languages that contradict skills, and contracts
    no roster could honour; all problems in one message."""
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
        unknown = [s for s in row.skills if s not in known]
        if unknown:
            problems.append(f"skills must be queues ({', '.join(known)}); got {', '.join(map(repr, unknown))} "
                            f"for agent {name!r}; fix the name or drop it")
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


# ------------------------------------------------------------------------ the model


def _add_rest_rules(model: Model, cols: np.ndarray, days: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                    rest_minutes: float) -> None:
    """At least ``rest_minutes`` between one agent's shifts. ``cols``: the agent's shift
    columns; ``days``, ``starts``, ``ends``: their day (0..6) and minutes of the week, shape (k,).

    For days d and e = d + g (g >= 1, the week wrapping) and each start time t of a day-e
    shift: ``resting(t) + started(t) <= 1``, where ``resting(t)`` counts the day-d shifts
    whose rest runs past t and ``started(t)`` the day-e shifts starting by t. Each is a
    clique of pairwise conflicts (one shift a day covers pairs on the same day), so the
    LP is as tight as with one row per conflicting pair; ``resting`` and ``started`` are
    running sums in auxiliary columns, which keeps each row at a few nonzeros.
    """
    reach_days = int(np.ceil((np.max(ends - starts, initial=0) + rest_minutes) / MINUTES_PER_DAY))
    for gap in range(1, min(reach_days, DAYS_PER_WEEK - 1) + 1):
        for day in range(DAYS_PER_WEEK):
            later = (day + gap) % DAYS_PER_WEEK
            first, second = np.flatnonzero(days == day), np.flatnonzero(days == later)
            free_from = ends[first] + rest_minutes
            second_start = starts[second] + (MINUTES_PER_WEEK if later < day else 0)
            times = np.unique(second_start[second_start < np.max(free_from, initial=-np.inf)])
            if first.size == 0 or times.size == 0:
                continue
            m = times.size
            started, resting = model.add_variables(m, upper=1.0), model.add_variables(m, upper=1.0)
            # started[i] = started[i-1] + day-e shifts starting at times[i] (and earlier for i = 0)
            step = np.minimum(np.searchsorted(times, second_start, side="left"), m - 1)
            late = second_start > times[-1]
            model.add_constraints(np.r_[step[~late], np.arange(m), np.arange(1, m)],
                                  np.r_[cols[second[~late]], started, started[:-1]],
                                  np.r_[np.ones((~late).sum()), -np.ones(m), np.ones(m - 1)], count=m, lower=0.0, upper=0.0)
            # resting[i] = resting[i+1] + day-d shifts free from (times[i], times[i+1]]
            slot = np.searchsorted(times, free_from, side="left") - 1
            counted = slot >= 0
            model.add_constraints(np.r_[np.minimum(slot[counted], m - 1), np.arange(m), np.arange(m - 1)],
                                  np.r_[cols[first[counted]], resting, resting[1:]],
                                  np.r_[np.ones(counted.sum()), -np.ones(m), np.ones(m - 1)], count=m, lower=0.0, upper=0.0)
            model.add_constraints(np.r_[np.arange(m), np.arange(m)], np.r_[started, resting], 1.0, count=m, upper=1.0)


def assign_roster(plan: ShiftPlan, agents: pd.DataFrame, config: Config) -> Roster:
    """Assign the validated ``agents`` to ``plan``'s shifts under ``config.roster``'s rules.

    Raises :class:`InputError` for unknown skills and impossible contracts; shifts no
    agent can take are reported in ``unassigned``, never dropped silently.
    """
    _check_agents(agents, plan, config)
    rules = config.roster
    shifts = _shift_table(plan, config)
    agents = agents.reset_index(drop=True)
    weekend_share = float((shifts["agents"] * shifts["weekend"]).sum() / max(shifts["agents"].sum(), 1))
    night_share = float((shifts["agents"] * shifts["night"]).sum() / max(shifts["agents"].sum(), 1))

    model = Model()
    pairs_agent, pairs_shift = [], []
    for a, row in agents.iterrows():
        off = _unavailable(row["unavailable_days"], plan.week_start)
        allowed = np.flatnonzero(shifts["queue"].isin(row["skills"]).to_numpy() & ~shifts["day"].isin(off).to_numpy())
        pairs_agent.append(np.full(allowed.size, a))
        pairs_shift.append(allowed)
    pair_agent, pair_shift = np.concatenate(pairs_agent), np.concatenate(pairs_shift)
    z = model.add_variables(pair_agent.size, upper=1.0, integer=True)
    paid = shifts["paid_hours"].to_numpy(float)
    wanted = shifts["agents"].to_numpy(float)
    unassigned = model.add_variables(len(shifts), cost=UNASSIGNED_HOUR_COST * paid, upper=wanted)
    model.add_constraints(np.r_[pair_shift, np.arange(len(shifts))], np.r_[z, unassigned], 1.0,
                          count=len(shifts), lower=wanted, upper=wanted)

    day = shifts["day"].to_numpy()
    weekend, night = shifts["weekend"].to_numpy(float), shifts["night"].to_numpy(float)
    starts, ends = shifts["start_minute"].to_numpy(), shifts["end_minute"].to_numpy()
    for a, row in agents.iterrows():
        mine = np.flatnonzero(pair_agent == a)
        if mine.size == 0:
            continue
        cols, their = z[mine], pair_shift[mine]
        # one shift a day
        model.add_constraints(day[their], cols, 1.0, count=DAYS_PER_WEEK, upper=1.0)
        _add_rest_rules(model, cols, day[their], starts[their], ends[their], rules.min_rest_hours * 60)
        # shift count (days off) and contract hours
        most = min(row["max_shifts"], DAYS_PER_WEEK - rules.min_days_off)
        few, short = model.add_variables(2, cost=[MIN_SHIFT_COST, HOUR_SHORT_COST])
        model.add_constraints(np.zeros(mine.size + 1), np.r_[cols, few], 1.0, count=1, lower=row["min_shifts"])
        model.add_constraints(np.zeros(mine.size), cols, 1.0, count=1, upper=most)
        hours = row["contract_hours_per_week"]
        model.add_constraints(np.zeros(mine.size + 1), np.r_[cols, short], np.r_[paid[their], 1.0], count=1,
                              lower=hours - rules.contract_tolerance_hours)
        model.add_constraints(np.zeros(mine.size), cols, paid[their], count=1,
                              upper=hours + rules.contract_tolerance_hours)
        # fair share of weekend and night shifts: excess >= count - share x shifts worked
        excess = model.add_variables(2, cost=UNFAIR_SHIFT_COST)
        for k, (flag, share) in enumerate(((weekend, weekend_share), (night, night_share))):
            model.add_constraints(np.zeros(mine.size + 1), np.r_[cols, excess[k]], np.r_[flag[their] - share, -1.0],
                                  count=1, upper=0.0)
        # two consecutive days off: pair_d <= off_d and off_{d+1}; miss + sum(pair) >= 1
        if rules.prefer_consecutive_days_off:
            pair = model.add_variables(DAYS_PER_WEEK, upper=1.0)
            miss = model.add_variables(1, cost=SPLIT_DAYS_OFF_COST)
            for offset in (0, 1):
                model.add_constraints(np.r_[(day[their] - offset) % DAYS_PER_WEEK, np.arange(DAYS_PER_WEEK)],
                                      np.r_[cols, pair], 1.0, count=DAYS_PER_WEEK, upper=1.0)
            model.add_constraints(np.zeros(DAYS_PER_WEEK + 1), np.r_[pair, miss], 1.0, count=1, lower=1.0)

    solution = model.solve(time_limit_seconds=rules.time_limit_seconds, mip_rel_gap=rules.mip_rel_gap,
                           time_limit_setting="roster.time_limit_seconds")
    worked = solution.x[z] > 0.5
    return _outputs(agents, shifts, pair_agent[worked], pair_shift[worked], solution, config)


def _outputs(agents: pd.DataFrame, shifts: pd.DataFrame, agent_of: np.ndarray, shift_of: np.ndarray,
             solution, config: Config) -> Roster:
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
    return Roster(roster, left, summary, solution.status, solution.gap, solution.seconds)
