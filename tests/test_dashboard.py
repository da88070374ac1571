"""The dashboard driven through Streamlit's AppTest: every control moves the numbers it should."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import tempfile

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from shiftcast.pipeline import load_plan
from tests.conftest import DATA, ROOT
from tests.dashboard_fixture import copy_plan, edit_record, rename_queue

# A name that is an image, a link and emphasis if it is read as Markdown or HTML
NAME = '![t](http://127.0.0.1:9/track.png) <a href="http://127.0.0.1:9/a">a</a> **b**'


@pytest.fixture
def plan_dir(dashboard_plan):
    return dashboard_plan


def open_dashboard(plan, monkeypatch) -> AppTest:
    monkeypatch.setenv("SHIFTCAST_PLAN", str(plan))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def app(plan_dir, monkeypatch):
    return open_dashboard(plan_dir, monkeypatch)


def shown(markdown: str) -> str:
    """The text Markdown shows for ``markdown`` (backslash escapes resolved, tags dropped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").render(markdown))).strip()


def markdown_texts(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown."""
    texts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "error")
             for e in getattr(at, kind)]
    return texts + [str(part) for m in at.metric for part in (m.label, m.value, m.delta) if part is not None]


def chart_texts(at: AppTest) -> list[str]:
    """Every string in the page's plotly figures (titles, labels, trace names, hover templates)."""
    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict | list):
            for child in node.values() if isinstance(node, dict) else node:
                yield from strings(child)

    return [text for chart in at.get("plotly_chart") for text in strings(json.loads(chart.proto.spec))]


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
    assert shown(app.title[0].value) == "Wallet support (sample): chat_en"
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
    assert shown(app.title[0].value) == "Wallet support (sample): email"
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
    assert shown(app.title[0].value) == "Your desk: voice_en"
    assert any("From upload my_export.csv" in shown(c.value) for c in app.caption)
    assert number(app, "Peak agents to schedule") > 0
    assert number(app, "Shifts") > 0  # the upload gets its own shift plan


def test_an_upload_has_its_own_desk_and_finer_data_is_re_aggregated(app):
    """5-minute data in New York, gzipped: the sample's 15-minute Malta site used to refuse it."""
    import gzip

    from forecast_helpers import iso, make_history

    history = iso(make_history(days=28, minutes=5, queues=("calls",), timezone="America/New_York", peak=4.0))
    history["interval_start"] = history["interval_start"].str.slice(0, 19)  # naive local times, as exports are
    app.file_uploader(key="history_upload").set_value(
        ("calls.csv.gz", gzip.compress(history.to_csv(index=False).encode()), "application/gzip")).run()
    app.text_input(key="upload_zone").set_value("America/New_York")
    app.text_input(key="upload_country").set_value("US")
    app.selectbox(key="upload_interval").set_value("30 minutes").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "times in America/New_York" in " ".join(shown(c.value) for c in app.caption)
    assert "30-minute intervals" in " ".join(shown(c.value) for c in app.caption)
    assert number(app, "Shifts") > 0


def test_uploading_a_bad_file_shows_a_readable_error(app):
    app.file_uploader(key="history_upload").set_value(("bad.csv", b"when,how_many\nyesterday,3\n", "text/csv")).run()
    assert not app.exception
    errors = [shown(e.value) for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("Cannot use bad.csv:")
    assert shown(app.title[0].value) == "Wallet support (sample): chat_en"  # still on the plan


def test_roster_table_and_downloads(app):
    roster = table(app, "agent", "shift_id", "start", "end")
    assert len(roster) > 0
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["This roster, agent by day (CSV)", "forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv",
                      "roster.csv", "Everything as one Excel workbook"]


@pytest.fixture
def crafted(dashboard_plan, tmp_path):
    """A copy of the test plan whose queue email, site name and solver status are NAME."""
    plan = copy_plan(dashboard_plan, tmp_path / "crafted")
    rename_queue(plan, "email", NAME)

    def change(record):
        record["settings"]["site"]["name"] = NAME
        record["shift_plan"]["status"] = NAME

    edit_record(plan, change)
    return plan


def test_names_render_as_text_never_as_markdown(crafted, monkeypatch):
    at = open_dashboard(crafted, monkeypatch)
    at.selectbox(key="queue").set_value(NAME).run()
    for text in markdown_texts(at):
        page = MarkdownIt("commonmark").render(text)
        assert "<img" not in page and "<a " not in page, text
    assert shown(at.title[0].value) == f"{NAME}: {NAME}"
    assert shown(at.sidebar.caption[0].value).startswith(f"{NAME} - times in")
    assert shown(metric(at, "Solver")) == NAME
    assert any(shown(m.value) == f"What if ({NAME})" for m in at.markdown)


def test_charts_show_names_as_text_never_as_html(crafted, monkeypatch):
    at = open_dashboard(crafted, monkeypatch)
    texts = chart_texts(at.selectbox(key="queue").set_value(NAME).run())
    assert not [text for text in texts if "<a " in text or "<img" in text]
    escaped = html.escape(NAME, quote=False)
    for title in ("Contacts per 15 min: ", "Forecast contacts per hour by weekday: ", "Agents per interval: ",
                  "Shift plan coverage: "):
        assert title + escaped in texts, title
    assert any(text.startswith(escaped + " ") for text in texts)  # the shift timeline's bar labels


def test_a_crafted_run_json_cannot_show_other_files(dashboard_plan, tmp_path, monkeypatch):
    plan = copy_plan(dashboard_plan, tmp_path / "crafted")
    secret = tmp_path / "secret.csv"
    secret.write_text("start,end,name,expected_multiplier\n2026-01-01,2026-01-02,TOP SECRET,1\n")

    def change(record):
        record["inputs"]["events"]["path"] = str(secret)  # its sha256 stays the real events file's
        record["inputs"]["history"] = {"path": str(secret), "sha256": None}

    edit_record(plan, change)
    at = open_dashboard(plan, monkeypatch)
    assert not any("TOP SECRET" in d.value.to_string() for d in at.dataframe)
    events = [d.value for d in at.dataframe if {"start", "end", "name"} <= set(d.value.columns)]
    assert len(events) == 1 and "TOP SECRET" not in set(events[0]["name"])  # the folder's own events.parquet
    assert not at.sidebar.warning and not at.error
    assert metric(at, "Contacts forecast")  # the plan itself still shows


def test_a_plan_file_linking_outside_the_folder_is_refused(dashboard_plan, tmp_path, monkeypatch):
    plan = copy_plan(dashboard_plan, tmp_path / "crafted")
    outside = tmp_path / "someone_elses_roster.csv"
    (plan / "roster.csv").rename(outside)
    (plan / "roster.csv").symlink_to(outside)
    at = open_dashboard(plan, monkeypatch)
    assert not at.dataframe
    errors = [shown(e.value) for e in at.error]
    assert errors == [f"Cannot open the plan: roster.csv in the plan folder {plan.name} links to a file outside it, "
                      f"which is not read; plan again with `shiftcast plan`"]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp folder of the test's own for everything tempfile creates."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_uploads_leave_no_temporary_files(app, private_tmp, tmp_path):
    agents = (DATA / "agents.csv").read_bytes()
    app.file_uploader(key="agents_upload").set_value((f"agents-{tmp_path.name}.csv", agents, "text/csv")).run()
    assert not app.exception and not app.error
    app.file_uploader(key="history_upload").set_value(("bad.csv", b"when,how_many\nyesterday,3\n", "text/csv")).run()
    assert len(app.error) == 1  # reading failed
    assert list(private_tmp.glob("shiftcast-upload-*")) == []


@pytest.mark.parametrize("uploader", ["history_upload", "agents_upload"])
def test_upload_errors_name_the_upload_not_the_server_path(app, private_tmp, uploader):
    name = "![u](http://127.0.0.1:9/u.png) roster.csv"
    app.file_uploader(key=uploader).set_value((name, b"name,skills\n", "text/csv")).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and str(private_tmp) not in errors[0] and "shiftcast-upload" not in errors[0]
    assert shown(errors[0]) == f"Cannot use {name}: {name} has no data rows; give a file with a header row and data"
    assert "<img" not in MarkdownIt("commonmark").render(errors[0])


@pytest.mark.parametrize("option, address, says", [
    ((), "127.0.0.1", "listening on 127.0.0.1 only"),
    (("HOST=0.0.0.0",), "0.0.0.0", "listening on every network interface"),
])
def test_make_run_listens_on_localhost_unless_asked(option, address, says):
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    recipe = subprocess.run(["make", "-n", "run", *option], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**env, "HOST": "exported-by-a-shell"}).stdout  # as some shells do
    assert f"--server.address {address} " in recipe
    assert says in next(line for line in recipe.splitlines() if line.startswith('echo "Dashboard:'))


def test_the_busiest_queue_comes_first_and_deltas_show_only_where_something_changed(app):
    assert app.selectbox(key="queue").options[0] == "chat_en" and app.selectbox(key="queue").value == "chat_en"
    assert not [m for m in app.metric if m.delta and m.label != "Solver"]  # nothing changed yet: no arrows
    app.slider(key="whatif:volume_pct:chat_en").set_value(30).run()
    assert [m.label for m in app.metric if m.delta]  # chat_en changed
    app.selectbox(key="queue").set_value("email").run()
    assert not [m.label for m in app.metric if m.delta and m.label != "Solver"]  # email untouched


def test_the_shift_timeline_shows_the_selected_queues_shifts_only(app):
    texts = chart_texts(app)
    assert [t for t in texts if t.startswith("chat_en-")] and not [t for t in texts if t.startswith("email-")]


def test_the_staffing_tab_has_a_typical_day_and_the_roster_tab_names_its_week(app):
    grid = next(d.value for d in app.dataframe if list(d.value.columns)[:2] == ["00", "01"])
    assert list(grid.index) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] and len(grid.columns) == 24
    assert grid.to_numpy().max() == number(app, "Peak agents to schedule")
    assert any("the first week of the forecast (as planned)" in shown(c.value) for c in app.caption)


def test_the_backtest_table_shows_empty_notes_as_blank(app):
    backtest = next(d.value for d in app.dataframe if "wmape" in d.value.columns)
    assert "note" in backtest.columns and backtest["note"].notna().all()



def test_an_uploaded_contact_log_offers_its_callers_patience(app):
    rows = ([("voice_en", 60.0, True)] * 30 + [("voice_en", 30.0, False)] * 970)  # 30,900 s / 30 abandoned
    log = pd.DataFrame(rows, columns=["queue", "wait_seconds", "abandoned"])
    log.insert(0, "arrival", pd.date_range("2026-10-01 08:00", periods=len(log), freq="29min").astype(str))
    app.file_uploader(key="history_upload").set_value(("log.csv", log.to_csv(index=False).encode(), "text/csv")).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    button = app.button(key="use_patience:voice_en")
    assert button.label == "Use the data's patience: 1030 s"
    button.click().run()
    assert app.number_input(key="whatif:patience:voice_en").value == 1030
    assert metric(app, "Abandoned") != "-"


def test_an_upload_takes_typed_opening_hours_and_rows_to_ignore(app):
    """A weekday desk whose export also holds weekend test calls and PHANTOM rows: the
    manager closes the weekend and ignores the PHANTOM outcome in the sidebar."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2026-09-07", periods=28, freq="D")
    arrivals = [day + pd.Timedelta(hours=8) + pd.Timedelta(seconds=float(s))
                for day in days for s in np.sort(rng.uniform(0, 10 * 3600, 40 if day.day_of_week < 5 else 3))]
    log = pd.DataFrame({"arrival": pd.DatetimeIndex(arrivals).strftime("%Y-%m-%d %H:%M:%S"), "queue": "calls",
                        "handle_seconds": rng.gamma(4, 60, len(arrivals)).round(),
                        "outcome": rng.choice(["AGENT", "PHANTOM"], len(arrivals), p=[0.9, 0.1])})
    app.file_uploader(key="history_upload").set_value(("log.csv", log.to_csv(index=False).encode(), "text/csv")).run()
    app.text_input(key="upload_hours").set_value("mon-fri 08:00-18:00, sat-sun closed")
    app.selectbox(key="ignore_column").set_value("outcome").run()
    app.multiselect(key="ignore_values:outcome").set_value(["PHANTOM"]).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    phantom = int((log["outcome"] == "PHANTOM").sum())
    assert f"{phantom:,} row(s) ignored where outcome is PHANTOM" in [shown(i.value) for i in app.sidebar.info]
    day = next(d.value for d in app.dataframe if d.value.index.name == "weekday")
    assert day.reindex(["Sat", "Sun"]).fillna(0).eq(0).all().all()  # the weekend test calls staff no one
    assert day.loc["Mon"].fillna(0).gt(0).any() and number(app, "Shifts") > 0


def test_typed_opening_hours_that_cannot_be_read_name_the_part(app):
    history = pd.read_csv(DATA / "sample_history.csv.gz")
    history = history[history["queue"] == "voice_en"].tail(96 * 21)
    app.file_uploader(key="history_upload").set_value(("h.csv", history.to_csv(index=False).encode(), "text/csv")).run()
    app.text_input(key="upload_hours").set_value("weekdays 9-5").run()
    assert not app.exception
    errors = [shown(e.value) for e in app.sidebar.error]
    assert errors == ["Cannot use h.csv: opening hours 'weekdays 9-5' must be a day or day range and hours, "
                      "e.g. 'mon-fri 07:00-21:00' or 'sun closed'"]
