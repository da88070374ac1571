"""``shiftcast roster``: requirements (Frame B) -> shift plan, coverage and, with agents, a roster (Frame C)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.config import load_config, queue_table_notes
from core.output import check_out_folder, write_folder
from core.readers import read_table
from core.schema import interval_minutes, validate_agents, validate_frame_b
from staffing.roster import assign_roster, weekly_grid
from staffing.shifts import build_templates
from staffing.weekplan import plan_week, shortfall_cause

Opt = typer.Option


def command(
    requirements: Annotated[Path, Opt(help="Requirements file (Frame B, from `shiftcast staff`).")],
    out: Annotated[Path, Opt(help="Output folder; replaced only when the run succeeds.")],
    config: Annotated[Optional[Path], Opt(help="shiftcast.toml ([shifts], [roster]); defaults if omitted.")] = None,
    agents: Annotated[Optional[Path], Opt(help="agents.csv: named agents to roster onto the plan.")] = None,
    week_start: Annotated[Optional[str], Opt(help="Date the planned week starts, e.g. 2026-11-23; "
                                                  "default: the requirements' first midnight.")] = None,
) -> None:
    """The cheapest week of shifts covering the requirements, and who works them."""
    check_out_folder(out, inputs=(requirements, config, agents))
    settings = load_config(config)
    frame = validate_frame_b(read_table(requirements), settings.site.timezone, source=str(requirements))
    build_templates(settings.shifts, interval_minutes(frame, settings.site.interval_minutes))  # rules fit the interval
    team = validate_agents(read_table(agents), source=str(agents)) if agents is not None else None
    notes = queue_table_notes(settings, frame["queue"].unique())
    console = Console(stderr=True, soft_wrap=True)
    for note in notes:
        console.print(f"note: {note}", markup=False)
    with console.status("planning shifts (HiGHS)..."):
        plan = plan_week(frame, settings, week_start=week_start)
    roster = None
    if team is not None:
        with console.status("rostering agents (HiGHS)..."):
            roster = assign_roster(plan, team, settings)

    sheets = {"shifts": plan.shifts, "coverage": plan.coverage}
    record = {"notes": notes, "shift_plan": plan.summary()}
    if roster is not None:
        sheets |= {"roster": roster.roster, "roster_grid": weekly_grid(roster.roster), "unassigned": roster.unassigned,
                   "agent_summary": roster.agents}
        record["roster"] = roster.summary()
    write_folder(out, {**{f"{name}.csv": table for name, table in sheets.items()},
                       "roster.xlsx": sheets, "run.json": record}, command="roster")

    quality = "optimal" if plan.status == "optimal" else "best found in the time limit"
    console.print(f"week of {plan.week_start.date()} ({plan.plan_to}): {int(plan.shifts['agents'].sum()):,} shifts, "
                  f"{plan.paid_agent_hours:,.0f} paid agent-hours, cost {plan.cost:,.2f}; {quality} "
                  f"(proven within {plan.gap:.2%}), {plan.solve_seconds:.1f} s")
    short = plan.coverage[plan.coverage["shortfall"] > 0]
    if short.empty:
        console.print("every interval covered")
    else:
        worst = short.sort_values("shortfall", ascending=False).iloc[0]
        console.print(f"SHORT {plan.shortfall_agent_hours:,.1f} agent-hours in {len(short):,} queue-intervals; worst "
                      f"{worst['interval_start'].isoformat()} {worst['queue']}: {int(worst['planned'])} of "
                      f"{int(worst['required'])} (see coverage.csv); cause: "
                      f"{shortfall_cause(plan, settings.shifts.max_agents)}", markup=False)
    console.print("service level over the week: " + ", ".join(f"{q} {v:.1%}" for q, v in plan.service_level.items()))
    if roster is not None:
        facts = roster.summary()
        console.print(f"roster: {facts['shifts_assigned']:,} shifts to {facts['agents']} agents; "
                      f"{facts['shifts_unassigned']:,} shifts ({facts['unassigned_agent_hours']:,.0f} agent-hours) "
                      f"unassigned (unassigned.csv); {facts['agents_under_contract']} agents below contract hours "
                      f"(agent_summary.csv)")
        if facts.get("supply_note"):
            console.print(f"supply: {facts['supply_note']}", markup=False)
    console.print(f"wrote {out}/ ({', '.join(f'{name}.csv' for name in sheets)}, roster.xlsx, run.json)")
