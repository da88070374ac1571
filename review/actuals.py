"""Actuals per queue and interval from a standard contact log, and what the staffing model
predicts with the staff that actually worked.

:func:`actuals` counts, per queue and local interval of arrival: ``offered`` (contacts that
reached the agent queue), ``answered``, ``abandoned``, ``aht_seconds`` (mean handle time of
the answered), ``sl_actual`` (answered within the queue's ``answer_seconds``, over offered;
for e-mail and social within ``response_hours``), ``asa_actual_seconds`` (mean wait of the
answered), ``abandon_rate_actual`` and ``agents_staffed``: every interval of every local day
with any contact (zero where nothing arrived); days without any are not in the log and
are left out (:func:`days_without_data` names them).

**Agents staffed** come from the agent ids: an agent's answered contacts less than
``[review] session_gap_minutes`` apart form one working session, from its first answer to
its last contact's end; the agent counts in each interval for the share of it the session
covers (agents can be fractional), split over queues by the agent's handle time on each
queue in that session. Idle time before the first answer and after the last contact of a
session is not seen in a log, so this undercounts a little (Brown et al. 2005 infer
staffing the same way).

:func:`predicted` adds ``sl_predicted``, ``asa_predicted_seconds`` and
``abandon_rate_predicted``: the queue's configured model (Erlang C, or Erlang A with a
patience; chat over its concurrency) at the offered volume, the actual handle time and the
agents staffed times the queue's ``effective_staffing`` (1 unless ``shiftcast calibrate``
fitted it); a fractional headcount is interpolated between the whole numbers around it.
Deferred queues get no prediction (their model is a backlog, not a queue in steady state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config import Config
from forecast.grid import interval_keys, interval_starts
from staffing import erlang
from staffing.requirements import fractional_kpis

__all__ = ["REVIEW_COLUMNS", "actuals", "days_without_data", "predicted"]

REVIEW_COLUMNS = ("queue", "interval_start", "offered", "answered", "abandoned", "aht_seconds", "sl_actual",
                  "asa_actual_seconds", "abandon_rate_actual", "agents_staffed", "sl_predicted",
                  "asa_predicted_seconds", "abandon_rate_predicted")


def actuals(log: pd.DataFrame, config: Config, *, interval_minutes: int) -> pd.DataFrame:
    """Per queue and interval of ``read_log``'s standard LOG (see the module docstring); every
    interval from the log's first to its last, zero where nothing arrived."""
    frame = log.assign(interval_start=interval_keys(log["arrival"], interval_minutes))
    answer = frame["queue"].map(lambda q: _answer_seconds(config, q))
    answered = ~frame["abandoned"]
    frame = frame.assign(answered=answered, within=answered & (frame["wait_seconds"] <= answer),
                         answered_wait=frame["wait_seconds"].where(answered))
    counts = frame.groupby(["queue", "interval_start"]).agg(
        offered=("arrival", "size"), answered=("answered", "sum"), abandoned=("abandoned", "sum"),
        within=("within", "sum"), aht_seconds=("handle_seconds", "mean"),
        asa_actual_seconds=("answered_wait", "mean"))
    days = frame["interval_start"].dt.tz_localize(None).dt.normalize()
    grid = interval_starts(days.min(), (days.max() - days.min()).days + 1, config.site.timezone, interval_minutes)
    queues = sorted(frame["queue"].unique())
    counts = counts.reindex(pd.MultiIndex.from_product([queues, grid], names=["queue", "interval_start"]))
    counts[["offered", "answered", "abandoned", "within"]] = counts[["offered", "answered", "abandoned",
                                                                     "within"]].fillna(0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        counts["sl_actual"] = (counts["within"] / counts["offered"]).where(counts["offered"] > 0)
        counts["abandon_rate_actual"] = (counts["abandoned"] / counts["offered"]).where(counts["offered"] > 0)
    staffed = _agents_staffed(log, config, grid, interval_minutes)
    counts["agents_staffed"] = staffed.reindex(counts.index).fillna(0.0)
    table = counts.drop(columns="within").reset_index()
    seen = set(frame["interval_start"].dt.date)  # local days with any contact: the others are not in the log
    table = table[table["interval_start"].dt.date.isin(seen)].reset_index(drop=True)
    return table[[c for c in REVIEW_COLUMNS if c in table.columns]]


def predicted(table: pd.DataFrame, config: Config, *, interval_minutes: int) -> pd.DataFrame:
    """TABLE (``actuals``' columns) with the model's KPIs at the staff that worked."""
    interval_seconds = interval_minutes * 60
    parts = []
    for queue, rows in table.groupby("queue", sort=False):
        settings = config.queue(str(queue))[0]
        rows = rows.copy()
        if settings.deferred:
            rows[["sl_predicted", "asa_predicted_seconds", "abandon_rate_predicted"]] = np.nan
            parts.append(rows)
            continue
        # an interval without answered contacts (or only zero-second ones) takes the queue's mean handle time
        typical = np.average(rows["aht_seconds"].fillna(0), weights=rows["answered"]) if rows["answered"].sum() else 0
        aht = rows["aht_seconds"].where(rows["aht_seconds"] > 0).fillna(typical if typical > 0 else
                                                                        settings.aht_seconds).to_numpy(float)
        traffic = erlang.traffic_erlangs(rows["offered"].to_numpy(float), aht, interval_seconds)
        blend = fractional_kpis(rows["agents_staffed"].to_numpy(float) * settings.effective_staffing, traffic, aht,
                                settings)
        has = rows["offered"].to_numpy() > 0
        rows["sl_predicted"] = np.where(has, blend["service_level"], np.nan)
        rows["asa_predicted_seconds"] = np.where(has, blend["asa_seconds"], np.nan)
        rows["abandon_rate_predicted"] = np.where(has, blend["abandon_rate"], np.nan)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)[list(REVIEW_COLUMNS)]


def _answer_seconds(config: Config, queue: str) -> float:
    settings = config.queue(str(queue))[0]
    return settings.response_hours * 3600 if settings.deferred else settings.answer_seconds


def _agents_staffed(log: pd.DataFrame, config: Config, grid: pd.DatetimeIndex, interval_minutes: int) -> pd.Series:
    """Agents per (queue, interval start) inferred from the answering agents' working sessions."""
    served = log[~log["abandoned"] & log["agent"].notna()]
    if served.empty:
        return pd.Series(dtype=float)
    seconds = (served["arrival"] - grid[0]).dt.total_seconds().to_numpy()
    start = seconds + served["wait_seconds"].to_numpy(float)
    end = start + served["handle_seconds"].fillna(0.0).to_numpy(float)
    work = pd.DataFrame({"agent": served["agent"].to_numpy(), "queue": served["queue"].to_numpy(), "start": start,
                         "end": end, "handle": end - start}).sort_values(["agent", "start"], kind="stable")
    reach = work.groupby("agent")["end"].cummax()
    gap = config.review.session_gap_minutes * 60
    new = (work["agent"] != work["agent"].shift()) | (work["start"] - reach.groupby(work["agent"]).shift() > gap)
    work["session"] = new.cumsum()
    sessions = work.groupby("session").agg(start=("start", "min"), end=("end", "max"))
    share = work.groupby(["session", "queue"])["handle"].sum()
    share = share / share.groupby(level="session").transform("sum").replace(0, np.nan)
    share = share.fillna(1.0 / share.groupby(level="session").transform("size"))  # no handle times: split evenly
    interval = interval_minutes * 60
    edges = np.arange(len(grid) + 1) * interval
    found = {}
    for queue, weights in share.groupby(level="queue"):
        ids = weights.index.get_level_values("session")
        present = _weighted_overlap(sessions.loc[ids, "start"].to_numpy(), sessions.loc[ids, "end"].to_numpy(),
                                    weights.to_numpy(), edges)
        found[queue] = pd.Series(present / interval, index=grid)
    return pd.concat(found, names=["queue", "interval_start"])


def _weighted_overlap(start: np.ndarray, end: np.ndarray, weight: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum over spans [start, end) of weight x seconds inside each [edges[k], edges[k+1])."""
    def before(points: np.ndarray) -> np.ndarray:  # sum of weight x max(0, T - point) at each edge T
        order = np.argsort(points)
        sorted_points, sorted_weight = points[order], weight[order]
        cum_weight = np.concatenate([[0.0], np.cumsum(sorted_weight)])
        cum_moment = np.concatenate([[0.0], np.cumsum(sorted_weight * sorted_points)])
        count = np.searchsorted(sorted_points, edges, side="left")
        return edges * cum_weight[count] - cum_moment[count]

    return np.maximum(np.diff(before(start) - before(end)), 0.0)  # no rounding below zero


def days_without_data(log: pd.DataFrame) -> list:
    """Local dates between the log's first and last day on which no contact arrived."""
    days = pd.DatetimeIndex(log["arrival"].dt.tz_localize(None).dt.normalize().unique())
    every = pd.date_range(days.min(), days.max(), freq="D")
    return [day.date() for day in every.difference(days)]
