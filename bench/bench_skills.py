"""Multi-skill staffing on a desk of small language queues: dedicated vs skill groups vs fully pooled.

Run from the repository root: ``python bench/bench_skills.py`` (seeded; about half a
minute). The desk is the one of tests/test_skillgroups.py: four voice queues peaking at 8,
2.7, 1.1 and 0.5 Erlangs from 08:00 to 18:00 in 30-minute intervals, 80% answered in
20 s, and an agents file with a few bilingual agents. Prints agent-intervals on contacts
for per-queue Erlang staffing (islands), the skill-group requirement (pooled bounds, MILP,
simulation check) and the fully pooled lower bound, each queue's service level over the
day in an independent simulation, then the time taken (median of --repeats runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from staffing.requirements import requirements  # noqa: E402
from staffing.skillgroups import dedicated_agents, desk_groups, requirements_by_group, simulate_plan  # noqa: E402
from test_skillgroups import INTERVAL_SECONDS, PEAK_ERLANGS, small_language_desk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    forecast, config, agents = small_language_desk()
    desk = desk_groups(agents, config, list(PEAK_ERLANGS))
    times = []
    for _ in range(options.repeats):
        began = time.perf_counter()
        by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS)
        times.append(time.perf_counter() - began)
    began = time.perf_counter()
    dedicated = dedicated_agents(requirements(forecast, config, interval_seconds=INTERVAL_SECONDS), desk)
    erlang_seconds = time.perf_counter() - began
    multi = int(by_group["agents_required"].sum())
    bound = int(by_group.drop_duplicates("interval_start")["pooled_bound"].sum())
    print(f"{'staffing':32}{'agent-intervals':>16}{'vs dedicated':>14}")
    for label, value in (("dedicated (Erlang per queue)", dedicated), ("skill groups (this tool)", multi),
                         ("fully pooled lower bound", bound)):
        print(f"{label:32}{value:16,.0f}{value / dedicated - 1:+13.1%}")
    simulated = simulate_plan(forecast, config, desk, by_group, interval_seconds=INTERVAL_SECONDS,
                              replications=200, seed=12345).merge(forecast, on=["queue", "interval_start"])
    print("\nindependent simulation (200 replications), service level over the day (target 80%):")
    for queue, rows in simulated.groupby("queue"):
        day = (rows["service_level_simulated"] * rows["volume"]).sum() / rows["volume"].sum()
        print(f"  {queue}: {day:.1%}")
    print(f"\ntime for the skill-group requirement of the day: {statistics.median(times):.2f} s "
          f"(median of {options.repeats}); dedicated Erlang staffing: {erlang_seconds:.3f} s")


if __name__ == "__main__":
    main()
