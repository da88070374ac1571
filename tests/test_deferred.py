"""Deferred work: every contact answered within the response window, backlog carried."""

import numpy as np
import pytest

from staffing.deferred import deferred_staffing

HOUR = 3600.0


def test_work_spreads_over_the_response_window():
    starts = np.arange(12) * HOUR
    volume = np.zeros(12)
    volume[2] = 30  # 30 e-mails x 1200 s = 10 agent-hours, due within 5 hours
    got = deferred_staffing(starts, volume, np.full(12, 1200.0), HOUR, response_hours=5, max_occupancy=1.0)
    assert got["agents_required_fractional"].tolist() == pytest.approx([0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0])
    assert got["service_level"][2] == 1.0
    assert got["backlog_seconds"][6] == pytest.approx(0.0)


def test_closed_hours_carry_work_into_the_next_open_interval():
    # open 08:00-10:00 on two days; mail arriving at 09:00 with a 1-hour target
    starts = np.array([8, 9, 32, 33]) * HOUR
    got = deferred_staffing(starts, np.array([0.0, 6.0, 0.0, 0.0]), np.full(4, 600.0), HOUR,
                            response_hours=1, max_occupancy=1.0)
    assert got["agents_required"].tolist() == [0, 1, 0, 0]
    assert got["service_level"][1] == 1.0


def test_understaffing_shows_up_as_backlog_and_late_answers():
    starts = np.arange(6) * HOUR
    volume = np.array([36.0, 0, 0, 0, 0, 0])  # 36 x 600 s = 6 agent-hours, due within 2 hours
    got = deferred_staffing(starts, volume, np.full(6, 600.0), HOUR, response_hours=2, max_occupancy=0.5)
    # 3 agent-hours due per hour at 50% productivity: 6 agents in each of the two hours
    assert got["agents_required"].tolist() == [6, 6, 0, 0, 0, 0]
    assert got["occupancy"][:2] == pytest.approx([0.5, 0.5])
    assert got["backlog_seconds"][0] == pytest.approx(3 * HOUR)
    assert got["service_level"][0] == 1.0 and got["asa_seconds"][0] == pytest.approx(1.5 * HOUR)
