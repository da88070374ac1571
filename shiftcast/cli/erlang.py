"""``shiftcast erlang``: a quick staffing calculator for one interval."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from shiftcast.cli.options import duration_seconds
from core.config import QueueSettings, settings_error
from core.errors import InputError
from staffing.explain import explain_interval

Opt = typer.Option
OPTION_OF_SETTING = {"service_level": "--sl", "answer_seconds": "--answer", "max_occupancy": "--max-occupancy",
                     "asa_seconds": "--asa", "patience_seconds": "--patience", "concurrency": "--concurrency",
                     "shrinkage": "--shrinkage"}


def command(
    volume: Annotated[float, Opt(help="Contacts arriving in the interval.")],
    aht: Annotated[float, Opt(help="Average handle time, seconds.")],
    interval: Annotated[str, Opt(help="Interval length, e.g. 15min, 30min, 1h.")] = "30min",
    sl: Annotated[float, Opt(help="Service-level target as a fraction, e.g. 0.8.")] = 0.8,
    answer: Annotated[float, Opt(help="Answer-time target in seconds (the 20 in 80/20).")] = 20,
    max_occupancy: Annotated[Optional[float], Opt(help="Occupancy cap, e.g. 0.85.")] = None,
    asa: Annotated[Optional[float], Opt(help="Average-speed-of-answer cap in seconds.")] = None,
    patience: Annotated[Optional[float], Opt(help="Mean patience in seconds: use Erlang A.")] = None,
    concurrency: Annotated[int, Opt(help="Chats an agent handles at once.")] = 1,
    shrinkage: Annotated[float, Opt(help="Share of paid time off the phones, e.g. 0.3.")] = 0.0,
    agents: Annotated[Optional[int], Opt(help="Give the KPIs this headcount reaches instead.")] = None,
) -> None:
    """Agents needed for a service target in one interval, or the KPIs of a given headcount."""
    interval_seconds = duration_seconds(interval, option="--interval")
    try:
        settings = QueueSettings(
            channel="chat" if concurrency > 1 else "voice", service_level=sl, answer_seconds=answer,
            max_occupancy=max_occupancy, asa_seconds=asa, patience_seconds=patience,
            concurrency=concurrency, shrinkage=shrinkage,
        )
    except ValidationError as error:
        raise settings_error(error, name=lambda loc: OPTION_OF_SETTING[str(loc[0])]) from None
    if agents is not None and agents < 0:
        raise InputError(f"--agents must be >= 0; got {agents}")
    explained = explain_interval(volume, aht, interval_seconds, settings, agents=agents, around=2)

    console = Console(soft_wrap=True)
    for step in explained.steps:
        console.print(step, markup=False)
    table = Table("agents", "P(wait)", "service level", "ASA s", "occupancy",
                  *(["abandon"] if patience else []))
    focus = explained.agents_required if agents is None else agents
    for row in explained.headcounts.itertuples():
        cells = [f"{row.agents}{' <' if row.agents == focus else ''}", f"{row.wait_probability:.1%}",
                 f"{row.service_level:.1%}", f"{row.asa_seconds:.1f}", f"{row.occupancy:.1%}"]
        if patience:
            cells.append(f"{row.abandon_rate:.1%}")
        table.add_row(*cells)
    console.print(table)
