"""Cross-training advisor: what a second skill for some agents would save, and which to train first.

For a desk's forecast and agents file it compares the paid hours on the live queues
(agents scheduled after shrinkage, summed over the forecast's intervals) of:

- **dedicated** staffing, every queue on its own (Erlang per queue, as without an agents file);
- **today's skills**, the skill groups of the agents file (:mod:`staffing.skillgroups`);
- **today's skills + training**, a greedy path: at each step a batch of agents of one
  group learn one more queue, the batch that saves the most hours per agent trained,
  until ``max_share`` of the agents are trained or no training saves anything;
- **every skill**: every agent on every live queue of its concurrency in a language it speaks.

An agent can learn a queue of its primary skill's concurrency (chat with chat) in a language
it speaks (any, when the agents file gives no languages): training teaches a product or a
channel, not a language. Trainees are the group's agents with the most contract hours first.

The multi-skill figures are the allocation of :func:`staffing.skillgroups.requirements_by_group`
without its simulation check (pooled Erlang bounds and a linear program): fast enough to try
every candidate, and a few percent below what the simulation check then adds (the README
quotes the gap on the bench desk). Dedicated figures are exact Erlang.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.config import Config
from staffing.requirements import requirements
from staffing.skillgroups import desk_groups, group_name, requirements_by_group, served_queues

__all__ = ["Advice", "advise"]

MIN_SAVING_HOURS = 1e-6  # a training that saves less than this is no saving


@dataclass(frozen=True)
class Advice:
    """``scenarios``: one row per scenario (``scenario``, ``agents_trained``,
    ``agent_intervals`` on contacts, ``paid_hours`` over the forecast, ``saving_vs_dedicated``
    as a share). ``steps``: the training path in order (``step``, ``group`` whose agents learn,
    ``learns`` (a queue), ``agents_trained``, ``agents`` (names, ``; ``-joined),
    ``paid_hours`` after the step, ``hours_saved``, ``hours_saved_per_agent``)."""

    scenarios: pd.DataFrame
    steps: pd.DataFrame


def advise(forecast: pd.DataFrame, config: Config, agents: pd.DataFrame, *, interval_seconds: float,
           max_share: float = 0.2, batch_share: float = 0.05) -> Advice:
    """Advice for Frame A ``forecast`` and a validated agents file (see the module docstring).

    ``max_share``: the share of the agents (those on live queues) the path may train;
    ``batch_share``: the share trained per step (at least one agent).
    """
    queues = list(forecast["queue"].unique())
    live = [q for q in queues if not config.queue(q)[0].deferred]
    hours_per_interval = interval_seconds / 3600

    def multi_skill(frame: pd.DataFrame) -> tuple[int, float]:
        by_group = requirements_by_group(forecast, config, desk_groups(frame, config, queues),
                                         interval_seconds=interval_seconds, check=False)
        return int(by_group["agents_required"].sum()), float(by_group["agents_scheduled"].sum() * hours_per_interval)

    dedicated = requirements(forecast[forecast["queue"].isin(live)], config, interval_seconds=interval_seconds)
    rows = [("dedicated", 0, int(dedicated["agents_required"].sum()),
             float(dedicated["agents_scheduled"].sum() * hours_per_interval))]
    current = agents.copy()
    intervals, paid = multi_skill(current)
    rows.append(("today's skills", 0, intervals, paid))

    on_live = int(sum(bool(served_queues(a.skills, a.languages, config, live)) for a in agents.itertuples()))
    budget = int(np.floor(max_share * on_live + 1e-9))
    batch = max(1, int(round(batch_share * on_live)))
    steps, trained = [], 0
    while trained < budget:
        best = None
        for (group, queue), trainees in _candidates(current, config, live).items():
            chosen = trainees[:min(batch, budget - trained)]
            trial = _taught(current, chosen, queue)
            after_intervals, after_paid = multi_skill(trial)
            saved = paid - after_paid
            if saved > MIN_SAVING_HOURS and (best is None or saved / len(chosen) > best[0]):
                best = (saved / len(chosen), group, queue, chosen, trial, after_intervals, after_paid)
        if best is None:
            break
        per_agent, group, queue, chosen, current, intervals, after_paid = best
        trained += len(chosen)
        steps.append((len(steps) + 1, group, queue, len(chosen), "; ".join(chosen), after_paid, paid - after_paid,
                      per_agent))
        paid = after_paid
        rows.append((f"+{trained} trained ({trained / max(on_live, 1):.0%})", trained, intervals, paid))

    everyone = agents.assign(skills=[[*a.skills, *(q for q in live if q not in a.skills and _can_learn(a, q, config, live))]
                                     for a in agents.itertuples()])
    rows.append(("every skill", int(sum(len(new) > len(old) for new, old in zip(everyone["skills"], agents["skills"]))),
                 *multi_skill(everyone)))

    scenarios = pd.DataFrame(rows, columns=["scenario", "agents_trained", "agent_intervals", "paid_hours"])
    scenarios["saving_vs_dedicated"] = 1 - scenarios["paid_hours"] / scenarios["paid_hours"].iloc[0]
    columns = ["step", "group", "learns", "agents_trained", "agents", "paid_hours", "hours_saved",
               "hours_saved_per_agent"]
    return Advice(scenarios, pd.DataFrame(steps, columns=columns))


def _can_learn(agent, queue: str, config: Config, live: Sequence[str]) -> bool:
    """Whether learning QUEUE adds it to the live queues AGENT is pooled on."""
    before = served_queues(agent.skills, agent.languages, config, live)
    return bool(before) and queue not in before and \
        queue in served_queues([*agent.skills, queue], agent.languages, config, live)


def _candidates(agents: pd.DataFrame, config: Config, live: Sequence[str]) -> dict[tuple[str, str], list[str]]:
    """(group, queue) -> the names of the group's agents who could learn the queue, most
    contract hours first."""
    ordered = agents.sort_values(["contract_hours_per_week", "agent"], ascending=[False, True])
    found: dict[tuple[str, str], list[str]] = {}
    for agent in ordered.itertuples():
        group = group_name(served_queues(agent.skills, agent.languages, config, live))
        for queue in live:
            if _can_learn(agent, queue, config, live):
                found.setdefault((group, queue), []).append(agent.agent)
    return found


def _taught(agents: pd.DataFrame, names: Sequence[str], queue: str) -> pd.DataFrame:
    """AGENTS with the agents NAMES given one more skill, QUEUE (after their own)."""
    learners = set(names)
    return agents.assign(skills=[[*skills, queue] if name in learners else skills
                                 for name, skills in zip(agents["agent"], agents["skills"])])
