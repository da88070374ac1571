"""Benchmark: how fast the dashboard answers, in headless Chromium, against a one-chart app.

Run from the repository root after ``make run`` has planned the sample (``out/plan``):
``python bench/bench_dashboard.py [--plan out/plan] [--repeats 5]``. For each app (the
dashboard on the sample plan, and a one-chart Streamlit app as the baseline) it starts
``streamlit run`` on a free localhost port and measures, in Debian's Chromium:

- cold: from starting the server to the first drawn plotly chart (a new process: nothing
  cached, the dashboard reads the plan folder);
- warm: from opening the page to the first drawn chart (median over new browser pages);
- what-if (dashboard only): from one key press on the volume slider (+5%) to the
  re-staffed "Agent-hours to schedule" figure on the page (median).

Prints the figures and the ratio dashboard / one-chart app. Targets (issue 5): first chart
within 2x the one-chart app; what-if under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ONE_CHART = """import plotly.express as px
import streamlit as st

st.plotly_chart(px.line(x=[1, 2, 3, 4], y=[1, 3, 2, 4], title="one chart"))
"""
METRIC_JS = ("() => { const el = [...document.querySelectorAll(\"[data-testid='stMetric']\")]"
             ".find(m => m.innerText.includes('Agent-hours to schedule'));"
             " return el ? el.querySelector(\"[data-testid='stMetricValue']\").innerText : null; }")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(script: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise RuntimeError(f"{script} did not start")


def first_chart_seconds(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    began = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=180_000)
    seconds = time.perf_counter() - began
    page.close()
    return seconds


def measure(script: Path, env: dict, browser, repeats: int) -> tuple[float, float, subprocess.Popen, str]:
    began = time.perf_counter()
    process, url = start(script, env)
    cold = time.perf_counter() - began + first_chart_seconds(browser, url)
    warm = statistics.median(first_chart_seconds(browser, url) for _ in range(repeats))
    return cold, warm, process, url


def what_if_seconds(browser, url: str, repeats: int) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=180_000)
    page.get_by_role("tab", name="Staffing").click()
    page.wait_for_function(f"({METRIC_JS})() !== null")
    slider = page.get_by_role("slider").first
    times = []
    for _ in range(repeats):
        before = page.evaluate(METRIC_JS)
        slider.focus()
        began = time.perf_counter()
        slider.press("ArrowRight")  # one step: +5% volume
        page.wait_for_function(f"b => {{ const v = ({METRIC_JS})(); return v !== null && v !== b; }}", arg=before,
                               timeout=60_000)
        times.append(time.perf_counter() - began)
    page.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", default=str(ROOT / "out" / "plan"), help="plan folder from `shiftcast plan`")
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    if not (Path(options.plan) / "run.json").is_file():
        sys.exit(f"no plan at {options.plan}: run `make run` (or `shiftcast plan ... --out {options.plan}`) first")
    env = {**os.environ, "SHIFTCAST_PLAN": options.plan, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        baseline_script = Path(folder) / "one_chart.py"
        baseline_script.write_text(ONE_CHART)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        print(f"load average at start: {os.getloadavg()[0]:.2f} (2 shared cores)")
        base_cold, base_warm, base_process, _ = measure(baseline_script, env, browser, options.repeats)
        base_process.terminate()
        dash_cold, dash_warm, dash_process, url = measure(ROOT / "dashboard.py", env, browser, options.repeats)
        try:
            what_if = what_if_seconds(browser, url, options.repeats)
        finally:
            dash_process.terminate()
        browser.close()
    print(f"{'':24}{'one-chart app':>15}{'dashboard':>12}{'ratio':>8}")
    print(f"{'cold: start to 1st chart':24}{base_cold:14.2f}s{dash_cold:11.2f}s{dash_cold / base_cold:7.2f}x")
    print(f"{'warm: open to 1st chart':24}{base_warm:14.2f}s{dash_warm:11.2f}s{dash_warm / base_warm:7.2f}x"
          f"   (median of {options.repeats})")
    print(f"what-if (+5% volume, one key press) to re-staffed figures: {what_if:.2f} s "
          f"(median of {options.repeats}; target < 0.5 s)")


if __name__ == "__main__":
    main()
