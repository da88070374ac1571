"""Discrete-event simulation of a multi-skill desk: several queues, agents in skill groups.

What it is for: the service level, wait and abandonment each queue reaches when agents
who serve several queues (bilingual, chat + e-mail) are shared between them, where no
closed formula holds. It checks multi-skill requirements and shows what pooling buys.
With one queue and one group it is the model of :mod:`staffing.simulate` (the tests check
both against exact Erlang C and A).

The model, per replication
--------------------------
- **Intervals** of ``interval_seconds``; interval k covers ``[k * interval_seconds,
  (k + 1) * interval_seconds)``. The run starts empty, every agent idle.
- **Queues** (:class:`QueueLoad`): Poisson arrivals at rate ``volume[k] / interval_seconds``
  in interval k; handle times with mean ``aht_seconds`` of the arrival interval,
  exponential, log-normal or uniform with coefficient of variation ``handle_cv``;
  optional exponential patience with mean ``patience_seconds``; an abandoning caller
  tries again after ``retrial_delay_seconds`` with probability ``retrial_probability``
  (same handle time and patience; each try is a contact of the interval it arrives in).
- **Skill groups** (:class:`SkillGroup`): ``agents[k]`` agents during interval k who serve
  the group's queues, one contact at a time (for chat, ``agents`` counts slots: agents x
  concurrency, with ``slots_per_agent`` the concurrency). When staff rises the new agents are idle at
  the boundary; when it falls, the leavers are drawn at random among those on duty, and
  a busy leaver finishes the contact in hand first. After the last interval the staff
  stays on, with no new first tries, until the lines are empty.
- **Routing** of an arriving contact to an idle agent of a group that serves its queue:
  ``"specialists_first"`` (the default; Chevalier, Shumsky & Tabordon 2004): the idle
  agents of the group with the fewest skills first, ties in the order the groups are
  given; ``"random"``: a group drawn with probability proportional to its idle agents
  serving that queue (the ContactCenters "Bilingual" example). With no idle agent the
  contact waits in its queue's line. An agent who becomes free takes, among its queues,
  the head of the line of the highest ``priority`` (lower number first), then the one
  that has waited longest.
- **Deferred work blended into idle time** (a queue with ``deferred=True``: e-mail,
  tickets): always after every live line, and taken by an idle agent only while, besides
  it, at least ``reserve_agents`` agents' slots are idle among the groups sharing a live
  queue with its group (the threshold policy of Bhulai & Koole 2003); it holds a whole
  agent, ``slots_per_agent`` slots, for its handle time (slots are pooled: two chat agents
  with a free slot each count as one idle agent, which flatters blending on chat a little).
  Its ``answer_seconds`` is the response time; a new deferred contact waits behind its line.

KPIs come per queue as a :class:`staffing.simulate.Simulation` (by the interval a
contact arrived in; its occupancy is NaN, agents being shared) and per group as busy
agent-seconds, so :meth:`SkillSimulation.occupancy` is per group. Replications share the
plan and differ in their random numbers, reproducible from ``seed``.

Not modelled: agents whose speed depends on the queue or the group,
breaks inside an interval (give agents net of shrinkage), and non-Poisson arrivals.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.errors import InputError, check_range
from staffing.simulate import Simulation, busy_by_interval, per_interval

__all__ = ["QueueLoad", "ROUTINGS", "SkillGroup", "SkillSimulation", "simulate_skills"]

ROUTINGS = ("specialists_first", "random")
HANDLE_TIMES = ("exponential", "lognormal", "uniform")
_BOUNDARY, _DONE, _ABANDON, _RETRY = 0, 1, 2, 3


@dataclass(frozen=True)
class QueueLoad:
    """One queue's load. ``volume``: expected first tries per interval, shape (intervals,);
    ``aht_seconds``: one number or one per interval; times in seconds."""

    name: str
    volume: Sequence[float] | np.ndarray
    aht_seconds: float | Sequence[float] | np.ndarray
    answer_seconds: float = 20.0
    patience_seconds: float | None = None
    handle_times: str = "exponential"
    handle_cv: float = 1.0
    priority: int = 0
    retrial_probability: float = 0.0
    retrial_delay_seconds: float = 0.0
    deferred: bool = False  # worked in idle time, after every live line (see the module docstring)


@dataclass(frozen=True)
class SkillGroup:
    """Agents who serve the same queues. ``agents``: one whole number or one per interval (slots
    for chat: agents x ``slots_per_agent``); ``reserve_agents``: agents (of this group and
    those sharing a live queue with it) kept idle for live contacts before one takes deferred work."""

    name: str
    queues: tuple[str, ...]
    agents: float | Sequence[float] | np.ndarray
    slots_per_agent: int = 1
    reserve_agents: int = 0


@dataclass(frozen=True)
class SkillSimulation:
    """Per queue a :class:`Simulation` (counts per replication and interval); per group the
    agents (slots for chat; intervals,) and busy slot-seconds (replications, intervals); ``served[r, g, q]``
    contacts of queue q answered by group g in replication r; ``retrials[r, q]``;
    ``work_seconds[r, g, q, k]`` slot-seconds group g worked on queue q in interval k."""

    queues: dict[str, Simulation]
    group_agents: dict[str, np.ndarray]
    group_busy_seconds: dict[str, np.ndarray]
    served: np.ndarray
    retrials: np.ndarray
    interval_seconds: float
    group_names: tuple[str, ...] = field(default=())
    work_seconds: np.ndarray | None = None

    def occupancy(self, group: str, intervals=None) -> float:
        """Busy share of GROUP's staffed time over ``intervals`` (positions or mask; None: all)."""
        keep = slice(None) if intervals is None else intervals
        capacity = self.group_agents[group][keep].sum() * self.interval_seconds * self.served.shape[0]
        return float(self.group_busy_seconds[group][:, keep].sum() / capacity) if capacity else math.nan


def _checked(queues: Sequence[QueueLoad], groups: Sequence[SkillGroup], size: int):
    """Arrays per queue and group, with every mistake named (InputError)."""
    names = [q.name for q in queues]
    if len(set(names)) != len(names):
        raise InputError(f"queue names must be unique; got {names}")
    loads = []
    for q in queues:
        if q.handle_times not in HANDLE_TIMES:
            raise InputError(f"queue {q.name}: handle_times must be one of {', '.join(HANDLE_TIMES)}; "
                             f"got {q.handle_times!r}")
        if q.handle_times == "exponential" and q.handle_cv != 1:
            raise InputError(f"queue {q.name}: exponential handle times have handle_cv 1; got {q.handle_cv:g}; "
                             f"choose lognormal or uniform for another spread")
        if q.handle_times == "uniform" and not 0 < q.handle_cv <= 1 / math.sqrt(3):
            raise InputError(f"queue {q.name}: uniform handle times need 0 < handle_cv <= 0.577 (times >= 0); "
                             f"got {q.handle_cv:g}")
        check_range(f"queue {q.name}: handle_cv", q.handle_cv, low=0, low_open=True)
        check_range(f"queue {q.name}: retrial_probability", q.retrial_probability, low=0, high=1)
        check_range(f"queue {q.name}: retrial_delay_seconds", q.retrial_delay_seconds, low=0)
        check_range(f"queue {q.name}: answer_seconds", q.answer_seconds, low=0)
        if q.patience_seconds is not None:
            check_range(f"queue {q.name}: patience_seconds", q.patience_seconds, low=0, low_open=True,
                        fix="use None for callers who never hang up")
        loads.append((per_interval(f"queue {q.name}: volume", q.volume, size, low=0),
                      per_interval(f"queue {q.name}: aht_seconds", q.aht_seconds, size, low=0, low_open=True)))
    group_names = [g.name for g in groups]
    if len(set(group_names)) != len(group_names):
        raise InputError(f"skill group names must be unique; got {group_names}")
    staff = []
    for g in groups:
        unknown = sorted(set(g.queues) - set(names))
        if unknown or not g.queues:
            raise InputError(f"skill group {g.name}: queues {unknown or '(none)'} are not queues of this desk "
                             f"({', '.join(names)}); fix the agents' skills")
        for field_name in ("slots_per_agent", "reserve_agents"):
            value = getattr(g, field_name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or \
                    value < (1 if field_name == "slots_per_agent" else 0):
                raise InputError(f"skill group {g.name}: {field_name} must be a whole number >= "
                                 f"{1 if field_name == 'slots_per_agent' else 0}; got {value!r}")
        agents = per_interval(f"skill group {g.name}: agents", g.agents, size, low=0)
        if np.any(agents != np.floor(agents)):
            raise InputError(f"skill group {g.name}: agents must be whole numbers; round the headcount")
        staff.append(agents.astype(np.int64))
    orphans = [n for n in names if not any(n in g.queues for g in groups)]
    if orphans:
        raise InputError(f"queues {', '.join(orphans)} have no skill group that serves them; "
                         f"give some agents that skill")
    return loads, staff


def _handle(rng: np.random.Generator, kind: str, mean: np.ndarray, cv: float) -> np.ndarray:
    if kind == "exponential":
        return rng.exponential(mean)
    if kind == "lognormal":
        sigma = math.sqrt(math.log1p(cv * cv))
        return rng.lognormal(np.log(mean) - sigma * sigma / 2, sigma)
    half = mean * cv * math.sqrt(3)
    return rng.uniform(mean - half, mean + half)


def simulate_skills(queues: Sequence[QueueLoad], groups: Sequence[SkillGroup], interval_seconds: float, *,
                    routing: str = "specialists_first", replications: int = 1,
                    seed: int | None = None) -> SkillSimulation:
    """Simulate a multi-skill staffing plan (see the module docstring for the model).

    Every queue's ``volume`` has the same number of intervals; each group's ``agents`` is
    one number or one per interval. Cost: a few microseconds per simulated contact.
    """
    if not queues or not groups:
        raise InputError("give at least one queue and one skill group")
    size = np.atleast_1d(np.asarray(queues[0].volume, dtype=float)).size
    interval = float(check_range("interval_seconds", interval_seconds, low=0, low_open=True))
    if routing not in ROUTINGS:
        raise InputError(f"routing must be one of {', '.join(ROUTINGS)}; got {routing!r}")
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)) or replications < 1:
        raise InputError(f"replications must be a whole number >= 1; got {replications!r}")
    loads, staff = _checked(queues, groups, size)
    n_queues, n_groups = len(queues), len(groups)
    index = {q.name: i for i, q in enumerate(queues)}
    skills = [tuple(sorted({index[name] for name in g.queues}, key=lambda i: (queues[i].priority, i)))
              for g in groups]
    # the groups that serve each queue, in the order an arriving contact tries them
    servers = [sorted((g for g in range(n_groups) if q in skills[g]),
                      key=(lambda g: (len(skills[g]), g)) if routing == "specialists_first" else (lambda g: g))
               for q in range(n_queues)]
    counts = {name: np.zeros((replications, n_queues, size)) for name in (
        "offered", "answered", "answered_within", "abandoned", "answered_wait_seconds", "wait_seconds")}
    work = np.zeros((replications, n_groups, n_queues, size))
    served = np.zeros((replications, n_groups, n_queues))
    retrials = np.zeros((replications, n_queues))
    edges = np.arange(size + 1) * interval
    for run, stream in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        rngs = [np.random.default_rng(s) for s in stream.spawn(4)]
        result = _one_run(queues, groups, loads, staff, skills, servers, routing, interval, size, rngs)
        for name in counts:
            counts[name][run] = result[name]
        for g, q in set(zip(result["group"].tolist(), result["queue"].tolist())):
            mine = (result["group"] == g) & (result["queue"] == q)  # slot-seconds: deferred work holds a whole agent
            work[run, g, q] = result["slots"][mine][0] * busy_by_interval(result["start"][mine],
                                                                          result["finish"][mine], edges)
        np.add.at(served[run], (result["group"], result["queue"]), 1)
        retrials[run] = result["retrials"]
    zeros = np.zeros(size)
    per_queue = {q.name: Simulation(*(counts[name][:, i] for name in (
        "offered", "answered", "answered_within", "abandoned", "answered_wait_seconds", "wait_seconds")),
        busy_seconds=np.zeros((replications, size)), agents=zeros, interval_seconds=interval,
        answer_seconds=float(q.answer_seconds)) for i, q in enumerate(queues)}
    busy = work.sum(axis=2)
    return SkillSimulation(per_queue, {g.name: staff[i] for i, g in enumerate(groups)},
                           {g.name: busy[:, i] for i, g in enumerate(groups)}, served, retrials, interval,
                           tuple(g.name for g in groups), work)


def _one_run(queues, groups, loads, staff, skills, servers, routing, interval, size, rngs) -> dict[str, np.ndarray]:
    """One replication: the event loop. Contacts are first tries then retrials (appended)."""
    arrivals_rng, handle_rng, patience_rng, choice_rng = rngs
    n_queues, n_groups = len(queues), len(staff)
    # first tries, sorted by time: queue, arrival interval, handle time, patience
    first_q, first_t, first_h, first_p = [], [], [], []
    for q, (volume, aht) in enumerate(loads):
        where = np.repeat(np.arange(size), arrivals_rng.poisson(volume))
        first_q.append(np.full(where.size, q))
        first_t.append((where + arrivals_rng.random(where.size)) * interval)
        first_h.append(_handle(handle_rng, queues[q].handle_times, aht[where], queues[q].handle_cv))
        patience = queues[q].patience_seconds
        first_p.append(np.full(where.size, math.inf) if patience is None
                       else patience_rng.exponential(patience, where.size))
    order = np.argsort(np.concatenate(first_t), kind="stable")
    c_queue = np.concatenate(first_q)[order].tolist()
    c_time = np.concatenate(first_t)[order].tolist()
    c_handle = np.concatenate(first_h)[order].tolist()
    c_patience = np.concatenate(first_p)[order].tolist()
    n_first = len(c_time)
    c_start, c_group, c_slots = [math.nan] * n_first, [-1] * n_first, [1] * n_first
    c_state = [0] * n_first  # 0 not yet in, 1 waiting, 2 served, 3 abandoned
    retry_probability = [q.retrial_probability for q in queues]
    retry_delay = [q.retrial_delay_seconds for q in queues]
    priority = [q.priority for q in queues]
    deferred = [q.deferred for q in queues]
    hold = [g.slots_per_agent for g in groups]  # slots a deferred contact holds: one agent's
    live_skills = [{q for q in skills[g] if not deferred[q]} for g in range(n_groups)]
    # the groups whose idle agents count toward g's reserve: those sharing a live queue with it
    pool = [[h for h in range(n_groups) if h == g or live_skills[g] & live_skills[h]] for g in range(n_groups)]
    reserve = [hold[g] * (1 + groups[g].reserve_agents) for g in range(n_groups)]
    # groups with deferred skills whose reserve counts g's idle agents: they look again when g frees one
    watchers = [[h for h in range(n_groups) if h != g and g in pool[h] and any(deferred[q] for q in skills[h])]
                for g in range(n_groups)]
    retry_uniform = choice_rng.random
    idle, busy_now, leaving = [0] * n_groups, [0] * n_groups, [0] * n_groups

    def can_take(g, q):
        """Whether an idle agent of group g may take a contact of queue q now."""
        if not deferred[q]:
            return idle[g] > 0
        return idle[g] >= hold[g] and sum(idle[h] for h in pool[g]) >= reserve[g]

    lines = [deque() for _ in range(n_queues)]
    events: list = [(k * interval, k, _BOUNDARY, k) for k in range(size)]
    heapq.heapify(events)
    push, pop = heapq.heappush, heapq.heappop
    sequence = size
    retrials = [0] * n_queues

    def start(c, g, t):
        nonlocal sequence
        slots = hold[g] if deferred[c_queue[c]] else 1
        idle[g] -= slots
        busy_now[g] += slots
        c_start[c], c_group[c], c_state[c], c_slots[c] = t, g, 2, slots
        sequence += 1
        push(events, (t + c_handle[c], sequence, _DONE, c))

    def pull(g, t):
        """Idle agents of group g take waiting contacts: live lines first, then highest
        priority, then longest waiting (deferred work only with enough idle slots)."""
        while idle[g]:
            best = None
            for q in skills[g]:
                line = lines[q]
                while line and c_state[line[0]] != 1:
                    line.popleft()  # served elsewhere or hung up
                if line and can_take(g, q) and (best is None or (
                        deferred[q], priority[q], c_time[line[0]]) < (deferred[best], priority[best],
                                                                      c_time[lines[best][0]])):
                    best = q
            if best is None:
                return
            start(lines[best].popleft(), g, t)

    def freed(g, t):
        """Group g has more idle agents: it, and the groups whose reserve counts it, pull work."""
        pull(g, t)
        for h in watchers[g]:
            pull(h, t)

    def arrive(c, t):
        nonlocal sequence
        q = c_queue[c]
        group = -1
        line = lines[q]
        while deferred[q] and line and c_state[line[0]] != 1:
            line.popleft()
        if deferred[q] and line:  # deferred work is first in, first out: it waits behind the line
            pass
        elif routing == "specialists_first":
            group = next((g for g in servers[q] if can_take(g, q)), -1)
        else:
            able = [g for g in servers[q] if can_take(g, q)]
            free = sum(idle[g] for g in able)
            if free:
                pick = choice_rng.integers(free)
                for g in able:
                    if pick < idle[g]:
                        group = g
                        break
                    pick -= idle[g]
        if group >= 0:
            start(c, group, t)
            return
        c_state[c] = 1
        lines[q].append(c)
        if c_patience[c] < math.inf:
            sequence += 1
            push(events, (t + c_patience[c], sequence, _ABANDON, c))

    next_first = 0
    while True:
        first_at = c_time[next_first] if next_first < n_first else math.inf
        if events and events[0][0] <= first_at:
            t, _, kind, what = pop(events)
        elif next_first < n_first:
            t, kind, what = first_at, -1, next_first
            next_first += 1
        else:
            break
        if kind == -1 or kind == _RETRY:
            arrive(what, t)
        elif kind == _DONE:
            g, slots = c_group[what], c_slots[what]
            busy_now[g] -= slots
            back = slots - min(leaving[g], slots)  # slots of a leaver go home
            leaving[g] -= slots - back
            if back:
                idle[g] += back
                freed(g, t)
        elif kind == _ABANDON:
            if c_state[what] == 1:
                c_state[what] = 3
                q = c_queue[what]
                if retry_probability[q] and retry_uniform() < retry_probability[q]:
                    retrials[q] += 1
                    c_queue.append(q)
                    c_time.append(t + retry_delay[q])
                    c_handle.append(c_handle[what])
                    c_patience.append(c_patience[what])
                    c_start.append(math.nan)
                    c_group.append(-1)
                    c_slots.append(1)
                    c_state.append(0)
                    sequence += 1
                    push(events, (t + retry_delay[q], sequence, _RETRY, len(c_time) - 1))
        else:  # a boundary: staff changes
            for g in range(n_groups):
                target, present = int(staff[g][what]), idle[g] + busy_now[g] - leaving[g]
                if target > present:
                    back = min(leaving[g], target - present)
                    leaving[g] -= back
                    idle[g] += target - present - back
                    freed(g, t)
                elif target < present:
                    going = present - target
                    from_idle = int(choice_rng.hypergeometric(idle[g], busy_now[g] - leaving[g], going))
                    idle[g] -= from_idle
                    leaving[g] += going - from_idle
    return _tally(queues, c_queue, c_time, c_handle, c_patience, c_start, c_group, c_slots, c_state, interval, size,
                  retrials)


def _tally(queues, c_queue, c_time, c_handle, c_patience, c_start, c_group, c_slots, c_state, interval, size,
           retrials) -> dict[str, np.ndarray]:
    """Counts per queue and arrival interval, and the served contacts' work, from one run."""
    queue = np.asarray(c_queue, dtype=np.int64)
    arrival = np.asarray(c_time)
    state = np.asarray(c_state)
    start = np.asarray(c_start)
    where = np.minimum((arrival // interval).astype(np.int64), size - 1)
    answered = state == 2
    abandoned = state == 3
    never = state == 1  # still waiting with nobody to answer (no patience)
    wait = np.where(answered, start - arrival, np.where(abandoned, np.asarray(c_patience), 0.0))
    answer = np.array([q.answer_seconds for q in queues])[queue]
    n_queues = len(queues)
    flat = queue * size + where

    def count(weights):
        return np.bincount(flat, np.asarray(weights, dtype=float), minlength=n_queues * size).reshape(n_queues, size)

    waits = count(wait)
    return {
        "offered": count(np.ones(queue.size)),
        "answered": count(answered),
        "answered_within": count(answered & (wait <= answer)),
        "abandoned": count(abandoned),
        "answered_wait_seconds": count(np.where(answered, wait, 0.0)),
        "wait_seconds": np.where(count(never) > 0, np.inf, waits),
        "group": np.asarray(c_group, dtype=np.int64)[answered],
        "slots": np.asarray(c_slots, dtype=np.int64)[answered],
        "queue": queue[answered],
        "start": start[answered],
        "finish": start[answered] + np.asarray(c_handle)[answered],
        "retrials": np.asarray(retrials, dtype=float),
    }
