"""The run folder's writer: one atomic swap, and the leftovers of killed runs tidied up
without touching a live run's (``core.output.write_folder``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from core.output import _exchange, write_folder

HOST = socket.gethostname()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("b")
    if not _exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system or file system cannot exchange two paths (renameat2)")
    assert (tmp_path / "a" / "x").read_text() == "b" and (tmp_path / "b" / "x").read_text() == "a"


def test_a_rewrite_leaves_only_the_new_folder(tmp_path):
    write_folder(tmp_path / "run", {"old.txt": "1"})
    write_folder(tmp_path / "run", {"new.txt": "2"})
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["new.txt", "run.json"]


def test_a_killed_runs_staging_folders_go_and_a_live_or_foreign_ones_stay(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    leftovers = {
        f".run.tmp-{HOST}-{dead}-0123abcd": False,  # killed mid-write: removed
        f".run.old-{HOST}-{dead}-89abcdef": False,  # killed between the two renames (no renameat2): put back, then replaced
        f".run.tmp-{HOST}-{alive}-0123abcd": True,  # a run still writing: kept
        f".run.tmp-another-host-{dead}-0123abcd": True,  # another machine's (shared folder): kept
        f".runner.tmp-{HOST}-{dead}-0123abcd": True,  # another target's: kept
        ".run.tmp-notes": True,  # not a staging name: kept
    }
    for name in leftovers:
        (tmp_path / name).mkdir()
        (tmp_path / name / "forecast.csv").write_text("half")
    write_folder(tmp_path / "run", {"a.txt": "x"})
    assert {p.name for p in tmp_path.iterdir()} == {"run"} | {name for name, kept in leftovers.items() if kept}


def test_a_run_killed_between_the_two_renames_gets_its_previous_folder_back(tmp_path):
    retired = tmp_path / f".run.old-{HOST}-{_dead_pid()}-89abcdef"  # the previous result, moved aside; no run/
    retired.mkdir()
    (retired / "forecast.csv").write_text("previous")
    with pytest.raises(TypeError):  # the next write fails: the previous result must still be there
        write_folder(tmp_path / "run", {"a.txt": "x", "bad.bin": object()})
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert (tmp_path / "run" / "forecast.csv").read_text() == "previous"
