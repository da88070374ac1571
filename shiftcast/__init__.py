"""Shiftcast: forecast a support desk's contacts, staff them, and plan the cheapest shifts.

The public API for notebooks and scripts, one import away::

    import shiftcast as sc
    config = sc.load_config("data/shiftcast.toml")
    history = sc.ingest(sc.read_source("data/sample_history.csv.gz"), timezone=config.site.timezone).frame
    run = sc.run_plan(history, config, horizon=pd.Timedelta(days=14))   # forecast, staff, shifts
    sc.write_folder("out/plan", sc.plan_files(run, sc.run_record(...), sc.build_report(run)))
    plan = sc.load_plan("out/plan")                                      # a run folder read back

Names are loaded on first use, so ``import shiftcast`` (and the CLI's start) stays fast.
The layers behind them: docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it
_EXPORTS = {
    "Config": "core.config", "load_config": "core.config",
    "InputError": "core.errors",
    "read_table": "core.readers",
    "write_folder": "core.output", "check_out_folder": "core.output",
    "ingest": "forecast.ingest", "read_source": "forecast.ingest",
    "forecast_queues": "forecast.runner", "backtest_queues": "forecast.runner",
    "required_agents": "staffing.erlang",
    "requirements": "staffing.requirements",
    "plan_shifts": "staffing.shiftplan", "ShiftPlan": "staffing.shiftplan",
    "plan_week": "staffing.weekplan",
    "assign_roster": "staffing.roster",
    "run_plan": "shiftcast.pipeline", "run_record": "shiftcast.pipeline", "plan_files": "shiftcast.pipeline",
    "load_plan": "shiftcast.pipeline", "LoadedPlan": "shiftcast.pipeline", "PlanRun": "shiftcast.pipeline",
    "build_report": "shiftcast.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'shiftcast' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__
