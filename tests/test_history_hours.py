"""Weekdays the history shows closed become closed opening hours when none are set."""

import pandas as pd

from core.config import Config, Site
from forecast.hours import closed_weekdays, with_history_hours
from tests.forecast_helpers import make_history


def weekdays_only(days: int) -> pd.DataFrame:
    history = make_history(days=days, minutes=60, queues=("calls",), timezone="UTC")
    weekend = history["interval_start"].dt.day_of_week >= 5
    return history.assign(volume=history["volume"].where(~weekend, 0.0))


def test_a_weekday_desk_is_closed_at_weekends_with_a_note():
    config, notes = with_history_hours(Config(), weekdays_only(28))
    assert config.site.opening_hours == {"sat": "closed", "sun": "closed"}
    assert notes == ["opening hours: sat, sun closed (no contact on those weekdays in the history); "
                     "set [site] opening_hours to say otherwise"]
    assert config.site.weekly_hours()[0] == (0, 24 * 60) and config.site.weekly_hours()[5] is None


def test_set_hours_a_247_desk_and_a_short_history_are_left_alone():
    weekdays = weekdays_only(28)
    mine = Config(site=Site(opening_hours={"sat": "09:00-12:00"}))
    assert with_history_hours(mine, weekdays) == (mine, [])
    assert closed_weekdays(make_history(days=28, minutes=60, queues=("calls",), timezone="UTC")) == []
    assert closed_weekdays(weekdays_only(9)) == []  # one weekend only: too few to tell
