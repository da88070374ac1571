"""Benchmark: staff a year of 15-minute intervals with staffing.erlang, against pyworkforce.

Run from the repository root: ``python bench/bench_erlang.py`` (``make bench`` runs it in
.venv-bench, where pyworkforce 0.5.4 is installed; without pyworkforce the comparison is
skipped). Prints medians over repeats, measured in this one run; the machine is shared,
so the ratios matter more than the absolute times.

The year: 35,040 intervals of a 24/7 desk with a daily profile (night trough, morning and
afternoon peaks), quieter weekends, slow seasonal swing and noise; peaks about 400
contacts per interval; AHT 240 s; target 80% answered within 20 s. pyworkforce works in
minutes: ``ErlangC(transactions=volume, aht=4, asa=20/60, interval=15)``, where its
``asa`` is the answer-time threshold of the service level (not an average), and
``required_positions(service_level, max_occupancy)["raw_positions"]`` is the agents
before shrinkage. Wherever the two disagree, an mpmath reference (40 digits, the Erlang B
recursion, the same one tests/test_erlang.py uses) decides who is right.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import mpmath
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from staffing import erlang  # noqa: E402

try:
    from pyworkforce.queuing import ErlangC
except ImportError:  # benchmark-only dependency: see requirements-bench.txt
    ErlangC = None

AHT, INTERVAL, SL, ANSWER = 240.0, 900.0, 0.8, 20.0
TOL = 1e-12  # the target tolerance of staffing.erlang
mpmath.mp.dps = 40


def year_of_volume(seed: int = 2024) -> np.ndarray:
    """35,040 fifteen-minute volumes: daily and weekly cycles, season, noise; peak about 400."""
    rng = np.random.default_rng(seed)
    t = np.arange(365 * 96)
    hour = (t % 96) / 4
    day = t // 96
    daily = (0.08 + 0.92 * np.exp(-0.5 * ((hour - 10.5) / 2.2) ** 2)
             + 0.75 * np.exp(-0.5 * ((hour - 15.5) / 2.0) ** 2) + 0.25 * np.exp(-0.5 * ((hour - 20.5) / 1.5) ** 2))
    weekly = np.where(day % 7 >= 5, 0.65, 1.0)
    season = 1 + 0.10 * np.sin(2 * np.pi * day / 365)
    volume = 345 * daily * weekly * season * rng.lognormal(0, 0.05, t.size)
    return np.round(volume, 1)  # forecasts carry a decimal; keeps the inputs exact decimals


def median_ms(function, repeats: int) -> float:
    """Median wall time of ``repeats`` calls after one warm-up call, in ms."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


# ------------------------------------------------------------------ mpmath reference


def ref_kpis(n: int, a: mpmath.mpf, aht, answer):
    """(service level, occupancy) under Erlang C in mpmath: the textbook recursion."""
    if n <= a:
        return mpmath.mpf(0), mpmath.mpf(1)
    inverse = mpmath.mpf(1)
    for k in range(1, n + 1):
        inverse = 1 + inverse * k / a
    b = 1 / inverse
    c = n * b / (n - a * (1 - b))
    return 1 - c * mpmath.exp(-(n - a) * mpmath.mpf(answer) / aht), a / n


def ref_required(volume: float, max_occupancy: float | None, sl: float | None = SL) -> int:
    """Smallest n meeting sl in 20 s (None: no SL target) and the cap, for traffic
    volume * 240 / 900 taken in exact decimals."""
    a = mpmath.mpf(str(volume)) * int(AHT) / int(INTERVAL)
    occ = None if max_occupancy is None else mpmath.mpf(str(max_occupancy))
    n = int(mpmath.floor(a)) + 1
    while True:
        level, occupancy = ref_kpis(n, a, AHT, ANSWER)
        if (sl is None or level >= sl * (1 - TOL)) and (occ is None or occupancy <= occ * (1 + TOL)):
            return n
        n += 1


# ------------------------------------------------------------------------ pyworkforce


def pyworkforce_agents(volume: float, max_occupancy: float | None, sl: float | None = SL) -> int:
    """Raw positions; sl None (no SL target) is its service_level=0."""
    model = ErlangC(transactions=float(volume), aht=AHT / 60, asa=ANSWER / 60, interval=int(INTERVAL / 60))
    return model.required_positions(service_level=sl or 0.0, max_occupancy=max_occupancy or 1.0)["raw_positions"]


def compare(label: str, volume: np.ndarray, ours: np.ndarray, max_occupancy: float | None, show: int = 12) -> None:
    theirs = np.array([pyworkforce_agents(v, max_occupancy) for v in volume])
    differ = np.flatnonzero(theirs != ours)
    print(f"  {label}: identical {volume.size - differ.size:,} of {volume.size:,}; disagree {differ.size}")
    verdicts = {"shiftcast": 0, "pyworkforce": 0, "neither": 0}
    cases = sorted({(float(volume[i]), int(ours[i]), int(theirs[i])) for i in differ})
    for rank, (v, mine, other) in enumerate(cases):
        truth = ref_required(v, max_occupancy)
        winner = "shiftcast" if mine == truth else "pyworkforce" if other == truth else "neither"
        count = int(np.sum((volume == v) & (theirs != ours)))
        verdicts[winner] += count
        if rank < show:
            print(f"    volume {v:g} (traffic {v * AHT / INTERVAL:.6g} Erlangs){f' x{count}' if count > 1 else ''}: "
                  f"shiftcast {mine}, pyworkforce {other}, mpmath {truth} -> {winner} right")
    if differ.size:
        print(f"    intervals where mpmath says who is right: {verdicts}"
              + (f" (first {show} of {len(cases)} distinct cases listed)" if len(cases) > show else ""))


def crash_checks() -> None:
    """Inputs a planner meets every day: whole-number traffic and a quiet interval."""
    whole = [k * INTERVAL / AHT for k in range(1, 501)]  # traffic 1, 2, ..., 500 Erlangs
    for cap in (None, 0.85):
        crashed = []
        for volume in whole:
            try:
                pyworkforce_agents(volume, cap)
            except Exception as error:  # noqa: BLE001 - we report whatever it raises
                crashed.append((volume * AHT / INTERVAL, f"{type(error).__name__}: {error}"))
        print(f"  whole-number traffic 1..500 Erlangs, max_occupancy {cap}: {len(crashed)} of {len(whole)} crash"
              + (f"; e.g. traffic {crashed[0][0]:g}: {crashed[0][1]}" if crashed else ""))
    try:
        print(f"  zero volume: pyworkforce gives {pyworkforce_agents(0.0, None)}")
    except Exception as error:  # noqa: BLE001
        print(f"  zero volume: pyworkforce raises {type(error).__name__}: {error}; "
              f"shiftcast gives {int(erlang.required_agents(0.0, AHT, INTERVAL))}")


def main() -> None:
    volume = year_of_volume()
    traffic = volume * AHT / INTERVAL
    print(f"load average at start (2 shared cores): {os.getloadavg()[0]:.2f}")
    print(f"year: {volume.size:,} intervals of 15 min; volume {volume.min():.1f}..{volume.max():.1f} per interval "
          f"(traffic up to {traffic.max():.1f} Erlangs); AHT {AHT:g} s; target {SL:.0%} in {ANSWER:g} s")

    def ours(cap=None):
        return erlang.required_agents(volume, AHT, INTERVAL, service_level=SL, answer_seconds=ANSWER,
                                      max_occupancy=cap)

    agents, capped = ours(), ours(0.85)
    ms_ours = median_ms(ours, repeats=21)
    ms_capped = median_ms(lambda: ours(0.85), repeats=21)
    print("\nshiftcast (staffing.erlang), median of 21 runs:")
    print(f"  required_agents, whole year:                 {ms_ours:8.2f} ms  (target < 10 ms; "
          f"{1e6 * ms_ours / 1000 / volume.size:.3f} us per interval)")
    print(f"  required_agents with max_occupancy 0.85:     {ms_capped:8.2f} ms")
    ms_a = median_ms(lambda: erlang.required_agents_erlang_a(volume, AHT, INTERVAL, patience_seconds=120,
                                                             service_level=SL, answer_seconds=ANSWER), repeats=7)
    print(f"  required_agents_erlang_a (patience 120 s):   {ms_a:8.2f} ms  (median of 7)")
    ms_sl = median_ms(lambda: erlang.service_level(agents, traffic, AHT, ANSWER), repeats=21)
    print(f"  service_level for a given headcount:         {ms_sl:8.2f} ms")
    ms_kpi = median_ms(lambda: erlang.erlang_a(agents, traffic, AHT, ANSWER, 120), repeats=7)
    print(f"  erlang_a KPIs for a given headcount:         {ms_kpi:8.2f} ms  (median of 7)")

    if ErlangC is None:
        print("\npyworkforce is not importable here: comparison skipped (make bench installs it in .venv-bench)")
        return
    import pyworkforce

    print(f"\npyworkforce {pyworkforce.__version__} ErlangC, one object per interval, all {volume.size:,} intervals;")
    print("  3 rounds, each timing shiftcast (median of 7) right before one pyworkforce pass, so that")
    print("  each ratio is measured under the same machine load:")
    ratios, passes = [], []
    for round_ in range(3):
        ours_ms = median_ms(ours, repeats=7)
        start = time.perf_counter()
        for v in volume:
            pyworkforce_agents(v, None)
        passes.append(1000 * (time.perf_counter() - start))
        ratios.append(passes[-1] / ours_ms)
        print(f"  round {round_ + 1}: shiftcast {ours_ms:.2f} ms, pyworkforce {passes[-1]:,.0f} ms "
              f"({1000 * passes[-1] / volume.size:.1f} us per interval), ratio {ratios[-1]:,.0f}x")
    print(f"  median: pyworkforce {statistics.median(passes):,.0f} ms = "
          f"{1000 * statistics.median(passes) / volume.size:.1f} us per interval; "
          f"speed ratio pyworkforce / shiftcast = {statistics.median(ratios):,.0f}x")

    print("\nanswers (raw positions vs required_agents):")
    compare("year, 80/20", volume, agents, None)
    compare("year, 80/20 and max_occupancy 0.85", volume, capped, 0.85)
    # traffic at exactly 0.85 x N Erlangs: a cap met exactly in decimals (volume N x 3.1875)
    exact = np.arange(1, 501) * 3.1875
    exact_ours = erlang.required_agents(exact, AHT, INTERVAL, service_level=SL, answer_seconds=ANSWER,
                                        max_occupancy=0.85)
    compare("traffic 0.85 x N Erlangs for N = 1..500, max_occupancy 0.85", exact, exact_ours, 0.85, show=6)
    print("\nnamed occupancy-cap cases (traffic / cap is a whole number of agents in exact decimals):")
    for traffic_text, cap, sl in (("8.5", 0.85, None), ("8.5", 0.85, SL), ("26.35", 0.85, None),
                                  ("88.4", 0.85, None), ("88.4", 0.85, SL)):
        v = float(mpmath.mpf(traffic_text) * int(INTERVAL) / int(AHT))
        mine = int(erlang.required_agents(v, AHT, INTERVAL, service_level=sl, answer_seconds=ANSWER,
                                          max_occupancy=cap))
        other, truth = pyworkforce_agents(v, cap, sl), ref_required(v, cap, sl)
        target = "cap only" if sl is None else f"{sl:.0%}/{ANSWER:g}s + cap"
        print(f"  traffic {traffic_text} Erlangs, max_occupancy {cap}, {target}: shiftcast {mine}, "
              f"pyworkforce {other}, mpmath {truth}")
    print("\ncrash checks (pyworkforce):")
    crash_checks()


if __name__ == "__main__":
    main()
