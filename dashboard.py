"""Shiftcast dashboard: forecast, peaks, staffing what-ifs and shift rosters for a support desk.

Run ``make run`` (plans the sample desk, then opens this page) or ``streamlit run
dashboard.py``. The page starts from a plan folder written by ``shiftcast plan``
(``$SHIFTCAST_PLAN``, default ``out/plan``); without one it plans the sample history
itself (slow the first time, then cached). Every number comes from the same library calls
as the CLI: this file only loads, calls and draws.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from forecast.calendar import holidays_between, read_events
from forecast.hours import with_history_hours
from forecast.ingest import Columns, ingest
from forecast.peaks import DAY_LABELS, heatmap_grid
from forecast.runner import forecast_queues, progress_steps
from shiftcast import charts
from core.config import config_from_dict, load_config, opening_hours_from_text
from core.errors import InputError
from core.output import csv_text, excel_bytes
from shiftcast.intraday import OnDuty, run_intraday
from shiftcast.pipeline import load_plan, run_plan, skill_facts
from core.readers import read_table
from core.schema import agents_file_table, interval_minutes, validate_agents
from review.accuracy import accuracy_by_lead
from review.actuals import actuals, predicted
from review.calibrate import calibrate
from review.log import LogColumns, read_log
from review.miss import daily_miss, with_plan
from staffing.advisor import advise
from staffing.explain import explain_interval, explain_pooled
from staffing.groupplan import plan_groups
from staffing.requirements import requirements as staff_forecast
from staffing.roster import assign_roster, weekly_grid
from staffing.shiftplan import ShiftPlan
from staffing.skillgroups import Desk
from staffing.weekplan import plan_week, shortfall_cause
from staffing.summary import queue_kpis
from staffing.whatif import WhatIf, restaff as restaff_queues

ROOT = Path(__file__).resolve().parent
SAMPLE_HISTORY = ROOT / "data" / "sample_history.csv.gz"
SAMPLE_CONFIG = ROOT / "data" / "shiftcast.toml"
SAMPLE_EVENTS = ROOT / "data" / "events.csv"
SAMPLE_AGENTS = ROOT / "data" / "agents.csv"
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=])")

st.set_page_config(page_title="Shiftcast", page_icon=":calendar:", layout="wide")


# ------------------------------------------------------------------ names are text


def _plain(text: object) -> str:
    """TEXT for Streamlit's Markdown (titles, captions, alerts, labels, metric values):
    every Markdown character backslash-escaped, so names show as typed and never as
    links, images, emphasis or colour directives."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def _chart_label(text: str) -> str:
    """TEXT for a plotly title, axis label or hover: plotly reads tags (<a href>, <b>) and entities in them."""
    return html.escape(text, quote=False)


def _queue_rows(frame: pd.DataFrame, queue: str) -> pd.DataFrame:
    """QUEUE's rows of FRAME for a chart, the name chart-safe (pass ``_chart_label(queue)`` as the queue)."""
    return frame[frame["queue"] == queue].assign(queue=_chart_label(queue))


# ----------------------------------------------------------------------------- loaders


@st.cache_resource(show_spinner="Loading the plan...")
def load_base(plan_dir: str) -> dict:
    """The starting plan: the folder ``shiftcast plan`` wrote, or the sample planned here."""
    if (Path(plan_dir) / "run.json").is_file():
        plan = load_plan(plan_dir)
        return dict(source=f"plan folder {plan_dir}", key=f"plan {Path(plan_dir).resolve()}", config=plan.config, history=plan.history,
                    events=plan.events, warnings=plan.warnings,
                    forecast=plan.forecast, backtest=plan.backtest, heatmap=plan.heatmap, peaks=plan.peaks,
                    requirements=plan.requirements, shifts=plan.shifts, coverage=plan.coverage, roster=plan.roster,
                    plan_summary=plan.record.get("shift_plan"), skills=plan.record.get("skill_groups"),
                    by_group=plan.by_group, service_by_queue=plan.service_by_queue, agents=plan.agents)
    config = load_config(SAMPLE_CONFIG)
    history = ingest(read_table(SAMPLE_HISTORY), timezone=config.site.timezone).frame
    events = read_events(read_table(SAMPLE_EVENTS), config.site.timezone)
    agents = validate_agents(read_table(SAMPLE_AGENTS))
    run = run_plan(history, config, horizon=pd.Timedelta(days=config.forecast.horizon_days), events=events,
                   agents=agents)
    return dict(source="the sample history (planned on this machine)", key="sample", config=config, history=history,
                events=events, warnings=(),
                forecast=run.forecast.forecast, backtest=run.forecast.backtest, heatmap=run.forecast.heatmap,
                peaks=run.forecast.peaks, requirements=run.requirements,
                shifts=None if run.shift_plan is None else run.shift_plan.shifts,
                coverage=None if run.shift_plan is None else run.shift_plan.coverage,
                roster=None if run.roster is None else run.roster.roster,
                plan_summary=None if run.shift_plan is None else run.shift_plan.summary(),
                skills=None if run.skill_plan is None else skill_facts(run),
                by_group=None if run.skill_plan is None else run.skill_plan.by_group,
                service_by_queue=None if run.skill_plan is None else run.skill_plan.simulated, agents=agents)


@st.cache_data(show_spinner="Reading the upload...", max_entries=4)
def read_upload(name: str, content: bytes) -> pd.DataFrame:
    """An uploaded CSV, Excel or Parquet file as a table (columns as they are). The bytes
    pass through a temporary folder, removed before returning; errors name the upload."""
    with tempfile.TemporaryDirectory(prefix="shiftcast-upload-") as folder:
        suffixes = Path(name.lower()).suffixes
        path = Path(folder) / ("upload" + "".join(suffixes[-2:] if suffixes[-1:] == [".gz"] else suffixes[-1:]))
        path.write_bytes(content)
        try:
            return read_table(path)
        except InputError as error:
            raise InputError(str(error).replace(str(path), name)) from None


@st.cache_data(show_spinner=False, max_entries=4)
def forecast_upload(table: pd.DataFrame, mapping: tuple, ignore: dict, _config, config_key: str) -> dict:
    """Ingest an uploaded history with the column mapping, without the rows to ignore
    (re-aggregated to the upload's interval when one is chosen), then forecast and staff it,
    with a progress bar over the queues' backtest folds and fits (shown only when it runs)."""
    ingested = ingest(table, timezone=_config.site.timezone, columns=Columns(*mapping), ignore=ignore,
                      interval_minutes=_config.site.interval_minutes, interval_source="the upload's interval")
    _config, hour_notes = with_history_hours(_config, ingested.frame)
    horizon = pd.Timedelta(days=_config.forecast.horizon_days)
    total, done = progress_steps(ingested.frame, _config, horizon), 0
    bar = st.progress(0.0, text="Forecasting the upload: backtesting the models...")

    def advance(queue: str) -> None:
        nonlocal done
        done += 1
        bar.progress(min(done / total, 1.0), text=f"Forecasting the upload: {_plain(queue)} ({done} of {total} steps)")

    result = forecast_queues(ingested.frame, horizon=horizon, config=_config, progress=advance)
    bar.empty()
    minutes = interval_minutes(ingested.frame, _config.site.interval_minutes)
    return dict(history=ingested.frame, notes=(*ingested.notes, *hour_notes), config=_config,
                patience=ingested.patience_seconds,
                forecast=result.forecast, backtest=result.backtest,
                heatmap=result.heatmap, peaks=result.peaks,
                requirements=staff_forecast(result.forecast, _config, interval_seconds=minutes * 60))


@st.cache_data(show_spinner="Planning shifts (HiGHS)...", max_entries=8)
def replan(requirements: pd.DataFrame, _config, scenario_key: str, _agents: pd.DataFrame | None = None) -> dict:
    """The shift plan for a scenario's requirements (the roster MILP runs only on request):
    over the skill groups of ``_agents`` when given (the plan on screen is over groups; the
    key says so), otherwise every queue on its own."""
    grouped = None
    if _agents is not None:
        grouped = plan_groups(requirements, requirements, _agents, _config,
                              interval_seconds=interval_minutes(requirements, _config.site.interval_minutes) * 60)
    plan = plan_week(requirements, _config) if grouped is None else grouped.shift_plan
    return dict(shifts=plan.shifts, coverage=plan.coverage, plan_summary=plan.summary())


@st.cache_data(max_entries=16)
def holidays_table(country: str | None, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    return holidays_between(country, first, last)


@st.cache_resource(max_entries=64)
def forecast_chart(data_key: str, queue: str, minutes: int, _history, _forecast):
    """The forecast figure of one queue (built once per data and queue)."""
    return charts.forecast_figure(_queue_rows(_history, queue), _queue_rows(_forecast, queue), _chart_label(queue),
                                  interval_minutes=minutes)


IGNORE_CHOICES = 30  # a column offers its values as rows to ignore when it has at most this many


def ignored_rows(table: pd.DataFrame, key: str = "ignore") -> dict[str, list[str]]:
    """The upload's rows to ignore (e.g. outcome PHANTOM): a column with few values, then values
    (widget keys start with KEY, one picker per upload)."""
    few = [str(c) for c in table.columns
           if pd.api.types.is_string_dtype(table[c]) and table[c].nunique() <= IGNORE_CHOICES]
    column = st.selectbox("Rows to ignore: column", ["(none)", *few], key=f"{key}_column")
    if column == "(none)":
        return {}
    values = sorted(table[column].dropna().astype(str).str.strip().unique())
    picked = st.multiselect(f"Ignore rows whose {column} is", values, key=f"{key}_values:{column}")
    return {column: picked} if picked else {}


UPLOAD_INTERVALS = {"the data's own": None, "15 minutes": 15, "30 minutes": 30, "60 minutes": 60}


def upload_site(config):
    """The upload's own desk: name, time zone, holiday country, interval, opening hours and
    seats, asked in the sidebar (defaults: the plan's site and seat cap, the data's own
    interval, the hours the data shows); the plan's other settings."""
    site = config.site
    with st.sidebar.expander("Your desk", expanded=True):
        name = st.text_input("Desk name", "Your desk", key="upload_name")
        zone = st.text_input("Time zone (IANA, e.g. America/New_York)", site.timezone, key="upload_zone")
        country = st.text_input("Holidays of (ISO country code, empty for none)", site.country or "",
                                key="upload_country")
        interval = st.selectbox("Interval", list(UPLOAD_INTERVALS), key="upload_interval")
        hours = st.text_input("Opening hours (empty: open when the data has contacts)", "",
                              placeholder="mon-fri 07:00-21:00, sat closed, sun closed", key="upload_hours")
        seats = st.number_input("Seats: most agents on duty at once", 1, 100_000, config.shifts.max_agents,
                                key="upload_seats")
    raw = {**site.model_dump(), "name": name, "timezone": zone.strip(), "country": country.strip().upper() or None,
           "interval_minutes": UPLOAD_INTERVALS[interval], "opening_hours": opening_hours_from_text(hours)}
    settings = config.model_dump(mode="json")
    return config_from_dict({**settings, "site": raw, "shifts": {**settings["shifts"], "max_agents": int(seats)}},
                            source="the upload's desk")


# ------------------------------------------------------------------------- the data

plan_dir = os.environ.get("SHIFTCAST_PLAN", str(ROOT / "out" / "plan"))
try:
    base = load_base(plan_dir)
except InputError as error:
    st.error(_plain(f"Cannot open the plan: {error}"))
    st.stop()
config = base["config"]
zone = config.site.timezone

st.sidebar.title("Shiftcast")
st.sidebar.caption(_plain(f"{config.site.name} - times in {zone}"))
for warning in base["warnings"]:
    st.sidebar.warning(_plain(warning))
upload = st.sidebar.file_uploader("Your history: a contact log or an interval export",
                                  type=["csv", "gz", "xlsx", "parquet"], key="history_upload")
data = base
if upload is not None:
    try:
        table = read_upload(upload.name, upload.getvalue())
        with st.sidebar.expander("Columns, and rows to ignore", expanded=False):
            options = ["(auto)", *map(str, table.columns)]
            picks = [st.selectbox(label, options, key=f"map_{role}") for role, label in (
                ("timestamp", "timestamp"), ("volume", "volume per interval"), ("queue", "queue / channel"),
                ("aht", "average handle seconds"), ("handle", "handle seconds per contact"),
                ("abandoned", "abandoned flag"))]
            ignore = ignored_rows(table)
        mapping = tuple(None if p == "(auto)" else p for p in picks)
        desk = upload_site(config)
        uploaded = forecast_upload(table, mapping, ignore, desk, desk.model_dump_json())
        config, zone = uploaded["config"], desk.site.timezone  # the desk, closed on the weekdays the data shows
        # the cached figures and plans of an upload are keyed by its content and settings, not its name
        upload_key = (f"upload {upload.name} {hashlib.sha256(upload.getvalue()).hexdigest()[:16]} {mapping} "
                      f"{sorted(ignore.items())} {desk.model_dump_json()}")
        data = {**base, **uploaded, "source": f"upload {upload.name}", "key": upload_key, "config": config,
                "roster": None, "events": None, "shifts": None, "coverage": None, "plan_summary": None,
                "skills": None, "by_group": None, "service_by_queue": None, "agents": None}
        for note in uploaded["notes"]:
            st.sidebar.info(_plain(note))
        try:
            data |= replan(uploaded["requirements"], config, upload_key)
        except InputError as error:
            st.sidebar.warning(_plain(f"No shift plan for {upload.name}: {error}"))
    except InputError as error:
        st.sidebar.error(_plain(f"Cannot use {upload.name}: {error}"))

forecast, history = data["forecast"], data["history"]
minutes = interval_minutes(data["requirements"], config.site.interval_minutes)
queues = forecast.groupby("queue")["volume"].sum().sort_values(ascending=False, kind="stable").index.tolist()
queue = st.sidebar.selectbox("Queue (busiest first)", queues, key="queue")
settings, settings_source = config.queue(queue)

# ------------------------------------------------------------------------ what-ifs

# A what-if field -> (QueueSettings field or None, widget value -> value used). Values are
# kept per queue in session state, so switching queues keeps each queue's scenario.
WHAT_IF_FIELDS = {
    "volume_pct": (None, lambda v: v / 100), "aht_pct": (None, lambda v: v / 100),
    "sl": ("service_level", lambda v: v / 100), "answer": ("answer_seconds", float),
    "patience": ("patience_seconds", lambda v: float(v) or None), "concurrency": ("concurrency", int),
    "response": ("response_hours", float), "shrinkage": ("shrinkage", lambda v: v / 100),
    "occupancy": ("max_occupancy", lambda v: v / 100),
}
saved = st.session_state.setdefault("what_if_values", {})  # queue -> {field: widget value}


def _set_state(key: str, value: object) -> None:
    """A button's callback: set a widget's value before the rerun draws it."""
    st.session_state[key] = value


def what_if_controls(name: str, settings) -> None:
    """Draw one queue's what-if widgets (keyed "whatif:FIELD:QUEUE") and save their values."""
    values = saved.setdefault(name, {})

    def control(field, widget, label, start_value, low, high, step):
        key = f"whatif:{field}:{name}"
        if key not in st.session_state:  # the value lives in session state: no value= default
            st.session_state[key] = values.get(field, start_value)
        values[field] = widget(label, min_value=low, max_value=high, step=step, key=key)

    control("volume_pct", st.slider, "Volume change %", 0, -30, 100, 5)
    control("aht_pct", st.slider, "Handle time change %", 0, -30, 50, 5)
    if settings.deferred:
        control("response", st.number_input, "Answer within (hours)", int(settings.response_hours), 1, 72, 1)
    else:
        control("sl", st.slider, "Service-level target %", round(settings.service_level * 100), 50, 99, 1)
        control("answer", st.number_input, "Answer within (s)", int(settings.answer_seconds), 0, 3600, 5)
        control("patience", st.number_input, "Mean patience (s; 0 = nobody abandons)",
                int(settings.patience_seconds or 0), 0, 3600, 10)
        seen = data.get("patience", {}).get(name)
        if seen is not None:  # a contact log's waits and abandoned flags show the callers' patience
            st.button(f"Use the data's patience: {seen:.0f} s", key=f"use_patience:{name}", on_click=_set_state,
                      args=(f"whatif:patience:{name}", min(3600, int(round(seen)))))
        if settings.channel == "chat":
            control("concurrency", st.number_input, "Chats per agent", settings.concurrency, 1, 6, 1)
    control("shrinkage", st.slider, "Shrinkage %", round(settings.shrinkage * 100), 0, 60, 1)
    control("occupancy", st.slider, "Max occupancy %", round((settings.max_occupancy or 1) * 100), 50, 100, 1)


def what_ifs() -> dict[str, WhatIf]:
    """Every queue's saved what-if; queues never touched are staffed as planned."""
    result = {}
    for name, values in saved.items():
        converted = {field: WHAT_IF_FIELDS[field][1](v) for field, v in values.items()}
        changes = {WHAT_IF_FIELDS[f][0]: v for f, v in converted.items() if WHAT_IF_FIELDS[f][0] is not None}
        result[name] = WhatIf(converted.get("volume_pct", 0.0), converted.get("aht_pct", 0.0), changes)
    return result


@st.cache_data(max_entries=4)
def planned_kpis(data_key: str, _requirements: pd.DataFrame, minutes: int) -> pd.DataFrame:
    return queue_kpis(_requirements, minutes).set_index("queue")


def restaff() -> dict:
    """The scenario of the saved what-ifs: changed forecast, config and requirements."""
    chosen = what_ifs()
    table, changed_config, _ = restaff_queues(forecast, config, data["requirements"], chosen,
                                              interval_seconds=minutes * 60)
    key = data["key"] + repr(sorted((q, w.volume_change, w.aht_change, sorted(w.settings.items()))
                                    for q, w in chosen.items()))
    changed = not np.array_equal(table["agents_scheduled"].to_numpy(), data["requirements"]["agents_scheduled"].to_numpy())
    return dict(key=key, config=changed_config, requirements=table, changed=changed)


st.title(_plain(f"{config.site.name}: {queue}"))
st.caption(_plain(f"From {data['source']}. Forecast {forecast['interval_start'].min():%a %d %b} to "
                  f"{forecast['interval_start'].max():%a %d %b %Y}, {minutes}-minute intervals, times in {zone}. "
                  f"Settings: [{settings_source}]."))
forecast_tab, staffing_tab, roster_tab, today_tab, review_tab, export_tab = st.tabs(
    ["Forecast", "Staffing", "Roster", "Today", "Review", "Export"])

# -------------------------------------------------------------------------- forecast

with forecast_tab:
    st.plotly_chart(forecast_chart(data["key"], queue, minutes,
                                   history if history is not None else forecast.iloc[:0], forecast),
                    key="chart_forecast")
    rows = forecast[forecast["queue"] == queue]
    left, middle, right = st.columns(3)
    left.metric("Contacts forecast", f"{rows['volume'].sum():,.0f}")
    middle.metric("Busiest interval", f"{rows['volume'].max():,.0f}",
                  help=f"{rows.loc[rows['volume'].idxmax(), 'interval_start']:%a %d %b %H:%M}")
    chosen = data["backtest"][(data["backtest"]["queue"] == queue) & data["backtest"]["chosen"]]
    right.metric("Chosen model's backtest wMAPE", f"{chosen['wmape'].iloc[0]:.1%}" if len(chosen) else "-")

    st.subheader("Backtest: how each model did on past weeks")
    table = data["backtest"][data["backtest"]["queue"] == queue].copy()
    table["chosen"] = table["chosen"].map({True: "chosen", False: ""})
    if "note" in table:
        table["note"] = table["note"].astype(object).fillna("")  # read back from CSV, an empty note is NaN
    shown = [c for c in ("chosen", "model", "wmape", "bias", "mase", "peak_wmape", "coverage_p10_p90", "note")
             if c in table]
    st.dataframe(table[shown].sort_values("wmape").round(3), hide_index=True, key="backtest_table")
    st.caption("wMAPE: the forecast's absolute errors as a share of the contacts (0.10 = off by 10% of the "
               "volume). bias: over (+) or under (-) forecast, same scale. MASE: error against a naive "
               "same-time-last-week forecast (below 1 beats it). peak_wmape: wMAPE in each day's busiest "
               "intervals. coverage_p10_p90: share of actual intervals inside the p10-p90 band (about 0.8 is "
               "honest). Scored on past weeks the model did not see (rolling origins).")

    st.subheader("When the peaks come")
    heat = heatmap_grid(data["heatmap"], queue)
    st.plotly_chart(charts.heatmap_figure(heat, title=f"Forecast contacts per hour by weekday: {_chart_label(queue)}",
                                          value_label="contacts / hour"), key="chart_heatmap")
    with st.expander("Heatmap numbers and daily peak windows"):
        st.dataframe(heat.round(1), key="heatmap_table")
        peaks = data["peaks"][data["peaks"]["queue"] == queue]
        st.dataframe(peaks[["date", "peak_start", "peak_end", "peak_volume", "share_of_day"]]
                     .round({"peak_volume": 1, "share_of_day": 3}), hide_index=True, key="peaks_table")

    st.subheader("Holidays and events")
    first = history["interval_start"].min() if history is not None else forecast["interval_start"].min()
    days = holidays_table(config.site.country, first, forecast["interval_start"].max())
    left, right = st.columns(2)
    left.caption(f"Public holidays ({config.site.country or 'no country set'}): the forecast treats them as holiday days")
    left.dataframe(days, hide_index=True, key="holidays_table")
    if data.get("events") is not None:
        right.caption("Events (market surges, planned upgrades): kept out of training, applied when ahead")
        right.dataframe(data["events"], hide_index=True, key="events_table")

# -------------------------------------------------------------------------- staffing


def typical_day(rows: pd.DataFrame, value: str = "agents_scheduled", by: tuple[str, ...] = ()) -> pd.DataFrame:
    """ROWS as weekday x hour: the most VALUE in each hour (blank where the desk is closed),
    rows Mon..Sun (within each of the BY columns' values), columns 00..23."""
    stamps = rows["interval_start"]
    order = {day: position for position, day in enumerate(DAY_LABELS)}
    table = rows.assign(weekday=stamps.dt.day_of_week.map(dict(enumerate(DAY_LABELS))),
                        hour=stamps.dt.strftime("%H")).pivot_table(
        index=[*by, "weekday"], columns="hour", values=value, aggfunc="max")
    return table.sort_index(key=lambda level: level.map(order) if level.name == "weekday" else level)


def _delta(now: pd.Series, before: pd.Series, field: str, text, tolerance: float = 0.0) -> str | None:
    """The what-if's change of ``field`` against the plan as ``text(change)``; None (no arrow)
    when this queue's figure did not change."""
    change = now[field] - before[field]
    return text(change) if abs(change) > tolerance else None


@st.fragment
def staffing_view() -> None:
    """What-if controls and the staffing they give. A control reruns only this view."""
    controls, view = st.columns([1, 3], gap="large")
    with controls:
        st.markdown(f"**What if ({_plain(queue)})**")
        what_if_controls(queue, settings)
    try:
        scenario = restaff()
    except InputError as error:
        view.error(_plain(f"That what-if cannot be staffed: {error}"))
        return
    st.session_state["scenario"] = scenario
    table, changed = scenario["requirements"], scenario["changed"]
    now = queue_kpis(table[table["queue"] == queue], minutes).set_index("queue").loc[queue]
    before = planned_kpis(data["key"], data["requirements"], minutes).loc[queue]
    erlang_queue = not settings.deferred
    with view:
        cells = st.columns(3) + st.columns(3)
        cells[0].metric("Service level", f"{now['service_level']:.1%}",
                        _delta(now, before, "service_level", lambda d: f"{d * 100:+.1f} pts", 5e-4))
        cells[1].metric("ASA (s)" if erlang_queue else "Mean response (min)",
                        f"{now['asa_seconds']:.1f}" if erlang_queue else f"{now['asa_seconds'] / 60:.0f}")
        cells[2].metric("Occupancy", f"{now['occupancy']:.0%}")
        cells[3].metric("Abandoned", "-" if pd.isna(now["abandon_rate"]) else f"{now['abandon_rate']:.1%}")
        cells[4].metric("Peak agents to schedule", int(now["peak_agents_scheduled"]),
                        _delta(now, before, "peak_agents_scheduled", lambda d: f"{int(d):+d}"), delta_color="inverse")
        cells[5].metric("Agent-hours to schedule", f"{now['agent_hours_scheduled']:,.0f}",
                        _delta(now, before, "agent_hours_scheduled", lambda d: f"{d:+,.0f}", 0.5),
                        delta_color="inverse")
        st.plotly_chart(charts.staffing_figure(_queue_rows(table, queue), _chart_label(queue)), key="chart_staffing")
        st.markdown("**A typical day: most agents to schedule, by weekday and hour**")
        st.dataframe(typical_day(table[table["queue"] == queue]), key="typical_day")
        if changed:
            st.download_button("These what-if requirements (CSV)", lambda: csv_text(table),
                               file_name="requirements_what_if.csv", mime="text/csv", key="dl_what_if")

    st.subheader("Explain one interval")
    rows = table[table["queue"] == queue].reset_index(drop=True)
    picked = st.selectbox("Interval", range(len(rows)), index=int(rows["volume"].idxmax()), key=f"explain:{queue}",
                          format_func=lambda i: f"{rows.loc[i, 'interval_start']:%a %d %b %H:%M} "
                                                f"({rows.loc[i, 'volume']:.0f} contacts)")
    row = rows.loc[picked]
    queue_settings = scenario["config"].queue(queue)[0]
    if erlang_queue:
        shown = explain_interval(row["volume"], row["aht_seconds"], minutes * 60, queue_settings)
        for step in shown.steps:
            st.markdown(f"- {step}")
        st.dataframe(shown.headcounts.round(4), hide_index=True, key="explain_table")
    else:
        hours = queue_settings.response_hours
        st.markdown(
            f"- Work arriving: {row['volume']:.1f} contacts x {row['aht_seconds']:.0f} s = "
            f"{row['volume'] * row['aht_seconds'] / 3600:.2f} agent-hours\n"
            f"- Each contact's work is spread over its {hours:g}-hour answer window; the work due in this interval "
            f"needs {row['agents_required_fractional']:.2f} agents at {queue_settings.max_occupancy or 1:.0%} "
            f"productivity, so {int(row['agents_required'])} whole agents\n"
            f"- Shrinkage {queue_settings.shrinkage:.0%}: schedule {int(row['agents_scheduled'])} agents; "
            f"contacts of this interval answered within {row['asa_seconds'] / 60:.0f} minutes")
    with st.expander("All intervals of this queue"):
        numbers = ["volume", "aht_seconds", "traffic_erlangs", "service_level", "asa_seconds", "occupancy"]
        st.dataframe(rows[["interval_start", "agents_required", "agents_scheduled", *numbers]]
                     .round(dict.fromkeys(numbers, 3)), hide_index=True, key="requirements_table")


def skills_view() -> None:
    """A plan over skill groups: the groups that serve this queue, their agents by weekday and
    hour, and each queue's simulated service level next to its own (dedicated) Erlang figure."""
    facts, by_group, served = data.get("skills"), data.get("by_group"), data.get("service_by_queue")
    if not facts or by_group is None or served is None:
        return
    st.subheader("Skill groups: agents who serve several queues")
    mine = [name for name, group in facts["groups"].items() if queue in group["queues"]]
    st.caption(_plain(f"Shifts are planned per skill group: cost {facts['cost']:,.0f} against "
                      f"{facts['dedicated_cost']:,.0f} with every queue on its own ({facts['saving']:.1%} less). "
                      f"Groups serving {queue}: {', '.join(mine)}."))
    levels = pd.DataFrame({
        "queue": list(facts["simulated_service_level"]),
        "service level (simulated, planned staff)": list(facts["simulated_service_level"].values()),
        "target": [config.queue(q)[0].service_level for q in facts["simulated_service_level"]],
    })
    st.dataframe(levels.round(3), hide_index=True, key="skills_levels")
    for deferred, blended in facts.get("blending", {}).items():
        st.caption(_plain(f"{deferred} is blended into the idle time of live agents who have the skill: it replaces "
                          f"about {blended['replaced_agent_hours']:,.0f} dedicated agent-hours, so its dedicated staff "
                          f"needs {blended['dedicated_agent_hours']:,.0f} agent-hours on contacts instead of "
                          f"{blended['dedicated_agent_hours_unblended']:,.0f}."))
    rows = by_group[by_group["skill_group"].isin(mine)]
    if len(rows):
        st.markdown(f"**Agents on contacts per skill group serving {_plain(queue)}, most in each hour**")
        st.dataframe(typical_day(rows, "agents_required", by=("skill_group",)), key="skills_by_group")
    mine_served = served[served["queue"] == queue]
    if len(mine_served):
        st.plotly_chart(charts.service_level_figure(mine_served, _chart_label(queue), settings.service_level),
                        key="chart_skills_sl")

    if not st.toggle("Explain one pooled interval", key="explain_pooled"):  # computed only when asked
        return
    desk = Desk(tuple(sorted({q for group in facts["groups"].values() for q in group["queues"]})),
                {name: (tuple(group["queues"]), group["agents"]) for name, group in facts["groups"].items()}, {})
    busiest = rows.groupby("interval_start")["agents_required"].sum() if len(rows) else \
        by_group.groupby("interval_start")["agents_required"].sum()
    stamps = list(busiest.index)
    picked = st.selectbox("Interval", range(len(stamps)), index=int(np.argmax(busiest.to_numpy())),
                          key=f"explain_pooled:{queue}", format_func=lambda i: f"{stamps[i]:%a %d %b %H:%M}")
    shown = explain_pooled(data["forecast"], config, desk, by_group, stamps[picked], interval_seconds=minutes * 60,
                           simulated=served)
    for step in shown.steps:
        st.markdown(f"- {_plain(step)}")
    left, right = st.columns([3, 2])
    left.dataframe(shown.bounds, hide_index=True, key="explain_pooled_bounds")
    right.dataframe(shown.queues.round(3), hide_index=True, key="explain_pooled_queues")


@st.cache_data(show_spinner="Trying second skills for the agents (a few seconds per candidate)...", max_entries=4)
def advice_for(key: str, agents_key: str, _forecast: pd.DataFrame, _config, _agents: pd.DataFrame, max_share: float,
               interval_seconds: int):
    """The cross-training advisor for the plan KEY's forecast and the agents file AGENTS_KEY (its content hash)."""
    return advise(_forecast, _config, _agents, interval_seconds=interval_seconds, max_share=max_share)


def advisor_view() -> None:
    """Cross-training advisor: paid hours with dedicated queues, today's skills, the best agents
    given a second skill, and every skill; which second skills to train first."""
    live = [q for q in queues if not config.queue(q)[0].deferred]
    if len(live) < 2:
        return
    with st.expander("Cross-training advisor: which second skills would save the most"):
        agents = data.get("agents")
        if agents is None:
            upload = st.file_uploader("Agents file (agents.csv) with skills and languages", type=["csv"],
                                      key="advisor_agents")
            if upload is None:
                st.caption("Upload the agents file to see what cross-training would save.")
                return
            try:
                agents = validate_agents(read_upload(upload.name, upload.getvalue()), source=upload.name)
            except InputError as error:
                st.error(_plain(f"Cannot use {upload.name}: {error}"))
                return
        share = st.slider("Train at most this share of the agents", 0.05, 0.5, 0.2, 0.05, key="advisor_share")
        asked = st.session_state.setdefault("advised", set())
        if st.button("Advise", key="advise") or (data["key"], share) in asked:
            asked.add((data["key"], share))
            try:
                agents_key = hashlib.sha256(csv_text(agents_file_table(agents)).encode()).hexdigest()
                advice = advice_for(data["key"], agents_key, data["forecast"], config, agents, share, minutes * 60)
            except InputError as error:
                st.error(_plain(f"No advice for this desk: {error}"))
                return
            st.plotly_chart(charts.advice_figure(advice.scenarios.assign(scenario=lambda f: f["scenario"].map(
                _chart_label))), key="chart_advice")
            st.dataframe(advice.scenarios.round(3), hide_index=True, key="advice_scenarios")
            if advice.steps.empty:
                st.caption("No second skill saves hours on this forecast.")
            else:
                st.markdown("**Train in this order** (each step: the agents of one group who learn one queue)")
                st.dataframe(advice.steps.round(2), hide_index=True, key="advice_steps")


with staffing_tab:
    staffing_view()
    skills_view()
    advisor_view()
scenario = st.session_state.get("scenario")
if scenario is None:  # the what-if could not be staffed: fall back to the plan
    scenario = dict(key="", config=config, requirements=data["requirements"], changed=False)

# ---------------------------------------------------------------------------- roster

with roster_tab:
    plan = data
    if scenario["changed"] and data["shifts"] is not None:
        st.info("The shift plan below is for the planned requirements. Your what-ifs change them.")
        if st.button("Re-plan shifts for these what-ifs", key="replan"):
            st.session_state["replanned"] = scenario["key"]
        if st.session_state.get("replanned") == scenario["key"]:
            by_group = data.get("skills") is not None and data.get("agents") is not None
            plan = replan(scenario["requirements"], scenario["config"], f"{scenario['key']} groups={by_group}",
                          data["agents"] if by_group else None)
    if plan["shifts"] is None:
        st.warning("No shift plan yet: run `shiftcast plan` (or `make run`) to plan shifts for this history.")
    else:
        facts = plan["plan_summary"] or {}
        if facts.get("week_start"):
            st.caption(_plain(f"Shift plan for the week from {pd.Timestamp(facts['week_start']):%a %d %b %Y}, the "
                              f"first week of the forecast ({'re-planned for your what-ifs' if plan is not data else 'as planned'})."))
        cells = st.columns(5)
        cells[0].metric("Shifts", f"{int(plan['shifts']['agents'].sum()):,}")
        cells[1].metric("Paid agent-hours", f"{facts.get('paid_agent_hours', 0):,.0f}")
        cells[2].metric("Cost", f"{facts.get('cost', 0):,.0f}")
        cells[3].metric("Short agent-hours", f"{facts.get('shortfall_agent_hours', 0):,.1f}")
        on_screen = ShiftPlan.from_summary(plan["shifts"], plan["coverage"], plan["plan_summary"])
        cause = shortfall_cause(on_screen, scenario["config"].shifts.max_agents)
        if cause is not None:
            st.warning(_plain(f"Short: {cause}."))
        cells[4].metric("Solver", _plain(facts.get("status", "-")), f"gap {facts.get('gap', 0):.2%}", delta_color="off")
        days = sorted(plan["shifts"]["start"].dt.date.unique())
        day = st.selectbox("Day", days, format_func=lambda d: f"{d:%a %d %b}", key="roster_day")
        # a plan over skill groups has shifts of groups ("chat_en+chat_zh"): those serving this queue
        units = [unit for unit in plan["coverage"]["queue"].drop_duplicates() if queue in str(unit).split("+")]
        if len(units) > 1:
            unit = st.selectbox(f"Shifts of the skill group serving {_plain(queue)}", units, key=f"unit:{queue}")
        else:
            unit = units[0] if units else queue
        if "+" in "".join(map(str, units)):
            st.caption(_plain(f"Shifts are planned per skill group (agents who serve the same queues); "
                              f"{', '.join(map(str, units))} serve {queue}."))
        mine = plan["shifts"][plan["shifts"]["queue"] == unit]  # the selected queue's shifts, not every queue's
        shifts = mine.assign(queue=lambda f: f["queue"].map(_chart_label),
                             shift_id=lambda f: f["shift_id"].map(_chart_label))
        st.plotly_chart(charts.shifts_figure(shifts, day), key="chart_shifts")
        st.plotly_chart(charts.coverage_figure(_queue_rows(plan["coverage"], unit), _chart_label(unit)),
                        key="chart_coverage")
        cover = plan["coverage"][plan["coverage"]["queue"] == unit]
        short = cover[cover["gap"] < 0]
        left, right = st.columns(2)
        grouped = any("+" in str(name) for name in plan["coverage"]["queue"].unique())
        if grouped:  # a group's "required" is its share of the allocation: other groups may cover the rest
            st.caption("In a plan over skill groups a group's requirement is its share of the allocation; the "
                       "groups serving a set of queues cover its pooled need together, so a group below its share "
                       "is not short (the simulated service level says whether the queues are served).")
        left.metric("Intervals below this group's share" if grouped else "Intervals short", len(short))
        right.metric("Intervals over-staffed", int((cover["gap"] > 0).sum()))
        if len(short):
            st.dataframe(short[["interval_start", "required", "planned", "gap", "service_level"]], hide_index=True,
                         key="short_table")

        st.subheader("Who works when")
        agents_upload = st.file_uploader("Agents file (agents.csv) to roster onto this plan", type=["csv"],
                                         key="agents_upload")
        plan_key = "planned" if plan is data else scenario["key"]
        rosters = st.session_state.setdefault("rosters", {})  # plan on screen -> the roster named for it
        if agents_upload is not None:
            try:
                agents = validate_agents(read_upload(agents_upload.name, agents_upload.getvalue()),
                                         source=agents_upload.name)
                if st.button("Roster these agents (HiGHS)", key="run_roster"):  # onto the plan on screen
                    rosters[plan_key] = assign_roster(on_screen, agents, scenario["config"]).roster
            except InputError as error:
                st.error(_plain(f"Cannot use {agents_upload.name}: {error}"))
        roster = rosters.get(plan_key, data["roster"] if plan is data else None)
        if roster is not None:
            grid = weekly_grid(roster)
            st.dataframe(grid, hide_index=True, key="roster_grid")
            st.download_button("This roster, agent by day (CSV)", lambda: csv_text(grid), file_name="roster_grid.csv",
                               mime="text/csv", key="dl_named_roster")
            with st.expander("Every shift of the roster"):
                st.dataframe(roster, hide_index=True, key="roster_table")
        else:
            st.caption("No named roster for this plan: upload an agents file.")

# ----------------------------------------------------------------------------- today


@st.cache_data(show_spinner="Re-forecasting the rest of today...", max_entries=4)
def intraday_of(key: str, _today: pd.DataFrame, _history: pd.DataFrame, _config, _events, _plan: OnDuty | None):
    """``run_intraday`` on the plan's history and today's intervals so far (KEY: the plan and
    the state of today's data); now = the end of the latest interval seen."""
    step = pd.Timedelta(minutes=interval_minutes(_today, _config.site.interval_minutes))
    now = _today["interval_start"].max() + step
    return run_intraday(pd.concat([_history, _today], ignore_index=True), now, _config, events=_events, plan=_plan,
                        plan_name="the plan on screen")


@st.fragment(run_every="20s")
def today_view() -> None:
    """The rest of today: actual vs morning forecast vs re-forecast, surge alerts, the gap
    against the plan on screen and the moves that close it. Re-reads the watched file by
    itself when it changes (every 20 s)."""
    path = st.text_input("Today's intervals so far: a watched file (CSV, Excel or Parquet interval export)",
                         os.environ.get("SHIFTCAST_TODAY", ""), key="today_path")
    if not path:
        st.caption("Give the file your ACD or helpdesk export writes today's intervals to; this page re-reads it "
                   "when it changes. `shiftcast intraday` does the same in batch.")
        return
    try:
        stamp = Path(path).stat().st_mtime  # in the cache key: a changed file is re-forecast
        today = ingest(read_table(path), timezone=zone, interval_minutes=minutes).frame
        plan = None if data["coverage"] is None else OnDuty(data["coverage"], data["roster"], data["agents"])
        run = intraday_of(f"{data['key']} {path} {stamp}", today, history, config, data["events"], plan)
    except (OSError, InputError) as error:
        st.error(_plain(f"Cannot re-forecast today from {path}: {error}"))
        return
    st.caption(_plain(f"Now {run.now:%a %d %b %H:%M} (the end of the latest interval in {Path(path).name}); "
                      f"read at {pd.Timestamp.now(tz=zone):%H:%M:%S}."))
    for alert in run.alerts.itertuples():
        st.error(_plain(f"{alert.alert.title()} on {alert.queue} since {alert.since:%H:%M}: {alert.actual:,.0f} "
                        f"contacts against {alert.forecast:,.0f} forecast ({alert.ratio:.0%}) in {alert.intervals} "
                        f"intervals"))
    rows = run.today[run.today["queue"] == queue]
    if rows.empty:
        st.info(_plain(f"{queue} has no forecast today."))
        return
    st.plotly_chart(charts.today_figure(rows, _chart_label(queue), run.now), key="chart_today")
    if run.gap is None:
        st.caption("No shift plan on screen: no staffing gap or moves.")
        return
    gap = run.gap[run.gap["queue"] == queue]
    cells = st.columns(3)
    cells[0].metric("Agent-intervals short (rest of today)", f"{gap['agents_short'].sum():,.1f}")
    cells[1].metric("Lowest projected service level", f"{gap['sl_projected'].min():.0%}" if gap["sl_projected"].notna()
                    .any() else "-")
    if run.moves is not None:
        cells[2].metric("Below target, all queues (points)", f"{run.moves.shortfall_after * 100:.1f}",
                        f"{(run.moves.shortfall_after - run.moves.shortfall_before) * 100:+.1f} with the moves",
                        delta_color="inverse")
        if run.moves.moves.empty:
            st.caption(_plain(f"No move needed or possible ({run.moves.status})."))
            return
        st.markdown("**Moves that close the gap** (untick the ones you skip; the download keeps the ticked ones; "
                    "new actuals bring a new proposal)")
        proposal = run.moves.moves.copy()
        proposal.insert(0, "accept", True)
        table = st.data_editor(proposal, hide_index=True, key="today_moves", disabled=list(run.moves.moves.columns))
        st.download_button("Accepted moves (CSV)", csv_text(table[table["accept"]].drop(columns="accept")),
                           file_name="moves.csv", mime="text/csv", key="dl_moves")


with today_tab:
    today_view()

# ---------------------------------------------------------------------------- review


@st.cache_data(show_spinner="Reviewing the log...", max_entries=4)
def review_log(key: str, table: pd.DataFrame, arrival: str | None, ignore: tuple, _config,
               _requirements: pd.DataFrame) -> dict:
    """Actuals of an uploaded contact log beside the model and the plan on screen (KEY: the
    upload's content and the plan), each day's miss explained, and the accuracy of the
    plan's forecast by lead time from its first day."""
    contacts, notes = read_log(table, timezone=_config.site.timezone, columns=LogColumns(arrival=arrival),
                               ignore=dict(ignore), source="the log")
    minutes = interval_minutes(_requirements, _config.site.interval_minutes)
    reviewed = with_plan(predicted(actuals(contacts, _config, interval_minutes=minutes), _config,
                                   interval_minutes=minutes), _requirements)
    planned = _requirements[["queue", "interval_start", "volume"]]
    accuracy = accuracy_by_lead(planned.assign(origin=planned["interval_start"].dt.date.min()), reviewed)
    return dict(table=reviewed, daily=daily_miss(reviewed, _config, interval_minutes=minutes), notes=notes,
                accuracy=accuracy, contacts=contacts, minutes=minutes)


@st.cache_data(show_spinner="Fitting the model to the log...", max_entries=2)
def calibration_of(key: str, _contacts: pd.DataFrame, _config, minutes: int) -> pd.DataFrame:
    """``review.calibrate`` on an uploaded log (KEY: the upload and the plan): per live queue
    the fitted values and the evidence, one row each."""
    fitted = calibrate(_contacts, _config, interval_minutes=minutes)
    rows = []
    for queue, facts in fitted.evidence.items():
        handle = facts["handle"]
        rows.append({"queue": queue, "window": " to ".join(facts["window"]), "contacts": facts["contacts"],
                     "abandoned": facts["abandoned"], "callers' patience (s)": facts["patience_mle_seconds"],
                     "model patience (s)": facts["patience_seconds"], "effective staffing": facts["effective_staffing"],
                     "intervals fitted": facts["intervals"],
                     "service level error before / after (points)": _before_after(facts, "sl"),
                     "abandonment error before / after (points)": _before_after(facts, "abandon"),
                     "handle time": (f"mean {handle['mean_seconds']:.0f} s, cv {handle['cv']:.2f}, "
                                     f"{handle['better_fit']}" if "mean_seconds" in handle else "too few")})
    return pd.DataFrame(rows)


def _before_after(facts: dict, name: str) -> str:
    if f"{name}_mae" not in facts:
        return facts.get("note", "")
    return f"{facts[f'{name}_mae_at_1'] * 100:.1f} / {facts[f'{name}_mae'] * 100:.1f}"


def review_view() -> None:
    """Plan against what happened: upload a contact log of the planned days; per interval the
    actual and predicted (at the staff that worked) service level, each day's gap split into
    volume, handle time, staffing and model, the forecast's accuracy by lead time, and the
    model fitted to the log."""
    st.caption("Upload a contact log of days this plan covers (one row per contact: arrival in the agent queue, "
               "queue, wait_seconds, handle_seconds, abandoned, agent). `shiftcast review` and `shiftcast "
               "calibrate` do the same in batch.")
    upload = st.file_uploader("Contact log (CSV, Excel or Parquet)", type=["csv", "gz", "xlsx", "parquet"],
                              key="review_upload")
    if upload is None:
        return
    try:
        table = read_upload(upload.name, upload.getvalue())
        arrival = st.selectbox("Arrival in the agent queue: column", ["(auto)", *map(str, table.columns)],
                               key="review_arrival")
        ignore = ignored_rows(table, key="review_ignore")
        key = f"{data['key']} {hashlib.sha256(upload.getvalue()).hexdigest()[:16]}"
        reviewed = review_log(key, table, None if arrival == "(auto)" else arrival,
                              tuple((c, tuple(v)) for c, v in ignore.items()), config, data["requirements"])
    except InputError as error:
        st.error(_plain(f"Cannot review {upload.name}: {error}"))
        return
    for note in reviewed["notes"]:
        st.caption(_plain(note))
    rows = reviewed["table"][reviewed["table"]["queue"] == queue]
    if rows["offered"].sum() == 0:
        st.info(_plain(f"The log has no contact of {queue}."))
        return
    st.plotly_chart(charts.review_figure(_queue_rows(rows, queue), _chart_label(queue)), key="chart_review")
    days = reviewed["daily"][reviewed["daily"]["queue"] == queue]
    if days.empty:
        st.caption("The plan on screen covers none of the log's days for this queue: no miss to explain.")
    else:
        st.plotly_chart(charts.miss_figure(days, _chart_label(queue)), key="chart_miss")
        st.markdown("**Each day: planned and actual service level, and the gap in parts that add up to it**")
        st.dataframe(days.round(3), hide_index=True, key="review_daily")
    accuracy = reviewed["accuracy"][reviewed["accuracy"]["queue"] == queue]
    if len(accuracy):
        st.markdown("**This plan's forecast against the log, by days from its first day** (wMAPE beside the "
                    "Poisson floor and the same interval a week earlier)")
        st.dataframe(accuracy.round(3), hide_index=True, key="review_accuracy")
    if st.toggle("Fit the model to this log (patience, handle times, effective staffing)", key="review_calibrate"):
        fitted = calibration_of(key, reviewed["contacts"], config, reviewed["minutes"])
        st.dataframe(fitted, hide_index=True, key="review_calibration")
        st.caption("`shiftcast calibrate --log LOG --config CFG --out DIR` writes these values into a config every "
                   "command reads, with the evidence in calibration.json.")


with review_tab:
    review_view()

# ---------------------------------------------------------------------------- export

with export_tab:
    st.write("The plan's files. Downloads are formula-safe: cells starting with =, +, - or @ are prefixed "
             "with '. The Staffing page downloads a what-if's requirements.")
    sheets = {"forecast": forecast, "requirements": data["requirements"]}
    if data["shifts"] is not None:
        sheets |= {"shifts": data["shifts"], "coverage": data["coverage"]}
    if data["roster"] is not None:
        sheets["roster"] = data["roster"]
    # Files are built when clicked (callables), so what-ifs stay instant.
    for name, frame in sheets.items():
        st.download_button(f"{name}.csv", lambda frame=frame: csv_text(frame), file_name=f"{name}.csv",
                           mime="text/csv", key=f"dl_{name}")
    st.download_button("Everything as one Excel workbook", lambda: excel_bytes(sheets), file_name="shiftcast.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx")
