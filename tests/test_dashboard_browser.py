"""The dashboard end to end: `streamlit run` on a free localhost port, driven in headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import CHROMIUM_ARGS, ROOT, chromium_or_skip

TABS = {  # tab -> chart titles that must be drawn there
    "Forecast": ["Contacts per 15 min: chat_en", "Forecast contacts per hour by weekday: chat_en"],
    "Staffing": ["Agents per interval: chat_en"],
    "Roster": ["Shifts starting", "Shift plan coverage: chat_en"],
    "Export": [],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(dashboard_plan, tmp_path_factory):
    """(url, path of the server's log) of `streamlit run dashboard.py` on the test plan."""
    port = free_port()
    env = {**os.environ, "SHIFTCAST_PLAN": str(dashboard_plan), "PYTHONPATH": str(ROOT)}
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    output = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start: " + log.read_text())
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=20)
        output.close()


def chart_titles(page) -> list[str]:
    return page.locator(".js-plotly-plot .gtitle").all_inner_texts()


def test_every_page_renders_its_charts_without_errors(server, tmp_path):
    url, log = server
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
        for tab, titles in TABS.items():
            page.get_by_role("tab", name=tab).click()
            for title in titles:
                page.locator(".js-plotly-plot .gtitle", has_text=title).first.wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            assert page.locator("[data-testid='stException']").count() == 0, tab
            page.screenshot(path=str(tmp_path / f"{tab.lower()}.png"))
            if tab == "Export":
                assert page.get_by_role("button", name="Everything as one Excel workbook").is_visible()

        # a what-if from the keyboard: ten steps up on the volume slider re-staffs the page
        page.get_by_role("tab", name="Staffing").click()
        peak = page.locator("[data-testid='stMetric']", has_text="Peak agents to schedule")
        before = int(peak.locator("[data-testid='stMetricValue']").inner_text())
        slider = page.get_by_role("slider").first
        slider.focus()
        for _ in range(10):
            slider.press("ArrowRight")
        page.wait_for_function(
            "b => { const el = [...document.querySelectorAll(\"[data-testid='stMetric']\")]"
            ".find(m => m.innerText.includes('Peak agents to schedule'));"
            " return el && parseInt(el.querySelector(\"[data-testid='stMetricValue']\").innerText) > b; }",
            arg=before, timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "what_if.png"))
        browser.close()
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["export.png", "forecast.png", "roster.png",
                                                               "staffing.png", "what_if.png"]
    # nothing went wrong where the page does not show it: the server logged its banner and nothing else
    # (Streamlit logs a widget misuse as a stack, not on the page)
    banner = ("You can now view your Streamlit app", "URL: ", "Uvicorn server started on")
    assert [line for line in log.read_text().splitlines()
            if line.strip() and not any(text in line for text in banner)] == []
