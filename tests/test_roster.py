"""The weekly roster: every hard rule holds on every output (independent checker), soft
rules show up as reported shortfalls, and impossible inputs are clear errors."""

import numpy as np
import pandas as pd
import pytest
from roster_helpers import agents_table, check_roster, config, daily, frame_b

from core.errors import InputError
from staffing.roster import assign_roster
from staffing.shiftplan import plan_shifts


@pytest.fixture(scope="module")
def day_and_night():
    """Queue day: 1 agent 09-17; queue night: 1 agent 22-06, every day (7 + 7 shifts of 8 h)."""
    cfg = config(lengths_hours=[8], roster=dict(queue_languages={"night": "zh"}))
    plan = plan_shifts(frame_b({"day": daily({(9, 17): 1}), "night": daily({(0, 6): 1, (22, 24): 1})}), cfg)
    return plan, cfg


def test_enough_agents_fill_every_shift_within_the_rules(day_and_night):
    plan, cfg = day_and_night
    agents = agents_table([
        {"agent": "Ann", "skills": "day"}, {"agent": "Bo", "skills": "day;night", "languages": "zh"},
        {"agent": "Cy", "skills": "night", "languages": "zh"}, {"agent": "Di", "skills": "day;night", "languages": "zh"},
    ])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    assert roster.unassigned.empty and len(roster.roster) == 14
    assert roster.status == "optimal"
    assert roster.agents["consecutive_days_off"].all()


def test_rest_between_a_night_and_a_morning_shift_is_respected():
    # nights 22-06 and mornings 07-15 on alternate queues: a night then the next morning
    # leaves 1 h of rest, so one agent can only chain like shifts (plus a switch after a day off)
    cfg = config(lengths_hours=[8])
    plan = plan_shifts(frame_b({"morning": daily({(7, 15): 1}), "night": daily({(0, 6): 1, (22, 24): 1})}), cfg)
    agents = agents_table([{"agent": "Solo", "skills": "morning;night", "min_shifts": 5}])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    assert len(roster.roster) == 5 and len(roster.unassigned) == 9
    assert roster.unassigned["agents_unassigned"].sum() == 9


def test_too_few_agents_leave_shifts_unassigned_and_short_contracts_reported(day_and_night):
    plan, cfg = day_and_night
    agents = agents_table([{"agent": "Ann", "skills": "day", "contract_hours_per_week": 40, "min_shifts": 4}])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    assert roster.summary()["shifts_unassigned"] == 9
    assert set(roster.unassigned["queue"]) == {"day", "night"}
    assert roster.agents.loc[0, "hours_short"] == 0  # 5 day shifts = 40 h


def test_unavailable_days_and_dates_are_respected(day_and_night):
    plan, cfg = day_and_night
    agents = agents_table([
        {"agent": "Ann", "skills": "day", "unavailable_days": "sat;sun"},
        {"agent": "Bo", "skills": "day", "unavailable_days": "2026-11-18;mon", "contract_hours_per_week": 16,
         "max_shifts": 2},
    ])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    worked = roster.roster.groupby("agent")["date"].apply(lambda d: {pd.Timestamp(x).day_name()[:3] for x in d})
    assert not worked["Ann"] & {"Sat", "Sun"}
    assert not worked["Bo"] & {"Mon", "Wed"}


def test_weekend_and_night_shifts_are_shared_fairly():
    cfg = config(lengths_hours=[8])
    plan = plan_shifts(frame_b({"a": daily({(9, 17): 2})}), cfg)  # 14 shifts, 4 on the weekend
    agents = agents_table([{"agent": f"A{k}", "skills": "a", "contract_hours_per_week": 32, "max_shifts": 4}
                           for k in range(4)])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    weekend = roster.agents["weekend_shifts"]
    assert weekend.sum() == 4 and weekend.max() - weekend.min() <= 1


@pytest.mark.parametrize("seed", range(3))
def test_random_desks_always_satisfy_the_hard_rules(seed):
    rng = np.random.default_rng(seed)
    curves = {q: np.repeat(rng.integers(0, 3, 42), 4) for q in ("chat", "mail")}
    cfg = config(lengths_hours=[4, 8], roster=dict(min_rest_hours=12, min_days_off=2))
    plan = plan_shifts(frame_b(curves), cfg)
    rows = []
    for k in range(12):
        skills = ["chat", "mail", "chat;mail"][rng.integers(3)]
        hours = int(rng.choice([20, 32, 40]))
        rows.append({"agent": f"agent {k}", "skills": skills, "contract_hours_per_week": hours,
                     "min_shifts": 2, "max_shifts": 5,
                     "unavailable_days": ["", "sun", "2026-11-19"][rng.integers(3)]})
    agents = agents_table(rows)
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)


# ------------------------------------------------------------- skills and errors


def test_skills_for_queues_outside_the_plan_are_ignored_and_named(day_and_night):
    # an agents file for the whole desk, a run for two of its queues
    plan, cfg = day_and_night
    agents = agents_table([
        {"agent": "Ann", "skills": "day;voice_de"}, {"agent": "Bo", "skills": "voice_de;chat_fr"},
        {"agent": "Cy", "skills": "night;voice_de", "languages": "zh"},
        {"agent": "Di", "skills": "voice_de", "contract_hours_per_week": 60},  # not rostered, so not checked
    ])
    roster = assign_roster(plan, agents, cfg)
    check_roster(roster, plan, agents, cfg)
    assert roster.agents["agent"].tolist() == ["Ann", "Cy"]
    assert roster.roster.groupby("agent")["queue"].unique().map(list).to_dict() == {"Ann": ["day"], "Cy": ["night"]}
    assert roster.summary()["supply_note"] == (  # Bo and Di count for nothing
        "short 32 h: the plan needs 112 paid hours of day + night, but the agents who can work them can give at "
        "most 80 h; hire or train agents for day, night; skills for queues not in the plan ignored: chat_fr "
        "(1 agent), voice_de (4 agents); not rostered, without a skill in the plan: 'Bo', 'Di'")
    assert roster.summary()["shifts_unassigned"] == 4 and roster.status == "optimal"


def test_a_team_without_a_skill_in_the_plan_leaves_every_shift_unassigned(day_and_night):
    plan, cfg = day_and_night
    roster = assign_roster(plan, agents_table([{"agent": "Ann", "skills": "voice_de"}]), cfg)
    assert roster.roster.empty and roster.agents.empty
    assert roster.summary()["shifts_unassigned"] == 14
    assert roster.summary()["supply_note"].endswith(
        "; skills for queues not in the plan ignored: voice_de (1 agent); "
        "not rostered, without a skill in the plan: 'Ann'")


def test_a_skill_in_a_language_the_agent_lacks_is_an_error(day_and_night):
    plan, cfg = day_and_night
    with pytest.raises(InputError, match="agent 'Ann' has skill night but does not speak zh"):
        assign_roster(plan, agents_table([{"agent": "Ann", "skills": "night", "languages": "en"}]), cfg)


@pytest.mark.parametrize("row, message", [
    ({"contract_hours_per_week": 60}, r"contract_hours_per_week must be workable in at most 5 shifts of at most 8 h"),
    ({"max_shifts": 7}, r"max_shifts must leave roster.min_days_off = 2 days off, so at most 5; got 7"),
    ({"min_shifts": 4, "contract_hours_per_week": 10}, r"min_shifts 4 of at least 8 h exceed contract_hours_per_week 10"),
    ({"min_shifts": 4, "unavailable_days": "mon;tue;wed;thu"}, r"min_shifts 4 exceeds the 3 available days"),
])
def test_impossible_contracts_are_errors(day_and_night, row, message):
    plan, cfg = day_and_night
    with pytest.raises(InputError, match=message):
        assign_roster(plan, agents_table([{"agent": "Ann", "skills": "day", **row}]), cfg)


def test_the_checker_catches_a_broken_roster():
    cfg = config(lengths_hours=[8])
    plan = plan_shifts(frame_b({"morning": daily({(7, 15): 1}), "night": daily({(0, 6): 1, (22, 24): 1})}), cfg)
    agents = agents_table([{"agent": "Solo", "skills": "morning;night", "min_shifts": 5}])
    roster = assign_roster(plan, agents, cfg)
    extra = roster.unassigned.iloc[[0]].assign(agent="Solo", date=lambda f: f["start"].dt.date, breaks="",
                                               night=False, weekend=False)
    broken = type(roster)(pd.concat([roster.roster, extra[roster.roster.columns]], ignore_index=True),
                          roster.unassigned.iloc[1:], roster.agents, roster.status, roster.gap, roster.solve_seconds)
    with pytest.raises(AssertionError):
        check_roster(broken, plan, agents, cfg)
