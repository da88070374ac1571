"""``shiftcast calibrate``: a contact log -> the desk's config with its fitted patience and
effective staffing (shiftcast.toml) and the evidence (calibration.json)."""

from __future__ import annotations

from pathlib import Path

import tomli_w
from rich.console import Console

from core.output import check_out_folder, write_folder
from review.calibrate import calibrate, calibrated_config
from review.log import LogColumns
from shiftcast.cli.history import (AbandonedOpt, ConfigOpt, HandleOpt, IgnoreOpt, IntervalOpt, OutOpt, QueryOpt,
                                   QueueOpt)
from shiftcast.cli.review import AgentOpt, ArrivalOpt, LogOpt, WaitOpt, read_contact_log


def command(
    log: LogOpt,
    out: OutOpt,
    config: ConfigOpt = None,
    interval: IntervalOpt = None,
    query: QueryOpt = None,
    arrival_col: ArrivalOpt = None,
    queue_col: QueueOpt = None,
    wait_col: WaitOpt = None,
    handle_col: HandleOpt = None,
    abandoned_col: AbandonedOpt = None,
    agent_col: AgentOpt = None,
    ignore: IgnoreOpt = None,
) -> None:
    """Fit each live queue's patience, handle-time shape and effective staffing to the log:
    writes shiftcast.toml (the config with them filled in, valid for every command) and
    calibration.json (each value's data window and fit)."""
    check_out_folder(out, inputs=(Path(log) if "://" not in log else None, config))
    columns = LogColumns(arrival_col, queue_col, wait_col, handle_col, abandoned_col, agent_col)
    settings, minutes, contacts, notes = read_contact_log(log, config, interval, query, columns, ignore)
    fitted = calibrate(contacts, settings, interval_minutes=minutes)
    toml = tomli_w.dumps(calibrated_config(settings, fitted.settings).model_dump(mode="json", exclude_none=True))
    header = (f"# Calibrated by `shiftcast calibrate` on {Path(log).name if '://' not in log else 'a query'} "
              f"({len(contacts):,} contacts); evidence in calibration.json\n")
    write_folder(out, {"shiftcast.toml": header + toml, "calibration.json": fitted.evidence,
                       "run.json": {"notes": notes, "interval_minutes": minutes}}, command="calibrate")

    console = Console(stderr=True, soft_wrap=True)
    for note in notes:
        console.print(f"note: {note}", markup=False)
    for queue, facts in fitted.evidence.items():
        patience = facts["patience_seconds"]
        line = (f"{queue}: patience {f'{patience:,.0f} s' if patience else 'not fitted (too few abandoned)'}, "
                f"effective staffing {facts['effective_staffing']:.2f}")
        if "sl_mae" in facts:
            line += (f" (service level off by {facts['sl_mae'] * 100:.1f} points on average, "
                     f"{facts['sl_mae_at_1'] * 100:.1f} before")
            if "abandon_mae" in facts:
                line += (f"; abandonment by {facts['abandon_mae'] * 100:.1f}, "
                         f"{facts['abandon_mae_at_1'] * 100:.1f} before")
            line += ")"
        console.print(line, markup=False)
    console.print(f"wrote {out / 'shiftcast.toml'}, {out / 'calibration.json'}", markup=False)
