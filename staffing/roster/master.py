"""The patterns' master problem: the lower bound by column generation, and rosters by MILP.

The LP relaxation over the groups' patterns (Dantzig-Wolfe decomposition), priced by each
group's dynamic program, gives a Lagrangian bound in penalty points; the roster's ``gap``
is measured against it. The bound is tight for the heavy rules (unassigned hours, minimum
shifts, contract hours) but weak for the light ones (days off, fairness): a roster whose
only cost left is light shows a gap it may not have (the sample desk: 272 against a bound
of 120).
"""

from __future__ import annotations

import numpy as np

from staffing.milp import equality_lp, integer_program
from staffing.roster.costs import UNASSIGNED_HOUR_COST
from staffing.roster.patterns import NEG
from staffing.roster.search import CANDIDATES, Deadline, Search

# counted, never timed, so that identical inputs give identical rosters; each stops sooner
# when done (the sample desk: 18 rounds of pricing, no MILP)
_MOST_PRICING_ROUNDS = 60  # rounds of column generation for the bound
_MOST_MILP_NODES = 1_000  # branch-and-bound nodes of the MILP over the visited weeks


class Master:
    """The patterns' master problem over a pool of patterns (Dantzig-Wolfe decomposition).

    Choose ``n_g`` patterns per group (with repeats) and leave ``wanted - sum(patterns)``
    of each shift row unassigned, at the least total cost. Its LP, grown by column
    generation, gives the lower bound; the MILP over the grown pool gives rosters.
    """

    def __init__(self, search: Search) -> None:
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

    def bound(self, deadline: Deadline) -> float:
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
        best = NEG
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
                top, found = group.best(row_dual, CANDIDATES)
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
