"""The local search: one week per agent, improved agent by agent against everyone else's.

A greedy pass gives each agent in turn their best pattern among the open shifts; the local
search then lets each agent re-plan their week, filling open shifts and taking over a
colleague's shift when that lowers the objective (the colleague's loss counted exactly),
then also chains (the colleague re-plans too), until no agent can improve. Weeks are
arrays of shift rows (``staffing.roster.groups``); costs in penalty points. ``Deadline``:
the time limit, a safety net checked between rounds.
"""

from __future__ import annotations

import time

import numpy as np

from staffing.roster.costs import HOUR_SHORT_COST, MIN_SHIFT_COST, UNASSIGNED_HOUR_COST
from staffing.roster.groups import Group, Week
from staffing.roster.patterns import NEG

# the greedy start only: an open seat is worth up to this share more when most of its shift is open
GREEDY_SPREAD = 0.2
CANDIDATES = 4  # patterns per dynamic program tried by the local search (and per group in pricing)
# counted, never timed, so that identical inputs give identical rosters; stops sooner when
# done (the sample desk: 11 rounds)
_MOST_ROUNDS = 50  # rounds of the local search (each re-plans every agent once)


class Deadline:
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


class Search:
    """One pattern (shift rows) per agent, improved agent by agent."""

    def __init__(self, groups: list[Group], week: Week, n_agents: int) -> None:
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
                    _, found = group.best(np.where(free > 0, value, NEG), 1, group.overtime)
                else:
                    _, found = group.best(np.where(free > 0, duals, NEG), 1)
                if found:
                    self._set(a, found[0][1])

    def _takeover_values(self, a: int, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row that is full: the most any other holder gains by giving it up, and who."""
        if self._flat is None:
            owners = np.concatenate([np.full(r.size, k) for k, r in enumerate(self.rows)])
            self._flat = (owners, np.concatenate(self.rows), np.concatenate(self._gains))
        owners, rows, gains = self._flat
        value, donor = np.full(free.size, NEG), np.full(free.size, -1)
        mine = (owners != a) & (free[rows] <= 0)
        if not mine.any():
            return value, donor
        owners, rows, gains = owners[mine], rows[mine], gains[mine]
        order = np.lexsort((-gains, rows))
        leading = order[np.r_[True, np.diff(rows[order]) != 0]]
        value[rows[leading]], donor[rows[leading]] = gains[leading], owners[leading]
        return value, donor

    def descend(self, deadline: Deadline) -> None:
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
        _, found = group.best(value, CANDIDATES)
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
