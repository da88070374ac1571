"""Requirements per skill group: agents who serve several live queues, staffed together.

A **skill group** is the set of live queues (voice, chat) that some agents of the agents
file can serve: their skills, kept only where they speak the queue's language
(``[roster] queue_languages``). Its name is the queue names, sorted, joined by ``+``
(``chat_en+chat_zh``). Queues are pooled only with queues of the same concurrency (chats
with chats, calls with calls): an agent whose skills span both counts, for now, in the
class of the first skill listed (the primary one). Deferred queues (e-mail, social) are
staffed per queue as before: blending them into live agents' idle time is not done yet.

How many agents each group needs, per interval (:func:`requirements_by_group`):

1. **Pooled bounds.** For every set S of live queues, the agents that can serve some queue
   of S must be at least what S needs when pooled: Erlang C (Erlang A when every queue of
   S has a patience) for S's summed volume, its volume-weighted handle time and patience,
   at the strictest of S's targets (each queue's service level at its own answer time;
   the occupancy cap the most cautious of S's), in slots of the shared concurrency, and at least each queue's
   ``min_agents``. For a single queue this is its dedicated Erlang requirement.
2. **Cheapest allocation.** A linear program over the horizon (HiGHS via scipy) shares
   agents out per group and interval meeting every bound at the fewest agents, no group
   above its headcount in the agents file in any interval, and a cross-skilled group within
   the weekly hours its agents can give (so a roster can staff it), preferring agents with
   more skills when it is a tie (they can only help); then a small integer program per
   interval makes them whole, cross-skilled agents within the LP's share rounded up. The bounds are necessary, not
   sufficient: a cross-skilled agent counted in two bounds cannot be in both queues at once.
3. **Checked by simulation.** Each interval's allocation is simulated in steady state
   (:mod:`staffing.multiskill`, the routing and queue priorities of ``[skills]``); while a queue misses its
   service level, one agent is added to the group that helps the worst queue most.

Then :func:`simulate_plan` runs an independent simulation of the whole horizon (another
seed, staffing changing at interval boundaries) and reports each queue's simulated
service level, ASA and abandonment next to its dedicated Erlang figures. Agents scheduled
= required / (1 - shrinkage), with the largest shrinkage of the group's queues.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from core.config import Config
from core.errors import InputError
from staffing import erlang
from staffing.multiskill import QueueLoad, SkillGroup, simulate_skills
from staffing.requirements import handle_seconds

__all__ = ["Desk", "dedicated_agents", "desk_groups", "group_name", "group_slots", "live_loads", "pooled_bounds",
           "requirements_by_group", "served_queues", "shrinkage_of", "simulate_plan", "simulated_kpis", "subsets"]

MAX_SUBSETS_QUEUES = 10  # above this many live queues only single queues, pairs and the whole desk are bounded
CHECK_INTERVALS = 3  # steady-state check: the interval's load repeated, the first a warm-up
CHECK_REPLICATIONS = 40
MAX_ADDED = 20  # agents the simulation check may add to one interval
# the share of a cross-skilled group's contract hours the requirement may count on as hours on
# contacts before shrinkage: a week's shift plan pays about 1.35 h per hour it must cover on the
# sample desk (breaks, shifts longer than the peaks they cover), and rosters need some slack
AVAILABLE_SHARE = 0.65
SMOOTHING = 1.0  # cost of a change of one agent in a group's requirement between intervals (in agent-intervals)


@dataclass(frozen=True)
class Desk:
    """The live queues; per skill group (name -> queues, headcount in the agents file); and per
    group the weekly contract hours of the agents who can work it (its own and those with more skills)."""

    queues: tuple[str, ...]
    groups: dict[str, tuple[tuple[str, ...], int]]
    weekly_hours: dict[str, float]


def group_name(queues: Sequence[str]) -> str:
    return "+".join(sorted(queues))


def shrinkage_of(config: Config, queues: Sequence[str]) -> float:
    """The shrinkage of agents who serve QUEUES: the largest of theirs."""
    return max(config.queue(q)[0].shrinkage for q in queues)


def served_queues(skills: Sequence[str], languages: Sequence[str], config: Config, live: Sequence[str]) -> list[str]:
    """The live queues (sorted) an agent with SKILLS who speaks LANGUAGES (none given: any) is
    pooled on: those in a language it speaks, of the concurrency of its first (primary) live skill."""
    spoken, language_of = set(languages), config.roster.queue_languages
    able = [q for q in skills if q in live and (q not in language_of or not spoken or language_of[q] in spoken)]
    if not able:
        return []
    return sorted(q for q in able if config.queue(q)[0].concurrency == config.queue(able[0])[0].concurrency)


def desk_groups(agents: pd.DataFrame, config: Config, queues: Sequence[str], *, source: str = "agents") -> Desk:
    """Skill groups of the live QUEUES from a validated agents file (InputError naming bad rows)."""
    known = set(queues)
    live = tuple(q for q in queues if not config.queue(q)[0].deferred)
    groups: dict[str, list] = {}
    served_hours: list[tuple[set[str], float]] = []
    for agent in agents.itertuples(index=False):
        unknown = sorted(set(agent.skills) - known)
        if unknown:
            raise InputError(f"{source}: agent {agent.agent} has skill(s) {', '.join(unknown)} that name no queue "
                             f"of the forecast ({', '.join(sorted(known))}); fix the skills column")
        served = served_queues(agent.skills, agent.languages, config, live)
        if served:
            groups.setdefault(group_name(served), [tuple(served), 0])[1] += 1
            served_hours.append((set(served), float(agent.contract_hours_per_week)))
    unknown = sorted(set(config.skills.priorities) - known)
    if unknown:
        raise InputError(f"[skills] priorities names queue(s) {', '.join(unknown)} that the forecast does not have "
                         f"({', '.join(sorted(known))}); fix the queue name or remove it")
    orphans = [q for q in live if not any(q in members for members, _ in groups.values())]
    if orphans:
        raise InputError(f"{source}: no agent can serve queue(s) {', '.join(orphans)}; give some agents that skill "
                         f"(and the language in [roster] queue_languages)")
    hours = {name: sum(h for mine, h in served_hours if set(members) <= mine) for name, (members, _) in groups.items()}
    return Desk(live, {name: (members, count) for name, (members, count) in sorted(groups.items())},
                dict(sorted(hours.items())))


def subsets(queues: Sequence[str], config: Config) -> list[tuple[str, ...]]:
    """The sets of queues bounded in step 1: within each concurrency class, every subset (single
    queues, pairs and the whole class when it has more than MAX_SUBSETS_QUEUES queues)."""
    result = []
    for _, members in itertools.groupby(sorted(queues, key=lambda q: config.queue(q)[0].concurrency),
                                        key=lambda q: config.queue(q)[0].concurrency):
        members = tuple(members)
        if len(members) <= MAX_SUBSETS_QUEUES:
            result += [s for size in range(1, len(members) + 1) for s in itertools.combinations(members, size)]
        else:
            result += [*((q,) for q in members), *itertools.combinations(members, 2), members]
    return result


def _pooled_agents(subset: Sequence[str], volume: dict, aht: dict, config: Config,
                   interval_seconds: float) -> np.ndarray:
    """Agents per interval that SUBSET's queues need when every one of them serves all (see step 1)."""
    settings = [config.queue(q)[0] for q in subset]
    total = sum(volume[q] for q in subset)
    work = sum(volume[q] * aht[q] for q in subset)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_aht = np.where(total > 0, work / total, np.mean([aht[q] for q in subset], axis=0))
    caps = [s.max_occupancy for s in settings if s.max_occupancy is not None]
    slots_per_agent = min(s.concurrency for s in settings)
    patience = [s.patience_seconds for s in settings]
    needed = np.zeros(total.shape, dtype=np.int64)
    for s in settings:
        targets = dict(service_level=s.service_level, answer_seconds=s.answer_seconds,
                       max_occupancy=min(caps) if caps else None, asa_seconds=s.asa_seconds)
        if all(p is not None for p in patience):
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_patience = float(np.average(patience, weights=[volume[q].sum() + 1e-9 for q in subset]))
            slots = erlang.required_agents_erlang_a(total, mean_aht, interval_seconds, patience_seconds=mean_patience,
                                                    **targets)
        else:
            slots = erlang.required_agents(total, mean_aht, interval_seconds, **targets)
        needed = np.maximum(needed, -(-np.asarray(slots, dtype=np.int64) // slots_per_agent))
    floor = max(s.min_agents for s in settings)
    return np.maximum(needed, np.where(total > 0, floor, 0) if floor else 0)


def _allocate(bounds: dict[tuple[str, ...], np.ndarray], desk: Desk, config: Config,
              interval_seconds: float) -> np.ndarray:
    """Whole agents per interval and group (K, G) meeting every pooled bound with the fewest
    agents (step 2). A linear program over the horizon: no group above its headcount in any
    interval; a cross-skilled group within the hours its agents can give (:func:`_hour_limits`;
    beyond them an agent-interval costs double); every change of a group's agents from one
    interval to the next costs ``SMOOTHING`` (shifts last hours: a group whose requirement
    jumps up and down costs more shifts than it saves). Then a small integer program per
    interval makes each group whole within the LP's value rounded down and up."""
    names = list(desk.groups)
    n_groups, n_intervals = len(names), len(next(iter(bounds.values())))
    skills = [set(desk.groups[g][0]) for g in names]
    flex = [i for i, s in enumerate(skills) if len(s) > 1]
    n_x, n_d = n_groups * n_intervals, n_groups * (n_intervals - 1)  # x[k, g] at k * n_groups + g
    touch = np.array([[1.0 if skills[g] & set(subset) else 0.0 for g in range(n_groups)] for subset in bounds])
    need = np.stack(list(bounds.values()), axis=1).astype(float)  # (K, subsets)
    coverage = sparse.kron(sparse.identity(n_intervals), touch)
    step = sparse.eye(n_x - n_groups, n_x, k=n_groups) - sparse.eye(n_x - n_groups, n_x)  # x[k+1] - x[k]
    weekly = sparse.lil_matrix((len(flex), n_x))
    for row, g in enumerate(flex):
        weekly[row, g:n_x:n_groups] = 1.0
    n_slack = len(flex)

    def widen(matrix, x_part, d_part=None, slack_part=None):
        return sparse.hstack([matrix if x_part else sparse.csr_matrix((matrix.shape[0], n_x)),
                              d_part if d_part is not None else sparse.csr_matrix((matrix.shape[0], n_d)),
                              slack_part if slack_part is not None else sparse.csr_matrix((matrix.shape[0], n_slack))])

    constraints = [
        LinearConstraint(widen(coverage, True), lb=need.ravel(), ub=np.inf),
        LinearConstraint(widen(step, True, sparse.eye(n_d)), lb=0, ub=np.inf),  # d >= x[k+1] - x[k]
        LinearConstraint(widen(-step, True, sparse.eye(n_d)), lb=0, ub=np.inf),  # d >= x[k] - x[k+1]
    ]
    if flex:
        constraints.append(LinearConstraint(widen(weekly.tocsr(), True, None, -sparse.eye(n_slack)), lb=-np.inf,
                                            ub=_hour_limits(desk, config, [names[g] for g in flex], n_intervals,
                                                            interval_seconds)))
    headcount = np.array([desk.groups[g][1] for g in names])
    cost = np.concatenate([np.tile([1.0 - 1e-3 * len(s) for s in skills], n_intervals), np.full(n_d, SMOOTHING),
                           np.full(n_slack, 2.0)])
    upper = np.concatenate([np.tile(headcount, n_intervals), np.full(n_d + n_slack, np.inf)])
    relaxed = milp(cost, constraints=constraints, bounds=Bounds(0, upper))
    if relaxed.x is None:
        peak = {"+".join(subset): int(needed.max()) for subset, needed in bounds.items()}
        raise InputError(f"the agents file has too few agents for this load: at the peak the pooled needs are {peak} "
                         f"but the groups have {dict(zip(names, headcount.tolist()))} agents; add agents or skills")
    share = relaxed.x[:n_x].reshape(n_intervals, n_groups)
    whole = np.zeros((n_intervals, n_groups), dtype=np.int64)
    for k in range(n_intervals):
        low, high = np.floor(share[k] + 1e-6), np.minimum(np.ceil(share[k] - 1e-6), headcount)
        found = milp(cost[:n_groups], constraints=LinearConstraint(touch, lb=need[k]), integrality=np.ones(n_groups),
                     bounds=Bounds(low, high))
        if found.x is None:  # rounding left too little: any headcount within the file
            found = milp(cost[:n_groups], constraints=LinearConstraint(touch, lb=need[k]),
                         integrality=np.ones(n_groups), bounds=Bounds(0, headcount))
        whole[k] = np.round(found.x).astype(np.int64)
    return whole


def _hour_limits(desk: Desk, config: Config, groups: list[str], n_intervals: int,
                 interval_seconds: float) -> np.ndarray:
    """Agent-intervals on contacts each of GROUPS can give over the horizon: the weekly contract
    hours of the agents who can work it, less shrinkage, times ``AVAILABLE_SHARE``; a horizon
    of a week or more pro rata, a shorter one a fifth of the week per day begun (five shifts a week)."""
    hours = n_intervals * interval_seconds / 3600
    weeks = hours / 168 if hours >= 168 else min(1.0, max(1.0, hours / 24) / 5)
    shrinkage = [shrinkage_of(config, desk.groups[g][0]) for g in groups]
    return np.array([desk.weekly_hours[g] * (1 - s) * AVAILABLE_SHARE * weeks / (interval_seconds / 3600)
                     for g, s in zip(groups, shrinkage)])


def _loads(desk: Desk, config: Config, volume: dict, aht: dict, columns, repeat: int) -> list[QueueLoad]:
    loads = []
    for q in desk.queues:
        s = config.queue(q)[0]
        loads.append(QueueLoad(q, np.repeat(volume[q][columns], repeat), np.repeat(aht[q][columns], repeat),
                               answer_seconds=s.answer_seconds, patience_seconds=s.patience_seconds,
                               priority=config.skills.priorities.get(q, 0)))
    return loads


def group_slots(desk: Desk, config: Config) -> dict[str, int]:
    """Contacts an agent of each group works at once (its queues share one concurrency)."""
    return {g: min(config.queue(q)[0].concurrency for q in members) for g, (members, _) in desk.groups.items()}


def _misses(simulation, desk: Desk, config: Config) -> dict[str, float]:
    """Queue -> how far its steady simulated service level is below target (only queues that miss)."""
    missing = {}
    for q in desk.queues:
        totals = simulation.queues[q].totals(slice(1, None))
        gap = config.queue(q)[0].service_level - totals["service_level"]
        if totals["offered"] > 0 and gap > 0:
            missing[q] = gap
    return missing


def _check(agents: np.ndarray, desk: Desk, config: Config, volume: dict, aht: dict, k: int,
           interval_seconds: float, seed: int) -> np.ndarray:
    """Add agents to interval K's allocation until every queue meets its target in simulation (step 3)."""
    names = list(desk.groups)
    slots = group_slots(desk, config)
    loads = _loads(desk, config, volume, aht, [k], CHECK_INTERVALS)

    def run(allocation):
        groups = [SkillGroup(g, desk.groups[g][0], allocation[i] * slots[g]) for i, g in enumerate(names)]
        return _misses(simulate_skills(loads, groups, interval_seconds, routing=config.skills.routing,
                                             replications=CHECK_REPLICATIONS, seed=seed),
                       desk, config)

    missing = run(agents)
    for _ in range(MAX_ADDED):
        if not missing:
            break
        worst = max(missing, key=missing.get)
        tries = []
        for i, g in enumerate(names):
            if worst in desk.groups[g][0] and agents[i] < desk.groups[g][1]:
                more = agents.copy()
                more[i] += 1
                after = run(more)
                tries.append((sum(after.values()), len(desk.groups[g][0]) * -1, i, after))
        if not tries:
            break  # nobody left to add: the shortfall shows in the simulated service level
        _, _, best, missing = min(tries)
        agents = agents.copy()
        agents[best] += 1
    return agents


def _loads_by_queue(forecast: pd.DataFrame, config: Config, desk: Desk) -> tuple[pd.DatetimeIndex, dict, dict]:
    """The live queues' intervals, and per queue volume and AHT on them (arrays)."""
    rows = forecast[forecast["queue"].isin(desk.queues)]
    stamps = pd.DatetimeIndex(sorted(rows["interval_start"].unique()))
    volume, aht = {}, {}
    for q in desk.queues:
        mine = rows[rows["queue"] == q].set_index("interval_start").reindex(stamps)
        volume[q] = mine["volume"].fillna(0.0).to_numpy(float)
        aht[q] = handle_seconds(mine.reset_index(), config.queue(q)[0])
    return stamps, volume, aht


def pooled_bounds(forecast: pd.DataFrame, config: Config, desk: Desk, *, interval_seconds: float,
                  on_contacts: bool = False) -> dict[tuple[str, ...], pd.Series]:
    """Step 1 for every set of live queues: the agents to schedule (after the set's largest
    shrinkage; ``on_contacts``: before it) that the groups serving some queue of it need
    together, per interval."""
    stamps, volume, aht = _loads_by_queue(forecast, config, desk)
    result = {}
    for subset in subsets(desk.queues, config):
        shrinkage = 0.0 if on_contacts else shrinkage_of(config, subset)
        need = _pooled_agents(subset, volume, aht, config, interval_seconds)
        result[subset] = pd.Series(np.ceil(need / (1 - shrinkage) - 1e-9).astype(np.int64), index=stamps)
    return result


def requirements_by_group(forecast: pd.DataFrame, config: Config, desk: Desk, *, interval_seconds: float,
                          check: bool = True, seed: int = 0) -> pd.DataFrame:
    """Agents per skill group and interval for the live queues of Frame A ``forecast``.

    Columns: ``interval_start``, ``skill_group``, ``agents_required`` (on contacts, whole),
    ``agents_scheduled`` (after the group's shrinkage), ``pooled_bound`` (the fewest agents
    the whole desk could need, step 1 for all its queues: a lower bound on the groups'
    sum). ``check``: refine each interval by simulation (step 3).
    """
    stamps, volume, aht = _loads_by_queue(forecast, config, desk)
    bounds = {subset: _pooled_agents(subset, volume, aht, config, interval_seconds)
              for subset in subsets(desk.queues, config)}
    names = list(desk.groups)
    allocation = _allocate(bounds, desk, config, interval_seconds)
    for k in range(len(stamps)):
        if check and any(volume[q][k] > 0 for q in desk.queues):
            allocation[k] = _check(allocation[k], desk, config, volume, aht, k, interval_seconds, seed)
    shrinkage = {g: shrinkage_of(config, desk.groups[g][0]) for g in names}
    whole = sum(values for subset, values in bounds.items()  # each concurrency class pooled whole
                if not any(set(subset) < set(other) for other in bounds))
    frame = pd.DataFrame({
        "interval_start": np.repeat(stamps, len(names)),
        "skill_group": np.tile(names, len(stamps)),
        "agents_required": allocation.ravel(),
        "pooled_bound": np.repeat(whole, len(names)),
    })
    frame["agents_scheduled"] = np.ceil(frame["agents_required"] / (1 - frame["skill_group"].map(shrinkage))
                                        - 1e-9).astype(np.int64)
    return frame[["interval_start", "skill_group", "agents_required", "agents_scheduled", "pooled_bound"]]


def simulate_plan(forecast: pd.DataFrame, config: Config, desk: Desk, by_group: pd.DataFrame, *,
                  interval_seconds: float, replications: int = 50, seed: int = 1) -> pd.DataFrame:
    """Each live queue's simulated KPIs per interval under ``by_group``'s staffing, changing at
    interval boundaries (an independent run: its own seed). Columns: ``queue``,
    ``interval_start``, ``service_level_simulated``, ``service_level_simulated_se``
    (from the spread across replications), ``asa_simulated_seconds``, ``abandon_rate_simulated``."""
    plan = by_group.pivot(index="interval_start", columns="skill_group", values="agents_required").fillna(0)
    slots = group_slots(desk, config)
    groups = [SkillGroup(g, desk.groups[g][0], plan[g].to_numpy() * slots[g]) for g in plan.columns]
    run = simulate_skills(live_loads(forecast, config, desk, plan.index), groups, interval_seconds,
                          routing=config.skills.routing, replications=replications, seed=seed)
    return simulated_kpis(run, desk.queues, plan.index)


def live_loads(forecast: pd.DataFrame, config: Config, desk: Desk, stamps: pd.DatetimeIndex) -> list[QueueLoad]:
    """The simulator's loads of the desk's live queues on the intervals STAMPS (none: volume 0)."""
    volume = {q: forecast[forecast["queue"] == q].set_index("interval_start")["volume"].reindex(stamps)
              .fillna(0.0).to_numpy(float) for q in desk.queues}
    aht = {q: handle_seconds(forecast[forecast["queue"] == q].set_index("interval_start").reindex(stamps)
                             .reset_index(), config.queue(q)[0]) for q in desk.queues}
    return _loads(desk, config, volume, aht, slice(None), 1)


def simulated_kpis(run, queues: Sequence[str], stamps: pd.DatetimeIndex) -> pd.DataFrame:
    """simulate_plan's columns for QUEUES from a simulation RUN over the intervals STAMPS."""
    frames = []
    for q in queues:
        simulation = run.queues[q]
        per_interval = simulation.intervals()
        se = [simulation.totals([k])["service_level_se"] for k in range(len(stamps))]
        frames.append(pd.DataFrame({
            "queue": q, "interval_start": stamps, "service_level_simulated": per_interval["service_level"].to_numpy(),
            "service_level_simulated_se": se, "asa_simulated_seconds": per_interval["asa_seconds"].to_numpy(),
            "abandon_rate_simulated": per_interval["abandon_rate"].to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def dedicated_agents(requirements: pd.DataFrame, desk: Desk) -> float:
    """Agent-intervals on contacts that per-queue (Erlang, island) staffing of the live queues needs."""
    return float(requirements.loc[requirements["queue"].isin(desk.queues), "agents_required"].sum())
