"""Shared fixtures: paths to the project's sample data and the real data sets, and the test
process's ``__main__`` module kept as it was."""

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


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Streamlit's AppTest installs the dashboard script as ``sys.modules["__main__"]`` and
    leaves it there. Worker processes started afterwards (fork server, spawn) re-run the
    main module first: each would plan the sample desk in dashboard.py before its task,
    minutes per worker. Put the test process's own back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


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


@pytest.fixture(scope="session")
def dashboard_plan(tmp_path_factory) -> Path:
    """A small plan folder (two queues, cheap models) for the dashboard tests."""
    from tests.dashboard_fixture import build_plan

    return build_plan(tmp_path_factory.mktemp("dashboard"))


def chromium_or_skip() -> str:
    """Debian's chromium, or skip outside CI (``.ci/run`` installs it, so CI never skips)."""
    import shutil

    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI: .ci/run should have installed it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return found


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
