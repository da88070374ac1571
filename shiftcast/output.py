"""The one writer for results: a folder written atomically, with export-safe cells.

:func:`write_folder` writes every file into a hidden temporary folder beside the target
and only then swaps it into place in one atomic step, so a failed or killed run never
leaves half a result and never destroys the previous good one. CSV and Excel cells that
start with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) are prefixed with ``'``
so that a spreadsheet shows them as text instead of running them as formulas.
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from shiftcast.errors import InputError

__all__ = ["neutralise", "write_folder", "excel_bytes"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _map_text(frame: pd.DataFrame, function) -> pd.DataFrame:
    """A copy of ``frame`` with ``function`` applied to every string cell of its text columns."""
    mapped = frame.copy()
    for column in mapped.columns:
        if mapped[column].dtype == object or pd.api.types.is_string_dtype(mapped[column].dtype):
            mapped[column] = mapped[column].map(lambda v: function(v) if isinstance(v, str) else v)
    return mapped


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas."""
    return _map_text(frame, lambda v: "'" + v if v.startswith(_FORMULA_START) else v)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: write local wall-clock times and name the zone in the header.
    Control characters, which a workbook cannot hold, are dropped from text cells."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # here: openpyxl loads only when a workbook is written

    ready = _map_text(neutralise(frame), lambda v: ILLEGAL_CHARACTERS_RE.sub("", v))
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
            safe[column] = safe[column].map(lambda t: t.isoformat() if pd.notna(t) else "")
    return safe.to_csv(index=False)


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_stale(out_dir: Path) -> None:
    """Tidy up after runs of this host that died while writing ``out_dir`` (a live run's
    folders are left alone): a run killed between the two renames of the fallback left the
    previous folder as ``.NAME.old-...`` and no ``out_dir``, so that folder is put back;
    every other staging folder is deleted."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.(?P<kind>tmp|old)-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{{8}}")
    for path in sorted(out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*-*")):
        match = pattern.fullmatch(path.name)
        if match and match["host"] == socket.gethostname() and not _alive(int(match["pid"])):
            if match["kind"] == "old" and not out_dir.exists():
                os.rename(path, out_dir)
            else:
                shutil.rmtree(path, ignore_errors=True)


def write_folder(out_dir: str | Path, files: Mapping[str, Any]) -> Path:
    """Write ``files`` (name -> DataFrame, dict of sheets for .xlsx, dict for .json, str or
    bytes) as the folder ``out_dir``, replacing any previous folder only once all are written.

    Files go to a hidden staging folder beside ``out_dir`` (``.NAME.tmp-HOST-PID-TOKEN``),
    are flushed to disk, and the staging folder then takes ``out_dir``'s place in one
    atomic exchange (on Linux; elsewhere two renames), so ``out_dir`` is at every instant
    either the whole previous folder or the whole new one. Staging folders of killed runs
    are removed by the next write to the same ``out_dir``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file, not a folder; choose a folder path")
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    tag = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = parent / f".{out_dir.name}.tmp-{tag}"
    staging.mkdir()
    try:
        for name, content in files.items():
            _write_one(staging / name, content)
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
        if out_dir.exists() and _exchange(staging, out_dir):
            shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous folder
            return out_dir
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
    return out_dir
