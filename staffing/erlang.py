"""Erlang B, C and A queueing formulas, vectorized over numpy arrays.

Every function takes scalars or numpy arrays and broadcasts them. Units are in the
names: ``traffic`` is offered load in Erlangs (``volume * aht_seconds /
interval_seconds``), times are seconds, probabilities are in [0, 1]. Inputs are checked
once at entry (:class:`core.errors.InputError` names the bad argument); after that
the code is plain arithmetic.

Erlang C (M/M/N, infinitely patient callers). Erlang B comes from the Poisson
probabilities ``B(N, A) = pmf(N; A) / cdf(N; A)``, evaluated with the regularized
incomplete gamma function (no factorials, finite for tens of thousands of agents), and
from the recursion ``B(N+1) = A B(N) / (N + 1 + A B(N))`` when stepping N up. Then
``C = N B / (N - A (1 - B))``, ``SL(t) = 1 - C exp(-(N - A) t / AHT)``, ``ASA = C AHT /
(N - A)`` and occupancy ``A / N`` (Gross & Harris, *Fundamentals of Queueing Theory*).
With N <= A the queue is unstable: everyone waits, SL is 0 and ASA infinite.

Erlang A (M/M/N+M, exponential patience with mean ``patience_seconds``) follows Garnett,
Mandelbaum & Reiman (2002), "Designing a call center with impatient customers", MSOM
4(3), and the closed forms in Mandelbaum & Zeltyn (2007), "Service engineering in action:
the Palm/Erlang-A queue", with x = N·patience/AHT, y = A·patience/AHT and P the
regularized lower incomplete gamma function:
``P(W>0) = E / (E + (1 - E) / Ag)`` with E = Erlang B and ``1/Ag = y^x e^-y / (Γ(x+1) P(x, y))``;
``P(abandon) = P(W>0) (1 - (x/y)(1 - 1/Ag))``. Service level, the share of ALL offered
contacts answered within t (abandoners count against it), integrates the offered-wait
tail ``P(V>v) = P(W>0) P(x, y e^{-v/patience}) / P(x, y)`` against the patience
survival: ``SL = 1 - P(W>0) (1 - (x/y)(P(x+1, y) - P(x+1, y e^{-t/patience})) / P(x, y))``.
The mean wait over all offered contacts (answered or abandoned) is, by Little's law,
``P(abandon) * patience``; the average speed of answer (mean wait of the answered
contacts) sums the telescoping per-position waits of :func:`_answered_wait_share`. Not handled: retrials, non-exponential patience or handle
times (see ``staffing.simulate`` for how far reality strays from these assumptions).

Targets are compared with a relative tolerance of 1e-12, so that a target that is met
exactly in decimal arithmetic (say an occupancy of 8.5 / 10 = 0.85) is not missed by a
floating-point rounding and answered one agent too high.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special

from core.errors import InputError, check_range, format_values

__all__ = [
    "ErlangA",
    "asa_seconds",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "fractional_agents",
    "fractional_agents_erlang_a",
    "occupancy",
    "required_agents",
    "required_agents_erlang_a",
    "service_level",
    "traffic_erlangs",
]

_TOL = 1e-12  # relative tolerance when comparing a KPI with its target
_MAX_STEPS = 1_000_000  # agents added in one search before we call the target unreachable


# ---------------------------------------------------------------------------- checks


def _agents(name: str, values: object) -> np.ndarray:
    array = check_range(name, values, low=0, fix="agents are whole numbers >= 0")
    if np.any(array != np.floor(array)):
        bad = array[array != np.floor(array)].ravel()
        raise InputError(f"{name} must be whole numbers; got {format_values(bad.tolist())}; round the headcount")
    return array


def _traffic(values: object) -> np.ndarray:
    return check_range("traffic", values, low=0, fix="traffic is volume * aht_seconds / interval_seconds")


def _aht(values: object) -> np.ndarray:
    return check_range("aht_seconds", values, low=0, low_open=True, fix="handle time must be positive")


def _answer(values: object) -> np.ndarray:
    return check_range("answer_seconds", values, low=0, fix="use 0 for 'answered immediately'")


def _patience(values: object) -> np.ndarray:
    return check_range("patience_seconds", values, low=0, low_open=True, fix="mean patience must be positive")


def _targets(service_level, answer_seconds, max_occupancy, asa_seconds):
    """Check the staffing targets; None means 'no such target'."""
    sl = None
    if service_level is not None:
        sl = check_range("service_level", service_level, low=0, high=1, low_open=True,
                         fix="give the target as a fraction, e.g. 0.8 for 80%")
        answer = _answer(answer_seconds)
        if np.any((sl >= 1) & (answer == 0)):
            raise InputError(
                "service_level 1 with answer_seconds 0 asks that no contact ever waits, which no "
                "finite staffing reaches; lower service_level below 1 or allow an answer time"
            )
    else:
        answer = None
    occ = None
    if max_occupancy is not None:
        occ = check_range("max_occupancy", max_occupancy, low=0, high=1, low_open=True,
                          fix="give the cap as a fraction, e.g. 0.85")
    asa = None
    if asa_seconds is not None:
        asa = check_range("asa_seconds", asa_seconds, low=0, low_open=True,
                          fix="the ASA target must be a positive number of seconds")
    return sl, answer, occ, asa


def traffic_erlangs(volume, aht_seconds, interval_seconds) -> np.ndarray:
    """Offered load in Erlangs: ``volume * aht_seconds / interval_seconds``."""
    volume = check_range("volume", volume, low=0, fix="volumes are contact counts >= 0")
    aht = _aht(aht_seconds)
    interval = check_range("interval_seconds", interval_seconds, low=0, low_open=True)
    return volume * aht / interval


# ---------------------------------------------------------------- Erlang B and C core


def _poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Poisson pmf at n with mean a, via logs (n may be non-integer: the gamma density form)."""
    return np.exp(special.xlogy(n, a) - a - special.gammaln(n + 1))


def _ratio_series(first_factor: np.ndarray, next_factor) -> np.ndarray:
    """``1 + f(1) + f(1) f(2) + ...`` with ``f(j) = next_factor(j)`` in (0, 1), to 1e-17.

    The fallback for the far tails where the incomplete gamma function underflows.
    """
    term = np.ones_like(first_factor)
    total = np.ones_like(first_factor)
    j = 1
    while np.any(term > 1e-17 * total):
        term = term * next_factor(j)
        total += term
        j += 1
    return total


def _erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for checked, broadcast arrays of whole n >= 0 and a >= 0."""
    shape = np.shape(n)
    n, a = np.atleast_1d(n), np.atleast_1d(a)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        blocking = _poisson_pmf(n, a) / special.gammaincc(n + 1, a)
    # Far left of the Poisson (n << a) both pmf and cdf underflow; there
    # 1/B = sum_j prod_{i<j} (n - i) / a converges geometrically (ratio < n / a < 1).
    lost = ~np.isfinite(blocking)
    if np.any(lost):
        n_lost, a_lost = n[lost], a[lost]
        blocking[lost] = 1.0 / _ratio_series(a_lost, lambda j: np.maximum(n_lost - j + 1, 0) / a_lost)
    return blocking.reshape(shape)


def _erlang_c_from_b(n: np.ndarray, a: np.ndarray, blocking: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = n * blocking / (n - a * (1 - blocking))
    return np.where(a == 0, 0.0, np.where(n > a, wait, 1.0))


def _service_level(n, a, aht, answer, wait_probability):
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1 - wait_probability * np.exp(-(n - a) * answer / aht)
    return np.where(a == 0, 1.0, np.where(n > a, sl, 0.0))


def _asa(n, a, aht, wait_probability):
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = wait_probability * aht / (n - a)
    return np.where(a == 0, 0.0, np.where(n > a, asa, np.inf))


def _occupancy(n, a):
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = a / n
    return np.where(a == 0, 0.0, np.where(n > a, occ, 1.0))


def erlang_b(servers, traffic) -> np.ndarray:
    """Blocking probability of an M/M/N/N loss system (Erlang B), shape of the broadcast."""
    n, a = np.broadcast_arrays(_agents("servers", servers), _traffic(traffic))
    return _erlang_b(n, a)


def erlang_c(agents, traffic) -> np.ndarray:
    """Probability that a contact waits, M/M/N (Erlang C); 1 when agents <= traffic."""
    n, a = np.broadcast_arrays(_agents("agents", agents), _traffic(traffic))
    return _erlang_c_from_b(n, a, _erlang_b(n, a))


def service_level(agents, traffic, aht_seconds, answer_seconds) -> np.ndarray:
    """P(wait <= answer_seconds) under Erlang C; 0 when agents <= traffic, 1 with no traffic."""
    n, a, aht, answer = np.broadcast_arrays(
        _agents("agents", agents), _traffic(traffic), _aht(aht_seconds), _answer(answer_seconds)
    )
    return _service_level(n, a, aht, answer, _erlang_c_from_b(n, a, _erlang_b(n, a)))


def asa_seconds(agents, traffic, aht_seconds) -> np.ndarray:
    """Average speed of answer in seconds under Erlang C; inf when agents <= traffic."""
    n, a, aht = np.broadcast_arrays(_agents("agents", agents), _traffic(traffic), _aht(aht_seconds))
    return _asa(n, a, aht, _erlang_c_from_b(n, a, _erlang_b(n, a)))


def occupancy(agents, traffic) -> np.ndarray:
    """Share of agent time spent handling contacts, ``traffic / agents``; 1 when saturated."""
    n, a = np.broadcast_arrays(_agents("agents", agents), _traffic(traffic))
    return _occupancy(n, a)


# ------------------------------------------------------------ required agents (Erlang C)


def _occupancy_floor(a: np.ndarray, occ: np.ndarray) -> np.ndarray:
    """Smallest whole n with a / n <= occ (to within _TOL)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.ceil(a / occ)
        one_less = np.maximum(n - 1, 1)
        n = np.where((n > 1) & (a / one_less <= occ * (1 + _TOL)), one_less, n)
    return n


class _StepTargets(NamedTuple):
    """Erlang C targets per interval in the form the stepping search compares."""

    decay: np.ndarray | None  # answer_seconds / aht_seconds
    sl_floor: np.ndarray | None  # service-level target, less the tolerance
    asa_cap: np.ndarray | None  # ASA cap / aht_seconds, plus the tolerance

    def take(self, rows: np.ndarray) -> _StepTargets:
        return _StepTargets(*(None if x is None else x[rows] for x in self))


def _step_up(a: np.ndarray, start: np.ndarray, targets: _StepTargets) -> np.ndarray:
    """Smallest n >= start meeting the targets, for traffic a > 0 with start > a.

    Seeds Erlang B at ``start`` with the incomplete gamma function, then adds one agent
    at a time to the intervals still short (Erlang B recursion), dropping each interval
    from the working arrays once it is met.
    """
    answers = np.empty(a.size)
    index, n, blocking = np.arange(a.size), start, _erlang_b(start, a)
    for _ in range(_MAX_STEPS):
        if index.size == 0:
            return answers
        spare = n - a
        wait = n * blocking / (spare + a * blocking)
        ok = np.ones(index.size, dtype=bool)
        if targets.sl_floor is not None:
            ok &= 1 - wait * np.exp(-spare * targets.decay) >= targets.sl_floor
        if targets.asa_cap is not None:
            ok &= wait <= targets.asa_cap * spare
        if ok.any():
            answers[index[ok]] = n[ok]
            short = ~ok
            index, a, n, blocking, targets = index[short], a[short], n[short], blocking[short], targets.take(short)
        n = n + 1
        blocking = a * blocking / (n + a * blocking)
    raise InputError("staffing targets could not be reached within a million agents; check the inputs")  # pragma: no cover


def required_agents(
    volume,
    aht_seconds,
    interval_seconds,
    *,
    service_level=0.8,
    answer_seconds=20,
    max_occupancy=None,
    asa_seconds=None,
) -> np.ndarray:
    """Smallest whole number of agents meeting every target given, under Erlang C.

    ``service_level``: share of contacts answered within ``answer_seconds`` (None: no SL
    target); ``max_occupancy``: cap on traffic / agents; ``asa_seconds``: cap on the
    average speed of answer. Zero volume needs zero agents. Returns an int64 array of the
    broadcast shape (a 0-d array for scalar input).

    The search starts at ``floor(A) + 1`` (or the occupancy floor) and steps up one agent
    at a time per interval (:func:`_step_up`): a year of 15-minute intervals takes
    milliseconds.
    """
    a = traffic_erlangs(volume, aht_seconds, interval_seconds)
    aht = _aht(aht_seconds)
    sl, answer, occ, asa = _targets(service_level, answer_seconds, max_occupancy, asa_seconds)
    shape = np.broadcast_shapes(*(x.shape for x in (a, aht, sl, answer, occ, asa) if x is not None))

    def flat(x):
        return np.broadcast_to(x, shape).ravel()

    a = flat(a)
    agents = np.zeros(a.shape, dtype=np.int64)
    index = np.flatnonzero(a > 0)
    a = a[index]
    floor = np.floor(a) + 1  # the queue is stable only with more agents than Erlangs
    if occ is not None:
        floor = np.maximum(floor, _occupancy_floor(a, flat(occ)[index]))
    # Per-interval constants of the targets, so that each step is a few array operations:
    # SL = 1 - C exp(-(n - a) t / AHT) >= sl  and  ASA / AHT = C / (n - a) <= asa / AHT.
    targets = _StepTargets(
        decay=flat(answer)[index] / flat(aht)[index] if sl is not None else None,
        sl_floor=flat(sl)[index] * (1 - _TOL) if sl is not None else None,
        asa_cap=flat(asa)[index] * (1 + _TOL) / flat(aht)[index] if asa is not None else None,
    )
    agents[index] = _step_up(a, floor, targets)
    return agents.reshape(shape)


def _crossing(below: np.ndarray, kpi_below: np.ndarray, kpi_at: np.ndarray, target) -> np.ndarray:
    """Where a KPI that rises from ``kpi_below`` (at ``below`` agents) to ``kpi_at`` (one
    agent more) reaches ``target``, interpolating linearly; ``below + 1`` if it is flat."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (target - kpi_below) / (kpi_at - kpi_below)
    return below + np.clip(np.nan_to_num(share, nan=1.0, posinf=1.0, neginf=0.0), 0, 1)


def fractional_agents(
    agents_required,
    volume,
    aht_seconds,
    interval_seconds,
    *,
    service_level=0.8,
    answer_seconds=20,
    max_occupancy=None,
    asa_seconds=None,
) -> np.ndarray:
    """Un-rounded Erlang C agents: where each binding target is just met, within (N-1, N].

    ``agents_required`` is :func:`required_agents`' answer N for the same inputs. Service
    level and 1/ASA are interpolated linearly between N-1 and N agents; the occupancy cap
    binds at exactly ``traffic / max_occupancy``. Summing these over queues before
    rounding avoids stacking one rounding-up per queue.
    """
    n = _agents("agents_required", agents_required)
    a = traffic_erlangs(volume, aht_seconds, interval_seconds)
    aht = _aht(aht_seconds)
    sl, answer, occ, asa = _targets(service_level, answer_seconds, max_occupancy, asa_seconds)
    n, a, aht = np.broadcast_arrays(n, a, aht)
    below = np.maximum(n - 1, 0)
    wait_n = _erlang_c_from_b(n, a, _erlang_b(n, a))
    wait_below = _erlang_c_from_b(below, a, _erlang_b(below, a))
    crossing = np.where(a > 0, np.floor(a), 0.0)  # stability: more agents than Erlangs
    if sl is not None:
        levels = (_service_level(x, a, aht, answer, w) for x, w in ((below, wait_below), (n, wait_n)))
        crossing = np.maximum(crossing, _crossing(below, *levels, sl))
    if asa is not None:
        with np.errstate(divide="ignore"):
            rates = (1 / _asa(x, a, aht, w) for x, w in ((below, wait_below), (n, wait_n)))
            crossing = np.maximum(crossing, _crossing(below, *rates, 1 / asa))
    if occ is not None:
        crossing = np.maximum(crossing, a / occ)
    return np.where(a > 0, np.clip(crossing, below, n), 0.0)


# ------------------------------------------------------------------------- Erlang A


class ErlangA(NamedTuple):
    """Erlang A (M/M/N+M) performance, each an array of the broadcast shape."""

    wait_probability: np.ndarray  # P(an arriving contact has to wait)
    service_level: np.ndarray  # P(answered within answer_seconds), over all offered contacts
    abandon_rate: np.ndarray  # P(the contact abandons before an agent answers)
    asa_seconds: np.ndarray  # mean wait of the answered contacts (average speed of answer)
    average_wait_seconds: np.ndarray  # mean time in queue, answered and abandoned contacts alike
    occupancy: np.ndarray  # answered traffic / agents


def _lower_gamma_ratios(x, y, z):
    """``1/Ag`` and ``(P(x+1, y) - P(x+1, z)) / P(x, y)`` for the Erlang A formulas.

    P is the regularized lower incomplete gamma function, ``1/Ag = y^x e^-y / (Γ(x+1)
    P(x, y))``. Far below saturation (y << x, large x) P(x, y) underflows; there the
    scaled series ``S(a, w) = sum_k w^k / (a (a+1) ... (a+k))``, with ``P(a, w) = w^a
    e^-w S(a, w) / Γ(a)``, gives the same ratios without underflow.
    """
    shape = np.shape(x)
    x, y, z = np.atleast_1d(x), np.atleast_1d(y), np.atleast_1d(z)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        lower_y = special.gammainc(x, y)
        inv_ag = _poisson_pmf(x, y) / lower_y
        late = (special.gammainc(x + 1, y) - special.gammainc(x + 1, z)) / lower_y
    lost = ~(lower_y > 1e-250) & (x > 0) & (y > 0)
    if np.any(lost):
        xl, yl, zl = x[lost], y[lost], z[lost]

        def scaled(a, w):  # S(a, w)
            return _ratio_series(w, lambda j: w / (a + j)) / a

        s_xy = scaled(xl, yl)
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):

            def upper_share(w):  # P(x+1, w) / P(x, y)
                return np.exp(xl * np.log(w / yl) + yl - w) * w * scaled(xl + 1, w) / (xl * s_xy)

            inv_ag[lost] = 1 / (xl * s_xy)
            late[lost] = upper_share(yl) - np.nan_to_num(upper_share(zl))
    return inv_ag.reshape(shape), late.reshape(shape)


def _answered_wait_share(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """E[wait; answered | waits] in units of the mean patience, for waiting callers.

    A caller who finds j callers ahead (probability proportional to ``q_j = prod_{k<=j}
    y / (x + k)``) waits through stages of rates (x + i) / patience, i = j..0, racing its
    own patience. The Laplace transform of that wait telescopes, giving P(answered | j) =
    x / (x + j + 1) and E[wait; answered | j] = x / (x + j + 1) * sum_{i<=j} 1 / (x + i + 1)
    patience units. The series over j runs until the terms are negligible past the mode.
    """
    result = np.zeros(x.size)
    index = np.flatnonzero((x > 0) & (y > 0))
    xs, ys = x[index], y[index]
    q = np.ones(index.size)
    total_q, total = np.zeros(index.size), np.zeros(index.size)
    harmonic = np.zeros(index.size)
    j = 0
    while index.size:
        if j:
            q = q * ys / (xs + j)
        harmonic = harmonic + 1 / (xs + j + 1)
        total_q += q
        total += q * xs / (xs + j + 1) * harmonic
        big = total_q > 1e250  # rescale: only the ratio total / total_q matters
        if big.any():
            q[big], total_q[big], total[big] = q[big] * 1e-250, total_q[big] * 1e-250, total[big] * 1e-250
        done = (j > ys - xs) & (q <= 1e-17 * total_q)
        if done.any():
            result[index[done]] = total[done] / total_q[done]
            keep = ~done
            index, xs, ys, q, total_q, total, harmonic = (
                v[keep] for v in (index, xs, ys, q, total_q, total, harmonic))
        j += 1
    return result


def _erlang_a(n, a, aht, answer, patience) -> ErlangA:
    """Erlang A on checked, broadcast float arrays."""
    ratio = patience / aht
    x, y = n * ratio, a * ratio
    z = y * np.exp(-answer / patience)
    inv_ag, answered_late = _lower_gamma_ratios(x, y, z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        blocking = _erlang_b(n, a)
        waits = blocking / (blocking + (1 - blocking) * inv_ag)
        abandon = waits * (1 - (x / y) * (1 - inv_ag))
        level = 1 - waits * (1 - (x / y) * answered_late)
    # No traffic: nobody waits. No agents: everybody waits and abandons.
    calm = a == 0
    empty = (n == 0) & (a > 0)
    waits = np.where(empty, 1.0, np.where(calm, 0.0, waits))
    level = np.where(empty, 0.0, np.where(calm, 1.0, level))
    abandon = np.where(empty, 1.0, np.where(calm, 0.0, abandon))
    level, abandon = np.clip(level, 0, 1), np.clip(abandon, 0, 1)
    shape = np.shape(n)
    answered_wait = waits * np.reshape(_answered_wait_share(np.ravel(x), np.ravel(y)), shape) * patience
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, a * (1 - abandon) / n, 0.0)
        asa = np.where(empty, np.inf, np.where(calm, 0.0, answered_wait / (1 - abandon)))
    return ErlangA(waits, level, abandon, asa, abandon * patience, np.where(a == 0, 0.0, occ))


def erlang_a(agents, traffic, aht_seconds, answer_seconds, patience_seconds) -> ErlangA:
    """Erlang A (M/M/N+M) wait probability, service level, abandonment, mean wait, occupancy."""
    arrays = np.broadcast_arrays(
        _agents("agents", agents), _traffic(traffic), _aht(aht_seconds),
        _answer(answer_seconds), _patience(patience_seconds),
    )
    return _erlang_a(*(np.asarray(x, dtype=float) for x in arrays))


def fractional_agents_erlang_a(
    agents_required,
    volume,
    aht_seconds,
    interval_seconds,
    *,
    patience_seconds,
    service_level=0.8,
    answer_seconds=20,
    max_occupancy=None,
    asa_seconds=None,
    max_abandon_rate=None,
) -> np.ndarray:
    """Un-rounded Erlang A agents within (N-1, N], as :func:`fractional_agents` does for C.

    ``agents_required`` is :func:`required_agents_erlang_a`' answer for the same inputs;
    every target's KPI is interpolated linearly between N-1 and N agents.
    """
    n = _agents("agents_required", agents_required)
    a = traffic_erlangs(volume, aht_seconds, interval_seconds)
    sl, answer, occ, asa = _targets(service_level, answer_seconds, max_occupancy, asa_seconds)
    answer = np.zeros(()) if answer is None else answer
    n, a, aht, answer, patience = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(
        n, a, _aht(aht_seconds), answer, _patience(patience_seconds)))
    below = np.maximum(n - 1, 0)
    at_n, at_below = _erlang_a(n, a, aht, answer, patience), _erlang_a(below, a, aht, answer, patience)
    crossing = below.copy()
    # each target as a KPI that rises with agents, and its threshold
    rising = [
        (sl, at_below.service_level, at_n.service_level, sl),
        (occ, -at_below.occupancy, -at_n.occupancy, None if occ is None else -occ),
        (asa, -at_below.asa_seconds, -at_n.asa_seconds, None if asa is None else -asa),
        (max_abandon_rate, -at_below.abandon_rate, -at_n.abandon_rate,
         None if max_abandon_rate is None else -np.asarray(max_abandon_rate, dtype=float)),
    ]
    for given, kpi_below, kpi_at, threshold in rising:
        if given is not None:
            crossing = np.maximum(crossing, _crossing(below, kpi_below, kpi_at, threshold))
    return np.where(a > 0, np.clip(crossing, below, n), 0.0)


def required_agents_erlang_a(
    volume,
    aht_seconds,
    interval_seconds,
    *,
    patience_seconds,
    service_level=0.8,
    answer_seconds=20,
    max_occupancy=None,
    asa_seconds=None,
    max_abandon_rate=None,
) -> np.ndarray:
    """Smallest whole number of agents meeting every target under Erlang A.

    Targets as in :func:`required_agents` (``asa_seconds`` caps the mean wait of the
    answered contacts), plus ``max_abandon_rate`` capping the share that abandons. Every
    KPI is monotone in agents, so each interval is solved by doubling then bisection.
    """
    a = traffic_erlangs(volume, aht_seconds, interval_seconds)
    aht, patience = _aht(aht_seconds), _patience(patience_seconds)
    sl, answer, occ, asa = _targets(service_level, answer_seconds, max_occupancy, asa_seconds)
    abandon_cap = None
    if max_abandon_rate is not None:
        abandon_cap = check_range("max_abandon_rate", max_abandon_rate, low=0, high=1, low_open=True)
    answer = np.zeros(()) if answer is None else answer
    parts = dict(a=a, aht=aht, patience=patience, answer=answer, sl=sl, occ=occ, asa=asa,
                 abandon=abandon_cap)
    shape = np.broadcast_shapes(*(v.shape for v in parts.values() if v is not None))
    flat = {k: (None if v is None else np.broadcast_to(v, shape).ravel().astype(float))
            for k, v in parts.items()}

    def meets(n: np.ndarray, idx: np.ndarray) -> np.ndarray:
        kpi = _erlang_a(n, flat["a"][idx], flat["aht"][idx], flat["answer"][idx], flat["patience"][idx])
        ok = np.ones(idx.size, dtype=bool)
        if flat["sl"] is not None:
            ok &= kpi.service_level >= flat["sl"][idx] * (1 - _TOL)
        if flat["occ"] is not None:
            ok &= kpi.occupancy <= flat["occ"][idx] * (1 + _TOL)
        if flat["asa"] is not None:
            ok &= kpi.asa_seconds <= flat["asa"][idx] * (1 + _TOL)
        if flat["abandon"] is not None:
            ok &= kpi.abandon_rate <= flat["abandon"][idx] * (1 + _TOL)
        return ok

    agents = np.zeros(flat["a"].shape, dtype=np.int64)
    idx = np.flatnonzero(flat["a"] > 0)
    # Answered traffic cannot exceed the agents, so the SL target needs n >= A * SL.
    low = np.floor(flat["a"][idx] * (flat["sl"][idx] if flat["sl"] is not None else 0)) - 1
    low = np.maximum(low, 0)  # meets(low) is False (or low == 0, which never serves)
    high = np.maximum(np.ceil(flat["a"][idx]), 1)
    short = ~meets(high, idx)
    while np.any(short):
        if np.any(high[short] > _MAX_STEPS):  # pragma: no cover - unreachable for valid targets
            raise InputError("Erlang A targets could not be reached within a million agents")
        low[short] = high[short]
        high[short] = 2 * high[short] + 1
        short[short] = ~meets(high[short], idx[short])
    while True:
        open_ = high - low > 1
        if not np.any(open_):
            break
        mid = np.floor((low[open_] + high[open_]) / 2)
        ok = meets(mid, idx[open_])
        high[open_] = np.where(ok, mid, high[open_])
        low[open_] = np.where(ok, low[open_], mid)
    agents[idx] = high
    return agents.reshape(shape)
