"""Prediction intervals from past forecast errors, scaled by the forecast's level.

A forecast ``mu`` of a count has spread ``sigma(mu) = sqrt(mu + kappa * mu**2)``: Poisson
noise plus a share ``kappa`` that grows with the level (over-dispersion, level errors).
:meth:`Band.from_errors` fits ``kappa`` to out-of-sample errors by the method of moments,
``sum((y - mu)**2 - mu) / sum(mu**2)``, and keeps the empirical quantiles of the
standardised errors ``(y - mu) / sigma(mu)``; the band is then
``mu + z_low * sigma(mu) .. mu + z_high * sigma(mu)``, clipped at 0. Because the
quantiles are empirical, a biased or skewed forecast gets an asymmetric band, and the
band is as wide as the errors really were (the target is 80% coverage for p10..p90).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Band", "POISSON_BAND"]

LOW, HIGH = 0.10, 0.90
MIN_ERRORS = 20  # fewer usable errors than this: keep the Poisson band


@dataclass(frozen=True)
class Band:
    """``kappa`` >= 0 and the standardised error quantiles ``z_low`` <= ``z_high``."""

    kappa: float
    z_low: float
    z_high: float

    @classmethod
    def from_errors(cls, actual: np.ndarray, predicted: np.ndarray) -> Band:
        """Fit to paired out-of-sample actuals and forecasts (any shape; NaN pairs ignored)."""
        actual, predicted = np.ravel(actual), np.ravel(predicted)
        usable = np.isfinite(actual) & np.isfinite(predicted)
        if usable.sum() < MIN_ERRORS:
            return POISSON_BAND
        y, mu = actual[usable], np.maximum(predicted[usable], 0.0)
        kappa = max(0.0, float(np.sum((y - mu) ** 2 - mu) / max(np.sum(mu**2), 1e-9)))
        z = (y - mu) / _sigma(mu, kappa)
        z_low, z_high = np.quantile(z, [LOW, HIGH])
        return cls(kappa, float(min(z_low, 0.0)), float(max(z_high, 0.0)))

    def apply(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(p10, p90) arrays of ``predicted``'s shape, 0 <= p10 <= p90."""
        mu = np.maximum(predicted, 0.0)
        sigma = _sigma(mu, self.kappa)
        low = np.maximum(mu + self.z_low * sigma, 0.0)
        return low, np.maximum(mu + self.z_high * sigma, low)


def _sigma(mu: np.ndarray, kappa: float) -> np.ndarray:
    return np.sqrt(mu + kappa * mu**2 + 0.25)  # + 0.25: a floor so that zero forecasts keep a band


POISSON_BAND = Band(0.0, -1.2816, 1.2816)  # normal approximation of Poisson noise alone
