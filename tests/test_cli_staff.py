"""The CLI as a user runs it: `shiftcast erlang` and `shiftcast staff`, good and bad input."""

import pandas as pd
import pytest

from core.schema import validate_frame_b
from tests.conftest import DATA, run_cli


def test_erlang_calculator_textbook_case():
    done = run_cli("erlang", "--volume", "100", "--aht", "180", "--interval", "30min", "--sl", "0.8", "--answer", "20")
    assert done.returncode == 0, done.stderr
    assert "Smallest headcount meeting every target: 14 agents" in done.stdout
    assert "14 <" in done.stdout and "88.8%" in done.stdout


def test_erlang_calculator_solves_for_a_headcount_with_erlang_a():
    done = run_cli("erlang", "--volume", "100", "--aht", "180", "--agents", "12", "--patience", "60")
    assert done.returncode == 0, done.stderr
    assert "Erlang A" in done.stdout and "12 <" in done.stdout and "abandon" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--volume", "-1", "--aht", "180"], "volume must be >= 0; got -1"),
    (["--volume", "nan", "--aht", "180"], "volume must be >= 0; got nan"),
    (["--volume", "10", "--aht", "0"], "aht_seconds must be > 0; got 0"),
    (["--volume", "10", "--aht", "180", "--sl", "1.5"], "--sl = 1.5 is invalid"),
    (["--volume", "10", "--aht", "180", "--answer", "-5"], "--answer = -5.0 is invalid"),
    (["--volume", "10", "--aht", "180", "--max-occupancy", "0"], "--max-occupancy = 0.0 is invalid"),
    (["--volume", "10", "--aht", "180", "--interval", "soon"], "--interval 'soon' is not a duration"),
    (["--volume", "ten", "--aht", "180"], "Invalid value for '--volume'"),
])
def test_erlang_calculator_bad_input(args, message):
    done = run_cli("erlang", *args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_staff_the_sample_forecast(tmp_path):
    out = tmp_path / "staff"
    done = run_cli("staff", "--forecast", str(DATA / "sample_forecast.csv.gz"),
                   "--config", str(DATA / "shiftcast.toml"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = validate_frame_b(pd.read_csv(out / "requirements.csv"), "Europe/Malta")
    assert set(table["queue"]) == {"chat_en", "chat_zh", "email", "voice_en"}
    assert set(table["model"]) == {"chat_erlang_a", "deferred", "erlang_a"}
    assert len(table) == 4 * 14 * 96
    assert (table["agents_scheduled"] >= table["agents_required"]).all()
    assert "chat_en: chat_erlang_a" in done.stderr


def test_a_queue_without_settings_is_reported(tmp_path):
    forecast = tmp_path / "f.csv"
    pd.DataFrame({"queue": "social_en", "interval_start": ["2026-06-01T10:00:00+02:00", "2026-06-01T10:15:00+02:00"],
                  "volume": [10, 0]}).to_csv(forecast, index=False)
    done = run_cli("staff", "--forecast", str(forecast), "--config", str(DATA / "shiftcast.toml"), "--out", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert "note: queue 'social_en' has no [queues.social_en] table, so [queue_defaults] apply\n" in done.stderr
    assert pd.read_csv(tmp_path / "o" / "requirements.csv")["settings_source"].unique().tolist() == ["queue_defaults"]


def _forecast_file(tmp_path, text):
    path = tmp_path / "forecast.csv"
    path.write_text(text)
    return path


GOOD_HEADER = "queue,interval_start,volume,aht_seconds\n"
BAD_FORECASTS = {
    "negative volume": (GOOD_HEADER + "q,2026-06-01T10:00:00+02:00,-3,200\n", "volume must be >= 0; got -3 at 2026-06-01T10:00:00+02:00 (queue q)"),
    "NaN volume": (GOOD_HEADER + "q,2026-06-01T10:00:00+02:00,,200\n", "volume must be >= 0; got nan"),
    "zero AHT": (GOOD_HEADER + "q,2026-06-01T10:00:00+02:00,3,0\n", "aht_seconds must be > 0; got 0"),
    "missing column": ("queue,when,volume\nq,2026-06-01T10:00:00+02:00,3\n", "missing column(s) interval_start; found queue, when, volume"),
    "duplicate timestamps": (GOOD_HEADER + "q,2026-06-01T10:00:00+02:00,3,200\nq,2026-06-01T10:00:00+02:00,4,200\n",
                             "duplicate rows for the same queue"),
    "unparseable timestamp": (GOOD_HEADER + "q,June 1st,3,200\n", "interval_start must be ISO 8601 timestamps"),
    "empty file": ("", "is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_FORECASTS))
def test_staff_bad_forecast_files_exit_2_and_write_nothing(tmp_path, case):
    text, message = BAD_FORECASTS[case]
    out = tmp_path / "out"
    out.mkdir()
    (out / "requirements.csv").write_text("the previous good result\n")
    done = run_cli("staff", "--forecast", str(_forecast_file(tmp_path, text)), "--config", str(DATA / "shiftcast.toml"),
                   "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("shiftcast: error: ") and done.stderr.count("\n") == 1
    assert message in done.stderr
    assert (out / "requirements.csv").read_text() == "the previous good result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecast.csv", "out"]


@pytest.mark.parametrize("config_text, message", [
    (None, "not found"),
    ("[queue_defaults\n", "not valid TOML"),
    ("[queue_defaults]\nservice_level = 'high'\n", "queue_defaults.service_level = 'high' is invalid"),
    ("[queue_defaults]\nmax_occupancy = 1.2\n", "queue_defaults.max_occupancy = 1.2 is invalid"),
    ("[site]\ninterval_minutes = 30\n", "data are in 15-minute intervals but site.interval_minutes is 30"),
])
def test_staff_bad_config_exits_2(tmp_path, config_text, message):
    config = tmp_path / "shiftcast.toml"
    if config_text is not None:
        config.write_text(config_text)
    done = run_cli("staff", "--forecast", str(DATA / "sample_forecast.csv.gz"), "--config", str(config),
                   "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_staff_to_must_be_a_forecast_column(tmp_path):
    done = run_cli("staff", "--forecast", str(DATA / "sample_forecast.csv.gz"), "--staff-to", "volume_p99",
                   "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "--staff-to must be one of volume, volume_p90" in done.stderr


def test_erlang_calculator_names_every_bad_option_at_once():
    done = run_cli("erlang", "--volume", "10", "--aht", "180", "--sl", "1.5", "--shrinkage", "1")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--sl = 1.5 is invalid" in done.stderr and "--shrinkage = 1.0 is invalid" in done.stderr
