"""``shiftcast erlang``: a quick staffing calculator for one interval."""

from __future__ import annotations

from typing import Annotated, Optional

import numpy as np
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from shiftcast.cli.options import duration_seconds
from shiftcast.config import QueueSettings
from shiftcast.errors import InputError
from staffing.requirements import erlang_staffing, staff_queue

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
        first = error.errors()[0]
        option = OPTION_OF_SETTING[str(first["loc"][0])]
        raise InputError(f"{option} {first['input']!r} is invalid: {first['msg']}") from None
    volume_array, aht_array = np.array([volume]), np.array([aht])
    staffing = erlang_staffing(volume_array, volume_array, aht_array, interval_seconds, settings)
    need = int(staffing["agents_required"][0])
    focus = need if agents is None else agents
    if agents is not None and agents < 0:
        raise InputError(f"--agents must be >= 0; got {agents}")
    traffic = volume * aht / interval_seconds
    headcounts = np.arange(max(focus - 2, 0), focus + 4)
    kpis = staff_queue(headcounts * concurrency, np.full(headcounts.shape, traffic),
                       np.full(headcounts.shape, aht), settings)

    console = Console()
    model = "Erlang A" if patience else "Erlang C"
    console.print(f"traffic {traffic:.2f} Erlangs ({model}{f', {concurrency} chats per agent' if concurrency > 1 else ''})")
    console.print(f"agents required {need} (un-rounded {staffing['agents_required_fractional'][0]:.2f}); "
                  f"to schedule after {shrinkage:.0%} shrinkage: {int(np.ceil(need / (1 - shrinkage) - 1e-9))}")
    table = Table("agents", "service level", "ASA s", "occupancy", *(["abandon"] if patience else []))
    for i, n in enumerate(headcounts):
        row = [f"{n}{' <' if n == focus else ''}", f"{kpis['service_level'][i]:.1%}",
               f"{kpis['asa_seconds'][i]:.1f}", f"{kpis['occupancy'][i]:.1%}"]
        if patience:
            row.append(f"{kpis['abandon_rate'][i]:.1%}")
        table.add_row(*row)
    console.print(table)
