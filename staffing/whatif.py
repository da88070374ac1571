"""What-if scenarios: change volume, handle time or a queue's targets, then re-staff.

A :class:`WhatIf` per queue scales that queue's forecast (volume and its bands by
``1 + volume_change``, handle time by ``1 + aht_change``) and overrides its settings
(service level, answer time, shrinkage, occupancy cap, concurrency, patience, ...).
:func:`apply_what_ifs` returns the changed forecast and config; :func:`restaff` gives the
scenario's requirements, re-staffing only the queues a what-if changes (the others keep
the planned rows). The forecast itself is not recomputed, so a scenario costs one
vectorized staffing call per changed queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from core.config import Config, QueueSettings, settings_error
from core.errors import InputError
from staffing.requirements import requirements

__all__ = ["WhatIf", "apply_what_ifs", "restaff"]

_VOLUME_COLUMNS = ("volume", "volume_p10", "volume_p90")


@dataclass(frozen=True)
class WhatIf:
    """One queue's scenario. Changes are fractions: 0.1 means 10% more."""

    volume_change: float = 0.0
    aht_change: float = 0.0
    settings: Mapping[str, Any] = field(default_factory=dict)  # QueueSettings fields to override


def apply_what_ifs(forecast: pd.DataFrame, config: Config, what_ifs: Mapping[str, WhatIf]) -> tuple[pd.DataFrame, Config]:
    """The forecast (Frame A) and config under each queue's :class:`WhatIf`."""
    changed = forecast.copy()
    queues = dict(config.queues)
    for queue, what_if in what_ifs.items():
        if what_if.volume_change <= -1 or what_if.aht_change <= -1:
            raise InputError(f"queue {queue}: changes must be above -100%; got volume {what_if.volume_change:+.0%}, "
                             f"handle time {what_if.aht_change:+.0%}")
        rows = changed["queue"] == queue
        for column in _VOLUME_COLUMNS:
            if column in changed.columns:
                changed.loc[rows, column] *= 1 + what_if.volume_change
        if "aht_seconds" in changed.columns:
            changed.loc[rows, "aht_seconds"] *= 1 + what_if.aht_change
        current, _ = config.queue(queue)
        try:
            settings = QueueSettings.model_validate({**current.model_dump(), **what_if.settings})
        except ValidationError as error:
            raise settings_error(error, prefix=f"queue {queue}: ") from None
        if what_if.aht_change and "aht_seconds" not in changed.columns:
            settings = settings.model_copy(update={"aht_seconds": settings.aht_seconds * (1 + what_if.aht_change)})
        queues[queue] = settings
    return changed, config.model_copy(update={"queues": queues})


def _changes_something(what_if: WhatIf, settings: QueueSettings) -> bool:
    """Whether WHAT_IF differs from the queue's SETTINGS (a scenario left at its start values does not)."""
    overridden = {name: value for name, value in what_if.settings.items() if getattr(settings, name) != value}
    return bool(what_if.volume_change or what_if.aht_change or overridden)


def restaff(forecast: pd.DataFrame, config: Config, planned: pd.DataFrame, what_ifs: Mapping[str, WhatIf], *,
            interval_seconds: float) -> tuple[pd.DataFrame, Config, list[str]]:
    """The scenario's Frame B, its config and the queues it re-staffed.

    ``planned`` is Frame B of ``forecast`` under ``config``; a queue whose what-if changes
    nothing keeps its planned rows, the others are staffed again. Rows keep ``planned``'s order.
    """
    changed = sorted(queue for queue, what_if in what_ifs.items()
                     if _changes_something(what_if, config.queue(queue)[0]))
    changed_forecast, changed_config = apply_what_ifs(forecast[forecast["queue"].isin(changed)], config,
                                                      {queue: what_ifs[queue] for queue in changed})
    if not changed:
        return planned, changed_config, changed
    fresh = requirements(changed_forecast, changed_config, interval_seconds=interval_seconds)
    by_queue = dict(tuple(planned.groupby("queue", sort=False))) | dict(tuple(fresh.groupby("queue", sort=False)))
    order = planned["queue"].drop_duplicates().tolist()
    return pd.concat([by_queue[queue] for queue in order], ignore_index=True), changed_config, changed
