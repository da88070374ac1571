"""``shiftcast forecast`` and ``shiftcast backtest`` as a user runs them."""

import sqlite3
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from forecast_helpers import iso, make_history
from shiftcast.cli import main
from core.output import write_folder
from core.schema import validate_frame_a
from forecast.models import LEFT_OUT_BY_DEFAULT

ROOT = Path(__file__).resolve().parents[1]


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.fixture
def quick_config(tmp_path):
    """Two cheap models: these tests are about the command, not the models."""
    path = tmp_path / "quick.toml"
    path.write_text('[forecast]\nmodels = ["seasonal_naive", "weighted_mean_8w"]\n')
    return path


@pytest.fixture
def history_file(tmp_path):
    path = tmp_path / "history.csv"
    iso(make_history(days=28, minutes=60, queues=("chat", "voice"), timezone="UTC")).to_csv(path, index=False)
    return path


def test_forecast_writes_a_frame_a_forecast_with_backtest_and_peaks(tmp_path, history_file, quick_config,
                                                                   capsys):
    out = tmp_path / "out"
    code, _, err = run(["forecast", "--history", str(history_file), "--horizon", "2D", "--folds", "2",
                        "--config", str(quick_config), "--out", str(out)], capsys)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {"forecast.csv", "backtest.csv", "backtest_folds.csv", "peaks.csv",
                                               "heatmap.csv", "cleaning.csv", "run.json"}
    forecast = validate_frame_a(pd.read_csv(out / "forecast.csv"), "UTC", source="forecast.csv")
    assert len(forecast) == 2 * 2 * 24 and set(forecast["queue"]) == {"chat", "voice"}
    assert forecast["aht_seconds"].gt(0).all()
    backtest = pd.read_csv(out / "backtest.csv")
    assert backtest.groupby("queue")["chosen"].sum().tolist() == [1, 1]
    assert "interval_start has no UTC offset" not in err


def test_forecast_can_start_later_than_the_day_after_the_history(tmp_path, history_file, quick_config,
                                                                  capsys):
    out = tmp_path / "out"
    code, _, err = run(["forecast", "--history", str(history_file), "--horizon", "1D", "--folds", "2",
                        "--config", str(quick_config), "--start", "2026-04-01", "--out", str(out)], capsys)
    assert code == 0, err
    forecast = pd.read_csv(out / "forecast.csv")
    assert forecast["interval_start"].str.startswith("2026-04-01").all() and len(forecast) == 2 * 24
    code, _, err = run(["forecast", "--history", str(history_file), "--start", "2026-03-10", "--out", str(out)],
                       capsys)
    assert code == 2 and "--start must be a date from 2026-03-30 to 2026-05-24 for queue chat" in err  # 4 folds x 14D


def test_a_start_past_what_the_backtest_can_score_is_exit_2(tmp_path, history_file, quick_config, capsys):
    out = tmp_path / "out"
    code, _, err = run(["forecast", "--history", str(history_file), "--horizon", "1D", "--folds", "2",
                        "--config", str(quick_config), "--start", "2026-06-01", "--out", str(out)], capsys)
    assert code == 2 and not out.exists()
    assert ("--start must be a date from 2026-03-30 to 2026-04-12 for queue chat, whose history ends 2026-03-29 "
            "(the backtest scores the 14 days before the start and needs history in them); got 2026-06-01") in err


def test_backtest_writes_the_accuracy_table(tmp_path, history_file, capsys):
    out = tmp_path / "bt"
    code, _, err = run(["backtest", "--history", str(history_file), "--horizon", "2D", "--folds", "3",
                        "--out", str(out)], capsys)
    assert code == 0, err
    table = pd.read_csv(out / "backtest.csv")
    assert {"wmape", "mase", "bias", "peak_wmape", "coverage_p10_p90", "chosen"} <= set(table.columns)
    assert set(table["model"]) >= {"seasonal_naive", "slot_median_8w", "top_down_ets", "top_down_sarimax"}
    assert "mstl" not in set(table["model"])  # left out by default (forecast.models.LEFT_OUT_BY_DEFAULT)
    assert json.loads((out / "run.json").read_text())["models_left_out"] == {"mstl": LEFT_OUT_BY_DEFAULT["mstl"]}
    assert (table["folds"] == 7).all()  # 2-day horizon: folds raised so that 14 days are scored


def test_interval_reaggregates_and_a_contact_log_is_counted(tmp_path, quick_config, capsys):
    log = tmp_path / "log.csv"
    history = make_history(days=21, minutes=60, peak=4, timezone="UTC")
    arrivals = history.loc[history.index.repeat(history["volume"].astype(int)), "interval_start"]
    pd.DataFrame({"arrival": arrivals.dt.tz_localize(None).map(pd.Timestamp.isoformat)}).to_csv(log, index=False)
    out = tmp_path / "out"
    code, _, err = run(["forecast", "--history", str(log), "--interval", "120min", "--horizon", "1D",
                        "--folds", "2", "--config", str(quick_config), "--out", str(out)], capsys)
    assert code == 0, err
    assert len(pd.read_csv(out / "forecast.csv")) == 12
    assert "read as UTC local time" in " ".join(err.split())


def _sqlite(tmp_path):
    path = tmp_path / "h.db"
    sqlite3.connect(path).close()
    return path


def _csv(text: str):
    return lambda path: path.write_text(text)


def _history(days: int):
    return lambda path: iso(make_history(days=days, minutes=60, timezone="UTC")).to_csv(path, index=False)


HEADER = "interval_start,volume\n"
BAD = {
    "empty file": (_csv(""), [], "is empty; give a file with a header row and data"),
    "no timestamp column": (_csv("calls\n1\n"), [], "has no timestamp column; found calls"),
    "unparseable timestamps": (_csv(HEADER + "soon,1\n"), [], "interval_start must be ISO 8601 timestamps"),
    "duplicate timestamps": (_csv(HEADER + "2026-03-02T09:00,1\n2026-03-02T09:00,2\n"), [],
                             "interval_start has duplicate rows for the same queue"),
    "mixed time zones": (_csv(HEADER + "2026-03-02T09:00+01:00,1\n2026-03-02T10:00,2\n"), [],
                         "mixes timestamps with and without a UTC offset"),
    "negative volume": (_csv(HEADER + "2026-03-02T09:00,1\n2026-03-02T10:00,-2\n"), [],
                        "volume must be >= 0; got -2"),
    "absurd volume": (_csv(HEADER + "2026-03-02T09:00,1e308\n2026-03-02T10:00,1\n"), [],
                      "volume must be <= 1,000,000,000; got 1e+308 at 2026-03-02T09:00:00+00:00 (queue default)"),
    "history under two weeks": (_history(10), [], "must cover at least 14 days (two weeks); got 10 days"),
    "zero horizon": (_history(21), ["--horizon", "0D"], "--horizon must be positive; got '0D'"),
    "negative horizon": (_history(21), ["--horizon", "-7D"], "--horizon must be positive; got '-7D'"),
    "failing SQL query": (None, ["--query", "SELECT * FROM nowhere"], "SQL query failed on sqlite:///"),
}


@pytest.mark.parametrize("command", ["forecast", "backtest"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_nothing_is_written(case, command, tmp_path, capsys):
    write, extra, message = BAD[case]
    if write is None:
        source = _sqlite(tmp_path)
    else:
        source = tmp_path / "history.csv"
        write(source)
    out = tmp_path / "out"
    write_folder(out, {"previous.csv": "kept"})  # an earlier run folder
    code, _, err = run([command, "--history", str(source), "--out", str(out), *extra], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    assert sorted(p.name for p in out.iterdir()) == ["previous.csv", "run.json"]


def test_the_sample_history_forecast_feeds_staff_unchanged(tmp_path):
    """End to end, as a user runs it: data/ sample -> forecast -> staff."""
    forecast_dir, staff_dir = tmp_path / "fc", tmp_path / "staff"
    command = [sys.executable, "-m", "shiftcast"]
    done = subprocess.run([*command, "forecast", "--history", "data/sample_history.csv.gz", "--config",
                           "data/shiftcast.toml", "--events", "data/events.csv", "--horizon", "7D", "--folds", "2",
                           "--out", str(forecast_dir)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    forecast = pd.read_csv(forecast_dir / "forecast.csv")
    assert set(forecast["queue"]) == {"chat_en", "chat_zh", "email", "voice_en"}
    assert len(forecast) == 4 * 7 * 96
    done = subprocess.run([*command, "staff", "--forecast", str(forecast_dir / "forecast.csv"), "--config",
                           "data/shiftcast.toml", "--out", str(staff_dir)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    requirements = pd.read_csv(staff_dir / "requirements.csv")
    assert len(requirements) == len(forecast) and requirements["agents_scheduled"].gt(0).any()


def test_an_interval_from_the_config_is_named_as_the_config_setting(tmp_path, capsys):
    source = tmp_path / "history.csv"
    iso(make_history(days=21)).to_csv(source, index=False)
    config = tmp_path / "shiftcast.toml"
    config.write_text("[site]\ninterval_minutes = 10\n")
    code, _, err = run(["forecast", "--history", str(source), "--config", str(config), "--out", str(tmp_path / "o")],
                       capsys)
    assert code == 2 and "[site] interval_minutes must be a multiple" in err and "--interval" not in err


def test_backtest_names_the_chosen_model_and_the_lowest_when_they_differ(tmp_path, capsys):
    source = tmp_path / "history.csv"
    iso(make_history(days=35)).to_csv(source, index=False)
    code, _, err = run(["backtest", "--history", str(source), "--out", str(tmp_path / "o"), "--folds", "2"], capsys)
    assert code == 0
    table = pd.read_csv(tmp_path / "o" / "backtest.csv")
    chosen, lowest = table[table["chosen"]].iloc[0], table.loc[table["wmape"].idxmin()]
    assert f"chat: chosen {chosen['model']}, wMAPE {chosen['wmape']:.3f}" in err
    assert "best " not in err
    assert (f"lowest wMAPE: {lowest['model']}" in err) == (lowest["model"] != chosen["model"])


@pytest.mark.parametrize("option, message", [
    ("outcome", "--ignore must be COLUMN=VALUE[,VALUE...], e.g. outcome=PHANTOM; got 'outcome'"),
    ("outcome=", "--ignore must be COLUMN=VALUE[,VALUE...], e.g. outcome=PHANTOM; got 'outcome='"),
    ("result=X", "--ignore 'result' is not a column; found"),
])
def test_a_bad_ignore_option_is_one_line_and_exit_2(tmp_path, history_file, quick_config, capsys, option, message):
    code, _, err = run(["forecast", "--history", str(history_file), "--config", str(quick_config), "--ignore", option,
                        "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_ignored_rows_leave_the_forecast(tmp_path, history_file, quick_config, capsys):
    code, _, err = run(["forecast", "--history", str(history_file), "--horizon", "1D", "--folds", "2",
                        "--config", str(quick_config), "--ignore", "queue=voice", "--out", str(tmp_path / "out")],
                       capsys)
    assert code == 0, err
    assert set(pd.read_csv(tmp_path / "out" / "forecast.csv")["queue"]) == {"chat"}
    assert "row(s) ignored where queue is voice" in err
