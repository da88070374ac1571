"""``shiftcast staff``: a forecast (Frame A) -> requirements.csv (Frame B)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.config import load_config, queue_table_notes
from core.errors import InputError
from core.output import check_out_folder, write_folder
from core.readers import read_table
from core.schema import interval_minutes, validate_frame_a
from staffing.requirements import requirements

Opt = typer.Option
STAFF_TO = ("volume", "volume_p90")


def command(
    forecast: Annotated[Path, Opt(help="Forecast file (Frame A): CSV, Parquet or Excel.")],
    out: Annotated[Path, Opt(help="Output folder; replaced only when the run succeeds.")],
    config: Annotated[Optional[Path], Opt(help="shiftcast.toml; built-in defaults if omitted.")] = None,
    staff_to: Annotated[Optional[str], Opt(help="Staff every queue to volume or volume_p90.")] = None,
) -> None:
    """Agents required and scheduled per queue and interval, with expected KPIs."""
    if staff_to is not None and staff_to not in STAFF_TO:
        raise InputError(f"--staff-to must be one of {', '.join(STAFF_TO)}; got {staff_to!r}")
    check_out_folder(out, inputs=(forecast, config))
    settings = load_config(config)
    frame = validate_frame_a(read_table(forecast), settings.site.timezone, source=str(forecast))
    minutes = interval_minutes(frame, settings.site.interval_minutes)
    notes = queue_table_notes(settings, frame["queue"].unique())
    table = requirements(frame, settings, interval_seconds=minutes * 60, staff_to=staff_to)
    write_folder(out, {"requirements.csv": table, "run.json": {"notes": notes}}, command="staff")

    console = Console(stderr=True, soft_wrap=True)
    for note in notes:
        console.print(f"note: {note}", markup=False)
    for queue, rows in table.groupby("queue", sort=False):
        console.print(
            f"{queue}: {rows['model'].iloc[0]}, staffed to {rows['staffed_to'].iloc[0]} with "
            f"[{rows['settings_source'].iloc[0]}], peak {rows['agents_scheduled'].max()} scheduled, "
            f"{rows['agents_scheduled'].sum() * minutes / 60:,.0f} agent-hours",
            markup=False,
        )
    console.print(f"wrote {out / 'requirements.csv'} ({len(table):,} rows)", markup=False)
