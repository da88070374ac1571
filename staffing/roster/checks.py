"""The agents table against the plan: skills outside it, unavailable days, impossible contracts."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from core.config import Config
from core.errors import InputError
from core.schema import WEEKDAYS
from staffing.shiftplan import ShiftPlan
from staffing.shifts import DAYS_PER_WEEK

_NAMED = 5  # agents named in a note, at most


def unavailable(days: list[str], week_start: pd.Timestamp) -> set[int]:
    """Day numbers (0..6 from ``week_start``) named by weekday tokens or dates in the week."""
    dates = [(week_start + pd.Timedelta(days=d)).date() for d in range(DAYS_PER_WEEK)]
    off = set()
    for token in days:
        if token in WEEKDAYS:
            off |= {d for d, date in enumerate(dates) if date.weekday() == WEEKDAYS.index(token)}
        else:
            date = pd.Timestamp(token).date()
            off |= {d for d, day in enumerate(dates) if day == date}
    return off


def within_plan(agents: pd.DataFrame, plan: ShiftPlan) -> tuple[pd.DataFrame, str]:
    """The agents with only their skills for the plan's queues, less those left with none,
    and a note naming what was left out ("" when nothing was)."""
    queues = set(plan.shifts["queue"]) | set(plan.coverage["queue"])
    skills = agents["skills"].map(lambda names: [name for name in names if name in queues])
    outside = Counter(name for names in agents["skills"] for name in dict.fromkeys(names) if name not in queues)
    unused = (skills.map(len) == 0).to_numpy()
    kept = agents.assign(skills=skills)[~unused].reset_index(drop=True)
    return kept, _left_out_note(outside, list(agents["agent"][unused]))


def _left_out_note(outside: Counter, unused: list[str]) -> str:
    """A note like "skills for queues not in the plan ignored: voice_de (3 agents)" that
    also names the agents left without a skill; "" when no skill was ignored."""
    if not outside:
        return ""
    skills = ", ".join(f"{queue} ({count} agent{'s' * (count > 1)})" for queue, count in sorted(outside.items()))
    note = f"skills for queues not in the plan ignored: {skills}"
    if unused:
        more = f" and {len(unused) - _NAMED} more" if len(unused) > _NAMED else ""
        note += f"; not rostered, without a skill in the plan: {', '.join(map(repr, unused[:_NAMED]))}{more}"
    return note


def check_agents(agents: pd.DataFrame, plan: ShiftPlan, config: Config) -> None:
    """Input errors for languages that contradict skills and contracts no roster could
    honour; all problems in one message."""
    rules, shifts = config.roster, config.shifts
    known = sorted(set(plan.shifts["queue"]) | set(plan.coverage["queue"]) | set(config.queues))
    problems = []
    unknown_languages = sorted(set(rules.queue_languages) - set(known))
    if unknown_languages:
        problems.append(f"roster.queue_languages must name known queues ({', '.join(known)}); got {', '.join(unknown_languages)}")
    longest, shortest = max(shifts.lengths_hours), min(shifts.lengths_hours)
    most_shifts = DAYS_PER_WEEK - rules.min_days_off
    tolerance = rules.contract_tolerance_hours
    for row in agents.itertuples(index=False):
        name = row.agent
        for skill in row.skills:
            language = rules.queue_languages.get(skill)
            if language and language not in row.languages:
                problems.append(f"agent {name!r} has skill {skill} but does not speak {language} "
                                f"(roster.queue_languages); add {language} to languages or drop the skill")
        if row.max_shifts > most_shifts:
            problems.append(f"max_shifts must leave roster.min_days_off = {rules.min_days_off} days off, so at most "
                            f"{most_shifts}; got {row.max_shifts} for agent {name!r}")
        reachable = min(row.max_shifts, most_shifts) * longest
        if row.contract_hours_per_week - tolerance > reachable:
            problems.append(f"contract_hours_per_week must be workable in at most {min(row.max_shifts, most_shifts)} "
                            f"shifts of at most {longest:g} h (+{tolerance:g} h tolerance); got "
                            f"{row.contract_hours_per_week:g} for agent {name!r}; lower the contract or allow more shifts")
        if row.min_shifts * shortest > row.contract_hours_per_week + tolerance:
            problems.append(f"min_shifts {row.min_shifts} of at least {shortest:g} h exceed contract_hours_per_week "
                            f"{row.contract_hours_per_week:g} (+{tolerance:g} h) for agent {name!r}; lower min_shifts")
        available = DAYS_PER_WEEK - len(unavailable(row.unavailable_days, plan.week_start))
        if row.min_shifts > available:
            problems.append(f"min_shifts {row.min_shifts} exceeds the {available} available days of agent {name!r}; "
                            f"lower min_shifts or unavailable_days")
    if problems:
        shown = problems[:3] + ([f"and {len(problems) - 3} more problems"] if len(problems) > 3 else [])
        raise InputError("agents: " + "; ".join(shown))
