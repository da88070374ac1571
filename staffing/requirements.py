"""Frame A (forecast) + per-queue settings -> Frame B (agents per interval and KPIs).

Each queue is staffed by the model its ``channel`` names:

- ``voice``: Erlang C, or Erlang A when ``patience_seconds`` is set.
- ``chat``: an agent works up to ``concurrency`` chats at once. Model: every agent is
  ``concurrency`` independent slots, and a chat takes one slot for its handle time, so
  the queue is Erlang C (or A) with ``agents * concurrency`` servers. Assumptions: the
  ``aht_seconds`` of a chat is its elapsed duration when handled concurrently (so any
  slow-down from multitasking is inside it), a free slot takes the next waiting chat, and
  occupancy is the share of slots busy. Required agents = ceil(required slots /
  concurrency).
- ``email`` and ``social``: deferred work answered within ``response_hours``
  (``staffing.deferred``).

Agents are computed for the column the queue's ``staff_to`` names (``volume`` or the
upper band ``volume_p90``); the KPIs are those expected at that staffing when the
forecast's central ``volume`` arrives. ``min_agents`` raises every interval to that many
agents on contacts. ``agents_scheduled`` = ceil(agents_required / (1 - shrinkage)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.config import Config, QueueSettings
from core.errors import InputError
from core.schema import FRAME_B_COLUMNS, in_frame_order
from staffing import erlang
from staffing.deferred import deferred_staffing

__all__ = ["erlang_staffing", "fractional_kpis", "handle_seconds", "queue_kpis", "requirements"]


def erlang_staffing(staffed: np.ndarray, expected: np.ndarray, aht: np.ndarray, interval_seconds: float,
                    settings: QueueSettings) -> dict[str, np.ndarray]:
    """Agents (whole and fractional) for volume ``staffed`` and KPIs at volume ``expected``.

    Erlang C, or A with ``patience_seconds``, over ``concurrency`` slots per agent.
    Arrays of shape (n,); the result holds ``agents_required``,
    ``agents_required_fractional`` and :func:`queue_kpis`'s KPIs.
    """
    slots_per_agent = settings.concurrency
    targets = dict(service_level=settings.service_level, answer_seconds=settings.answer_seconds,
                   max_occupancy=settings.max_occupancy, asa_seconds=settings.asa_seconds)
    if settings.patience_seconds is None:
        slots = erlang.required_agents(staffed, aht, interval_seconds, **targets)
        slots_fractional = erlang.fractional_agents(slots, staffed, aht, interval_seconds, **targets)
    else:
        targets["patience_seconds"] = settings.patience_seconds
        slots = erlang.required_agents_erlang_a(staffed, aht, interval_seconds, **targets)
        slots_fractional = erlang.fractional_agents_erlang_a(slots, staffed, aht, interval_seconds, **targets)
    agents = -(-slots // slots_per_agent)  # ceil for integers
    servers = agents * slots_per_agent
    traffic = erlang.traffic_erlangs(expected, aht, interval_seconds)
    kpis = queue_kpis(servers, traffic, aht, settings)
    return {"agents_required": agents, "agents_required_fractional": slots_fractional / slots_per_agent, **kpis}


def queue_kpis(servers: np.ndarray, traffic: np.ndarray, aht: np.ndarray,
                settings: QueueSettings) -> dict[str, np.ndarray]:
    """KPIs of an Erlang queue with ``servers`` (agents x concurrency) at ``traffic`` Erlangs."""
    if settings.patience_seconds is None:
        return {
            "service_level": erlang.service_level(servers, traffic, aht, settings.answer_seconds),
            "asa_seconds": erlang.asa_seconds(servers, traffic, aht),
            "occupancy": erlang.occupancy(servers, traffic),
            "abandon_rate": np.full(np.shape(traffic), np.nan),
        }
    kpi = erlang.erlang_a(servers, traffic, aht, settings.answer_seconds, settings.patience_seconds)
    return {"service_level": kpi.service_level, "asa_seconds": kpi.asa_seconds,
            "occupancy": kpi.occupancy, "abandon_rate": kpi.abandon_rate}


def fractional_kpis(agents: np.ndarray, traffic: np.ndarray, aht: np.ndarray, settings) -> dict[str, np.ndarray]:
    """The queue model's KPIs (``queue_kpis``) at fractional AGENTS: interpolated between the
    whole headcounts around each (an infinite wait below stays infinite)."""
    servers = agents * settings.concurrency
    low = np.floor(servers)
    weight = servers - low
    below, above = (queue_kpis(count.astype(np.int64), traffic, aht, settings) for count in (low, low + 1))
    with np.errstate(invalid="ignore"):
        return {name: np.where(weight > 0, (1 - weight) * below[name] + weight * above[name], below[name])
                for name in below}


def _at_least(result: dict[str, np.ndarray], settings: QueueSettings, expected: np.ndarray, aht: np.ndarray,
              interval_seconds: float, model: str) -> dict[str, np.ndarray]:
    """Raise every interval to ``min_agents``; Erlang KPIs are recomputed at the new headcount."""
    floor = settings.min_agents
    raised = result["agents_required"] < floor
    result = {**result, "agents_required": np.maximum(result["agents_required"], floor),
              "agents_required_fractional": np.maximum(result["agents_required_fractional"], floor)}
    if model != "deferred" and raised.any():
        traffic = erlang.traffic_erlangs(expected, aht, interval_seconds)
        kpis = queue_kpis(result["agents_required"] * settings.concurrency, traffic, aht, settings)
        result |= {name: np.where(raised, kpis[name], result[name]) for name in kpis}
    return result


def handle_seconds(rows: pd.DataFrame, settings: QueueSettings) -> np.ndarray:
    """AHT per row of one queue's Frame A/B (n,): the rows' ``aht_seconds``, the queue's
    ``aht_seconds`` setting where they have none."""
    if "aht_seconds" not in rows.columns:
        return np.full(len(rows), settings.aht_seconds)
    return rows["aht_seconds"].fillna(settings.aht_seconds).to_numpy(float)


def _model_name(settings: QueueSettings) -> str:
    if settings.deferred:
        return "deferred"
    base = "erlang_a" if settings.patience_seconds is not None else "erlang_c"
    return f"chat_{base}" if settings.channel == "chat" else base


def _one_queue(rows: pd.DataFrame, settings: QueueSettings, source: str, interval_seconds: float,
               staff_to: str | None) -> pd.DataFrame:
    column = staff_to or settings.staff_to
    if column not in rows.columns:
        raise InputError(
            f"queue {rows['queue'].iloc[0]} is staffed to {column}, but the forecast has no {column} column; "
            f"set staff_to = \"volume\" or give a forecast with prediction bands"
        )
    expected = rows["volume"].to_numpy(float)
    staffed = rows[column].to_numpy(float)
    aht = handle_seconds(rows, settings)
    model = _model_name(settings)
    if model == "deferred":
        if settings.response_hours * 3600 < interval_seconds:
            raise InputError(f"queue {rows['queue'].iloc[0]}: response_hours = {settings.response_hours:g} is shorter "
                             f"than one interval ({interval_seconds / 60:g} min); set response_hours to at least "
                             f"{interval_seconds / 3600:g} or use shorter intervals")
        seconds = (rows["interval_start"] - rows["interval_start"].iloc[0]).dt.total_seconds().to_numpy()
        result = deferred_staffing(seconds, staffed, aht, interval_seconds,
                                   response_hours=settings.response_hours, max_occupancy=settings.max_occupancy)
        result.pop("backlog_seconds")
        result["abandon_rate"] = np.full(len(rows), np.nan)
    else:
        result = erlang_staffing(staffed, expected, aht, interval_seconds, settings)
    if settings.min_agents:
        result = _at_least(result, settings, expected, aht, interval_seconds, model)
    frame = rows.assign(aht_seconds=aht, staffed_to=column, model=model, settings_source=source,
                        traffic_erlangs=expected * aht / interval_seconds, **result)
    frame["agents_required"] = frame["agents_required"].astype(np.int64)
    frame["agents_scheduled"] = np.ceil(settings.scheduled(frame["agents_required"]) - 1e-9).astype(np.int64)
    frame["agents_scheduled_fractional"] = settings.scheduled(frame["agents_required_fractional"])
    return frame


def requirements(forecast: pd.DataFrame, config: Config, *, interval_seconds: float,
                 staff_to: str | None = None) -> pd.DataFrame:
    """Frame B for a validated Frame A ``forecast``.

    ``interval_seconds``: the forecast's interval length; ``staff_to`` overrides every
    queue's ``staff_to`` setting. Rows keep the forecast's order (queue, then time).
    """
    frames = [
        _one_queue(rows, *config.queue(str(queue)), interval_seconds, staff_to)
        for queue, rows in forecast.groupby("queue", sort=False)
    ]
    return in_frame_order(pd.concat(frames, ignore_index=True), FRAME_B_COLUMNS)
