"""The roster as a manager reads it: one row per agent, one column per day of the week."""

from __future__ import annotations

import pandas as pd

__all__ = ["weekly_grid"]


def weekly_grid(roster: pd.DataFrame) -> pd.DataFrame:
    """Frame C ``roster`` (agent, date, queue, start, end, breaks) as an agent x day table:
    ``agent`` then one column per date of the week (``Mon 16 Nov``), each cell
    ``08:00-16:00 chat_en`` (break ``12:00-12:30`` in brackets) or empty on a day off;
    ``paid_hours`` totals the week. Rows in agent order."""
    start, end = pd.to_datetime(roster["start"]), pd.to_datetime(roster["end"])
    dates = pd.to_datetime(roster["date"]).dt.date
    breaks = roster["breaks"].fillna("").astype(str)
    cells = (start.dt.strftime("%H:%M") + "-" + end.dt.strftime("%H:%M") + " " + roster["queue"].astype(str)
             + breaks.map(lambda text: f" (break {text})" if text else ""))
    grid = pd.DataFrame({"agent": roster["agent"], "date": dates, "cell": cells}).pivot_table(
        index="agent", columns="date", values="cell", aggfunc=" / ".join, fill_value="", sort=True)
    grid.columns = [pd.Timestamp(day).strftime("%a %d %b") for day in grid.columns]
    hours = roster.groupby("agent")["paid_hours"].sum()
    return grid.assign(paid_hours=hours.reindex(grid.index).round(2)).reset_index()
