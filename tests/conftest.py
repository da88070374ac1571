"""Shared fixtures: paths to the project's sample data and the real data sets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REAL_DATA = ROOT.parent / "shared" / "data" / "real"

settings.register_profile("ci", max_examples=40, deadline=None)
settings.load_profile("ci")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m shiftcast ARGS`` as a user would; capture output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "shiftcast", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)


@pytest.fixture
def real_data() -> Path:
    """The real contact-centre data sets beside the checkout; skip when absent (a user's clone)."""
    if not REAL_DATA.is_dir():
        pytest.skip("../shared/data/real is not beside this checkout")
    return REAL_DATA
