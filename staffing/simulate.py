"""Discrete-event simulation of a multi-agent FCFS queue with per-interval staffing.

What it is for: checking a staffing plan against the assumptions Erlang C / A make, and
showing where reality strays from them (handle times that are not exponential, backlog
carried over an interval boundary when staff drops). It is a validation tool, not the
staffing engine: :mod:`staffing.erlang` stays the fast, exact answer.

The model, per replication
--------------------------
- **Intervals**: ``len(volume)`` consecutive intervals of ``interval_seconds``; interval k
  covers ``[k * interval_seconds, (k + 1) * interval_seconds)``. The run starts empty,
  with every agent idle.
- **Arrivals**: a Poisson process whose rate in interval k is ``volume[k] /
  interval_seconds`` (Poisson counts, uniform times within the interval).
- **Handle times**: the mean is ``aht_seconds`` of the contact's arrival interval;
  exponential (``handle_times="exponential"``, coefficient of variation 1) or log-normal
  with coefficient of variation ``handle_cv`` (``sigma^2 = ln(1 + cv^2)``, ``mu =
  ln(aht) - sigma^2 / 2``).
- **Patience** (optional): exponential with mean ``patience_seconds`` of the arrival
  interval. A contact whose wait would exceed its patience abandons when its patience
  runs out and never takes an agent; without patience nobody abandons.
- **Service**: one queue, first come first served, one contact per agent at a time; a
  free agent takes the contact at the head of the line at once, and when several agents
  are idle the one idle longest takes it.
- **Staffing** ``agents[k]`` holds during interval k. When it rises, the new agents are
  free at the boundary. When it falls, the agents who leave are chosen at random among
  those on duty (a shift's end has nothing to do with the contact in hand); each finishes
  the contact in hand (never a new one) and then leaves. After the last interval its
  staff stays on, with no new arrivals, until the line is empty.

The engine is exact for this model: contacts are handled in arrival order against a heap
of agent free times (each agent also carries the time its shift ends), because under FCFS
the next contact in line always gets the agent that is free first and an abandoning
contact never takes an agent. A contact costs about a microsecond; pure Python, no
SimPy (the tests check it against a SimPy model).

KPIs (per interval, by the interval a contact ARRIVED in)
---------------------------------------------------------
- ``service_level``: answered within ``answer_seconds`` / offered. Abandoned contacts
  count against it, as in :func:`staffing.erlang.erlang_a`; NaN with no contacts.
- ``asa_seconds``: mean wait of the answered contacts.
- ``average_wait_seconds``: mean time in queue over all offered contacts (abandoned ones
  count their time until they hang up), Erlang A's ``average_wait_seconds``.
- ``abandon_rate``: abandoned / offered.
- ``occupancy``: agent-seconds spent handling contacts within the interval (whenever
  those contacts arrived) / (``agents[k] * interval_seconds``). Work that leaving agents
  finish after their shift ends counts where it is done, so right after a drop in staff
  occupancy can exceed 1. NaN when no agent is staffed.

``replications`` independent runs share the plan and differ only in their random
numbers; KPIs pool the runs (ratios of sums), and :meth:`Simulation.totals` gives each
KPI's standard error across runs. Runs are reproducible from ``seed``; arrivals, handle
times, patience and the choice of leaving agents come from separate streams, so two
plans simulated with the same seed see the same arrivals.

Not modelled: retrials and callbacks, skills and overflow between queues, breaks and
absence inside an interval (use ``agents`` net of shrinkage), agents' handle times that
depend on load, chat concurrency (simulate ``agents * concurrency`` slots), priorities,
and non-Poisson arrivals (no over-dispersion of the counts).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import InputError, check_range, format_values

__all__ = ["Replay", "Simulation", "busy_by_interval", "per_interval", "replay", "simulate"]

HANDLE_TIMES = ("exponential", "lognormal")


# ------------------------------------------------------------------- the exact core


@dataclass(frozen=True)
class Replay:
    """What happened to each contact, in the order the contacts were given.

    ``start_seconds``: when an agent answered (NaN if the contact abandoned, inf if no
    agent was ever there to answer it); ``wait_seconds``: time in queue (the patience of
    an abandoned contact; inf if never answered); ``answered``, ``abandoned``: booleans.
    Arrays of shape (contacts,).
    """

    start_seconds: np.ndarray
    wait_seconds: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray


def _serve(arrival: list, handle: list, patience: list, shifts: list) -> list:
    """FCFS against a heap of ``(free_at, shift_end)``; ``arrival`` sorted. Returns starts.

    ``shifts``: ``(shift_start, shift_end)`` per agent. An agent may start a contact only
    before its shift ends; one whose next possible start is at or after its end has left
    for good (starts never move earlier), so it is dropped from the heap when met.
    """
    heap = list(shifts)
    heapq.heapify(heap)
    pop, replace = heapq.heappop, heapq.heapreplace
    inf, nan = math.inf, math.nan
    starts = [0.0] * len(arrival)
    for i, t in enumerate(arrival):
        while heap:
            free_at, end = heap[0]
            start = t if t > free_at else free_at
            if start < end:
                break
            pop(heap)  # this agent's shift is over
        else:
            start = inf  # nobody will ever answer
        if start - t > patience[i]:
            starts[i] = nan  # hangs up at t + patience; the agent stays free
        elif start == inf:
            starts[i] = inf
        else:
            starts[i] = start
            replace(heap, (start + handle[i], end))
    return starts


def replay(arrival_seconds, handle_seconds, shift_start_seconds, shift_end_seconds, *,
           patience_seconds=None) -> Replay:
    """Replay given contacts against given agent shifts, FCFS (the exact core of :func:`simulate`).

    ``arrival_seconds``, ``handle_seconds`` (> 0) and optional ``patience_seconds`` (> 0,
    may be inf; None: nobody abandons): one per contact, any order. ``shift_start_seconds``
    and ``shift_end_seconds`` (end > start, may be inf): one per agent; an agent answers
    contacts from its shift start and takes no new one at or after its shift end (it
    finishes the contact in hand). Times are seconds on one clock, e.g. since midnight.
    Use it to replay a day's contact log against a roster.
    """
    arrival = check_range("arrival_seconds", arrival_seconds)
    if arrival.ndim != 1:
        raise InputError(f"arrival_seconds must be one value per contact; got shape {arrival.shape}")
    size = arrival.size
    handle = _per_contact("handle_seconds", handle_seconds, size)
    if patience_seconds is None:
        patience = np.full(size, np.inf)
    else:  # inf is allowed: a contact that never hangs up
        try:
            raw = np.asarray(patience_seconds, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"patience_seconds must be numeric; got {patience_seconds!r}") from None
        _per_contact("patience_seconds", np.where(np.isposinf(raw), 1.0, raw), size,
                     fix="use inf for a contact that never hangs up")
        patience = np.broadcast_to(raw, (size,))
    start = check_range("shift_start_seconds", shift_start_seconds)
    end = np.asarray(shift_end_seconds, dtype=float)
    if start.ndim != 1 or end.shape != start.shape:
        raise InputError(f"shift_start_seconds and shift_end_seconds must be one value per agent, of equal length; "
                         f"got shapes {start.shape} and {end.shape}")
    bad = ~(end > start)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(f"shift_end_seconds must be after shift_start_seconds; got {end[first].item()!r} <= "
                         f"{start[first].item()!r} at agent {first}; drop empty shifts")
    order = np.argsort(arrival, kind="stable")
    starts = np.empty(size)
    starts[order] = _serve(arrival[order].tolist(), handle[order].tolist(), patience[order].tolist(),
                           list(zip(start.tolist(), end.tolist())))
    return _outcome(arrival, patience, starts)


def _per_contact(name: str, values, size: int, fix: str = "") -> np.ndarray:
    array = check_range(name, values, low=0, low_open=True, fix=fix)
    array = np.broadcast_to(array, (size,)) if array.ndim == 0 else array
    if array.shape != (size,):
        raise InputError(f"{name} must have one value per contact ({size}); got shape {array.shape}")
    return array


def _outcome(arrival: np.ndarray, patience: np.ndarray, starts: np.ndarray) -> Replay:
    abandoned = np.isnan(starts)
    answered = np.isfinite(starts)
    wait = np.where(abandoned, patience, starts - arrival)
    return Replay(start_seconds=starts, wait_seconds=wait, answered=answered, abandoned=abandoned)


# ---------------------------------------------------------------- the staffed model


@dataclass(frozen=True)
class Simulation:
    """Sums per replication and interval, arrays of shape (replications, intervals).

    ``offered``, ``answered``, ``answered_within`` (answered within ``answer_seconds``),
    ``abandoned``: counts. ``answered_wait_seconds``: summed waits of answered contacts;
    ``wait_seconds``: summed waits of all offered contacts (inf if some were never
    answered); ``busy_seconds``: agent-seconds spent handling within the interval.
    ``agents``: staff per interval, shape (intervals,). Read the KPIs with
    :meth:`intervals` and :meth:`totals`.
    """

    offered: np.ndarray
    answered: np.ndarray
    answered_within: np.ndarray
    abandoned: np.ndarray
    answered_wait_seconds: np.ndarray
    wait_seconds: np.ndarray
    busy_seconds: np.ndarray
    agents: np.ndarray
    interval_seconds: float
    answer_seconds: float

    @staticmethod
    def _kpis(offered, answered, within, abandoned, answered_wait, wait, busy, capacity) -> dict:
        with np.errstate(divide="ignore", invalid="ignore"):
            return {
                "service_level": within / offered,
                "asa_seconds": answered_wait / answered,
                "average_wait_seconds": wait / offered,
                "abandon_rate": abandoned / offered,
                "occupancy": np.where(capacity > 0, busy / capacity, np.nan),
            }

    def _sums(self, axis):
        capacity = self.agents * self.interval_seconds
        if axis == 1:  # per replication, over intervals
            capacity = np.full(self.offered.shape[0], capacity.sum())
        else:
            capacity = capacity * self.offered.shape[0]
        return (self.offered.sum(axis), self.answered.sum(axis), self.answered_within.sum(axis),
                self.abandoned.sum(axis), self.answered_wait_seconds.sum(axis), self.wait_seconds.sum(axis),
                self.busy_seconds.sum(axis), capacity)

    def intervals(self) -> pd.DataFrame:
        """One row per interval: staff, mean counts per replication, and the pooled KPIs."""
        runs = self.offered.shape[0]
        sums = self._sums(axis=0)
        frame = pd.DataFrame({
            "interval": np.arange(self.agents.size),
            "agents": self.agents,
            "offered": sums[0] / runs,
            "answered": sums[1] / runs,
            "answered_within": sums[2] / runs,
            "abandoned": sums[3] / runs,
        })
        for name, values in self._kpis(*sums).items():
            frame[name] = values
        return frame

    def per_replication(self) -> pd.DataFrame:
        """One row per replication: its totals over all intervals and their KPIs."""
        sums = self._sums(axis=1)
        frame = pd.DataFrame({"offered": sums[0], "answered": sums[1], "answered_within": sums[2],
                              "abandoned": sums[3]})
        for name, values in self._kpis(*sums).items():
            frame[name] = values
        return frame

    def totals(self, intervals=None) -> dict[str, float]:
        """Pooled KPIs over ``intervals`` (positions or a boolean mask; None: all), with
        ``<kpi>_se``, the standard error from the spread across replications (NaN for
        one replication): the delta-method error of a ratio of sums."""
        keep = slice(None) if intervals is None else intervals
        part = Simulation(self.offered[:, keep], self.answered[:, keep], self.answered_within[:, keep],
                          self.abandoned[:, keep], self.answered_wait_seconds[:, keep],
                          self.wait_seconds[:, keep], self.busy_seconds[:, keep], self.agents[keep],
                          self.interval_seconds, self.answer_seconds)
        runs = part.offered.shape[0]
        per_run = part._sums(axis=1)
        pooled = {name: float(value) for name, value in
                  self._kpis(*(np.sum(x) for x in per_run)).items()}
        result: dict[str, float] = {"offered": float(per_run[0].sum()), "replications": runs, **pooled}
        denominators = {"service_level": per_run[0], "asa_seconds": per_run[1],
                        "average_wait_seconds": per_run[0], "abandon_rate": per_run[0], "occupancy": per_run[7]}
        numerators = {"service_level": per_run[2], "asa_seconds": per_run[4], "average_wait_seconds": per_run[5],
                      "abandon_rate": per_run[3], "occupancy": per_run[6]}
        for name, ratio in pooled.items():
            den, num = denominators[name], numerators[name]
            if runs < 2 or den.sum() == 0 or not np.isfinite(ratio):
                result[f"{name}_se"] = math.nan
                continue
            # linearised ratio estimator: residuals num - ratio * den, scaled by mean den
            residual = num - ratio * den
            result[f"{name}_se"] = float(np.std(residual, ddof=1) / np.mean(den) / math.sqrt(runs))
        return result


def per_interval(name: str, values, size: int, **rule) -> np.ndarray:
    """VALUES as one float per interval (SIZE,): one number repeated or SIZE numbers, checked by
    :func:`core.errors.check_range` with RULE; an InputError names NAME otherwise."""
    array = check_range(name, values, **rule)
    if array.ndim == 0:
        return np.full(size, float(array))
    if array.shape != (size,):
        raise InputError(f"{name} must be one number or one per interval ({size}); got shape {array.shape}")
    return array


def _shifts(agents: np.ndarray, interval_seconds: float, rng: np.random.Generator):
    """Agent shifts ``(start, end)`` that realise the staffing plan; leavers chosen at random."""
    shifts: list[list[float]] = []
    on_duty: list[int] = []  # indices into shifts
    previous = 0
    for k, count in enumerate(agents.tolist()):
        boundary = k * interval_seconds
        if count > previous:
            on_duty.extend(range(len(shifts), len(shifts) + count - previous))
            shifts.extend([boundary, math.inf] for _ in range(count - previous))
        elif count < previous:
            leaving = set(rng.choice(len(on_duty), size=previous - count, replace=False).tolist())
            for position in leaving:
                shifts[on_duty[position]][1] = boundary
            on_duty = [agent for position, agent in enumerate(on_duty) if position not in leaving]
        previous = count
    # Agents free at the same moment are taken in the order of their shift ends (the
    # heap's tuple order): a tie-break among idle agents, as good as any other.
    return [(start, end) for start, end in shifts]


def busy_by_interval(start: np.ndarray, finish: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Agent-seconds of work inside each ``[edges[k], edges[k+1])`` for jobs ``[start, finish)``."""
    start, finish = np.sort(start), np.sort(finish)
    cum_start = np.concatenate([[0.0], np.cumsum(start)])
    cum_finish = np.concatenate([[0.0], np.cumsum(finish)])
    began = np.searchsorted(start, edges, side="left")
    ended = np.searchsorted(finish, edges, side="left")
    # work done before T = sum over started jobs (T - s) - sum over finished jobs (T - f)
    before = (edges * began - cum_start[began]) - (edges * ended - cum_finish[ended])
    return np.diff(before)


def simulate(
    volume,
    agents,
    aht_seconds,
    interval_seconds,
    *,
    answer_seconds=20,
    patience_seconds=None,
    handle_times="exponential",
    handle_cv=1.0,
    replications=1,
    seed=None,
) -> Simulation:
    """Simulate a staffing plan: per-interval volume and agents, one FCFS queue.

    ``volume``: expected contacts per interval, shape (intervals,), >= 0 (the Poisson
    mean, so a forecast's fractional volume is fine). ``agents``: whole agents per
    interval, one number or shape (intervals,). ``aht_seconds`` (> 0) and
    ``patience_seconds`` (mean, > 0; None: nobody abandons): one number or one per
    interval, applying to the contacts that arrive in it. ``interval_seconds`` > 0,
    ``answer_seconds`` >= 0 (the service-level threshold). ``handle_times``:
    ``"exponential"`` or ``"lognormal"`` with coefficient of variation ``handle_cv``
    (> 0). ``replications`` >= 1 independent runs; ``seed``: an int for reproducible
    runs (None: fresh randomness). See the module docstring for the model, the KPIs and
    what is not modelled. Cost: about a microsecond per simulated contact.
    """
    volume = check_range("volume", volume, low=0, fix="volumes are expected contacts per interval, >= 0")
    volume = np.atleast_1d(volume)
    if volume.ndim != 1:
        raise InputError(f"volume must be one number per interval; got shape {volume.shape}")
    size = volume.size
    agents = per_interval("agents", agents, size, low=0, fix="agents are whole numbers >= 0")
    if np.any(agents != np.floor(agents)):
        bad = agents[agents != np.floor(agents)]
        raise InputError(f"agents must be whole numbers; got {format_values(bad.tolist())}; round the headcount")
    agents = agents.astype(np.int64)
    aht = per_interval("aht_seconds", aht_seconds, size, low=0, low_open=True, fix="handle time must be positive")
    interval = float(check_range("interval_seconds", interval_seconds, low=0, low_open=True,
                                 fix="e.g. 900 for 15-minute intervals"))
    answer = float(check_range("answer_seconds", answer_seconds, low=0, fix="use 0 for 'answered immediately'"))
    patience = None if patience_seconds is None else per_interval(
        "patience_seconds", patience_seconds, size, low=0, low_open=True,
        fix="mean patience must be positive; use None for callers who never hang up")
    if handle_times not in HANDLE_TIMES:
        raise InputError(f"handle_times must be 'exponential' or 'lognormal'; got {handle_times!r}")
    cv = float(check_range("handle_cv", handle_cv, low=0, low_open=True,
                           fix="the coefficient of variation is std / mean of handle times, e.g. 1.5"))
    if handle_times == "exponential" and cv != 1:
        raise InputError(f"exponential handle times have handle_cv 1; got {cv:g}; "
                         f"use handle_times='lognormal' for another spread")
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        raise InputError(f"replications must be a whole number >= 1; got {replications!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputError(f"seed must be a whole number >= 0 or None; got {seed!r}")

    sums = {name: np.zeros((replications, size)) for name in (
        "offered", "answered", "answered_within", "abandoned", "answered_wait_seconds", "wait_seconds",
        "busy_seconds")}
    edges = np.arange(size + 1) * interval
    sigma = math.sqrt(math.log1p(cv * cv))
    for run, stream in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        arrivals_rng, handle_rng, patience_rng, roster_rng = (np.random.default_rng(s) for s in stream.spawn(4))
        counts = arrivals_rng.poisson(volume)
        where = np.repeat(np.arange(size), counts)
        arrival = (where + arrivals_rng.random(where.size)) * interval
        order = np.argsort(arrival, kind="stable")
        arrival, where = arrival[order], where[order]
        if handle_times == "exponential":
            handle = handle_rng.exponential(aht[where])
        else:
            handle = handle_rng.lognormal(np.log(aht[where]) - sigma * sigma / 2, sigma)
        wait_limit = (np.full(where.size, np.inf) if patience is None
                      else patience_rng.exponential(patience[where]))
        starts = np.array(_serve(arrival.tolist(), handle.tolist(), wait_limit.tolist(),
                                 _shifts(agents, interval, roster_rng)), dtype=float)
        done = _outcome(arrival, wait_limit, starts)

        def summed(weights, where=where):
            return np.bincount(where, np.asarray(weights, dtype=float), minlength=size)

        never = np.isinf(done.wait_seconds)  # no agent ever came and nobody hung up
        sums["offered"][run] = np.bincount(where, minlength=size)
        sums["answered"][run] = summed(done.answered)
        sums["answered_within"][run] = summed(done.answered & (done.wait_seconds <= answer))
        sums["abandoned"][run] = summed(done.abandoned)
        sums["answered_wait_seconds"][run] = summed(np.where(done.answered, done.wait_seconds, 0.0))
        sums["wait_seconds"][run] = np.where(summed(never) > 0, np.inf,
                                             summed(np.where(never, 0.0, done.wait_seconds)))
        served = done.answered
        sums["busy_seconds"][run] = busy_by_interval(starts[served], starts[served] + handle[served], edges)
    return Simulation(**sums, agents=agents, interval_seconds=interval, answer_seconds=answer)
