"""Staffing deferred work (e-mail, tickets, social messages) to a response-time target.

Model: a contact arriving in interval s must be answered within ``response_hours`` (at
least one interval: :func:`staffing.requirements.requirements` says so otherwise). Its
work (``volume * aht_seconds`` agent-seconds) is spread evenly over the open intervals
that end inside its response window ``[start_s, start_s + response]`` (rows of the queue:
a closed desk has none, and work arriving when nobody is in is carried into the next open
interval).
Summing the spread work gives the agent-seconds each interval must deliver; dividing by
``interval_seconds * max_occupancy`` gives agents. Under first-in-first-out processing
this plan answers every contact within its window: by the end of interval ``s + m - 1``
all work of intervals up to s has been paid for.

The KPIs of the rounded plan come from a fluid FIFO queue (Lindley's recursion on
workload): backlog carried at each interval's end, the share of contacts whose work is
finished within the response time, and the mean response time. Contacts are treated as
divisible work; the spread of individual handle times is not modelled.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["dedicated_with_help", "deferred_kpis", "deferred_staffing", "due_seconds"]


def _window_end(starts: np.ndarray, interval_seconds: float, response_hours: float) -> np.ndarray:
    """Per interval s, one past the last interval that ends by s's response deadline (at least s + 1)."""
    deadline = starts + response_hours * 3600 + 1e-6
    return np.maximum(np.searchsorted(starts + interval_seconds, deadline, side="right"), np.arange(starts.size) + 1)


def due_seconds(interval_start_seconds: np.ndarray, volume: np.ndarray, aht_seconds: np.ndarray,
                interval_seconds: float, *, response_hours: float) -> np.ndarray:
    """Agent-seconds of work to deliver in each interval, shape (n,): each interval's work
    (``volume * aht_seconds``) spread evenly over the open intervals that end inside its
    response window."""
    starts = np.asarray(interval_start_seconds, dtype=float)
    work = np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float)
    size = work.size
    window_end = _window_end(starts, interval_seconds, response_hours)
    share = work / (window_end - np.arange(size))
    delta = np.zeros(size + 1)
    np.add.at(delta, np.arange(size), share)
    np.add.at(delta, window_end, -share)
    return np.maximum(np.cumsum(delta[:-1]), 0)


def deferred_staffing(
    interval_start_seconds: np.ndarray,
    volume: np.ndarray,
    aht_seconds: np.ndarray,
    interval_seconds: float,
    *,
    response_hours: float,
    max_occupancy: float | None,
) -> dict[str, np.ndarray]:
    """Agents per interval (whole and fractional) and the plan's KPIs, one queue.

    ``interval_start_seconds``: sorted interval starts as seconds (any epoch), shape (n,);
    ``volume``, ``aht_seconds``: shape (n,). Returns arrays of shape (n,):
    ``agents_required``, ``agents_required_fractional``, ``service_level`` (share
    answered within the response time), ``asa_seconds`` (mean response time),
    ``occupancy`` and ``backlog_seconds`` (agent-seconds of work carried to the next interval).
    """
    productive = interval_seconds * (max_occupancy or 1.0)
    due = due_seconds(interval_start_seconds, volume, aht_seconds, interval_seconds, response_hours=response_hours)
    fractional = due / productive
    agents = np.ceil(fractional - 1e-9).astype(np.int64)

    return {"agents_required": agents, "agents_required_fractional": fractional,
            **deferred_kpis(interval_start_seconds, volume, aht_seconds, interval_seconds, agents,
                            response_hours=response_hours, max_occupancy=max_occupancy)}


def deferred_kpis(
    interval_start_seconds: np.ndarray,
    volume: np.ndarray,
    aht_seconds: np.ndarray,
    interval_seconds: float,
    agents: np.ndarray,
    *,
    response_hours: float,
    max_occupancy: float | None,
) -> dict[str, np.ndarray]:
    """KPIs of a deferred queue worked by ``agents`` per interval (whole or fractional).

    Shapes and units as in :func:`deferred_staffing`; ``agents`` are agents on this work
    (after shrinkage), shape (n,). The backlog is empty before the first interval.
    Returns ``service_level``, ``asa_seconds``, ``occupancy`` and ``backlog_seconds``.
    """
    starts = np.asarray(interval_start_seconds, dtype=float)
    work = np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float)
    agents = np.asarray(agents, dtype=float)
    size = work.size
    capacity = agents * interval_seconds * (max_occupancy or 1.0)
    surplus = np.cumsum(work - capacity)
    backlog = surplus - np.minimum(np.minimum.accumulate(surplus), 0)  # Lindley's recursion
    done_cumulative = np.cumsum(work) - backlog
    finished_in = np.searchsorted(done_cumulative, np.cumsum(work) * (1 - 1e-12), side="left")
    finished_at = np.where(finished_in < size, starts[np.minimum(finished_in, size - 1)] + interval_seconds, np.inf)
    response_seconds = finished_at - (starts + interval_seconds / 2)
    on_time = finished_at <= starts + response_hours * 3600 + 1e-6
    done = np.diff(done_cumulative, prepend=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(agents > 0, done / (agents * interval_seconds), 0.0)
    return {
        "service_level": np.where(work > 0, on_time.astype(float), 1.0),
        "asa_seconds": np.where(work > 0, response_seconds, 0.0),
        "occupancy": occupancy,
        "backlog_seconds": backlog,
    }


def dedicated_with_help(
    interval_start_seconds: np.ndarray,
    volume: np.ndarray,
    aht_seconds: np.ndarray,
    interval_seconds: float,
    help_seconds: np.ndarray,
    *,
    response_hours: float,
    max_occupancy: float | None,
    smoothing: float = 1.0,
) -> np.ndarray:
    """The fewest dedicated agents per interval (whole, shape (n,)) who, with
    ``help_seconds`` of work others can do in each interval (live agents' idle time), finish
    every contact's work inside its response window.

    A linear program over the horizon (HiGHS), first-in-first-out: the backlog carried out of
    each interval is what arrived (``volume * aht_seconds``) less what was done, never
    negative and never more than the work whose response window (as in :func:`due_seconds`)
    is still open; an interval's work done is at most its help plus its dedicated agents x
    ``interval_seconds * max_occupancy``. It minimises the agents plus ``smoothing`` per
    change of one agent between intervals (shifts last hours). With no help it needs at
    most what :func:`deferred_staffing` asks, which spreads each interval's work evenly.
    """
    starts = np.asarray(interval_start_seconds, dtype=float)
    work = np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float)
    size = work.size
    productive = interval_seconds * (max_occupancy or 1.0)
    window_end = _window_end(starts, interval_seconds, response_hours)
    arrived = np.cumsum(work)
    # work due by the end of interval k: of the intervals whose window ends with k or before
    due_by = np.concatenate([[0.0], arrived])[np.searchsorted(window_end - 1, np.arange(size), side="right")]
    # columns: done[k], backlog[k], agents d[k], |d[k+1] - d[k]|
    n_change = size - 1
    eye = sparse.eye(size)
    lag = sparse.eye(size, k=-1)
    zeros, change_zeros = sparse.csr_matrix((size, size)), sparse.csr_matrix((size, n_change))
    flow = sparse.hstack([eye, eye - lag, zeros, change_zeros])  # done + backlog - previous backlog = work
    capacity = sparse.hstack([eye, zeros, -productive * eye, change_zeros])  # done - productive d <= help
    change = sparse.eye(n_change, size, k=1) - sparse.eye(n_change, size)
    pad = sparse.csr_matrix((n_change, 2 * size))
    up = sparse.hstack([pad, change, -sparse.eye(n_change)])  # d[k+1] - d[k] - e <= 0
    down = sparse.hstack([pad, -change, -sparse.eye(n_change)])
    cost = np.concatenate([np.zeros(2 * size), np.ones(size), np.full(n_change, smoothing)])
    upper = np.concatenate([np.full(size, np.inf), np.maximum(arrived - due_by, 0), np.full(size + n_change, np.inf)])
    result = milp(cost, constraints=[LinearConstraint(flow, lb=work, ub=work),
                                     LinearConstraint(capacity, lb=-np.inf, ub=np.asarray(help_seconds, float)),
                                     LinearConstraint(sparse.vstack([up, down]), lb=-np.inf, ub=0)],
                  bounds=Bounds(0, upper))
    if result.x is None:  # cannot happen: enough dedicated agents always do
        raise RuntimeError(f"deferred schedule: HiGHS found no solution ({result.message})")
    fractional = result.x[2 * size:3 * size]
    # whole agents: the running total rounded up (never behind the LP's capacity), then one
    # more agent at the end of any late contact's window until first-in-first-out is on time
    total = np.ceil(np.cumsum(fractional) - 1e-6)
    whole = np.diff(total, prepend=0.0)
    for _ in range(10 * size):  # each added agent works inside the late contact's window: it converges
        kpis = deferred_kpis(starts, volume, aht_seconds, interval_seconds,
                             whole + np.asarray(help_seconds, float) / productive,
                             response_hours=response_hours, max_occupancy=max_occupancy)
        late = np.flatnonzero(kpis["service_level"] < 1)
        if not late.size:
            return whole.astype(np.int64)
        whole[window_end[late[0]] - 1] += 1
    raise RuntimeError("deferred schedule: rounding the LP's agents left contacts late; report this as a bug")
