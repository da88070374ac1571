"""The one writer for results: a run folder written atomically, with export-safe cells.

The output-folder contract (README "Output folders"):

- A run folder carries a marker, its ``run.json`` with ``"format": "shiftcast-run/1"``.
  ``--out`` may name a new path, an empty folder or an earlier Shiftcast output; anything
  else (a folder with other files, a file, a folder holding the inputs, the home folder,
  ``/``) is refused by :func:`check_out_folder` with an :class:`InputError`, before any work.
- A symlink is followed: the folder it points to is written, the link stays.
- :func:`write_folder` writes every file into a hidden staging folder beside the target
  and then swaps it into place in one atomic exchange, so a failed or killed run never
  leaves half a result and never destroys the previous good one. Where the folder itself
  cannot be swapped (the current folder, a mount point), each file is swapped in on its
  own instead.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a control character, or such a cell already guarded with ``'``) are written with a
leading ``'``; :func:`unguard` removes exactly that guard when the tool reads a table
back, so names round-trip unchanged. Excel cells are first cleaned of the control
characters a workbook cannot hold, then guarded.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import io
import json
import math
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import InputError

__all__ = ["RUN_FORMAT", "check_out_folder", "csv_text", "excel_bytes", "guard", "neutralise",
           "unguard", "unguard_frame", "write_folder", "written_by_shiftcast"]

RUN_FORMAT = "shiftcast-run/1"  # run.json's "format": the marker of a Shiftcast run folder
MARKER = "run.json"
# Every file an earlier version wrote without the marker: a folder holding only these is a
# Shiftcast output of that version and may be replaced.
LEGACY_OUTPUTS = frozenset({
    "forecast.csv", "backtest.csv", "backtest_folds.csv", "peaks.csv", "heatmap.csv", "cleaning.csv",
    "requirements.csv", "shifts.csv", "coverage.csv", "roster.csv", "unassigned.csv", "agent_summary.csv",
    "roster.xlsx", "plan.xlsx", "summary.json", "report.html", "run.json",
})
_LEGACY_TABLES = frozenset({"forecast.csv", "backtest.csv", "requirements.csv", "shifts.csv"})  # one is always there
_LONGEST_NAME = 255 - 48  # bytes of a folder name, leaving room for the staging suffix .tmp-HOST-PID-TOKEN
_FORMULA_START = frozenset("=+-@")
_SHOWN_FILES = 3  # foreign files named in a refusal


# ------------------------------------------------------------------ formula guard


def _runs_as_formula(text: str) -> bool:
    """True if a spreadsheet could run ``text`` (or it is already guarded, so that the guard
    stays reversible): it starts with a formula character or a control character."""
    if not text:
        return False
    first = text[0]
    return first in _FORMULA_START or ord(first) < 0x20 or first == "\x7f" or (first == "'" and _runs_as_formula(text[1:]))


def guard(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet could run it as a formula."""
    return "'" + text if _runs_as_formula(text) else text


def unguard(text: str) -> str:
    """The inverse of :func:`guard`: ``unguard(guard(x)) == x`` for every string."""
    return text[1:] if text[:1] == "'" and _runs_as_formula(text[1:]) else text


def _map_text(frame: pd.DataFrame, function) -> pd.DataFrame:
    """A copy of ``frame`` with ``function`` applied to every string cell of its text columns."""
    mapped = frame.copy()
    for column in mapped.columns:
        values = mapped[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            # each distinct text once (a column of 100,000 cells holds a few queue or model names)
            changed = {v: function(v) for v in values.unique() if isinstance(v, str)}
            changed = {v: new for v, new in changed.items() if new != v}
            if changed:
                mapped[column] = values.map(lambda v, changed=changed: changed.get(v, v) if isinstance(v, str) else v)
    return mapped


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    return _map_text(frame, guard)


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with the formula guard of every text cell removed (tables read back)."""
    return _map_text(frame, unguard)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: write local wall-clock times and name the zone in the header.
    Control characters, which a workbook cannot hold, are dropped before the guard, so that
    ``\\x01=3+3`` becomes the text ``'=3+3`` and never a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # here: openpyxl loads only when a workbook is written

    ready = _map_text(frame, lambda v: guard(ILLEGAL_CHARACTERS_RE.sub("", v)))
    for column in ready.columns:
        dtype = ready[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            ready[column] = ready[column].dt.tz_localize(None)
            ready = ready.rename(columns={column: f"{column} ({dtype.tz})"})
    return ready


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One .xlsx workbook with a sheet per frame (formula-safe), as bytes."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            _excel_ready(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str:
    """CSV text of a frame (formula-safe; timestamps in ISO 8601 with their UTC offset)."""
    safe = neutralise(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = _iso_8601(safe[column])
    return safe.to_csv(index=False)


def _iso_8601(stamps: pd.Series) -> pd.Series:
    """``Timestamp.isoformat()`` of every time-zone-aware stamp ("" for NaT), vectorised for
    whole seconds (the intervals' case): local wall-clock time plus its UTC offset."""
    if (stamps.dt.microsecond.fillna(0) != 0).any() or (stamps.dt.nanosecond.fillna(0) != 0).any():
        return stamps.map(lambda t: t.isoformat() if pd.notna(t) else "")
    local = stamps.dt.tz_localize(None).to_numpy("datetime64[s]")
    minutes = (local - stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]")).astype(np.int64) // 60
    offsets = {m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in np.unique(minutes)}
    text = np.char.add(np.datetime_as_string(local, unit="s"), pd.Series(minutes).map(offsets).to_numpy(str))
    return pd.Series(np.where(stamps.isna().to_numpy(), "", text), index=stamps.index)


def _strict_json(value: Any) -> Any:
    """``value`` with NaN and infinite floats as None (null), so any JSON parser reads the file."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    return value


def _write_one(path: Path, content: Any) -> None:
    if isinstance(content, pd.DataFrame):
        if path.suffix == ".parquet":
            content.to_parquet(path, index=False)
        else:
            path.write_text(csv_text(content), encoding="utf-8")
    elif isinstance(content, Mapping) and path.suffix == ".xlsx":
        path.write_bytes(excel_bytes(content))
    elif isinstance(content, Mapping):
        path.write_text(json.dumps(_strict_json(content), indent=2, default=str, allow_nan=False) + "\n",
                        encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        raise TypeError(f"cannot write {type(content).__name__} to {path.name}")
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


# ------------------------------------------------------------------ the contract


def _run_record(folder: Path) -> dict | None:
    """The folder's run.json if it is a marked Shiftcast run record (its ``files`` a list of
    plain file names), else None."""
    try:
        record = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(record, dict) and str(record.get("format", "")).startswith("shiftcast-run/")):
        return None
    files = record.get("files", [])
    plain = isinstance(files, list) and all(isinstance(name, str) and _is_plain_name(name) for name in files)
    return record if plain else None


def _is_plain_name(name: str) -> bool:
    """A file name of this folder: no path, no NUL, not . or .."""
    return bool(name) and "\0" not in name and Path(name).name == name and name not in (".", "..")


def _staging_leftover(name: str) -> bool:
    """A temporary file of a killed in-place write (``.NAME.tmp-HOST-PID-TOKEN``)."""
    return _LEFTOVER.fullmatch(name) is not None


_LEFTOVER = re.compile(r"\..+\.tmp-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{8}")


def written_by_shiftcast(folder: str | Path) -> bool:
    """True if ``folder`` holds a Shiftcast output: marked by its run.json, or (from versions
    before the marker) holding only files Shiftcast writes, at least one of its tables."""
    folder = Path(folder)
    if _run_record(folder) is not None:
        return True
    names = {entry.name for entry in folder.iterdir()}
    return bool(names & _LEGACY_TABLES) and names <= LEGACY_OUTPUTS and all(
        (folder / name).is_file() for name in names)


def _foreign_entries(folder: Path) -> list[str]:
    """What a write to ``folder`` would lose: every entry that is not part of the earlier
    Shiftcast output there (its run.json's file list, or an older version's known files)."""
    entries = sorted(entry.name for entry in folder.iterdir() if not _staging_leftover(entry.name))
    if not entries:
        return []
    record = _run_record(folder)
    if record is not None:
        ours = {*record.get("files", []), MARKER}
        return [name for name in entries if name not in ours or not (folder / name).is_file()]
    return [] if written_by_shiftcast(folder) else entries


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _input_path(source: str | Path) -> Path | None:
    """The file behind an input: a path, or the file of a ``sqlite:///`` URL; None for a server URL."""
    text = str(source)
    if text.startswith("sqlite:///"):
        return Path(text[len("sqlite:///"):])
    return None if "://" in text else Path(text)


def _protected(real: Path) -> str | None:
    """Why ``real`` may never be an output folder, or None."""
    if real == Path(real.anchor):
        return "is the root folder"
    if real == Path(os.path.realpath(Path.home())):
        return "is your home folder"
    if os.path.islink(real):
        return "is a symlink that loops"
    if len(os.fsencode(real.name)) > _LONGEST_NAME:
        return f"has a name of {len(os.fsencode(real.name))} bytes; the file system allows {_LONGEST_NAME} here"
    return None


def _unwritable(real: Path) -> str | None:
    """Why no folder can be made or replaced at ``real``, or None."""
    probe = real if real.exists() else real.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return f"lies under the file {probe}"
    if not os.access(probe, os.W_OK | os.X_OK):
        return "cannot be written (no permission or a read-only file system)"
    return None


def check_out_folder(out_dir: str | Path, *, inputs: Iterable[str | Path | None] = (), option: str = "--out") -> Path:
    """The real folder that ``out_dir`` names (symlinks followed), or :class:`InputError` when
    writing there could lose a user's files: a file, a non-empty folder that is not a
    Shiftcast output (or an earlier output the user has added files to), a folder holding
    one of ``inputs`` (files, SQLite URLs), the home folder or ``/``, a symlink loop, a name
    too long for a staging folder beside it, or a place that cannot be written. Commands
    call this before any work."""
    shown = Path(out_dir)
    real = Path(os.path.realpath(shown))
    why = _protected(real)
    if why is None and real.exists() and not real.is_dir():
        why = "is a file, not a folder"
    if why is None:
        for source in inputs:
            path = None if source is None else _input_path(source)
            if path is not None and _is_within(Path(os.path.realpath(path)), real):
                why = f"holds the input {source}"
                break
    if why is None and real.is_dir():
        foreign = _foreign_entries(real)
        if foreign:
            listed = ", ".join(foreign[:_SHOWN_FILES]) + (f" and {len(foreign) - _SHOWN_FILES} more"
                                                          if len(foreign) > _SHOWN_FILES else "")
            why = (f"holds files that are not a Shiftcast output ({listed})"
                   + ("" if _run_record(real) is not None else f" and no Shiftcast {MARKER}"))
    if why is None:
        why = _unwritable(real)
    if why is not None:
        raise InputError(f"{option} {shown} {why}; nothing was written; choose a new folder (e.g. out/plan) "
                         f"or an earlier Shiftcast output")
    return real


# ------------------------------------------------------------------ the writer


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or file system cannot, so the caller falls back to two renames."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):
        return False
    at_cwd, exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE from <fcntl.h> and <stdio.h>
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _fsync_folder(folder: Path) -> None:
    """Make the folder's renames durable (a crash after the swap cannot undo it)."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _killed_here(match: re.Match) -> bool:
    """True if a staging name's run (its ``host`` and ``pid`` groups) was of this host and has died."""
    return match["host"] == socket.gethostname() and not _alive(int(match["pid"]))


def _remove_stale(out_dir: Path) -> None:
    """Tidy up after runs of this host that died while writing ``out_dir`` (a live run's
    folders are left alone): a run killed between the two renames of the fallback left the
    previous folder as ``.NAME.old-...`` and no ``out_dir``, so that folder is put back;
    every other staging folder is deleted."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(?P<kind>tmp|old)-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{{8}}")
    for path in sorted(out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*-*")):
        match = pattern.fullmatch(path.name)
        if match and _killed_here(match):
            if match["kind"] == "old" and not out_dir.exists():
                os.rename(path, out_dir)
            else:
                shutil.rmtree(path, ignore_errors=True)


def _with_marker(files: Mapping[str, Any], command: str | None) -> dict[str, Any]:
    """``files`` with the run.json marker: the caller's record (if any) plus format, command and file list."""
    record = dict(files.get(MARKER) or {})
    names = sorted({*files, MARKER})
    return {**files, MARKER: {"format": RUN_FORMAT, "command": command, "files": names, **record}}


def _swap_in_place(folder: Path, files: Mapping[str, Any], tag: str) -> None:
    """Write ``files`` into ``folder`` one atomic file swap at a time (run.json last), for a
    folder that cannot itself be renamed; then remove the previous run's other files and
    the temporary files of killed in-place writes."""
    previous = _run_record(folder)
    previous_files = set(previous.get("files", [])) if previous else {e.name for e in folder.iterdir()}
    leftovers = [entry for entry in folder.iterdir()
                 if (match := _LEFTOVER.fullmatch(entry.name)) is not None and _killed_here(match)]
    staged = {name: folder / f".{name}.tmp-{tag}" for name in files}
    try:
        for name, content in files.items():
            _write_one(staged[name], content)
    except BaseException:
        for path in staged.values():
            path.unlink(missing_ok=True)
        raise
    for name in sorted(files, key=lambda name: name == MARKER):
        os.replace(staged[name], folder / name)
    for path in [*(folder / name for name in previous_files - set(files)), *leftovers]:
        if path.is_file():
            path.unlink()
    _fsync_folder(folder)


def _needs_in_place(real: Path) -> bool:
    """True where the folder itself cannot be swapped: a mount point, the current folder, or
    a folder whose parent is not writable."""
    return real.is_dir() and (os.path.ismount(real) or real == Path.cwd().resolve()
                              or not os.access(real.parent, os.W_OK | os.X_OK))


def write_folder(out_dir: str | Path, files: Mapping[str, Any], *, command: str | None = None) -> Path:
    """Write ``files`` (name -> DataFrame, dict of sheets for .xlsx, dict for .json, str or
    bytes) as the run folder ``out_dir``, replacing an earlier run folder only once all are
    written; return the real folder written.

    ``run.json`` always carries the marker (``format``, ``command``, ``files``) merged into
    the caller's record. ``out_dir`` is checked with :func:`check_out_folder` first. Files
    go to a hidden staging folder beside the target (``.NAME.tmp-HOST-PID-TOKEN``), are
    flushed to disk, and the staging folder then takes the target's place in one atomic
    exchange (on Linux; elsewhere two renames), so the target is at every instant either
    the whole previous folder or the whole new one. Staging folders of killed runs are
    removed by the next write to the same target. An :class:`OSError` while writing
    becomes an :class:`InputError` naming the folder; the previous folder is unchanged.
    """
    real = check_out_folder(out_dir)
    files = _with_marker(files, command)
    tag = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        if _needs_in_place(real):
            _swap_in_place(real, files, tag)
        else:
            _swap_folder(real, files, tag)
    except OSError as error:
        raise InputError(f"--out {out_dir}: cannot write the run folder ({error.strerror or error}); the previous "
                         f"one is unchanged; choose a writable folder or free space") from None
    return real


def _swap_folder(out_dir: Path, files: Mapping[str, Any], tag: str) -> None:
    """Write ``files`` to a staging folder beside ``out_dir`` and swap it in whole."""
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    staging = parent / f".{out_dir.name}.tmp-{tag}"
    staging.mkdir()
    try:
        for name, content in files.items():
            _write_one(staging / name, content)
        if out_dir.exists() and _exchange(staging, out_dir):
            shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous (checked) folder
            _fsync_folder(parent)
            return
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = parent / f".{out_dir.name}.old-{tag}"
    if out_dir.exists():
        os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        if retired.exists():
            os.rename(retired, out_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    _fsync_folder(parent)
