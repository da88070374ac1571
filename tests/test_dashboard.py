"""The dashboard driven through Streamlit's AppTest: every control moves the numbers it should."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shiftcast.pipeline import load_plan
from tests.conftest import DATA, ROOT


@pytest.fixture
def plan_dir(dashboard_plan):
    return dashboard_plan


@pytest.fixture
def app(plan_dir, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_PLAN", str(plan_dir))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page with these columns (AppTest does not expose a table's key)."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def number(at: AppTest, label: str) -> float:
    return float(metric(at, label).replace(",", "").rstrip("%"))


def test_starts_on_the_plan_with_numbers_that_match_it(app, plan_dir):
    plan = load_plan(plan_dir)
    chat = plan.forecast[plan.forecast["queue"] == "chat_en"]
    assert app.title[0].value == "Wallet support (sample): chat_en"
    assert metric(app, "Contacts forecast") == f"{chat['volume'].sum():,.0f}"
    required = plan.requirements[plan.requirements["queue"] == "chat_en"]
    assert number(app, "Peak agents to schedule") == required["agents_scheduled"].max()
    assert metric(app, "Shifts") == f"{int(plan.shifts['agents'].sum()):,}"
    assert not app.error
    backtest = table(app, "chosen", "model", "wmape")
    assert (backtest["chosen"] == "chosen").sum() >= 1 and backtest["wmape"].is_monotonic_increasing
    table(app, "date", "holiday")  # Malta's holidays over the history and horizon (none in these 7 weeks)
    assert table(app, "start", "end", "name", "expected_multiplier")["name"].iloc[-1] == "Planned network upgrade"


def test_switching_queue_shows_that_queue(app):
    app.selectbox(key="queue").set_value("email").run()
    assert app.title[0].value == "Wallet support (sample): email"
    assert "Mean response (min)" in [m.label for m in app.metric]  # deferred work, not Erlang
    assert not app.exception


@pytest.mark.parametrize("key, value, label, direction", [
    ("whatif:volume_pct:chat_en", 50, "Peak agents to schedule", +1),
    ("whatif:aht_pct:chat_en", 30, "Agent-hours to schedule", +1),
    ("whatif:sl:chat_en", 95, "Agent-hours to schedule", +1),
    ("whatif:shrinkage:chat_en", 50, "Agent-hours to schedule", +1),
    ("whatif:occupancy:chat_en", 60, "Occupancy", -1),
])
def test_each_slider_moves_the_staffing(app, key, value, label, direction):
    before = number(app, label)
    app.slider(key=key).set_value(value).run()
    assert not app.exception
    after = number(app, label)
    assert (after - before) * direction > 0, (before, after)


def test_service_level_target_is_met_after_raising_it(app):
    app.slider(key="whatif:sl:chat_en").set_value(95).run()
    assert number(app, "Service level") >= 95.0


def test_number_inputs_move_the_staffing(app):
    hours = number(app, "Agent-hours to schedule")
    app.number_input(key="whatif:answer:chat_en").set_value(10).run()  # 80% in 10 s instead of 60 s
    stricter = number(app, "Agent-hours to schedule")
    assert stricter > hours
    app.number_input(key="whatif:concurrency:chat_en").set_value(3).run()  # three chats at once
    assert number(app, "Agent-hours to schedule") < stricter
    app.number_input(key="whatif:patience:chat_en").set_value(0).run()  # nobody abandons: Erlang C
    assert metric(app, "Abandoned") == "-"
    app.selectbox(key="queue").set_value("email").run()
    hours = number(app, "Agent-hours to schedule")
    app.number_input(key="whatif:response:email").set_value(1).run()  # answer e-mail within 1 h, not 4 h
    assert number(app, "Agent-hours to schedule") > hours


def test_explain_shows_the_interval_arithmetic(app, plan_dir):
    counts = table(app, "agents", "wait_probability", "service_level")
    middle = counts["agents"].iloc[1]
    assert counts["agents"].tolist() == [middle - 1, middle, middle + 1]
    assert counts["service_level"].iloc[0] < 0.8 <= counts["service_level"].iloc[1] or counts["occupancy"].iloc[0] > 0.9
    steps = " ".join(m.value for m in app.markdown)
    assert "Erlangs" in steps and "Shrinkage 30%" in steps


def test_replanning_shifts_for_a_what_if(app):
    app.slider(key="whatif:volume_pct:chat_en").set_value(40).run()
    before = number(app, "Paid agent-hours")
    app.button(key="replan").click().run()
    assert not app.exception
    assert number(app, "Paid agent-hours") > before


def test_uploading_a_good_history_forecasts_it(app):
    history = pd.read_csv(DATA / "sample_history.csv.gz")
    history = history[history["queue"] == "voice_en"].tail(96 * 21)
    app.file_uploader(key="history_upload").set_value(("my_export.csv", history.to_csv(index=False).encode(), "text/csv")).run()
    assert not app.exception and not app.error
    assert app.title[0].value == "Wallet support (sample): voice_en"
    assert any("From upload my_export.csv" in c.value for c in app.caption)
    assert number(app, "Peak agents to schedule") > 0


def test_uploading_a_bad_file_shows_a_readable_error(app):
    app.file_uploader(key="history_upload").set_value(("bad.csv", b"when,how_many\nyesterday,3\n", "text/csv")).run()
    assert not app.exception
    errors = [e.value for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("Cannot use bad.csv:")
    assert app.title[0].value == "Wallet support (sample): chat_en"  # still on the plan


def test_roster_table_and_downloads(app):
    roster = table(app, "agent", "shift_id", "start", "end")
    assert len(roster) > 0
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "roster.csv",
                      "Everything as one Excel workbook"]
