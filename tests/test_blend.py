"""E-mail blended into live agents' idle time: the deferred LP, and a desk checked by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.schema import validate_agents, validate_frame_a
from staffing.blend import blend_deferred
from staffing.deferred import dedicated_with_help, deferred_kpis, deferred_staffing
from staffing.skillgroups import desk_groups, requirements_by_group

INTERVAL_SECONDS = 1800


def test_dedicated_with_help_finishes_every_contact_in_time_with_fewer_agents():
    starts = np.arange(96) * 1800.0  # two days of half hours
    volume = 6 + 5 * np.sin(np.arange(96) / 48 * np.pi) ** 2
    aht = np.full(96, 600.0)
    model = dict(response_hours=8, max_occupancy=0.9)
    alone = dedicated_with_help(starts, volume, aht, 1800, np.zeros(96), **model)
    spread = deferred_staffing(starts, volume, aht, 1800, **model)["agents_required"]
    assert alone.sum() <= spread.sum()  # never more than spreading each interval's work evenly
    assert (deferred_kpis(starts, volume, aht, 1800, alone, **model)["service_level"] == 1).all()

    help_seconds = np.where(np.arange(96) % 48 < 12, 2 * 1800 * 0.9, 0.0)  # two agents' worth, six hours a day
    helped = dedicated_with_help(starts, volume, aht, 1800, help_seconds, **model)
    on_time = deferred_kpis(starts, volume, aht, 1800, helped + help_seconds / (1800 * 0.9), **model)
    assert (on_time["service_level"] == 1).all()
    # the help replaces about its own worth of dedicated agents (less what whole agents round up)
    assert alone.sum() - helped.sum() == pytest.approx(help_seconds.sum() / (1800 * 0.9), abs=8)
    assert dedicated_with_help(starts, volume, aht, 1800, np.full(96, 1e6), **model).sum() == 0

    # a response time that is not a whole number of intervals: 1.1 hours on 15-minute intervals
    quarter = np.arange(96) * 900.0
    odd = dict(response_hours=1.1, max_occupancy=0.9)
    agents = dedicated_with_help(quarter, volume, aht, 900, np.zeros(96), **odd)
    assert (deferred_kpis(quarter, volume, aht, 900, agents, **odd)["service_level"] == 1).all()
    assert agents.sum() <= deferred_staffing(quarter, volume, aht, 900, **odd)["agents_required"].sum()
    assert agents.max() <= 2 * deferred_staffing(quarter, volume, aht, 900, **odd)["agents_required"].max()


def blended_desk() -> tuple[pd.DataFrame, Config, pd.DataFrame]:
    """A day of calls peaking at 8 Erlangs in the afternoon and quiet at night, and e-mail
    answered within 8 hours; 18 of the 24 phone agents also answer e-mail, 6 only e-mail."""
    hours = np.arange(48) / 2
    calls = 0.6 + 7.4 * np.exp(-((hours - 14) ** 2) / 18)  # Erlangs
    stamps = pd.date_range("2026-03-02", periods=48, freq="30min", tz="Europe/Malta")
    forecast = pd.concat([
        pd.DataFrame({"queue": "calls", "interval_start": stamps, "volume": calls * INTERVAL_SECONDS / 300,
                      "aht_seconds": 300.0}),
        pd.DataFrame({"queue": "mail", "interval_start": stamps, "volume": 8.0, "aht_seconds": 600.0}),
    ], ignore_index=True)
    config = Config.model_validate({"queue_defaults": {"max_occupancy": None, "shrinkage": 0.3},
                                    "queues": {"mail": {"channel": "email", "response_hours": 8,
                                                        "max_occupancy": 0.9}}})
    rows = [(f"phone-{i}", "calls;mail" if i < 18 else "calls") for i in range(24)] + \
        [(f"mail-{i}", "mail") for i in range(6)]
    agents = pd.DataFrame(rows, columns=["agent", "skills"]).assign(contract_hours_per_week=40, min_shifts=0,
                                                                    max_shifts=5)
    return validate_frame_a(forecast, "Europe/Malta"), config, validate_agents(agents)


def test_blending_needs_fewer_dedicated_e_mail_agents_and_the_simulation_meets_every_target():
    forecast, config, agents = blended_desk()
    desk = desk_groups(agents, config, ["calls", "mail"])
    by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS)
    blend = blend_deferred(forecast, config, desk, agents, by_group, interval_seconds=INTERVAL_SECONDS)
    assert blend is not None and blend.shares["calls"] == (pytest.approx(18 / 24), ("mail",))
    mail = blend.deferred
    assert mail["agents_required"].sum() <= 0.9 * mail["agents_unblended"].sum()  # clearly fewer
    assert (mail["service_level"] == 1).all()  # the fluid model: every e-mail within 8 hours
    assert (blend.blending["agents_blending"] > 0).sum() >= 12  # the quiet hours blend

    simulated = blend.simulated.merge(forecast, on=["queue", "interval_start"])
    calls = simulated[simulated["queue"] == "calls"]
    day = (calls["service_level_simulated"] * calls["volume"]).sum() / calls["volume"].sum()
    assert day >= 0.8 - 0.02, day  # the calls keep their target over the day
    clearly_short = calls["service_level_simulated"] + 2 * calls["service_level_simulated_se"] < 0.8
    assert clearly_short.mean() <= 0.1, calls.loc[clearly_short, "interval_start"].tolist()
    mails = simulated[simulated["queue"] == "mail"]
    assert (mails["service_level_simulated"] * mails["volume"]).sum() / mails["volume"].sum() >= 0.95


def test_no_blending_without_live_agents_who_have_the_deferred_skill():
    forecast, config, agents = blended_desk()
    agents = agents.assign(skills=[[s for s in skills if s != "mail"] or ["mail"] for skills in agents["skills"]])
    desk = desk_groups(agents, config, ["calls", "mail"])
    by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS, check=False)
    assert blend_deferred(forecast, config, desk, agents, by_group, interval_seconds=INTERVAL_SECONDS) is None


def test_staff_with_agents_blends_e_mail_unless_the_config_says_not_to(tmp_path, capsys):
    from shiftcast.cli import main

    forecast, _, agents = blended_desk()
    forecast.assign(interval_start=forecast["interval_start"].map(pd.Timestamp.isoformat)).to_csv(
        tmp_path / "forecast.csv", index=False)
    agents.assign(skills=agents["skills"].str.join(";")).drop(columns=["languages", "unavailable_days"]).to_csv(
        tmp_path / "agents.csv", index=False)
    desk = ('[site]\ntimezone = "Europe/Malta"\n[queue_defaults]\nmax_occupancy = 0.95\nshrinkage = 0.3\n'
            '[queues.mail]\nchannel = "email"\nresponse_hours = 8\nmax_occupancy = 0.9\n')
    mail_agents = {}
    for blend in ("true", "false"):
        (tmp_path / f"{blend}.toml").write_text(desk + f"[skills]\nblend_deferred = {blend}\n")
        with pytest.raises(SystemExit) as exit_info:
            main(["staff", "--forecast", str(tmp_path / "forecast.csv"), "--config", str(tmp_path / f"{blend}.toml"),
                  "--agents", str(tmp_path / "agents.csv"), "--out", str(tmp_path / blend)])
        err = capsys.readouterr().err
        assert exit_info.value.code == 0, err
        table = pd.read_csv(tmp_path / blend / "requirements.csv")
        mail_agents[blend] = table.loc[table["queue"] == "mail", "agents_required"].sum()
        assert (tmp_path / blend / "deferred_blended.csv").exists() == (blend == "true")
        assert ("blended into live agents' idle time" in err) == (blend == "true")
    assert mail_agents["true"] < mail_agents["false"]


def test_a_deferred_queue_nobody_blends_and_live_queues_closed_at_night():
    """Social is worked only by its own agents; the calls open 08:00-20:00 while e-mail runs
    all day: every e-mail and social interval gets a simulated level, and blending still pays."""
    forecast, config, agents = blended_desk()
    hours = forecast["interval_start"].dt.hour
    forecast = forecast[(forecast["queue"] == "mail") | hours.between(8, 19)]
    social = forecast[forecast["queue"] == "mail"].assign(queue="social", volume=2.0)
    forecast = validate_frame_a(pd.concat([forecast, social], ignore_index=True), "Europe/Malta")
    config = config.model_copy(update={"queues": {**config.queues, "social": config.queues["mail"]}})
    agents = pd.concat([agents, agents.tail(2).assign(agent=["social-0", "social-1"], skills=[["social"]] * 2)],
                       ignore_index=True)
    desk = desk_groups(agents, config, ["calls", "mail", "social"])
    by_group = requirements_by_group(forecast, config, desk, interval_seconds=INTERVAL_SECONDS, check=False)
    blend = blend_deferred(forecast, config, desk, agents, by_group, interval_seconds=INTERVAL_SECONDS)
    simulated = blend.simulated.groupby("queue")["interval_start"].count()
    assert simulated.to_dict() == {"calls": 24, "mail": 48, "social": 48}
    social_rows = blend.deferred[blend.deferred["queue"] == "social"]
    assert (social_rows["blended_agents"] == 0).all() and social_rows["agents_required"].sum() > 0
    mail = blend.deferred[blend.deferred["queue"] == "mail"]
    assert mail["agents_required"].sum() < mail["agents_unblended"].sum()
