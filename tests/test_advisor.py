"""The cross-training advisor on the desk of small language queues, checked by the simulation."""

from __future__ import annotations

import pandas as pd
import pytest

from shiftcast.cli import main
from staffing.advisor import advise
from staffing.skillgroups import desk_groups, requirements_by_group, simulate_plan
from test_skillgroups import INTERVAL_SECONDS, PEAK_ERLANGS, small_language_desk, write_desk_files


def test_training_path_saves_hours_step_by_step_and_the_trained_desk_still_meets_its_targets():
    forecast, config, agents = small_language_desk()
    advice = advise(forecast, config, agents, interval_seconds=INTERVAL_SECONDS, max_share=0.2)
    paid = advice.scenarios.set_index("scenario")["paid_hours"]
    assert list(paid.index[:2]) == ["dedicated", "today's skills"] and paid.index[-1] == "every skill"
    assert paid["dedicated"] > paid["today's skills"] > paid.iloc[-2] >= paid["every skill"]
    assert paid.is_monotonic_decreasing  # each step of the path saves hours
    assert advice.scenarios["agents_trained"].iloc[-2] <= 0.2 * len(agents)
    assert (advice.steps["hours_saved"] > 0).all()
    assert advice.steps["paid_hours"].iloc[-1] == pytest.approx(paid.iloc[-2])

    # the advice holds up: give the trainees their skill, staff the desk with the simulation
    # check, and every queue still meets its target over the day at fewer agents than today
    trained = agents.copy()
    for step in advice.steps.itertuples():
        names = set(step.agents.split("; "))
        assert len(names) == step.agents_trained
        before = trained[trained["agent"].isin(names)]
        assert (before["skills"].map(lambda s: "+".join(sorted(s))) == step.group).all()
        trained["skills"] = [[*s, step.learns] if a in names else s for a, s in zip(trained["agent"], trained["skills"])]
    queues = list(PEAK_ERLANGS)
    today = requirements_by_group(forecast, config, desk_groups(agents, config, queues),
                                  interval_seconds=INTERVAL_SECONDS)
    desk = desk_groups(trained, config, queues)
    after = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS)
    assert after["agents_required"].sum() < today["agents_required"].sum()
    simulated = simulate_plan(forecast, config, desk, after, interval_seconds=INTERVAL_SECONDS, replications=60,
                              seed=7).merge(forecast, on=["queue", "interval_start"])
    for queue, rows in simulated.groupby("queue"):
        day = (rows["service_level_simulated"] * rows["volume"]).sum() / rows["volume"].sum()
        assert day >= 0.78, (queue, day)


def test_languages_limit_what_training_can_teach():
    forecast, config, agents = small_language_desk()
    config = config.model_copy(update={"roster": config.roster.model_copy(
        update={"queue_languages": {"en": "en", "de": "de", "fr": "fr", "it": "it"}})})
    # the English specialists speak only English: nobody can teach them German
    speaking = agents.assign(languages=[["en"] if s == ["en"] else ["en", "de", "fr", "it"] for s in agents["skills"]])
    advice = advise(forecast, config, speaking, interval_seconds=INTERVAL_SECONDS, max_share=0.3)
    assert not (advice.steps["group"] == "en").any()
    everyone = advice.scenarios.iloc[-1]
    assert everyone["agents_trained"] == len(agents) - 14  # all but the English-only specialists


def test_advise_command_writes_the_scenarios_and_steps_and_rejects_bad_input(tmp_path, capsys):
    agents = write_desk_files(tmp_path)
    (tmp_path / "desk.toml").write_text('[site]\ntimezone = "Europe/Malta"\n[queue_defaults]\nshrinkage = 0.3\n'
                                        'max_occupancy = 0.95\n')
    base = ["advise", "--forecast", str(tmp_path / "forecast.csv"), "--config", str(tmp_path / "desk.toml")]
    with pytest.raises(SystemExit) as exit_info:
        main([*base, "--agents", str(tmp_path / "agents.csv"), "--out", str(tmp_path / "out"), "--max-share", "0.1"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 0, err
    scenarios = pd.read_csv(tmp_path / "out" / "cross_training.csv")
    steps = pd.read_csv(tmp_path / "out" / "training_steps.csv")
    assert scenarios["scenario"].iloc[0] == "dedicated" and len(steps) >= 1
    assert scenarios["agents_trained"].iloc[-2] <= 0.1 * len(agents) and "step 1:" in err

    for option, fix in ((["--max-share", "1.5"], "--max-share"), (["--agents", str(tmp_path / "none.csv")], "none.csv")):
        arguments = [*base, "--agents", str(tmp_path / "agents.csv"), "--out", str(tmp_path / "bad"), *option]
        with pytest.raises(SystemExit) as exit_info:
            main(arguments)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1 and fix in err, err
        assert not (tmp_path / "bad").exists()
