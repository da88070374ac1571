"""The dashboard end to end: `streamlit run` on a free localhost port, driven in headless Chromium,
on the test plan, on run folders that `shiftcast plan` made from other sources (a contact log
with its own column names, an Excel file, a SQLite query, the Anonymous Bank call log, the fpp3
bank's interval export) and on those two real data sets uploaded in the sidebar."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from shiftcast.pipeline import load_plan
from tests.conftest import CHROMIUM_ARGS, ROOT, chromium_or_skip
from tests.run_sources import (ANONYMOUS_BANK_CONFIG, ANONYMOUS_BANK_LOG, CASES, FPP3_CONFIG, FPP3_FILE,
                               INTERVAL_MINUTES, plan_from, plan_real, write_sources)

pytestmark = pytest.mark.browser

# What the page must not show: an exception, an error box, a warning box (a plan folder that cannot
# show its history or has no shift plan warns).
ERRORS = "[data-testid='stException'], [data-testid='stAlertContentError']"
WARNINGS = "[data-testid='stAlertContentWarning']"
PROBLEMS = f"{ERRORS}, {WARNINGS}"


def tab_titles(queue: str, minutes: int) -> dict[str, list[str]]:
    """Tab -> the titles of the charts it must draw, for the queue on screen."""
    return {
        "Forecast": [f"Contacts per {minutes} min: {queue}", f"Forecast contacts per hour by weekday: {queue}"],
        "Staffing": [f"Agents per interval: {queue}"],
        "Roster": ["Shifts starting", f"Shift plan coverage: {queue}"],
        "Export": [],
    }


TABS = tab_titles("chat_en", 15)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(plan: Path, logs: Path) -> Iterator[tuple[str, Path]]:
    """(url, path of the server's log) of `streamlit run dashboard.py` with SHIFTCAST_PLAN=PLAN;
    the log is written in the folder LOGS."""
    port = free_port()
    env = {**os.environ, "SHIFTCAST_PLAN": str(plan), "PYTHONPATH": str(ROOT)}
    log = logs / "server.log"
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


@contextmanager
def chromium_page():
    """A page of headless Chromium (Debian's; skips without it), 1280 x 800."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 800})
        finally:
            browser.close()


def visit_every_tab(page, url: str, tabs: dict[str, list[str]], screenshots: Path) -> None:
    """Open URL, click every tab of TABS in turn and wait for its charts; on each, no exception,
    error or warning box. A screenshot of each tab goes to SCREENSHOTS/<tab>.png."""
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    click_every_tab(page, tabs, screenshots)


def click_every_tab(page, tabs: dict[str, list[str]], screenshots: Path, warnings: tuple[str, ...] = ()) -> None:
    """Click every tab of TABS on the open PAGE in turn and wait for its charts; on each, no
    exception or error box, and no warning box but those starting with one of WARNINGS. A
    screenshot of each tab goes to SCREENSHOTS/<tab>.png."""
    for tab, titles in tabs.items():
        page.get_by_role("tab", name=tab).click()
        for title in titles:
            page.locator(".js-plotly-plot .gtitle", has_text=title).first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(screenshots / f"{tab.lower()}.png"))
        assert no_problems(page, warnings), tab
        if tab == "Export":
            assert page.get_by_role("button", name="Everything as one Excel workbook").is_visible()


def no_problems(page, warnings: tuple[str, ...] = (), errors: tuple[str, ...] = ()) -> bool:
    """No exception box on PAGE (on any tab), and no error or warning box but those whose text
    starts with one of ERRORS or WARNINGS (an expected alert)."""
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.all_text_contents()
    for boxes, expected in ((ERRORS, errors), (WARNINGS, warnings)):
        shown = page.locator(boxes).all_text_contents()
        assert [text for text in shown if not text.startswith(expected)] == [], shown
    return True


def legend(page) -> list[str]:
    """The legend entries of the charts on screen."""
    return page.locator(".js-plotly-plot .legendtext").all_text_contents()  # SVG text: no innerText


def assert_quiet_log(log: Path) -> None:
    """Nothing went wrong where the page does not show it: the server logged its banner and nothing
    else (Streamlit logs a widget misuse as a stack, not on the page)."""
    banner = ("You can now view your Streamlit app", "URL: ", "Uvicorn server started on")
    assert [line for line in log.read_text().splitlines()
            if line.strip() and not any(text in line for text in banner)] == []


def busiest_queue(plan: Path) -> str:
    """The queue the dashboard opens on: the most contacts forecast (the first such by name)."""
    totals = load_plan(plan).forecast.groupby("queue")["volume"].sum()
    return str(totals.sort_values(ascending=False, kind="stable").index[0])


@pytest.fixture(scope="module")
def server(dashboard_plan, tmp_path_factory):
    """(url, path of the server's log) of `streamlit run dashboard.py` on the test plan."""
    with streamlit_server(dashboard_plan, tmp_path_factory.mktemp("streamlit")) as running:
        yield running


def test_every_page_renders_its_charts_without_errors(server, tmp_path):
    url, log = server
    with chromium_page() as page:
        visit_every_tab(page, url, TABS, tmp_path)

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
        assert no_problems(page)
        page.screenshot(path=str(tmp_path / "what_if.png"))
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["export.png", "forecast.png", "roster.png",
                                                               "staffing.png", "what_if.png"]
    assert_quiet_log(log)


# ------------------------------------------------------- run folders made from other sources


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return write_sources(tmp_path_factory.mktemp("sources"))


def open_alone(plan: Path, folder: Path) -> None:
    """The dashboard on the run folder PLAN in Chromium: every tab draws its charts for the
    busiest queue with no exception, error or warning box; the Forecast tab shows the history
    (read from the folder itself); the server logs nothing but its banner."""
    tabs = tab_titles(busiest_queue(plan), load_plan(plan).config.site.interval_minutes)
    with streamlit_server(plan, folder) as (url, log), chromium_page() as page:
        visit_every_tab(page, url, tabs, folder)
        page.get_by_role("tab", name="Forecast").click()
        page.locator(".js-plotly-plot .legendtext", has_text="history").first.wait_for(timeout=30_000)
        assert {"history", "forecast"} <= set(legend(page))
        assert no_problems(page)
        assert_quiet_log(log)  # while the server runs (it logs its stop)
    assert sorted(p.name for p in folder.glob("*.png")) == ["export.png", "forecast.png", "roster.png",
                                                             "staffing.png"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_plan_from_any_source_renders_every_tab_in_chromium(sources, tmp_path, case):
    chromium_or_skip()  # before planning
    plan = plan_from(case, sources, tmp_path)  # its inputs are deleted: the folder must stand alone
    assert load_plan(plan).config.site.interval_minutes == INTERVAL_MINUTES
    screens = tmp_path / "screens"
    screens.mkdir()
    open_alone(plan, screens)


@pytest.mark.realdata
def test_a_plan_of_the_anonymous_bank_call_log_renders_every_tab_in_chromium(real_data, tmp_path):
    chromium_or_skip()  # before planning
    plan = plan_real(real_data.joinpath(*ANONYMOUS_BANK_LOG), ANONYMOUS_BANK_CONFIG, tmp_path)
    screens = tmp_path / "screens"
    screens.mkdir()
    open_alone(plan, screens)


@pytest.mark.realdata
def test_a_plan_of_the_fpp3_bank_calls_renders_every_tab_in_chromium(real_data, tmp_path):
    """The fpp3 bank's 5-minute export planned at 30 minutes (weekdays 07:00-21:00, New York):
    a desk closed at night and at weekends."""
    chromium_or_skip()  # before planning
    plan = plan_real(real_data.joinpath(*FPP3_FILE), FPP3_CONFIG, tmp_path, "--interval", "30min")
    screens = tmp_path / "screens"
    screens.mkdir()
    open_alone(plan, screens)


# ------------------------------------------------------------- real data uploaded in the sidebar

UPLOAD_SECONDS = 600  # an upload is forecast (every model of the plan backtested) and shift-planned


def settle(page) -> None:
    """Wait until the script run a widget started (or any run) has ended."""
    page.wait_for_timeout(500)  # the rerun request leaves the browser
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=UPLOAD_SECONDS * 1000)


def open_dashboard(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
    settle(page)


def sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def upload_history(page, path: Path) -> None:
    """Upload PATH through the sidebar's history uploader (the Roster tab has one for agents) and
    wait for the page to show it."""
    sidebar(page).locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(path)
    caption(page, f"From upload {path.name}.").wait_for(timeout=UPLOAD_SECONDS * 1000)
    settle(page)


def caption(page, *texts: str):
    """The caption under the title once it holds every one of TEXTS."""
    found = page.locator("[data-testid='stCaptionContainer']")
    for text in texts:
        found = found.filter(has_text=text)
    return found.first


def type_in(page, label: str, text: str) -> None:
    """Type TEXT in the sidebar's text input LABEL and commit it (Enter)."""
    field = sidebar(page).get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")
    settle(page)


def choose(page, label: str, option: str) -> None:
    """Pick OPTION in the sidebar's selectbox or multiselect LABEL. A click just after scrolling
    the sidebar may only focus the box: ArrowDown opens its list then. A multiselect's list
    stays open after a pick: Escape closes it."""
    box = sidebar(page).get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    wanted = page.get_by_role("option", name=option, exact=True)
    page.wait_for_timeout(500)
    if not wanted.is_visible():
        box.press("ArrowDown")
    wanted.click()
    if page.get_by_role("listbox").count():
        page.keyboard.press("Escape")
    settle(page)


def describe_desk(page, zone: str, country: str, hours: str = "", seats: int | None = None) -> None:
    """Fill the sidebar's "Your desk" for an upload; the 30-minute interval last, so the caption
    shows when the page has caught up with every field."""
    if hours:
        type_in(page, "Opening hours (empty: open when the data has contacts)", hours)
    if seats is not None:
        type_in(page, "Seats: most agents on duty at once", str(seats))
    type_in(page, "Time zone (IANA, e.g. America/New_York)", zone)
    type_in(page, "Holidays of (ISO country code, empty for none)", country)
    choose(page, "Interval", "30 minutes")
    caption(page, "30-minute intervals", f"times in {zone}").wait_for(timeout=UPLOAD_SECONDS * 1000)
    settle(page)


def shifts_planned(page) -> int:
    """The Roster tab's "Shifts" metric (the shift plan of the data on screen)."""
    page.get_by_role("tab", name="Roster").click()
    metric = page.locator("[data-testid='stMetric']", has_text="Shifts").first
    metric.wait_for(timeout=60_000)
    return int(metric.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))


def upload_tabs(page) -> dict[str, list[str]]:
    """Every tab's chart titles for the queue the sidebar shows (the upload's busiest)."""
    queue = sidebar(page).get_by_role("combobox", name="Queue (busiest first)", exact=True).input_value()
    return tab_titles(queue, 30)


@pytest.mark.realdata
def test_an_upload_of_the_fpp3_bank_calls_gets_a_shift_plan_in_chromium(dashboard_plan, real_data, tmp_path):
    """The fpp3 bank's whole 5-minute export (weekdays 07:00-21:00, New York) uploaded on the test
    plan, re-aggregated to 30 minutes, its closed nights and weekends taken from the data (no
    opening hours typed), and 2,000 seats (over 1,000 calls in a busy half hour need more than
    the test plan's 200): every tab draws, with no exception, error or warning box."""
    path = real_data.joinpath(*FPP3_FILE)
    with streamlit_server(dashboard_plan, tmp_path) as (url, log), chromium_page() as page:
        open_dashboard(page, url)
        upload_history(page, path)
        describe_desk(page, "America/New_York", "US", seats=2000)
        assert caption(page, f"From upload {path.name}. Forecast Mon 27 Oct to Fri 31 Oct 2003").is_visible()
        click_every_tab(page, upload_tabs(page), tmp_path)
        assert shifts_planned(page) > 0
        assert page.get_by_text("Shift plan for the week from Mon 27 Oct 2003").is_visible()
        assert no_problems(page)
        assert_quiet_log(log)


@pytest.mark.realdata
def test_an_upload_of_the_anonymous_bank_call_log_ignores_phantom_calls_in_chromium(dashboard_plan, real_data,
                                                                                      tmp_path):
    """The Anonymous Bank's whole call log (January, February, October 1999, Israel) uploaded on
    the test plan: its PHANTOM calls ignored in the sidebar, 30-minute intervals, Israeli
    holidays; a shift plan and every tab with no exception, error or warning box."""
    path = real_data.joinpath(*ANONYMOUS_BANK_LOG)
    phantom = int((pd.read_csv(path, usecols=["outcome"])["outcome"] == "PHANTOM").sum())
    with streamlit_server(dashboard_plan, tmp_path) as (url, log), chromium_page() as page:
        open_dashboard(page, url)
        upload_history(page, path)
        sidebar(page).locator("summary", has_text="Columns, and rows to ignore").click()
        choose(page, "Rows to ignore: column", "outcome")
        choose(page, "Ignore rows whose outcome is", "PHANTOM")
        note = f"{phantom:,} row(s) ignored where outcome is PHANTOM"
        sidebar(page).locator("[data-testid='stAlertContentInfo']", has_text=note).wait_for(timeout=60_000)
        describe_desk(page, "Asia/Jerusalem", "IL")
        assert sidebar(page).locator("[data-testid='stAlertContentInfo']", has_text=note).is_visible()
        click_every_tab(page, upload_tabs(page), tmp_path)
        assert shifts_planned(page) > 0
        assert no_problems(page)
        assert_quiet_log(log)


def test_a_plan_over_skill_groups_renders_every_tab_in_chromium(tmp_path):
    """A run folder whose shifts belong to skill groups (bilingual chat agents): every tab draws,
    and the Staffing tab shows the queues' simulated service level with the groups."""
    chromium_or_skip()
    import pandas as pd

    from core.config import config_from_dict
    from core.output import write_folder
    from shiftcast.pipeline import plan_files, run_plan, run_record
    from tests.test_groupplan import SETTINGS, desk

    history, agents = desk()
    run = run_plan(history, config_from_dict(SETTINGS), horizon=pd.Timedelta(days=7), agents=agents)
    record = run_record(run, inputs={}, horizon="7D", workers=1, dask_scheduler=None, roster=True)
    write_folder(tmp_path / "plan", plan_files(run, record, "<html></html>"), command="plan")
    screens = tmp_path / "screens"
    screens.mkdir()
    tabs = tab_titles("chat_en", 60)
    tabs["Staffing"].append("Service level with skill groups: chat_en")
    with streamlit_server(tmp_path / "plan", screens) as (url, log), chromium_page() as page:
        visit_every_tab(page, url, tabs, screens)
        assert no_problems(page)
        assert_quiet_log(log)


# --------------------------------------------------------------------- the Today tab, live


def test_the_today_tab_follows_a_watched_file_in_chromium(dashboard_plan, tmp_path, monkeypatch):
    """The Today tab on a watched file of today's intervals (chat_en surging from 09:00, now
    12:00): the surge alert (the only error box), the Today chart and the download of the accepted
    moves; when the file gains the interval 12:00-12:15, the page moves on to 12:15 by itself
    (the fragment re-reads the file every 20 s), with no reload."""
    from tests.test_intraday import surged_day

    chromium_or_skip()  # before re-forecasting
    history, now = surged_day(dashboard_plan, tmp_path)
    table = pd.read_csv(history)
    watched = tmp_path / "today.csv"
    table[table["interval_start"].str.startswith(now[:10])].to_csv(watched, index=False)
    monkeypatch.setenv("SHIFTCAST_TODAY", str(watched))
    surge = "Surge on chat_en since"
    alert = (surge,)  # the one error box expected
    with streamlit_server(dashboard_plan, tmp_path) as (url, log), chromium_page() as page:
        open_dashboard(page, url)
        if busiest_queue(dashboard_plan) != "chat_en":
            choose(page, "Queue (busiest first)", "chat_en")
        page.get_by_role("tab", name="Today").click()
        panel = page.get_by_role("tabpanel", name="Today")
        panel.locator(".js-plotly-plot .gtitle", has_text="Today: chat_en (now 12:00)").wait_for(timeout=120_000)
        panel.get_by_role("button", name="Accepted moves (CSV)").wait_for(timeout=30_000)  # the fragment's last
        assert caption(page, "Now ", "12:00 (the end of the latest interval in today.csv)").is_visible()
        assert panel.locator("[data-testid='stAlertContentError']", has_text=surge).first.is_visible()
        assert no_problems(page, errors=alert)
        page.screenshot(path=str(tmp_path / "today.png"))

        page.evaluate("window.notReloaded = true")
        stamp = pd.Timestamp(now, tz=load_plan(dashboard_plan).config.site.timezone).isoformat()
        pd.DataFrame({"queue": ["chat_en"], "interval_start": [stamp], "volume": [30.0], "aht_seconds": [400.0]})[
            table.columns].to_csv(watched, mode="a", header=False, index=False)
        caption(page, "Now ", "12:15 (the end of the latest").wait_for(timeout=60_000)  # not "read at 12:15:.."
        panel.locator(".js-plotly-plot .gtitle", has_text="Today: chat_en (now 12:15)").wait_for(timeout=30_000)
        assert page.evaluate("window.notReloaded === true")
        assert no_problems(page, errors=alert)
        assert_quiet_log(log)
