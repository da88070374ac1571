"""The weekly roster: which named agent works which of the plan's shifts.

Input: a :class:`~staffing.shiftplan.ShiftPlan` and a validated agents table
(``core.schema.validate_agents``); output: a :class:`Roster` with Frame C's ``roster``
(one row per agent and worked shift), the plan's ``unassigned`` shifts, a per-agent
summary, and a per-queue table of supply and demand (:func:`supply_and_demand`).

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

Modules, one job each (``docs/roster.md`` has the measurements behind each choice):

- ``checks``: the agents against the plan (skills outside it, unavailable days, input errors);
- ``supply``: per queue, the plan's hours against what the skilled agents can give;
- ``costs``: the objective's weights;
- ``patterns``: one group's best weekly patterns, a dynamic program over the seven days;
- ``groups``: the plan's shift rows, and the groups of interchangeable agents who work them;
- ``search``: the greedy start and the local search;
- ``master``: the lower bound by column generation, and a MILP over the visited weeks;
- ``assign``: the steps in order, and the :class:`Roster` they give.

Every step stops when it is done or at a work limit counted in rounds or nodes, never on
the clock, and visits agents, groups and patterns in a fixed order: identical inputs give
identical rosters, in any process and on any machine. ``roster.time_limit_seconds`` is a
safety net checked between rounds; a run it cuts short (``time_limit_reached``) depends on
the machine's speed and load.

Limits: the search is a heuristic, ``status == "optimal"`` only when proven within
``roster.mip_rel_gap`` of the bound, which is weak for the light rules (``master``); the
program's state grows with the number of distinct shift lengths (``patterns``). A shift
row of the plan is one (queue, start, length, break): the break stays as planned.
"""

from staffing.roster.assign import Roster, assign_roster
from staffing.roster.grid import weekly_grid
from staffing.roster.supply import supply_and_demand

__all__ = ["Roster", "assign_roster", "supply_and_demand", "weekly_grid"]
