"""``shiftcast roster`` as a user runs it: files in, a folder out, one stderr line and exit 2
on bad input with nothing written; plus the [shifts]/[roster] settings and the agents and
Frame C schemas it reads."""

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from roster_helpers import daily, frame_b

from shiftcast.cli import main
from core.config import config_from_dict
from core.errors import InputError
from core.output import csv_text, write_folder
from core.readers import read_table
from core.schema import validate_agents, validate_frame_c

CONFIG = """
[site]
timezone = "UTC"
interval_minutes = 60

[shifts]
start_step_minutes = 60
lengths_hours = [4, 8]
break_minutes = { 8 = 60 }
break_window_hours = [3, 4]
time_limit_seconds = 10

[roster]
queue_languages = { chat_zh = "zh" }
"""
AGENTS = """agent,contract_hours_per_week,min_shifts,max_shifts,skills,languages,unavailable_days
Ann,40,4,5,chat_en;chat_zh,en;zh,sat;sun
=HYPERLINK("x"),32,3,4,chat_en,en,
Cy,20,2,5,chat_zh,zh,2026-11-18
"""


@pytest.fixture
def files(tmp_path):
    requirements = frame_b({"chat_en": daily({(8, 20): 2}), "chat_zh": daily({(0, 6): 1, (22, 24): 1})})
    paths = {"requirements": tmp_path / "requirements.csv", "config": tmp_path / "shiftcast.toml",
             "agents": tmp_path / "agents.csv"}
    paths["requirements"].write_text(csv_text(requirements))
    paths["config"].write_text(CONFIG)
    paths["agents"].write_text(AGENTS)
    return paths


def run(capsys, *args):
    with pytest.raises(SystemExit) as stop:
        main(["roster", *map(str, args)])
    captured = capsys.readouterr()
    return stop.value.code, captured.err


def test_writes_the_plan_roster_and_a_safe_workbook(files, tmp_path, capsys):
    out = tmp_path / "out"
    code, err = run(capsys, "--requirements", files["requirements"], "--config", files["config"],
                    "--agents", files["agents"], "--out", out)
    assert code == 0, err
    assert "every interval covered" in err
    names = {p.name for p in out.iterdir()}
    assert names == {"shifts.csv", "coverage.csv", "roster.csv", "roster_grid.csv", "unassigned.csv", "agent_summary.csv",
                     "roster.xlsx", "run.json"}
    for table in ("shifts", "coverage", "roster", "unassigned", "agent_summary"):
        validate_frame_c(pd.read_csv(out / f"{table}.csv"), table, "UTC")
    roster = pd.read_csv(out / "roster.csv")
    assert "'=HYPERLINK(\"x\")" in set(roster["agent"])  # neutralised, not a formula
    assert "=HYPERLINK(\"x\")" in set(read_table(out / "roster.csv")["agent"])  # and the same name read back
    book = openpyxl.load_workbook(out / "roster.xlsx")
    assert book.sheetnames == ["shifts", "coverage", "roster", "roster_grid", "unassigned", "agent_summary"]
    grid = pd.read_csv(out / "roster_grid.csv").fillna("")  # one row per agent, one column per day
    assert list(grid.columns)[0] == "agent" and len(grid.columns) == 1 + 7 + 1 and len(grid) == roster["agent"].nunique()
    assert grid.set_index("agent")["paid_hours"].to_dict() == roster.groupby("agent")["paid_hours"].sum().to_dict()
    cells = [c.value for row in book["roster"].iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)


def test_without_agents_only_the_plan_is_written(files, tmp_path, capsys):
    out = tmp_path / "out"
    code, err = run(capsys, "--requirements", files["requirements"], "--config", files["config"], "--out", out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"shifts.csv", "coverage.csv", "roster.xlsx", "run.json"}


def _fails_cleanly(capsys, out, args, message):
    write_folder(out, {"previous.csv": "kept"})  # an earlier run folder
    code, err = run(capsys, *args, "--out", out)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("shiftcast: error: ")
    assert message in err
    assert sorted(p.name for p in out.iterdir()) == ["previous.csv", "run.json"]
    assert (out / "previous.csv").read_text() == "kept"
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".out")] == []


def test_negative_requirements_exit_2_and_write_nothing(files, tmp_path, capsys):
    frame = pd.read_csv(files["requirements"])
    frame["agents_scheduled"] = frame["agents_scheduled"].astype(float)
    frame.loc[3, "agents_scheduled"] = -2
    frame.loc[4, "agents_scheduled"] = 1.5
    frame.to_csv(files["requirements"], index=False)
    _fails_cleanly(capsys, tmp_path / "out", ["--requirements", files["requirements"], "--config", files["config"]],
                   "agents_scheduled must be >= 0; got -2.0")


def test_skills_for_queues_outside_the_plan_are_ignored_and_named(files, tmp_path, capsys):
    files["agents"].write_text(AGENTS.replace("chat_en;chat_zh,en;zh", "chat_en;voice_fr,en;zh"))
    code, err = run(capsys, "--requirements", files["requirements"], "--config", files["config"],
                    "--agents", files["agents"], "--out", tmp_path / "out")
    assert code == 0, err
    assert "skills for queues not in the plan ignored: voice_fr (1 agent)" in err
    assert "Ann" in set(read_table(tmp_path / "out" / "roster.csv")["agent"])  # still works chat_en


def test_shifts_that_cannot_cover_the_hours_exit_2(files, tmp_path, capsys):
    files["config"].write_text(CONFIG.replace("start_step_minutes = 60", 'start_step_minutes = 60\n'
                                              'earliest_start = "06:00"\nlatest_start = "12:00"'))
    _fails_cleanly(capsys, tmp_path / "out", ["--requirements", files["requirements"], "--config", files["config"]],
                   "shifts must be able to cover every interval that needs agents; got none on duty at "
                   "2026-11-16T00:00:00+00:00 (queue chat_zh")


def test_the_console_command_runs_as_a_subprocess(files, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "shiftcast", "roster", "--requirements", str(files["requirements"]),
                           "--config", str(files["config"]), "--week-start", "2026-11-30", "--out", str(out)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 2 and not out.exists()
    assert done.stderr.strip().startswith("shiftcast: error: requirements must cover every 60-minute interval")


# ------------------------------------------------------------------- settings


@pytest.mark.parametrize("table, message", [
    ({"shifts": {"break_minutes": {"long": 30}}}, "break_minutes keys are shift lengths in hours"),
    ({"shifts": {"night_hours": ["22:00", "22:00"]}}, "night start and end must differ"),
    ({"shifts": {"break_window_hours": [5, 2]}}, "break_window_hours must be [earliest, latest]"),
    ({"shifts": {"plan_to": "monthly"}}, "shifts.plan_to = 'monthly' is invalid"),
    ({"roster": {"min_rest": 11}}, "unknown setting 'roster.min_rest'; known settings here: min_rest_hours"),
    ({"roster": {"min_days_off": 7}}, "roster.min_days_off = 7 is invalid"),
])
def test_bad_settings_are_named(table, message):
    with pytest.raises(InputError) as error:
        config_from_dict(table)
    assert message in str(error.value)


def test_a_shift_takes_the_break_of_the_longest_length_it_reaches():
    rules = config_from_dict({"shifts": {"break_minutes": {"6": 30, "8": 45}}}).shifts
    assert [rules.break_for(h) for h in (4, 6, 7.5, 8, 10)] == [0, 30, 30, 45, 45]


# -------------------------------------------------------------------- schemas


@pytest.mark.parametrize("change, message", [
    ({"agent": ["Ann", "Ann"]}, "agent names must be unique; got 'Ann', 'Ann' more than once"),
    ({"contract_hours_per_week": [0, 40]}, "contract_hours_per_week must be > 0; got 0 for agent(s) 'Ann'"),
    ({"max_shifts": [2.5, 5]}, "max_shifts must be a whole number of shifts in [0, 7]; got 2.5"),
    ({"min_shifts": [6, 0]}, "min_shifts must not exceed max_shifts; it does for agent(s) 'Ann'"),
    ({"skills": ["", "email"]}, "skills must list at least one queue; got none for agent(s) 'Ann'"),
    ({"unavailable_days": ["someday", ""]}, "unavailable_days must be weekdays (mon..sun) or dates YYYY-MM-DD; got 'someday'"),
])
def test_bad_agents_files_are_named(change, message):
    frame = pd.DataFrame({"agent": ["Ann", "Bo"], "contract_hours_per_week": [40, 40], "min_shifts": [0, 0],
                          "max_shifts": [5, 5], "skills": ["email", "email"], "unavailable_days": ["", ""]})
    with pytest.raises(InputError) as error:
        validate_agents(frame.assign(**change))
    assert message in str(error.value)


def test_agents_lists_are_parsed():
    frame = validate_agents(pd.DataFrame({"agent": [" Ann "], "contract_hours_per_week": [40], "min_shifts": [4],
                                          "max_shifts": [5], "skills": ["chat_en; email"],
                                          "unavailable_days": ["SAT;2026-11-18"]}))
    assert frame.loc[0, "agent"] == "Ann" and frame.loc[0, "skills"] == ["chat_en", "email"]
    assert frame.loc[0, "languages"] == [] and frame.loc[0, "unavailable_days"] == ["sat", "2026-11-18"]


def test_a_frame_c_table_missing_a_column_is_named():
    with pytest.raises(InputError, match="shifts is missing column\\(s\\) agents"):
        validate_frame_c(pd.DataFrame({c: [] for c in ("shift_id", "queue", "start", "end", "breaks", "paid_hours",
                                                          "night_hours", "cost")}), "shifts", "UTC")
