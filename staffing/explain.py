"""The arithmetic behind one interval's staffing, for a manager to check by hand.

:func:`explain_interval` returns the traffic, the required and scheduled agents, and a
table of KPIs at headcounts around the answer (N-1, N, N+1 by default), computed by the
same functions that staff whole forecasts. Used by the dashboard's "explain" view and the
``shiftcast erlang`` calculator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import QueueSettings
from core.errors import InputError
from staffing import erlang
from staffing.requirements import erlang_staffing, queue_kpis

__all__ = ["Explanation", "explain_interval"]


@dataclass(frozen=True)
class Explanation:
    """One interval's staffing, step by step."""

    traffic_erlangs: float  # volume x aht_seconds / interval_seconds
    agents_required: int  # whole agents on contacts meeting every target
    agents_required_fractional: float  # un-rounded
    agents_scheduled: int  # ceil(agents_required / (1 - shrinkage))
    model: str  # "Erlang C" or "Erlang A", with concurrency when > 1
    steps: list[str]  # the arithmetic in words, one line per step
    headcounts: pd.DataFrame  # KPIs per headcount: agents, service_level, asa_seconds, occupancy, (abandon_rate), wait_probability


def explain_interval(volume: float, aht_seconds: float, interval_seconds: float, settings: QueueSettings,
                     *, around: int = 1, agents: int | None = None) -> Explanation:
    """Explain an Erlang-staffed interval (voice or chat); ``agents`` centres the table elsewhere.

    E-mail and social queues are deferred work (:mod:`staffing.deferred`), not Erlang: an
    InputError says so rather than explaining a model that does not staff them.
    """
    if settings.deferred:
        raise InputError(f"explain_interval explains Erlang-staffed queues (voice, chat); got channel "
                         f"{settings.channel!r}, which is staffed as deferred work answered within "
                         f"response_hours (staffing.deferred.deferred_staffing)")
    volume_array, aht_array = np.array([float(volume)]), np.array([float(aht_seconds)])
    result = erlang_staffing(volume_array, volume_array, aht_array, interval_seconds, settings)
    need = int(result["agents_required"][0])
    scheduled = int(np.ceil(settings.scheduled(need) - 1e-9))
    traffic = volume * aht_seconds / interval_seconds
    centre = need if agents is None else agents
    counts = np.arange(max(centre - around, 0), centre + around + 1)
    slots = counts * settings.concurrency
    kpis = queue_kpis(slots, np.full(counts.shape, traffic), np.full(counts.shape, float(aht_seconds)), settings)
    if settings.patience_seconds is None:
        waits = erlang.erlang_c(slots, traffic)
    else:
        waits = erlang.erlang_a(slots, traffic, aht_seconds, settings.answer_seconds, settings.patience_seconds).wait_probability
    table = pd.DataFrame({"agents": counts, "wait_probability": waits, **kpis})
    if settings.patience_seconds is None:
        table = table.drop(columns="abandon_rate")
    model = "Erlang A" if settings.patience_seconds is not None else "Erlang C"
    if settings.concurrency > 1:
        model += f" over {settings.concurrency} chats per agent"
    targets = [f"{settings.service_level:.0%} answered within {settings.answer_seconds:g} s"]
    if settings.max_occupancy is not None:
        targets.append(f"occupancy at most {settings.max_occupancy:.0%}")
    if settings.asa_seconds is not None:
        targets.append(f"ASA at most {settings.asa_seconds:g} s")
    steps = [
        f"Traffic = {volume:g} contacts x {aht_seconds:g} s / {interval_seconds:g} s = {traffic:.2f} Erlangs",
        f"Targets: {', '.join(targets)} ({model})",
        f"Smallest headcount meeting every target: {need} agents (un-rounded {result['agents_required_fractional'][0]:.2f})",
        f"Shrinkage {settings.shrinkage:.0%}: schedule {need} / (1 - {settings.shrinkage:g}) -> {scheduled} agents",
    ]
    return Explanation(traffic, need, float(result["agents_required_fractional"][0]), scheduled, model, steps, table)
