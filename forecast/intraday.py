"""The rest of today re-forecast from today's intervals so far.

The morning forecast ``f`` (per interval of today, from :func:`forecast.runner.forecast_queues`)
is right about the day's shape and wrong about its level by a factor ``M`` that today's
intervals reveal. The industry default, **ratio-to-date**, takes ``M = sum(actual so far) /
sum(forecast so far)``: it overreacts early in the day, when a few intervals of Poisson
noise decide it, and to a single spiking interval.

Here ``M`` is estimated in a small empirical-Bayes model (in the spirit of Weinberg, Brown &
Stroud 2007), learned from the morning forecast's own backtest on the desk's history:

- **prior**: ``M ~ Gamma(alpha, alpha)`` (mean 1, variance ``1 / alpha``): how far the
  forecast's whole days were from what came, beyond counting noise;
- **counts**: given ``M``, an interval's count has mean ``M x f`` and variance
  ``dispersion x M x f`` (``dispersion`` >= 1: real intervals vary more than Poisson), so in
  units of ``dispersion`` they are Poisson and the posterior is
  ``Gamma(alpha + sum(w a) / dispersion, alpha + sum(w f) / dispersion)``;
- **recency**: each interval so far weighs ``w = 0.5 ** (intervals ago / half_life)``, so a
  surge that began an hour ago moves ``M`` quickly (``half_life`` = infinity weighs all alike);
- **a single spike** does not move it: an interval beyond its 99% predictive bound whose
  neighbours are not beyond it on the same side counts at that bound; two in a row count
  in full (practitioners' "two consecutive intervals" rule);
- **a surge** does: when the total of the latest intervals (two or more) is beyond the
  morning forecast's 0.1%-99.9% bounds for that total and at least 20% off it, the day's
  level is learned from those intervals alone under a weak prior (the morning's level is
  wrong today).

The rest of the day is ``E[M] x f`` with a p10-p90 band from the posterior predictive
(negative binomial in units of ``dispersion``). :meth:`UpdateModel.fit` learns them from the
backtest's days: ``dispersion`` from the intervals' spread around their day's level; then
``alpha`` and ``half_life`` together by replaying updates after each eighth of those days and
keeping the pair with the smallest error of the rest of the day (the intervals of a day are
not independent given its level, its shape errs too, so the evidence is worth less than
its counts say; the replay finds how much less); and the band's spread so that it covered
80% in the replay.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from core.config import Config
from forecast.runner import forecast_queues

__all__ = ["ALERT_COLUMNS", "HALF_LIVES_INTERVALS", "Morning", "UpdateModel", "morning_forecast", "ratio_to_date",
           "surge_alerts", "update_today"]

ALERT_COLUMNS = ("queue", "alert", "since", "until", "intervals", "actual", "forecast", "ratio")

HALF_LIVES_INTERVALS = (np.inf, 16.0, 8.0, 4.0)
SPIKE_Z = 2.326  # a spike is beyond the 1%-99% predictive bounds (normal approximation)
SCAN_Z = 3.09  # a surge's window total is beyond the 0.1%-99.9% bounds (many windows are tried)
SURGE_MIN_CHANGE = 0.2  # and at least 20% off the morning forecast (practitioners act beyond 10-20%)
SURGE_MIN_CONTACTS = 10.0  # over a window the forecast gives at least this many (a few contacts are no surge)
MIN_ALPHA, MAX_ALPHA = 1.0, 1e5  # prior precision of the day's level
ALPHAS = tuple(np.logspace(0, 5, 11))  # the prior precisions tried (with the moment estimate)
BAND_SCALES = (0.75, 1.0, 1.5, 2.0, 3.0, 4.0)  # the band's dispersion tried, times the fitted one
BAND_COVERAGE = 0.8
REPLAY_CUTS = 8  # updates replayed after every eighth of a day's open intervals


def ratio_to_date(actual_so_far: np.ndarray, forecast_so_far: np.ndarray) -> float:
    """The industry default: actual over forecast so far (1 before any forecast volume)."""
    total = float(np.sum(forecast_so_far))
    return float(np.sum(actual_so_far)) / total if total > 0 else 1.0


@dataclass(frozen=True)
class UpdateModel:
    """``alpha``: prior precision of the day multiplier; ``dispersion``: interval variance over
    mean given the day's level (>= 1); ``half_life_intervals``: recency of the evidence;
    ``band_dispersion``: the spread the p10-p90 band assumes, chosen so that it covered 80%
    of the backtest's remaining intervals in replay."""

    alpha: float
    dispersion: float
    half_life_intervals: float = np.inf
    band_dispersion: float | None = None  # the band's dispersion (None: ``dispersion``)
    surge_run: int = 2  # the fewest latest intervals whose total can make a surge

    def posterior(self, actual_so_far: np.ndarray, forecast_so_far: np.ndarray) -> tuple[float, float]:
        """(shape, rate) of the day multiplier's Gamma posterior after today's intervals so
        far (1-d arrays in time order, NaN-free), with a single spike capped; during a surge
        (or drop) from the intervals since it began alone, under a weak prior."""
        forecast = np.asarray(forecast_so_far, float)
        actual = self._without_spikes(np.asarray(actual_so_far, float), forecast)
        alpha = self.alpha
        run = self._scan(actual, forecast)
        if run:  # the morning's level is wrong today: learn it from the run
            actual, forecast, alpha = actual[-run:], forecast[-run:], MIN_ALPHA
        ago = np.arange(len(actual))[::-1]
        weight = 0.5 ** (ago / self.half_life_intervals)
        return (alpha + float(np.sum(weight * actual)) / self.dispersion,
                alpha + float(np.sum(weight * forecast)) / self.dispersion)

    def ongoing_surge(self, actual_so_far: np.ndarray, forecast_so_far: np.ndarray) -> int:
        """How many of the latest intervals a surge (or drop) has lasted, or 0 (single spikes
        capped first; see ``_scan``)."""
        forecast = np.asarray(forecast_so_far, float)
        return self._scan(self._without_spikes(np.asarray(actual_so_far, float), forecast), forecast)

    def _scan(self, actual: np.ndarray, forecast: np.ndarray) -> int:
        """How many of the latest intervals a surge (or drop) has lasted, or 0. A window of at
        least ``surge_run`` intervals that ends now is a surge when its total is beyond the
        morning forecast's 0.1%-99.9% bounds for that total, at least 20% off it and the forecast
        at least ``SURGE_MIN_CONTACTS`` (the normal bounds fail on a handful; a scan
        statistic: a moderate surge shows in a few intervals' sum long before in any single
        one); of those windows, the one where the change most likely began: the largest
        likelihood ratio of a level shift, ``A log(A / F) - (A - F)`` (Kulldorff's scan)."""
        if len(actual) < self.surge_run:
            return 0
        came, expected = np.cumsum(actual[::-1]), np.maximum(np.cumsum(forecast[::-1]), 1e-9)
        spread = np.sqrt(expected ** 2 / self.alpha + self.dispersion * expected)
        beyond = ((np.abs(came - expected) / spread > SCAN_Z) & (np.abs(came / expected - 1) >= SURGE_MIN_CHANGE)
                  & (expected >= SURGE_MIN_CONTACTS))
        beyond[:self.surge_run - 1] = False
        if not beyond.any():
            return 0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(came > 0, came * np.log(came / expected), 0.0) - (came - expected)
        same_side = np.sign(came - expected) == np.sign(came - expected)[np.argmax(beyond)]
        return int(np.argmax(np.where(beyond & same_side, ratio, -np.inf))) + 1

    def rest_of_day(self, actual_so_far: np.ndarray, forecast_so_far: np.ndarray,
                    forecast_rest: np.ndarray) -> dict[str, np.ndarray]:
        """``volume``, ``volume_p10``, ``volume_p90`` for the remaining intervals (FORECAST_REST,
        the morning forecast) after the actuals so far."""
        shape, rate = self.posterior(actual_so_far, forecast_so_far)
        rest = np.asarray(forecast_rest, float)
        low, high = self._band(shape, rate, rest, (0.1, 0.9), self.band_dispersion or self.dispersion)
        return {"volume": shape / rate * rest, "volume_p10": low, "volume_p90": high}

    def _band(self, shape: float, rate: float, forecast: np.ndarray, quantiles: tuple[float, float],
              dispersion: float) -> tuple[np.ndarray, np.ndarray]:
        """Posterior predictive quantiles of the counts: N / d ~ NB(shape, rate / (rate + f / d)), d = DISPERSION."""
        scaled = np.maximum(forecast, 1e-9) / dispersion
        success = rate / (rate + scaled)
        return tuple(stats.nbinom.ppf(q, shape, success) * dispersion for q in quantiles)

    def outside(self, actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
        """+1 where ACTUAL is above the morning FORECAST's 99% predictive bound, -1 below its 1%
        bound, else 0 (before any of today's evidence: the prior level's and the counts' spread)."""
        return _sides(np.asarray(actual, float), *_bounds(np.asarray(forecast, float), 1.0, 1 / self.alpha,
                                                          self.dispersion))

    def _without_spikes(self, actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
        """ACTUAL with each isolated interval beyond its 1%-99% predictive bounds (normal
        approximation) set to the bound."""
        if len(actual) < 2:
            return actual
        shape, rate = self.alpha + actual.sum() / self.dispersion, self.alpha + forecast.sum() / self.dispersion
        low, high = _bounds(forecast, shape / rate, shape / rate ** 2, self.dispersion)
        side = _sides(actual, low, high)
        before = np.concatenate([[0], side[:-1]])
        after = np.concatenate([side[1:], [0]])
        isolated = (side != 0) & (before != side) & (after != side)
        return np.where(isolated, np.clip(actual, low, high), actual)

    @classmethod
    def fit(cls, actual: np.ndarray, predicted: np.ndarray) -> UpdateModel:
        """Learn the model from a morning forecast's backtest: ACTUAL and PREDICTED are (days,
        slots) with NaN where not scored (closed or missing)."""
        actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
        scored = np.isfinite(actual) & np.isfinite(predicted) & (predicted > 0)
        days = [d for d in range(len(actual)) if scored[d].sum() >= 4 and predicted[d, scored[d]].sum() > 0]
        if not days:
            return cls(alpha=MAX_ALPHA, dispersion=1.0)
        ratios, spreads, totals = [], [], []  # per day: level ratio, spread around it, forecast volume
        for d in days:
            a, f = actual[d, scored[d]], predicted[d, scored[d]]
            ratio = a.sum() / f.sum()
            ratios.append(ratio)
            totals.append(f.sum())
            expected = np.maximum(ratio * f, 1e-9)
            spreads.append(np.sum((a - expected) ** 2 / expected) / (len(a) - 1))
        dispersion = max(1.0, float(np.median(spreads)))
        level_variance = float(np.mean((np.array(ratios) - 1) ** 2) - np.mean(dispersion / np.array(totals)))
        moment = float(np.clip(1 / max(level_variance, 1 / MAX_ALPHA), MIN_ALPHA, MAX_ALPHA))
        # Intervals of a day are not independent given its level (the shape errs too), so the
        # evidence is worth less than its counts say: the prior's weight is chosen by replay.
        candidates = [(alpha, half_life) for alpha in (*ALPHAS, moment) for half_life in HALF_LIVES_INTERVALS]
        alpha, half_life = min(candidates, key=lambda pair: _replayed(cls(pair[0], dispersion, pair[1]), actual,
                                                                       predicted, scored, days))
        band = min(BAND_SCALES, key=lambda scale: abs(_replayed(cls(alpha, dispersion, half_life, scale * dispersion),
                                                                actual, predicted, scored, days, band=True)
                                                      - BAND_COVERAGE))
        return cls(alpha, dispersion, half_life, band * dispersion)


def _bounds(forecast: np.ndarray, level: float, level_variance: float, dispersion: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """The 1%-99% predictive bounds of counts with mean LEVEL x FORECAST and the variance of
    the level (LEVEL_VARIANCE) and of the counts (DISPERSION x mean), normal approximation."""
    spread = SPIKE_Z * np.sqrt(forecast ** 2 * level_variance + dispersion * level * forecast)
    return level * forecast - spread, level * forecast + spread


def _sides(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """+1 where ACTUAL is above HIGH, -1 below LOW, else 0."""
    return np.where(actual > high, 1, np.where(actual < low, -1, 0))


def _replayed(model: UpdateModel, actual: np.ndarray, predicted: np.ndarray, scored: np.ndarray,
              days: list[int], *, band: bool = False) -> float:
    """Replay updates after every eighth of each day's open intervals: the absolute error of the
    rest of the day, or with BAND the share of its intervals inside the p10-p90 band."""
    error, inside, count = 0.0, 0, 0
    for d in days:
        a, f = actual[d, scored[d]], predicted[d, scored[d]]
        for cut in (len(a) * k // REPLAY_CUTS for k in range(1, REPLAY_CUTS)):
            if band:
                rest = model.rest_of_day(a[:cut], f[:cut], f[cut:])
                inside += int(((a[cut:] >= rest["volume_p10"]) & (a[cut:] <= rest["volume_p90"])).sum())
                count += len(a) - cut
            else:
                shape, rate = model.posterior(a[:cut], f[:cut])
                error += float(np.abs(a[cut:] - shape / rate * f[cut:]).sum())
    return inside / max(count, 1) if band else error


def _day_matrix(values: pd.DataFrame, column: str) -> np.ndarray:
    """One queue's ``backtest_values`` COLUMN as a (days, slots) matrix, NaN where not scored."""
    dates = pd.Index(sorted(values["date"].unique()))
    matrix = np.full((len(dates), int(values["slot"].max()) + 1), np.nan)
    matrix[dates.get_indexer(values["date"]), values["slot"].to_numpy()] = values[column].to_numpy(float)
    return matrix


@dataclass(frozen=True)
class Morning:
    """``forecast``: today's forecast made from the history before today (Frame A rows of
    every queue); ``models``: queue -> the :class:`UpdateModel` learned from its backtest."""

    forecast: pd.DataFrame
    models: dict[str, UpdateModel]


def morning_forecast(history: pd.DataFrame, today: pd.Timestamp, config: Config,
                     events: pd.DataFrame | None = None) -> Morning:
    """The forecast for the local date TODAY from HISTORY's days before it (``forecast_queues``,
    a week ahead so its backtest scores four weeks of days), and each queue's update model."""
    day = pd.Timestamp(today).normalize()
    local = history["interval_start"].dt.tz_localize(None)
    result = forecast_queues(history[local < day], horizon="7D", config=config, events=events, start=day)
    forecast = result.forecast[result.forecast["interval_start"].dt.tz_localize(None).dt.normalize() == day]
    models = {str(queue): replace(UpdateModel.fit(_day_matrix(rows, "actual"), _day_matrix(rows, "predicted")),
                                  surge_run=config.intraday.alert_intervals)
              for queue, rows in result.backtest_values.groupby("queue")}
    return Morning(forecast.reset_index(drop=True), models)


def _so_far(morning: Morning, today_so_far: pd.DataFrame, now: pd.Timestamp):
    """Per queue of MORNING's forecast: (queue, its rows, those before NOW, the actuals of
    those rows from TODAY_SO_FAR, zero where an open interval has no row)."""
    for queue, planned in morning.forecast.groupby("queue", sort=True):
        before = planned[planned["interval_start"] < now]
        seen = today_so_far[today_so_far["queue"] == queue].set_index("interval_start")["volume"]
        yield str(queue), planned, before, seen.reindex(before["interval_start"]).fillna(0.0).to_numpy(float)


def update_today(morning: Morning, today_so_far: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The forecast rows of MORNING from NOW (tz-aware) to the end of its day, with
    ``volume``, ``volume_p10`` and ``volume_p90`` updated from TODAY_SO_FAR (Frame A rows of
    today's intervals before NOW; an open interval without a row counts as zero contacts)."""
    parts = []
    for queue, planned, before, actual in _so_far(morning, today_so_far, now):
        rest = planned[planned["interval_start"] >= now].copy()
        rest.update(pd.DataFrame(morning.models[queue].rest_of_day(
            actual, before["volume"].to_numpy(float), rest["volume"].to_numpy(float)), index=rest.index))
        parts.append(rest)
    return pd.concat(parts, ignore_index=True) if parts else morning.forecast.iloc[:0]


def surge_alerts(morning: Morning, today_so_far: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The queues in a surge (or drop) at NOW, by :meth:`UpdateModel.ongoing_surge` on today's
    intervals so far (TODAY_SO_FAR): ``ALERT_COLUMNS`` (``since``/``until``: the first and
    last interval of the run, ``ratio``: actual over the morning forecast in it)."""
    rows = []
    for queue, _, before, actual in _so_far(morning, today_so_far, now):
        forecast = before["volume"].to_numpy(float)
        run = morning.models[queue].ongoing_surge(actual, forecast) if len(before) else 0
        if run:
            came, expected = float(actual[-run:].sum()), float(forecast[-run:].sum())
            rows.append({"queue": queue, "alert": "surge" if came > expected else "drop",
                         "since": before["interval_start"].iloc[-run], "until": before["interval_start"].iloc[-1],
                         "intervals": run, "actual": came, "forecast": expected,
                         "ratio": came / expected if expected > 0 else np.inf})
    return pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
