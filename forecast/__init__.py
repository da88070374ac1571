"""Forecasting: ingest, cleaning, calendars, models, rolling-origin backtests and peaks.

Three layers: array routines (:mod:`forecast.grid`, :mod:`forecast.clean`,
:mod:`forecast.bands`), small model classes (:mod:`forecast.models`), and the runner that
splits Frame A by queue, backtests, chooses and forecasts (:mod:`forecast.runner`).
``forecast`` never imports ``staffing``: they meet only through Frame A.
"""

from forecast.calendar import Calendar, read_events
from forecast.ingest import Columns, Ingested, ingest, read_source
from forecast.models import default_models
from forecast.runner import ForecastResult, backtest_queues, forecast_queues

__all__ = [
    "Calendar",
    "Columns",
    "ForecastResult",
    "Ingested",
    "backtest_queues",
    "default_models",
    "forecast_queues",
    "ingest",
    "read_events",
    "read_source",
]
