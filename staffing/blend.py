"""Deferred work (e-mail, social) blended into live agents' idle time, checked by simulation.

Live agents whose skills include a deferred queue (``chat_en;email``) can answer e-mail when
chats are quiet. :func:`blend_deferred` takes the live skill groups' agents per interval
(:func:`staffing.skillgroups.requirements_by_group`) and finds how much deferred work they
can absorb without breaking a live target, so that dedicated staff is needed only for the rest:

1. **Who blends.** In each group, the share of its agents (in the agents file) who have a
   deferred skill takes it; per interval that share of the group's agents, rounded.
2. **Capacity, by simulation.** The live queues' forecast and an unending supply of deferred
   work (:mod:`staffing.multiskill`: deferred work after every live line, taken only with
   ``[skills] blend_reserve_agents`` more agents idle, holding a whole agent). The deferred
   agent-seconds the blending agents work per interval are the capacity they give it.
3. **Live targets first.** An interval where a live queue then misses its service level
   (and meets it without blending) does not blend; repeated until none does (at most
   ``ROUNDS`` times). (Adding agents to a blending group where their e-mail capacity pays
   for them saved agent-intervals on the requirement but cost shifts in the sample's week
   plan, 5,308 against 4,953: not done.)
4. **Dedicated staff for the rest.** The fewest dedicated agents who, with that capacity,
   finish every contact inside its response window (:func:`staffing.deferred.dedicated_with_help`,
   a transportation LP over the horizon: e-mail can wait for the hours when live agents
   are idle), in whole agents (``min_agents`` kept).
5. **Verified.** An independent simulation of the real volumes (live, deferred, the blending
   agents and the dedicated staff) gives every queue's simulated service level: for a
   deferred queue, the share started within its response time.

Agents are on contacts (before shrinkage), as in ``requirements_by_group``. With unending
deferred work the live queues see the worst case; with the real volume they do better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import Config
from staffing.deferred import dedicated_with_help, deferred_kpis
from staffing.multiskill import QueueLoad, SkillGroup, simulate_skills
from staffing.requirements import handle_seconds
from staffing.skillgroups import Desk, group_name, group_slots, live_loads, served_queues, simulated_kpis

__all__ = ["Blend", "blend_deferred", "simulate_blended"]

ROUNDS = 3  # step 3's repeats
SATURATION = 1.5  # deferred work offered in step 2: this many times what the blending agents could do
REPLICATIONS = 20


@dataclass(frozen=True)
class Blend:
    """``deferred``: per deferred queue and interval, ``queue``, ``interval_start``,
    ``blended_agents`` (agent-equivalents of work the live agents can absorb), ``agents_required``
    (dedicated, on contacts), ``agents_unblended`` (what the queue needs without blending,
    by the same method), ``service_level`` and ``asa_seconds`` (the deferred model with blending).
    ``blending``: per group and interval, ``skill_group``, ``interval_start``,
    ``agents_blending``. ``simulated``: every live and deferred queue's simulated KPIs
    (:func:`staffing.skillgroups.simulate_plan`'s columns). ``shares``: per live group, the
    share of its agents who blend and the deferred queues they serve."""

    deferred: pd.DataFrame
    blending: pd.DataFrame
    simulated: pd.DataFrame
    shares: dict[str, tuple[float, tuple[str, ...]]]


def blend_deferred(forecast: pd.DataFrame, config: Config, desk: Desk, agents: pd.DataFrame,
                   by_group: pd.DataFrame, *, interval_seconds: float, seed: int = 0) -> Blend | None:
    """Blend the deferred queues of Frame A ``forecast`` into the live groups' idle time (see the
    module docstring); None when no live agent has a deferred skill."""
    queues = list(forecast["queue"].unique())
    deferred = [q for q in queues if config.queue(q)[0].deferred]
    shares = _blending_shares(agents, config, desk, deferred)
    if not shares:
        return None
    mixes = {group: mix for group, (_, mix) in shares.items()}
    blendable = [q for q in deferred if any(q in mix for mix in mixes.values())]
    stamps = _grid(forecast, interval_seconds)
    base = _staff(by_group, stamps)
    slots = group_slots(desk, config)
    live = live_loads(forecast, config, desk, stamps)
    alone = simulated_kpis(_simulate(live, [], desk, base, {}, mixes, slots, config, interval_seconds, seed + 1),
                           desk.queues, stamps)
    blending = {group: np.round(base[group].to_numpy() * share).astype(np.int64)
                for group, (share, _) in shares.items()}
    for _ in range(ROUNDS):
        run = _simulate(live + _saturating(forecast, config, blendable, blending, stamps, interval_seconds), [], desk,
                        base, blending, mixes, slots, config, interval_seconds, seed)
        broken = _broken_intervals(simulated_kpis(run, desk.queues, stamps), alone, config, blending)
        blending = {group: np.where(broken, 0, count) for group, count in blending.items()}
        if not broken.any():
            break
    on = np.sum(list(blending.values()), axis=0) > 0
    worked = _capacity(run, blendable, slots, mixes)
    capacity = {q: np.where(on, worked[q], 0.0) if q in worked else np.zeros(len(stamps)) for q in deferred}
    table = _dedicated(forecast, config, deferred, stamps, capacity, interval_seconds)
    groups = pd.concat([pd.DataFrame({"skill_group": group, "interval_start": stamps, "agents_blending": count})
                        for group, count in blending.items()], ignore_index=True)
    blend = Blend(table, groups, pd.DataFrame(), shares)
    dedicated = {q: table[table["queue"] == q].set_index("interval_start")["agents_required"] for q in deferred}
    simulated = simulate_blended(forecast, config, desk, blend, by_group, dedicated, interval_seconds=interval_seconds,
                                 seed=seed + 2)
    return Blend(table, groups, simulated, shares)


def simulate_blended(forecast: pd.DataFrame, config: Config, desk: Desk, blend: Blend, by_group: pd.DataFrame,
                     dedicated: dict[str, pd.Series], *, interval_seconds: float, seed: int = 2) -> pd.DataFrame:
    """Every live and deferred queue's simulated KPIs (simulate_plan's columns) with the real
    volumes: the groups' agents of BY_GROUP (on contacts), their blending share working the
    deferred queues in the intervals BLEND allows, and DEDICATED staff per deferred queue
    (agents on contacts by interval start; none: 0)."""
    stamps = _grid(forecast, interval_seconds)
    plan = _staff(by_group, stamps)
    allowed = blend.blending.groupby("interval_start")["agents_blending"].sum().reindex(stamps).fillna(0) > 0
    blending = {group: np.where(allowed, np.round(plan[group].to_numpy() * share), 0).astype(np.int64)
                for group, (share, _) in blend.shares.items()}
    mixes = {group: mix for group, (_, mix) in blend.shares.items()}
    deferred = list(dedicated)
    loads = live_loads(forecast, config, desk, stamps) + [_deferred_load(forecast, config, q, stamps) for q in deferred]
    staff = [SkillGroup(f"{q} (dedicated)", (q,), dedicated[q].reindex(stamps).fillna(0).to_numpy()) for q in deferred]
    run = _simulate(loads, staff, desk, plan, blending, mixes, group_slots(desk, config), config, interval_seconds,
                    seed)
    return simulated_kpis(run, [*desk.queues, *deferred], stamps).merge(forecast[["queue", "interval_start"]],
                                                                        on=["queue", "interval_start"])


def _grid(forecast: pd.DataFrame, interval_seconds: float) -> pd.DatetimeIndex:
    """Every interval from the forecast's first to its last (closed hours included, so that a
    deferred contact's wait runs through them)."""
    stamps = forecast["interval_start"]
    return pd.date_range(stamps.min(), stamps.max(), freq=pd.Timedelta(seconds=interval_seconds))


def _staff(by_group: pd.DataFrame, stamps: pd.DatetimeIndex) -> pd.DataFrame:
    """Agents on contacts per interval (rows STAMPS, 0 where closed) and group (columns)."""
    return by_group.pivot(index="interval_start", columns="skill_group", values="agents_required").reindex(
        stamps).fillna(0)


def _blending_shares(agents: pd.DataFrame, config: Config, desk: Desk,
                     deferred: list[str]) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Live group -> the share of its agents who have a DEFERRED skill (in a language they speak),
    and the deferred queues its blending agents serve together (only groups with some)."""
    counts: dict[str, list] = {}
    language_of = config.roster.queue_languages
    for agent in agents.itertuples(index=False):
        served = served_queues(agent.skills, agent.languages, config, desk.queues)
        if not served:
            continue
        mine = counts.setdefault(group_name(served), [0, 0, set()])
        mixed = [q for q in deferred if q in agent.skills and (
            q not in language_of or not agent.languages or language_of[q] in agent.languages)]
        mine[0] += 1
        mine[1] += bool(mixed)
        mine[2].update(mixed)
    return {group: (blended / total, tuple(q for q in deferred if q in mix))
            for group, (total, blended, mix) in counts.items() if blended and group in desk.groups}


def _simulate(loads: list[QueueLoad], extra: list[SkillGroup], desk: Desk, plan: pd.DataFrame, blending: dict,
              mixes: dict, slots: dict, config: Config, interval_seconds: float, seed: int):
    """One run of LOADS: each live group split into its BLENDING agents (serving its MIXES'
    deferred queues too) and the rest, plus the EXTRA groups."""
    groups = list(extra)
    for group, (members, _) in desk.groups.items():
        mixing = blending.get(group, 0)
        rest = plan[group].to_numpy() - mixing
        groups.append(SkillGroup(group, members, rest * slots[group]))
        if np.any(mixing):
            groups.append(SkillGroup(_mixed(group, mixes), members + mixes[group], mixing * slots[group],
                                     slots_per_agent=slots[group], reserve_agents=config.skills.blend_reserve_agents))
    return simulate_skills(loads, groups, interval_seconds, routing=config.skills.routing,
                           replications=REPLICATIONS, seed=seed)


def _deferred_load(forecast: pd.DataFrame, config: Config, queue: str, stamps: pd.DatetimeIndex,
                   volume: np.ndarray | None = None) -> QueueLoad:
    """QUEUE as deferred work for the simulator on STAMPS (its forecast volume unless VOLUME is given)."""
    settings = config.queue(queue)[0]
    rows = forecast[forecast["queue"] == queue].set_index("interval_start").reindex(stamps)
    own = rows[settings.staff_to if settings.staff_to in rows else "volume"].fillna(0.0).to_numpy(float)
    return QueueLoad(queue, own if volume is None else volume, handle_seconds(rows.reset_index(), settings),
                     answer_seconds=settings.response_hours * 3600, priority=config.skills.priorities.get(queue, 0),
                     deferred=True)


def _saturating(forecast: pd.DataFrame, config: Config, deferred: list[str], blending: dict,
                stamps: pd.DatetimeIndex, interval_seconds: float) -> list[QueueLoad]:
    """Deferred loads more than the blending agents can work (step 2), split evenly."""
    agents = sum(blending.values())
    loads = []
    for queue in deferred:
        aht = _deferred_load(forecast, config, queue, stamps).aht_seconds
        volume = SATURATION * agents * interval_seconds / np.asarray(aht) / len(deferred)
        loads.append(_deferred_load(forecast, config, queue, stamps, volume=volume))
    return loads


def _broken_intervals(blended: pd.DataFrame, alone: pd.DataFrame, config: Config, blending: dict) -> np.ndarray:
    """Intervals where blending is on and a live queue misses its target that it meets without."""
    merged = blended.merge(alone, on=["queue", "interval_start"], suffixes=("", "_alone"))
    target = merged["queue"].map(lambda q: config.queue(q)[0].service_level)
    miss = (merged["service_level_simulated"] < target) & (merged["service_level_simulated_alone"] >= target)
    on = np.sum(list(blending.values()), axis=0) > 0
    return miss.groupby(merged["interval_start"], sort=True).any().to_numpy() & on


def _mixed(group: str, mixes: dict) -> str:
    """The name of GROUP's blending agents in the simulation."""
    return f"{group}+{'+'.join(mixes[group])}"


def _capacity(run, deferred: list[str], slots: dict, mixes: dict) -> dict[str, np.ndarray]:
    """Deferred queue -> agent-seconds per interval the blending agents worked on it (mean of replications)."""
    names, queue_names = list(run.group_names), list(run.queues)
    capacity = {q: np.zeros(run.work_seconds.shape[-1]) for q in deferred}
    for group in mixes:
        if _mixed(group, mixes) in names:
            for q in mixes[group]:
                worked = run.work_seconds[:, names.index(_mixed(group, mixes)), queue_names.index(q)]
                capacity[q] += worked.mean(axis=0) / slots[group]
    return capacity


def _dedicated(forecast: pd.DataFrame, config: Config, deferred: list[str], stamps: pd.DatetimeIndex,
               capacity: dict[str, np.ndarray], interval_seconds: float) -> pd.DataFrame:
    """Step 4 per deferred queue on its own intervals: dedicated agents with the blended
    capacity (live intervals STAMPS) and without, and the deferred model's KPIs with it."""
    frames = []
    for queue in deferred:
        settings = config.queue(queue)[0]
        own = pd.DatetimeIndex(forecast.loc[forecast["queue"] == queue, "interval_start"]).sort_values()
        load = _deferred_load(forecast, config, queue, own)
        volume, aht = np.asarray(load.volume), np.asarray(load.aht_seconds)
        seconds = (own - own[0]).total_seconds().to_numpy()
        help_seconds = pd.Series(capacity[queue], index=stamps).reindex(own).fillna(0.0).to_numpy()
        model = dict(response_hours=settings.response_hours, max_occupancy=settings.max_occupancy)
        blended = dedicated_with_help(seconds, volume, aht, interval_seconds, help_seconds, **model)
        alone = dedicated_with_help(seconds, volume, aht, interval_seconds, np.zeros(own.size), **model)
        if settings.min_agents:
            floor = np.where(volume > 0, settings.min_agents, 0)
            alone, blended = np.maximum(alone, floor), np.maximum(blended, floor)
        productive = interval_seconds * (settings.max_occupancy or 1.0)
        kpis = deferred_kpis(seconds, volume, aht, interval_seconds, blended + help_seconds / productive, **model)
        frames.append(pd.DataFrame({
            "queue": queue, "interval_start": own, "blended_agents": help_seconds / productive,
            "agents_required": blended, "agents_unblended": alone,
            "service_level": kpis["service_level"], "asa_seconds": kpis["asa_seconds"]}))
    return pd.concat(frames, ignore_index=True)
