"""What-if scenarios: change volume, handle time or a queue's targets, then re-staff.

A :class:`WhatIf` per queue scales that queue's forecast (volume and its bands by
``1 + volume_change``, handle time by ``1 + aht_change``) and overrides its settings
(service level, answer time, shrinkage, occupancy cap, concurrency, patience, ...).
:func:`apply_what_ifs` returns the changed forecast and config; feeding them to
:func:`staffing.requirements.requirements` gives the scenario's requirements. The
forecast itself is not recomputed, so a scenario costs one vectorized staffing call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from core.config import Config, QueueSettings, settings_error
from core.errors import InputError

__all__ = ["WhatIf", "apply_what_ifs"]

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
