"""Supply and demand per queue: the plan's paid hours against what the skilled agents can give."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from core.config import Config
from staffing.roster.checks import unavailable, within_plan
from staffing.shiftplan import ShiftPlan
from staffing.shifts import DAYS_PER_WEEK

_SUBSET_QUEUES = 10  # up to this many queues, every set of queues is checked for a shortage


def _capacity_hours(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> np.ndarray:
    """Most paid hours each agent could work this week (contract ceiling, shifts and days)."""
    rules = config.roster
    longest = float(plan.shifts["paid_hours"].max()) if len(plan.shifts) else 0.0
    capacity = []
    for row in agents.itertuples(index=False):
        days = DAYS_PER_WEEK - len(unavailable(row.unavailable_days, plan.week_start))
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
    for queues not in the plan, which count for nothing (see :func:`staffing.roster.assign_roster`).
    """
    agents, left_out = within_plan(agents, plan)
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
