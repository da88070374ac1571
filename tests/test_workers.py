"""shiftcast.workers: every queue's outcome from local worker processes, when a task raises
and when a worker dies (SIGKILL, as the out-of-memory killer does)."""

from __future__ import annotations

import pytest
from worker_faults import echo, task

from shiftcast.workers import _exit_status, run_tasks

QUEUES = {f"q{i}": f"fine {i}" for i in range(6)}


def _outcomes_of(function, parts: dict[str, str], folder, workers: int = 2) -> dict:
    return {outcome.queue: outcome for outcome in run_tasks(function, parts, str(folder), workers=workers)}


def _outcomes(parts: dict[str, str], folder, workers: int = 2) -> dict:
    return _outcomes_of(task, parts, folder, workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_every_queue_has_its_value_or_its_own_error(tmp_path, workers):
    outcomes = _outcomes({**QUEUES, "bad": "raise"}, tmp_path, workers)
    assert {q: o.value for q, o in outcomes.items() if q != "bad"} == {q: p.upper() for q, p in QUEUES.items()}
    assert outcomes["bad"].error == "ValueError: this queue is bad" and outcomes["bad"].value is None
    assert not any(o.note for o in outcomes.values())


def test_a_worker_that_dies_once_costs_only_the_retry_of_the_queues_it_and_its_neighbour_ran(tmp_path):
    outcomes = _outcomes({"q0": "fine 0", "flaky": "die once", **{q: p for q, p in QUEUES.items() if q != "q0"}},
                         tmp_path)
    assert {q: o.value for q, o in outcomes.items()} == {**{q: p.upper() for q, p in QUEUES.items()}, "flaky": "DIE ONCE"}
    assert not any(o.error for o in outcomes.values())
    noted = {q for q, o in outcomes.items() if o.note}
    # the queues running when it died (one per worker), and one the other worker may start
    # before the broken pool is torn down
    assert "flaky" in noted and len(noted) <= 3
    assert outcomes["flaky"].note == ("flaky: a worker process died while it ran beside other queues; "
                                      "retried alone, it finished")


def test_a_queue_whose_worker_dies_again_alone_fails_and_says_why_while_the_others_finish(tmp_path):
    outcomes = _outcomes({"doomed": "die", **QUEUES, "bad": "raise"}, tmp_path)
    assert outcomes["doomed"].error == (
        "the worker process running it died, and again when retried alone (killed by SIGKILL, as the system does "
        "when it runs out of memory); plan it with fewer --workers or on a machine with more memory")
    assert {q: o.value for q, o in outcomes.items() if q in QUEUES} == {q: p.upper() for q, p in QUEUES.items()}
    assert outcomes["bad"].error == "ValueError: this queue is bad"


def test_thousands_of_queues_with_long_names_do_not_fill_a_pipe_and_hang(tmp_path):
    """Each worker reports every task it starts; 3,000 reports must not block the workers."""
    parts = {f"desk-{i:05d}-" + "x" * 60: f"part {i}" for i in range(3000)}
    outcomes = _outcomes_of(echo, parts, tmp_path)
    assert {q: o.value for q, o in outcomes.items()} == parts


def test_an_exit_status_reads_as_words():
    assert _exit_status(-9) == "killed by SIGKILL, as the system does when it runs out of memory"
    assert _exit_status(-15) == "killed by SIGTERM" and _exit_status(1) == "exit code 1"
    assert _exit_status(-40) == "killed by signal 40"  # a real-time signal has no name
