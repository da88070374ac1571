"""Frame A + settings -> Frame B: the model per channel, shrinkage, staff_to, defaults."""

import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.errors import InputError
from core.schema import FRAME_B_COLUMNS, validate_frame_a
from staffing import erlang
from staffing.requirements import requirements

TZ = "UTC"


def forecast(volume, aht=180.0, queue="q", **extra):
    times = pd.date_range("2026-06-01", periods=len(volume), freq="30min", tz=TZ)
    return validate_frame_a(pd.DataFrame({"queue": queue, "interval_start": times, "volume": volume,
                                          "aht_seconds": aht, **extra}), TZ)


def config(**queue):
    return Config.model_validate({"queues": {"q": queue}} if queue else {})


def test_voice_queue_matches_erlang_c_and_applies_shrinkage():
    table = requirements(forecast([100.0, 0.0, 50.0]), config(shrinkage=0.3, max_occupancy=None),
                         interval_seconds=1800)
    assert table["agents_required"].tolist() == [14, 0, 8]
    assert table["agents_scheduled"].tolist() == [20, 0, 12]  # ceil(14 / 0.7) = 20 exactly, not 21
    assert table["model"].unique().tolist() == ["erlang_c"]
    assert table["service_level"].iloc[0] == pytest.approx(0.88835, abs=1e-5)  # test_erlang: textbook case
    assert table["service_level"].iloc[1] == 1.0 and table["occupancy"].iloc[1] == 0.0
    assert table["abandon_rate"].isna().all()
    assert list(table.columns) == [c for c in FRAME_B_COLUMNS if c in table.columns]


def test_patience_switches_to_erlang_a():
    table = requirements(forecast([100.0]), config(patience_seconds=60), interval_seconds=1800)
    expected = erlang.required_agents_erlang_a(100, 180, 1800, patience_seconds=60, service_level=0.8,
                                               answer_seconds=20, max_occupancy=0.85)
    assert table["model"].item() == "erlang_a" and table["agents_required"].item() == int(expected)
    assert 0 < table["abandon_rate"].item() < 0.2


def test_chat_concurrency_shares_slots_between_agents():
    table = requirements(forecast([400.0], aht=600.0), config(channel="chat", concurrency=3), interval_seconds=900)
    slots = int(erlang.required_agents(400, 600, 900, max_occupancy=0.85))
    assert table["model"].item() == "chat_erlang_c"
    assert table["agents_required"].item() == -(-slots // 3)
    assert table["occupancy"].item() == pytest.approx(400 * 600 / 900 / (3 * table["agents_required"].item()))
    assert slots / 3 - 1 < table["agents_required_fractional"].item() <= slots / 3


def test_email_is_deferred_work_that_clears_within_the_response_time():
    volume = [0.0] * 8 + [200.0] + [0.0] * 15  # a burst of 200 e-mails, 4-hour target, 30-min intervals
    table = requirements(forecast(volume, aht=360.0), config(channel="email", response_hours=4, max_occupancy=1.0),
                         interval_seconds=1800)
    assert table["model"].unique().tolist() == ["deferred"]
    # 200 x 360 s = 20 agent-hours spread over the 8 half-hours of the window: 5 agents each
    assert table["agents_required"].tolist() == [0] * 8 + [5] * 8 + [0] * 8
    assert table.loc[8, "service_level"] == 1.0
    assert table.loc[8, "asa_seconds"] <= 4 * 3600
    with pytest.raises(InputError, match=r"queue q: response_hours = 0.25 is shorter than one interval \(30 min\)"):
        requirements(forecast(volume), config(channel="email", response_hours=0.25), interval_seconds=1800)


def test_staff_to_the_upper_band_records_the_column_and_reports_kpis_at_the_expected_volume():
    data = forecast([100.0], volume_p10=[80.0], volume_p90=[130.0])
    central = requirements(data, config(), interval_seconds=1800)
    cautious = requirements(data, config(staff_to="volume_p90"), interval_seconds=1800)
    assert cautious["staffed_to"].item() == "volume_p90" and central["staffed_to"].item() == "volume"
    assert cautious["agents_required"].item() > central["agents_required"].item()
    assert cautious["service_level"].item() > central["service_level"].item()
    override = requirements(data, config(), interval_seconds=1800, staff_to="volume_p90")
    assert override["agents_required"].item() == cautious["agents_required"].item()


def test_staffing_to_a_missing_band_is_a_clear_error():
    with pytest.raises(InputError, match=r"queue q is staffed to volume_p90, but the forecast has no volume_p90 column"):
        requirements(forecast([100.0]), config(staff_to="volume_p90"), interval_seconds=1800)


def test_queues_without_a_table_use_the_defaults_and_say_so():
    data = pd.concat([forecast([10.0], queue="q"), forecast([10.0], queue="other")], ignore_index=True)
    table = requirements(data, config(service_level=0.9), interval_seconds=1800)
    assert dict(zip(table["queue"], table["settings_source"])) == {"q": "queues.q", "other": "queue_defaults"}


def test_missing_aht_uses_the_queue_setting():
    data = forecast([100.0]).drop(columns="aht_seconds")
    table = requirements(data, config(aht_seconds=180.0), interval_seconds=1800)
    assert table["aht_seconds"].item() == 180.0


def test_a_year_of_intervals_in_one_call():
    rng = np.random.default_rng(1)
    volume = rng.uniform(0, 400, 35040)
    times = pd.date_range("2026-01-01", periods=volume.size, freq="15min", tz=TZ)
    data = validate_frame_a(pd.DataFrame({"interval_start": times, "volume": volume, "aht_seconds": 240.0}), TZ)
    table = requirements(data, config(), interval_seconds=900)
    assert len(table) == 35040
    assert (table["agents_required"] >= table["agents_required_fractional"] - 1e-9).all()
    assert (table.loc[table.volume > 0, "service_level"] >= 0.8 - 1e-9).all()


def test_min_agents_keeps_someone_on_a_quiet_night():
    table = requirements(forecast([0.0, 0.2, 100.0]), config(min_agents=2, max_occupancy=None, shrinkage=0.5),
                         interval_seconds=1800)
    assert table["agents_required"].tolist() == [2, 2, 14]
    assert table["agents_scheduled"].tolist() == [4, 4, 28]
    assert table["agents_required_fractional"].iloc[0] == 2
    # KPIs are those of the two agents actually there
    assert table["occupancy"].iloc[1] == pytest.approx(0.2 * 180 / 1800 / 2)
    assert table["service_level"].iloc[1] > 0.99
