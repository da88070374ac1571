"""Rolling-origin backtests, accuracy metrics and model selection for one queue.

A backtest cuts the history at ``folds`` origins, ``step_days`` apart, the last one
``horizon_days`` before the end; at each origin every model is fitted on the days before
it (cleaned again, so no later data leaks in) and forecasts the next ``horizon_days``.
Errors are scored on the open intervals that have a row (gaps are not scored; outliers
and holidays are, as they happened).

Metrics, pooled over folds (``e = forecast - actual``):

- ``wmape`` = sum|e| / sum(actual);
- ``mase`` = sum|e| / sum over folds of (intervals scored x the mean absolute change of
  the fold's training data from one week to the next): below 1 beats seasonal naive
  in-sample;
- ``bias`` = sum(e) / sum(actual) (positive: over-forecast);
- ``peak_wmape``: wmape over each day's peak intervals (actual >= that day's 90th
  percentile);
- ``coverage_p10_p90``: share of actuals inside the band, each fold's band fitted to the
  errors of the other folds (leave one fold out), so it measures calibration honestly.

:func:`select` chooses the mean of the models that beat seasonal naive (or the single best
model); the whole table is kept so the user sees why.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.bands import Band
from forecast.calendar import Calendar
from forecast.clean import OUTLIER_THRESHOLD, prepare
from forecast.grid import Grid
from forecast.models import MIN_HISTORY_DAYS, Ensemble, Model
from core.errors import InputError
from core.schema import MAX_VOLUME

__all__ = ["Backtest", "fold_table", "leave_one_fold_out_bands", "metrics", "origins",
           "rolling_origin", "select"]

REFERENCE = "seasonal_naive"  # the model every other must beat to join the combination
PEAK_QUANTILE = 0.9


def origins(n_days: int, horizon_days: int, folds: int, step_days: int | None = None) -> list[int]:
    """Day indices where folds start (oldest first); each keeps >= two weeks of training."""
    step = step_days or horizon_days
    last = n_days - horizon_days
    starts = [last - k * step for k in range(folds)]
    return sorted(s for s in starts if s >= MIN_HISTORY_DAYS)


@dataclass(frozen=True)
class Backtest:
    """Fold forecasts of one queue: ``actual`` (folds, days, slots) with NaN where not
    scored, ``predicted[name]`` the same shape, ``scales`` (folds,) MASE denominators."""

    queue: str
    origin_days: list[pd.Timestamp]
    actual: np.ndarray
    predicted: dict[str, np.ndarray]
    scales: np.ndarray
    models: dict[str, Model]
    dropped: dict[str, str] = field(default_factory=dict)  # model -> why it could not forecast this queue

    def prediction(self, name: str) -> np.ndarray:
        """Fold forecasts of a model or of an ensemble row ``mean(a+b)``."""
        if name.startswith("mean("):
            return np.mean([self.predicted[m] for m in ensemble_members(name)], axis=0)
        return self.predicted[name]

    def model(self, name: str) -> Model:
        """An unfitted model for a table row, a single model or the :class:`Ensemble` it names."""
        if name.startswith("mean("):
            return Ensemble(tuple(self.model(m) for m in ensemble_members(name)))
        return self.models[name].clone()


def ensemble_name(members: list[str]) -> str:
    return "mean(" + "+".join(members) + ")"


def ensemble_members(name: str) -> list[str]:
    return name[len("mean("):-1].split("+")


def _weekly_change(values: np.ndarray, observed: np.ndarray) -> float:
    both = observed[7:] & observed[:-7]
    change = np.abs(values[7:] - values[:-7])[both]
    return float(change.mean()) if change.size else np.nan


def rolling_origin(grid: Grid, models: dict[str, Model], *, horizon_days: int, folds: int,
                   step_days: int | None = None, calendar: Calendar | None = None,
                   exclude_outliers: bool = True, threshold: float = OUTLIER_THRESHOLD,
                   on_fold: Callable[[], None] | None = None) -> Backtest:
    """Backtest ``models`` on ``grid``; raises InputError when no fold fits in the history."""
    starts = origins(grid.n_days, horizon_days, folds, step_days)
    if not starts:
        raise InputError(
            f"history of queue {grid.queue} is too short to backtest a {horizon_days}-day horizon: it covers "
            f"{grid.n_days} days and needs at least {MIN_HISTORY_DAYS + horizon_days}; give a longer history "
            f"or a shorter horizon"
        )
    observed = grid.observed()
    actual = np.stack([np.where(observed[s:s + horizon_days], grid.values[s:s + horizon_days], np.nan)
                       for s in starts])
    predicted = {name: np.empty_like(actual) for name in models}
    dropped: dict[str, str] = {}
    scales = np.empty(len(starts))
    previous: dict[str, Model] = {}  # each model's fit on the fold before, where the next fold's search starts
    for fold, start in enumerate(starts):
        training = prepare(grid.head(start), calendar, exclude_outliers=exclude_outliers, threshold=threshold)
        scales[fold] = _weekly_change(grid.values[:start], observed[:start])
        for name, model in models.items():
            if name not in dropped:
                fitted = model.clone()
                if name in previous:
                    fitted.warm_from(previous[name])
                predicted[name][fold], problem = fit_and_forecast(fitted, training, horizon_days, fold=fold + 1)
                if problem is not None:
                    dropped[name] = problem
                previous[name] = fitted
        if on_fold is not None:
            on_fold()
    if REFERENCE in dropped:
        raise InputError(f"queue {grid.queue}: even {REFERENCE} cannot forecast it ({dropped[REFERENCE]}); "
                         f"check its history")
    days = [grid.first_day + pd.Timedelta(days=s) for s in starts]
    kept = [name for name in models if name not in dropped]
    return Backtest(grid.queue, days, actual, {name: predicted[name] for name in kept}, scales,
                    {name: models[name] for name in kept}, dropped)


def fit_and_forecast(model: Model, training, horizon_days: int, *, fold: int | None = None
                     ) -> tuple[np.ndarray | None, str | None]:
    """(days, slots) forecast of the unfitted ``model`` (fitted here, on ``training``), or
    (None, why) when it fails or forecasts a non-finite or negative volume: one model's
    trouble on a queue (a singular matrix on a sparse queue, an unstable fit) drops that
    model, never the queue."""
    try:
        with np.errstate(all="ignore"):
            forecast = model.fit_training(training).forecast_days(horizon_days)
    except Exception as error:  # noqa: BLE001 - any model failure is that model's, reported per queue
        return None, f"failed{'' if fold is None else f' in fold {fold}'}: {type(error).__name__}: {error}"
    if np.isinf(forecast).any() or np.nanmax(np.abs(forecast), initial=0.0) > MAX_VOLUME:
        return None, f"unstable{'' if fold is None else f' in fold {fold}'}: volumes beyond {MAX_VOLUME:,.0f}"
    return forecast, None


def leave_one_fold_out_bands(actual: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(p10, p90) per fold from a band fitted to the other folds' errors (all folds if only one)."""
    low, high = np.empty_like(predicted), np.empty_like(predicted)
    for fold in range(len(actual)):
        others = [f for f in range(len(actual)) if f != fold] or [fold]
        band = Band.from_errors(actual[others], predicted[others])
        low[fold], high[fold] = band.apply(predicted[fold])
    return low, high


def _peak_cells(actual: np.ndarray) -> np.ndarray:
    """(folds, days, slots) bool: intervals at or above their day's 90th percentile."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day with no scored interval has no peak
        threshold = np.nanquantile(actual, PEAK_QUANTILE, axis=2, keepdims=True)
    return np.isfinite(actual) & (actual >= threshold)


def metrics(actual: np.ndarray, predicted: np.ndarray, scales: np.ndarray) -> dict[str, float]:
    """wmape, mase, bias, peak_wmape and coverage_p10_p90 of fold forecasts (see module doc)."""
    scored = np.isfinite(actual)
    error = np.where(scored, predicted - actual, 0.0)
    total = np.nansum(actual)
    counts = scored.reshape(len(actual), -1).sum(axis=1)
    denominator = np.nansum(scales * counts)
    peaks = _peak_cells(actual)
    low, high = leave_one_fold_out_bands(actual, predicted)
    inside = (actual >= low) & (actual <= high)
    return {
        "wmape": float(np.abs(error).sum() / total) if total > 0 else np.nan,
        "mase": float(np.abs(error).sum() / denominator) if denominator > 0 else np.nan,
        "bias": float(error.sum() / total) if total > 0 else np.nan,
        "peak_wmape": float(np.abs(error[peaks]).sum() / actual[peaks].sum()) if actual[peaks].sum() > 0 else np.nan,
        "coverage_p10_p90": float(inside[scored].mean()) if scored.any() else np.nan,
        "scored_intervals": int(scored.sum()),
    }


def select(backtest: Backtest, *, rule: str = "combine") -> tuple[pd.DataFrame, str]:
    """The score table (one row per model, plus the chosen combination; best first) and the
    chosen name.

    ``rule="combine"``: the mean of every model whose wMAPE beats seasonal naive's (a
    single model when only one does, the best model when none does); combining is what
    holds up when four folds cannot tell close models apart. ``rule="best"``: the model
    with the lowest wMAPE. ``vs_seasonal_naive`` in the table is each row's wMAPE relative
    to seasonal naive's.
    """
    if rule not in ("combine", "best"):
        raise InputError(f"forecast.selection must be combine or best; got {rule!r}")
    scores = {name: metrics(backtest.actual, predicted, backtest.scales)
              for name, predicted in backtest.predicted.items()}
    ranked = sorted(scores, key=lambda name: scores[name]["wmape"])
    chosen = ranked[0]
    if rule == "combine":
        reference = scores[REFERENCE]["wmape"]
        members = [name for name in ranked if name != REFERENCE and scores[name]["wmape"] < reference]
        if len(members) > 1:
            chosen = ensemble_name(members)
            scores[chosen] = metrics(backtest.actual, backtest.prediction(chosen), backtest.scales)
        elif members:
            chosen = members[0]
    table = pd.DataFrame([{"queue": backtest.queue, "model": name, **score, "note": ""} for name, score in scores.items()]
                         + [{"queue": backtest.queue, "model": name, "note": f"left out: {why}"}
                            for name, why in backtest.dropped.items()])
    table["vs_seasonal_naive"] = table["wmape"] / scores[REFERENCE]["wmape"] - 1
    table["folds"] = len(backtest.origin_days)
    table["first_origin"] = backtest.origin_days[0].date().isoformat()
    table = table.sort_values("wmape", kind="stable", na_position="last").reset_index(drop=True)
    table["chosen"] = table["model"] == chosen
    return table, chosen


def fold_table(backtest: Backtest) -> pd.DataFrame:
    """wMAPE of every single model in every fold: queue, model, fold, origin, wmape."""
    rows = []
    for name, predicted in backtest.predicted.items():
        for fold, origin in enumerate(backtest.origin_days):
            actual = backtest.actual[fold]
            total = np.nansum(actual)
            wmape = np.nansum(np.abs(predicted[fold] - actual)) / total if total > 0 else np.nan
            rows.append({"queue": backtest.queue, "model": name, "fold": fold + 1,
                         "origin": origin.date().isoformat(), "wmape": float(wmape)})
    return pd.DataFrame(rows)
