"""What-if scenarios re-staff the same forecast under changed volume, AHT and targets."""

import pandas as pd
import pytest

from core.config import Config
from core.errors import InputError
from core.schema import validate_frame_a
from staffing.requirements import requirements
from staffing.whatif import WhatIf, apply_what_ifs


@pytest.fixture
def forecast():
    times = pd.date_range("2026-06-01", periods=2, freq="30min", tz="UTC")
    return validate_frame_a(pd.DataFrame({
        "queue": ["a", "a", "b", "b"], "interval_start": list(times) * 2, "volume": [100.0, 50.0, 100.0, 50.0],
        "aht_seconds": 180.0, "volume_p10": [80.0, 40, 80, 40], "volume_p90": [120.0, 60, 120, 60]}), "UTC")


def test_only_the_named_queue_changes(forecast):
    config = Config.model_validate({"queue_defaults": {"max_occupancy": None}})
    changed, changed_config = apply_what_ifs(forecast, config, {"a": WhatIf(volume_change=0.1, aht_change=0.2)})
    a, b = changed[changed.queue == "a"], changed[changed.queue == "b"]
    assert a["volume"].tolist() == pytest.approx([110, 55]) and a["volume_p90"].tolist() == pytest.approx([132, 66])
    assert a["aht_seconds"].tolist() == pytest.approx([216, 216])
    assert b["volume"].tolist() == [100, 50]
    assert forecast.loc[0, "volume"] == 100  # the input is not modified
    base = requirements(forecast, config, interval_seconds=1800)
    scenario = requirements(changed, changed_config, interval_seconds=1800)
    assert (scenario[scenario.queue == "a"]["agents_required"].to_numpy() > base[base.queue == "a"]["agents_required"].to_numpy()).all()
    assert scenario[scenario.queue == "b"]["agents_required"].tolist() == base[base.queue == "b"]["agents_required"].tolist()


def test_a_stricter_target_needs_more_agents(forecast):
    config = Config()
    _, stricter = apply_what_ifs(forecast, config, {"a": WhatIf(settings={"service_level": 0.9, "answer_seconds": 10})})
    assert stricter.queue("a")[0].service_level == 0.9 and stricter.queue("a")[1] == "queues.a"
    assert stricter.queue("b")[1] == "queue_defaults"
    more = requirements(forecast, stricter, interval_seconds=1800)
    base = requirements(forecast, config, interval_seconds=1800)
    assert more["agents_required"].iloc[0] > base["agents_required"].iloc[0]


def test_bad_scenarios_are_clear_errors(forecast):
    with pytest.raises(InputError, match=r"queue a: shrinkage = 1.0 is invalid: Input should be less than 1"):
        apply_what_ifs(forecast, Config(), {"a": WhatIf(settings={"shrinkage": 1.0})})
    with pytest.raises(InputError, match=r"changes must be above -100%"):
        apply_what_ifs(forecast, Config(), {"a": WhatIf(volume_change=-1.0)})


def test_every_bad_setting_of_a_scenario_is_named_at_once(forecast):
    with pytest.raises(InputError) as error:
        apply_what_ifs(forecast, Config(), {"a": WhatIf(settings={"shrinkage": 1.0, "service_level": 0})})
    assert str(error.value).count(" is invalid: ") == 2
    assert "shrinkage = 1.0" in str(error.value) and "service_level = 0" in str(error.value)


def test_a_what_if_restaffs_only_the_queue_it_changes(forecast, monkeypatch):
    """The work of a what-if: one staffing call over the changed queue's rows, none for a
    scenario left at its start values; the result equals staffing everything again."""
    import staffing.whatif as whatif

    config = Config()
    planned = requirements(forecast, config, interval_seconds=1800)
    staffed_rows = []

    def counting(frame, *args, **kwargs):
        staffed_rows.append(len(frame))
        return requirements(frame, *args, **kwargs)

    monkeypatch.setattr(whatif, "requirements", counting)
    what_ifs = {"a": WhatIf(volume_change=0.5), "b": WhatIf(settings={"service_level": config.queue("b")[0].service_level})}
    table, changed_config, changed = whatif.restaff(forecast, config, planned, what_ifs, interval_seconds=1800)
    assert changed == ["a"] and staffed_rows == [2]
    everything = requirements(*apply_what_ifs(forecast, config, {"a": what_ifs["a"]}), interval_seconds=1800)
    pd.testing.assert_frame_equal(table, everything)
    assert table.loc[table.queue == "a", "agents_required"].sum() > planned.loc[planned.queue == "a", "agents_required"].sum()

    staffed_rows.clear()
    same, _, changed = whatif.restaff(forecast, config, planned, {"a": WhatIf(aht_change=0.0)}, interval_seconds=1800)
    assert changed == [] and staffed_rows == [] and same is planned
