"""The roster as an agent x weekday grid (``staffing.roster.weekly_grid``)."""

import pandas as pd

from staffing.roster import weekly_grid


def test_one_row_per_agent_one_column_per_day_with_shift_queue_and_break():
    zone = "Europe/Malta"
    roster = pd.DataFrame({
        "agent": ["Bo", "Ann", "Ann"], "date": ["2026-11-16", "2026-11-16", "2026-11-18"],
        "queue": ["email", "chat_en", "chat_en"],
        "start": pd.to_datetime(["2026-11-16 22:00", "2026-11-16 08:00", "2026-11-18 09:00"]).tz_localize(zone),
        "end": pd.to_datetime(["2026-11-17 06:00", "2026-11-16 16:00", "2026-11-18 17:00"]).tz_localize(zone),
        "breaks": ["02:00-02:30", "", "12:00-12:30"], "paid_hours": [8.0, 8.0, 8.0]})
    grid = weekly_grid(roster)
    assert list(grid.columns) == ["agent", "Mon 16 Nov", "Wed 18 Nov", "paid_hours"]
    assert grid.to_dict("records") == [
        {"agent": "Ann", "Mon 16 Nov": "08:00-16:00 chat_en", "Wed 18 Nov": "09:00-17:00 chat_en (break 12:00-12:30)",
         "paid_hours": 16.0},
        {"agent": "Bo", "Mon 16 Nov": "22:00-06:00 email (break 02:00-02:30)", "Wed 18 Nov": "", "paid_hours": 8.0}]
