"""A task for :func:`shiftcast.workers.run_tasks` that fails on purpose, by queue name: module
level, so that worker processes can import it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def task(part: str, folder: str) -> str:
    """``part`` upper-cased after a short wait, unless ``part`` says to fail: ``die`` kills its
    process every time, ``die once`` only the first time (a marker file in ``folder``),
    ``raise`` raises ValueError."""
    if part == "die" or (part == "die once" and not (Path(folder) / "died").exists()):
        (Path(folder) / "died").touch()
        os.kill(os.getpid(), signal.SIGKILL)
    if part == "raise":
        raise ValueError("this queue is bad")
    time.sleep(0.3)
    return part.upper()


def echo(part: str, folder: str) -> str:
    """``part`` as it is: a task that takes no time."""
    return part
