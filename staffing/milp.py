"""Mixed-integer programs through HiGHS (``scipy.optimize``), with a proven optimality gap.

Set-covering and assignment models have strong LP relaxations, but their many
near-identical columns (the same shift with its break a quarter-hour later) make plain
branch and bound slow to find good integer solutions: on a 15-minute week of four queues
HiGHS alone is still 15% from optimal after a minute. :func:`solve` therefore works in
steps (an LP-based restricted master heuristic, "price and branch"):

1. Solve the LP relaxation (interior point, then crossover to a vertex, whose support
   is small). Its value is a lower bound on the optimum.
2. Solve the MILP restricted to the integer columns the LP uses, with at most a quarter of the
   time left, a twentieth in small problems (below). Every continuous column, such as a
   shortfall slack, is kept, so the restricted problem is feasible whenever the full one
   is, and its LP optimum is the full one's. Its value is an upper bound; on the same
   week it is within 0.2% of the bound in seconds. If it finds no solution in its share, it gets all the time left.
3. If the plan is not yet within ``mip_rel_gap`` of the bound and time is left, or the
   LP did not finish, solve the full MILP with the time left, to either tolerance
   (below); keep the better solution and the better of the two bounds. This step matters for small problems (a queue
   needing two or three agents), whose LP bound is weak and whose LP support misses the
   good integer plans: on one such week the restricted MILP stalled 6.6% above the full
   MILP's plan after a minute, so it must not use all the time. In a problem of fewer than
   ``_SMALL_COLUMNS`` integer columns (one queue's week: 2,352 on 30-minute intervals) it
   gets a twentieth of the time: on the 59 slowest of the 200 queue plans of
   ``bench/bench_plan.py`` that took 8% less time than a quarter (490 s against 535 s), no
   plan costlier, and the others finish step 2 in well under a second either way. Large
   problems (the sample desk's skill groups, four groups' columns in one model) keep a
   quarter: with step 2 cut to a tenth of a second that plan ended 15% above its bound
   after a minute, with a quarter within 0.4% in seconds.

The full MILP of step 3 gets one more row, the **count cut** (``counted``: the columns that
are whole at every optimum, such as a plan's shifts and its whole shortfalls): the LP's
least count of them, rounded up (a Chvatal-Gomory cut). A plan's LP spreads its shifts
thin: on the slowest queues of ``bench/bench_plan.py`` it used 73.5 shifts where any plan
needs 74, and the rounded count lifted the bound by 0.5-1% at once, more than HiGHS' own
cuts and a minute of branching did; those queues now end in seconds (``docs/batch.md``).

The tolerance: ``(upper - lower) / upper <= mip_rel_gap``, or ``upper - lower <=
mip_abs_gap`` (HiGHS' own two rules). The shift plan sets the absolute one to a shift's
cost (``shifts.mip_gap_shifts``): a small queue's 0.5% is a fraction of one shift, and
proving that no plan is cheaper by less than that took the slowest queues of
``bench/bench_plan.py`` their whole minute. Only the full MILP of step 3, whose proof is
the slow part, gets the absolute gap: the restricted one would stop at a plan a whole
shift dearer where the full MILP finds the cheaper one in a second (on those 200 queues,
13 plans instead of 26 end a shift dearer, ``docs/batch.md``). The reported gap is always
against a proven lower bound, so "optimal" means "proven within the tolerance of
optimal". HiGHS checks its time limit between steps of its own, so a large model can
overrun ``time_limit_seconds`` by a few seconds.

HiGHS is deterministic: the same model gives the same solution in every run unless a
time limit stops it, and then how far it got depends on the machine and its load. A
plan no time limit cut short (the sample desk's) is therefore the same in every run.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from core.errors import InputError

__all__ = ["MilpModel", "NoSolutionError", "Solution", "equality_lp", "integer_program", "solve"]


class NoSolutionError(InputError):
    """HiGHS found no solution within the time limit (the caller may fall back to another plan)."""


@dataclass(frozen=True)
class Solution:
    """An integer solution and how good it is proven to be.

    ``x``: values of all columns, shape (n,), integers rounded exactly; ``objective``:
    its cost; ``bound``: a proven lower bound on the optimal cost; ``gap``:
    ``(objective - bound) / max(|objective|, 1e-9)``; ``status``: ``optimal`` (within the
    requested ``mip_rel_gap`` or ``mip_abs_gap``) or ``feasible`` (the best found, at most
    ``gap`` from optimal: time ran out, or the restricted search could not close the gap);
    ``seconds``: wall time of the solve.
    """

    x: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float


class MilpModel:
    """A MILP assembled block by block: columns with costs and bounds, rows as triplets.

    ``add_variables`` returns the new columns' indices; ``add_constraints`` takes rows
    numbered from 0 within the block, global column indices and coefficients, and the
    rows' bounds; :meth:`solve` hands the assembled sparse problem to :func:`solve`.
    """

    def __init__(self) -> None:
        self._columns: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._row_bounds: list[tuple[np.ndarray, np.ndarray]] = []
        self.n_columns = 0
        self.n_rows = 0

    def add_variables(self, count: int, *, cost: object = 0.0, lower: object = 0.0, upper: object = np.inf,
                      integer: bool = False, counted: bool | None = None) -> np.ndarray:
        """``count`` new columns (scalars broadcast to shape (count,)); their indices. ``counted``
        (default: ``integer``): the columns take whole values at every optimal solution (a
        slack of a row with whole coefficients and right side counts too), so the count
        cut of :func:`solve` may count them."""
        block = [np.broadcast_to(np.asarray(v, dtype=float), (count,)) for v in (cost, lower, upper)]
        self._columns.append((*block, np.full(count, integer), np.full(count, integer if counted is None else counted)))
        indices = np.arange(self.n_columns, self.n_columns + count)
        self.n_columns += count
        return indices

    def add_constraints(self, rows: np.ndarray, columns: np.ndarray, values: object, *, count: int,
                        lower: object = -np.inf, upper: object = np.inf) -> np.ndarray:
        """``count`` rows ``lower <= sum(values * x[columns]) <= upper``; triplets (rows, columns,
        values) number the rows 0..count-1 within this block. Returns the rows' global indices."""
        rows = np.asarray(rows, dtype=np.int64)
        self._rows.append((rows + self.n_rows, np.asarray(columns, dtype=np.int64),
                           np.broadcast_to(np.asarray(values, dtype=float), rows.shape)))
        self._row_bounds.append(tuple(np.broadcast_to(np.asarray(v, dtype=float), (count,)) for v in (lower, upper)))
        indices = np.arange(self.n_rows, self.n_rows + count)
        self.n_rows += count
        return indices

    def solve(self, *, time_limit_seconds: float, mip_rel_gap: float, time_limit_setting: str,
              mip_abs_gap: float = 0.0) -> Solution:
        """Assemble and solve (see :func:`solve`)."""
        cost, lower, upper, integer, counted = (np.concatenate([block[k] for block in self._columns]) for k in range(5))
        rows, columns, values = (np.concatenate([block[k] for block in self._rows]) for k in range(3))
        matrix = sp.csr_array((values, (rows, columns)), shape=(self.n_rows, self.n_columns))
        row_lower, row_upper = (np.concatenate([bounds[k] for bounds in self._row_bounds]) for k in range(2))
        return solve(cost, integer, lower, upper, matrix, row_lower, row_upper, time_limit_seconds=time_limit_seconds,
                     mip_rel_gap=mip_rel_gap, mip_abs_gap=mip_abs_gap, time_limit_setting=time_limit_setting,
                     counted=counted)


_MIN_FULL_SECONDS = 1.0  # the full MILP of step 3 runs only with at least this much time left
_RESTRICTED_SHARE = 0.25  # step 2 gets at most this share of the time left after the LP,
_SMALL_RESTRICTED_SHARE = 0.05  # or this share in a small problem:
_SMALL_COLUMNS = 20_000  # fewer integer columns than this


def _relative_gap(objective: float, bound: float) -> float:
    return max(objective - bound, 0.0) / max(abs(objective), 1e-9)


def _within(objective: float, bound: float, mip_rel_gap: float, mip_abs_gap: float) -> bool:
    return objective - bound <= max(mip_rel_gap * abs(objective), mip_abs_gap) + 1e-9


def _lp(c, lower, upper, matrix, row_lower, row_upper, time_limit):
    """The LP relaxation by HiGHS' interior-point method (with crossover to a vertex): on
    these degenerate covering and assignment LPs it is several times faster than simplex."""
    equal = row_lower == row_upper
    above, below = np.isfinite(row_upper) & ~equal, np.isfinite(row_lower) & ~equal
    return linprog(c, A_ub=sp.vstack([matrix[above], -matrix[below]]).tocsr(),
                   b_ub=np.r_[row_upper[above], -row_lower[below]],
                   A_eq=matrix[equal] if equal.any() else None, b_eq=row_lower[equal] if equal.any() else None,
                   bounds=np.column_stack([lower, upper]), method="highs-ipm",
                   options={"time_limit": max(time_limit, 0.1)})


def _milp(c, integer, lower, upper, matrix, row_lower, row_upper, time_limit, gaps):
    """HiGHS' MILP; ``gaps``: (mip_rel_gap, mip_abs_gap). scipy passes options it does not
    name (mip_abs_gap) to HiGHS verbatim, with a warning that says so."""
    mip_rel_gap, mip_abs_gap = gaps
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unrecognized options detected", RuntimeWarning)
        return milp(c, integrality=integer.astype(np.uint8), bounds=Bounds(lower, upper),
                    constraints=[LinearConstraint(matrix, row_lower, row_upper)],
                    options={"time_limit": max(time_limit, 0.1), "mip_rel_gap": mip_rel_gap,
                             "mip_abs_gap": mip_abs_gap})


def solve(
    c: np.ndarray,
    integer: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    matrix: sp.csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    time_limit_seconds: float,
    mip_rel_gap: float,
    time_limit_setting: str,
    mip_abs_gap: float = 0.0,
    counted: np.ndarray | None = None,
) -> Solution:
    """Minimise ``c @ x`` s.t. ``row_lower <= matrix @ x <= row_upper``, ``lower <= x <= upper``,
    ``x[integer]`` whole.

    Shapes: ``c``, ``integer`` (bool), ``lower``, ``upper``: (n,); ``matrix``: (m, n)
    sparse; ``row_lower``, ``row_upper``: (m,), ±inf for open sides. Stops once within
    ``mip_rel_gap`` or ``mip_abs_gap`` (the objective's units) of optimal. ``counted``: (n,)
    whole weights whose sum ``counted @ x`` is whole at every optimum (the count cut; None:
    no cut). Columns fixed at zero (a shift a rule forbids) are left out before any step.
    The problem must have a feasible point (callers add slack columns). If HiGHS finds none before the time
    limit, raises :class:`NoSolutionError` (an :class:`InputError`) naming ``time_limit_setting``,
    the setting to raise.
    """
    began = time.perf_counter()
    deadline = began + time_limit_seconds
    c, lower, upper = (np.asarray(v, dtype=float) for v in (c, lower, upper))
    row_lower, row_upper = np.asarray(row_lower, dtype=float), np.asarray(row_upper, dtype=float)
    n_columns = c.size
    kept = np.flatnonzero((lower != 0) | (upper != 0))  # columns fixed at zero are left out of every step
    if not kept.size:  # nothing to decide: every column is zero
        if (row_lower > 1e-9).any() or (row_upper < -1e-9).any():
            raise ValueError("the problem has no feasible point: every column is fixed at zero and a row needs a "
                             "non-zero sum (callers add slack columns)")
        return Solution(np.zeros(n_columns), 0.0, 0.0, 0.0, "optimal", time.perf_counter() - began)
    c, lower, upper, integer = c[kept], lower[kept], upper[kept], np.asarray(integer, dtype=bool)[kept]
    matrix = sp.csr_array(sp.csc_array(matrix)[:, kept])

    gaps, relative_only = (mip_rel_gap, mip_abs_gap), (mip_rel_gap, 0.0)
    best_x, best_value = None, np.inf
    # with costs and columns >= 0, 0 bounds the optimum even when no LP finishes (the gap then reads at most 100%)
    bound = 0.0 if (c >= 0).all() and (lower >= 0).all() else -np.inf
    relaxation = _lp(c, lower, upper, matrix, row_lower, row_upper, deadline - time.perf_counter())
    if relaxation.status == 0:
        bound = float(relaxation.fun)
        columns = np.flatnonzero(~integer | (relaxation.x > 1e-9))
        if not columns.size:  # the LP plan is all zeros, an integer plan
            best_x, best_value = np.zeros(c.size), 0.0
        else:
            restricted = (c[columns], integer[columns], lower[columns], upper[columns], matrix[:, columns], row_lower,
                          row_upper)
            share = _RESTRICTED_SHARE if integer.sum() >= _SMALL_COLUMNS else _SMALL_RESTRICTED_SHARE
            result = _milp(*restricted, share * (deadline - time.perf_counter()), relative_only)
            if result.x is None:  # no plan yet: large problems find their first one here rather than in the full MILP
                result = _milp(*restricted, deadline - time.perf_counter(), relative_only)
            if result.x is not None:
                best_x, best_value = np.zeros(c.size), float(result.fun)
                best_x[columns] = result.x
    remaining = deadline - time.perf_counter()
    if best_x is None or (_relative_gap(best_value, bound) > mip_rel_gap and remaining > _MIN_FULL_SECONDS):
        if counted is not None:
            matrix, row_lower, row_upper = _with_count_cut(np.asarray(counted, dtype=float)[kept], lower, upper,
                                                           matrix, row_lower, row_upper, deadline)
        result = _milp(c, integer, lower, upper, matrix, row_lower, row_upper, deadline - time.perf_counter(), gaps)
        if result.x is not None and result.fun < best_value:
            best_x, best_value = result.x, float(result.fun)
        if getattr(result, "mip_dual_bound", None) is not None and np.isfinite(result.mip_dual_bound):
            bound = max(bound, float(result.mip_dual_bound))
    if best_x is None:
        raise NoSolutionError(f"{time_limit_setting} must be long enough to find a first solution; got "
                         f"{time_limit_seconds:g} s and HiGHS found none; raise {time_limit_setting}")
    best_x = np.where(integer, np.round(best_x), best_x)
    objective = float(c @ best_x)
    gap = _relative_gap(objective, bound)
    x = np.zeros(n_columns)
    x[kept] = best_x
    return Solution(x, objective, bound, gap, "optimal" if _within(objective, bound, *gaps) else "feasible",
                    time.perf_counter() - began)


def _with_count_cut(counted, lower, upper, matrix, row_lower, row_upper, deadline):
    """The rows with the count cut ``counted @ x >= ceil(LP minimum of counted @ x)`` added
    when that minimum is fractional (else unchanged). ``counted``: whole weights such that
    ``counted @ x`` is a whole number at every optimal solution, so rounding the LP minimum
    up cuts off no optimal plan (a Chvatal-Gomory cut)."""
    least = _lp(counted, lower, upper, matrix, row_lower, row_upper, deadline - time.perf_counter())
    if least.status != 0:
        return matrix, row_lower, row_upper
    whole = np.ceil(least.fun - 1e-6 * max(1.0, abs(least.fun)))
    if whole <= least.fun + 1e-6 * max(1.0, abs(least.fun)):
        return matrix, row_lower, row_upper
    return sp.vstack([matrix, sp.csr_array(counted[None, :])]).tocsr(), np.r_[row_lower, whole], np.r_[row_upper, np.inf]


def equality_lp(cost: np.ndarray, *, rows: np.ndarray, columns: np.ndarray, right_side: np.ndarray,
                upper: np.ndarray, time_limit_seconds: float, values: np.ndarray | None = None
                ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Minimise ``cost @ x`` s.t. ``A @ x = right_side``, ``0 <= x <= upper``; A from triplets
    (``rows``, ``columns``, ``values``, default 1). Returns the optimal value, the solution
    and the rows' duals (the objective's derivative by ``right_side``), or None if HiGHS
    stops without an optimum (time limit). Interior point with crossover: on degenerate
    set-partitioning masters it is several times faster than dual simplex.
    """
    n_rows = right_side.size
    values = np.ones(rows.size) if values is None else values
    matrix = sp.csr_array((values, (rows, columns)), shape=(n_rows, cost.size))
    result = linprog(cost, A_eq=matrix, b_eq=right_side, bounds=np.column_stack([np.zeros(cost.size), upper]),
                     method="highs-ipm", options={"time_limit": max(time_limit_seconds, 0.1)})
    if result.status != 0:
        return None
    return float(result.fun), np.asarray(result.x, dtype=float), np.asarray(result.eqlin.marginals, dtype=float)


def integer_program(cost: np.ndarray, *, rows: np.ndarray, columns: np.ndarray, right_side: np.ndarray,
                    upper: np.ndarray, integer: np.ndarray, time_limit_seconds: float, mip_rel_gap: float,
                    node_limit: int, values: np.ndarray | None = None) -> np.ndarray | None:
    """Minimise ``cost @ x`` s.t. ``A @ x = right_side``, ``0 <= x <= upper``, ``x[integer]``
    whole (A as in :func:`equality_lp`), by HiGHS within the time limit and ``node_limit``
    branch-and-bound nodes (a limit that, unlike time, stops every run at the same
    solution). Returns the best solution found (integers rounded exactly), or None if
    HiGHS found none."""
    values = np.ones(rows.size) if values is None else values
    matrix = sp.csr_array((values, (rows, columns)), shape=(right_side.size, cost.size))
    result = milp(cost, integrality=integer.astype(np.uint8), bounds=Bounds(np.zeros(cost.size), upper),
                  constraints=[LinearConstraint(matrix, right_side, right_side)],
                  options={"time_limit": max(time_limit_seconds, 0.1), "mip_rel_gap": mip_rel_gap,
                           "node_limit": node_limit})
    if result.x is None:
        return None
    return np.where(integer, np.round(result.x), result.x)
