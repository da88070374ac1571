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

__all__ = ["build_report", "build_review_report"]

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


def _page(title: str, parts: list[str], figures: list[tuple[str, object]]) -> str:
    """PARTS (HTML) and FIGURES (name, plotly figure) as one page; plotly.js embedded once."""
    for i, (name, figure) in enumerate(figures):
        body = pio.to_html(figure, full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False})
        parts.append(f"<div class='chart' data-chart='{html.escape(name)}'>{body}</div>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>" + "\n".join(parts) + "</body></html>")


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
    return _page(f"Shiftcast plan: {site.name}", parts, figures)


def _review_summary(table: pd.DataFrame, min_contacts: int) -> pd.DataFrame:
    """Per queue of REVIEW rows: contacts, actual and modelled service level (weighted by
    offered), and the model's error over intervals with MIN_CONTACTS+ contacts."""
    rows = []
    for queue, part in table.groupby("queue", sort=True):
        offered = part["offered"]
        busy = part[(offered >= min_contacts) & part["sl_predicted"].notna()]
        error = busy["sl_predicted"] - busy["sl_actual"]
        modelled = part["sl_predicted"].notna() & (offered > 0)
        rows.append({"queue": queue, "offered": f"{int(offered.sum()):,}", "answered": f"{int(part['answered'].sum()):,}",
                     "abandoned": f"{part['abandoned'].sum() / max(offered.sum(), 1):.1%}",
                     "service level": f"{part['sl_actual'].mul(offered).sum() / max(offered.sum(), 1):.1%}",
                     "modelled": (f"{part.loc[modelled, 'sl_predicted'].mul(offered[modelled]).sum() / offered[modelled].sum():.1%}"
                                  if offered[modelled].sum() else ""),
                     f"model error, intervals with {min_contacts}+": (
                         f"{error.abs().mean() * 100:.1f} points (bias {error.mean() * 100:+.1f}) in {len(busy):,}"
                         if len(busy) else "")})
    return pd.DataFrame(rows)


def build_review_report(table: pd.DataFrame, daily: pd.DataFrame | None, accuracy: pd.DataFrame, *, site,
                        interval_minutes: int, min_contacts: int, chart_queues: int = 12) -> str:
    """``shiftcast review``'s page: per queue the actuals beside the model (``review.csv``
    rows, TABLE), each day's miss in its parts when a plan was given (DAILY, ``daily.csv``),
    the stored forecasts' accuracy by lead time (ACCURACY), and charts for the
    ``chart_queues`` busiest queues."""
    days = table["interval_start"]
    parts = [f"<h1>Shiftcast review: {html.escape(site.name)}</h1>",
             f"<p>Times are {html.escape(site.timezone)} local time; {interval_minutes}-minute intervals; from "
             f"{days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}. The model is the configured one at the volume, "
             f"handle time and agents that came.</p>",
             "<h2>Queues</h2>", _table(_review_summary(table, min_contacts))]
    if daily is not None and len(daily):
        shown = daily.assign(**{column: (daily[column] * 100).round(1) for column in daily.columns
                                if column.startswith(("sl_", "gap", "part_"))})
        parts += ["<h2>Each day's miss, in points of service level</h2>",
                  "<p>The gap between the plan's service level and the actual one, split into the volume, "
                  "handle time and staffing that differed from the plan (Shapley values) and what the model "
                  "itself missed; the parts add up to the gap.</p>", _table(shown.round({"volume_forecast": 0}))]
    if len(accuracy):
        parts += ["<h2>Forecast accuracy by lead time (stored snapshots)</h2>", _table(accuracy.round(3))]
    totals = table.groupby("queue", sort=True)["offered"].sum()
    charted = sorted(totals.sort_values(ascending=False, kind="stable").index[:chart_queues])
    figures: list[tuple[str, object]] = []
    for queue in charted:
        if daily is not None and (daily["queue"] == queue).any():
            figures.append((f"miss-{queue}", charts.miss_figure(daily, queue)))
        figures.append((f"review-{queue}", charts.review_figure(table[table["queue"] == queue], queue)))
    parts.append("<h2>Charts</h2>")
    if len(totals) > len(charted):
        parts.append(f"<p class='left-out'>Charts for the {len(charted)} busiest of {len(totals)} queues; the "
                     f"others are in the table above and in review.csv.</p>")
    return _page(f"Shiftcast review: {site.name}", parts, figures)
