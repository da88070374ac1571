"""The staffing simulation against slow, obvious references and against Erlang C / A.

References: (1) a SimPy model in which every agent and every contact is a process,
replaying the same contacts and shifts: per-contact outcomes must agree to 1e-9; (2) the
textbook SimPy M/M/c+M (``Resource`` with ``request | timeout``), with its own random
numbers: statistics agree within sampling error.

Tolerances against Erlang C / A are derived from sampling error: each comparison runs
independent replications, takes the standard error of the pooled KPI across them (the
delta-method error of a ratio of sums, ``Simulation.totals``), and asserts the Erlang
figure lies within Z = 4 standard errors (a false alarm about once in 16,000 runs per
comparison; the seeds are fixed, so the suite is deterministic). Each test also asserts
its standard error is small (the service-level SE is about 0.003, so Z standard errors
are about 1.2 points of service level), so a loose test
cannot pass by being noisy. The first interval of each steady run is a warm-up (the run
starts empty) and is left out.
"""

import math
import random

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from staffing import erlang
from staffing.simulate import replay, simulate

Z = 4.0  # standard errors allowed between simulation and formula
AHT, INTERVAL = 240.0, 900.0


# ------------------------------------------------------------ reference 1: processes


def simpy_replay(arrival, handle, patience, shift_start, shift_end):
    """Start time per contact (NaN abandoned, inf never answered): agents and contacts as processes.

    A waiting line (``simpy.Store``, FIFO) holds contacts; each agent, from its shift start,
    takes the next contact that has not hung up, serves it, and takes no new one after its
    shift end. Idle agents wait in the order they became idle (the Store's FIFO getters).
    """
    env = simpy.Environment()
    line = simpy.Store(env)
    start = np.full(len(arrival), np.inf)

    class Contact:
        def __init__(self, i):
            self.i, self.taken, self.gone = i, env.event(), False

    def contact(i):
        yield env.timeout(arrival[i])
        me = Contact(i)
        line.put(me)
        if math.isinf(patience[i]):
            yield me.taken
            return
        outcome = yield me.taken | env.timeout(patience[i])
        if me.taken not in outcome:
            me.gone = True
            start[i] = np.nan

    def agent(j):
        yield env.timeout(shift_start[j])
        while env.now < shift_end[j]:
            request = line.get()
            if math.isinf(shift_end[j]):
                got = yield request
                caller = got
            else:
                outcome = yield request | env.timeout(shift_end[j] - env.now)
                if request not in outcome:
                    request.cancel()
                    return
                caller = outcome[request]
            if caller.gone:
                continue
            caller.taken.succeed()
            start[caller.i] = env.now
            yield env.timeout(handle[caller.i])

    # agents that become free together queue in the heap's order: shift end, then index
    for j in sorted(range(len(shift_start)), key=lambda j: (shift_start[j], shift_end[j])):
        env.process(agent(j))
    for i in range(len(arrival)):
        env.process(contact(i))
    env.run()
    return start


def random_day(rng, contacts=600, patience=True):
    """Contacts over 4 hours and a roster with joins and leaves in the middle of the day."""
    arrival = np.sort(rng.uniform(0, 4 * 3600, contacts))
    handle = rng.exponential(180, contacts)
    wait_limit = rng.exponential(90, contacts) if patience else np.full(contacts, np.inf)
    shift_start = np.concatenate([np.zeros(5), rng.uniform(0, 4 * 3600, 6)])
    shift_end = np.concatenate([[np.inf, np.inf], rng.uniform(1800, 4 * 3600, 3), np.full(6, np.inf)])
    shift_end[5:] = np.where(rng.random(6) < 0.5, shift_start[5:] + rng.uniform(600, 5400, 6), np.inf)
    return arrival, handle, wait_limit, shift_start, shift_end


@pytest.mark.parametrize("seed, patience", [(1, True), (2, True), (3, False)])
def test_replay_matches_the_simpy_process_model_contact_by_contact(seed, patience):
    arrival, handle, wait_limit, shift_start, shift_end = random_day(np.random.default_rng(seed), patience=patience)
    expected = simpy_replay(arrival, handle, wait_limit, shift_start, shift_end)
    got = replay(arrival, handle, shift_start, shift_end, patience_seconds=wait_limit if patience else None)
    assert np.array_equal(np.isnan(got.start_seconds), np.isnan(expected))
    assert np.array_equal(np.isinf(got.start_seconds), np.isinf(expected))
    answered = np.isfinite(expected)
    assert answered.mean() > 0.5 and (not patience or np.isnan(expected).sum() > 10)  # a busy day
    np.testing.assert_allclose(got.start_seconds[answered], expected[answered], rtol=0, atol=1e-9)


def test_replay_does_not_depend_on_input_order():
    arrival, handle, wait_limit, shift_start, shift_end = random_day(np.random.default_rng(4))
    order = np.random.default_rng(5).permutation(arrival.size)
    sorted_run = replay(arrival, handle, shift_start, shift_end, patience_seconds=wait_limit)
    shuffled = replay(arrival[order], handle[order], shift_start, shift_end, patience_seconds=wait_limit[order])
    np.testing.assert_array_equal(shuffled.wait_seconds, sorted_run.wait_seconds[order])


def test_replay_small_case_by_hand():
    # one agent; the second contact hangs up after 5 s, the third waits 8 s, the fourth 17 s
    got = replay([0, 1, 2, 3], 10, [0], [np.inf], patience_seconds=[np.inf, 5, 25, 100])
    assert got.wait_seconds.tolist() == [0, 5, 8, 17]
    assert got.abandoned.tolist() == [False, True, False, False]
    # the agent leaves at 15 s: it finishes the first contact, starts the second, then goes
    got = replay([0, 1, 2], 10, [0], [15.0])
    assert got.start_seconds.tolist() == [0, 10, np.inf] and got.answered.tolist() == [True, True, False]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), agents=st.integers(1, 6), contacts=st.integers(1, 300))
def test_one_more_agent_never_makes_anyone_wait_longer(seed, agents, contacts):
    # FCFS with the same contacts: each contact's wait is monotone in the number of agents
    rng = np.random.default_rng(seed)
    arrival = rng.uniform(0, 3600, contacts)
    handle = rng.exponential(300, contacts)
    fewer = replay(arrival, handle, np.zeros(agents), np.full(agents, np.inf))
    more = replay(arrival, handle, np.zeros(agents + 1), np.full(agents + 1, np.inf))
    assert np.all(more.wait_seconds <= fewer.wait_seconds + 1e-9)
    assert fewer.answered.all() and not fewer.abandoned.any()
    never = replay(arrival, handle, np.zeros(agents), np.full(agents, np.inf), patience_seconds=np.inf)
    np.testing.assert_array_equal(never.wait_seconds, fewer.wait_seconds)


# ------------------------------------------------------ reference 2: textbook M/M/c+M


def simpy_mmc(rate, aht, servers, patience, hours, answer, seed):
    """(offered, answered within answer, abandoned, sum of answered waits, busy seconds): textbook SimPy."""
    draw = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    stats = dict(offered=0, within=0, abandoned=0, answered=0, wait=0.0, busy=0.0)
    horizon = hours * 3600

    def caller():
        arrived = env.now
        stats["offered"] += 1
        with desk.request() as request:
            outcome = yield request | env.timeout(draw.expovariate(1 / patience))
            if request not in outcome:
                stats["abandoned"] += 1
                return
            wait = env.now - arrived
            stats["answered"] += 1
            stats["wait"] += wait
            stats["within"] += wait <= answer
            service = draw.expovariate(1 / aht)
            stats["busy"] += min(env.now + service, horizon) - min(env.now, horizon)
            yield env.timeout(service)

    def source():
        while True:
            yield env.timeout(draw.expovariate(rate))
            if env.now >= horizon:
                return
            env.process(caller())

    env.process(source())
    env.run()
    return stats


def test_simulate_matches_the_textbook_simpy_model_within_sampling_error():
    # overloaded on purpose (15% abandon), so that abandonment is exercised hard
    servers, traffic, patience, hours, runs = 6, 5.5, 120.0, 4, 60
    rate = traffic / AHT
    reference = [simpy_mmc(rate, AHT, servers, patience, hours, 20, seed) for seed in range(runs)]
    ours = simulate(np.full(hours * 4, rate * INTERVAL), servers, AHT, INTERVAL, answer_seconds=20,
                    patience_seconds=patience, replications=runs, seed=11).per_replication()

    def mean_and_se(values):
        values = np.asarray(values, dtype=float)
        return values.mean(), values.std(ddof=1) / math.sqrt(values.size)

    pairs = {
        "service_level": ([s["within"] / s["offered"] for s in reference], ours["service_level"]),
        "abandon_rate": ([s["abandoned"] / s["offered"] for s in reference], ours["abandon_rate"]),
        "asa_seconds": ([s["wait"] / s["answered"] for s in reference], ours["asa_seconds"]),
        "occupancy": ([s["busy"] / (servers * hours * 3600) for s in reference], ours["occupancy"]),
    }
    for name, (theirs, mine) in pairs.items():
        (m1, s1), (m2, s2) = mean_and_se(theirs), mean_and_se(mine)
        assert abs(m1 - m2) <= Z * math.hypot(s1, s2), (name, m1, m2, s1, s2)
        assert s1 < 0.1 * m1  # a meaningful comparison, not noise


# ----------------------------------------------------------- agreement with Erlang C / A


def steady(traffic, agents, intervals, runs, seed, **kwargs):
    """Totals of a steady run at ``traffic`` Erlangs, without the warm-up interval."""
    volume = np.full(intervals + 1, traffic * INTERVAL / AHT)
    sim = simulate(volume, agents, AHT, INTERVAL, replications=runs, seed=seed, **kwargs)
    return sim.totals(slice(1, None))


@pytest.mark.parametrize("traffic, answer", [(10.0, 20), (4.0, 30)])
def test_erlang_c_service_level_holds_at_the_recommended_staffing(traffic, answer):
    volume = traffic * INTERVAL / AHT
    agents = int(erlang.required_agents(volume, AHT, INTERVAL, service_level=0.8, answer_seconds=answer))
    got = steady(traffic, agents, intervals=80, runs=100, seed=21, answer_seconds=answer)
    expected_sl = float(erlang.service_level(agents, traffic, AHT, answer))
    assert expected_sl >= 0.8
    assert got["service_level_se"] < 0.004
    assert abs(got["service_level"] - expected_sl) <= Z * got["service_level_se"]
    assert abs(got["asa_seconds"] - float(erlang.asa_seconds(agents, traffic, AHT))) <= Z * got["asa_seconds_se"]
    assert abs(got["occupancy"] - traffic / agents) <= Z * got["occupancy_se"]
    assert got["abandon_rate"] == 0


@pytest.mark.parametrize("traffic, patience", [(10.0, 120.0), (20.0, 60.0)])
def test_erlang_a_service_level_and_abandonment_hold_at_the_recommended_staffing(traffic, patience):
    volume = traffic * INTERVAL / AHT
    agents = int(erlang.required_agents_erlang_a(volume, AHT, INTERVAL, patience_seconds=patience,
                                                 service_level=0.8, answer_seconds=20))
    got = steady(traffic, agents, intervals=60, runs=100, seed=31, answer_seconds=20, patience_seconds=patience)
    kpi = erlang.erlang_a(agents, traffic, AHT, 20, patience)
    assert got["service_level_se"] < 0.004 and got["abandon_rate_se"] < 0.002
    assert float(kpi.abandon_rate) > 0.005  # abandonment matters in these cases
    for name in ("service_level", "abandon_rate", "average_wait_seconds", "occupancy"):
        assert abs(got[name] - float(getattr(kpi, name))) <= Z * got[f"{name}_se"], name


# ------------------------------------------------------- where Erlang C is optimistic


def test_lognormal_handle_times_with_cv_above_one_wait_longer_than_erlang_c_says():
    traffic, runs = 10.0, 300
    agents = int(erlang.required_agents(traffic * INTERVAL / AHT, AHT, INTERVAL))  # 14
    formula_asa = float(erlang.asa_seconds(agents, traffic, AHT))  # 10.4 s
    exponential = steady(traffic, agents, intervals=60, runs=runs, seed=41)
    heavy = steady(traffic, agents, intervals=60, runs=runs, seed=41, handle_times="lognormal", handle_cv=2.0)
    # the same queue with exponential handle times agrees with the formula ...
    assert abs(exponential["asa_seconds"] - formula_asa) <= Z * exponential["asa_seconds_se"]
    # ... log-normal with CV 2 waits much longer on average: about 1.7x here (Allen-Cunneen's
    # M/G/c rule of thumb says (1 + CV^2) / 2 = 2.5x); at least 1.25x beyond sampling error
    assert heavy["asa_seconds"] - Z * heavy["asa_seconds_se"] > 1.25 * formula_asa
    assert heavy["asa_seconds"] < 2.5 * formula_asa
    # the long waits are in the tail: fewer contacts answered within a minute (91% vs 94%),
    # and a little fewer within 20 s (86% vs 87.5%)
    tail = steady(traffic, agents, intervals=60, runs=runs, seed=41, handle_times="lognormal", handle_cv=2.0,
                  answer_seconds=60)
    assert tail["service_level"] + Z * tail["service_level_se"] < float(erlang.service_level(agents, traffic, AHT, 60))
    assert heavy["service_level"] + Z * heavy["service_level_se"] < float(
        erlang.service_level(agents, traffic, AHT, 20))


def test_lognormal_handle_times_with_cv_below_one_are_kinder_than_erlang_c():
    traffic = 10.0
    agents = int(erlang.required_agents(traffic * INTERVAL / AHT, AHT, INTERVAL))
    calm = steady(traffic, agents, intervals=60, runs=40, seed=43, handle_times="lognormal", handle_cv=0.5)
    assert calm["asa_seconds"] + Z * calm["asa_seconds_se"] < float(erlang.asa_seconds(agents, traffic, AHT))


def test_backlog_carried_over_a_drop_in_staff_makes_the_next_interval_worse_than_erlang_c():
    # a steady peak of 30 Erlangs (the first interval warms up), then 10 Erlangs;
    # each interval staffed by Erlang C for its own traffic
    peak, low = 30.0, 10.0
    volume = np.array([peak] * 3 + [low] * 3) * INTERVAL / AHT
    agents = erlang.required_agents(volume, AHT, INTERVAL)  # 35 then 14
    sim = simulate(volume, agents, AHT, INTERVAL, replications=1000, seed=51)
    formula_sl = float(erlang.service_level(agents[3], low, AHT, 20))  # 87.5%
    formula_asa = float(erlang.asa_seconds(agents[3], low, AHT))  # 10.4 s
    after_drop, settled = sim.totals([3]), sim.totals([5])
    assert after_drop["service_level_se"] < 0.01
    # the first low interval: worse than the formula beyond sampling error, by about
    # 7 points of service level, and its ASA about doubles
    assert after_drop["service_level"] + Z * after_drop["service_level_se"] < formula_sl
    assert after_drop["service_level"] < formula_sl - 0.04
    assert after_drop["asa_seconds"] - Z * after_drop["asa_seconds_se"] > formula_asa
    assert after_drop["asa_seconds"] > 1.5 * formula_asa
    # the leaving agents finish the contacts in hand: more work done than the staff on the plan
    assert after_drop["occupancy"] > 1.0
    # two intervals later the queue has settled back to the formula
    assert abs(settled["service_level"] - formula_sl) <= Z * settled["service_level_se"]


def test_an_empty_start_flatters_the_first_interval():
    sim = simulate(np.full(4, 30.0 * INTERVAL / AHT), 35, AHT, INTERVAL, replications=100, seed=61)
    first, later = sim.totals([0]), sim.totals([2, 3])
    assert first["service_level"] > later["service_level"] + 0.05


# ------------------------------------------------------------------- the result object


def test_same_seed_same_result_and_shapes():
    volume = np.array([10.0, 40.0, 0.0, 25.0])
    one = simulate(volume, [2, 5, 1, 4], 200, 900, patience_seconds=90, replications=3, seed=8)
    two = simulate(volume, [2, 5, 1, 4], 200, 900, patience_seconds=90, replications=3, seed=8)
    assert one.offered.shape == (3, 4)
    np.testing.assert_array_equal(one.wait_seconds, two.wait_seconds)
    frame = one.intervals()
    assert list(frame.columns) == ["interval", "agents", "offered", "answered", "answered_within", "abandoned",
                                   "service_level", "asa_seconds", "average_wait_seconds", "abandon_rate",
                                   "occupancy"]
    assert np.isnan(frame["service_level"][2]) or frame["offered"][2] > 0
    np.testing.assert_allclose(frame["answered"] + frame["abandoned"], frame["offered"])
    assert len(one.per_replication()) == 3
    other = simulate(volume, [2, 5, 1, 4], 200, 900, patience_seconds=90, replications=3, seed=9)
    assert not np.array_equal(one.wait_seconds, other.wait_seconds)


def test_same_seed_same_arrivals_across_plans():
    volume = np.full(3, 50.0)
    few = simulate(volume, 3, 200, 900, seed=5)
    many = simulate(volume, 9, 200, 900, seed=5, handle_times="lognormal", handle_cv=1.5)
    np.testing.assert_array_equal(few.offered, many.offered)
    assert many.totals()["asa_seconds"] < few.totals()["asa_seconds"]


def test_zero_volume_and_zero_agents():
    sim = simulate([0.0, 0.0], [0, 3], 300, 900, seed=1)
    assert sim.offered.sum() == 0 and np.isnan(sim.totals()["service_level"])
    # nobody on duty and nobody hangs up: the contacts are never answered
    sim = simulate([20.0], [0], 300, 900, seed=1)
    assert sim.answered.sum() == 0 and math.isinf(sim.totals()["average_wait_seconds"])
    # with patience they abandon
    sim = simulate([20.0], [0], 300, 900, patience_seconds=60, seed=1)
    assert sim.totals()["abandon_rate"] == 1.0


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs, match", [
    (dict(volume=[10, -3]), r"volume must be >= 0; got -3.0 at position 1"),
    (dict(volume=[10, float("nan")]), r"volume must be >= 0; got nan"),
    (dict(volume=[[1, 2]]), r"volume must be one number per interval; got shape \(1, 2\)"),
    (dict(agents=[3, 2.5]), r"agents must be whole numbers; got 2.5"),
    (dict(agents=[3, -1]), r"agents must be >= 0; got -1.0 at position 1"),
    (dict(agents=[3, 3, 3]), r"agents must be one number or one per interval \(2\); got shape \(3,\)"),
    (dict(aht_seconds=0), r"aht_seconds must be > 0; got 0"),
    (dict(interval_seconds=-900), r"interval_seconds must be > 0; got -900"),
    (dict(answer_seconds=-1), r"answer_seconds must be >= 0; got -1"),
    (dict(patience_seconds=0), r"patience_seconds must be > 0; got 0"),
    (dict(handle_times="gamma"), r"handle_times must be 'exponential' or 'lognormal'; got 'gamma'"),
    (dict(handle_times="lognormal", handle_cv=0), r"handle_cv must be > 0; got 0"),
    (dict(handle_cv=2.0), r"exponential handle times have handle_cv 1; got 2"),
    (dict(replications=0), r"replications must be a whole number >= 1; got 0"),
    (dict(replications=2.5), r"replications must be a whole number >= 1; got 2.5"),
    (dict(seed=-1), r"seed must be a whole number >= 0 or None; got -1"),
])
def test_bad_inputs_name_the_field_and_value(kwargs, match):
    args = dict(volume=[10, 20], agents=3, aht_seconds=180, interval_seconds=900)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        simulate(args.pop("volume"), args.pop("agents"), args.pop("aht_seconds"), args.pop("interval_seconds"),
                 **args)


@pytest.mark.parametrize("kwargs, match", [
    (dict(arrival_seconds=[0, float("nan")]), r"arrival_seconds must be a finite number; got nan"),
    (dict(handle_seconds=[10, 0]), r"handle_seconds must be > 0; got 0.0 at position 1"),
    (dict(handle_seconds=[10, 10, 10]), r"handle_seconds must have one value per contact \(2\)"),
    (dict(patience_seconds=[5, -1]), r"patience_seconds must be > 0; got -1.0 at position 1"),
    (dict(shift_end_seconds=[0.0]), r"shift_end_seconds must be after shift_start_seconds; got 0.0 <= 0.0"),
    (dict(shift_end_seconds=[5.0, 6.0]), r"one value per agent, of equal length"),
])
def test_replay_bad_inputs_name_the_field_and_value(kwargs, match):
    args = dict(arrival_seconds=[0, 1], handle_seconds=[10, 10], shift_start_seconds=[0.0],
                shift_end_seconds=[np.inf], patience_seconds=None)
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        replay(args.pop("arrival_seconds"), args.pop("handle_seconds"), args.pop("shift_start_seconds"),
               args.pop("shift_end_seconds"), **args)
