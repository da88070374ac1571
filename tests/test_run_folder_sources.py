"""A run folder stands alone: ``shiftcast plan`` from a contact log with its own column
names, an Excel file or a SQLite query, then the dashboard on that folder alone (the
history files moved away) renders every tab with no error and shows the history.
(tests/test_dashboard_browser.py opens the same folders in Chromium.)"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from core.schema import validate_frame_a
from shiftcast.pipeline import load_plan
from tests.run_sources import CASES, QUEUES, TIMEZONE, plan_from, write_sources


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_sources(tmp_path_factory.mktemp("sources"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_plan_from_any_source_opens_in_the_dashboard_alone(sources, tmp_path, monkeypatch, case):
    out = plan_from(case, sources, tmp_path)  # the inputs are deleted: the folder must stand alone

    loaded = load_plan(out)
    assert loaded.history is not None and set(loaded.history["queue"]) == set(QUEUES) and not loaded.warnings
    validate_frame_a(loaded.history, TIMEZONE)
    monkeypatch.setenv("SHIFTCAST_PLAN", str(out))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    traces = {trace.get("name") for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]}
    assert {"history", "forecast"} <= traces
