"""A run folder stands alone: ``shiftcast plan`` from a contact log with its own column
names, an Excel file or a SQLite query, then the dashboard on that folder alone (the
history files moved away) renders every tab with no error and shows the history."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
from forecast_helpers import make_history
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from core.schema import validate_frame_a
from shiftcast.cli import main
from shiftcast.pipeline import load_plan

CONFIG = """
[site]
timezone = "Europe/Malta"
interval_minutes = 30

[forecast]
horizon_days = 7
folds = 2
models = ["slot_median_8w"]

[shifts]
start_step_minutes = 60
lengths_hours = [8]
break_minutes = {}
time_limit_seconds = 20
"""


def _contact_log(history: pd.DataFrame) -> pd.DataFrame:
    """One row per contact with the export's own column names: arrival spread over its interval."""
    rng = np.random.default_rng(0)
    counts = history["volume"].round().astype(int).to_numpy()
    starts = np.repeat(history["interval_start"].to_numpy(), counts)
    queues = np.repeat(history["queue"].to_numpy(), counts)
    arrival = pd.DatetimeIndex(starts) + pd.to_timedelta(rng.uniform(0, 1800, counts.sum()), unit="s")
    return pd.DataFrame({"Call Start": arrival.tz_convert("Europe/Malta").strftime("%Y-%m-%d %H:%M:%S"),
                         "Skill": queues, "Talk Time": rng.gamma(4, 60, counts.sum()).round(1)})


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sources")
    (folder / "shiftcast.toml").write_text(CONFIG)
    history = make_history(days=28, queues=("chat", "mail"), peak=12.0)
    intervals = history.assign(interval_start=history["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    intervals.to_excel(folder / "history.xlsx", index=False)
    with sqlite3.connect(folder / "history.sqlite") as connection:
        intervals.to_sql("calls", connection, index=False)
    _contact_log(history).to_csv(folder / "log.csv", index=False)
    return folder


CASES = {
    "contact log": ["--history", "log.csv", "--timestamp-col", "Call Start", "--queue-col", "Skill",
                    "--handle-col", "Talk Time", "--shape", "contacts"],
    "excel": ["--history", "history.xlsx"],
    "sqlite": ["--history", "history.sqlite", "--query", "select * from calls"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_plan_from_any_source_opens_in_the_dashboard_alone(sources, tmp_path, monkeypatch, case):
    inputs = tmp_path / "inputs"
    shutil.copytree(sources, inputs)
    args = [a if a not in ("log.csv", "history.xlsx", "history.sqlite") else str(inputs / a) for a in CASES[case]]
    out = tmp_path / "plan"
    with pytest.raises(SystemExit) as stop:
        main(["plan", *args, "--config", str(inputs / "shiftcast.toml"), "--workers", "1", "--out", str(out)])
    assert stop.value.code == 0
    shutil.rmtree(inputs)  # the folder must stand alone

    loaded = load_plan(out)
    assert loaded.history is not None and set(loaded.history["queue"]) == {"chat", "mail"} and not loaded.warnings
    validate_frame_a(loaded.history, "Europe/Malta")
    monkeypatch.setenv("SHIFTCAST_PLAN", str(out))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    traces = {trace.get("name") for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]}
    assert {"history", "forecast"} <= traces
