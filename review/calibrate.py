"""Fit a desk's queue model to its own contact log: patience, handle times, effective staffing.

:func:`calibrate` fits, per live queue of a standard log (:func:`review.log.read_log`):

- **patience** (``patience_seconds``, switching the queue to Erlang A) and **effective
  staffing** (``effective_staffing``: the share of the agents staffed, inferred from the log
  by :mod:`review.actuals`, that the model counts), fitted together: the pair that makes the
  model's service level and abandonment closest to the actual ones, by the sum of their mean
  absolute errors (points) over intervals with at least ``MIN_CONTACTS`` contacts. The
  search starts from the callers' own patience, exponential by maximum likelihood with
  answered contacts' waits censored (total wait over abandoned contacts; Brown et al. 2005;
  :func:`forecast.ingest.patience_seconds`), scaled by ``PATIENCE_SCALES``, and factors from
  0.5 to 1.5, then refines both around the best. The factor absorbs what the log cannot see
  (agents in wrap-up, on other work, idle before their first call); the patience, what a
  steady-state model with exponential patience does not have (the waits it predicts are not
  the waits callers saw, so the raw estimate would over-predict abandonment once the factor
  lowers the staff). With fewer than 20 abandoned contacts no patience is fitted and the
  factor is fitted to the service level alone;
- **handle times**: mean, coefficient of variation, and whether a log-normal or an
  exponential distribution fits better (Akaike's criterion; evidence only: the Erlang
  models use the mean).

Each value comes with its evidence (window, counts, fit before and after) in
:class:`Calibration`; nothing is set by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.config import Config
from forecast.ingest import patience_seconds
from review.actuals import actuals, predicted

__all__ = ["Calibration", "MIN_CONTACTS", "calibrate", "calibrated_config"]

MIN_CONTACTS = 20  # intervals with fewer offered contacts are too noisy to fit on
COARSE_FACTORS = np.round(np.arange(0.5, 1.5001, 0.05), 2)
PATIENCE_SCALES = (0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)  # times the callers' own (maximum-likelihood) patience


@dataclass(frozen=True)
class Calibration:
    """``settings``: queue -> the fitted ``[queues.NAME]`` settings; ``evidence``: queue -> the
    data window, counts and fit of each value (JSON-ready)."""

    settings: dict[str, dict]
    evidence: dict[str, dict]


def calibrate(log: pd.DataFrame, config: Config, *, interval_minutes: int) -> Calibration:
    """Fit the live queues of LOG (see the module docstring); deferred queues are left alone."""
    table = actuals(log, config, interval_minutes=interval_minutes)
    patience = patience_seconds(log["queue"], log["wait_seconds"], log["abandoned"])
    settings, evidence = {}, {}
    for queue, contacts in log.groupby("queue", sort=True):
        queue = str(queue)
        if config.queue(queue)[0].deferred:
            continue
        rows = table[table["queue"] == queue]
        fitted, fit = _fit_model(rows, config, queue, patience.get(queue), interval_minutes)
        settings[queue] = fitted
        evidence[queue] = {
            "window": [str(contacts["arrival"].min().date()), str(contacts["arrival"].max().date())],
            "contacts": len(contacts), "abandoned": int(contacts["abandoned"].sum()),
            "patience_mle_seconds": round(patience[queue], 1) if queue in patience else None,
            "patience_seconds": fitted.get("patience_seconds"),
            "handle": _handle_fit(contacts["handle_seconds"]),
            **fit,
        }
    return Calibration(settings, evidence)


def calibrated_config(config: Config, settings: dict[str, dict]) -> Config:
    """CONFIG with each queue's fitted SETTINGS in its ``[queues.NAME]`` table (a queue without
    a table gets one: ``[queue_defaults]`` with the fitted values)."""
    queues = dict(config.queues)
    for queue, fitted in settings.items():
        queues[queue] = config.queue(queue)[0].model_copy(update=fitted)
    return config.model_copy(update={"queues": queues})


def _fit_model(rows: pd.DataFrame, config: Config, queue: str, patience_mle: float | None,
               interval_minutes: int) -> tuple[dict, dict]:
    """The fitted settings of QUEUE (``effective_staffing``, and ``patience_seconds`` when
    PATIENCE_MLE is known) and their evidence: the errors before (factor 1, the callers' own
    patience) and after, in service level and abandonment."""
    busy = rows[rows["offered"] >= MIN_CONTACTS]
    start = {"patience_seconds": round(patience_mle, 1)} if patience_mle else {}
    if busy.empty or busy["agents_staffed"].sum() == 0:
        return {**start, "effective_staffing": 1.0}, {
            "effective_staffing": 1.0, "intervals": len(busy),
            "note": f"no interval with {MIN_CONTACTS}+ contacts and staffed agents: left at 1"}

    def errors(factor: float, patience: float | None) -> dict[str, np.ndarray]:
        fitted = {"effective_staffing": float(factor)} | ({"patience_seconds": float(patience)} if patience else {})
        scored = predicted(busy, calibrated_config(config, {queue: fitted}), interval_minutes=interval_minutes)
        return {"sl": (scored["sl_predicted"] - scored["sl_actual"]).to_numpy(),
                "abandon": (scored["abandon_rate_predicted"] - scored["abandon_rate_actual"]).to_numpy()}

    def loss(pair: tuple[float, float | None]) -> float:
        found = errors(*pair)
        return float(np.nanmean(np.abs(found["sl"])) + (np.nanmean(np.abs(found["abandon"])) if pair[1] else 0.0))

    patiences = [patience_mle * scale for scale in PATIENCE_SCALES] if patience_mle else [None]
    factor, patience = min(((f, p) for f in COARSE_FACTORS for p in patiences), key=loss)
    near_factors = np.round(np.arange(max(0.5, factor - 0.05), min(1.5, factor + 0.05) + 1e-9, 0.01), 2)
    near_patiences = [patience * scale for scale in (0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15)] if patience else [None]
    factor, patience = min(((f, p) for f in near_factors for p in near_patiences), key=loss)
    before, after = errors(1.0, patience_mle), errors(factor, patience)
    fitted = {"effective_staffing": float(factor)} | ({"patience_seconds": round(patience, 1)} if patience else {})

    def mean(values: np.ndarray, absolute: bool) -> float:
        return round(float(np.nanmean(np.abs(values) if absolute else values)), 4)

    fit = {"effective_staffing": float(factor), "intervals": len(busy), "objective": (
               "service level + abandonment mean absolute error" if patience else "service level mean absolute error"),
           "sl_mae_at_1": mean(before["sl"], True), "sl_mae": mean(after["sl"], True),
           "sl_bias": mean(after["sl"], False)}
    if patience:
        fit |= {"abandon_mae_at_1": mean(before["abandon"], True), "abandon_mae": mean(after["abandon"], True),
                "abandon_bias": mean(after["abandon"], False)}
    return fitted, fit


def _handle_fit(handle: pd.Series) -> dict:
    """Mean, coefficient of variation and the better of exponential and log-normal (AIC)."""
    seconds = handle.dropna().to_numpy(float)
    seconds = seconds[seconds > 0]
    if seconds.size < 2:
        return {"contacts": int(seconds.size)}
    mean = float(seconds.mean())
    exponential = float(stats.expon.logpdf(seconds, scale=mean).sum())
    logs = np.log(seconds)
    lognormal = float(stats.norm.logpdf(logs, logs.mean(), logs.std()).sum() - logs.sum())
    aic = {"exponential": 2 - 2 * exponential, "lognormal": 4 - 2 * lognormal}
    return {"contacts": int(seconds.size), "mean_seconds": round(mean, 1),
            "cv": round(float(seconds.std() / mean), 3), "better_fit": min(aic, key=aic.get),
            "aic": {name: round(value, 1) for name, value in aic.items()}}
