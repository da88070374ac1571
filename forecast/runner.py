"""Per-queue fit, backtest, selection and forecast: what the CLI, the dashboard and a batch
planner call.

:func:`forecast_queues` splits a validated Frame A history by ``queue`` and, for each:
builds the local day x slot grid, backtests every model at the requested horizon over
rolling origins, chooses the mean of the models that beat seasonal naive there (or the
single best model; ``[forecast] selection``), refits it on the whole history and
forecasts the open intervals of the horizon, with p10/p90 bands fitted to that model's
own backtest errors and a handle-time forecast. The result keeps the
backtest table next to the forecast, so the user sees the error each model made and why
one was chosen. :func:`backtest_queues` stops after the backtest. Both are
deterministic.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from forecast.aht import forecast_aht
from forecast.backtest import REFERENCE, Backtest, fit_and_forecast, fold_table, rolling_origin, select
from forecast.bands import Band
from forecast.calendar import Calendar, events_for_queue
from forecast.clean import cleaning_summary, prepare
from forecast.grid import Grid, open_cells
from forecast.models import (LEFT_OUT_BY_DEFAULT, Model, SeasonalNaive, check_history_length, default_models,
                             horizon_days, horizon_end)
from forecast.peaks import daily_peaks, weekday_hour_heatmap
from core.config import Config
from core.errors import InputError
from core.schema import interval_minutes, validate_frame_a

__all__ = ["ForecastResult", "backtest_queues", "fold_count", "forecast_queues", "models_left_out", "progress_steps"]

Progress = Callable[[str], None]
MIN_SCORED_DAYS = 14


@dataclass(frozen=True)
class ForecastResult:
    """``forecast``: Frame A (queue, interval_start, volume, aht_seconds when the history has
    it, volume_p10, volume_p90, forecast_model); ``backtest``: one row per queue x model
    (wmape, mase, bias, peak_wmape, coverage_p10_p90, scored_intervals, vs_seasonal_naive,
    folds, first_origin, chosen); ``folds``: wMAPE per queue x model x fold; ``peaks`` and
    ``heatmap``: see :mod:`forecast.peaks`; ``cleaning``: per queue, intervals observed,
    gap-filled, holiday, event and outlier, and the learned holiday factors
    (:func:`forecast.clean.cleaning_summary`); ``backtest_values``: the chosen model's backtest
    forecasts beside what came (queue, date, slot, actual, predicted; scored intervals only),
    the evidence an intraday update learns from (:mod:`forecast.intraday`). A backtest alone
    leaves forecast, peaks, heatmap, cleaning and backtest_values empty."""

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    folds: pd.DataFrame
    peaks: pd.DataFrame
    heatmap: pd.DataFrame
    cleaning: pd.DataFrame
    backtest_values: pd.DataFrame


def fold_count(config: Config, n_days: int) -> int:
    """Backtest folds for a horizon of ``n_days``: ``[forecast] folds``, or more for short
    horizons so that at least two weeks are scored (the bands and the choice need them)."""
    return max(config.forecast.folds, math.ceil(MIN_SCORED_DAYS / n_days))


def _one_blas_thread(function: Callable) -> Callable:
    """Run ``function`` with BLAS limited to one thread: the models' matrices are tiny, and a
    multi-threaded BLAS spinning against other work on a small machine was 5-10x slower."""

    @functools.wraps(function)
    def limited(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return limited


def progress_steps(history: pd.DataFrame, config: Config, horizon: pd.Timedelta | str | int) -> int:
    """How many times the ``progress`` callback is called: per queue, one per fold and one for the fit."""
    return int(history["queue"].nunique()) * (fold_count(config, horizon_days(horizon)[1]) + 1)


def _selected_models(config: Config, models: dict[str, Model] | None) -> dict[str, Model]:
    if models is not None:
        return models if REFERENCE in models else {REFERENCE: SeasonalNaive(), **models}
    available = default_models()
    names = config.forecast.models or [name for name in available if name not in LEFT_OUT_BY_DEFAULT]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise InputError(f"forecast.models has unknown model(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(available)}")
    return {name: available[name] for name in dict.fromkeys([REFERENCE, *names])}


def models_left_out(config: Config) -> dict[str, str]:
    """The models ``config`` leaves out of the backtest by default, and why (for run.json)."""
    return {} if config.forecast.models else dict(LEFT_OUT_BY_DEFAULT)


def _grids(history: pd.DataFrame, config: Config) -> list[Grid]:
    """One grid per queue."""
    timezone = config.site.timezone
    history = validate_frame_a(history, timezone, source="history")
    minutes = interval_minutes(history, config.site.interval_minutes)
    open_mask = open_cells(config.site.weekly_hours(), minutes)
    grids = []
    for _, rows in history.groupby("queue", sort=True):
        grid = Grid.from_frame(rows, timezone, minutes, open_mask)
        check_history_length(grid)
        grids.append(grid)
    return grids


def _extend_to_start(grid: Grid, start: pd.Timestamp, backtest_days: int, start_source: str) -> Grid:
    """The grid with data gaps up to the day before ``start`` (a local date).

    InputError unless ``start`` follows the history and the ``backtest_days`` before it,
    which the backtest scores, still hold some of the history (else every score is NaN).
    """
    last = grid.first_day + pd.Timedelta(days=grid.n_days - 1)
    earliest, latest = last + pd.Timedelta(days=1), last + pd.Timedelta(days=backtest_days)
    if not earliest <= start <= latest:
        raise InputError(f"{start_source} must be a date from {earliest.date()} to {latest.date()} for queue "
                         f"{grid.queue}, whose history ends {last.date()} (the backtest scores the {backtest_days} "
                         f"days before the start and needs history in them); got {start.date()}; choose a start "
                         f"in that range, or give history that reaches closer to it")
    return grid.extend((start - grid.first_day).days - grid.n_days)


def _backtest(grid: Grid, models: dict[str, Model], n_days: int, config: Config, calendar: Calendar,
              progress: Progress | None) -> Backtest:
    settings = config.forecast
    return rolling_origin(grid, models, horizon_days=n_days, folds=fold_count(config, n_days), calendar=calendar,
                          exclude_outliers=settings.exclude_outliers, threshold=settings.outlier_threshold,
                          on_fold=None if progress is None else lambda: progress(grid.queue))


def _calendar(config: Config, events: pd.DataFrame | None, queue: str) -> Calendar:
    """The site's holidays and the events that affect ``queue``."""
    mine = events_for_queue(events, queue)
    return Calendar(config.site.country, *(() if mine is None else (mine,)))


@_one_blas_thread
def backtest_queues(history: pd.DataFrame, *, horizon: pd.Timedelta | str | int, config: Config | None = None,
                    events: pd.DataFrame | None = None, models: dict[str, Model] | None = None,
                    progress: Progress | None = None) -> ForecastResult:
    """Backtest every model on every queue of a validated Frame A ``history``."""
    config = config or Config()
    _, n_days = horizon_days(horizon)
    models = _selected_models(config, models)
    tables, folds = [], []
    for grid in _grids(history, config):
        calendar = _calendar(config, events, grid.queue)
        backtest = _backtest(grid, models, n_days, config, calendar, progress)
        table, _ = select(backtest, rule=config.forecast.selection)
        tables.append(table)
        folds.append(fold_table(backtest))
    empty = pd.DataFrame()
    return ForecastResult(empty, pd.concat(tables, ignore_index=True), pd.concat(folds, ignore_index=True),
                          empty, empty, empty, empty)


def _forecast_queue(grid: Grid, backtest: Backtest, chosen: str, horizon: pd.Timedelta, n_days: int,
                    config: Config, calendar: Calendar) -> tuple[pd.DataFrame, dict[str, object], str | None]:
    """The queue's forecast frame, its cleaning summary, and a note when the chosen model
    failed on the whole history and seasonal naive stood in."""
    settings = config.forecast
    training = prepare(grid, calendar, exclude_outliers=settings.exclude_outliers,
                       threshold=settings.outlier_threshold)
    volume, problem = fit_and_forecast(backtest.model(chosen), training, n_days)
    if problem is not None:  # the chosen model cannot fit the whole history: the reference can
        chosen, note = REFERENCE, f"{chosen} {problem} on the whole history; {REFERENCE} used instead"
        volume, _ = fit_and_forecast(backtest.model(REFERENCE), training, n_days)
    else:
        note = None
    low, high = Band.from_errors(backtest.actual, backtest.prediction(chosen)).apply(volume)
    columns = {"volume": volume}
    aht = forecast_aht(grid, n_days)
    if aht is not None:
        columns["aht_seconds"] = aht
    columns |= {"volume_p10": low, "volume_p90": high}
    frame = grid.to_frame(columns, grid.n_days, n_days, until=horizon_end(grid, horizon))
    frame["forecast_model"] = chosen
    return frame, cleaning_summary(training), note


def _chosen_values(backtest: Backtest, chosen: str) -> pd.DataFrame:
    """The CHOSEN model's fold forecasts and the actuals, one row per scored interval."""
    fold, day, slot = np.nonzero(np.isfinite(backtest.actual))
    dates = np.array([origin + pd.Timedelta(days=int(k)) for origin in backtest.origin_days
                      for k in range(backtest.actual.shape[1])]).reshape(backtest.actual.shape[:2])
    return pd.DataFrame({"queue": backtest.queue, "date": pd.DatetimeIndex(dates[fold, day]), "slot": slot,
                         "actual": backtest.actual[fold, day, slot],
                         "predicted": backtest.prediction(chosen)[fold, day, slot]})


@_one_blas_thread
def forecast_queues(history: pd.DataFrame, *, horizon: pd.Timedelta | str | int, config: Config | None = None,
                    events: pd.DataFrame | None = None, models: dict[str, Model] | None = None,
                    start: str | pd.Timestamp | None = None, start_source: str = "--start",
                    progress: Progress | None = None) -> ForecastResult:
    """Backtest, choose and forecast every queue of a validated Frame A ``history``.

    ``horizon``: a duration (``"14D"``, ``pd.Timedelta``) or whole days; the forecast
    starts at the local midnight after the history's last day, or on the local date
    ``start`` (days between the history and ``start`` are data gaps). ``start`` may lie
    at most the backtest's span (folds x horizon days) after the history, so that the
    backtest has history to score; ``start_source`` names it in that error. ``config``: site
    (timezone, country, opening hours) and ``[forecast]`` settings; ``events``: a table
    from :func:`forecast.calendar.read_events`; ``models``: name -> model to compare
    instead of the defaults (seasonal naive, the reference, is always added).
    ``progress(queue)`` is called after every fold and fit.
    """
    config = config or Config()
    delta, n_days = horizon_days(horizon)
    models = _selected_models(config, models)
    forecasts, tables, folds, cleaning, scored = [], [], [], [], []
    grids = _grids(history, config)
    if start is not None:
        first_day = pd.Timestamp(start).tz_localize(None).normalize()
        backtest_days = fold_count(config, n_days) * n_days
        grids = [_extend_to_start(grid, first_day, backtest_days, start_source) for grid in grids]
    for grid in grids:
        calendar = _calendar(config, events, grid.queue)
        backtest = _backtest(grid, models, n_days, config, calendar, progress)
        table, chosen = select(backtest, rule=config.forecast.selection)
        forecast, summary, note = _forecast_queue(grid, backtest, chosen, delta, n_days, config, calendar)
        if note is not None:
            table["chosen"] = table["model"] == REFERENCE
            table.loc[table["model"] == chosen, "note"] = note
        forecasts.append(forecast)
        scored.append(_chosen_values(backtest, str(forecast["forecast_model"].iloc[0]) if len(forecast) else chosen))
        cleaning.append(summary)
        tables.append(table)
        folds.append(fold_table(backtest))
        if progress is not None:
            progress(grid.queue)
    forecast = pd.concat(forecasts, ignore_index=True)
    for column in ("volume", "volume_p10", "volume_p90", "aht_seconds"):
        if column in forecast.columns:
            forecast[column] = np.round(forecast[column].astype(float), 3)
    return ForecastResult(forecast, pd.concat(tables, ignore_index=True), pd.concat(folds, ignore_index=True),
                          daily_peaks(forecast), weekday_hour_heatmap(forecast), pd.DataFrame(cleaning),
                          pd.concat(scored, ignore_index=True))
