"""``report.html``: one self-contained page summarising a plan run, readable offline.

The page holds a summary table per queue, the shift plan's figures, any failures, and per
queue the forecast with its band, the weekday x hour peak heatmap, the staffing curve and
the shift coverage (charts from :mod:`shiftcast.charts`), each in a ``div.chart`` whose
``data-chart`` is ``KIND-QUEUE``. plotly.js is embedded once, so the file opens without a
network (no CDN).

Charts are drawn for at most ``chart_queues`` queues, the busiest by forecast contacts: a
page of 200 queues' charts would be 60 MB, take 40 s to build and stall a browser; the
page names the queues left out, whose numbers are in the table and the CSV files.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.io as pio

from forecast.peaks import heatmap_grid
from shiftcast import charts
from core.schema import interval_minutes

__all__ = ["build_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 24px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.failure { color: #b00020; }
.chart { margin-bottom: 12px; }
"""


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, escape=True, na_rep="")


def _queue_summary(run) -> pd.DataFrame:
    chosen = run.forecast.backtest[run.forecast.backtest["chosen"]].set_index("queue")
    minutes = interval_minutes(run.requirements, run.config.site.interval_minutes)
    rows = []
    for queue, req in run.requirements.groupby("queue", sort=True):
        row = {"queue": queue, "model": chosen.loc[queue, "model"],
               "backtest wMAPE": f"{chosen.loc[queue, 'wmape']:.3f}",
               "p10-p90 coverage": f"{chosen.loc[queue, 'coverage_p10_p90']:.0%}",
               "contacts forecast": f"{req['volume'].sum():,.0f}",
               "peak agents scheduled": int(req["agents_scheduled"].max()),
               "agent-hours scheduled": f"{req['agents_scheduled'].sum() * minutes / 60:,.0f}"}
        if run.shift_plan is not None and queue in run.shift_plan.service_level:
            row["planned week's service level"] = f"{run.shift_plan.service_level[queue]:.1%}"
        rows.append(row)
    return pd.DataFrame(rows)


def _charted(run, limit: int) -> list[str]:
    """The queues to draw: the ``limit`` busiest by forecast contacts, in name order."""
    totals = run.requirements.groupby("queue", sort=True)["volume"].sum()
    busiest = totals.sort_values(ascending=False, kind="stable").index[:limit]
    return sorted(busiest)


def build_report(run, *, chart_queues: int = 12) -> str:
    """The report page for a :class:`shiftcast.pipeline.PlanRun`, as HTML text, with charts
    for the ``chart_queues`` busiest queues."""
    site = run.config.site
    minutes = interval_minutes(run.requirements, site.interval_minutes)
    parts = [f"<h1>Shiftcast plan: {html.escape(site.name)}</h1>",
             f"<p>Times are {html.escape(site.timezone)} local time; {minutes}-minute intervals; forecast from "
             f"{run.forecast.forecast['interval_start'].min():%Y-%m-%d} to "
             f"{run.forecast.forecast['interval_start'].max():%Y-%m-%d}.</p>",
             "<h2>Queues</h2>", _table(_queue_summary(run))]
    if run.shift_plan is not None:
        plan = run.shift_plan
        facts = pd.DataFrame([{
            "week from": f"{plan.week_start:%Y-%m-%d}", "status": plan.status, "proven gap": f"{plan.gap:.2%}",
            "shifts": int(plan.shifts["agents"].sum()), "paid agent-hours": f"{plan.paid_agent_hours:,.0f}",
            "cost": f"{plan.cost:,.2f}", "short agent-hours": f"{plan.shortfall_agent_hours:,.1f}",
            "over-coverage agent-hours": f"{plan.over_coverage_agent_hours:,.1f}"}])
        parts += ["<h2>Shift plan</h2>", _table(facts)]
    if run.roster is not None:
        parts += ["<h2>Roster</h2>", _table(pd.DataFrame([run.roster.summary()]))]
    if run.failures:
        items = "".join(f"<li class='failure'><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                        for k, v in run.failures.items())
        parts += ["<h2>Failures</h2>", f"<ul>{items}</ul>"]

    figures: list[tuple[str, object]] = []
    heatmap = run.forecast.heatmap
    charted = _charted(run, chart_queues)
    for queue in charted:
        figures.append((f"forecast-{queue}", charts.forecast_figure(run.history, run.forecast.forecast, queue,
                                                                    interval_minutes=minutes)))
        figures.append((f"heatmap-{queue}", charts.heatmap_figure(
            heatmap_grid(heatmap, queue), title=f"Forecast contacts per hour by weekday: {queue}", value_label="contacts / hour")))
        figures.append((f"staffing-{queue}", charts.staffing_figure(run.requirements, queue)))
        if run.shift_plan is not None and queue in run.shift_plan.service_level:
            figures.append((f"coverage-{queue}", charts.coverage_figure(run.shift_plan.coverage, queue)))
    parts.append("<h2>Charts</h2>")
    left_out = sorted(set(run.requirements["queue"]) - set(charted))
    if left_out:
        parts.append(f"<p class='left-out'>Charts for the {len(charted)} busiest of {len(charted) + len(left_out)} "
                     f"queues; left out: {html.escape(', '.join(left_out))}. Their numbers are in the tables "
                     f"above and in forecast.csv, requirements.csv and coverage.csv.</p>")
    for i, (name, figure) in enumerate(figures):
        body = pio.to_html(figure, full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        parts.append(f"<div class='chart' data-chart='{html.escape(name)}'>{body}</div>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Shiftcast plan: {html.escape(site.name)}</title><style>{_STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
