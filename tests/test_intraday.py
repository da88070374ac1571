"""The rest of today: the re-forecast's update (against ratio-to-date and the unchanged
morning forecast), surge alerts, the staffing gap, the moves and ``shiftcast intraday``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import Config
from forecast.intraday import UpdateModel, ratio_to_date
from shiftcast.cli import main

SLOTS, PER_INTERVAL = 48, 40.0


def synthetic_days(days: int, alpha: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Days whose level is Gamma(alpha, alpha) around a flat forecast of 40 per interval, counts
    Poisson: (actual, forecast), each (days, 48)."""
    rng = np.random.default_rng(seed)
    forecast = np.full((days, SLOTS), PER_INTERVAL)
    level = rng.gamma(alpha, 1 / alpha, size=(days, 1))
    return rng.poisson(level * forecast).astype(float), forecast


def test_the_update_beats_ratio_to_date_early_and_never_loses_to_the_morning_forecast():
    """On days whose level varies by 5% (alpha 400), after 4 of 48 intervals: ratio-to-date
    chases the 8% noise of 160 contacts; the update learned from 28 backtest days shrinks it
    (the optimal weight on the evidence is about 0.3; expected gain about 8%)."""
    model = UpdateModel.fit(*synthetic_days(28, 400.0, seed=1))
    actual, forecast = synthetic_days(300, 400.0, seed=2)
    errors = {"morning": 0.0, "ratio": 0.0, "update": 0.0}
    inside = count = 0
    for a, f in zip(actual, forecast):
        rest = model.rest_of_day(a[:4], f[:4], f[4:])
        errors["morning"] += np.abs(a[4:] - f[4:]).sum()
        errors["ratio"] += np.abs(a[4:] - ratio_to_date(a[:4], f[:4]) * f[4:]).sum()
        errors["update"] += np.abs(a[4:] - rest["volume"]).sum()
        inside += ((a[4:] >= rest["volume_p10"]) & (a[4:] <= rest["volume_p90"])).sum()
        count += len(a) - 4
    assert errors["update"] < 0.95 * errors["ratio"] and errors["update"] <= errors["morning"]
    assert 0.72 <= inside / count <= 0.88  # the p10-p90 band covers about 80%


def test_a_single_spike_is_capped_and_a_sustained_surge_is_followed():
    model = UpdateModel(alpha=400.0, dispersion=1.0)
    forecast = np.full(12, PER_INTERVAL)
    calm = np.full(12, PER_INTERVAL)
    spiked = calm.copy()
    spiked[6] = 5 * PER_INTERVAL  # one interval at five times the forecast
    level = {name: np.divide(*model.posterior(a, forecast)) for name, a in (("calm", calm), ("spiked", spiked))}
    assert level["spiked"] == pytest.approx(level["calm"], abs=0.03)
    assert ratio_to_date(spiked, forecast) > 1.3  # ratio-to-date takes the spike in full

    surged = np.concatenate([calm[:8], np.full(4, 1.6 * PER_INTERVAL)])  # the last four intervals at 160%
    shape, rate = model.posterior(surged, forecast)
    assert shape / rate > 1.45  # followed within four intervals, despite a prior that barely moves
    no_scan = UpdateModel(alpha=400.0, dispersion=1.0, surge_run=99)
    assert np.divide(*no_scan.posterior(surged, forecast)) < 1.15  # what the prior alone would do (1.11)


def test_a_surge_raises_a_named_alert_and_a_single_spike_does_not():
    from forecast.intraday import Morning, surge_alerts

    stamps = pd.date_range("2026-03-02 08:00", periods=16, freq="30min", tz="UTC")
    morning = Morning(pd.DataFrame({"queue": "chat", "interval_start": stamps, "volume": 50.0}),
                      {"chat": UpdateModel(alpha=400.0, dispersion=1.0)})
    volume = np.full(8, 50.0)
    volume[2] = 150.0  # one spike
    volume[5:] = 110.0  # then three intervals at 220%
    today = pd.DataFrame({"queue": "chat", "interval_start": stamps[:8], "volume": volume})
    alerts = surge_alerts(morning, today, stamps[8])
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert["alert"] == "surge" and alert["since"] == stamps[5] and alert["intervals"] == 3
    assert alert["until"] == stamps[7] and alert["ratio"] == pytest.approx(2.2)
    calm = today.assign(volume=np.where(np.arange(8) == 2, 150.0, 50.0))  # the spike alone
    assert surge_alerts(morning, calm, stamps[8]).empty


def full_time_day() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Config]:
    """A replayed day of one call queue, 08:00-20:00 in 15-minute intervals: 12 full-time agents
    (40-hour contracts, 32 hours rostered), half 08-16 and half 12-20, each with a 30-minute
    break, and their shifts of the next day; the re-forecast has a surge of 35% from 14:00 to
    18:00. Returns (re-forecast, coverage, roster, config)."""
    zone = "UTC"
    day = pd.Timestamp("2026-03-02", tz=zone)
    config = Config.model_validate({"site": {"timezone": zone}, "queues": {"calls": {"answer_seconds": 20,
                                                                                      "shrinkage": 0.0}}})
    rows = []
    for i in range(12):
        start = day + pd.Timedelta(hours=8 if i < 6 else 12)
        pause = start + pd.Timedelta(hours=3, minutes=15 * (i % 6))
        for offset in (0, 1):  # today and tomorrow
            rows.append({"agent": f"agent-{i:02d}", "queue": "calls", "start": start + pd.Timedelta(days=offset),
                         "end": start + pd.Timedelta(days=offset, hours=8),
                         "breaks": f"{pause:%H:%M}-{pause + pd.Timedelta(minutes=30):%H:%M}", "paid_hours": 16.0})
    roster = pd.DataFrame(rows)
    stamps = pd.date_range(day + pd.Timedelta(hours=8), day + pd.Timedelta(hours=20), freq="15min",
                           inclusive="left")
    today = roster[roster["start"] < day + pd.Timedelta(days=1)]
    on_duty = [sum((r.start <= t < r.end) and not (pd.Timestamp(f"{t:%Y-%m-%d} {r.breaks[:5]}", tz=zone) <= t <
                                                     pd.Timestamp(f"{t:%Y-%m-%d} {r.breaks[6:]}", tz=zone))
                   for r in today.itertuples()) for t in stamps]
    coverage = pd.DataFrame({"queue": "calls", "interval_start": stamps, "planned": on_duty})
    hour = stamps.hour
    volume = np.where((hour >= 14) & (hour < 18), 1.35, 1.0) * 18.0
    reforecast = pd.DataFrame({"queue": "calls", "interval_start": stamps, "volume": volume, "aht_seconds": 240.0})
    return reforecast, coverage, roster, config


def test_the_moves_recover_most_of_a_surges_shortfall_with_few_changes_and_every_rule_kept():
    from staffing.intraday import propose_moves, staffing_gap

    reforecast, coverage, roster, config = full_time_day()
    now = pd.Timestamp("2026-03-02 12:00", tz="UTC")
    gap = staffing_gap(reforecast[reforecast["interval_start"] >= now], coverage, config, interval_seconds=900)
    agents = pd.DataFrame({"agent": sorted(roster["agent"].unique()), "contract_hours_per_week": 40})
    moves = propose_moves(gap, roster, config, now=now, interval_seconds=900, agents=agents)
    assert moves.shortfall_before > 0.05 and moves.status == "optimal"
    assert moves.shortfall_after <= 0.4 * moves.shortfall_before  # most of the shortfall recovered
    table = moves.moves
    assert 1 <= len(table) <= 6 and table["why"].str.len().gt(0).all()
    next_day = roster[roster["start"] >= pd.Timestamp("2026-03-03", tz="UTC")].set_index("agent")["start"]
    for move in table.itertuples():
        assert move.start >= now
        if move.move.startswith("overtime"):
            extra = table[(table["agent"] == move.agent) & table["move"].str.startswith("overtime")]["minutes"].sum()
            assert extra <= config.intraday.max_overtime_minutes  # overtime limit
            assert 16 + extra / 60 <= 40 + config.roster.contract_tolerance_hours  # contract
            assert (next_day[move.agent] - move.end) >= pd.Timedelta(hours=config.roster.min_rest_hours)  # rest
        if move.move == "break moved":
            shift = roster[(roster["agent"] == move.agent) & (roster["start"] < now + pd.Timedelta(hours=12))].iloc[0]
            low, high = config.shifts.break_window_hours
            assert shift["start"] + pd.Timedelta(hours=low) <= move.start <= shift["start"] + pd.Timedelta(hours=high)
    assert set(table["move"]) <= {"overtime before", "overtime after", "break moved", "time off"}


def surged_day(plan_folder, folder, *, factor: float = 1.6, now_hour: int = 12, extra: pd.DataFrame | None = None):
    """history.csv (the plan's history and its first day's actuals before NOW_HOUR, chat_en at
    FACTOR times the forecast from 09:00) and the --now text, for ``shiftcast intraday``."""
    from shiftcast.pipeline import load_plan

    plan = load_plan(plan_folder)
    first = plan.forecast["interval_start"].min().normalize()
    now = first + pd.Timedelta(hours=now_hour)
    today = plan.forecast[plan.forecast["interval_start"] < now][["queue", "interval_start", "volume", "aht_seconds"]]
    surge = np.where((today["queue"] == "chat_en") & (today["interval_start"] >= first + pd.Timedelta(hours=9)),
                     factor, 1.0)
    today = today.assign(volume=np.random.default_rng(5).poisson(today["volume"] * surge).astype(float))
    history = pd.concat([plan.history, today, extra], ignore_index=True)
    history.assign(interval_start=history["interval_start"].map(pd.Timestamp.isoformat)).to_csv(
        folder / "history.csv", index=False)
    return folder / "history.csv", f"{now:%Y-%m-%dT%H:%M}"


def run_intraday_cli(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["intraday", *argv])
    return exit_info.value.code, capsys.readouterr().err


def test_shiftcast_intraday_reforecasts_the_rest_of_the_day_alerts_and_proposes_moves(dashboard_plan, tmp_path,
                                                                                        capsys):
    history, now = surged_day(dashboard_plan, tmp_path)
    config = dashboard_plan.parent / "shiftcast.toml"
    code, err = run_intraday_cli(capsys, "--history", str(history), "--now", now, "--config", str(config),
                                 "--plan", str(dashboard_plan), "--out", str(tmp_path / "today"))
    assert code == 0, err
    out = tmp_path / "today"
    forecast = pd.read_csv(out / "forecast.csv")
    published = pd.read_csv(dashboard_plan / "forecast.csv")
    assert list(forecast.columns) == list(published.columns)  # the columns of `shiftcast forecast`
    stamps = pd.to_datetime(forecast["interval_start"], utc=True)
    now_utc = pd.Timestamp(now, tz="Europe/Malta").tz_convert("UTC")
    assert stamps.min() == now_utc and stamps.max() < now_utc + pd.Timedelta(hours=12)
    assert (forecast["volume_p10"] <= forecast["volume"]).all() and (forecast["volume"] <= forecast["volume_p90"]).all()

    today = pd.read_csv(out / "today.csv")
    chat = today[(today["queue"] == "chat_en") & today["reforecast"].notna()]
    assert chat["reforecast"].sum() > 1.3 * chat["morning"].sum()  # the surge carried into the afternoon
    alerts = pd.read_csv(out / "alerts.csv")
    assert (alerts["queue"] == "chat_en").any() and set(alerts["alert"]) <= {"surge", "drop"}
    assert "ALERT surge on chat_en" in err

    record = pd.read_json(out / "run.json", typ="series")
    assert record["shortfall_points_after"] <= record["shortfall_points_before"]
    moves = pd.read_csv(out / "moves.csv")
    assert {"agent", "move", "what", "why", "buys_points"} <= set(moves.columns)
    gap = pd.read_csv(out / "gap.csv")
    assert {"agents_needed", "agents_planned", "agents_short", "sl_projected", "agents_planned_before"} <= set(
        gap.columns)
    assert record["forecast_seconds"] < 30

    table = pd.read_csv(history)  # the same day with today's intervals in a file of their own
    first_day = now[:10]
    table[~table["interval_start"].str.startswith(first_day)].to_csv(tmp_path / "before.csv", index=False)
    table[table["interval_start"].str.startswith(first_day)].to_csv(tmp_path / "today.csv", index=False)
    code, err = run_intraday_cli(capsys, "--history", str(tmp_path / "before.csv"), "--today",
                                 str(tmp_path / "today.csv"), "--now", now, "--config", str(config),
                                 "--out", str(tmp_path / "split"))
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "split" / "forecast.csv"), forecast)


@pytest.mark.parametrize("case, message", [
    ("boundary", "is not on a 15-minute interval boundary"),
    ("late", "is outside the history's last day"),
    ("zone", "at or after --now"),
    ("queue", "queue voice_en is in today's data but not in the plan"),
    ("overlap", "and the history both hold"),
    ("stale", "the history has no interval of"),
    ("dst", "does not name one time in Europe/Malta"),
    ("out is the plan", "--out"),
])
def test_bad_intraday_input_exits_2_with_one_line(dashboard_plan, tmp_path, capsys, case, message):
    extra = None
    if case == "queue":
        start = pd.read_csv(dashboard_plan / "forecast.csv")["interval_start"].min()
        extra = pd.DataFrame({"queue": "voice_en", "interval_start": [pd.Timestamp(start)], "volume": [3.0],
                              "aht_seconds": [200.0]})
    from tests.dashboard_fixture import copy_plan

    history, now = surged_day(dashboard_plan, tmp_path, extra=extra)
    now = {"boundary": now[:-2] + "07", "late": (pd.Timestamp(now) + pd.Timedelta(days=3)).isoformat(),
           "zone": (pd.Timestamp(now) - pd.Timedelta(hours=2)).isoformat(),
           "stale": (pd.Timestamp(now) + pd.Timedelta(days=1, hours=3)).isoformat(),
           "dst": "2026-10-25T02:30"}.get(case, now)
    today = ["--today", str(history)] if case == "overlap" else []  # today's intervals given twice
    plan = copy_plan(dashboard_plan, tmp_path / "plan")  # a copy: one case names it as --out
    out = plan if case == "out is the plan" else tmp_path / "out"
    files = sorted(path.name for path in plan.iterdir())
    code, err = run_intraday_cli(capsys, "--history", str(history), "--now", now, "--config",
                                 str(dashboard_plan.parent / "shiftcast.toml"), "--plan", str(plan),
                                 "--out", str(out), *today)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists() and sorted(path.name for path in plan.iterdir()) == files


def test_the_dashboards_today_page_follows_a_watched_file(dashboard_plan, tmp_path, monkeypatch):
    """The Today page reads today's intervals from a watched file: the surge alert, the chart,
    the moves with accept/skip; when the file gains an interval, the page moves on by itself."""
    import os
    import time

    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    history, now = surged_day(dashboard_plan, tmp_path)
    table = pd.read_csv(history)
    first_day = pd.Timestamp(now).strftime("%Y-%m-%d")
    watched = tmp_path / "today.csv"
    table[table["interval_start"].str.startswith(first_day)].to_csv(watched, index=False)
    monkeypatch.setenv("SHIFTCAST_PLAN", str(dashboard_plan))
    monkeypatch.setenv("SHIFTCAST_TODAY", str(watched))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
    app.sidebar.selectbox(key="queue").set_value("chat_en").run()
    assert not app.exception, app.exception
    def shown(elements) -> list[str]:  # markdown-escaped text, plain again
        return [element.value.replace("\\", "") for element in elements]

    assert any("Surge on chat_en" in text for text in shown(app.error))
    assert any(text.startswith("Now ") and "12:00" in text for text in shown(app.caption))
    moves = next(d.value for d in app.dataframe if "accept" in d.value.columns)  # accept/skip, all ticked at first
    assert len(moves) and moves["accept"].all() and {"agent", "what", "why"} <= set(moves.columns)

    stamp = pd.Timestamp(now, tz="Europe/Malta").isoformat()  # the export gains the interval 12:00-12:15
    grown = pd.concat([pd.read_csv(watched), pd.DataFrame({"queue": ["chat_en"], "interval_start": [stamp],
                                                           "volume": [30.0], "aht_seconds": [400.0]})])
    time.sleep(0.01)
    grown.to_csv(watched, index=False)
    os.utime(watched, (time.time() + 5, time.time() + 5))
    app.run()
    assert not app.exception and any(text.startswith("Now ") and "12:15" in text for text in shown(app.caption))


def test_a_handful_of_contacts_against_a_quiet_forecast_is_no_surge():
    model = UpdateModel(alpha=30.0, dispersion=1.0)
    forecast = np.full(12, 0.5)  # a queue that is nearly closed
    actual = np.concatenate([np.zeros(10), [3.0, 2.0]])
    assert model.ongoing_surge(actual, forecast) == 0
    assert np.divide(*model.posterior(actual, forecast)) < 1.2  # the prior holds; no day-wide "surge"


def one_agent_gap(stamps: pd.DatetimeIndex, short: set) -> pd.DataFrame:
    """A gap of one queue over STAMPS with one agent short at the times in SHORT."""
    needed = np.array([2 if t in short else 1 for t in stamps])
    return pd.DataFrame({"queue": "calls", "interval_start": stamps, "volume": 10.0, "volume_p10": np.nan,
                         "volume_p90": np.nan, "aht_seconds": 300.0, "agents_needed": needed, "agents_planned": 1.0,
                         "agents_short": (needed - 1).astype(float), "agents_over": 0.0, "sl_projected": np.nan,
                         "abandon_rate_projected": np.nan, "sl_target": 0.8})


def test_overtime_keeps_the_rest_between_two_shifts_and_one_limit_for_the_agent():
    """Agent X works 22:00-08:00 and 20:00-04:00; at 06:00 both 08:00-09:00 and 19:00-20:00
    are short. Staying until 09:00 and coming at 19:00 would leave 10 h of rest (11 needed)."""
    from staffing.intraday import propose_moves

    day = pd.Timestamp("2026-03-02", tz="UTC")
    roster = pd.DataFrame({"agent": "X", "queue": "calls", "paid_hours": 10.0, "breaks": "",
                           "start": [day - pd.Timedelta(hours=2), day + pd.Timedelta(hours=20)],
                           "end": [day + pd.Timedelta(hours=8), day + pd.Timedelta(days=1, hours=4)]})
    stamps = pd.date_range(day + pd.Timedelta(hours=6), day + pd.Timedelta(hours=24), freq="15min", inclusive="left")
    short = set(stamps[(stamps.hour == 8) | (stamps.hour == 19)])
    config = Config.model_validate({"site": {"timezone": "UTC"}})
    moves = propose_moves(one_agent_gap(stamps, short), roster, config, now=day + pd.Timedelta(hours=6),
                          interval_seconds=900).moves
    assert len(moves) == 1  # one of the two, not both
    relaxed = config.model_copy(update={"roster": config.roster.model_copy(update={"min_rest_hours": 6.0})})
    both = propose_moves(one_agent_gap(stamps, short), roster, relaxed, now=day + pd.Timedelta(hours=6),
                         interval_seconds=900).moves
    assert both["minutes"].sum() <= relaxed.intraday.max_overtime_minutes  # one limit for the agent's day


def test_a_break_on_a_dst_night_is_on_the_wall_clock():
    from staffing.intraday import roster_on_duty

    zone = "Europe/Malta"  # clocks go 02:00 -> 03:00 on 2026-03-29
    start = pd.Timestamp("2026-03-28 22:00", tz=zone)
    roster = pd.DataFrame({"agent": ["N"], "queue": ["calls"], "start": [start], "end": [start + pd.Timedelta(hours=8)],
                           "breaks": ["04:00-04:30"], "paid_hours": [8.0]})
    stamps = pd.date_range(start, start + pd.Timedelta(hours=8), freq="15min", inclusive="left")
    on_duty = roster_on_duty(roster, stamps, 900).set_index("interval_start")["planned"]
    off = on_duty[on_duty == 0].index
    assert [f"{t:%H:%M%z}" for t in off] == ["04:00+0200", "04:15+0200"]  # the break at 04:00 local time


def test_an_empty_rest_of_the_day_needs_no_moves():
    from staffing.intraday import propose_moves, staffing_gap

    reforecast, coverage, roster, config = full_time_day()
    gap = staffing_gap(reforecast.iloc[:0], coverage, config, interval_seconds=900)
    moves = propose_moves(gap, roster, config, now=pd.Timestamp("2026-03-02 21:00", tz="UTC"), interval_seconds=900)
    assert gap.empty and moves.moves.empty and moves.status == "nothing to do"


def test_time_off_takes_no_agent_away_during_its_own_break():
    """Y works 12:00-20:00 with a break at 15:00; the afternoon is over-staffed by one, so Y is
    offered time off; at 15:00 Y was on a break anyway: the gap there does not change."""
    from staffing.intraday import propose_moves

    day = pd.Timestamp("2026-03-02", tz="UTC")
    roster = pd.DataFrame({"agent": ["Y"], "queue": ["calls"], "start": [day + pd.Timedelta(hours=12)],
                           "end": [day + pd.Timedelta(hours=20)], "breaks": ["15:00-15:30"], "paid_hours": [8.0]})
    stamps = pd.date_range(day + pd.Timedelta(hours=12), day + pd.Timedelta(hours=20), freq="15min", inclusive="left")
    gap = one_agent_gap(stamps, {stamps[0]}).assign(agents_planned=2.0, agents_short=0.0, agents_over=1.0)
    gap.loc[0, ["agents_needed", "agents_planned", "agents_short", "agents_over"]] = [3, 2.0, 1.0, 0.0]
    moves = propose_moves(gap, roster, Config.model_validate({"site": {"timezone": "UTC"}}), now=stamps[0],
                          interval_seconds=900)
    assert moves.moves["move"].tolist() == ["time off"]
    after = moves.gap_after.set_index("interval_start")["agents_planned"]
    left = moves.moves["start"].iloc[0]
    assert left <= day + pd.Timedelta(hours=15)  # the time off covers the break
    assert after[day + pd.Timedelta(hours=15)] == 2.0 and after[day + pd.Timedelta(hours=16)] == 1.0
