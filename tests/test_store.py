"""The store: forecast snapshots and actuals in SQLite (embedded) and PostgreSQL (a real
server: the one .ci/run starts; skipped when SHIFTCAST_TEST_POSTGRES_URL is not set)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from core.errors import InputError
from core.store import Store, store_url
from shiftcast.cli import main

ZONE = "Europe/Malta"


def forecast_frame() -> pd.DataFrame:
    stamps = pd.date_range("2026-03-28 22:00", periods=8, freq="30min", tz=ZONE)  # across the spring change
    return pd.DataFrame({"queue": "calls", "interval_start": stamps, "volume": np.arange(8) * 1.5,
                         "volume_p10": np.arange(8) * 1.0, "volume_p90": np.arange(8) * 2.0,
                         "aht_seconds": [300.0] * 7 + [np.nan]})


def round_trip(store: Store) -> None:
    forecast = forecast_frame()
    first, second = store.save_forecast(forecast, command="forecast"), store.save_forecast(forecast, command="plan")
    assert second == first + 1
    stored = store.forecasts(ZONE)
    mine = stored[stored["snapshot_id"] == second].reset_index(drop=True)
    pd.testing.assert_series_equal(mine["interval_start"], forecast["interval_start"], check_names=False)
    assert np.allclose(mine["volume"], forecast["volume"]) and mine["aht_seconds"].isna().iloc[-1]
    assert (mine["origin"] == forecast["interval_start"].min().date()).all()

    actual = forecast[["queue", "interval_start"]].assign(offered=5, answered=4, abandoned=1, aht_seconds=310.0,
                                                         sl_actual=0.8)
    store.save_actuals(actual)
    store.save_actuals(actual.assign(offered=6))  # the same intervals again: replaced, not doubled
    back = store.actuals(ZONE)
    assert len(back) == 8 and (back["offered"] == 6).all()


def test_the_embedded_store_keeps_snapshots_and_replaces_actuals(tmp_path):
    url = store_url(None, tmp_path / "out")
    assert url == f"sqlite:///{tmp_path / 'shiftcast.db'}"
    store = Store(url)
    assert not (tmp_path / "shiftcast.db").exists()  # made on the first write: a failed run leaves nothing
    round_trip(store)
    store.close()
    with pytest.raises(InputError, match="store 'nosuchdb://x' cannot be used"):
        Store("nosuchdb://x")
    with pytest.raises(InputError, match=r"cannot be used \(folder .*nowhere does not exist\)"):
        Store(store_url(str(tmp_path / "nowhere" / "desk.db"), tmp_path / "out"))


@pytest.mark.skipif(not os.environ.get("SHIFTCAST_TEST_POSTGRES_URL"),
                    reason="no PostgreSQL server (.ci/run starts one and sets SHIFTCAST_TEST_POSTGRES_URL)")
def test_the_postgresql_store_does_the_same():
    from sqlalchemy import create_engine, text

    url = os.environ["SHIFTCAST_TEST_POSTGRES_URL"]
    engine = create_engine(url)
    with engine.begin() as connection:  # a clean database for this test
        for table in ("forecast_values", "forecast_snapshots", "actuals"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()
    store = Store(url)
    round_trip(store)
    assert store.count("forecast_snapshots") == 2
    store.close()


def test_forecast_snapshots_meet_the_actuals_of_a_review(tmp_path, capsys):
    from tests.forecast_helpers import make_history

    history = make_history(days=35, minutes=30, queues=("calls",), peak=20.0, seed=4)
    cut = history["interval_start"].max().normalize() - pd.Timedelta(days=6)  # the last week is "what happened"
    history[history["interval_start"] < cut].assign(
        interval_start=lambda f: f["interval_start"].map(pd.Timestamp.isoformat)).to_csv(tmp_path / "history.csv",
                                                                                         index=False)
    desk = tmp_path / "desk.toml"
    desk.write_text(f'[site]\ntimezone = "{history["interval_start"].dt.tz}"\ninterval_minutes = 30\n'
                    f'[forecast]\nhorizon_days = 7\nfolds = 2\nmodels = ["slot_median_8w"]\n'
                    f'[store]\nurl = "{tmp_path / "desk.db"}"\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["forecast", "--history", str(tmp_path / "history.csv"), "--config", str(desk), "--out",
              str(tmp_path / "forecast")])
    assert exit_info.value.code == 0, capsys.readouterr().err
    assert "stored as forecast snapshot 1" in capsys.readouterr().err

    rng = np.random.default_rng(5)
    week = history[history["interval_start"] >= cut]
    arrivals = [stamp + pd.Timedelta(seconds=float(s)) for stamp, volume in zip(week["interval_start"], week["volume"])
                for s in rng.uniform(0, 1800, int(volume))]
    log = pd.DataFrame({"arrival": [a.isoformat() for a in arrivals], "queue": "calls", "wait_seconds": 5.0,
                        "handle_seconds": 200.0, "abandoned": False, "agent": "A"})
    log.to_csv(tmp_path / "log.csv", index=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["review", "--log", str(tmp_path / "log.csv"), "--config", str(desk), "--out", str(tmp_path / "review")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 0, err
    accuracy = pd.read_csv(tmp_path / "review" / "accuracy.csv").set_index("lead_days")
    assert {0, 1} <= set(accuracy.index) and "forecast 0 day(s) ahead: wMAPE" in err

    forecast = pd.read_csv(tmp_path / "forecast" / "forecast.csv")
    review = pd.read_csv(tmp_path / "review" / "review.csv")
    first_day = forecast["interval_start"].str[:10].min()
    merged = forecast[forecast["interval_start"].str[:10] == first_day].merge(review, on=["queue", "interval_start"])
    by_hand = np.abs(merged["volume"] - merged["offered"]).sum() / merged["offered"].sum()
    assert accuracy.loc[0, "wmape"] == pytest.approx(by_hand)
    assert 0 < accuracy.loc[0, "poisson_floor"] < accuracy.loc[0, "wmape"] + 0.2


def test_a_store_that_cannot_be_used_stops_the_run_before_any_work(tmp_path, capsys):
    (tmp_path / "history.csv").write_text("interval_start,volume\n2026-03-02T08:00:00+00:00,3\n")
    (tmp_path / "desk.toml").write_text('[site]\ntimezone = "UTC"\n[store]\nurl = "nosuchdb://x"\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["forecast", "--history", str(tmp_path / "history.csv"), "--config", str(tmp_path / "desk.toml"),
              "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and len(err.strip().splitlines()) == 1 and "store 'nosuchdb://x'" in err
    assert not (tmp_path / "out").exists()


def test_the_default_store_is_made_beside_an_output_folder_the_run_creates(tmp_path, capsys):
    """As in a fresh clone, where `make run` writes out/plan and out/ does not exist yet: the
    default store, shiftcast.db beside --out, is made with the output's folder."""
    from tests.test_review import LOG

    LOG.to_csv(tmp_path / "log.csv", index=False)
    (tmp_path / "desk.toml").write_text('[site]\ntimezone = "UTC"\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["review", "--log", str(tmp_path / "log.csv"), "--config", str(tmp_path / "desk.toml"),
              "--out", str(tmp_path / "new" / "review")])
    assert exit_info.value.code == 0, capsys.readouterr().err
    assert (tmp_path / "new" / "review" / "review.csv").is_file() and (tmp_path / "new" / "shiftcast.db").is_file()
