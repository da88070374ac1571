"""Per-queue KPIs of a requirements table (Frame B), weighted the way a manager reads them.

Service level and abandonment are volume-weighted (the share of all contacts), ASA is
weighted by the contacts answered, occupancy by the agents on contacts, so a quiet night
at 100% does not outweigh a busy afternoon. Agent-hours are whole scheduled agents times
the interval length.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["queue_kpis"]


def _weighted(values: pd.Series, weights: pd.Series) -> float:
    usable = values.notna() & np.isfinite(values) & (weights > 0)
    total = weights[usable].sum()
    return float((values[usable] * weights[usable]).sum() / total) if total > 0 else float("nan")


def queue_kpis(requirements: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """One row per queue: contacts, service_level, asa_seconds, occupancy, abandon_rate,
    peak_agents_required, peak_agents_scheduled, agent_hours_scheduled (Frame B input)."""
    rows = []
    for queue, req in requirements.groupby("queue", sort=True):
        volume = req["volume"]
        abandon = req["abandon_rate"] if "abandon_rate" in req else pd.Series(np.nan, index=req.index)
        answered = volume * (1 - abandon.fillna(0))
        rows.append({
            "queue": queue,
            "contacts": float(volume.sum()),
            "service_level": _weighted(req["service_level"], volume),
            "asa_seconds": _weighted(req["asa_seconds"], answered),
            "occupancy": _weighted(req["occupancy"], req["agents_required"].astype(float)),
            "abandon_rate": _weighted(abandon, volume),
            "peak_agents_required": int(req["agents_required"].max()),
            "peak_agents_scheduled": int(req["agents_scheduled"].max()),
            "agent_hours_scheduled": float(req["agents_scheduled"].sum() * interval_minutes / 60),
        })
    return pd.DataFrame(rows)
