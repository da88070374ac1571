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
from core.schema import interval_minutes, validate_agents, validate_frame_a
from staffing.blend import blend_deferred
from staffing.groupplan import blended_rows
from staffing.requirements import requirements
from staffing.skillgroups import dedicated_agents, desk_groups, requirements_by_group, simulate_plan

Opt = typer.Option
STAFF_TO = ("volume", "volume_p90")


def command(
    forecast: Annotated[Path, Opt(help="Forecast file (Frame A): CSV, Parquet or Excel.")],
    out: Annotated[Path, Opt(help="Output folder; replaced only when the run succeeds.")],
    config: Annotated[Optional[Path], Opt(help="shiftcast.toml; built-in defaults if omitted.")] = None,
    staff_to: Annotated[Optional[str], Opt(help="Staff every queue to volume or volume_p90.")] = None,
    agents: Annotated[Optional[Path], Opt(help="agents.csv: staff the skill groups its agents form "
                                               "(requirements_by_group.csv), checked by simulation.")] = None,
) -> None:
    """Agents required and scheduled per queue and interval, with expected KPIs; with
    --agents also per skill group, each queue's simulated KPIs next to the dedicated ones, and
    deferred queues blended into live agents' idle time (deferred_blended.csv)."""
    if staff_to is not None and staff_to not in STAFF_TO:
        raise InputError(f"--staff-to must be one of {', '.join(STAFF_TO)}; got {staff_to!r}")
    check_out_folder(out, inputs=(forecast, config, agents))
    settings = load_config(config)
    frame = validate_frame_a(read_table(forecast), settings.site.timezone, source=str(forecast))
    minutes = interval_minutes(frame, settings.site.interval_minutes)
    notes = queue_table_notes(settings, frame["queue"].unique())
    table = requirements(frame, settings, interval_seconds=minutes * 60, staff_to=staff_to)
    files: dict[str, object] = {"requirements.csv": table}
    record: dict[str, object] = {"notes": notes}
    if agents is not None:
        people = validate_agents(read_table(agents), source=agents.name)
        desk = desk_groups(people, settings, list(table["queue"].unique()), source=agents.name)
        by_group = requirements_by_group(frame, settings, desk, interval_seconds=minutes * 60)
        blend = blend_deferred(frame, settings, desk, people, by_group, interval_seconds=minutes * 60) \
            if settings.skills.blend_deferred else None
        if blend is None:
            simulated = simulate_plan(frame, settings, desk, by_group, interval_seconds=minutes * 60)
        else:  # deferred rows ask only for the dedicated staff the live agents' idle time cannot replace
            table, simulated = blended_rows(table, blend, settings), blend.simulated
            files["deferred_blended.csv"] = blend.deferred
        table = table.merge(simulated, on=["queue", "interval_start"], how="left")
        files |= {"requirements.csv": table, "requirements_by_group.csv": by_group}
        record["skill_groups"] = {
            "groups": {name: {"queues": list(members), "agents": count} for name, (members, count) in desk.groups.items()},
            "dedicated_agent_intervals": dedicated_agents(table, desk),
            "multi_skill_agent_intervals": int(by_group["agents_required"].sum()),
            "pooled_bound_agent_intervals": int(by_group.drop_duplicates("interval_start")["pooled_bound"].sum()),
        }
    write_folder(out, {**files, "run.json": record}, command="staff")

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
    if agents is not None:
        facts = record["skill_groups"]
        saving = 1 - facts["multi_skill_agent_intervals"] / max(facts["dedicated_agent_intervals"], 1)
        console.print(f"skill groups: {facts['multi_skill_agent_intervals']:,} agent-intervals on contacts for the "
                      f"live queues, against {facts['dedicated_agent_intervals']:,.0f} dedicated ({saving:.1%} fewer; "
                      f"pooled bound {facts['pooled_bound_agent_intervals']:,})", markup=False)
        if blend is not None:
            for queue, rows in blend.deferred.groupby("queue", sort=False):
                console.print(f"{queue}: blended into live agents' idle time, {rows['agents_required'].sum():,} "
                              f"dedicated agent-intervals on contacts instead of {rows['agents_unblended'].sum():,}",
                              markup=False)
        for queue, rows in table[table["service_level_simulated"].notna()].groupby("queue", sort=False):
            offered = rows["volume"].to_numpy()
            day = (rows["service_level_simulated"] * offered).sum() / offered.sum()
            console.print(f"{queue}: simulated service level {day:.1%} over the horizon "
                          f"(target {settings.queue(queue)[0].service_level:.0%})", markup=False)
    console.print(f"wrote {', '.join(str(out / name) for name in files)} ({len(table):,} rows)", markup=False)
