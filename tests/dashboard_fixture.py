"""A small plan folder for the dashboard tests: two queues of the sample desk, six weeks of
history, cheap models, a one-week horizon, and a roster of the sample agents who work them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from forecast.calendar import read_events
from core.config import load_config
from core.output import write_folder
from shiftcast.pipeline import plan_files, run_plan, run_record
from core.readers import read_table
from shiftcast.report import build_report
from core.schema import validate_agents, validate_frame_a
from tests.conftest import DATA

QUEUES = ("chat_en", "email")


def small_config_text() -> str:
    text = (DATA / "shiftcast.toml").read_text()
    text = text.replace('models = []', 'models = ["slot_median_8w", "weighted_mean_8w"]')
    text = text.replace("horizon_days = 14", "horizon_days = 7")
    text = text.replace("time_limit_seconds = 30", "time_limit_seconds = 5")  # the roster's
    return text.replace("time_limit_seconds = 60", "time_limit_seconds = 5").replace("mip_rel_gap = 0.005", "mip_rel_gap = 0.02")


def build_plan(folder: Path) -> Path:
    """Write history.csv, shiftcast.toml and the plan folder ``folder/plan``; return the plan folder."""
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / "shiftcast.toml"
    config_path.write_text(small_config_text())
    config = load_config(config_path)
    raw = pd.read_csv(DATA / "sample_history.csv.gz")
    raw = raw[raw["queue"].isin(QUEUES)]
    history = validate_frame_a(raw, config.site.timezone)
    history = history[history["interval_start"] >= history["interval_start"].max() - pd.Timedelta(weeks=6)]
    history_path = folder / "history.csv"
    history.assign(interval_start=history["interval_start"].map(pd.Timestamp.isoformat)).to_csv(history_path, index=False)
    agents = validate_agents(read_table(DATA / "agents.csv"))
    agents = agents[agents["skills"].map(lambda skills: set(skills) <= set(QUEUES))].head(30)
    events = read_events(read_table(DATA / "events.csv"), config.site.timezone)
    run = run_plan(validate_frame_a(pd.read_csv(history_path), config.site.timezone), config,
                   horizon=pd.Timedelta(days=7), events=events, agents=agents)
    inputs = {"history": history_path, "config": config_path, "events": DATA / "events.csv"}
    record = run_record(run, inputs=inputs, horizon="7D", workers=1, dask_scheduler=None)
    return write_folder(folder / "plan", plan_files(run, record, build_report(run)))


def copy_plan(plan: Path, folder: Path) -> Path:
    """A copy of the plan folder ``plan`` at ``folder``, to craft without touching the shared one."""
    return Path(shutil.copytree(plan, folder))


def edit_record(plan: Path, change) -> None:
    """Rewrite ``plan/run.json`` with ``change(record)`` applied."""
    record = json.loads((plan / "run.json").read_text())
    change(record)
    (plan / "run.json").write_text(json.dumps(record))


def rename_queue(plan: Path, old: str, new: str) -> None:
    """Rename queue ``old`` to ``new`` in every table of ``plan`` (queue column and shift ids)."""
    for path in plan.glob("*.csv"):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "queue" in table:
            table["queue"] = table["queue"].replace(old, new)
        if "shift_id" in table:
            table["shift_id"] = table["shift_id"].str.replace(f"{old}-", f"{new}-", regex=False)
        table.to_csv(path, index=False)
