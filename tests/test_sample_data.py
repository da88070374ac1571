"""The committed sample history: reproducible from its seeded script, and realistic."""

import gzip
import importlib.util

import pandas as pd
import pytest

from core.config import load_config
from core.schema import interval_minutes, validate_frame_a
from tests.conftest import DATA, ROOT


@pytest.fixture(scope="module")
def history():
    table = pd.read_csv(DATA / "sample_history.csv.gz")
    return validate_frame_a(table, load_config(DATA / "shiftcast.toml").site.timezone)


def test_regenerating_reproduces_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("generate_sample", ROOT / "scripts" / "generate_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("sample_history.csv.gz", "sample_forecast.csv.gz"):
        assert gzip.decompress((tmp_path / name).read_bytes()) == gzip.decompress((DATA / name).read_bytes())
    assert (tmp_path / "events.csv").read_text() == (DATA / "events.csv").read_text()
    assert (tmp_path / "sample_today.csv").read_text() == (DATA / "sample_today.csv").read_text()


def test_shape_of_the_history(history):
    assert set(history["queue"]) == {"chat_en", "chat_zh", "email", "voice_en"}
    assert interval_minutes(history) == 15
    span = history["interval_start"].max() - history["interval_start"].min()
    assert span >= pd.Timedelta(weeks=26)
    # both DST changes are inside, with 23- and 25-hour days
    per_day = history[history.queue == "email"].groupby(history["interval_start"].dt.date).size()
    assert sorted(set(per_day)) == [92, 96, 100]


def test_daily_and_weekly_cycles_trend_holidays_and_surges(history):
    chat = history[history.queue == "chat_en"].set_index("interval_start")["volume"]
    by_hour = chat.groupby(chat.index.hour).mean()
    assert by_hour[[11, 12, 20, 21]].min() > 8 * by_hour[[3, 4]].max()  # two daily peaks, quiet nights
    daily = chat.groupby(chat.index.date).sum()
    weekday = pd.Series(pd.to_datetime(daily.index).day_of_week, index=daily.index)
    assert daily[weekday >= 5].median() < 0.85 * daily[weekday < 5].median()
    assert daily.iloc[-28:].median() > 1.1 * daily.iloc[:28].median()  # upward trend
    email = history[history.queue == "email"].set_index("interval_start")["volume"]
    email_daily = email.groupby(email.index.date).sum()
    assert email_daily[pd.Timestamp("2026-05-01").date()] < 0.7 * email_daily.median()  # Labour Day, Malta
    surge = pd.Timestamp("2026-07-08").date()
    assert daily[surge] > 1.5 * daily.median()  # token listing
    aht = history[history.queue == "chat_en"].set_index("interval_start")["aht_seconds"]
    by_hour_aht = aht.groupby(aht.index.hour).median()
    assert by_hour_aht[4] > 1.2 * by_hour_aht[16]  # handle times vary by hour
