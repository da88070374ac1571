"""The week's roster: :func:`assign_roster` runs the steps in order and returns a :class:`Roster`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.config import Config
from core.schema import AGENT_SUMMARY_COLUMNS, ROSTER_COLUMNS, UNASSIGNED_COLUMNS
from staffing.roster.checks import check_agents, within_plan
from staffing.roster.groups import Week, group_agents, shift_table
from staffing.roster.master import Master
from staffing.roster.search import Deadline, Search
from staffing.roster.supply import supply_and_demand
from staffing.shiftplan import ShiftPlan
from staffing.shifts import DAYS_PER_WEEK


@dataclass(frozen=True)
class Roster:
    """A week's roster: Frame C ``roster``, ``unassigned`` shifts and the per-agent ``agents`` summary.

    ``objective``: the weighted soft-rule cost of the roster (weights in
    ``staffing.roster.costs``); ``bound``: a proven lower bound on it; ``gap``:
    ``(objective - bound) / objective``; ``status``: ``optimal`` when
    ``gap <= roster.mip_rel_gap``, else ``feasible``. ``supply``: per queue, the plan's
    demand and what the agents who may work it can supply (see :func:`supply_and_demand`).
    ``time_limit_reached``: the search was cut short by ``roster.time_limit_seconds``, so
    another run (on a faster or quieter machine) may give another roster.
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


def assign_roster(plan: ShiftPlan, agents: pd.DataFrame, config: Config) -> Roster:
    """Assign the validated ``agents`` to ``plan``'s shifts under ``config.roster``'s rules.

    Skills for queues not in the plan are ignored, and agents left without a skill are not
    rostered (``supply_note`` names both). Raises :class:`core.errors.InputError` for
    impossible contracts; shifts no agent can take are reported in ``unassigned``, never
    dropped silently.

    Steps: the greedy start and local search, the bound, then, only while the heavy rules'
    costs stay above the bound, a second start from the LP's duals and a MILP over the
    weeks the searches visited, each followed by local search. Each step stops when it is
    done or at its work limit (counted in rounds or nodes: ``search``, ``master``), so
    identical inputs give identical rosters: small rosters take well under a second, the
    sample desk about ten seconds. ``roster.time_limit_seconds`` is only a safety net: a
    run it cuts short says so (``time_limit_reached``), and only such a run can differ
    from another.
    """
    began = time.perf_counter()
    deadline = Deadline(config.roster.time_limit_seconds)
    everyone = agents
    agents = within_plan(agents, plan)[0]
    check_agents(agents, plan, config)
    rules = config.roster
    shifts = shift_table(plan, config)
    week = Week.of(shifts, config)
    groups = group_agents(agents, plan, shifts, week, config)
    search = Search(groups, week, len(agents))
    search.greedy()
    search.descend(deadline)
    master = Master(search)
    bound = master.bound(deadline) if search.objective() > 0 else 0.0

    def open_gap() -> bool:
        """Worth more work: the heavy rules' costs (unassigned, minimum shifts, contract
        hours) are still above the bound; once they are not, only the light rules (days
        off, fairness) could improve, which the local search already works on."""
        tolerance = rules.mip_rel_gap * search.objective() + 1e-6
        return search.heavy() - bound > tolerance and not deadline.passed()

    if open_gap() and master.lp is not None:
        second = Search(groups, week, len(agents))
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
    """The :class:`Roster` of the worked shifts, one per entry of ``agent_of`` and ``shift_of``
    (an agent's row in ``agents``, a row of ``shifts``)."""
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
