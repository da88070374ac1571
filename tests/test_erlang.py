"""Erlang B/C/A against slow, obvious references.

Erlang B/C: an mpmath reference (40 digits, the textbook recursion) for traffic from
0.01 to 10,000 Erlangs; required agents must match exactly and probabilities to 1e-9.
Erlang A: a birth-death chain with the tagged caller's offered wait as an absorbing
Markov chain (scipy.linalg.expm), which shares no formula with the closed forms.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import linalg

from core.errors import InputError
from staffing import erlang

mpmath.mp.dps = 40
TOL = 1e-12  # the same target tolerance as staffing.erlang


# ------------------------------------------------------------------ mpmath reference


def ref_erlang_b(n: int, a) -> mpmath.mpf:
    a = mpmath.mpf(a)
    inverse = mpmath.mpf(1)
    for k in range(1, n + 1):
        inverse = 1 + inverse * k / a
    return 1 / inverse


def ref_kpis(n: int, a, aht, answer):
    """(P(wait), service level, ASA) in mpmath."""
    a, aht, answer = mpmath.mpf(a), mpmath.mpf(aht), mpmath.mpf(answer)
    if n <= a:
        return mpmath.mpf(1), mpmath.mpf(0), mpmath.inf
    b = ref_erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    return c, 1 - c * mpmath.exp(-(n - a) * answer / aht), c * aht / (n - a)


def ref_required(volume, aht, interval, sl, answer, occ=None, asa=None) -> int:
    a = mpmath.mpf(volume) * aht / interval
    if a == 0:
        return 0
    n = int(mpmath.floor(a)) + 1
    while True:
        _, level, speed = ref_kpis(n, a, aht, answer)
        ok = level >= sl * (1 - TOL)
        ok = ok and (occ is None or a / n <= occ * (1 + TOL))
        ok = ok and (asa is None or speed <= asa * (1 + TOL))
        if ok:
            return n
        n += 1


# (volume, aht_seconds, interval_seconds, service_level, answer_seconds, max_occupancy, asa_seconds)
CASES = [
    (1, 18, 1800, 0.8, 20, None, None),  # 0.01 Erlang
    (10, 18, 1800, 0.8, 20, None, None),  # 0.1
    (10, 180, 1800, 0.8, 20, None, None),  # 1, a whole number
    (20, 180, 1800, 0.9, 30, None, None),  # 2
    (100, 180, 1800, 0.8, 20, None, None),  # the textbook case: 14 agents
    (85, 180, 1800, 0.8, 20, 0.85, None),  # occupancy binds exactly at 8.5 / 10
    (250, 360, 1800, 0.8, 20, 0.85, None),  # 50
    (100, 900, 900, 0.95, 10, None, 30),  # 100 with an ASA cap
    (400, 240, 900, 0.8, 20, None, None),  # the benchmark's peak, 106.7
    (500, 900, 900, 0.8, 60, 0.9, None),  # 500
    (3000, 300, 900, 0.8, 20, None, None),  # 1000
    (7500, 300, 900, 0.9, 15, 0.95, None),  # 2500
    (15000, 300, 900, 0.8, 20, None, None),  # 5000
    (30000, 300, 900, 0.8, 20, 0.98, None),  # 10,000
]


@pytest.mark.parametrize("volume, aht, interval, sl, answer, occ, asa", CASES)
def test_required_agents_matches_mpmath_exactly(volume, aht, interval, sl, answer, occ, asa):
    got = erlang.required_agents(volume, aht, interval, service_level=sl, answer_seconds=answer,
                                 max_occupancy=occ, asa_seconds=asa)
    assert int(got) == ref_required(volume, aht, interval, sl, answer, occ, asa)


@pytest.mark.parametrize("volume, aht, interval, sl, answer, occ, asa", CASES)
def test_probabilities_match_mpmath_to_1e9(volume, aht, interval, sl, answer, occ, asa):
    a = volume * aht / interval
    n0 = int(math.floor(a)) + 1
    agents = np.array([max(n0 - 3, 0), n0, n0 + 1, n0 + 5, n0 + int(3 * math.sqrt(a)) + 2])
    got_b = erlang.erlang_b(agents, a)
    got_c = erlang.erlang_c(agents, a)
    got_sl = erlang.service_level(agents, a, aht, answer)
    got_asa = erlang.asa_seconds(agents, a, aht)
    for i, n in enumerate(agents):
        c, level, speed = ref_kpis(int(n), a, aht, answer)
        assert abs(got_b[i] - float(ref_erlang_b(int(n), a))) <= 1e-9
        assert abs(got_c[i] - float(c)) <= 1e-9
        assert abs(got_sl[i] - float(level)) <= 1e-9
        if mpmath.isinf(speed):
            assert np.isinf(got_asa[i])
        else:
            assert got_asa[i] == pytest.approx(float(speed), rel=1e-9, abs=1e-9)


def test_textbook_case_and_its_kpis():
    """The worked example of Call Centre Helper's "Erlang C formula - made simple" (100 calls in
    30 minutes, 180 s handle time, 80/20: 14 agents, P(wait) 17.4%, service level 88.8%, ASA
    7.8 s); the digits are this module's mpmath reference at 40 digits (Erlang B recursion,
    C = N B / (N - A (1 - B)), SL = 1 - C exp(-(N - A) t / AHT), ASA = C AHT / (N - A)):
    0.17413193359..., 0.88835001917..., 7.83593701177... s."""
    assert erlang.required_agents(100, 180, 1800, service_level=0.8, answer_seconds=20) == 14
    assert erlang.erlang_c(14, 10.0) == pytest.approx(0.1741319, abs=1e-7)
    assert erlang.service_level(14, 10.0, 180, 20) == pytest.approx(0.8883500, abs=1e-7)
    assert erlang.service_level(13, 10.0, 180, 20) < 0.8
    assert erlang.asa_seconds(14, 10.0, 180) == pytest.approx(7.8359, abs=1e-4)
    assert erlang.occupancy(14, 10.0) == pytest.approx(10 / 14)


def test_occupancy_cap_is_not_rounded_up_by_floating_point():
    # 8.5 Erlangs / 0.85 = 10 agents exactly (occupancy = A / N, e.g. Koole, "Call Center
    # Optimization", ch. 5); 10.000000000000002 in floating point must not become 11.
    assert erlang.required_agents(85, 180, 1800, service_level=None, max_occupancy=0.85) == 10
    assert erlang.required_agents(70, 180, 1800, service_level=None, max_occupancy=0.7) == 10


def test_zero_volume_needs_zero_agents_and_is_not_an_error():
    got = erlang.required_agents(np.array([0.0, 0.0, 100.0]), 180, 1800, max_occupancy=0.85)
    assert got.tolist() == [0, 0, 14]
    assert erlang.service_level(0, 0.0, 180, 20) == 1.0
    assert erlang.asa_seconds(0, 0.0, 180) == 0.0


def test_broadcasting_and_shapes():
    volume = np.array([[100.0, 200.0], [0.0, 50.0]])
    got = erlang.required_agents(volume, np.array([180.0, 240.0]), 1800)
    assert got.shape == (2, 2) and got.dtype == np.int64
    for (i, j), v in np.ndenumerate(volume):
        assert got[i, j] == erlang.required_agents(v, [180.0, 240.0][j], 1800)
    assert erlang.erlang_c(np.arange(11, 20), 10.0).shape == (9,)


def test_thousands_of_agents_stay_finite():
    n = np.arange(9_990, 10_400, 10)
    for kpi in (erlang.erlang_b(n, 10_000.0), erlang.erlang_c(n, 10_000.0),
                erlang.service_level(n, 10_000.0, 300, 20)):
        assert np.all(np.isfinite(kpi)) and np.all((kpi >= 0) & (kpi <= 1))
    # far below the load every call is blocked; the gamma functions underflow there
    assert erlang.erlang_b(5_000, 10_000.0) == pytest.approx(float(ref_erlang_b(5_000, 10_000)), abs=1e-12)


def test_fractional_agents_lie_in_the_last_step_and_meet_the_binding_target():
    volume = np.array([0.0, 10.0, 100.0, 400.0, 85.0])
    n = erlang.required_agents(volume, 180, 1800, max_occupancy=0.85)
    frac = erlang.fractional_agents(n, volume, 180, 1800, max_occupancy=0.85)
    assert frac[0] == 0
    assert np.all(frac[1:] > n[1:] - 1) and np.all(frac[1:] <= n[1:])
    # with no service-level target, the occupancy cap binds at exactly 8.5 / 0.85 agents
    only_cap = dict(service_level=None, max_occupancy=0.85)
    n_cap = erlang.required_agents(85, 180, 1800, **only_cap)
    assert erlang.fractional_agents(n_cap, 85, 180, 1800, **only_cap) == pytest.approx(10.0)
    # summing fractions before rounding never needs more than rounding each queue
    assert math.ceil(frac.sum()) <= n.sum()


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.floats(0.01, 2000),
    aht=st.floats(10, 1800),
    answer=st.floats(0, 120),
)
def test_more_agents_never_hurt(traffic, aht, answer):
    n = np.arange(0, int(traffic) + 4 * int(math.sqrt(traffic)) + 10)
    level = erlang.service_level(n, traffic, aht, answer)
    speed = erlang.asa_seconds(n, traffic, aht)
    wait = erlang.erlang_c(n, traffic)
    assert np.all((wait >= 0) & (wait <= 1)) and np.all((level >= 0) & (level <= 1))
    assert np.all(np.diff(level) >= -1e-12)
    assert np.all(np.diff(speed[np.isfinite(speed)]) <= 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    volume=st.floats(0, 3000),
    aht=st.floats(10, 1200),
    sl=st.floats(0.05, 0.99),
    answer=st.floats(0, 120),
    occ=st.one_of(st.none(), st.floats(0.5, 1.0)),
)
def test_required_agents_is_the_smallest_that_meets_the_target(volume, aht, sl, answer, occ):
    n = int(erlang.required_agents(volume, aht, 900, service_level=sl, answer_seconds=answer,
                                   max_occupancy=occ))
    a = volume * aht / 900
    if a == 0:
        assert n == 0
        return
    assert erlang.service_level(n, a, aht, answer) >= sl * (1 - TOL)
    assert occ is None or a / n <= occ * (1 + TOL)
    previous_ok = erlang.service_level(n - 1, a, aht, answer) >= sl * (1 - TOL) and (
        occ is None or n - 1 > 0 and a / (n - 1) <= occ * (1 + TOL))
    assert not previous_ok


# ------------------------------------------------------------------------- Erlang A


def ref_erlang_a(n, a, aht, answer, patience, depth=400):
    """(service level, abandon rate, mean wait, ASA of answered) from the birth-death chain,
    expm, and the phase-type moment E[T; served] = start (-T)^-2 t_served."""
    lam, mu, theta = a / aht, 1 / aht, 1 / patience
    log_pi = [k * math.log(a) - math.lgamma(k + 1) for k in range(n + 1)]
    for j in range(1, depth):
        log_pi.append(log_pi[-1] + math.log(lam / (n * mu + j * theta)))
    pi = np.exp(np.array(log_pi) - max(log_pi))
    pi /= pi.sum()
    # the tagged caller at position k = 1..depth: states 0..depth-1, then served, abandoned
    size = depth + 2
    q = np.zeros((size, size))
    served, gone = depth, depth + 1
    for k in range(1, depth + 1):
        s = k - 1
        ahead = n * mu + (k - 1) * theta
        if k == 1:
            q[s, served] = n * mu
        else:
            q[s, s - 1] = ahead
        q[s, gone] = theta
        q[s, s] = -q[s].sum()
    start = np.zeros(size)
    start[:depth] = pi[n:n + depth]
    by_t = start @ linalg.expm(q * answer)
    level = pi[:n].sum() + by_t[served]
    # eventually: solve for absorption probabilities
    transient = q[:depth, :depth]
    absorb = np.linalg.solve(-transient, q[:depth, depth:])
    abandon = start[:depth] @ absorb[:, 1]
    mean_queue = sum(j * pi[n + j] for j in range(depth))
    inverse = np.linalg.inv(-transient)
    answered_wait = start[:depth] @ inverse @ inverse @ q[:depth, served]
    return level, abandon, mean_queue / lam, answered_wait / (1 - abandon)


@pytest.mark.parametrize("n, a, aht, answer, patience", [
    (14, 10.0, 180, 20, 120),
    (10, 10.0, 180, 20, 60),  # critically loaded: fine with abandonment
    (8, 10.0, 180, 30, 300),  # overloaded
    (3, 0.5, 300, 10, 30),
    (60, 55.0, 240, 20, 200),
    (25, 30.0, 120, 0, 90),
])
def test_erlang_a_matches_the_birth_death_chain(n, a, aht, answer, patience):
    level, abandon, wait, asa = ref_erlang_a(n, a, aht, answer, patience)
    got = erlang.erlang_a(n, a, aht, answer, patience)
    assert float(got.service_level) == pytest.approx(level, abs=1e-9)
    assert float(got.abandon_rate) == pytest.approx(abandon, abs=1e-9)
    assert float(got.average_wait_seconds) == pytest.approx(wait, rel=1e-7, abs=1e-9)
    assert float(got.asa_seconds) == pytest.approx(asa, rel=1e-7, abs=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    # the gap shrinks like aht / patience: about 1e-7 at a patience of 1e9 seconds
    got = erlang.erlang_a(14, 10.0, 180, 20, 1e9)
    assert float(got.wait_probability) == pytest.approx(float(erlang.erlang_c(14, 10.0)), abs=1e-7)
    assert float(got.service_level) == pytest.approx(float(erlang.service_level(14, 10.0, 180, 20)), abs=1e-7)


def test_erlang_a_needs_fewer_agents_when_callers_abandon():
    c = erlang.required_agents(400, 240, 900, service_level=0.8, answer_seconds=20)
    a = erlang.required_agents_erlang_a(400, 240, 900, patience_seconds=60, service_level=0.8,
                                        answer_seconds=20)
    assert 0 < int(a) <= int(c)
    kpi = erlang.erlang_a(a, 400 * 240 / 900, 240, 20, 60)
    assert float(kpi.service_level) >= 0.8 * (1 - TOL)
    assert float(erlang.erlang_a(a - 1, 400 * 240 / 900, 240, 20, 60).service_level) < 0.8


def test_erlang_a_edge_cases():
    got = erlang.erlang_a([0, 0, 5], [0.0, 3.0, 0.0], 180, 20, 60)
    assert got.service_level.tolist() == [1.0, 0.0, 1.0]
    assert got.abandon_rate.tolist() == [0.0, 1.0, 0.0]
    assert erlang.required_agents_erlang_a(0, 180, 900, patience_seconds=60).item() == 0


def test_erlang_a_required_agents_with_an_abandonment_cap():
    n = int(erlang.required_agents_erlang_a(300, 300, 1800, patience_seconds=120, service_level=None,
                                            max_abandon_rate=0.02))
    a = 300 * 300 / 1800
    assert float(erlang.erlang_a(n, a, 300, 0, 120).abandon_rate) <= 0.02
    assert float(erlang.erlang_a(n - 1, a, 300, 0, 120).abandon_rate) > 0.02


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs, match", [
    (dict(volume=-3), r"volume must be >= 0; got -3"),
    (dict(volume=float("nan")), r"volume must be >= 0; got nan"),
    (dict(aht_seconds=0), r"aht_seconds must be > 0; got 0"),
    (dict(service_level=1.2), r"service_level must be in \(0, 1\]; got 1.2"),
    (dict(service_level=0), r"service_level must be in \(0, 1\]; got 0"),
    (dict(answer_seconds=-5), r"answer_seconds must be >= 0; got -5"),
    (dict(max_occupancy=1.5), r"max_occupancy must be in \(0, 1\]; got 1.5"),
    (dict(asa_seconds=0), r"asa_seconds must be > 0; got 0"),
    (dict(service_level=1.0, answer_seconds=0), r"no finite staffing"),
])
def test_bad_inputs_name_the_field_and_value(kwargs, match):
    args = dict(volume=100, aht_seconds=180, interval_seconds=1800)
    args.update(kwargs)
    volume, aht, interval = args.pop("volume"), args.pop("aht_seconds"), args.pop("interval_seconds")
    with pytest.raises(InputError, match=match):
        erlang.required_agents(volume, aht, interval, **args)


def test_bad_array_input_says_where():
    with pytest.raises(InputError, match=r"volume must be >= 0; got -1.0 at position 2"):
        erlang.required_agents(np.array([1.0, 2.0, -1.0]), 180, 1800)
    with pytest.raises(InputError, match=r"agents must be whole numbers; got 2.5"):
        erlang.erlang_c(2.5, 1.0)


@settings(max_examples=30, deadline=None)
@given(traffic=st.floats(0.5, 300), aht=st.floats(30, 900), patience=st.floats(10, 1200), answer=st.floats(0, 60))
def test_erlang_a_kpis_improve_with_agents(traffic, aht, patience, answer):
    n = np.arange(1, int(traffic) + 4 * int(math.sqrt(traffic)) + 6)
    kpi = erlang.erlang_a(n, traffic, aht, answer, patience)
    assert np.all(np.diff(kpi.service_level) >= -1e-9)
    assert np.all(np.diff(kpi.abandon_rate) <= 1e-9)
    assert np.all(np.diff(kpi.asa_seconds) <= 1e-9 * kpi.asa_seconds[:-1] + 1e-12)
    assert np.all(np.diff(kpi.occupancy) <= 1e-9)
