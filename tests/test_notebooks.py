"""The analyst notebooks in notebooks/: each runs top to bottom on the sample data, computes
the figures it claims, and is committed without outputs.

Each notebook's last cell prints one line ``SUMMARY {json}`` with its key figures; the tests
execute a copy of the notebook with nbclient (the current venv's ``python3`` kernel, working
directory and import path at this checkout's root, so the kernel imports this checkout's
library, installed or not) and check those figures, so a notebook that runs but computes
nonsense fails.
"""

import json
import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ("01_explore_history.ipynb", "02_forecast_backtest.ipynb", "03_staffing_and_roster.ipynb")
CELL_TIMEOUT_SECONDS = 120
SUMMARY = "SUMMARY "


def run_notebook(name: str, tmp_path, monkeypatch) -> dict:
    """Execute a copy of ``notebooks/NAME`` and return its summary line, parsed."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))  # the kernel imports this checkout
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))  # connection files stay out of $HOME
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3", coalesce_streams=True,
                            resources={"metadata": {"path": str(ROOT)}})
    try:
        client.execute()  # raises CellExecutionError, with the cell and traceback, on the first error
    finally:
        nbformat.write(notebook, tmp_path / name)  # the executed copy, to open when something fails
    # a printed line may reach the notebook in several stream messages: join them before splitting lines
    printed = "".join(output["text"] for output in notebook.cells[-1].get("outputs", [])
                      if output.get("output_type") == "stream" and output.get("name") == "stdout")
    lines = [line for line in printed.splitlines() if line.startswith(SUMMARY)]
    assert len(lines) == 1, f"the last cell of {name} must print one {SUMMARY!r} line; executed copy: {tmp_path / name}"
    summary = json.loads(lines[0].removeprefix(SUMMARY))
    assert summary["library"] == str(ROOT), "the kernel imported another checkout's library"
    return summary


def test_every_notebook_is_tested():
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for number, cell in enumerate(code, start=1):
        assert cell.outputs == [], f"{name}: code cell {number} has outputs; clear them before committing"
        assert cell.execution_count is None, f"{name}: code cell {number} has an execution count"
        assert "execution" not in cell.metadata, f"{name}: code cell {number} keeps execution timings"
    assert "widgets" not in notebook.metadata


def test_explore_history_notebook(tmp_path, monkeypatch):
    summary = run_notebook("01_explore_history.ipynb", tmp_path, monkeypatch)
    assert summary["queues"] == ["chat_en", "chat_zh", "email", "voice_en"]
    assert summary["interval_minutes"] == 15
    days = summary["days"]
    assert days >= 26 * 7
    # 23- and 25-hour days: the 96 intervals of an ordinary day, minus 4, plus 4
    assert summary["dst_days"] == {"2026-03-29": 92, "2026-10-25": 100}
    assert summary["intervals_per_queue"] == {queue: 96 * days for queue in summary["queues"]}
    # Maltese holidays halve the Maltese queues and leave the Chinese one alone ...
    factors = summary["holiday_factor"]
    assert all(0.3 < factors[q] < 0.8 for q in ("chat_en", "email", "voice_en"))
    assert 0.9 < factors["chat_zh"] < 1.1
    # ... whose own holidays show in its history and are learned with China's calendar
    assert summary["golden_week_ratio_chat_zh"] < 0.8
    assert summary["chat_zh_cn_holiday_factor"] < 0.8
    # the six market events of events.csv: written contacts surge, voice does not
    assert summary["event_days"] == 6
    assert summary["largest_surge_chat_en"] > 2
    assert summary["voice_surge_max"] < 1.3
    assert summary["peak_days"] == 4 * days
    assert all(9 <= hour <= 22 for hour in summary["busiest_hour"].values())


def test_forecast_backtest_notebook(tmp_path, monkeypatch):
    summary = run_notebook("02_forecast_backtest.ipynb", tmp_path, monkeypatch)
    assert summary["queues"] == ["chat_en", "voice_en"]
    assert summary["folds"] == 4
    assert {"seasonal_naive", "slot_median_8w", "top_down_ets", "top_down_sarimax"} <= set(summary["models"])
    assert "mstl" not in summary["models"]  # left out by default
    for queue, choice in summary["choices"].items():
        assert choice["chosen"] != "seasonal_naive", queue
        assert choice["wmape"] < 0.95 * choice["seasonal_naive_wmape"], queue
        assert 0.7 <= choice["coverage_p10_p90"] <= 0.9, queue
    # fitting each model by hand at the last origin reproduces the backtest's last fold (SARIMAX,
    # warm-started from the fold before in the backtest, to within a few millionths of wMAPE)
    assert summary["last_fold_match"] < 1e-9
    assert 0 <= summary["sarimax_last_fold_difference"] < 1e-4
    assert summary["forecast_days"] == 14
    assert summary["forecast_intervals"] == 14 * 96  # no DST change in the horizon
    assert summary["band_ordered"]
    # the planned network upgrade (x1.8 for 6 hours) lifts its day
    assert 1.15 < summary["event_lift"] < 1.8
    assert 0.05 < summary["noise_floor_wmape"] < summary["choices"]["chat_en"]["wmape"]


def test_staffing_and_roster_notebook(tmp_path, monkeypatch):
    summary = run_notebook("03_staffing_and_roster.ipynb", tmp_path, monkeypatch)
    # textbook answers (docs/staffing.md): 100 calls / 30 min at 180 s, 80/20
    assert summary["erlang_c_agents"] == 14
    assert summary["erlang_c_service_level"] == pytest.approx(0.888, abs=1e-3)
    assert summary["erlang_c_scheduled"] == 20  # 30% shrinkage
    assert summary["erlang_a_agents"] == 12  # mean patience 120 s
    assert summary["chat_agents"] == {"1": 46, "2": 23, "3": 16}  # 60 chats / 15 min at 600 s, 80/60
    # simulation reproduces Erlang C with exponential handle times; a long tail waits longer
    interval = summary["interval"]
    assert abs(interval["simulated_service_level"] - interval["erlang_service_level"]) < 0.02
    assert abs(interval["simulated_asa_seconds"] - interval["erlang_asa_seconds"]) < 1.5
    assert interval["lognormal_cv2_asa_seconds"] > 1.3 * interval["erlang_asa_seconds"]
    day = summary["day"]
    assert abs(day["simulated_service_level"] - day["erlang_a_service_level"]) < 0.03
    assert abs(day["simulated_abandon_rate"] - day["erlang_a_abandon_rate"]) < 0.02
    hours = summary["what_if_agent_hours"]
    assert hours["base"] < hours["handle time +10%"] < 1.1 * hours["base"]
    assert hours["target 90/30"] > hours["base"]
    assert hours["staff to p90 band"] > hours["base"]
    plan = summary["plan"]
    assert plan["status"] == "optimal"
    assert plan["shortfall_agent_hours"] == 0
    assert plan["paid_agent_hours"] >= plan["required_agent_hours"] > 0
    assert 0 < summary["flexible_plan_cost"] < plan["cost"]
    roster = summary["roster"]
    assert roster["status"] in ("optimal", "feasible")
    assert roster["shifts_unassigned"] == 0
    assert roster["shifts_assigned"] == plan["shifts"]
