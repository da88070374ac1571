"""Forecast accuracy by lead time, from the store's forecast snapshots and actuals.

For every stored forecast value whose interval has an actual, the lead time is the number of
local days from the snapshot's origin (its first forecast day) to the interval's day: 0 is
the forecast's first day, 1 the next, 7 a week out. Per queue and lead time in ``LEADS``:

- ``wmape``: sum |forecast - actual| / sum actual; ``bias``: sum (forecast - actual) / sum actual;
- ``poisson_floor``: the wMAPE a perfect forecast of the rate still has, because arrivals
  are random: sum sqrt(2 x forecast / pi) / sum actual (Koole: E|N - lambda| is about
  sqrt(2 lambda / pi) for Poisson N);
- ``seasonal_naive_wmape``: the same week's interval a week earlier, as a forecast, on the
  same intervals (where that actual is known); ``value_added`` = 1 - wmape / that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LEADS", "accuracy_by_lead"]

LEADS = (0, 1, 7, 14)


def accuracy_by_lead(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Columns ``queue``, ``lead_days``, ``intervals``, ``actual``, ``wmape``, ``bias``,
    ``poisson_floor``, ``seasonal_naive_wmape``, ``value_added`` (see the module docstring);
    empty when no forecast meets an actual at those lead times."""
    known = actuals[["queue", "interval_start", "offered"]]
    week_before = known.assign(interval_start=known["interval_start"] + pd.Timedelta(days=7)).rename(
        columns={"offered": "naive"})
    merged = forecasts.merge(known, on=["queue", "interval_start"]).merge(
        week_before, on=["queue", "interval_start"], how="left")
    merged["lead_days"] = (pd.to_datetime(merged["interval_start"].dt.date)
                           - pd.to_datetime(merged["origin"])).dt.days
    rows = []
    for (queue, lead), part in merged[merged["lead_days"].isin(LEADS)].groupby(["queue", "lead_days"], sort=True):
        actual = part["offered"].to_numpy(float)
        total = actual.sum()
        if total <= 0:
            continue
        error = part["volume"].to_numpy(float) - actual
        naive = part[part["naive"].notna()]
        naive_wmape = (float(np.abs(naive["naive"] - naive["offered"]).sum() / naive["offered"].sum())
                       if len(naive) and naive["offered"].sum() > 0 else np.nan)
        wmape = float(np.abs(error).sum() / total)
        rows.append({"queue": queue, "lead_days": int(lead), "intervals": len(part), "actual": total,
                     "wmape": wmape, "bias": float(error.sum() / total),
                     "poisson_floor": float(np.sqrt(2 * part["volume"].clip(lower=0) / np.pi).sum() / total),
                     "seasonal_naive_wmape": naive_wmape,
                     "value_added": 1 - wmape / naive_wmape if naive_wmape and not np.isnan(naive_wmape) else np.nan})
    return pd.DataFrame(rows, columns=["queue", "lead_days", "intervals", "actual", "wmape", "bias", "poisson_floor",
                                       "seasonal_naive_wmape", "value_added"])
