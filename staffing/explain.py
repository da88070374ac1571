"""The arithmetic behind one interval's staffing, for a manager to check by hand.

:func:`explain_interval` returns the traffic, the required and scheduled agents, and a
table of KPIs at headcounts around the answer (N-1, N, N+1 by default), computed by the
same functions that staff whole forecasts. Used by the dashboard's "explain" view and the
``shiftcast erlang`` calculator. :func:`explain_pooled` does the same for one interval of
a desk staffed by skill groups: islands, pooled bounds, the groups' agents, simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import QueueSettings
from core.errors import InputError
from staffing import erlang
from staffing.requirements import erlang_staffing, queue_kpis
from staffing.skillgroups import Desk, group_name, pooled_bounds

__all__ = ["Explanation", "PooledExplanation", "explain_interval", "explain_pooled"]


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


@dataclass(frozen=True)
class PooledExplanation:
    """One interval of a desk staffed by skill groups, step by step (agents on contacts)."""

    queues: pd.DataFrame  # queue, volume, aht_seconds, traffic_erlangs, dedicated_agents, (simulated service level, se)
    bounds: pd.DataFrame  # queues (a set, "+"-joined), pooled_agents, groups (serving it), agents_given
    groups: pd.DataFrame  # skill_group, agents_required
    steps: list[str]  # the reasoning in words, one line per step


def explain_pooled(forecast: pd.DataFrame, config, desk: Desk, by_group: pd.DataFrame, interval_start: pd.Timestamp,
                   *, interval_seconds: float, simulated: pd.DataFrame | None = None) -> PooledExplanation:
    """Explain INTERVAL_START of a skill-group staffing ``by_group`` (requirements_by_group's
    columns): each queue as an island (its own Erlang figure), the pooled bound of every set
    of queues against the agents the groups serving it are given, and, with ``simulated``
    (simulate_plan's columns), each queue's simulated service level."""
    rows = forecast[(forecast["interval_start"] == interval_start) & forecast["queue"].isin(desk.queues)]
    if rows.empty:
        raise InputError(f"interval_start {interval_start} has no forecast for the queues {', '.join(desk.queues)}; "
                         f"pick an interval of the forecast")
    bounds = {subset: int(series.iloc[0]) for subset, series in
              pooled_bounds(rows, config, desk, interval_seconds=interval_seconds, on_contacts=True).items()}
    given = by_group[by_group["interval_start"] == interval_start].set_index("skill_group")["agents_required"]
    given = given.reindex(list(desk.groups)).fillna(0).astype(int)
    queues = rows.set_index("queue").reindex(list(desk.queues))[["volume", "aht_seconds"]].fillna(0.0)
    queues["traffic_erlangs"] = queues["volume"] * queues["aht_seconds"] / interval_seconds
    queues["dedicated_agents"] = [bounds.get((q,), 0) for q in queues.index]
    if simulated is not None:
        level = simulated[simulated["interval_start"] == interval_start].set_index("queue")
        queues["service_level_simulated"] = level["service_level_simulated"].reindex(queues.index)
        queues["service_level_simulated_se"] = level["service_level_simulated_se"].reindex(queues.index)
    table = pd.DataFrame([
        (group_name(subset), need, ", ".join(g for g, (members, _) in desk.groups.items() if set(members) & set(subset)),
         int(sum(given[g] for g, (members, _) in desk.groups.items() if set(members) & set(subset))))
        for subset, need in bounds.items()], columns=["queues", "pooled_agents", "groups", "agents_given"])
    whole = table.loc[table["queues"].str.count(r"\+").idxmax()]
    islands = " + ".join(f"{q} {n}" for q, n in queues["dedicated_agents"].items())
    steps = [
        f"As islands, each queue staffed by its own Erlang: {islands} = {int(queues['dedicated_agents'].sum())} agents",
        f"Pooled, the agents able to serve {whole['queues']} need at least {whole['pooled_agents']} "
        f"(their summed traffic {queues['traffic_erlangs'].sum():.2f} Erlangs, each queue's target)",
        "Every set of queues needs its pooled bound from the groups that can serve it; the groups get "
        + ", ".join(f"{g} {n}" for g, n in given.items()) + f" = {int(given.sum())} agents",
    ]
    if simulated is not None and queues["service_level_simulated"].notna().any():
        steps.append(f"Simulated with these agents ({config.skills.routing.replace('_', ' ')} routing): " + ", ".join(
            f"{q} {r.service_level_simulated:.0%} ± {2 * r.service_level_simulated_se:.0%}"
            for q, r in queues.iterrows() if pd.notna(r.service_level_simulated)))
    return PooledExplanation(queues.reset_index(), table, given.rename_axis("skill_group").reset_index(), steps)
