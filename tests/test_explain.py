"""The explain view's arithmetic is the same as the staffing's."""

import pytest

from core.config import QueueSettings
from core.errors import InputError
from staffing.explain import explain_interval


def test_textbook_interval_step_by_step():
    got = explain_interval(100, 180, 1800, QueueSettings(max_occupancy=None, shrinkage=0.3))
    assert got.traffic_erlangs == pytest.approx(10.0)
    assert (got.agents_required, got.agents_scheduled) == (14, 20)
    assert got.headcounts["agents"].tolist() == [13, 14, 15]
    assert got.headcounts["wait_probability"].tolist() == pytest.approx([0.2853, 0.1741, 0.1020], abs=1e-4)
    assert got.headcounts["service_level"].iloc[1] == pytest.approx(0.8884, abs=1e-4)  # test_erlang: textbook case
    assert got.headcounts["service_level"].iloc[0] < 0.8 <= got.headcounts["service_level"].iloc[1]
    assert "10.00 Erlangs" in got.steps[0] and "schedule 14 / (1 - 0.3) -> 20" in got.steps[3]
    assert "abandon_rate" not in got.headcounts


def test_chat_with_patience_explains_slots_and_abandonment():
    got = explain_interval(400, 600, 900, QueueSettings(channel="chat", concurrency=2, patience_seconds=120))
    assert got.model == "Erlang A over 2 chats per agent"
    centre = got.headcounts.set_index("agents").loc[got.agents_required]
    assert centre["occupancy"] <= 0.85 + 1e-9 and 0 <= centre["abandon_rate"] < 0.1


@pytest.mark.parametrize("channel", ["email", "social"])
def test_deferred_queues_are_not_explained_as_erlang(channel):
    with pytest.raises(InputError, match=f"got channel '{channel}', which is staffed as deferred work"):
        explain_interval(10, 400, 900, QueueSettings(channel=channel, response_hours=4))
