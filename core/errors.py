"""One error type for bad input, and the range check that produces its messages.

Every message has the same shape: what the field must be, the value it got, where, and
the fix, e.g. ``volume must be >= 0; got -3 at 2024-03-01 09:00+01:00 (queue chat_en);
fix or drop the row``. The CLI turns an :class:`InputError` into one line on stderr and
exit code 2; the dashboard shows it beside the upload.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["InputError", "check_range", "format_values", "range_rule"]

_SHOWN = 3  # bad values quoted in a message


class InputError(ValueError):
    """Bad input from a user (a file, a setting, an argument); the message says how to fix it."""


def format_values(values: Sequence[object], total: int | None = None) -> str:
    """``'a', 'b', 'c'`` with ``(and N more)`` when ``total`` exceeds what is shown."""
    shown = [repr(v.item()) if isinstance(v, np.generic) else repr(v) for v in values[:_SHOWN]]
    text = ", ".join(shown)
    total = len(values) if total is None else total
    if total > len(shown):
        text += f" (and {total - len(shown)} more)"
    return text


def _number(value: float) -> str:
    """``0.5``, ``20``, ``86,400``: thousands separated, no exponent for whole numbers."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def range_rule(low: float | None = None, high: float | None = None, low_open: bool = False,
               high_open: bool = False) -> str:
    """The allowed range in words, as every range message says it: ``>= 0``, ``in (0, 1]``, ``<= 86,400``."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{_number(low)}, {_number(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {_number(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_number(high)}"
    return "a finite number"


def check_range(
    name: str,
    values: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    labels: Sequence[str] | None = None,
    fix: str = "",
) -> np.ndarray:
    """Return ``values`` as a float array, or raise :class:`InputError` if any is out of range.

    NaN and infinities always fail. ``labels[i]`` says where value ``i`` came from
    (e.g. a timestamp and queue); without labels the message gives the position.
    """
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric; got {values!r}{'; ' + fix if fix else ''}") from None
    bad = ~np.isfinite(array)
    if low is not None:
        bad |= (array <= low) if low_open else (array < low)
    if high is not None:
        bad |= (array >= high) if high_open else (array > high)
    if not bad.any():
        return array
    positions = np.flatnonzero(bad.ravel())
    first = int(positions[0])
    got = format_values(array.ravel()[positions].tolist(), total=len(positions))
    if labels is not None:
        where = f" at {labels[first]}"
    elif array.size > 1:
        where = f" at position {first}"
    else:
        where = ""
    message = f"{name} must be {range_rule(low, high, low_open, high_open)}; got {got}{where}"
    raise InputError(message + (f"; {fix}" if fix else ""))
