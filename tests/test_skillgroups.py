"""Requirements per skill group on a desk of small language queues, checked by an independent simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import Config, load_config
from core.errors import InputError
from core.schema import validate_agents, validate_frame_a
from shiftcast.cli import main
from staffing.explain import explain_pooled
from staffing.requirements import requirements
from staffing.skillgroups import dedicated_agents, desk_groups, requirements_by_group, simulate_plan

INTERVAL_SECONDS = 1800
PEAK_ERLANGS = {"en": 8.0, "de": 2.7, "fr": 1.1, "it": 0.5}
AGENTS = {"en": 14, "de": 6, "fr": 4, "it": 3, "de;en": 2, "en;fr": 2, "en;it": 2, "de;fr;it": 1}


def small_language_desk() -> tuple[pd.DataFrame, Config, pd.DataFrame]:
    """A day from 08:00 to 18:00 of four voice queues peaking at 8, 2.7, 1.1 and 0.5 Erlangs
    (5-minute calls, 80% answered in 20 s), and an agents file with a few bilingual agents."""
    hours = np.arange(20) / 2
    profile = 0.45 + 0.55 * np.exp(-((hours - 3.0) ** 2) / 8)  # a late-morning peak
    stamps = pd.date_range("2026-03-02 08:00", periods=20, freq="30min", tz="Europe/Malta")
    forecast = pd.concat([pd.DataFrame({"queue": queue, "interval_start": stamps,
                                        "volume": erlangs * profile * INTERVAL_SECONDS / 300, "aht_seconds": 300.0})
                          for queue, erlangs in PEAK_ERLANGS.items()], ignore_index=True)
    config = Config.model_validate({"queue_defaults": {"max_occupancy": None, "shrinkage": 0.3}})
    rows = [(f"{skills}-{i}", skills) for skills, count in AGENTS.items() for i in range(count)]
    agents = pd.DataFrame(rows, columns=["agent", "skills"]).assign(contract_hours_per_week=40, min_shifts=0,
                                                                    max_shifts=5)
    return validate_frame_a(forecast, "Europe/Malta"), config, validate_agents(agents)


def test_skill_groups_need_fewer_agents_and_an_independent_simulation_meets_every_target():
    forecast, config, agents = small_language_desk()
    desk = desk_groups(agents, config, list(PEAK_ERLANGS))
    assert desk.groups["de+fr+it"] == (("de", "fr", "it"), 1) and desk.groups["en"] == (("en",), 14)
    by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS)
    assert set(by_group.columns) >= {"interval_start", "skill_group", "agents_required", "agents_scheduled"}
    assert (by_group.groupby("skill_group")["agents_required"].max()
            <= pd.Series({g: n for g, (_, n) in desk.groups.items()})).all()  # nobody beyond the agents file
    dedicated = dedicated_agents(requirements(forecast, config, interval_seconds=INTERVAL_SECONDS), desk)
    multi = by_group["agents_required"].sum()
    bound = by_group.drop_duplicates("interval_start")["pooled_bound"].sum()
    assert bound <= multi <= 0.9 * dedicated, (bound, multi, dedicated)  # clearly fewer than islands

    simulated = simulate_plan(forecast, config, desk, by_group, interval_seconds=INTERVAL_SECONDS,
                              replications=100, seed=99)
    for queue, rows in simulated.merge(forecast, on=["queue", "interval_start"]).groupby("queue"):
        day = (rows["service_level_simulated"] * rows["volume"]).sum() / rows["volume"].sum()
        assert day >= 0.8 - 0.02, (queue, day)  # over the day within 2 points
        clearly_short = rows["service_level_simulated"] + 2 * rows["service_level_simulated_se"] < 0.8
        assert clearly_short.mean() <= 0.1, (queue, rows.loc[clearly_short, "interval_start"].tolist())


def test_languages_decide_what_an_agent_serves_and_bad_skills_are_named():
    forecast, config, agents = small_language_desk()
    speaking = agents.assign(languages=[["en"] if "en" in s else ["de", "fr", "it"] for s in agents["skills"]])
    config = config.model_copy(update={"roster": config.roster.model_copy(
        update={"queue_languages": {"en": "en", "de": "de", "fr": "fr", "it": "it"}})})
    desk = desk_groups(speaking, config, list(PEAK_ERLANGS))
    assert "de+en" not in desk.groups and desk.groups["en"][1] == 14 + 2 + 2 + 2  # they speak English only
    bad = agents.copy()
    bad.at[0, "skills"] = ["en", "pt"]
    with pytest.raises(InputError, match=r"agent en-0 has skill\(s\) pt that name no queue of the forecast"):
        desk_groups(bad, config, list(PEAK_ERLANGS))
    with pytest.raises(InputError, match=r"no agent can serve queue\(s\) nl"):
        desk_groups(agents, config, [*PEAK_ERLANGS, "nl"])


AGENT_COLUMNS = ["agent", "contract_hours_per_week", "min_shifts", "max_shifts", "skills"]


def write_desk_files(folder) -> pd.DataFrame:
    """The small language desk as the CLI reads it: FOLDER/forecast.csv and FOLDER/agents.csv; its agents."""
    forecast, _, agents = small_language_desk()
    forecast.assign(interval_start=forecast["interval_start"].map(pd.Timestamp.isoformat)).to_csv(
        folder / "forecast.csv", index=False)
    agents.assign(skills=agents["skills"].str.join(";"))[AGENT_COLUMNS].to_csv(folder / "agents.csv", index=False)
    return agents


def test_staff_with_agents_writes_requirements_by_group(tmp_path, capsys):
    agents = write_desk_files(tmp_path)
    (tmp_path / "desk.toml").write_text('[site]\ntimezone = "Europe/Malta"\n[queue_defaults]\nmax_occupancy = 0.95\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["staff", "--forecast", str(tmp_path / "forecast.csv"), "--config", str(tmp_path / "desk.toml"),
              "--agents", str(tmp_path / "agents.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 0, err
    by_group = pd.read_csv(tmp_path / "out" / "requirements_by_group.csv")
    assert list(by_group.columns[:4]) == ["interval_start", "skill_group", "agents_required", "agents_scheduled"]
    assert "de+fr+it" in set(by_group["skill_group"])
    table = pd.read_csv(tmp_path / "out" / "requirements.csv")
    assert table["service_level_simulated"].notna().all() and "fewer; pooled bound" in err

    agents.assign(skills="en;xx")[AGENT_COLUMNS].to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["staff", "--forecast", str(tmp_path / "forecast.csv"), "--config", str(tmp_path / "desk.toml"),
              "--agents", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "bad_out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1 and "xx" in err
    assert not (tmp_path / "bad_out").exists()


def test_routing_and_priorities_come_from_the_config_and_bad_ones_are_named(tmp_path):
    forecast, config, agents = small_language_desk()
    desk = desk_groups(agents, config, list(PEAK_ERLANGS))
    # too few agents on every group: who a freed bilingual agent serves first decides who waits
    short = pd.DataFrame([(stamp, group, max(1, count // 3)) for stamp in forecast["interval_start"].unique()
                          for group, (_, count) in desk.groups.items()],
                         columns=["interval_start", "skill_group", "agents_required"])

    def german_service_level(skills: dict) -> float:
        settings = config.model_copy(update={"skills": config.skills.model_copy(update=skills)})
        simulated = simulate_plan(forecast, settings, desk, short, interval_seconds=INTERVAL_SECONDS,
                                  replications=20, seed=5)
        return simulated.loc[simulated["queue"] == "de", "service_level_simulated"].mean()

    assert german_service_level({"priorities": {"de": -1}}) > german_service_level({"priorities": {"en": -1}}) + 0.05
    wrong = config.model_copy(update={"skills": config.skills.model_copy(update={"priorities": {"es": 1}})})
    with pytest.raises(InputError, match=r"\[skills\] priorities names queue\(s\) es"):
        desk_groups(agents, wrong, list(PEAK_ERLANGS))
    (tmp_path / "desk.toml").write_text('[skills]\nrouting = "cheapest"\n')
    with pytest.raises(InputError, match=r"skills.routing.*cheapest"):
        load_config(tmp_path / "desk.toml")


def test_explain_pooled_interval_shows_islands_bounds_and_the_groups_agents():
    forecast, config, agents = small_language_desk()
    desk = desk_groups(agents, config, list(PEAK_ERLANGS))
    by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS, check=False)
    peak = forecast.loc[forecast["volume"].idxmax(), "interval_start"]
    simulated = simulate_plan(forecast, config, desk, by_group, interval_seconds=INTERVAL_SECONDS, replications=10)
    explained = explain_pooled(forecast, config, desk, by_group, peak, interval_seconds=INTERVAL_SECONDS,
                               simulated=simulated)
    own = requirements(forecast[forecast["interval_start"] == peak], config, interval_seconds=INTERVAL_SECONDS)
    islands = explained.queues.set_index("queue")["dedicated_agents"]
    assert islands.to_dict() == own.set_index("queue")["agents_required"].to_dict()  # the same Erlang figures
    assert (explained.bounds["agents_given"] >= explained.bounds["pooled_agents"]).all()  # every bound met
    assert len(explained.bounds) == 2 ** len(PEAK_ERLANGS) - 1
    whole = explained.bounds.set_index("queues").loc["de+en+fr+it", "pooled_agents"]
    assert whole < islands.sum() and f"at least {whole}" in explained.steps[1]
    assert f"= {islands.sum()} agents" in explained.steps[0] and explained.steps[-1].startswith("Simulated")
    assert explained.groups["agents_required"].sum() == by_group.loc[by_group["interval_start"] == peak,
                                                                     "agents_required"].sum()
    with pytest.raises(InputError, match="has no forecast"):
        explain_pooled(forecast, config, desk, by_group, peak + pd.Timedelta(days=9), interval_seconds=INTERVAL_SECONDS)
