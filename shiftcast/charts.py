"""Plotly figures shared by the dashboard and the plan report: pure functions of frames.

Each function takes the library's frames and returns a ``plotly.graph_objects.Figure``
with a title, axis labels with units, and the site's time zone named on the time axis.
Nothing here computes a model; it only draws what the library returned.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["forecast_figure", "heatmap_figure", "staffing_figure"]

BAND = "rgba(31, 119, 180, 0.18)"
LAYOUT = dict(template="plotly_white", height=380, margin=dict(l=60, r=20, t=60, b=50),
              legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))


def _time_axis(frame: pd.DataFrame) -> str:
    zone = frame["interval_start"].dt.tz if len(frame) else None
    return f"interval start ({zone})" if zone is not None else "interval start"


def forecast_figure(history: pd.DataFrame, forecast: pd.DataFrame, queue: str, *, interval_minutes: int,
                    history_days: int = 28) -> go.Figure:
    """Recent history and the forecast of one queue with its p10-p90 band (Frame A inputs)."""
    past = history[history["queue"] == queue]
    if len(past):
        past = past[past["interval_start"] > past["interval_start"].max() - pd.Timedelta(days=history_days)]
    ahead = forecast[forecast["queue"] == queue]
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
    rows = requirements[requirements["queue"] == queue]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["agents_scheduled"], name="scheduled (after shrinkage)",
                                line=dict(shape="hv", color="#ff7f0e")))
    figure.add_trace(go.Scatter(x=rows["interval_start"], y=rows["agents_required"], name="required on contacts",
                                line=dict(shape="hv", color="#1f77b4")))
    figure.update_layout(title=f"Agents per interval: {queue}", xaxis_title=_time_axis(rows),
                         yaxis_title="agents", **LAYOUT)
    return figure
