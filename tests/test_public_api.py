"""``import shiftcast`` gives the public API, and every name in ``__all__`` resolves."""

import subprocess
import sys

import shiftcast
from conftest import ROOT


def test_every_public_name_resolves_to_its_definition():
    for name in shiftcast.__all__:
        value = getattr(shiftcast, name)
        assert value.__name__ == name and value.__module__.split(".")[0] in ("core", "forecast", "staffing", "shiftcast")
    assert shiftcast.required_agents(100, 180, 1800, service_level=0.8, answer_seconds=20) == 14


def test_importing_the_package_loads_no_model_code():
    code = "import sys, shiftcast; print(sorted(m for m in sys.modules if m.split('.')[0] in ('statsmodels', 'forecast', 'staffing')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
