"""Plotly figures shared by the dashboard and the plan report: pure functions of frames.

Each function takes the library's frames and returns a ``plotly.graph_objects.Figure``
with a title, axis labels with units, and the site's time zone named on the time axis.
Nothing here computes a model; it only draws what the library returned.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["advice_figure", "coverage_figure", "miss_figure", "review_figure", "today_figure", "forecast_figure", "heatmap_figure", "service_level_figure", "shifts_figure",
           "staffing_figure"]

BAND = "rgba(31, 119, 180, 0.18)"
LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=60, r=20, t=60, b=50),
              legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))


def _time_axis(frame: pd.DataFrame) -> str:
    zone = frame["interval_start"].dt.tz if len(frame) else None
    return f"interval start ({zone})" if zone is not None else "interval start"


def _broken_at_gaps(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (one queue, by time) with a blank row after each interval that a gap follows
    (closed hours, missing days), so that lines break there instead of joining across."""
    steps = rows["interval_start"].diff()
    if steps.dropna().empty:
        return rows
    step = steps.mode().iloc[0]
    after_gap = steps > step
    blanks = pd.DataFrame({"interval_start": rows["interval_start"].shift()[after_gap] + step})
    return pd.concat([rows, blanks], ignore_index=True).sort_values("interval_start", kind="stable")


def forecast_figure(history: pd.DataFrame, forecast: pd.DataFrame, queue: str, *, interval_minutes: int,
                    history_days: int = 28) -> go.Figure:
    """Recent history and the forecast of one queue with its p10-p90 band (Frame A inputs)."""
    past = history[history["queue"] == queue]
    if len(past):
        past = _broken_at_gaps(past[past["interval_start"] > past["interval_start"].max() - pd.Timedelta(days=history_days)])
    ahead = _broken_at_gaps(forecast[forecast["queue"] == queue])
    figure = go.Figure()
    if {"volume_p10", "volume_p90"} <= set(ahead.columns):
        figure.add_trace(go.Scatter(x=ahead["interval_start"], y=ahead["volume_p90"], line=dict(width=0),
                                    showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=ahead["interval_start"], y=ahead["volume_p10"], fill="tonexty",
                                    fillcolor=BAND, line=dict(width=0), name="p10-p90 band"))
    figure.add_trace(go.Scatter(x=past["interval_start"], y=past["volume"], name="history",
                                line=dict(color="#555", width=1)))
    figure.add_trace(go.Scatter(x=ahead["interval_start"], y=ahead["volume"], name="forecast",
                                line=dict(color="#1f77b4", width=1.5)))
    figure.update_layout(title=f"Contacts per {interval_minutes} min: {queue}", xaxis_title=_time_axis(ahead),
                         yaxis_title=f"contacts per {interval_minutes} min", **LAYOUT)
    return figure


def heatmap_figure(table: pd.DataFrame, *, title: str, value_label: str) -> go.Figure:
    """A weekday x hour table (rows: weekdays, columns: hours 0-23) as a heatmap."""
    figure = go.Figure(go.Heatmap(z=table.to_numpy(), x=[f"{h:02d}:00" for h in table.columns],
                                  y=[str(d) for d in table.index], colorscale="Blues",
                                  colorbar=dict(title=value_label)))
    figure.update_layout(title=title, xaxis_title="hour of day (site time)", yaxis_title="weekday",
                         yaxis_autorange="reversed", **LAYOUT)
    return figure


def staffing_figure(requirements: pd.DataFrame, queue: str) -> go.Figure:
    """Agents required on contacts and agents to schedule per interval for one queue (Frame B)."""
    rows = _broken_at_gaps(requirements[requirements["queue"] == queue])
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["agents_scheduled"], name="scheduled (after shrinkage)",
                                line=dict(shape="hv", color="#ff7f0e")))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["agents_required"], name="required on contacts",
                                line=dict(shape="hv", color="#1f77b4")))
    figure.update_layout(title=f"Agents per interval: {queue}", xaxis_title=_time_axis(rows),
                         yaxis_title="agents", **LAYOUT)
    return figure


def service_level_figure(served: pd.DataFrame, queue: str, target: float) -> go.Figure:
    """One queue's simulated service level per interval at the planned staff (``service_by_queue.csv``
    rows: ``service_level_simulated`` with its standard error as a +-2 SE band) against its target."""
    rows = _broken_at_gaps(served.sort_values("interval_start"))
    level, spread = rows["service_level_simulated"], 2 * rows["service_level_simulated_se"].fillna(0)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=(level + spread).clip(upper=1), line=dict(width=0),
                                showlegend=False, hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=(level - spread).clip(lower=0), fill="tonexty",
                                fillcolor=BAND, line=dict(width=0), name="+-2 standard errors"))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=level, name="simulated, planned staff",
                                line=dict(color="#1f77b4")))
    figure.add_hline(y=target, line=dict(color="#d62728", dash="dash"), annotation_text=f"target {target:.0%}")
    figure.update_layout(title=f"Service level with skill groups: {queue}", xaxis_title=_time_axis(rows),
                         yaxis_title="share answered in time", yaxis_range=[0, 1.02], **LAYOUT)
    return figure


def advice_figure(scenarios: pd.DataFrame) -> go.Figure:
    """The cross-training advisor's scenarios (``cross_training.csv``): paid hours on the live
    queues each saves against dedicated staffing (the first row), labelled with its share."""
    saved = scenarios["paid_hours"].iloc[0] - scenarios["paid_hours"]
    figure = go.Figure(go.Bar(x=scenarios["scenario"], y=saved, marker_color="#2ca02c",
                              text=scenarios["saving_vs_dedicated"].map("{:.1%}".format), textposition="outside",
                              customdata=scenarios["paid_hours"],
                              hovertemplate="%{x}: %{customdata:,.0f} paid hours, %{y:,.0f} fewer<extra></extra>"))
    figure.update_layout(title=f"Paid hours saved against dedicated staffing ({scenarios['paid_hours'].iloc[0]:,.0f} h)",
                         xaxis_title="scenario", yaxis_title="paid agent-hours saved over the forecast",
                         yaxis_range=[0, 1.2 * max(float(saved.max()), 1.0)], **LAYOUT)
    return figure


def review_figure(review: pd.DataFrame, queue: str) -> go.Figure:
    """One queue's service level per interval with contacts (``review.csv`` rows): the actual one
    and the model's at the volume, handle time and staff that came."""
    rows = _broken_at_gaps(review[review["offered"] > 0].sort_values("interval_start"))
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["sl_actual"], name="actual",
                                line=dict(color="#1f77b4")))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["sl_predicted"], name="model at the staff that worked",
                                line=dict(color="#ff7f0e", dash="dot")))
    figure.update_layout(title=f"Service level, actual and modelled: {queue}", xaxis_title=_time_axis(rows),
                         yaxis_title="share answered in time", yaxis_range=[0, 1.02], **LAYOUT)
    return figure


def miss_figure(daily: pd.DataFrame, queue: str) -> go.Figure:
    """Each day's service-level gap of one queue (``daily.csv`` rows, ``review.miss``) in its
    parts, stacked (points; below zero they cost service level), with the gap marked."""
    rows = daily[daily["queue"] == queue].sort_values("date")
    figure = go.Figure()
    for part, colour in (("volume", "#1f77b4"), ("aht", "#ff7f0e"), ("staffing", "#2ca02c"), ("model", "#9467bd")):
        figure.add_trace(go.Bar(x=rows["date"], y=rows[f"part_{part}"] * 100, marker_color=colour,
                                name={"aht": "handle time"}.get(part, part)))
    figure.add_trace(go.Scatter(x=rows["date"], y=rows["gap"] * 100, mode="markers", name="gap (actual - planned)",
                                marker=dict(color="#222", symbol="diamond", size=9)))
    figure.update_layout(title=f"Each day's service-level miss in parts: {queue}", barmode="relative",
                         xaxis_title="day", yaxis_title="points of service level", **LAYOUT)
    return figure


def today_figure(today: pd.DataFrame, queue: str, now: pd.Timestamp) -> go.Figure:
    """One queue's day (``today.csv`` rows, :func:`shiftcast.intraday.run_intraday`): the
    actual contacts so far, the morning forecast, and from NOW the re-forecast with its
    p10-p90 band."""
    rows = today.sort_values("interval_start")
    rest = rows[rows["interval_start"] >= now]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rest["interval_start"], y=rest["reforecast_p90"], line=dict(width=0),
                                showlegend=False, hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=rest["interval_start"], y=rest["reforecast_p10"], line=dict(width=0), fill="tonexty",
                                fillcolor=BAND, name="re-forecast p10-p90"))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["morning"], name="morning forecast",
                                line=dict(color="#888", dash="dot")))
    figure.add_trace(go.Scatter(x=rest["interval_start"], y=rest["reforecast"], name="re-forecast",
                                line=dict(color="#1f77b4")))
    seen = rows[rows["interval_start"] < now]
    figure.add_trace(go.Scatter(x=seen["interval_start"], y=seen["actual"], name="actual so far", mode="lines+markers",
                                line=dict(color="#d62728")))
    figure.add_vline(x=now, line=dict(color="#444", width=1, dash="dash"))
    figure.update_layout(title=f"Today: {queue} (now {now:%H:%M})", xaxis_title=_time_axis(rows),
                         yaxis_title="contacts per interval", **LAYOUT)
    return figure


def coverage_figure(coverage: pd.DataFrame, queue: str) -> go.Figure:
    """Planned agents against the requirement for one queue (Frame C coverage), with short
    intervals marked red and over-staffed ones grey."""
    rows = coverage[coverage["queue"] == queue]
    short, over = rows[rows["gap"] < 0], rows[rows["gap"] > 0]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["required"], name="required (scheduled agents)",
                                line=dict(shape="hv", color="#ff7f0e")))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["planned"], name="planned on duty (not on break)",
                                line=dict(shape="hv", color="#2ca02c")))
    figure.add_trace(go.Bar(x=over["interval_start"], y=over["gap"], name="over-staffed by", marker_color="#bbb"))
    figure.add_trace(go.Bar(x=short["interval_start"], y=-short["gap"], name="short by", marker_color="#d62728"))
    figure.update_layout(title=f"Shift plan coverage: {queue}", xaxis_title=_time_axis(rows), yaxis_title="agents",
                         bargap=0, **LAYOUT)
    return figure


def shifts_figure(shifts: pd.DataFrame, day: object | None = None) -> go.Figure:
    """The shift plan as a timeline (Frame C shifts): one bar per shift, labelled with its
    agents; ``day`` (a local date) keeps the shifts starting that day."""
    rows = shifts if day is None else shifts[shifts["start"].dt.date == pd.Timestamp(day).date()]
    rows = rows.sort_values(["queue", "start"])
    labels = rows["queue"] + " " + rows["start"].dt.strftime("%a %H:%M") + " " + rows["paid_hours"].map("{:g}h".format)
    duration_ms = (rows["end"] - rows["start"]).dt.total_seconds() * 1000
    colour = {q: _QUEUE_COLOURS[i % len(_QUEUE_COLOURS)] for i, q in enumerate(sorted(shifts["queue"].unique()))}
    figure = go.Figure(go.Bar(
        base=rows["start"], x=duration_ms, y=labels, orientation="h", text=rows["agents"].map(lambda n: f"{n} agent{'s' if n != 1 else ''}"),
        textposition="inside", marker_color=rows["queue"].map(colour),
        customdata=rows[["shift_id", "breaks"]], hovertemplate="%{customdata[0]}<br>break %{customdata[1]}<br>%{text}<extra></extra>",
    ))
    when = "" if day is None else f" starting {pd.Timestamp(day).date():%a %d %b}"
    zone = rows["start"].dt.tz if len(rows) else None
    figure.update_layout(title=f"Shifts{when}", xaxis=dict(type="date", title=f"time ({zone})"),
                         yaxis=dict(title="shift (queue, start, length)", autorange="reversed"),
                         **{**LAYOUT, "height": max(300, 22 * len(rows) + 120)})
    return figure


_QUEUE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
