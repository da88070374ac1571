"""``shiftcast plan`` as a user runs it: one run folder from a multi-queue history, the same
frames on 1 or 2 local workers and on a Dask cluster, one failing queue that does not stop
the others, bad input, a killed or failing run that keeps the previous folder, and the
report rendered in headless Chromium with the network blocked.

Data: three 5-week queues of 30-minute history (tests/forecast_helpers.py) and a 10-day
one that fails (too short to forecast), two cheap models, 8-hour shifts without breaks on
the hour: one run takes a few seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from forecast_helpers import iso, make_history

from conftest import ROOT, run_cli
from forecast.ingest import ingest
from shiftcast.cli import main
from core.config import config_from_dict, load_config
from core.output import csv_text
from shiftcast.pipeline import load_plan, plan_files, run_plan, run_record
from core.readers import read_table
from shiftcast.report import build_report
from core.schema import validate_agents, validate_frame_a, validate_frame_b, validate_frame_c
from staffing.roster import assign_roster
from staffing.shiftplan import ShiftPlan
from staffing.weekplan import plan_week

CONFIG = """
[site]
name = "Test desk"
timezone = "Europe/Malta"
interval_minutes = 30

[queues.chat]
channel = "chat"
concurrency = 2
answer_seconds = 60

[queues.mail]
channel = "email"
response_hours = 4

[forecast]
horizon_days = 7
folds = 2
models = ["slot_median_8w", "top_down_ets"]

[shifts]
start_step_minutes = 60
lengths_hours = [8]
break_minutes = {}
time_limit_seconds = 20
max_agents = 500

[roster]
time_limit_seconds = 10
"""
AGENTS = "agent,contract_hours_per_week,min_shifts,max_shifts,skills,languages,unavailable_days\n" + "".join(
    f"Agent {i},40,4,5,{skills},en,\n" for i, skills in enumerate(["chat;mail", "chat", "voice", "voice;mail"] * 4))
QUEUES = {"chat": 14.0, "mail": 6.0, "voice": 10.0}  # peak contacts per 30 min
LATE = ("history of queue late must cover at least 14 days (two weeks); got 10 days from 2026-03-02; "
        "give a longer history")  # the queue that fails
COMPARED = ("forecast.csv", "requirements.csv", "backtest.csv", "peaks.csv", "heatmap.csv", "shifts.csv",
            "coverage.csv")


def _history(queues: dict[str, float], days: int = 35) -> pd.DataFrame:
    frames = [make_history(days=days, queues=(queue,), peak=peak, seed=i) for i, (queue, peak) in enumerate(queues.items())]
    return iso(pd.concat(frames, ignore_index=True))


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("desk")
    paths = {"history": folder / "history.csv", "config": folder / "shiftcast.toml", "agents": folder / "agents.csv"}
    pd.concat([_history(QUEUES), _history({"late": 5.0}, days=10)]).to_csv(paths["history"], index=False)
    paths["config"].write_text(CONFIG)
    paths["agents"].write_text(AGENTS)
    return paths


def _args(desk: dict[str, Path], out: Path, *extra: str, agents: bool = True) -> list[str]:
    named = ["--agents", str(desk["agents"])] if agents else []
    return ["plan", "--history", str(desk["history"]), "--config", str(desk["config"]), *named, "--out", str(out),
            *extra]


def _main(capsys, *args: str) -> tuple[int, str]:
    """``shiftcast ARGS`` in this process: exit code and stderr."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    return stop.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def reference_run(desk, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One local, single-process run: its folder and the finished process."""
    out = tmp_path_factory.mktemp("reference") / "run"
    return out, run_cli(*_args(desk, out, "--workers", "1"))


@pytest.fixture(scope="module")
def reference(reference_run) -> Path:
    out, done = reference_run
    assert done.returncode == 1 and (out / "run.json").is_file(), done.stderr  # 1: queue late failed
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {path.name: _sha256(path) for path in sorted(folder.iterdir())}


def _same_results(folder: Path, reference: Path) -> None:
    for name in COMPARED:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    record, expected = (json.loads((f / "run.json").read_text()) for f in (folder, reference))
    assert {q: facts["model"] for q, facts in record["queues"].items()} == {
        q: facts["model"] for q, facts in expected["queues"].items()}
    assert record["failures"] == expected["failures"] == {"late": LATE}


# ---------------------------------------------------------------------- the run folder


def test_the_run_folder_holds_every_table_valid_and_the_record(desk, reference):
    names = {path.name for path in reference.iterdir()}
    assert {"forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "roster.csv", "backtest.csv",
            "run.json", "report.html"} <= names
    zone = "Europe/Malta"
    forecast = validate_frame_a(pd.read_csv(reference / "forecast.csv"), zone, source="forecast.csv")
    requirements = validate_frame_b(pd.read_csv(reference / "requirements.csv"), zone, source="requirements.csv")
    for table in ("shifts", "coverage", "roster"):
        assert len(validate_frame_c(pd.read_csv(reference / f"{table}.csv"), table, zone))
    assert set(forecast["queue"]) == set(requirements["queue"]) == set(QUEUES)
    assert forecast["interval_start"].min() == pd.Timestamp("2026-04-06", tz=zone)  # the day after the history
    assert forecast.groupby("queue").size().eq(7 * 48).all()

    record = json.loads((reference / "run.json").read_text())
    for name in ("history", "config", "agents"):
        assert record["inputs"][name] == {"path": str(desk[name].resolve()), "sha256": _sha256(desk[name])}
    assert record["settings"]["forecast"]["models"] == ["slot_median_8w", "top_down_ets"]
    assert record["settings"]["shifts"]["lengths_hours"] == [8.0]
    assert {"python", "numpy", "pandas", "statsmodels", "plotly"} <= set(record["versions"])
    assert {"read", "queues", "shift_plan", "roster", "report"} <= set(record["seconds"])
    assert record["workers"] == 1
    for queue in QUEUES:
        facts = record["queues"][queue]
        assert facts["model"] in ("slot_median_8w", "top_down_ets", "seasonal_naive") or facts["model"].startswith("mean(")
        assert 0 <= facts["wmape"] < 1 and set(facts["seconds"]) == {"forecast_and_staff", "shift_plan", "cpu"}
    assert record["shift_plan"]["status"] == "optimal" and record["roster"]["agents"] == 16
    assert set(record["shift_plan"]["service_level"]) == set(QUEUES)

    loaded = load_plan(reference)  # what the dashboard starts from: the folder alone, not the inputs' paths
    assert loaded.history is not None and set(loaded.history["queue"]) == {*QUEUES, "late"}
    assert loaded.history.equals(validate_frame_a(pd.read_csv(desk["history"]), zone))
    assert loaded.record["queues"] == record["queues"] and loaded.warnings == ()


class _Tags(HTMLParser):
    """Every start tag's name and attributes (script bodies are not parsed as tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_report_embeds_plotly_once_and_loads_nothing(reference):
    page = (reference / "report.html").read_text()
    parser = _Tags()
    parser.feed(page)
    assert [attrs for tag, attrs in parser.tags if "src" in attrs or "href" in attrs] == []
    assert page.count("plotly.js v") == 1
    for queue in QUEUES:
        for kind in ("forecast", "heatmap", "staffing", "coverage"):
            assert f"data-chart='{kind}-{queue}'" in page


def test_a_big_run_draws_the_busiest_queues_names_the_rest_and_leaves_out_the_workbook(desk, monkeypatch):
    settings = load_config(desk["config"])
    history = ingest(_history(QUEUES), timezone=settings.site.timezone).frame
    run = run_plan(history, settings, horizon=pd.Timedelta(days=7), shifts=False)  # forecast and staff only
    assert run.shift_plan is None and set(run.requirements["queue"]) == set(QUEUES)
    page = build_report(run, chart_queues=2)
    assert "data-chart='forecast-chat'" in page and "data-chart='staffing-voice'" in page
    assert "data-chart='forecast-mail'" not in page and "data-chart='coverage-" not in page
    assert "Charts for the 2 busiest of 3 queues; left out: mail." in page
    monkeypatch.setattr("shiftcast.pipeline.WORKBOOK_MAX_ROWS", 1000)
    record = run_record(run, inputs={"history": None}, horizon="7D", workers=1, dask_scheduler=None)
    assert "plan.xlsx" not in plan_files(run, record, page)
    assert any(note.startswith("plan.xlsx left out: ") for note in record["notes"])


# -------------------------------------------------------------------- where it runs


def test_two_local_workers_give_the_same_frames(desk, reference, tmp_path, capsys):
    code, err = _main(capsys, *_args(desk, tmp_path / "run", "--workers", "2"))
    assert code == 1 and err.endswith(f"shiftcast: late failed: {LATE}\n"
                                      f"shiftcast: not written: queue late (in every table) ({LATE})\n"), err
    _same_results(tmp_path / "run", reference)


@pytest.fixture(scope="module")
def cluster():
    """A real Dask cluster: two single-threaded worker processes on loopback."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as running:
        yield running


def test_a_dask_cluster_gives_the_same_frames(desk, reference, cluster, tmp_path, capsys):
    code, err = _main(capsys, *_args(desk, tmp_path / "run", "--dask-scheduler", cluster.scheduler_address))
    assert code == 1 and err.endswith(f"shiftcast: late failed: {LATE}\n"
                                      f"shiftcast: not written: queue late (in every table) ({LATE})\n"), err
    _same_results(tmp_path / "run", reference)
    assert json.loads((tmp_path / "run" / "run.json").read_text())["dask_scheduler"] == cluster.scheduler_address


@pytest.mark.parametrize("address, reason", [("tcp://127.0.0.1:1", "Connection refused"),
                                             ("tcp://127.0.0.1", "missing port"),
                                             ("http://127.0.0.1:8786", "unknown address scheme")])
def test_a_wrong_scheduler_address_is_one_line_and_exit_2(desk, tmp_path, capsys, address, reason):
    code, err = _main(capsys, *_args(desk, tmp_path / "run", "--dask-scheduler", address))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"shiftcast: error: --dask-scheduler {address}: cannot connect (") and reason in err
    assert not (tmp_path / "run").exists()


# ---------------------------------------------------------------- failures and bad input


def test_a_failing_queue_is_reported_while_the_others_complete(reference_run):
    out, done = reference_run
    assert done.returncode == 1
    assert f"shiftcast: late failed: {LATE}\n" in done.stderr
    record = json.loads((out / "run.json").read_text())
    assert list(record["failures"]) == ["late"]
    assert record["queues"]["late"] == {"model": None, "error": record["failures"]["late"]}
    assert all(record["queues"][queue]["model"] for queue in QUEUES)
    assert set(pd.read_csv(out / "forecast.csv")["queue"]) == set(QUEUES)
    assert "late</b>: " + LATE in (out / "report.html").read_text()  # under Failures
    assert record["missing"] == {"queue late (in every table)": LATE}
    assert f"shiftcast: not written: queue late (in every table) ({LATE})\n" in done.stderr


def test_a_shift_plan_failing_in_the_work_names_every_missing_output(solo, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("shiftcast.pipeline.plan_shifts", broken)
    code, err = _main(capsys, *_args(solo, tmp_path / "run", "--workers", "1"))
    assert code == 1
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["missing"] == {
        "shifts.csv, coverage.csv": "RuntimeError: solver crashed",
        "roster.csv, unassigned.csv, agent_summary.csv": "skipped: there is no shift plan to roster the agents onto"}
    assert "shiftcast: roster failed: skipped: there is no shift plan to roster the agents onto\n" in err
    assert "shiftcast: not written: roster.csv, unassigned.csv, agent_summary.csv" in err
    assert not (tmp_path / "run" / "shifts.csv").exists()


@pytest.mark.parametrize("option, value, message", [
    ("--history", "missing.csv", "missing.csv"),
    ("--config", "bad.toml", "forecastx"),
    ("--agents", "bad_agents.csv", "missing column(s) skills"),
    ("--workers", "0", "--workers must be >= 1; got 0"),
    ("--horizon", "3D", "--horizon must be at least 7D: the shift plan covers a week; got '3D'"),
    ("--horizon", "soon", "--horizon 'soon' is not a duration"),
    ("--no-shifts", "", "--agents needs the shift plan; drop --no-shifts or --agents"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(desk, tmp_path, capsys, option, value, message):
    (tmp_path / "bad.toml").write_text(CONFIG + "\n[forecastx]\nx = 1\n")
    (tmp_path / "bad_agents.csv").write_text("agent,contract_hours_per_week,min_shifts,max_shifts\nAnn,40,4,5\n")
    args = _args(desk, tmp_path / "run")
    if value.endswith((".csv", ".toml")):
        value = str(tmp_path / value)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value] if value else [option]
    code, err = _main(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and err.startswith("shiftcast: error: ")
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "bad_agents.csv"]


# ---------------------------------------------------------- killed and failing runs


@pytest.fixture(scope="module")
def solo(desk, tmp_path_factory) -> dict[str, Path]:
    """The desk with one queue: for the tests that need a whole run but not its numbers."""
    folder = tmp_path_factory.mktemp("solo")
    _history({"voice": 10.0}).to_csv(folder / "history.csv", index=False)
    return {**desk, "history": folder / "history.csv"}


def _previous_run(reference: Path, parent: Path) -> tuple[Path, dict[str, str]]:
    out = parent / "run"
    shutil.copytree(reference, out)
    return out, _snapshot(out)


def _start(args: list[str], *, prelude: str = "", site: Path | None = None) -> subprocess.Popen:
    """``shiftcast ARGS`` in its own process group, after ``prelude`` (Python) has run; with
    ``site``, a folder on the path whose ``sitecustomize.py`` every process (workers too) runs first."""
    code = f"import sys\n{prelude}\nfrom shiftcast.cli import main\nmain(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*([str(site)] if site else []), str(ROOT)])}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, seconds: float = 60.0) -> None:
    limit = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < limit, "timed out"
        time.sleep(0.05)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL the run's main process only, as an OOM killer would."""
    process.kill()
    process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


def test_a_run_killed_while_forecasting_keeps_the_previous_folder_and_its_workers_end(desk, reference, tmp_path):
    out, before = _previous_run(reference, tmp_path)
    process = _start(_args(desk, out, "--workers", "2"))
    try:
        # the pool is up once the fork server has forked a worker
        _wait_for(lambda: any(_children(server) for server in _children(process.pid)))
        _kill(process)
        assert _snapshot(out) == before
        assert [p.name for p in tmp_path.iterdir()] == ["run"]
        _wait_for(lambda: not _group_alive(process.pid), seconds=20)  # workers and fork server end too
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


# every queue task first spends 2 s of CPU (results unchanged): a worker is then surely mid-queue
SLOW_QUEUES = """import time
import shiftcast.pipeline

plan_queue = shiftcast.pipeline.plan_queue


def slow_plan_queue(history, task):
    end = time.process_time() + 2.0
    while time.process_time() < end:
        pass
    return plan_queue(history, task)


shiftcast.pipeline.plan_queue = slow_plan_queue
"""


def test_a_worker_killed_mid_queue_costs_only_that_queues_retry(desk, reference, tmp_path):
    out, site = tmp_path / "run", tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_QUEUES)
    process = _start(_args(desk, out, "--workers", "2"), site=site)
    try:
        def busy_worker() -> int | None:  # a pool worker into a queue (the fork server's children)
            workers = [pid for server in _children(process.pid) for pid in _children(server)]
            return next((pid for pid in workers if _cpu_seconds(pid) > 0.5), None)
        _wait_for(lambda: busy_worker() is not None)
        os.kill(busy_worker(), signal.SIGKILL)
        _, err = process.communicate(timeout=120)
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 1 and err.decode().count("failed:") == 1  # only queue late, as without the kill
    _same_results(out, reference)
    notes = [note for note in json.loads((out / "run.json").read_text())["notes"] if "worker process died" in note]
    retried = {note.split(":")[0]: note.rsplit(", ", 1)[1] for note in notes
               if "a worker process died while it ran beside other queues; retried alone" in note}
    assert len(retried) == len(notes) and {"it finished"} <= set(retried.values()), notes
    assert all(outcome == ("it failed" if queue == "late" else "it finished") for queue, outcome in retried.items())


def _on_a_terminal(args: list[str]) -> tuple[int, str]:
    """``shiftcast ARGS`` with stderr on a pseudo-terminal, as a user at a shell runs it: exit
    code and everything written to the terminal."""
    import pty

    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([sys.executable, "-m", "shiftcast", *args], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    shown = bytearray()
    while True:
        try:
            block = os.read(controller, 1 << 16)
        except OSError:  # the terminal closed: the process ended
            break
        if not block:
            break
        shown += block
    os.close(controller)
    return process.wait(timeout=300), shown.decode(errors="replace")


def test_on_a_terminal_the_plan_shows_its_progress_and_quiet_shows_only_failures(desk, tmp_path):
    code, shown = _on_a_terminal(_args(desk, tmp_path / "run", "--workers", "1"))
    assert code == 1
    assert "queues: forecast, staff and plan shifts" in shown and " left " in shown  # the bar: stage, time left
    assert "/4" in shown  # queues done of all
    assert "chat: " in shown and "wrote " in shown and "shiftcast: late failed: " in shown  # the summary
    code, shown = _on_a_terminal(_args(desk, tmp_path / "quiet", "--workers", "1", "--quiet"))
    assert code == 1
    assert shown.replace("\r", "").splitlines() == [f"shiftcast: late failed: {LATE}",
                                                    f"shiftcast: not written: queue late (in every table) ({LATE})"]


SLOW_WRITE = """
import os, time, core.output as output
write = output._write_one
def slow(path, content):
    if path.name == "report.html":
        open(os.environ["MARKER"], "w").close()
        time.sleep(120)
    write(path, content)
output._write_one = slow
"""


def test_a_run_killed_while_writing_keeps_the_previous_folder_and_the_next_run_tidies_up(
        solo, reference, tmp_path, monkeypatch):
    out, before = _previous_run(reference, tmp_path)
    marker = tmp_path.parent / f"{tmp_path.name}-marker"
    monkeypatch.setenv("MARKER", str(marker))
    process = _start(_args(solo, out, "--workers", "1", "--no-shifts", agents=False), prelude=SLOW_WRITE)
    try:
        _wait_for(marker.exists)
        _kill(process)
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert _snapshot(out) == before
    staging = [p for p in tmp_path.iterdir() if p.name != "run"]
    assert len(staging) == 1 and staging[0].name.startswith(".run.tmp-")  # hidden, half written
    written = {p.name for p in staging[0].iterdir()}
    assert {"forecast.csv", "requirements.csv"} <= written and "shifts.csv" not in written  # --no-shifts

    from core.output import write_folder

    write_folder(tmp_path / "other", {"a.txt": "x"})  # another target's leftovers are not touched
    assert staging[0].exists()
    write_folder(out, {"a.txt": "x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "run"]


def test_a_run_failing_while_writing_keeps_the_previous_folder(solo, reference, tmp_path, capsys, monkeypatch):
    out, before = _previous_run(reference, tmp_path)
    import core.output as output

    write = output._write_one

    def full_disk(path, content):
        if path.name == "report.html":
            raise OSError(28, "No space left on device", str(path))
        write(path, content)

    monkeypatch.setattr(output, "_write_one", full_disk)
    monkeypatch.setattr("shiftcast.pipeline.WORKBOOK_MAX_ROWS", 0)  # skip plan.xlsx: not what is tested
    code, err = _main(capsys, *_args(solo, out, "--workers", "1"))
    assert code == 2 and err.count("\n") == 1
    assert "cannot write the run folder" in err and "No space left on device" in err
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# ------------------------------------------------------------- the shift plan, by queue


def test_roster_plan_and_the_dashboard_give_the_same_shift_plan_and_roster(desk, reference, tmp_path, capsys):
    """One plan path (``staffing.weekplan.plan_week``): ``shiftcast roster`` on the plan's own
    requirements, the dashboard's re-plan, and the plan folder agree; the dashboard's roster
    button names agents for the plan on screen, and gets the plan folder's roster."""
    loaded = load_plan(reference)
    code, err = _main(capsys, "roster", "--requirements", str(reference / "requirements.csv"), "--config",
                      str(desk["config"]), "--agents", str(desk["agents"]), "--out", str(tmp_path / "roster"))
    assert code == 0, err
    for name in ("shifts.csv", "coverage.csv", "roster.csv"):
        assert (tmp_path / "roster" / name).read_bytes() == (reference / name).read_bytes(), name
    replanned = plan_week(loaded.requirements, loaded.config)  # the dashboard's "Re-plan shifts"
    pd.testing.assert_frame_equal(replanned.shifts, loaded.shifts, check_dtype=False)
    on_screen = ShiftPlan.from_summary(loaded.shifts, loaded.coverage, loaded.record["shift_plan"])
    assert on_screen.summary() == {**loaded.record["shift_plan"], "solve_seconds": on_screen.summary()["solve_seconds"]}
    agents = validate_agents(read_table(desk["agents"]))
    roster = assign_roster(on_screen, agents, loaded.config).roster  # the dashboard's "Roster these agents"
    assert csv_text(roster) == (reference / "roster.csv").read_text()


def test_queues_whose_histories_end_on_different_days_share_the_forecast_start_and_the_plan():
    config = config_from_dict(tomllib.loads(CONFIG))
    chat = make_history(days=35, queues=("chat",), peak=14.0)
    mail = make_history(days=35, queues=("mail",), peak=6.0, seed=1)
    mail = mail[mail["interval_start"] < mail["interval_start"].max().normalize() - pd.Timedelta(days=1)]  # ends 2 days early
    run = run_plan(pd.concat([chat, mail], ignore_index=True), config, horizon=pd.Timedelta(days=7))
    assert run.failures == {}
    firsts = run.forecast.forecast.groupby("queue")["interval_start"].min()
    assert firsts["chat"] == firsts["mail"] == pd.Timestamp("2026-04-06", tz="Europe/Malta")
    assert run.shift_plan is not None and set(run.shift_plan.coverage["queue"]) == {"chat", "mail"}


# ------------------------------------------------------------------ report in a browser


@pytest.mark.browser
def test_the_report_renders_every_chart_in_chromium_offline(reference, tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have /usr/bin/chromium (.ci/run installs it)")
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_files)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto((reference / "report.html").as_uri())
            page.wait_for_function("() => [...document.querySelectorAll('div.chart')].every("
                                   "c => c.querySelector('.main-svg'))", timeout=60_000)
            names = page.eval_on_selector_all("div.chart", "cs => cs.map(c => c.dataset.chart)")
            drawn = page.eval_on_selector_all("div.chart", "cs => cs.filter(c => c.querySelector('.main-svg .trace, .main-svg .hm')).length")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert errors == [] and blocked == []
    assert sorted(names) == sorted(f"{kind}-{queue}" for queue in QUEUES
                                   for kind in ("forecast", "heatmap", "staffing", "coverage"))
    assert drawn == len(names)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_plan_takes_forecasts_start_and_folds(solo, tmp_path, capsys):
    """CLI parity with `shiftcast forecast` (issue 12): --start, --folds and the column options."""
    out = tmp_path / "run"
    code, err = _main(capsys, *_args(solo, out, "--workers", "1", "--no-shifts", "--start", "2026-04-08",
                                     "--folds", "3", agents=False))
    assert code == 0, err
    forecast = pd.read_csv(out / "forecast.csv")
    assert forecast["interval_start"].min().startswith("2026-04-08T00:00:00")
    assert set(pd.read_csv(out / "backtest.csv")["folds"]) == {3}
    code, err = _main(capsys, *_args(solo, tmp_path / "bad", "--start", "next tuesday", agents=False))
    assert code == 2 and "--start must be a date like 2026-03-02; got 'next tuesday'" in err


def test_any_week_of_the_horizon_can_be_planned(solo, tmp_path, capsys):
    out = tmp_path / "run"
    code, err = _main(capsys, *_args(solo, out, "--workers", "1", "--horizon", "14D", "--week-start", "2026-04-13",
                                     agents=False))
    assert code == 0, err
    record = json.loads((out / "run.json").read_text())
    assert record["shift_plan"]["week_start"].startswith("2026-04-13T00:00:00")  # the horizon's second week
    assert "shift plan for the week of 2026-04-13 (of the 14D forecast from 2026-04-06)" in err
    code, err = _main(capsys, *_args(solo, tmp_path / "late", "--horizon", "14D", "--week-start", "2026-04-14",
                                     agents=False))
    assert code == 2 and "--week-start must be a date from 2026-04-06 to 2026-04-13" in err
