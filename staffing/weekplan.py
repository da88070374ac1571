"""The week's shift plan for a whole desk: the one plan path of ``shiftcast plan``,
``shiftcast roster`` and the dashboard.

Planning queue by queue is exact, not a heuristic: the shift plan's MILP
(:func:`staffing.shiftplan.plan_shifts`) couples queues only through
``shifts.max_agents`` (agents on duty at once, all queues). When the queues' own plans
together stay within that cap, they are the joint plan (each proven within
``shifts.mip_rel_gap`` or ``shifts.mip_gap_shifts`` of its optimum, so the sum is within
those tolerances summed), at a fraction of the joint
solve's time (the sample desk's 4 queues: 3 s instead of 30 s), and they can be solved in
parallel (``shiftcast plan`` does, one task per queue). When they break the cap together,
a plan still always comes out, within one budget of ``shifts.time_limit_seconds``: the
**repair** first re-plans the week jointly with each queue's shifts restricted to its own
plan's, moved by up to ``REPAIR_REACH_HOURS`` (a neighbourhood of the plan the seats broke:
a MILP a fraction of the joint one's size); the joint MILP then gets the time left and is
kept when it is better. The plan's ``seat_cap`` says which it is and how the budget went
(``run.json`` keeps it), and its coverage shows any interval left short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from core.config import Config
from staffing.milp import NoSolutionError
from staffing.shiftplan import ShiftPlan, plan_shifts, plan_week_start
from staffing.shifts import ShiftTemplates, build_templates

__all__ = ["REPAIR_REACH_HOURS", "combine_plans", "plan_week", "shortfall_cause", "within_cap"]

REPAIR_REACH_HOURS = 2.0  # the repair moves a queue's own shifts by up to this much
MIN_JOINT_SECONDS = 10.0  # the joint MILP is tried after the repair only with this much of the budget left


def combine_plans(plans: Mapping[str, ShiftPlan]) -> ShiftPlan:
    """One plan from the queues' own plans of the same week (``gap``: the largest, a bound on
    the sum's; ``solve_seconds``: summed; ``status`` optimal only if every plan is)."""
    ordered = [plans[queue] for queue in sorted(plans)]
    shifts = pd.concat([p.shifts for p in ordered], ignore_index=True)
    shifts = shifts.sort_values(["start", "queue", "shift_id"], kind="stable").reset_index(drop=True)
    first = ordered[0]
    return ShiftPlan.from_tables(
        shifts, pd.concat([p.coverage for p in ordered], ignore_index=True), week_start=first.week_start,
        interval_minutes=first.interval_minutes, plan_to=first.plan_to,
        service_level={queue: level for p in ordered for queue, level in p.service_level.items()},
        status="optimal" if all(p.status == "optimal" for p in ordered) else "feasible",
        gap=max(p.gap for p in ordered), solve_seconds=sum(p.solve_seconds for p in ordered),
        template_counts=({q: c for p in ordered for q, c in p.template_counts.items()}
                         if all(p.template_counts is not None for p in ordered) else None),
    )


def within_cap(plans: Mapping[str, ShiftPlan], max_agents: int) -> bool:
    """True when the plans share one week and never have more than ``max_agents`` on duty at once."""
    if len({p.week_start for p in plans.values()}) > 1:
        return False
    coverage = pd.concat([p.coverage for p in plans.values()], ignore_index=True)
    on_duty = (coverage["planned"] + coverage["on_break"]).groupby(coverage["interval_start"]).sum()
    return bool((on_duty <= max_agents).all())


def plan_week(requirements: pd.DataFrame, config: Config, *, week_start: object = None,
              queue_plans: Mapping[str, ShiftPlan] | None = None) -> ShiftPlan:
    """The cheapest week of shifts for every queue of validated Frame B ``requirements``.

    Each queue gets its own plan (taken from ``queue_plans`` where given, e.g. solved in
    parallel by the caller, otherwise solved here); they are combined when together they
    stay within ``shifts.max_agents``, and replaced by the joint plan when they do not.
    ``week_start``: a date inside the requirements; default their first midnight, one
    week for every queue. Raises :class:`~core.errors.InputError` as ``plan_shifts`` does.
    """
    start = plan_week_start(requirements, week_start, config.site.timezone)
    plans = dict(queue_plans or {})
    for queue, rows in requirements.groupby("queue", sort=True):
        if queue not in plans:
            plans[str(queue)] = plan_shifts(rows, config, week_start=start)
    if within_cap(plans, config.shifts.max_agents):
        return combine_plans(plans)
    return _seat_capped(requirements, config, start, plans)


def _seat_capped(requirements: pd.DataFrame, config: Config, start: pd.Timestamp,
                 plans: Mapping[str, ShiftPlan]) -> ShiftPlan:
    """The plan when the queues' own PLANS break ``shifts.max_agents`` together, within one
    budget of ``shifts.time_limit_seconds``: the repair first (it always finds a plan), then
    the joint MILP with the time left (at least ``MIN_JOINT_SECONDS``), kept if better."""
    budget = config.shifts.time_limit_seconds
    if not all(p.template_counts is not None for p in plans.values()):  # plans read back: the joint MILP alone
        return replace(plan_shifts(requirements, config, week_start=start),
                       seat_cap="joint: the queues' own plans broke max_agents together")
    templates = build_templates(config.shifts, next(iter(plans.values())).interval_minutes)
    allowed = {queue: _near(templates, counts > 0) for p in plans.values()
               for queue, counts in p.template_counts.items()}
    repair = plan_shifts(requirements, config, week_start=start, allowed=allowed)
    repaired = (f"repaired: the queues' own shifts re-planned within {REPAIR_REACH_HOURS:g} h ({repair.status}, "
                f"gap {repair.gap:.2%}, {repair.solve_seconds:.0f} s of the {budget:g} s budget)")
    left = budget - repair.solve_seconds
    if left < MIN_JOINT_SECONDS:
        return replace(repair, seat_cap=f"{repaired}; no time left for the joint plan")
    joint_config = config.model_copy(update={"shifts": config.shifts.model_copy(update={"time_limit_seconds": left})})
    try:
        joint = plan_shifts(requirements, joint_config, week_start=start)
    except NoSolutionError:
        return replace(repair, seat_cap=f"{repaired}; the joint plan found none in the {left:.0f} s left",
                       solve_seconds=repair.solve_seconds + left)
    seconds = repair.solve_seconds + joint.solve_seconds
    if (repair.shortfall_agent_hours, repair.cost) <= (joint.shortfall_agent_hours, joint.cost):
        return replace(repair, seat_cap=f"{repaired}; as good as or better than the joint plan found in the "
                                        f"{left:.0f} s left ({joint.status}, gap {joint.gap:.2%})",
                       solve_seconds=seconds)
    return replace(joint, seat_cap=f"joint: the queues' own plans broke max_agents together ({joint.status}, gap "
                                   f"{joint.gap:.2%}; the repair first took {repair.solve_seconds:.0f} s)",
                   solve_seconds=seconds)


def _near(templates: ShiftTemplates, used: np.ndarray) -> np.ndarray:
    """A mask of the templates of the same length and break as a USED one, starting up to
    ``REPAIR_REACH_HOURS`` earlier or later (the week is cyclic)."""
    reach = int(REPAIR_REACH_HOURS * 60 // templates.interval_minutes)
    week = templates.slots_per_week
    near = np.zeros(len(templates), dtype=bool)
    for j in np.flatnonzero(used):
        apart = np.abs(templates.start_slot - templates.start_slot[j]) % week
        near |= ((np.minimum(apart, week - apart) <= reach) & (templates.length_slots == templates.length_slots[j])
                 & (templates.break_offset_slots == templates.break_offset_slots[j]))
    return near


def shortfall_cause(plan: ShiftPlan, max_agents: int) -> str | None:
    """Why ``plan`` leaves intervals short, in words; None when nothing is short. The seat cap
    binds where every seat is taken (agents on duty, breaks included, at ``max_agents``);
    otherwise, in a proven-optimal plan, no allowed shift reaches those intervals, and in
    any other the solver stopped at its time limit before covering them."""
    coverage = plan.coverage
    short = coverage["shortfall"] > 0
    if not short.any():
        return None
    on_duty = (coverage["planned"] + coverage["on_break"]).groupby(coverage["interval_start"]).transform("sum")
    capped = short & (on_duty >= max_agents)
    if capped.any():
        return (f"the seat cap binds: shifts.max_agents = {max_agents} agents on duty at once, all taken in "
                f"{coverage.loc[capped, 'interval_start'].nunique():,} of the short intervals; raise it if the "
                f"desk has more seats")
    if plan.status == "optimal":
        return ("no allowed shift reaches them: check the shift rules (lengths, start window, "
                "within_open_hours)")
    return (f"the solver stopped at shifts.time_limit_seconds before covering them ({plan.status}, within "
            f"{plan.gap:.1%} of the best possible); allow it more time")
