"""The shift plan: hand-checked optima, coverage, shortfall reports and clear errors.

Hand-checked cases use hourly intervals and hourly starts so each optimum can be worked
out on paper; an independent recount of coverage from the shifts table (timestamps and
break strings only) checks every plan.
"""

import numpy as np
import pandas as pd
import pytest
from roster_helpers import MONDAY, config, coverage_from_shifts, daily, frame_b, week_index

from core.config import QueueSettings, Site
from core.errors import InputError
from staffing import erlang, milp
from staffing.shiftplan import plan_shifts
from staffing.shifts import build_templates, night_minutes
from staffing.weekplan import shortfall_cause


def assert_coverage_consistent(plan, minutes=60):
    recount = coverage_from_shifts(plan.shifts, week_index(minutes, start=plan.week_start.date().isoformat(),
                                                           tz=str(plan.week_start.tz)), minutes)
    for queue, rows in plan.coverage.groupby("queue"):
        assert np.array_equal(recount.get(queue, np.zeros(len(rows))), rows["planned"].to_numpy()), queue


def test_two_peaks_a_day_cost_the_hand_computed_optimum():
    # 2 agents 09-13 and 1 agent 13-17: 12 paid hours a day (8 h + 4 h, or three 4 h shifts)
    plan = plan_shifts(frame_b({"chat": daily({(9, 13): 2, (13, 17): 1})}), config())
    assert plan.status == "optimal" and plan.gap <= 1e-9
    assert plan.cost == pytest.approx(7 * 12)
    assert plan.paid_agent_hours == pytest.approx(84)
    assert plan.shortfall_agent_hours == 0 and plan.over_coverage_agent_hours == 0
    assert (plan.coverage["gap"] == 0).all()
    assert_coverage_consistent(plan)


def test_the_optimizer_places_the_breaks():
    # 1 agent 08-20 with 8 h shifts and a 1 h break 3-4 h in: the only optimum is 08-16 with
    # its break at 12:00 (when the 12-20 shift has started) and 12-20 with its break at 15:00
    cfg = config(lengths_hours=[8], break_minutes={"8": 60}, break_window_hours=(3, 4))
    plan = plan_shifts(frame_b({"chat": daily({(8, 20): 1})}), cfg)
    assert plan.cost == pytest.approx(7 * 16)
    monday = plan.shifts[plan.shifts["start"].dt.day == 16]
    assert sorted(zip(monday["start"].dt.hour, monday["breaks"])) == [(8, "12:00-13:00"), (12, "15:00-16:00")]
    assert plan.shortfall_agent_hours == 0
    assert_coverage_consistent(plan)


def test_night_shifts_wrap_around_midnight_and_the_week():
    # 1 agent 22:00-06:00 every night: seven 22:00 shifts; Sunday's covers Monday 00-06
    cfg = config(lengths_hours=[8], night_premium=0.25)
    plan = plan_shifts(frame_b({"night": daily({(0, 6): 1, (22, 24): 1})}), cfg)
    assert plan.cost == pytest.approx(7 * 8 * 1.25)
    assert list(plan.shifts["start"].dt.hour) == [22] * 7
    sunday = plan.shifts.iloc[-1]
    assert sunday["shift_id"] == "night-sun-2200-8h"
    assert sunday["end"] == pd.Timestamp("2026-11-23 06:00", tz="UTC")  # into the next week
    monday_early = plan.coverage[plan.coverage["interval_start"] < pd.Timestamp(MONDAY + " 06:00", tz="UTC")]
    assert (monday_early["planned"] == 1).all()
    assert plan.shifts["night_hours"].eq(8).all()
    assert_coverage_consistent(plan)


@pytest.mark.parametrize("seed", range(4))
def test_coverage_never_falls_short_when_headcount_allows(seed):
    rng = np.random.default_rng(seed)
    curves = {"a": np.repeat(rng.integers(0, 4, 42), 4), "b": np.repeat(rng.integers(0, 3, 84), 2)}
    plan = plan_shifts(frame_b(curves), config(lengths_hours=[4, 6, 8], break_minutes={"6": 60},
                                               break_window_hours=(2, 4), mip_rel_gap=0.005))
    assert plan.shortfall_agent_hours == 0
    assert (plan.coverage["planned"] >= plan.coverage["required"]).all()
    assert plan.status == "optimal" and plan.gap <= 0.005
    assert_coverage_consistent(plan)


def test_a_headcount_cap_is_reported_as_shortfall_not_an_error():
    curve = np.zeros(168, dtype=np.int64)
    curve[10:12] = 3  # Monday 10:00-12:00 needs 3, but at most 2 agents may be on duty
    plan = plan_shifts(frame_b({"chat": curve}), config(lengths_hours=[4], max_agents=2))
    short = plan.coverage[plan.coverage["shortfall"] > 0]
    assert list(short["interval_start"].dt.hour) == [10, 11]
    assert (short["planned"] == 2).all() and (short["gap"] == -1).all()
    assert plan.shortfall_agent_hours == pytest.approx(2)


def test_the_headcount_cap_counts_agents_on_break_across_queues():
    # two queues each need 2 agents 08-16; at most 3 on duty: someone must be short
    curves = {"a": daily({(8, 16): 2}), "b": daily({(8, 16): 2})}
    plan = plan_shifts(frame_b(curves), config(lengths_hours=[8], max_agents=3))
    duty = plan.coverage.groupby("interval_start")[["planned", "on_break"]].sum().sum(axis=1)
    assert duty.max() <= 3
    assert plan.shortfall_agent_hours == pytest.approx(7 * 8)


def test_queues_are_planned_separately():
    curves = {"a": daily({(9, 13): 1}), "b": daily({(13, 17): 1})}
    plan = plan_shifts(frame_b(curves), config(lengths_hours=[4]))
    assert set(plan.shifts["queue"]) == {"a", "b"}
    assert plan.shifts.groupby("queue")["agents"].sum().to_dict() == {"a": 7, "b": 7}
    assert plan.cost == pytest.approx(56)


def test_the_first_week_is_planned_and_another_can_be_chosen():
    first, second = daily({(9, 13): 1}), daily({(9, 13): 2})
    frame = frame_b({"a": np.concatenate([first, second])})
    default = plan_shifts(frame, config(lengths_hours=[4]))
    assert default.week_start == pd.Timestamp(MONDAY, tz="UTC") and default.cost == pytest.approx(28)
    later = plan_shifts(frame, config(lengths_hours=[4]), week_start="2026-11-23")
    assert later.cost == pytest.approx(56)
    assert later.coverage["interval_start"].min() == pd.Timestamp("2026-11-23", tz="UTC")


def test_a_week_across_the_autumn_clock_change():
    index = pd.date_range(pd.Timestamp("2026-10-19", tz="Europe/Malta"), pd.Timestamp("2026-10-26", tz="Europe/Malta"),
                          freq="60min", inclusive="left")
    assert len(index) == 169  # 25 hours on Sunday 25 October
    curve = np.where((index.hour >= 9) & (index.hour < 17), 1, 0)
    frame = frame_b({"a": curve}, tz="Europe/Malta", index=index)
    plan = plan_shifts(frame, config(tz="Europe/Malta", lengths_hours=[8]))
    assert len(plan.coverage) == 169 and plan.shortfall_agent_hours == 0
    assert plan.cost == pytest.approx(56)


def test_service_level_mode_is_cheaper_and_meets_the_weekly_target():
    voice = QueueSettings(channel="voice", service_level=0.8, answer_seconds=20, shrinkage=0.0, max_occupancy=None)
    index = week_index(60)
    hour = index.hour.to_numpy()
    volume = np.where((hour >= 8) & (hour < 20), 60.0, 12.0) * np.where((hour >= 10) & (hour < 13), 1.6, 1.0)
    aht = 300.0
    required = erlang.required_agents(volume, aht, 3600, service_level=0.8, answer_seconds=20)
    frame = frame_b({"voice": required})
    frame["volume"] = volume
    per_interval = plan_shifts(frame, config(queues={"voice": voice}, mip_rel_gap=0.01))
    weekly = plan_shifts(frame, config(queues={"voice": voice}, plan_to="weekly_service_level", mip_rel_gap=0.01, time_limit_seconds=5))
    assert weekly.cost < per_interval.cost
    traffic = volume * aht / 3600
    levels = erlang.service_level(weekly.coverage["planned"].to_numpy(), traffic, aht, 20)
    assert np.sum(levels * volume) / volume.sum() >= 0.8 - 1e-9
    assert weekly.service_level["voice"] == pytest.approx(np.sum(levels * volume) / volume.sum())
    # never below a stable queue: more agents than Erlangs wherever contacts arrive
    assert (weekly.coverage["planned"].to_numpy() > traffic).all()


def test_daily_service_level_mode_meets_the_target_every_day():
    voice = QueueSettings(channel="voice", service_level=0.8, answer_seconds=20, shrinkage=0.0, max_occupancy=None)
    index = week_index(60)
    volume = np.where(index.day_of_week >= 5, 20.0, 50.0) * np.where((index.hour >= 8) & (index.hour < 20), 1.0, 0.3)
    frame = frame_b({"voice": erlang.required_agents(volume, 300.0, 3600, service_level=0.8, answer_seconds=20)})
    frame["volume"] = volume
    plan = plan_shifts(frame, config(queues={"voice": voice}, plan_to="daily_service_level", mip_rel_gap=0.01, time_limit_seconds=5))
    levels = erlang.service_level(plan.coverage["planned"].to_numpy(), volume * 300 / 3600, 300.0, 20)
    for day in range(7):
        part = slice(24 * day, 24 * (day + 1))
        assert np.sum(levels[part] * volume[part]) / volume[part].sum() >= 0.8 - 1e-9


def test_shift_costs_carry_the_night_premium_and_the_fixed_cost():
    rules = config(lengths_hours=[8], night_premium=0.5, cost_per_hour=2.0, cost_per_shift=3.0).shifts
    templates = build_templates(rules, 60)
    at_20 = np.flatnonzero(templates.start_slot == 20)[0]  # Monday 20:00-04:00: 6 night hours
    assert templates.night_hours[at_20] == 6
    assert templates.cost[at_20] == pytest.approx(3.0 + 2.0 * (8 + 0.5 * 6))
    assert list(night_minutes(np.array([21 * 60, 5 * 60]), np.array([120, 120]), ("22:00", "06:00"))) == [60, 60]


def test_the_one_shift_tolerance_is_the_cheapest_shifts_cost_times_the_setting(monkeypatch):
    seen: list[float] = []
    real = milp.solve
    monkeypatch.setattr(milp, "solve", lambda *args, **kw: seen.append(kw["mip_abs_gap"]) or real(*args, **kw))
    settings = config(mip_gap_shifts=2.0, cost_per_shift=1.0)
    plan = plan_shifts(frame_b({"chat": daily({(9, 13): 2, (13, 17): 1})}), settings)
    cheapest = build_templates(settings.shifts, 60).cost.min()  # a 4 h shift: 1 + 4
    assert cheapest == pytest.approx(5.0) and seen == [pytest.approx(10.0)]
    assert plan.status == "optimal"


# ------------------------------------------------------------------------- errors


def test_an_interval_no_shift_can_reach_is_an_error_naming_it():
    curve = daily({(9, 17): 1})
    curve[3] = 2  # Monday 03:00
    cfg = config(earliest_start="08:00", latest_start="12:00")
    with pytest.raises(InputError, match=r"shifts must be able to cover every interval that needs agents; got none "
                                         r"on duty at 2026-11-16T03:00:00\+00:00 \(queue a, 2 agents needed\)"):
        plan_shifts(frame_b({"a": curve}), cfg)


def test_an_incomplete_week_is_an_error():
    frame = frame_b({"a": daily({(9, 13): 1}, days=5)})
    with pytest.raises(InputError, match=r"requirements must cover every 60-minute interval of the week from "
                                         r"2026-11-16 that the desk is open; got 48 missing for queue a .*"
                                         r"or mark closed days in \[site\] opening_hours"):
        plan_shifts(frame, config())


def _open_rows(frame, days=range(7), hours=(7, 21)):
    """Only the rows of a desk open ``hours`` on ``days`` (0 = Monday): what a forecast of it holds."""
    stamps = frame["interval_start"]
    keep = stamps.dt.day_of_week.isin(list(days)) & (stamps.dt.hour >= hours[0]) & (stamps.dt.hour < hours[1])
    return frame[keep].reset_index(drop=True)


def test_a_desk_with_closed_nights_and_weekends_is_planned_for_its_open_hours():
    """The fpp3 bank's shape: weekdays 07:00-21:00, no rows when closed (issue 12)."""
    frame = _open_rows(frame_b({"a": daily({(7, 21): 2})}), days=range(5))
    assert frame["interval_start"].min() == pd.Timestamp("2026-11-16 07:00", tz="UTC")
    weekdays = config(lengths_hours=[7]).model_copy(update={"site": Site(
        timezone="UTC", interval_minutes=60, opening_hours={"sat": "closed", "sun": "closed"})})
    plan = plan_shifts(frame, weekdays)
    assert plan.week_start == pd.Timestamp(MONDAY, tz="UTC")  # not the forecast's second day
    assert len(plan.coverage) == 7 * 24 and plan.shortfall_agent_hours == 0
    closed = ~plan.coverage["interval_start"].isin(frame["interval_start"])
    assert (plan.coverage.loc[closed, "required"] == 0).all() and closed.sum() == 7 * 24 - 5 * 14
    assert plan.cost == pytest.approx(5 * 2 * 14)  # two agents on two 7-hour shifts a weekday, nothing more
    with pytest.raises(InputError, match=r"or mark closed days in \[site\] opening_hours"):
        plan_shifts(frame, config(lengths_hours=[7]))  # a weekend without rows may be a short file: say how to tell


def test_weekdays_a_forecast_leaves_out_are_closed_when_its_rows_run_through_the_week():
    """A weekday-only forecast of two weeks and no opening hours set (an upload of the fpp3
    bank): its weekends have no rows because the history shows them closed."""
    frame = _open_rows(frame_b({"a": daily({(7, 21): 2}, days=14)}), days=range(5))
    plan = plan_shifts(frame, config(lengths_hours=[7]))
    assert plan.week_start == pd.Timestamp(MONDAY, tz="UTC") and plan.shortfall_agent_hours == 0
    assert plan.cost == pytest.approx(5 * 2 * 14)


def test_closed_nights_are_learned_from_the_rows_and_a_24_7_file_starting_mid_day_waits_for_midnight():
    nights = _open_rows(frame_b({"a": daily({(7, 21): 1})}))  # every day 07:00-21:00, no config
    plan = plan_shifts(nights, config(lengths_hours=[7]))
    assert plan.week_start == pd.Timestamp(MONDAY, tz="UTC") and plan.cost == pytest.approx(7 * 14)
    around_the_clock = frame_b({"a": daily({(0, 24): 1}, days=8)}).iloc[10:].reset_index(drop=True)  # from 10:00
    assert plan_shifts(around_the_clock, config(lengths_hours=[8])).week_start == pd.Timestamp(
        "2026-11-17", tz="UTC")


def test_settings_off_the_interval_grid_are_errors():
    frame = frame_b({"a": daily({(9, 13): 1})})
    with pytest.raises(InputError, match="shifts.start_step_minutes must be a whole number of the requirements' "
                                         "60-minute intervals; got 30 minutes"):
        plan_shifts(frame, config(start_step_minutes=30))
    with pytest.raises(InputError, match=r"shifts.lengths_hours value 4.5 must be a whole number"):
        plan_shifts(frame, config(lengths_hours=[4.5]))


def test_a_break_that_does_not_fit_is_an_error():
    with pytest.raises(InputError, match=r"a 4 h shift needs a 30-minute break, but no break start in "
                                         r"shifts.break_window_hours \[5.0, 6.0\] fits inside it"):
        build_templates(config(lengths_hours=[4], break_minutes={"4": 30}, break_window_hours=(5, 6)).shifts, 30)


def test_week_start_must_be_a_date():
    frame = frame_b({"a": daily({(9, 13): 1})})
    with pytest.raises(InputError, match="week_start must be a date like 2026-11-23; got 'soon'"):
        plan_shifts(frame, config(), week_start="soon")


def test_a_queue_with_nothing_to_cover_gets_no_shifts():
    plan = plan_shifts(frame_b({"a": daily({(9, 13): 1}), "closed": daily({})}), config(lengths_hours=[4]))
    assert set(plan.shifts["queue"]) == {"a"} and plan.cost == pytest.approx(28)
    assert set(plan.coverage["queue"]) == {"a", "closed"}
    nothing = plan_shifts(frame_b({"closed": daily({})}), config(lengths_hours=[4]))
    assert nothing.shifts.empty and list(nothing.shifts.columns) == list(plan.shifts.columns)
    assert nothing.cost == 0 and nothing.paid_agent_hours == 0



def test_shifts_can_be_kept_within_open_hours():
    """Open 07:00-12:00; with a fixed cost per shift one 8-hour shift beats two 4-hour ones,
    but it would run while the desk is closed."""
    frame = _open_rows(frame_b({"a": daily({(7, 12): 1})}), hours=(7, 12))
    loose = plan_shifts(frame, config(lengths_hours=[4, 8], cost_per_shift=2.0))
    strict = plan_shifts(frame, config(lengths_hours=[4, 8], cost_per_shift=2.0, within_open_hours=True))

    def outside(plan):
        return (plan.shifts["start"].dt.hour < 7) | (plan.shifts["end"].dt.hour + plan.shifts["end"].dt.minute / 60 > 12)

    assert outside(loose).any() and loose.cost == pytest.approx(7 * 10)
    assert not outside(strict).any() and strict.shortfall_agent_hours == 0 and strict.cost == pytest.approx(7 * 12)



def test_intervals_no_shift_may_reach_within_open_hours_are_short_and_say_why():
    frame = _open_rows(frame_b({"a": daily({(7, 10): 1})}), hours=(7, 10))  # open 3 hours, only 4-hour shifts
    plan = plan_shifts(frame, config(lengths_hours=[4], within_open_hours=True))
    assert plan.shortfall_agent_hours == 7 * 3 and plan.shifts["agents"].sum() == 0
    assert shortfall_cause(plan, 200).startswith("no allowed shift reaches them")
