"""Charts break their lines at closed hours and missing days instead of joining across them."""

import numpy as np
import pandas as pd

from shiftcast import charts


def test_lines_break_where_the_desk_is_closed():
    days = pd.date_range("2026-11-16", periods=2, freq="D", tz="America/New_York")
    starts = [day + pd.Timedelta(hours=h) for day in days for h in range(7, 21)]  # 07:00-21:00, closed at night
    frame = pd.DataFrame({"queue": "calls", "interval_start": starts, "volume": 10.0, "volume_p10": 8.0,
                          "volume_p90": 12.0, "agents_required": 2, "agents_scheduled": 3})
    figure = charts.forecast_figure(frame.iloc[:0], frame, "calls", interval_minutes=60)
    forecast = next(trace for trace in figure.data if trace.name == "forecast")
    assert len(forecast.y) == len(frame) + 1 and np.isnan(np.asarray(forecast.y, dtype=float)).sum() == 1
    assert not figure.layout.to_plotly_json().get("connectgaps")
    staffing = charts.staffing_figure(frame, "calls")
    assert np.isnan(np.asarray(staffing.data[0].y, dtype=float)).sum() == 1
