"""The atomic folder writer and formula-safe exports."""

import io
import json

import openpyxl
import pandas as pd
import pytest

from core.errors import InputError
from core.output import csv_text, excel_bytes, neutralise, unguard_frame, write_folder


def test_a_new_folder_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "run"
    write_folder(out, {"a.csv": pd.DataFrame({"x": [1]}), "note.txt": "first"})
    write_folder(out, {"b.json": {"k": 1}})
    assert sorted(p.name for p in out.iterdir()) == ["b.json", "run.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folders left


def test_a_failed_write_keeps_the_previous_result_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "run"
    write_folder(out, {"a.csv": pd.DataFrame({"x": [1]})})
    with pytest.raises(TypeError):
        write_folder(out, {"a.csv": pd.DataFrame({"x": [2]}), "bad.bin": object()})
    assert (out / "a.csv").read_text() == "x\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_out_must_be_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"is a file, not a folder; nothing was written"):
        write_folder(tmp_path / "file", {"a.txt": "x"})


def test_formula_cells_are_neutralised_in_csv_and_excel():
    data = pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(A1)", "plain"], "value": [-1.5, 2, 3, 4, 5]})
    safe = neutralise(data)
    assert safe["name"].tolist() == ["'=cmd|' /C calc'!A0", "'+1", "'-x", "'@SUM(A1)", "plain"]
    assert unguard_frame(safe).equals(data)
    assert safe["value"].tolist() == [-1.5, 2, 3, 4, 5]  # numbers stay numbers
    assert "'=cmd" in csv_text(data)
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"s": data})))["s"]
    cells = [sheet.cell(row=r, column=1) for r in range(2, 7)]
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].value == "'=cmd|' /C calc'!A0"


def test_timestamps_keep_their_offset_in_csv_and_their_zone_in_excel():
    data = pd.DataFrame({"interval_start": pd.date_range("2026-10-25 01:30", periods=3, freq="30min",
                                                         tz="Europe/Malta")})
    assert csv_text(data).splitlines()[1] == "2026-10-25T01:30:00+02:00"
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"s": data})))["s"]
    assert sheet.cell(row=1, column=1).value == "interval_start (Europe/Malta)"


@pytest.mark.parametrize("zone, extra", [("Europe/Malta", None), ("America/St_Johns", None), ("UTC", None),
                                         ("Asia/Kolkata", pd.Timestamp("2026-01-01 00:00:00.25", tz="Asia/Kolkata"))])
def test_csv_timestamps_are_their_isoformat_across_dst_and_odd_offsets(zone, extra):
    """Whole seconds take the vectorised path, a fraction of a second the per-stamp one; NaT is empty."""
    stamps = list(pd.date_range("2026-03-27 22:00", "2026-03-30", freq="15min", tz=zone)) + [pd.NaT]
    stamps += [] if extra is None else [extra]
    data = pd.DataFrame({"interval_start": pd.Series(stamps, dtype=f"datetime64[ns, {zone}]")})
    expected = [t.isoformat() if pd.notna(t) else "" for t in data["interval_start"]]
    assert pd.read_csv(io.StringIO(csv_text(data)), keep_default_na=False)["interval_start"].tolist() == expected


def test_control_characters_are_dropped_from_excel_cells_and_kept_in_csv():
    data = pd.DataFrame({"agent": ["Anna\x0bA.", "Bo\x00b"], "hours": [40, 32]})
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"s": data})))["s"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["AnnaA.", "Bob"]
    assert "'Anna\x0bA." not in csv_text(data) and "Anna\x0bA." in csv_text(data)


def test_json_files_hold_no_nan_or_infinity(tmp_path):
    write_folder(tmp_path / "run", {"run.json": {"wmape": float("nan"), "gap": float("inf"), "rows": [1.5, float("-inf")]}})
    text = (tmp_path / "run" / "run.json").read_text()
    assert json.loads(text) == {"wmape": None, "gap": None, "rows": [1.5, None], "format": "shiftcast-run/1",
                                "command": None, "files": ["run.json"]}
    assert "NaN" not in text and "Infinity" not in text
