"""Staffing deferred work (e-mail, tickets, social messages) to a response-time target.

Model: a contact arriving in interval s must be answered within ``response_hours``. Its
work (``volume * aht_seconds`` agent-seconds) is spread evenly over the open intervals of
its response window ``[start_s, start_s + response)`` (rows of the queue: a closed desk
has none, and work arriving when nobody is in is carried into the next open interval).
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

__all__ = ["deferred_kpis", "deferred_staffing"]


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
    starts = np.asarray(interval_start_seconds, dtype=float)
    work = np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float)
    size = work.size
    productive = interval_seconds * (max_occupancy or 1.0)
    # each interval's work is spread over the open intervals inside its response window
    window_end = np.searchsorted(starts, starts + response_hours * 3600, side="left")
    window_end = np.maximum(window_end, np.arange(size) + 1)
    share = work / (window_end - np.arange(size))
    delta = np.zeros(size + 1)
    np.add.at(delta, np.arange(size), share)
    np.add.at(delta, window_end, -share)
    due = np.cumsum(delta[:-1])  # agent-seconds to deliver in each interval
    fractional = np.maximum(due, 0) / productive
    agents = np.ceil(fractional - 1e-9).astype(np.int64)

    return {"agents_required": agents, "agents_required_fractional": fractional,
            **deferred_kpis(starts, volume, aht_seconds, interval_seconds, agents,
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
