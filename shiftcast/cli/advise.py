"""``shiftcast advise``: a forecast and an agents file -> what cross-training would save."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.config import load_config
from core.errors import check_range
from core.output import check_out_folder, write_folder
from core.readers import read_table
from core.schema import interval_minutes, validate_agents, validate_frame_a
from staffing.advisor import advise

Opt = typer.Option


def command(
    forecast: Annotated[Path, Opt(help="Forecast file (Frame A): CSV, Parquet or Excel.")],
    agents: Annotated[Path, Opt(help="agents.csv: the agents, their skills and languages.")],
    out: Annotated[Path, Opt(help="Output folder; replaced only when the run succeeds.")],
    config: Annotated[Optional[Path], Opt(help="shiftcast.toml; built-in defaults if omitted.")] = None,
    max_share: Annotated[float, Opt(help="Share of the agents the training path may train (0-1).")] = 0.2,
) -> None:
    """Paid hours on the live queues with dedicated staffing, today's skills, the best
    agents given one more skill (step by step, up to --max-share) and every skill: writes
    cross_training.csv (scenarios) and training_steps.csv (who learns what, what it saves)."""
    check_range("--max-share", max_share, low=0, high=1)
    check_out_folder(out, inputs=(forecast, config, agents))
    settings = load_config(config)
    frame = validate_frame_a(read_table(forecast), settings.site.timezone, source=str(forecast))
    minutes = interval_minutes(frame, settings.site.interval_minutes)
    advice = advise(frame, settings, validate_agents(read_table(agents), source=agents.name),
                    interval_seconds=minutes * 60, max_share=max_share)
    horizon = f"{frame['interval_start'].min():%Y-%m-%d %H:%M} to {frame['interval_start'].max():%Y-%m-%d %H:%M}"
    record = {"horizon": horizon, "max_share": max_share,
              "scenarios": advice.scenarios.to_dict(orient="records")}
    write_folder(out, {"cross_training.csv": advice.scenarios, "training_steps.csv": advice.steps,
                       "run.json": record}, command="advise")

    console = Console(stderr=True, soft_wrap=True)
    console.print(f"paid hours on the live queues, {horizon}:", markup=False)
    for row in advice.scenarios.itertuples():
        console.print(f"  {row.scenario}: {row.paid_hours:,.0f} h ({row.saving_vs_dedicated:.1%} below dedicated)",
                      markup=False)
    for row in advice.steps.itertuples():
        console.print(f"step {row.step}: {row.agents_trained} agent(s) of {row.group} learn {row.learns}, "
                      f"saving {row.hours_saved:,.1f} h ({row.agents})", markup=False)
    if advice.steps.empty:
        console.print("no second skill saves hours on this forecast", markup=False)
    console.print(f"wrote {out / 'cross_training.csv'}, {out / 'training_steps.csv'}", markup=False)
