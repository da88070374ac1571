"""A day's service-level miss explained: how much came from volume, handle time, staffing
and the model itself, in parts that add up to the gap.

The plan's expected service level of a day is the model at the plan's inputs: forecast
volume, forecast handle time and the agents it asked for (on contacts), per interval,
weighted by volume. Replacing one input by what really happened (the volume that came, the
handle time it took, the agents who worked, from :mod:`review.actuals`) moves that figure;
the order of replacement matters, so each input's part is its **Shapley value**: its
average effect over every order (Owen; as in Shapley decompositions of KPIs). With all three
replaced, what is left between the model and the actual service level is the **model**
part (patience, arrival noise, routing, what a log cannot see). The four parts add up to
actual - planned exactly.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from core.config import Config
from staffing.requirements import fractional_kpis
from staffing import erlang

__all__ = ["FACTORS", "daily_miss", "with_plan"]

FACTORS = ("volume", "aht", "staffing")


def with_plan(review: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """REVIEW (``review.csv``'s columns) with the plan's ``volume_forecast``,
    ``aht_forecast_seconds`` and ``agents_planned`` (on contacts) from a plan folder's Frame B
    ``requirements``; intervals the plan does not cover get none."""
    plan = requirements[["queue", "interval_start", "volume", "aht_seconds", "agents_required"]].rename(columns={
        "volume": "volume_forecast", "aht_seconds": "aht_forecast_seconds", "agents_required": "agents_planned"})
    return review.merge(plan, on=["queue", "interval_start"], how="left")


def daily_miss(table: pd.DataFrame, config: Config, *, interval_minutes: int) -> pd.DataFrame:
    """Per live queue and local day of ``with_plan``'s TABLE (intervals the plan covers): the
    planned and actual service level (volume-weighted), the gap, and its parts
    ``part_volume``, ``part_aht``, ``part_staffing`` and ``part_model`` (they sum to the gap)."""
    covered = table[table["agents_planned"].notna()]
    rows = []
    for (queue, day), part in covered.groupby(["queue", covered["interval_start"].dt.date], sort=True):
        settings = config.queue(str(queue))[0]
        if settings.deferred or part["offered"].sum() == 0:
            continue
        planned = {"volume": part["volume_forecast"].to_numpy(float),
                   "aht": part["aht_forecast_seconds"].fillna(settings.aht_seconds).to_numpy(float),
                   "staffing": part["agents_planned"].to_numpy(float)}
        typical = part["aht_seconds"].where(part["aht_seconds"] > 0)
        actual = {"volume": part["offered"].to_numpy(float),
                  "aht": typical.fillna(planned["aht"].mean()).to_numpy(float),
                  "staffing": part["agents_staffed"].to_numpy(float) * settings.effective_staffing}

        values = {subset: _daily_level({name: (actual if name in subset else planned)[name] for name in FACTORS},
                                       settings, interval_minutes * 60)
                  for size in range(len(FACTORS) + 1) for subset in itertools.combinations(FACTORS, size)}
        parts = {name: _shapley(name, values) for name in FACTORS}
        sl_actual = float(part["sl_actual"].mul(part["offered"]).sum() / part["offered"].sum())
        sl_planned, modelled = values[()], values[FACTORS]
        rows.append({"queue": queue, "date": day, "offered": int(part["offered"].sum()),
                     "volume_forecast": float(planned["volume"].sum()), "sl_planned": sl_planned,
                     "sl_actual": sl_actual, "gap": sl_actual - sl_planned,
                     **{f"part_{name}": value for name, value in parts.items()}, "part_model": sl_actual - modelled})
    return pd.DataFrame(rows, columns=["queue", "date", "offered", "volume_forecast", "sl_planned", "sl_actual", "gap",
                                       *(f"part_{name}" for name in FACTORS), "part_model"])


def _daily_level(inputs: dict[str, np.ndarray], settings, interval_seconds: float) -> float:
    """The model's service level of a day: per interval at these inputs, weighted by volume."""
    volume, aht = inputs["volume"], inputs["aht"]
    traffic = erlang.traffic_erlangs(volume, aht, interval_seconds)
    level = fractional_kpis(inputs["staffing"], traffic, aht, settings)["service_level"]
    return float((level * volume).sum() / volume.sum()) if volume.sum() > 0 else 1.0


def _shapley(name: str, values: dict[tuple, float]) -> float:
    """FACTOR NAME's Shapley value of the game VALUES (subset of FACTORS, in order -> value)."""
    others = [f for f in FACTORS if f != name]
    n = len(FACTORS)
    total = 0.0
    for size in range(n):
        for subset in itertools.combinations(others, size):
            with_it = tuple(f for f in FACTORS if f in subset or f == name)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            total += weight * (values[with_it] - values[tuple(f for f in FACTORS if f in subset)])
    return total
