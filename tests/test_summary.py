"""Per-queue KPIs are weighted by contacts, answered contacts and agents."""

import numpy as np
import pandas as pd
import pytest

from staffing.summary import queue_kpis


def test_weights_follow_the_contacts():
    table = pd.DataFrame({
        "queue": ["q", "q", "r"], "volume": [100.0, 0.0, 10.0],
        "service_level": [0.8, 1.0, 0.9], "asa_seconds": [10.0, 0.0, 5.0], "occupancy": [0.9, 0.0, 0.5],
        "abandon_rate": [0.1, np.nan, np.nan], "agents_required": [10, 0, 2], "agents_scheduled": [14, 0, 3],
    })
    got = queue_kpis(table, 30).set_index("queue")
    assert got.loc["q", "service_level"] == pytest.approx(0.8)  # the empty interval does not count
    assert got.loc["q", "occupancy"] == pytest.approx(0.9)
    assert got.loc["q", "abandon_rate"] == pytest.approx(0.1)
    assert got.loc["q", "agent_hours_scheduled"] == pytest.approx(7.0)
    assert got.loc["r", "peak_agents_scheduled"] == 3 and np.isnan(got.loc["r", "abandon_rate"])
