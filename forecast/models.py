"""Forecasting models: small classes with ``fit(history)`` / ``predict(horizon)``.

Each model follows the scikit-learn contract: ``__init__`` only stores its keyword
arguments, ``fit`` validates and returns ``self``, learned state ends in ``_``, and
``predict`` before ``fit`` raises :class:`NotFittedError`. ``fit`` takes one queue's
history (Frame A, tz-aware); ``predict(horizon)`` returns Frame A for the open intervals
of the whole local days after the history, up to ``horizon``, with ``volume``,
``volume_p10`` and ``volume_p90``.

Inside, a model sees a cleaned (days, slots) matrix (:class:`forecast.clean.Training`):
a subclass implements ``_learn(training)`` and ``_ordinary_days(n_days)`` (whole ordinary
days after the history). The array interface the backtests and the runner call,
:meth:`Model.fit_training` and :meth:`Model.forecast_days`, applies holiday factors and
event multipliers on top (:meth:`~forecast.clean.Training.adjustment`) and zeroes
closed cells.

Models:

- :class:`SeasonalNaive`: the same slot one week earlier.
- :class:`SeasonalAverage`: median or (recency-weighted) mean of the same slot of the
  week over the last ``weeks`` weeks; ``weeks=8, statistic="median"`` is the 8-week slot
  median, the bar every other model must clear.
- :class:`TopDown`: daily totals forecast with ETS (Holt-Winters, damped trend, weekly
  seasonality) or SARIMAX (log scale, weekly seasonal difference), times a recency-
  weighted intraday profile per weekday.
- :class:`MultiSeasonal`: statsmodels MSTL with daily and weekly periods over the last
  ``weeks`` weeks; each seasonal component's last cycle is repeated and the level
  (trend + remainder) is forecast by simple exponential smoothing.
- :class:`Ensemble`: the mean of member models (the runner builds it from the best).

Prediction bands come from :class:`forecast.bands.Band`: the runner passes one fitted to
backtest errors; without it, ``fit`` holds out the last week of the history to fit one.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from forecast.bands import POISSON_BAND, Band
from forecast.calendar import Calendar
from forecast.clean import Training, prepare
from forecast.grid import Grid
from core.errors import InputError
from core.schema import interval_minutes

__all__ = [
    "Ensemble",
    "Model",
    "MultiSeasonal",
    "NotFittedError",
    "SeasonalAverage",
    "SeasonalNaive",
    "TopDown",
    "default_models",
    "horizon_days",
    "horizon_end",
    "MIN_HISTORY_DAYS",
]

MIN_HISTORY_DAYS = 14
HOLDOUT_DAYS = 7


class NotFittedError(RuntimeError):
    """A model was asked to predict before ``fit``."""


def horizon_days(horizon: pd.Timedelta | str | int) -> tuple[pd.Timedelta, int]:
    """The horizon as a Timedelta and as whole days to forecast (rounded up); must be positive.

    An int is a number of days; a string is a pandas duration such as ``"14D"`` or ``"36h"``.
    """
    try:
        delta = pd.Timedelta(days=horizon) if isinstance(horizon, (int, np.integer)) else pd.Timedelta(horizon)
    except (ValueError, TypeError):
        raise InputError(f"horizon must be a duration such as 7D or 36h; got {horizon!r}") from None
    if delta <= pd.Timedelta(0):
        raise InputError(f"horizon must be positive; got {horizon!r}; give e.g. 7D or 14D")
    return delta, math.ceil(delta / pd.Timedelta(days=1))


def _weights(ages: np.ndarray, halflife: float | None) -> np.ndarray:
    """Recency weights 0.5 ** (age / halflife); all ones without a half-life."""
    return np.ones(len(ages)) if halflife is None else 0.5 ** (ages / halflife)


def _weighted_median(stack: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Median along axis 0 of ``stack`` (k, ...) with weights (k,)."""
    order = np.argsort(stack, axis=0)
    ordered = np.take_along_axis(stack, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0)
    first = np.argmax(cumulative >= 0.5 * cumulative[-1:], axis=0)
    return np.take_along_axis(ordered, first[None], axis=0)[0]


def _last_weeks(values: np.ndarray, weeks: int) -> np.ndarray:
    """(k, 7, slots): the last k <= ``weeks`` whole weeks, oldest first."""
    k = max(1, min(weeks, values.shape[0] // 7))
    return values[-7 * k:].reshape(k, 7, values.shape[1])


class Model:
    """Base class: the Frame A interface, parameter handling and prediction bands."""

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments."""
        if type(self).__init__ is object.__init__:
            return {}
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> Model:
        """An unfitted copy with the same parameters."""
        return type(self)(**self.get_params())

    @property
    def name(self) -> str:
        """A short label for tables, e.g. ``seasonal_average(weeks=8, statistic=median)``."""
        params = ", ".join(f"{k}={v}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __repr__(self) -> str:
        return self.name

    # ------------------------------------------------------ what each model implements
    def _learn(self, training: Training) -> None:
        """Set the learned ``..._`` attributes from a cleaned (days, slots) training matrix."""
        raise NotImplementedError

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        """(n_days, slots) expected volume of ordinary days after the training matrix."""
        raise NotImplementedError

    def warm_from(self, fitted: Model) -> Model:
        """Start this (unfitted) model's search where ``fitted``, the same model fitted on
        overlapping history, ended (the backtest's next fold); returns self. Nothing to do for
        models without a numerical search."""
        return self

    # ----------------------------------------------------------- the array interface
    def fit_training(self, training: Training) -> Model:
        """Learn from a prepared :class:`~forecast.clean.Training`; returns self."""
        self._learn(training)
        self.training_ = training
        return self

    def forecast_days(self, n_days: int) -> np.ndarray:
        """(n_days, slots) expected volume of the days after the training matrix: holiday
        factors and events applied, >= 0, and 0 in closed cells."""
        self._check_fitted()
        grid = self.training_.grid
        mean = np.maximum(self._ordinary_days(n_days), 0.0) * self.training_.adjustment(n_days)
        return np.where(grid.open_mask(grid.n_days, n_days), mean, 0.0)

    def _check_fitted(self) -> None:
        if not hasattr(self, "training_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(history) before predict")

    # ------------------------------------------------------------ the Frame A interface
    def fit(self, history: pd.DataFrame, *, calendar: Calendar | None = None, band: Band | None = None,
            exclude_outliers: bool = True) -> Model:
        """Fit to one queue's validated Frame A ``history`` (tz-aware ``interval_start``).

        ``band``: prediction-band errors from a backtest; by default the last week of the
        history is held out to fit one.
        """
        if history.empty or not isinstance(history["interval_start"].dtype, pd.DatetimeTZDtype):
            raise InputError("history must be a validated Frame A with timezone-aware interval_start; "
                             "use core.schema.validate_frame_a")
        if "queue" in history.columns and history["queue"].nunique() > 1:
            raise InputError(f"a model fits one queue; got {history['queue'].nunique()} queues; "
                             f"use forecast.runner.forecast_queues for several")
        timezone = str(history["interval_start"].dt.tz)
        grid = Grid.from_frame(history, timezone, interval_minutes(history))
        check_history_length(grid)
        training = prepare(grid, calendar, exclude_outliers=exclude_outliers)
        self.fit_training(training)
        self.band_ = band if band is not None else self._holdout_band(training, exclude_outliers)
        return self

    def _holdout_band(self, training: Training, exclude_outliers: bool) -> Band:
        grid = training.grid
        if grid.n_days < MIN_HISTORY_DAYS + HOLDOUT_DAYS:
            return POISSON_BAND
        head = prepare(grid.head(grid.n_days - HOLDOUT_DAYS), training.calendar, exclude_outliers=exclude_outliers)
        model = self.clone().fit_training(head)
        actual = np.where(grid.observed()[-HOLDOUT_DAYS:], grid.values[-HOLDOUT_DAYS:], np.nan)
        return Band.from_errors(actual, model.forecast_days(HOLDOUT_DAYS))

    def predict(self, horizon: pd.Timedelta | str | int) -> pd.DataFrame:
        """Frame A for the open intervals of the ``horizon`` after the history's last local day.

        A horizon of whole days covers whole local days (23 or 25 hours on DST days).
        """
        self._check_fitted()
        delta, n_days = horizon_days(horizon)
        grid = self.training_.grid
        volume = self.forecast_days(n_days)
        low, high = self.band_.apply(volume)
        return grid.to_frame({"volume": volume, "volume_p10": low, "volume_p90": high},
                             grid.n_days, n_days, until=horizon_end(grid, delta))


def horizon_end(grid: Grid, delta: pd.Timedelta) -> pd.Timestamp:
    """Where a forecast of ``delta`` after the grid's last day stops: local wall-clock time,
    so ``1D`` ends at the next local midnight even on a 25-hour day."""
    wall = grid.first_day + pd.Timedelta(days=grid.n_days) + delta
    return wall.tz_localize(grid.timezone, nonexistent="shift_forward", ambiguous=True)


def check_history_length(grid: Grid) -> None:
    """InputError unless the history spans at least two weeks of local days."""
    if grid.n_days < MIN_HISTORY_DAYS:
        raise InputError(
            f"history of queue {grid.queue} must cover at least {MIN_HISTORY_DAYS} days (two weeks); "
            f"got {grid.n_days} days from {grid.first_day.date()}; give a longer history"
        )


class SeasonalNaive(Model):
    """Each slot of the week as it was in the last week of the history."""

    def _learn(self, training: Training) -> None:
        self.last_week_ = _last_weeks(training.values, 1)[0]

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        return self.last_week_[np.arange(n_days) % 7]


class SeasonalAverage(Model):
    """Median or mean of the same slot of the week over the last ``weeks`` weeks.

    ``halflife_weeks`` weights week ``a`` weeks old by ``0.5 ** (a / halflife_weeks)``
    (a weighted median or mean); None weights all weeks equally.
    """

    def __init__(self, weeks: int = 8, statistic: str = "median", halflife_weeks: float | None = None):
        self.weeks = weeks
        self.statistic = statistic
        self.halflife_weeks = halflife_weeks

    def _learn(self, training: Training) -> None:
        if self.statistic not in ("median", "mean"):
            raise InputError(f"statistic must be median or mean; got {self.statistic!r}")
        if self.weeks < 1:
            raise InputError(f"weeks must be >= 1; got {self.weeks}")
        stack = _last_weeks(training.values, self.weeks)
        weights = _weights(np.arange(len(stack))[::-1].astype(float), self.halflife_weeks)
        if self.statistic == "median":
            self.week_ = _weighted_median(stack, weights)
        else:
            self.week_ = np.tensordot(weights / weights.sum(), stack, axes=1)

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        return self.week_[np.arange(n_days) % 7]


def _intraday_profile(values: np.ndarray, totals: np.ndarray, weekdays: np.ndarray, weeks: int,
                      halflife: float | None) -> np.ndarray:
    """(7, slots) recency-weighted mean share of each slot in its day's total, per weekday."""
    profile = np.zeros((7, values.shape[1]))
    for weekday in range(7):
        rows = np.flatnonzero((weekdays == weekday) & (totals > 0))[-weeks:]
        if len(rows):
            weights = _weights(np.arange(len(rows))[::-1].astype(float), halflife)
            profile[weekday] = weights @ (values[rows] / totals[rows, None]) / weights.sum()
    return profile


class TopDown(Model):
    """Daily totals (ETS or SARIMAX over the open days) times an intraday profile per weekday.

    ``daily``: ``"ets"`` (ETS(M,Ad,M): multiplicative errors, damped additive trend,
    multiplicative weekly seasonality; additive when a total is 0) or ``"sarimax"``
    (SARIMA(1,0,1)(0,1,1) on log totals, the weekly difference taken before fitting). The
    weekly period is the number of weekdays the desk opens (5 for a weekday desk). Daily
    totals come from the last ``daily_weeks`` weeks; the profile is the recency-weighted
    (``halflife_weeks``) mean share of each slot over the last ``profile_weeks`` same
    weekdays.
    """

    def __init__(self, daily: str = "ets", profile_weeks: int = 8, halflife_weeks: float | None = 4.0,
                 daily_weeks: int = 26):
        self.daily = daily
        self.profile_weeks = profile_weeks
        self.halflife_weeks = halflife_weeks
        self.daily_weeks = daily_weeks
        self._warm: tuple[tuple[str, ...], np.ndarray | None] = ((), None)  # SARIMAX's start (warm_from)

    def warm_from(self, fitted: Model) -> TopDown:
        """SARIMAX starts from ``fitted``'s parameters when they are the same ones (its fits in
        the backtest's four folds took 37% less time on 40 bench queues, ``docs/batch.md``);
        ETS, whose search starts from its heuristic initial states, gained nothing."""
        results = getattr(fitted, "daily_model_", None)
        if results is not None:  # used only by a SARIMAX whose parameters have these names (_fit_sarimax)
            self._warm = (tuple(results.model.param_names), np.asarray(results.params))
        return self

    def _learn(self, training: Training) -> None:
        if self.daily not in ("ets", "sarimax"):
            raise InputError(f"daily must be ets or sarimax; got {self.daily!r}")
        grid = training.grid
        weekdays = grid.weekdays()
        totals = training.values.sum(axis=1)
        self.profile_ = _intraday_profile(training.values, totals, weekdays, self.profile_weeks,
                                          self.halflife_weeks)
        self.open_days_ = grid.open_cells.any(axis=1)
        self.next_weekday_ = int((weekdays[-1] + 1) % 7)
        period = int(self.open_days_.sum())
        daily = totals[self.open_days_[weekdays]]
        self.daily_model_, self.last_period_ = self._fit_daily(daily[-period * self.daily_weeks:], period)

    def _fit_daily(self, series: np.ndarray, period: int):
        """(fitted statsmodels results, log totals of the last week when SARIMAX fits weekly differences)."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        seasonal = period > 1 and len(series) >= 2 * period + 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            if self.daily == "ets":
                kind = "mul" if series.min() > 0 else "add"
                form = dict(error=kind, trend="add", damped_trend=True, seasonal=kind if seasonal else None,
                            seasonal_periods=period if seasonal else None)
                try:  # initial states from the first cycles (Hyndman & Athanasopoulos 2.6): 4 parameters
                    model = ETSModel(series, initialization_method="heuristic", **form)  # not 4 + period + 2
                except ValueError:  # too few totals for the heuristic (statsmodels' rule): estimated
                    model = ETSModel(series, initialization_method="estimated", **form)
                return model.fit(disp=False), None
            logged = np.log1p(series)
            if not seasonal:
                return self._fit_sarimax(SARIMAX(logged, order=(1, 0, 1), trend="c", concentrate_scale=True)), None
            # differencing here rather than in SARIMAX (its simple_differencing): ~10x faster
            weekly = logged[period:] - logged[:-period]
            model = SARIMAX(weekly, order=(1, 0, 1), seasonal_order=(0, 0, 1, period), concentrate_scale=True)
            return self._fit_sarimax(model), logged[-period:]

    def _fit_sarimax(self, model):
        """``model.fit()``, from the warm start's parameters when they are this model's (:meth:`warm_from`)."""
        names, params = self._warm
        return model.fit(disp=False, start_params=params if tuple(model.param_names) == names else None)

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        weekdays = (self.next_weekday_ + np.arange(n_days)) % 7
        working = self.open_days_[weekdays]
        steps = int(working.sum())
        totals = np.zeros(n_days)
        if steps:
            path = np.asarray(self.daily_model_.forecast(steps))
            if self.daily == "sarimax":
                if self.last_period_ is not None:  # undo the weekly difference
                    logged = np.concatenate([self.last_period_, np.zeros(steps)])
                    period = len(self.last_period_)
                    for step in range(steps):
                        logged[period + step] = logged[step] + path[step]
                    path = logged[period:]
                path = np.expm1(path)
            totals[working] = path
        return np.maximum(totals, 0.0)[:, None] * self.profile_[weekdays]


class MultiSeasonal(Model):
    """MSTL (statsmodels) with daily and weekly periods over the last ``weeks`` weeks.

    The series is the flattened (days x slots) training matrix; closed cells are zeros,
    which the weekly component reproduces. The forecast repeats each seasonal
    component's last cycle and adds the level: simple exponential smoothing of trend +
    remainder, smoothing weight ``alpha`` per slot.
    """

    def __init__(self, weeks: int = 8, alpha: float = 0.01):
        self.weeks = weeks
        self.alpha = alpha

    def _learn(self, training: Training) -> None:
        from statsmodels.tsa.seasonal import MSTL

        slots = training.grid.slots
        stack = _last_weeks(training.values, self.weeks)
        series = stack.reshape(-1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # LOESS jumps of a quarter day: the same decomposition to ~1e-5, 20x faster
            jump = max(1, slots // 4)
            # MSTL needs two whole cycles and a bit: a two-week window gets no weekly component
            periods = tuple(p for p in (slots, 7 * slots) if 2 * p < len(series))
            fit = MSTL(series, periods=periods, iterate=2,
                       stl_kwargs={"trend_jump": jump, "low_pass_jump": jump}).fit()
        seasonal = np.asarray(fit.seasonal).reshape(len(series), -1)
        self.daily_ = seasonal[-slots:, 0]
        weekly = seasonal[-7 * slots:, 1] if len(periods) > 1 else np.zeros(7 * slots)
        self.weekly_ = weekly.reshape(7, slots)
        adjusted = np.asarray(fit.trend) + np.asarray(fit.resid)
        weights = (1 - self.alpha) ** np.arange(len(adjusted))[::-1]
        self.level_ = float(weights @ adjusted / weights.sum())

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        return self.level_ + self.daily_[None, :] + self.weekly_[np.arange(n_days) % 7]


class Ensemble(Model):
    """The mean forecast of ``members`` (fitted together, each on the same training matrix)."""

    def __init__(self, members: tuple[Model, ...] = ()):
        self.members = members

    def clone(self) -> Ensemble:
        return Ensemble(tuple(member.clone() for member in self.members))

    @property
    def name(self) -> str:
        return "mean of " + " + ".join(member.name for member in self.members)

    def _learn(self, training: Training) -> None:
        if not self.members:
            raise InputError("an Ensemble needs at least one member model")
        self.fitted_ = tuple(member.clone().fit_training(training) for member in self.members)

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        return np.mean([member._ordinary_days(n_days) for member in self.fitted_], axis=0)


# models the runner leaves out unless [forecast] models names them, and why (run.json says so)
LEFT_OUT_BY_DEFAULT = {
    "mstl": "never beat the 8-week slot median on the real data sets, and the automatic choice was as good or "
            "better without it at 1 and 7 days (docs/accuracy.md); name it in [forecast] models to backtest it",
}


def default_models() -> dict[str, Model]:
    """Fresh instances of every model, by short name (the runner backtests those not in
    ``LEFT_OUT_BY_DEFAULT`` unless ``[forecast] models`` names others)."""
    return {
        "seasonal_naive": SeasonalNaive(),
        "slot_median_8w": SeasonalAverage(weeks=8, statistic="median"),
        "weighted_mean_8w": SeasonalAverage(weeks=8, statistic="mean", halflife_weeks=3.0),
        "top_down_ets": TopDown(daily="ets"),
        "top_down_sarimax": TopDown(daily="sarimax"),
        "mstl": MultiSeasonal(),
    }
