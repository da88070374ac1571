"""Benchmark: shift plans and a weekly roster for one synthetic 24/7 week.

The week: one voice queue (Erlang C, 80% in 20 s, 300 s handle time, 30% shrinkage),
peaks 10:00-13:00 and 19:00-22:00, a quiet night, weekends at 70%, scaled so the peak
needs 60 scheduled agents. Shift rules: issue 4's templates (starts every 30 min, 4/6/8 h,
a 30-min break 2-5 h into 6 and 8 h shifts, night premium 25% for 22:00-06:00).

For 30- and 15-minute intervals (336 and 672 per week) it prints the solve time, cost,
paid agent-hours, over-coverage, shortfall and proven optimality gap of the plan that
covers every interval, then of the plans that meet the service level over each day and
over the week (and how much cheaper they are). Then a 50-agent roster onto a plan sized
for about 50 agents, and the project's sample desk: the sample forecast staffed and
planned with ``data/shiftcast.toml`` (its first week, 15-minute intervals, 8 h shifts) and
rostered onto the 150 agents of ``data/agents.csv``, every hard rule re-checked by the
tests' independent checker. If pyworkforce (requirements-bench.txt) is importable, the same
30-minute week also goes through its CP-SAT ``MinRequiredResources`` (within-day shifts
only: it cannot express shifts across midnight; breaks fixed mid-shift: it cannot place
them). Run: ``python bench/bench_roster.py`` from the repository root
(``python bench/bench_roster.py roster`` for the two rosters only).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from roster_helpers import check_roster  # noqa: E402

from core.config import Config, QueueSettings, ShiftRules, Site, load_config  # noqa: E402
from core.readers import read_table  # noqa: E402
from core.schema import interval_minutes, validate_agents, validate_frame_a  # noqa: E402
from staffing.requirements import requirements  # noqa: E402
from staffing.roster import assign_roster  # noqa: E402
from staffing.shiftplan import plan_shifts  # noqa: E402
from staffing.shifts import build_templates  # noqa: E402

WEEK_START = "2026-11-16"  # a Monday
PEAK_AGENTS = 60
ROSTER_AGENTS = 50
VOICE = QueueSettings(channel="voice", service_level=0.8, answer_seconds=20, max_occupancy=0.85, shrinkage=0.3,
                      aht_seconds=300)


def settings(minutes: int, **shifts) -> Config:
    return Config(site=Site(timezone="UTC", interval_minutes=minutes), queue_defaults=VOICE,
                  shifts=ShiftRules(**shifts))


def profile(index: pd.DatetimeIndex) -> np.ndarray:
    """Relative volume: night trough, plateaus 10-13 and 19-22, weekends at 70%."""
    hour = index.hour.to_numpy() + index.minute.to_numpy() / 60

    def plateau(begin: float, end: float) -> np.ndarray:
        return 1 / (1 + np.exp(-(hour - begin) * 3)) / (1 + np.exp((hour - end) * 3))

    day = 0.5 - 0.5 * np.cos(2 * np.pi * (hour - 4) / 24)
    level = 0.08 + 0.45 * day + 0.55 * plateau(10, 13) + 0.6 * plateau(19, 22)
    return level * np.where(index.day_of_week.to_numpy() >= 5, 0.7, 1.0)


def synthetic_week(minutes: int, peak_agents: int) -> pd.DataFrame:
    """Frame B for the week, its volume scaled so the busiest interval schedules ``peak_agents``."""
    index = pd.date_range(pd.Timestamp(WEEK_START, tz="UTC"), periods=7 * 1440 // minutes, freq=f"{minutes}min")
    shape = profile(index)
    config = settings(minutes)

    def frame(scale: float) -> pd.DataFrame:
        forecast = pd.DataFrame({"queue": "voice", "interval_start": index, "volume": scale * shape,
                                 "aht_seconds": 300.0})
        return requirements(forecast, config, interval_seconds=minutes * 60)

    low, high = 1.0, 1000.0 * minutes / 30
    while high - low > 1e-3 * low:
        middle = (low + high) / 2
        low, high = (middle, high) if frame(middle)["agents_scheduled"].max() < peak_agents else (low, middle)
    return frame(high)


def report(label: str, plan, baseline=None) -> None:
    cheaper = "" if baseline is None else f"  {1 - plan.cost / baseline.cost:6.1%} cheaper"
    print(f"  {label:<24} {plan.solve_seconds:7.1f} s  cost {plan.cost:9.2f}  paid {plan.paid_agent_hours:7.0f} h  "
          f"over {plan.over_coverage_agent_hours:6.1f} h  below requirement {plan.shortfall_agent_hours:6.1f} h  "
          f"gap {plan.gap:6.2%} ({plan.status})  SL {plan.service_level['voice']:.1%}{cheaper}")


def bench_plans(minutes: int):
    """Print the three plans of the week; return the one covering every interval."""
    frame = synthetic_week(minutes, PEAK_AGENTS)
    print(f"\n{minutes}-minute week: {len(frame)} intervals, peak {frame['agents_scheduled'].max()} agents, "
          f"{frame['agents_scheduled'].sum() * minutes / 60:,.0f} required agent-hours")
    per_interval = plan_shifts(frame, settings(minutes))
    report("every interval covered", per_interval)
    for mode in ("daily_service_level", "weekly_service_level"):
        report(mode.replace("_", " "), plan_shifts(frame, settings(minutes, plan_to=mode)), per_interval)
    return per_interval


def report_roster(roster, seconds: float) -> None:
    facts = roster.summary()
    agents = roster.agents
    print(f"  {seconds:7.1f} s  assigned {facts['shifts_assigned']}  unassigned {facts['shifts_unassigned']} "
          f"({facts['unassigned_agent_hours']:.0f} h)  agents below contract {facts['agents_under_contract']} "
          f"({facts['hours_under_contract']:.0f} h)  objective {facts['objective']:.0f}  bound {facts['bound']:.0f}  "
          f"gap {roster.gap:.2%} ({roster.status})")
    print(f"  without two days off in a row {int((~agents['consecutive_days_off']).sum())}, most night shifts "
          f"{agents['night_shifts'].max()}, most weekend shifts {agents['weekend_shifts'].max()}; "
          f"hard rules re-checked independently")
    if facts.get("supply_note"):
        print(f"  supply: {facts['supply_note']}")


def bench_roster() -> None:
    frame = synthetic_week(30, 20)
    config = settings(30, cost_per_shift=1.0, time_limit_seconds=30, mip_rel_gap=0.01)
    plan = plan_shifts(frame, config)
    rng = np.random.default_rng(4)
    contracts = rng.choice([40, 40, 40, 32, 20], ROSTER_AGENTS)
    agents = validate_agents(pd.DataFrame({
        "agent": [f"agent {k:02d}" for k in range(ROSTER_AGENTS)],
        "contract_hours_per_week": contracts,
        "min_shifts": np.where(contracts >= 32, 4, 2), "max_shifts": 5, "skills": "voice",
        "unavailable_days": rng.choice(["", "", "", "sat;sun", "wed"], ROSTER_AGENTS),
    }))
    began = time.perf_counter()
    roster = assign_roster(plan, agents, config)
    seconds = time.perf_counter() - began
    check_roster(roster, plan, agents, config)
    print(f"\nroster: {ROSTER_AGENTS} agents onto a 30-minute plan of {int(plan.shifts['agents'].sum())} shifts "
          f"({plan.paid_agent_hours:,.0f} paid h; plan {plan.solve_seconds:.1f} s, gap {plan.gap:.2%})")
    report_roster(roster, seconds)


def bench_sample_desk() -> None:
    """The sample desk as ``shiftcast staff`` then ``shiftcast roster`` run it."""
    data = ROOT / "data"
    config = load_config(data / "shiftcast.toml")
    forecast = validate_frame_a(read_table(data / "sample_forecast.csv.gz"), config.site.timezone)
    minutes = interval_minutes(forecast, config.site.interval_minutes)
    plan = plan_shifts(requirements(forecast, config, interval_seconds=minutes * 60), config)
    agents = validate_agents(read_table(data / "agents.csv"))
    began = time.perf_counter()
    roster = assign_roster(plan, agents, config)
    seconds = time.perf_counter() - began
    check_roster(roster, plan, agents, config)
    print(f"\nsample desk: {len(agents)} agents ({agents['contract_hours_per_week'].sum():,} contract h) onto the "
          f"plan of {plan.week_start.date()}: {int(plan.shifts['agents'].sum())} shifts, "
          f"{plan.paid_agent_hours:,.0f} paid h (plan {plan.solve_seconds:.1f} s, gap {plan.gap:.2%})")
    report_roster(roster, seconds)


def bench_pyworkforce(ours, minutes: int = 30) -> None:
    """The same week through pyworkforce's CP-SAT scheduler, compared with ``ours`` (a ShiftPlan)."""
    try:
        from pyworkforce.scheduling import MinRequiredResources
    except ImportError:
        print("\npyworkforce: not installed (pip install -r requirements-bench.txt); comparison skipped")
        return
    frame = synthetic_week(minutes, PEAK_AGENTS)
    periods = 1440 // minutes
    rules = ShiftRules()
    templates = build_templates(rules, minutes)
    coverage, cost, paid_hours = {}, {}, {}
    for j in np.flatnonzero(templates.start_slot < periods):  # Monday's templates, as a day's shift types
        start, length = templates.start_slot[j], templates.length_slots[j]
        middle = length // 2 - templates.break_slots[j] // 2  # a fixed break mid-shift
        if start + length > periods or (templates.break_slots[j] and templates.break_offset_slots[j] != middle):
            continue  # pyworkforce shifts stay inside one day and have no break choice
        row = np.zeros(periods, dtype=int)
        row[start:start + length] = 1
        row[start + middle:start + middle + templates.break_slots[j]] = 0
        name = f"s{start}_{length}"
        coverage[name] = row.tolist()
        cost[name] = int(round(templates.cost[j] * 8))  # CP-SAT needs whole costs: eighths of an hour
        paid_hours[name] = templates.paid_hours[j]
    need = frame["agents_scheduled"].to_numpy().reshape(7, periods).tolist()
    began = time.perf_counter()
    solution = MinRequiredResources(num_days=7, periods=periods, shifts_coverage=coverage, required_resources=need,
                                    max_period_concurrency=rules.max_agents, max_shift_concurrency=rules.max_agents,
                                    cost_dict=cost, max_search_time=60.0, num_search_workers=2).solve()
    seconds = time.perf_counter() - began
    chosen = pd.DataFrame(solution["resources_shifts"])
    paid = float((chosen["resources"] * chosen["shift"].map(paid_hours)).sum())
    print(f"\npyworkforce CP-SAT ({minutes}-min week, within-day shifts, fixed mid-shift breaks): {seconds:.1f} s, "
          f"status {solution['status']}, cost {solution['cost'] / 8:.2f}, paid {paid:,.0f} h; "
          f"shiftcast's plan is {1 - ours.cost / (solution['cost'] / 8):.1%} cheaper")


def main(argv: list[str]) -> None:
    if argv == ["roster"]:  # only the two rosters
        bench_roster()
        bench_sample_desk()
        return
    half_hourly = bench_plans(30)
    bench_plans(15)
    bench_roster()
    bench_sample_desk()
    bench_pyworkforce(half_hourly)


if __name__ == "__main__":
    main(sys.argv[1:])
