"""Fit a desk's queue model to its own contact log: patience, handle times, effective staffing.

:func:`calibrate` fits, per live queue of a standard log (:func:`review.log.read_log`):

- **patience** (``patience_seconds``, switching the queue to Erlang A): exponential patience
  by maximum likelihood with answered contacts' waits as censored observations, total wait
  over abandoned contacts (Brown et al. 2005; :func:`forecast.ingest.patience_seconds`);
  none with fewer than 20 abandoned contacts;
- **handle times**: mean, coefficient of variation, and whether a log-normal or an
  exponential distribution fits better (Akaike's criterion; evidence only: the Erlang
  models use the mean);
- **effective staffing** (``effective_staffing``): the share of the agents staffed (inferred
  from the log, :mod:`review.actuals`) that makes the model's service level closest to the
  actual one, by mean absolute error over intervals with at least ``MIN_CONTACTS`` contacts
  (a grid from ``0.5`` to ``1.5``). It absorbs what the log cannot see (agents in wrap-up,
  on other work, idle before their first call) and what the model does not have.

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
FACTORS = np.round(np.arange(0.5, 1.5001, 0.01), 2)


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
        fitted = {"patience_seconds": round(patience[queue], 1)} if queue in patience else {}
        rows = table[table["queue"] == queue]
        staffing = _effective_staffing(rows, calibrated_config(config, {queue: fitted}), queue, interval_minutes)
        fitted["effective_staffing"] = staffing["effective_staffing"]
        settings[queue] = fitted
        evidence[queue] = {
            "window": [str(contacts["arrival"].min().date()), str(contacts["arrival"].max().date())],
            "contacts": len(contacts), "abandoned": int(contacts["abandoned"].sum()),
            "patience_seconds": fitted.get("patience_seconds"),
            "handle": _handle_fit(contacts["handle_seconds"]),
            **staffing,
        }
    return Calibration(settings, evidence)


def calibrated_config(config: Config, settings: dict[str, dict]) -> Config:
    """CONFIG with each queue's fitted SETTINGS in its ``[queues.NAME]`` table (a queue without
    a table gets one: ``[queue_defaults]`` with the fitted values)."""
    queues = dict(config.queues)
    for queue, fitted in settings.items():
        queues[queue] = config.queue(queue)[0].model_copy(update=fitted)
    return config.model_copy(update={"queues": queues})


def _effective_staffing(rows: pd.DataFrame, config: Config, queue: str, interval_minutes: int) -> dict:
    """The factor (on ``FACTORS``) whose predicted service level is closest to the actual one."""
    busy = rows[rows["offered"] >= MIN_CONTACTS]
    if busy.empty or busy["agents_staffed"].sum() == 0:
        return {"effective_staffing": 1.0, "intervals": len(busy), "note": f"no interval with {MIN_CONTACTS}+ "
                                                                           f"contacts and staffed agents: left at 1"}

    def errors(factor: float) -> np.ndarray:
        settings = calibrated_config(config, {queue: {"effective_staffing": float(factor)}})
        scored = predicted(busy, settings, interval_minutes=interval_minutes)
        return (scored["sl_predicted"] - scored["sl_actual"]).to_numpy()

    mae = np.array([np.nanmean(np.abs(errors(factor))) for factor in FACTORS])
    best = float(FACTORS[int(np.nanargmin(mae))])
    before, after = errors(1.0), errors(best)
    return {"effective_staffing": best, "intervals": len(busy),
            "sl_mae_at_1": round(float(np.nanmean(np.abs(before))), 4),
            "sl_mae": round(float(np.nanmean(np.abs(after))), 4), "sl_bias": round(float(np.nanmean(after)), 4)}


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
