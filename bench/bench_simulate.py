"""Simulated vs Erlang figures: where Erlang C holds and where it is optimistic.

Run from the repository root: ``python bench/bench_simulate.py`` (seeded: the same
figures every run; about half a minute). Prints the Markdown tables quoted in
docs/staffing.md, then the engine's speed. Each simulated figure is the pooled value over
independent replications with its standard error (the spread across replications);
the first interval of every steady run is a warm-up (runs start empty) and left out.
Handle times average 240 s; intervals are 15 minutes; staffing is what
``staffing.erlang.required_agents`` recommends for 80% answered within 20 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from staffing import erlang  # noqa: E402
from staffing.simulate import simulate  # noqa: E402

AHT, INTERVAL, ANSWER = 240.0, 900.0, 20.0


def fmt(value: float, se: float, percent: bool) -> str:
    return f"{100 * value:.1f}% ± {100 * se:.1f}" if percent else f"{value:.1f} ± {se:.1f}"


def steady(traffic: float, agents: int, intervals: int, runs: int, seed: int, **kwargs) -> dict:
    volume = np.full(intervals + 1, traffic * INTERVAL / AHT)
    return simulate(volume, agents, AHT, INTERVAL, replications=runs, seed=seed, **kwargs).totals(slice(1, None))


def handle_time_spread() -> None:
    print("### Handle-time spread (steady traffic, Erlang C staffing for 80/20)\n")
    print("| traffic | agents | handle times | SL 20 s: simulated | Erlang C | SL 60 s: simulated | Erlang C "
          "| ASA s: simulated | Erlang C |")
    print("|---|---|---|---|---|---|---|---|---|")
    for traffic, intervals, runs in ((10.0, 60, 300), (100.0, 30, 60)):
        agents = int(erlang.required_agents(traffic * INTERVAL / AHT, AHT, INTERVAL))
        formula = (float(erlang.service_level(agents, traffic, AHT, 20)),
                   float(erlang.service_level(agents, traffic, AHT, 60)),
                   float(erlang.asa_seconds(agents, traffic, AHT)))
        for kind, cv in (("exponential", 1.0), ("lognormal", 0.5), ("lognormal", 1.0), ("lognormal", 1.5),
                         ("lognormal", 2.0), ("lognormal", 3.0)):
            label = "exponential" if kind == "exponential" else f"log-normal, CV {cv:g}"
            at20 = steady(traffic, agents, intervals, runs, seed=41, handle_times=kind, handle_cv=cv)
            at60 = steady(traffic, agents, intervals, runs, seed=41, handle_times=kind, handle_cv=cv,
                          answer_seconds=60)
            print(f"| {traffic:g} | {agents} | {label} | {fmt(at20['service_level'], at20['service_level_se'], True)} "
                  f"| {100 * formula[0]:.1f}% | {fmt(at60['service_level'], at60['service_level_se'], True)} "
                  f"| {100 * formula[1]:.1f}% | {fmt(at20['asa_seconds'], at20['asa_seconds_se'], False)} "
                  f"| {formula[2]:.1f} |")
    print()


def staff_drop() -> None:
    print("### A peak, then a drop in staff (each interval staffed by Erlang C for its own traffic)\n")
    for peak, low, runs in ((30.0, 10.0, 2000), (120.0, 40.0, 500)):
        volume = np.array([peak] * 4 + [low] * 4) * INTERVAL / AHT
        agents = erlang.required_agents(volume, AHT, INTERVAL)
        sim = simulate(volume, agents, AHT, INTERVAL, replications=runs, seed=51)
        traffic = volume * AHT / INTERVAL
        print(f"Peak {peak:g} Erlangs for an hour, then {low:g} ({runs} replications):\n")
        print("| interval | traffic | agents | SL: simulated | Erlang C | ASA s: simulated | Erlang C "
              "| occupancy: simulated | Erlang C |")
        print("|---|---|---|---|---|---|---|---|---|")
        for k in range(volume.size):
            got = sim.totals([k])
            print(f"| {k} | {traffic[k]:g} | {agents[k]} | {fmt(got['service_level'], got['service_level_se'], True)} "
                  f"| {100 * float(erlang.service_level(agents[k], traffic[k], AHT, ANSWER)):.1f}% "
                  f"| {fmt(got['asa_seconds'], got['asa_seconds_se'], False)} "
                  f"| {float(erlang.asa_seconds(agents[k], traffic[k], AHT)):.1f} "
                  f"| {fmt(got['occupancy'], got['occupancy_se'], True)} "
                  f"| {100 * traffic[k] / agents[k]:.1f}% |")
        print()


def formulas_hold() -> None:
    print("### Where the formulas' assumptions hold (exponential handle times and patience, steady traffic)\n")
    print("| model | traffic | patience s | agents | SL: simulated | formula | abandoned: simulated | formula "
          "| mean wait s: simulated | formula | ASA of answered s: simulated | formula |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for traffic in (4.0, 10.0, 100.0):
        agents = int(erlang.required_agents(traffic * INTERVAL / AHT, AHT, INTERVAL))
        got = steady(traffic, agents, 40, 100 if traffic < 50 else 20, seed=21)
        print(f"| Erlang C | {traffic:g} | - | {agents} | {fmt(got['service_level'], got['service_level_se'], True)} "
              f"| {100 * float(erlang.service_level(agents, traffic, AHT, ANSWER)):.1f}% | 0 | 0 "
              f"| {fmt(got['average_wait_seconds'], got['average_wait_seconds_se'], False)} "
              f"| {float(erlang.asa_seconds(agents, traffic, AHT)):.1f} "
              f"| {fmt(got['asa_seconds'], got['asa_seconds_se'], False)} "
              f"| {float(erlang.asa_seconds(agents, traffic, AHT)):.1f} |")
    for traffic, patience in ((10.0, 120.0), (20.0, 60.0), (100.0, 180.0)):
        agents = int(erlang.required_agents_erlang_a(traffic * INTERVAL / AHT, AHT, INTERVAL,
                                                     patience_seconds=patience))
        kpi = erlang.erlang_a(agents, traffic, AHT, ANSWER, patience)
        got = steady(traffic, agents, 40, 100 if traffic < 50 else 20, seed=31, patience_seconds=patience)
        print(f"| Erlang A | {traffic:g} | {patience:g} | {agents} "
              f"| {fmt(got['service_level'], got['service_level_se'], True)} | {100 * float(kpi.service_level):.1f}% "
              f"| {fmt(got['abandon_rate'], got['abandon_rate_se'], True)} | {100 * float(kpi.abandon_rate):.1f}% "
              f"| {fmt(got['average_wait_seconds'], got['average_wait_seconds_se'], False)} "
              f"| {float(kpi.average_wait_seconds):.1f} | {fmt(got['asa_seconds'], got['asa_seconds_se'], False)} "
              f"| {float(kpi.asa_seconds):.1f} |")
    print()


def speed() -> None:
    volume = np.full(97, 100.0 * INTERVAL / AHT)  # a day at 100 Erlangs: 36,000 contacts
    agents = int(erlang.required_agents(volume[0], AHT, INTERVAL))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        sim = simulate(volume, agents, AHT, INTERVAL, patience_seconds=120, replications=10, seed=1)
        times.append(time.perf_counter() - start)
    contacts = sim.offered.sum()
    best = float(np.median(times))
    print(f"speed: {contacts:,.0f} contacts (10 replications of a day at 100 Erlangs, with patience) in "
          f"{1000 * best:.0f} ms (median of 5) = {1e6 * best / contacts:.2f} us per contact")


def main() -> None:
    started = time.perf_counter()
    formulas_hold()
    handle_time_spread()
    staff_drop()
    speed()
    print(f"(whole run {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
