"""Option parsing shared by the subcommands: durations and paths."""

from __future__ import annotations

import pandas as pd

from core.errors import InputError

__all__ = ["duration_seconds"]


def duration_seconds(text: str, *, option: str) -> float:
    """Seconds in a duration such as ``30min``, ``1h``, ``900s`` or ``14D``; must be positive."""
    try:
        seconds = pd.Timedelta(text).total_seconds()
    except (ValueError, TypeError):
        raise InputError(f"{option} {text!r} is not a duration; write e.g. 15min, 1h or 14D") from None
    if seconds <= 0:
        raise InputError(f"{option} must be positive; got {text!r}")
    return seconds
