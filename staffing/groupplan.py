"""The week's shift plan over skill groups: a shift belongs to a group of agents who serve
the same live queues, so a bilingual agent is planned once, not once per language.

:func:`plan_groups` takes what the per-queue path made (the forecast, Frame B) and the
agents file, and returns the week's plan whose "queues" are the skill groups
(``chat_en+chat_zh``) and the deferred queues (planned as before):

1. the week's agents per group (:func:`staffing.skillgroups.requirements_by_group`),
2. the cheapest shifts, each of one group, such that for every set of live queues the
   groups serving it together schedule its pooled bound (for a whole concurrency class,
   at least what the checked allocation of step 1 gives it)
   (:func:`staffing.shiftplan.plan_shifts` with ``pooled`` coverage: a group's own curve
   need not be followed, which would cost shifts; ``[shifts] plan_to`` must be
   ``requirement``: the service-level modes need one Erlang queue per row); a
   cross-skilled group's shifts within ``ROSTERABLE_SHARE`` of the contract hours of the agents who can work them
   (flexible shifts cover more, so the plan would otherwise ask for more of them than a
   roster can staff),
3. deferred queues (e-mail) blended into the live agents' idle time where their agents
   have the skill (:mod:`staffing.blend`, ``[skills] blend_deferred``): their rows ask only
   for the dedicated staff that idle time cannot replace,
4. each live and blended queue's service level at the planned staff, by an independent simulation
   (agents on contacts: the planned agents less the group's shrinkage, rounded down). In
   the plan's coverage a group's ``service_level`` is the volume-weighted simulated level
   of the queues it serves, and the plan's ``service_level`` is per live queue.

For the roster the agents' skills become the groups they can work: every group whose
queues they all serve (a bilingual agent can work an English-only shift too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import Config
from core.errors import InputError
from staffing.blend import Blend, blend_deferred, simulate_blended
from staffing.shiftplan import ShiftPlan, plan_shifts, plan_week_start
from staffing.skillgroups import (Desk, desk_groups, pooled_bounds, requirements_by_group, shrinkage_of,
                                  simulate_plan)

__all__ = ["GroupPlan", "blended_rows", "group_skills", "plan_groups"]

# a cross-skilled group's shifts may use this share of its agents' contract hours: rest and
# night rules, days off and unavailable days keep a roster from using every hour
ROSTERABLE_SHARE = 0.9


@dataclass(frozen=True)
class GroupPlan:
    """The desk's groups, their requirement for the planned week, the plan over them, each
    live queue's simulated KPIs at the planned staff, and the agents with group skills."""

    desk: Desk
    by_group: pd.DataFrame
    shift_plan: ShiftPlan
    simulated: pd.DataFrame
    agents: pd.DataFrame
    blend: Blend | None = None  # deferred work blended into the live groups' idle time


def group_skills(agents: pd.DataFrame, desk: Desk, deferred: list[str]) -> pd.DataFrame:
    """AGENTS with ``skills`` = the groups each can work (all of a group's queues among the
    agent's skills) plus the deferred queues they serve."""
    def groups_of(skills: list[str]) -> list[str]:
        mine = set(skills)
        return [g for g, (members, _) in desk.groups.items() if set(members) <= mine] + \
               [q for q in skills if q in deferred]

    return agents.assign(skills=agents["skills"].map(groups_of))


def _group_rows(table: pd.DataFrame, by_group: pd.DataFrame, desk: Desk) -> pd.DataFrame:
    """Frame B rows for the plan: one per group and interval of BY_GROUP (``queue`` = the group;
    no agents of its own, the pooled coverage asks for them; volume and handle time of the
    queues it serves, for the plan's tables), and the deferred queues' rows."""
    live = table[table["queue"].isin(desk.queues)]
    rows = []
    for group, wanted in by_group.groupby("skill_group", sort=True):
        members = live[live["queue"].isin(desk.groups[group][0])]
        work = members.assign(seconds=members["volume"] * members["aht_seconds"].fillna(0)).groupby(
            "interval_start")[["volume", "seconds"]].sum()
        frame = wanted.set_index("interval_start")[[]].join(work, how="left").assign(agents_required=0,
                                                                                     agents_scheduled=0)
        frame = frame.fillna({"volume": 0.0, "seconds": 0.0}).reset_index()
        frame["aht_seconds"] = np.where(frame["volume"] > 0, frame["seconds"] / frame["volume"].where(
            frame["volume"] > 0, 1), np.nan)
        rows.append(frame.drop(columns="seconds").assign(
            queue=group, model="skill_group", staffed_to="volume", settings_source="skills",
            traffic_erlangs=0.0, agents_required_fractional=frame["agents_required"].astype(float),
            agents_scheduled_fractional=frame["agents_scheduled"].astype(float), service_level=np.nan,
            asa_seconds=np.nan, occupancy=np.nan, abandon_rate=np.nan))
    return pd.concat([*rows, table[~table["queue"].isin(desk.queues)]], ignore_index=True)[list(table.columns)]


def plan_groups(forecast: pd.DataFrame, table: pd.DataFrame, agents: pd.DataFrame, config: Config, *,
                interval_seconds: float, week_start: object = None, seed: int = 0) -> GroupPlan | None:
    """The week's shift plan over the skill groups of AGENTS (see the module docstring); None
    when no agent serves two live queues (nothing to pool: the queues' own plans are it).

    ``forecast``: Frame A; ``table``: its Frame B (per queue); ``agents``: a validated agents
    table. Raises InputError on bad agents or an impossible plan, as the per-queue path does.
    """
    if config.shifts.plan_to != "requirement":
        raise InputError(f"skill-group plans cover each group's requirement; got shifts.plan_to = "
                         f"{config.shifts.plan_to!r}; set it to \"requirement\" or set [skills] plan_by_group = false")
    desk = desk_groups(agents, config, list(table["queue"].unique()))
    if all(len(members) == 1 for members, _ in desk.groups.values()):
        return None
    start = plan_week_start(table, week_start, config.site.timezone)
    end = start + pd.Timedelta(days=7)
    week = forecast[(forecast["interval_start"] >= start) & (forecast["interval_start"] < end)]
    by_group = requirements_by_group(week, config, desk, interval_seconds=interval_seconds, seed=seed)
    blend = blend_deferred(week, config, desk, agents, by_group, interval_seconds=interval_seconds, seed=seed) \
        if config.skills.blend_deferred else None
    pooled = _pooled_needs(week, by_group, desk, config, interval_seconds)
    rows = _group_rows(table if blend is None else blended_rows(table, blend, config), by_group, desk)
    cross_skilled = {g: hours * ROSTERABLE_SHARE for g, hours in desk.weekly_hours.items()
                     if len(desk.groups[g][0]) > 1}
    plan = plan_shifts(rows, config, week_start=start, pooled=pooled, max_paid_hours=cross_skilled)
    planned = _on_contacts(plan, desk, config)
    if blend is None:
        simulated = simulate_plan(week, config, desk, planned, interval_seconds=interval_seconds, seed=seed + 1)
    else:
        simulated = simulate_blended(week, config, desk, blend, planned, _dedicated_on_contacts(plan, blend, config),
                                     interval_seconds=interval_seconds, seed=seed + 1)
    plan = _with_simulated_levels(plan, simulated, week, desk, by_group)
    deferred = [q for q in table["queue"].unique() if q not in desk.queues]
    return GroupPlan(desk, by_group, plan, simulated, group_skills(agents, desk, deferred), blend)


def blended_rows(table: pd.DataFrame, blend: Blend, config: Config) -> pd.DataFrame:
    """Frame B TABLE with its blended deferred queues asking only for their dedicated staff
    (agents on contacts, scheduled after shrinkage) and the deferred model's KPIs with the
    blended help, in the intervals BLEND covers."""
    keys = ["queue", "interval_start"]
    update = blend.deferred.set_index(keys)
    table = table.copy()
    index = pd.MultiIndex.from_frame(table[keys])
    hit = index.isin(update.index)
    chosen = update.reindex(index[hit])
    shrinkage = table.loc[hit, "queue"].map(lambda q: config.queue(q)[0].shrinkage).to_numpy()
    table.loc[hit, "agents_required"] = chosen["agents_required"].to_numpy()
    table.loc[hit, "agents_required_fractional"] = chosen["agents_required"].to_numpy().astype(float)
    table.loc[hit, "agents_scheduled"] = np.ceil(chosen["agents_required"].to_numpy() / (1 - shrinkage) - 1e-9)
    table.loc[hit, "agents_scheduled_fractional"] = chosen["agents_required"].to_numpy() / (1 - shrinkage)
    table.loc[hit, "service_level"] = chosen["service_level"].to_numpy()
    table.loc[hit, "asa_seconds"] = chosen["asa_seconds"].to_numpy()
    return table.astype({"agents_required": np.int64, "agents_scheduled": np.int64})


def _dedicated_on_contacts(plan: ShiftPlan, blend: Blend, config: Config) -> dict[str, pd.Series]:
    """Per blended deferred queue, the plan's agents on it by interval less shrinkage, rounded down."""
    found = {}
    for queue in blend.deferred["queue"].unique():
        planned = plan.coverage[plan.coverage["queue"] == queue].set_index("interval_start")["planned"]
        found[queue] = np.floor(planned * (1 - config.queue(queue)[0].shrinkage) + 1e-9).astype(np.int64)
    return found


def _pooled_needs(week: pd.DataFrame, by_group: pd.DataFrame, desk: Desk, config: Config,
                  interval_seconds: float) -> list[tuple[tuple[str, ...], pd.Series]]:
    """For every set S of live queues, the groups serving some queue of S and the agents they
    must schedule together per interval: S's pooled bound, and for each whole concurrency
    class at least what the checked allocation gives it (the simulation check's additions)."""
    bounds = pooled_bounds(week, config, desk, interval_seconds=interval_seconds)
    scheduled = by_group.pivot(index="interval_start", columns="skill_group", values="agents_scheduled")
    touching = {subset: tuple(g for g, (members, _) in desk.groups.items() if set(members) & set(subset))
                for subset in bounds}
    needs = []
    for subset, bound in bounds.items():
        if any(set(subset) < set(other) and touching[other] == touching[subset] for other in bounds):
            continue  # the same groups must also cover a larger set: that bound is the binding one
        names = touching[subset]
        if not any(set(subset) < set(other) for other in bounds):  # a whole class
            bound = np.maximum(bound, scheduled[list(names)].sum(axis=1).reindex(bound.index).fillna(0))
        needs.append((names, bound))
    return needs


def _on_contacts(plan: ShiftPlan, desk: Desk, config: Config) -> pd.DataFrame:
    """Agents on contacts per group and interval of the plan: planned less shrinkage, rounded down."""
    coverage = plan.coverage[plan.coverage["queue"].isin(desk.groups)]
    shrinkage = {g: shrinkage_of(config, members) for g, (members, _) in desk.groups.items()}
    on_contacts = np.floor(coverage["planned"] * (1 - coverage["queue"].map(shrinkage)) + 1e-9).astype(np.int64)
    return pd.DataFrame({"interval_start": coverage["interval_start"], "skill_group": coverage["queue"],
                         "agents_required": on_contacts})


def _with_simulated_levels(plan: ShiftPlan, simulated: pd.DataFrame, week: pd.DataFrame, desk: Desk,
                           by_group: pd.DataFrame) -> ShiftPlan:
    """PLAN with each group's coverage ``required`` = the allocation's share (a reference: the
    plan covers the groups' needs together, so ``gap`` may be negative where another group
    covers, and ``shortfall`` stays 0), ``service_level`` = its queues' simulated level
    (volume-weighted), and ``service_level`` per live queue over the week from the simulation."""
    levels = simulated.merge(week[["queue", "interval_start", "volume"]], on=["queue", "interval_start"])
    coverage = plan.coverage.copy()
    share = by_group.set_index(["skill_group", "interval_start"])["agents_scheduled"]
    groups = coverage["queue"].isin(desk.groups)
    keys = pd.MultiIndex.from_arrays([coverage.loc[groups, "queue"], coverage.loc[groups, "interval_start"]])
    coverage.loc[groups, "required"] = share.reindex(keys).fillna(0).astype(np.int64).to_numpy()
    coverage.loc[groups, "gap"] = coverage.loc[groups, "planned"] - coverage.loc[groups, "required"]
    for group, (members, _) in desk.groups.items():
        mine = levels[levels["queue"].isin(members) & (levels["volume"] > 0)]
        per_interval = (mine["service_level_simulated"] * mine["volume"]).groupby(mine["interval_start"]).sum() / \
            mine.groupby("interval_start")["volume"].sum()
        rows = coverage["queue"] == group
        coverage.loc[rows, "service_level"] = coverage.loc[rows, "interval_start"].map(per_interval).fillna(1.0).values
    weekly = {}
    for queue, rows in levels.groupby("queue"):
        total = rows["volume"].sum()
        weekly[str(queue)] = float((rows["service_level_simulated"].fillna(1.0) * rows["volume"]).sum() / total) \
            if total > 0 else 1.0
    deferred = {q: v for q, v in plan.service_level.items() if q not in desk.groups}
    return ShiftPlan.from_tables(plan.shifts, coverage, week_start=plan.week_start,
                                 interval_minutes=plan.interval_minutes, plan_to=plan.plan_to,
                                 service_level={**deferred, **weekly}, status=plan.status, gap=plan.gap,
                                 solve_seconds=plan.solve_seconds)
