"""The output-folder contract (README "Output folders"): ``--out`` may name a new path, an
empty folder or an earlier Shiftcast output, and nothing else; names round-trip through
the files the tool writes and reads; the queue names of the data and of the config are
matched or reported. Every case of issue 10, each in a temp folder."""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import core.output as output
from conftest import DATA, run_cli
from shiftcast.cli import main
from core.errors import InputError
from core.output import check_out_folder, excel_bytes, guard, unguard, write_folder
from core.readers import read_table

CONFIG = DATA / "shiftcast.toml"


def _main(capsys, *args: object) -> tuple[int, str]:
    """``shiftcast ARGS`` in this process: exit code and stderr."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    return stop.value.code, capsys.readouterr().err


def _forecast(path: Path, queues: tuple[str, ...] = ("chat_en",)) -> Path:
    """A two-interval forecast (Frame A) for ``queues``, written as the tool writes it."""
    frame = pd.DataFrame([{"queue": q, "interval_start": f"2026-06-01T10:{m}:00+02:00", "volume": 12.0,
                           "aht_seconds": 240.0} for q in queues for m in ("00", "15")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(output.csv_text(frame))
    return path


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


def _refused(code: int, err: str, reason: str) -> None:
    assert code == 2 and err.count("\n") == 1 and err.startswith("shiftcast: error: --out "), err
    assert reason in err and "nothing was written" in err and "Traceback" not in err


# ------------------------------------------------------------------ what --out may name


def test_out_naming_the_folder_of_the_inputs_is_refused_and_keeps_every_file(tmp_path):
    """The red team's case: forecast --history hx/hist.csv --config hx/base.toml --out hx."""
    hx = tmp_path / "hx"
    hx.mkdir()
    (hx / "hist.csv").write_text("queue,interval_start,volume\nchat_en,2026-06-01T10:00:00+02:00,3\n")
    (hx / "base.toml").write_text(CONFIG.read_text())
    (hx / "notes.txt").write_text("mine")
    before = _files(hx)
    done = run_cli("forecast", "--history", str(hx / "hist.csv"), "--config", str(hx / "base.toml"), "--out", str(hx))
    _refused(done.returncode, done.stderr, f"holds the input {hx / 'hist.csv'}")
    assert _files(hx) == before


def test_a_folder_of_other_files_is_refused_even_when_it_holds_no_input(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    code, err = _main(capsys, "staff", "--forecast", _forecast(tmp_path / "in" / "f.csv"), "--out", mine)
    _refused(code, err, "holds files that are not a Shiftcast output (notes.txt) and no Shiftcast run.json")
    assert _files(mine) == {"notes.txt": "mine"}


def test_the_home_folder_and_the_root_are_refused(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # Path.home(); an empty home is still refused
    forecast = _forecast(tmp_path / "in" / "f.csv")
    _refused(*_main(capsys, "staff", "--forecast", forecast, "--out", home), "is your home folder")
    _refused(*_main(capsys, "staff", "--forecast", forecast, "--out", "/"), "is the root folder")
    assert list(home.iterdir()) == []


def test_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "requirements.csv"
    target.write_text("a file")
    code, err = _main(capsys, "staff", "--forecast", _forecast(tmp_path / "in" / "f.csv"), "--out", target)
    _refused(code, err, "is a file, not a folder")
    assert target.read_text() == "a file"


def test_a_new_path_an_empty_folder_and_an_earlier_output_are_written(tmp_path, capsys):
    forecast = _forecast(tmp_path / "in" / "f.csv")
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "new" / "deeper", tmp_path / "empty", tmp_path / "empty"):  # the last: an earlier output
        code, err = _main(capsys, "staff", "--forecast", forecast, "--config", CONFIG, "--out", out)
        assert code == 0, err
        record = json.loads((out / "run.json").read_text())
        assert record["format"] == "shiftcast-run/1" and record["command"] == "staff"
        assert record["files"] == ["requirements.csv", "run.json"]
        assert sorted(p.name for p in out.iterdir()) == ["requirements.csv", "run.json"]


def test_an_output_of_a_version_before_the_marker_is_still_replaced(tmp_path):
    legacy = tmp_path / "plan"
    legacy.mkdir()
    for name in ("forecast.csv", "shifts.csv", "summary.json"):
        (legacy / name).write_text("old")
    write_folder(legacy, {"forecast.csv": "new"})
    assert _files(legacy)["forecast.csv"] == "new" and "shifts.csv" not in _files(legacy)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real"
    write_folder(real, {"a.txt": "1"})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    write_folder(link, {"b.txt": "2"})
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert sorted(p.name for p in real.iterdir()) == ["b.txt", "run.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # no temp entry left
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "later")
    write_folder(dangling, {"c.txt": "3"})
    assert dangling.is_symlink() and (tmp_path / "later" / "c.txt").read_text() == "3"


def test_the_current_folder_is_written_in_place(tmp_path, monkeypatch):
    """Swapping the current folder away would leave the user's shell in a deleted folder."""
    here = tmp_path / "here"
    write_folder(here, {"a.txt": "1", "b.txt": "1"})
    monkeypatch.chdir(here)
    inode = here.stat().st_ino
    write_folder(".", {"a.txt": "2"})
    assert here.stat().st_ino == inode and Path.cwd() == here
    assert _files(here)["a.txt"] == "2" and "b.txt" not in _files(here)  # the previous run's other file went
    assert json.loads((here / "run.json").read_text())["files"] == ["a.txt", "run.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]


def test_a_mount_point_is_written_in_place(tmp_path, monkeypatch):
    mount = tmp_path / "mnt"
    write_folder(mount, {"a.txt": "1"})
    inode = mount.stat().st_ino
    monkeypatch.setattr(output.os.path, "ismount", lambda path: Path(path) == mount)  # a mount cannot be renamed
    write_folder(mount, {"a.txt": "2"})
    assert mount.stat().st_ino == inode and _files(mount)["a.txt"] == "2"


def test_a_failed_in_place_write_keeps_the_previous_files(tmp_path, monkeypatch):
    here = tmp_path / "here"
    write_folder(here, {"a.txt": "1"})
    before = _files(here)
    monkeypatch.chdir(here)
    with pytest.raises(TypeError):
        write_folder(".", {"a.txt": "2", "bad.bin": object()})
    assert _files(here) == before


def test_a_run_record_cannot_make_the_writer_delete_outside_its_folder(tmp_path, monkeypatch):
    here = tmp_path / "here"
    write_folder(here, {"a.txt": "1"})
    (tmp_path / "victim.txt").write_text("mine")
    record = json.loads((here / "run.json").read_text()) | {"files": ["../victim.txt", "a.txt", "run.json"]}
    (here / "run.json").write_text(json.dumps(record))
    monkeypatch.chdir(here)
    with pytest.raises(InputError, match="holds files that are not a Shiftcast output"):  # a crafted record
        write_folder(".", {"b.txt": "2"})
    assert (tmp_path / "victim.txt").read_text() == "mine"
    for files in ("ab", [1], ["a\x00b"], [["x"]]):  # not a list of plain names: not a Shiftcast record
        (here / "run.json").write_text(json.dumps(record | {"files": files}))
        with pytest.raises(InputError):
            write_folder(".", {"b.txt": "2"})
        assert _files(here)["a.txt"] == "1"


def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    forecast = _forecast(tmp_path / "in" / "f.csv")
    _refused(*_main(capsys, "staff", "--forecast", forecast, "--out", blocker / "out"), f"lies under the file {blocker}")
    assert blocker.read_text() == "a file where a folder should be"


def test_a_read_only_place_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """Root ignores permission bits, so the check's view of them is what is tested here."""
    monkeypatch.setattr(output.os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="cannot be written"):
        check_out_folder(tmp_path / "out")


def test_the_parent_folder_is_flushed_after_the_swap(tmp_path, monkeypatch):
    flushed = []
    monkeypatch.setattr(output, "_fsync_folder", flushed.append)
    write_folder(tmp_path / "run", {"a.txt": "1"})
    write_folder(tmp_path / "run", {"a.txt": "2"})
    assert flushed == [tmp_path, tmp_path]


# ------------------------------------------------------------------ names round-trip


@given(st.text(max_size=12))
def test_the_formula_guard_is_undone_exactly(text):
    assert unguard(guard(text)) == text
    guarded = guard(text)
    assert not guarded or (guarded[0] not in "=+-@\x7f" and ord(guarded[0]) >= 0x20)  # a spreadsheet shows text


def test_a_queue_named_like_a_formula_keeps_its_name_and_its_settings(tmp_path, capsys):
    """``@twitter`` was written as ``'@twitter`` and staffed with the defaults when read back."""
    config = tmp_path / "shiftcast.toml"
    config.write_text('[queues."@twitter"]\nchannel = "chat"\nconcurrency = 3\n')
    forecast = _forecast(tmp_path / "fc" / "forecast.csv", queues=("@twitter",))
    assert "'@twitter" in forecast.read_text()  # guarded for spreadsheets
    code, err = _main(capsys, "staff", "--forecast", forecast, "--config", config, "--out", tmp_path / "staff")
    assert code == 0, err
    table = read_table(tmp_path / "staff" / "requirements.csv")
    assert set(table["queue"]) == {"@twitter"} and set(table["settings_source"]) == {"queues.@twitter"}
    assert "note:" not in err


def test_control_characters_cannot_smuggle_a_formula_into_excel():
    names = pd.DataFrame({"agent": ["\x01=3+3", "\x00=11+11", "\x1f@SUM(A1)", "Ann"]})
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"s": names})))["s"]
    values = [sheet.cell(row=r, column=1).value for r in range(2, 6)]
    assert values == ["'=3+3", "'=11+11", "'@SUM(A1)", "Ann"]
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 6))


# ------------------------------------------------------------------ queue names against the config


def test_a_queue_that_misses_its_table_is_named_with_a_near_match(tmp_path, capsys):
    """``chat_en `` (trailing space) silently got [queue_defaults]: 680 shifts instead of 408."""
    forecast = _forecast(tmp_path / "in" / "f.csv", queues=("chat_en ", "voice_en"))
    code, err = _main(capsys, "staff", "--forecast", forecast, "--config", CONFIG, "--out", tmp_path / "o")
    assert code == 0, err
    missing = "queue 'chat_en ' has no [queues.chat_en ] table, so [queue_defaults] apply; did you mean 'chat_en'?"
    unused = "[queues.chat_zh] matches no queue in the data and is unused"
    assert f"note: {missing}\n" in err and f"note: {unused}\n" in err
    notes = json.loads((tmp_path / "o" / "run.json").read_text())["notes"]
    assert missing in notes and unused in notes and len(notes) == 4  # chat_en, chat_zh, email unused too


# ------------------------------------------------------------------ validate before any work


def test_shift_rules_that_do_not_fit_the_interval_keep_the_last_good_plan(tmp_path, capsys):
    """``[shifts] lengths_hours = [7.9]`` used to exit 1 and replace the plan with a partial one."""
    previous = tmp_path / "victim"
    write_folder(previous, {"shifts.csv": "good", "roster.csv": "good"}, command="plan")
    before = _files(previous)
    config = tmp_path / "bad.toml"
    config.write_text(CONFIG.read_text().replace("lengths_hours = [8] ", "lengths_hours = [7.9] "))
    assert "lengths_hours = [7.9]" in config.read_text()
    code, err = _main(capsys, "plan", "--history", DATA / "sample_history.csv.gz", "--config", config,
                      "--agents", DATA / "agents.csv", "--out", previous)
    assert code == 2 and err.count("\n") == 1 and "7.9" in err, err
    assert _files(previous) == before


def test_files_the_user_added_to_an_earlier_output_are_never_deleted(tmp_path, capsys):
    forecast = _forecast(tmp_path / "in" / "f.csv")
    out = tmp_path / "plan"
    assert _main(capsys, "staff", "--forecast", forecast, "--out", out)[0] == 0
    (out / "notes.txt").write_text("mine")
    (out / "archive").mkdir()
    _refused(*_main(capsys, "staff", "--forecast", forecast, "--out", out),
             "holds files that are not a Shiftcast output (archive, notes.txt)")
    assert (out / "notes.txt").read_text() == "mine" and (out / "archive").is_dir()


def test_a_sqlite_database_inside_out_is_an_input(tmp_path, capsys):
    out = tmp_path / "out"
    write_folder(out, {"requirements.csv": "x"})
    url = f"sqlite:///{out / 'calls'}"
    _refused(*_main(capsys, "forecast", "--history", url, "--query", "select 1", "--out", out), f"holds the input {url}")


def test_generic_names_alone_are_not_an_older_shiftcast_output(tmp_path):
    other = tmp_path / "site"
    other.mkdir()
    (other / "report.html").write_text("someone else's report")
    with pytest.raises(InputError, match=r"holds files that are not a Shiftcast output \(report.html\)"):
        write_folder(other, {"a.txt": "1"})


def test_a_name_too_long_for_the_staging_folder_and_a_symlink_loop_are_refused(tmp_path):
    with pytest.raises(InputError, match="has a name of 250 bytes"):
        check_out_folder(tmp_path / ("b" * 250))
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="is a symlink that loops"):
        check_out_folder(loop)


def test_leftovers_of_a_killed_in_place_write_neither_block_nor_stay(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    leftover = here / f".requirements.csv.tmp-{socket.gethostname()}-999999999-0123abcd"  # no such process
    leftover.write_text("half")
    monkeypatch.chdir(here)
    write_folder(".", {"a.txt": "1"})
    assert sorted(p.name for p in here.iterdir()) == ["a.txt", "run.json"]


def test_a_users_own_file_keeps_a_leading_apostrophe(tmp_path):
    """Only Shiftcast's own outputs carry the guard: ``'=x`` in a user's history stays ``'=x``."""
    mine = tmp_path / "history.csv"
    mine.write_text("queue,interval_start,volume\n'=x,2026-06-01T10:00:00+02:00,3\n=x,2026-06-01T10:00:00+02:00,4\n")
    assert read_table(mine)["queue"].tolist() == ["'=x", "=x"]
    write_folder(tmp_path / "out", {"forecast.csv": pd.read_csv(mine)})
    assert read_table(tmp_path / "out" / "forecast.csv")["queue"].tolist() == ["'=x", "=x"]  # guarded, then undone


def test_a_sqlite_url_with_a_database_suffix_is_read_as_a_url(tmp_path):
    import sqlite3

    from forecast.ingest import read_source

    with sqlite3.connect(tmp_path / "h.db") as connection:
        pd.DataFrame({"queue": ["q"], "volume": [3]}).to_sql("calls", connection, index=False)
    assert read_source(f"sqlite:///{tmp_path / 'h.db'}", query="select * from calls")["volume"].tolist() == [3]
