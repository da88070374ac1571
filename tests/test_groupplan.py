"""``shiftcast plan --agents`` on a desk with bilingual agents plans shifts over skill groups:
cheaper than every queue on its own, every live queue at its target in an independent
simulation, and a roster that gives each group's shifts to agents with all its skills."""

from __future__ import annotations

import pandas as pd
import pytest

from core.config import config_from_dict
from core.schema import validate_agents
from shiftcast.pipeline import load_plan, plan_files, run_plan, run_record
from tests.forecast_helpers import make_history

SETTINGS = {
    "site": {"name": "Bilingual desk", "timezone": "Europe/Malta", "interval_minutes": 60},
    "queue_defaults": {"max_occupancy": None, "shrinkage": 0.25},
    "queues": {"chat_en": {"channel": "chat", "concurrency": 2, "answer_seconds": 60},
               "chat_zh": {"channel": "chat", "concurrency": 2, "answer_seconds": 60},
               "mail": {"channel": "email", "response_hours": 4}},
    "forecast": {"horizon_days": 7, "folds": 2, "models": ["slot_median_8w"]},
    "shifts": {"start_step_minutes": 60, "lengths_hours": [8], "break_minutes": {}, "time_limit_seconds": 30},
    "roster": {"time_limit_seconds": 20, "queue_languages": {"chat_en": "en", "chat_zh": "zh", "mail": "en"}},
}
SKILLS = {"chat_en;mail": ("en", 14), "chat_zh": ("zh", 6), "chat_en;chat_zh": ("en;zh", 6), "mail": ("en", 3)}


def desk() -> tuple[pd.DataFrame, pd.DataFrame]:
    peaks = {"chat_en": 24.0, "chat_zh": 5.0, "mail": 6.0}  # contacts per hour at the daily peak
    history = pd.concat([make_history(days=28, minutes=60, queues=(queue,), peak=peak, seed=i)
                         for i, (queue, peak) in enumerate(peaks.items())], ignore_index=True)
    history = history.assign(aht_seconds=history["queue"].map({"chat_en": 900.0, "chat_zh": 900.0, "mail": 600.0}))
    rows = [(f"{skills}-{i}", 40, 4, 5, skills, languages) for skills, (languages, count) in SKILLS.items()
            for i in range(count)]
    agents = pd.DataFrame(rows, columns=["agent", "contract_hours_per_week", "min_shifts", "max_shifts", "skills",
                                         "languages"])
    return history, validate_agents(agents)


@pytest.fixture(scope="module")
def runs():
    history, agents = desk()
    config = config_from_dict(SETTINGS)
    grouped = run_plan(history, config, horizon=pd.Timedelta(days=7), agents=agents)
    alone = run_plan(history, config_from_dict({**SETTINGS, "skills": {"plan_by_group": False}}),
                     horizon=pd.Timedelta(days=7), agents=agents)
    return grouped, alone, agents


def test_the_plan_over_skill_groups_is_cheaper_and_meets_every_target(runs):
    grouped, alone, _ = runs
    assert grouped.failures == {} and grouped.skill_plan is not None
    assert "chat_en+chat_zh" in set(grouped.shift_plan.shifts["queue"])
    assert alone.skill_plan is None and set(alone.shift_plan.shifts["queue"]) <= {"chat_en", "chat_zh", "mail"}
    assert grouped.dedicated_plan.cost == pytest.approx(alone.shift_plan.cost)
    assert grouped.shift_plan.cost < alone.shift_plan.cost, (grouped.shift_plan.cost, alone.shift_plan.cost)
    for queue in ("chat_en", "chat_zh"):
        assert grouped.shift_plan.service_level[queue] >= 0.8, grouped.shift_plan.service_level


def test_each_groups_shifts_go_to_agents_with_all_its_skills(runs):
    grouped, _, agents = runs
    skills = dict(zip(agents["agent"], agents["skills"]))
    roster = grouped.roster.roster
    assert len(roster) > 0
    assert grouped.roster.summary()["shifts_unassigned"] <= runs[1].roster.summary()["shifts_unassigned"]
    for agent, queue in zip(roster["agent"], roster["queue"]):
        assert set(str(queue).split("+")) <= set(skills[agent]), (agent, queue)


def test_the_run_folder_holds_the_groups_and_opens_again(runs, tmp_path):
    grouped, _, _ = runs
    record = run_record(grouped, inputs={}, horizon="7D", workers=1, dask_scheduler=None, roster=True)
    facts = record["skill_groups"]
    assert facts["groups"]["chat_en+chat_zh"] == {"queues": ["chat_en", "chat_zh"], "agents": 6}
    assert facts["cost"] < facts["dedicated_cost"] and 0 < facts["saving"] < 1
    mail = facts["blending"]["mail"]  # the chat_en;mail agents answer e-mail in their idle time
    assert mail["dedicated_agent_hours"] <= mail["dedicated_agent_hours_unblended"]
    assert 0.8 <= facts["simulated_service_level"]["mail"] <= 1  # its target: 80% within 4 hours
    files = plan_files(grouped, record, "<html></html>")
    assert {"requirements_by_group.csv", "service_by_queue.csv", "deferred_blended.csv"} <= set(files)
    from core.output import write_folder

    write_folder(tmp_path / "plan", files, command="plan")
    loaded = load_plan(tmp_path / "plan")
    assert "chat_en+chat_zh" in set(loaded.shifts["queue"]) and loaded.record["skill_groups"] == facts
    pd.testing.assert_frame_equal(loaded.agents, runs[2])  # agents.csv: the folder stands alone


def dashboard_on_chat_zh(runs, tmp_path, monkeypatch):
    """The dashboard (AppTest) on the grouped run's folder, queue chat_zh; and run.json."""
    from streamlit.testing.v1 import AppTest

    from core.output import write_folder
    from tests.conftest import ROOT

    grouped, _, _ = runs
    record = run_record(grouped, inputs={}, horizon="7D", workers=1, dask_scheduler=None, roster=True)
    write_folder(tmp_path / "plan", plan_files(grouped, record, "<html></html>"), command="plan")
    monkeypatch.setenv("SHIFTCAST_PLAN", str(tmp_path / "plan"))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
    app.sidebar.selectbox(key="queue").set_value("chat_zh").run()
    assert not app.exception and not app.error
    return app, record


def test_the_dashboard_shows_a_queues_skill_groups(runs, tmp_path, monkeypatch):
    app, record = dashboard_on_chat_zh(runs, tmp_path, monkeypatch)
    assert app.selectbox(key="unit:chat_zh").options == ["chat_en+chat_zh", "chat_zh"]
    app.selectbox(key="unit:chat_zh").set_value("chat_en+chat_zh").run()
    assert not app.exception and not app.error
    assert any("serve chat" in c.value and "skill group" in c.value for c in app.caption)


def test_the_dashboard_skills_view_shows_groups_and_simulated_service(runs, tmp_path, monkeypatch):
    app, record = dashboard_on_chat_zh(runs, tmp_path, monkeypatch)
    levels = next(d.value for d in app.dataframe if "target" in d.value.columns)
    shown = levels.set_index("queue")["service level (simulated, planned staff)"].to_dict()
    assert shown == pytest.approx({q: round(v, 3) for q, v in record["skill_groups"]["simulated_service_level"].items()},
                                  abs=1e-9)
    groups = next(d.value for d in app.dataframe if d.value.index.names == ["skill_group", "weekday"])
    assert set(groups.index.get_level_values(0)) == {"chat_en+chat_zh", "chat_zh"}


def test_the_dashboard_explains_a_pooled_interval_and_advises_on_cross_training(runs, tmp_path, monkeypatch):
    app, record = dashboard_on_chat_zh(runs, tmp_path, monkeypatch)
    app.toggle(key="explain_pooled").set_value(True).run()
    bounds = next(d.value for d in app.dataframe if "pooled_agents" in d.value.columns)
    assert set(bounds["queues"]) == {"chat_en", "chat_zh", "chat_en+chat_zh"}
    assert (bounds["agents_given"] >= bounds["pooled_agents"]).all()
    assert any("As islands" in m.value for m in app.markdown) and any("Pooled, the agents" in m.value
                                                                     for m in app.markdown)
    app.button(key="advise").click().run()
    assert not app.exception and not app.error
    scenarios = next(d.value for d in app.dataframe if "saving_vs_dedicated" in d.value.columns)
    assert scenarios["scenario"].iloc[0] == "dedicated" and scenarios["scenario"].iloc[-1] == "every skill"
    assert scenarios["paid_hours"].iloc[-1] < scenarios["paid_hours"].iloc[0]
    app.selectbox(key="queue").set_value("chat_en").run()  # the advice stays on screen for another queue
    assert not app.exception
    assert next(d.value for d in app.dataframe if "saving_vs_dedicated" in d.value.columns).equals(scenarios)


def test_a_what_if_re_plans_over_the_skill_groups(runs, tmp_path, monkeypatch):
    app, _ = dashboard_on_chat_zh(runs, tmp_path, monkeypatch)
    app.slider(key="whatif:volume_pct:chat_zh").set_value(50).run()
    app.button(key="replan").click().run()
    assert not app.exception and not app.error
    assert app.selectbox(key="unit:chat_zh").options == ["chat_en+chat_zh", "chat_zh"]  # still shifts of groups
    assert any("planned for your what" in c.value for c in app.caption)  # (Markdown-escaped "re-planned")
