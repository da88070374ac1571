"""``staffing.milp.solve``: the proven optimum of a small covering MILP, and what it reports
when a step of the LP-restricted search fails (the LP does not finish; the restricted
MILP finds nothing in its share of the time), and the columns fixed at zero it leaves out."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import staffing.milp as milp


def _cyclic_cover(slots: int = 5, length: int = 2):
    """Cover every slot of a cycle of ``slots`` once with shifts of ``length`` slots, one
    column per start (cost 1) plus a shortfall slack per slot (cost 10). LP optimum
    slots / length = 2.5; integer optimum 3."""
    rows = np.concatenate([(start + np.arange(length)) % slots for start in range(slots)])
    cols = np.repeat(np.arange(slots), length)
    shifts = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(slots, slots))
    matrix = sp.hstack([shifts, sp.identity(slots)]).tocsr()
    c = np.r_[np.ones(slots), np.full(slots, 10.0)]
    integer = np.r_[np.ones(slots, bool), np.zeros(slots, bool)]
    return dict(c=c, integer=integer, lower=np.zeros(2 * slots), upper=np.full(2 * slots, np.inf), matrix=matrix,
                row_lower=np.ones(slots), row_upper=np.full(slots, np.inf))


def _solve(problem, **options):
    return milp.solve(*problem.values(), time_limit_seconds=options.get("time_limit_seconds", 10.0),
                      mip_rel_gap=1e-6, mip_abs_gap=options.get("mip_abs_gap", 0.0),
                      time_limit_setting="shifts.time_limit_seconds")


def test_the_optimum_is_found_and_proven():
    solution = _solve(_cyclic_cover())
    assert solution.objective == 3.0 and solution.status == "optimal"
    assert solution.bound == pytest.approx(3.0) and solution.gap == pytest.approx(0.0, abs=1e-9)
    assert np.array_equal(solution.x, np.round(solution.x))


def test_without_the_lp_the_full_milp_answers_with_a_finite_gap(monkeypatch):
    class Unfinished:
        status, fun, x = 1, None, None

    real = milp._milp

    def without_dual_bound(*args):  # as when HiGHS stops at its time limit before bounding
        result = real(*args)
        result.mip_dual_bound = None
        return result

    monkeypatch.setattr(milp, "_lp", lambda *args: Unfinished())
    monkeypatch.setattr(milp, "_milp", without_dual_bound)
    solution = _solve(_cyclic_cover())
    assert solution.objective == 3.0
    assert np.isfinite(solution.gap) and 0 <= solution.gap <= 1


@pytest.mark.parametrize("mip_abs_gap, status", [(0.5, "optimal"), (0.4, "feasible")])
def test_a_plan_within_the_absolute_gap_of_its_bound_is_optimal(monkeypatch, mip_abs_gap, status):
    """Plan 3 against the LP bound 2.5 (HiGHS' own bound hidden): 0.5 from the bound, a sixth
    of it, so optimal under an absolute gap of 0.5 and not of 0.4."""
    real = milp._milp

    def without_dual_bound(*args):
        result = real(*args)
        result.mip_dual_bound = None
        return result

    monkeypatch.setattr(milp, "_milp", without_dual_bound)
    solution = _solve(_cyclic_cover(), mip_abs_gap=mip_abs_gap)
    assert solution.objective == 3.0 and solution.bound == pytest.approx(2.5)
    assert solution.gap == pytest.approx(1 / 6) and solution.status == status


def test_the_absolute_gap_stops_the_full_milp_not_the_restricted_one(monkeypatch):
    """The restricted MILP aims at the relative gap (a plan it stops at early would be kept);
    the full MILP, whose proof is the slow part, gets both."""
    gaps: list[tuple[float, float]] = []
    real = milp._milp
    monkeypatch.setattr(milp, "_milp", lambda *args: gaps.append(args[-1]) or real(*args))
    solution = _solve(_cyclic_cover(), mip_abs_gap=0.5)
    assert solution.objective == 3.0 and solution.status == "optimal"
    assert gaps == [(1e-6, 0.0), (1e-6, 0.5)]


def test_a_restricted_milp_without_a_solution_in_its_share_gets_the_rest_of_the_time(monkeypatch):
    calls: list[tuple[int, float]] = []
    real = milp._milp

    def first_finds_nothing(c, *args):
        calls.append((c.size, args[-2]))  # columns, and the time limit it was given
        result = real(c, *args)
        if len(calls) == 1:
            result.x = None
        return result

    monkeypatch.setattr(milp, "_milp", first_finds_nothing)
    solution = _solve(_cyclic_cover(), time_limit_seconds=8.0)
    assert solution.objective == 3.0 and solution.status == "optimal"
    # the restricted MILP with its share of the time, again with all the time left, then the
    # full MILP to prove the LP bound of 2.5 cannot be reached (here the LP uses every column)
    assert len(calls) == 3 and calls[0][1] <= 0.25 * 8.0 < calls[1][1]


@pytest.mark.parametrize("small_columns, share", [(20_000, 0.05), (1, 0.25)])
def test_the_restricted_milp_gets_a_twentieth_of_the_time_in_small_problems_a_quarter_in_large(
        monkeypatch, small_columns, share):
    limits: list[float] = []
    real = milp._milp
    monkeypatch.setattr(milp, "_SMALL_COLUMNS", small_columns)  # 1: the 5 shift columns make a large problem
    monkeypatch.setattr(milp, "_milp", lambda *args: limits.append(args[-2]) or real(*args))
    solution = _solve(_cyclic_cover(), time_limit_seconds=8.0)
    assert solution.objective == 3.0
    assert 0.9 * share * 8.0 < limits[0] <= share * 8.0


def test_columns_fixed_at_zero_are_left_out_and_come_back_as_zero(monkeypatch):
    """A forbidden shift (upper 0) changes nothing but the problem HiGHS sees: the start at
    slot 0 forbidden, the cycle of 5 still needs 3 shifts, and the solver never sees that column."""
    problem = _cyclic_cover()
    problem["upper"][0] = 0.0
    seen: list[int] = []
    real = milp._lp
    monkeypatch.setattr(milp, "_lp", lambda c, *args: seen.append(c.size) or real(c, *args))
    solution = _solve(problem)
    assert seen == [9] and solution.x.shape == (10,) and solution.x[0] == 0
    assert solution.objective == 3.0 and solution.status == "optimal"


def test_a_problem_with_nothing_to_decide_is_all_zeros():
    problem = _cyclic_cover()
    problem |= dict(upper=np.zeros(10), row_lower=np.zeros(5))
    solution = _solve(problem)
    assert solution.objective == 0 and not solution.x.any() and solution.status == "optimal"
    problem["row_lower"] = np.ones(5)
    with pytest.raises(ValueError, match="no feasible point: every column is fixed at zero"):
        _solve(problem)


def test_the_count_cut_rounds_a_fractional_lp_count_up_and_leaves_a_whole_one_alone():
    """5 slots covered by 2-slot shifts: the LP needs 2.5 shifts, so the cut asks for 3; 4
    slots need exactly 2, so no row is added."""
    for slots, rows_added, right_side in ((5, 1, 3.0), (4, 0, None)):
        problem = _cyclic_cover(slots=slots)
        counted = np.ones(problem["c"].size)
        matrix, row_lower, _ = milp._with_count_cut(counted, problem["lower"], problem["upper"], problem["matrix"],
                                                    problem["row_lower"], problem["row_upper"], np.inf)
        assert matrix.shape[0] == slots + rows_added
        if right_side is not None:
            assert row_lower[-1] == right_side and np.array_equal(matrix.toarray()[-1], counted)


def test_the_count_cut_goes_to_the_full_milp_only(monkeypatch):
    shapes: list[int] = []
    real = milp._milp
    monkeypatch.setattr(milp, "_milp", lambda c, i, lo, up, matrix, *rest: shapes.append(matrix.shape[0])
                        or real(c, i, lo, up, matrix, *rest))
    problem = _cyclic_cover()
    solution = milp.solve(*problem.values(), time_limit_seconds=10.0, mip_rel_gap=1e-6,
                          time_limit_setting="shifts.time_limit_seconds", counted=np.ones(problem["c"].size))
    assert solution.objective == 3.0 and solution.status == "optimal"
    assert shapes == [5, 6]  # the restricted MILP without the cut, the full one with it


_PATTERNS = ((1, 1), (1, 1, 1), (1, 1, 0, 1), (1, 0, 1, 1), (1, 1, 0, 1, 1))  # slots worked; 0: a break


def _random_cover(seed: int):
    """A cyclic covering problem: shifts of the patterns above (breaks make its LP
    fractional) starting at every slot, at uneven costs; whole requirements of 1-3 agents;
    dear shortfall slacks."""
    rng = np.random.default_rng(seed)
    slots = int(rng.integers(6, 13))
    chosen = [_PATTERNS[k] for k in rng.integers(0, len(_PATTERNS), size=2 * slots)]
    starts = np.tile(np.arange(slots), 2)
    rows = np.concatenate([(s + np.flatnonzero(pattern)) % slots for s, pattern in zip(starts, chosen)])
    cols = np.repeat(np.arange(starts.size), [sum(pattern) for pattern in chosen])
    shifts = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(slots, starts.size))
    required = rng.integers(1, 4, size=slots).astype(float)
    c = np.r_[[len(pattern) for pattern in chosen] + rng.choice([0.0, 0.25, 0.5], size=starts.size),
              np.full(slots, 40.0)]
    return dict(c=c, integer=np.r_[np.ones(starts.size, bool), np.zeros(slots, bool)], lower=np.zeros(c.size),
                upper=np.r_[np.full(starts.size, np.inf), required],
                matrix=sp.hstack([shifts, sp.identity(slots)]).tocsr(), row_lower=required,
                row_upper=np.full(slots, np.inf))


def test_the_count_cut_never_cuts_off_the_optimum():
    """On 40 random problems (shifts and whole shortfall slacks counted), HiGHS' proven
    optimum is the same with the cut as without; the cut was added (a fractional LP count)
    in many of them."""
    added = 0
    for seed in range(40):
        p = _random_cover(seed)
        counted = np.ones(p["c"].size)
        matrix, row_lower, row_upper = milp._with_count_cut(counted, p["lower"], p["upper"], p["matrix"],
                                                            p["row_lower"], p["row_upper"], np.inf)
        added += matrix.shape[0] > p["matrix"].shape[0]
        plain = milp._milp(*p.values(), 10.0, (0.0, 0.0))
        cut = milp._milp(p["c"], p["integer"], p["lower"], p["upper"], matrix, row_lower, row_upper, 10.0, (0.0, 0.0))
        assert plain.status == cut.status == 0
        assert cut.fun == pytest.approx(plain.fun, abs=1e-9)
    assert added >= 10
