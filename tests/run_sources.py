"""Plan folders from three kinds of history source, for the tests that open them alone
(tests/test_run_folder_sources.py with Streamlit's AppTest, tests/test_dashboard_browser.py
in Chromium): a contact log with its own column names, an Excel file and a SQLite query,
all holding the same synthetic four weeks of ``chat`` and ``mail`` in Malta."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shiftcast.cli import main
from tests.forecast_helpers import make_history

QUEUES = ("chat", "mail")
TIMEZONE = "Europe/Malta"
INTERVAL_MINUTES = 30

CONFIG = f"""
[site]
timezone = "{TIMEZONE}"
interval_minutes = {INTERVAL_MINUTES}

[forecast]
horizon_days = 7
folds = 2
models = ["slot_median_8w"]

[shifts]
start_step_minutes = 60
lengths_hours = [8]
break_minutes = {{}}
time_limit_seconds = 20
"""

INPUT_FILES = ("log.csv", "history.xlsx", "history.sqlite")

CASES = {  # case -> the history options of `shiftcast plan` (file names inside the sources folder)
    "contact log": ["--history", "log.csv", "--timestamp-col", "Call Start", "--queue-col", "Skill",
                    "--handle-col", "Talk Time", "--shape", "contacts"],
    "excel": ["--history", "history.xlsx"],
    "sqlite": ["--history", "history.sqlite", "--query", "select * from calls"],
}


def contact_log(history: pd.DataFrame) -> pd.DataFrame:
    """One row per contact with the export's own column names: arrival spread over its interval."""
    rng = np.random.default_rng(0)
    counts = history["volume"].round().astype(int).to_numpy()
    starts = np.repeat(history["interval_start"].to_numpy(), counts)
    queues = np.repeat(history["queue"].to_numpy(), counts)
    arrival = pd.DatetimeIndex(starts) + pd.to_timedelta(rng.uniform(0, 1800, counts.sum()), unit="s")
    return pd.DataFrame({"Call Start": arrival.tz_convert(TIMEZONE).strftime("%Y-%m-%d %H:%M:%S"),
                         "Skill": queues, "Talk Time": rng.gamma(4, 60, counts.sum()).round(1)})


def write_sources(folder: Path) -> Path:
    """FOLDER with shiftcast.toml and the same history as log.csv, history.xlsx and history.sqlite."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shiftcast.toml").write_text(CONFIG)
    history = make_history(days=28, queues=QUEUES, peak=12.0)
    intervals = history.assign(interval_start=history["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    intervals.to_excel(folder / "history.xlsx", index=False)
    with sqlite3.connect(folder / "history.sqlite") as connection:
        intervals.to_sql("calls", connection, index=False)
    contact_log(history).to_csv(folder / "log.csv", index=False)
    return folder


def plan_from(case: str, sources: Path, folder: Path) -> Path:
    """``shiftcast plan`` (in process) on CASE's history, read from a copy of SOURCES in
    FOLDER/inputs, into FOLDER/plan; the copy is deleted before returning, so the plan
    folder must stand alone. Returns the plan folder."""
    inputs = folder / "inputs"
    shutil.copytree(sources, inputs)
    args = [str(inputs / a) if a in INPUT_FILES else a for a in CASES[case]]
    out = folder / "plan"
    with pytest.raises(SystemExit) as stop:
        main(["plan", *args, "--config", str(inputs / "shiftcast.toml"), "--workers", "1", "--out", str(out)])
    assert stop.value.code == 0
    shutil.rmtree(inputs)
    return out


ANONYMOUS_BANK_LOG = ("anonymous_bank_1999_calls", "anonymous_bank_1999_jan_feb_oct_calls.csv.gz")
ANONYMOUS_BANK_CONFIG = """
[site]
name = "Anonymous Bank"
timezone = "Asia/Jerusalem"
country = "IL"
interval_minutes = 30

[forecast]
horizon_days = 7
folds = 2

[shifts]
lengths_hours = [8]
time_limit_seconds = 20

[roster]
time_limit_seconds = 10
"""


# The fpp3 bank: 5-minute intervals, weekdays 07:00-21:00, local times of (assumed) New York; planned with
# --interval 30min. Over 1,000 calls in a busy half hour: 200 seats (the default) cannot cover them.
FPP3_FILE = ("fpp3_bank_calls", "bank_calls_5min.csv.gz")
FPP3_CONFIG = """
[site]
name = "fpp3 bank"
timezone = "America/New_York"
country = "US"
opening_hours = { sat = "closed", sun = "closed" }

[forecast]
horizon_days = 7
folds = 2

[shifts]
max_agents = 2000
"""


def plan_real(history: Path, config_text: str, folder: Path, *options: str) -> Path:
    """``shiftcast plan`` of a real history into ``folder/plan`` on one worker, its config
    written to ``folder/inputs`` and deleted after (the folder must stand alone)."""
    config = folder / "inputs" / "shiftcast.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(config_text)
    plan = folder / "plan"
    with pytest.raises(SystemExit) as stop:
        main(["plan", "--history", str(history), "--config", str(config), "--workers", "1", "--out", str(plan),
              *options])
    assert stop.value.code == 0
    config.unlink()
    return plan
