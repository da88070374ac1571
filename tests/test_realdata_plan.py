"""``shiftcast plan`` on a real desk with closed hours (issue 12): the fpp3 bank's calls,
weekdays 07:00-21:00 in New York. Skipped without ../shared/data/real."""

import json

import pandas as pd
import pytest

from tests.run_sources import ANONYMOUS_BANK_CONFIG, ANONYMOUS_BANK_LOG, FPP3_CONFIG, FPP3_FILE, plan_real


@pytest.mark.realdata
def test_a_weekday_desk_gets_a_shift_plan_for_its_open_hours(real_data, tmp_path):
    out = plan_real(real_data.joinpath(*FPP3_FILE), FPP3_CONFIG, tmp_path, "--interval", "30min")
    record = json.loads((out / "run.json").read_text())
    assert record["failures"] == {} and record["missing"] == {}
    assert record["shift_plan"]["week_start"].startswith("2003-10-27T00:00:00")  # Monday, the forecast's first day
    coverage = pd.read_csv(out / "coverage.csv")
    assert len(coverage) == 7 * 48 and coverage["shortfall"].sum() == 0
    stamps = pd.to_datetime(coverage["interval_start"], utc=True).dt.tz_convert("America/New_York")
    minutes = stamps.dt.hour * 60 + stamps.dt.minute
    closed = (stamps.dt.day_of_week >= 5) | (minutes < 7 * 60) | (minutes > 21 * 60)  # the data's last bin: 21:00
    assert (coverage.loc[closed, "required"] == 0).all() and (coverage.loc[~closed, "required"] > 0).all()


@pytest.mark.realdata
def test_the_anonymous_bank_call_log_gets_a_plan_and_a_roster_with_israeli_holidays(real_data, tmp_path):
    """Every queue failed with country IL before (SARIMAX's Schur error), exit 2, no plan."""
    queues = "AA;IN;NE;NW;PE;PS;TT"
    team = "agent,contract_hours_per_week,min_shifts,max_shifts,skills,languages,unavailable_days\n" + "".join(
        f"Agent {i},40,4,5,{queues},,\n" for i in range(80))
    (tmp_path / "agents.csv").write_text(team)
    out = plan_real(real_data.joinpath(*ANONYMOUS_BANK_LOG), ANONYMOUS_BANK_CONFIG, tmp_path,
                    "--agents", str(tmp_path / "agents.csv"))
    record = json.loads((out / "run.json").read_text())
    assert record["failures"] == {} and record["missing"] == {}
    assert record["shift_plan"]["shortfall_agent_hours"] == 0
    roster = pd.read_csv(out / "roster.csv")
    assert len(roster) > 0 and record["roster"]["shifts_assigned"] == len(roster)
