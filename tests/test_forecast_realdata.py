"""The real data sets in ../shared/data/real: closed hours, missing weekdays, DST (skipped when absent)."""

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import Calendar
from forecast.ingest import ingest, read_source
from forecast.models import SeasonalAverage
from forecast_helpers import REAL

pytestmark = pytest.mark.realdata


def _path(folder: str, name: str):
    path = REAL / folder / name
    if not path.is_file():
        pytest.skip("../shared/data/real is not here")
    return path


def test_a_weekday_desk_is_forecast_on_its_open_intervals_only_and_holidays_are_imputed():
    path = _path("fpp3_bank_calls", "bank_calls_5min.csv.gz")
    history = ingest(read_source(path), timezone="America/New_York", interval_minutes=30).frame
    model = SeasonalAverage(weeks=8, statistic="mean").fit(history, calendar=Calendar("US"))
    forecast = model.predict("7D")
    wall = forecast["interval_start"].dt.tz_localize(None)
    assert (wall.dt.day_of_week < 5).all()
    assert wall.dt.strftime("%H:%M").min() == "07:00" and wall.dt.strftime("%H:%M").max() == "21:00"
    assert len(forecast) == 5 * 29  # 07:00 .. 21:00 (the last half hour holds the 21:00 5-minute row)
    training = model.training_
    memorial_day = (pd.Timestamp("2003-05-26") - training.grid.first_day).days
    open_slots = training.grid.open_cells[0]
    assert set(training.flag_names()[memorial_day][open_slots]) == {"gap"}
    filled = training.values[memorial_day].sum()
    mondays = training.values[memorial_day - 7].sum(), training.values[memorial_day + 7].sum()
    assert 0.8 * min(mondays) < filled < 1.2 * max(mondays)  # imputed, not zero


def test_an_israeli_year_with_dst_and_holidays():
    path = _path("anonymous_bank_1999_6min", "anonymous_bank_1999_6min.csv.gz")
    history = ingest(read_source(path), timezone="Asia/Jerusalem", interval_minutes=30).frame
    per_day = history.groupby(history["interval_start"].dt.date).size()
    assert per_day[pd.Timestamp("1999-04-02").date()] == 46  # clocks forward: 23 hours
    assert per_day[pd.Timestamp("1999-09-03").date()] == 48  # the repeated hour is not in the file: a gap
    model = SeasonalAverage(weeks=8, statistic="mean").fit(history[history["interval_start"] < pd.Timestamp(
        "1999-09-26", tz="Asia/Jerusalem")], calendar=Calendar("IL"))
    factors = model.training_.day_factors
    assert factors["holiday"] < 0.4 and factors["eve"] < 0.9  # learned from the bank's own holidays
    forecast = model.predict("7D").set_index("interval_start")["volume"]
    daily = forecast.groupby(forecast.index.date).sum()
    assert daily[pd.Timestamp("1999-10-02").date()] < 0.5 * np.median(daily)  # Simchat Torah
