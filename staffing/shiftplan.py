"""The shift plan: how many agents start each shift of one week, per queue, at the lowest cost.

Input is Frame B (``requirements``, one row per queue per interval); output is Frame C's
``shifts`` and ``coverage`` tables. The model is Dantzig's (1954) set-covering
formulation of shift scheduling with explicit break placement (Aykin 1996, "Optimal
shift scheduling with multiple break windows", Management Science 42(4)): one integer
variable per (queue, start interval, length, break start), so the optimizer decides where
each agent's break goes. Solved with HiGHS (``staffing.milp``), which proves the cost is
within ``shifts.mip_rel_gap`` of optimal (or within ``shifts.mip_gap_shifts`` of the cheapest
shift's cost), or reports the gap reached in the time limit.

What the plan covers, and the choices behind it:

- **One week.** The plan is for the 7 days from ``week_start`` (a local midnight;
  default: the first midnight of the requirements, so a 14-day file plans its first
  week; pass the second Monday to plan the second). The week wraps: Sunday's night shift
  also covers Monday 00:00-06:00, as in a pattern repeated every week. Every interval of
  the week must be in the requirements, for every queue.
- **Queues are planned separately.** Each shift works one queue, and each queue's
  requirement is its own ``agents_scheduled`` (whole agents). Pooling queues on
  ``agents_scheduled_fractional`` would save up to one agent per queue per interval of
  rounding, but only for agents who can switch queues within an interval, which the plan
  cannot promise for the named roster's skills; per-queue shifts let the roster respect
  skills exactly.
- **Breaks vs shrinkage.** ``agents_scheduled`` already grosses up for shrinkage
  (absence, training, meetings). Breaks are placed explicitly here, so shrinkage is
  assumed NOT to include them: ``planned`` counts agents on duty and not on break.
- **Cost** per agent is ``cost_per_shift + cost_per_hour x (paid hours + night_premium
  x hours inside night_hours)``; breaks are paid. An uncovered agent-interval costs ten times the
  dearest shift, so coverage falls short only where the rules or ``max_agents`` (most
  agents on duty at once, breaks included, all queues) make covering impossible; the
  coverage table then shows the shortfall per interval.
- **Service-level modes** (``plan_to = "daily_service_level"`` or
  ``"weekly_service_level"``): instead of covering each interval, each Erlang queue's
  volume-weighted service level over each day (or the week) must reach its target. An
  interval's service level is a concave piecewise-linear function of its planned agents
  (Erlang C/A at each headcount, agents on contacts = planned x (1 - shrinkage) x
  concurrency, interpolated between whole servers; the upper concave hull where the
  curve is not concave), from a floor of a stable queue (more servers than Erlangs) up.
  Deferred queues (e-mail, social) keep per-interval coverage. Occupancy and ASA caps
  are not constraints in these modes.

Not handled: several breaks per shift, opening hours limiting shift times, part-day
weeks, DST changing a shift's real length.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.config import Config, QueueSettings
from core.errors import InputError
from core.schema import COVERAGE_COLUMNS, SHIFTS_COLUMNS, WEEKDAYS, interval_minutes
from staffing.deferred import deferred_kpis
from staffing.milp import MilpModel
from staffing.requirements import handle_seconds, queue_kpis
from staffing.shifts import DAYS_PER_WEEK, MINUTES_PER_DAY, ShiftTemplates, build_templates

__all__ = ["ShiftPlan", "plan_shifts", "plan_week_start", "service_level_at"]

SHORTFALL_COST_FACTOR = 10.0  # an uncovered agent-interval costs this many times the dearest shift
_CAP_SCREEN = 0.9  # max_agents rows start where requirements reach this share of the cap
SL_TOLERANCE = 0.002  # most an interval's modelled service level may fall below the Erlang curve


@dataclass(frozen=True)
class ShiftPlan:
    """A week's shift plan (Frame C ``shifts`` and ``coverage``) and its figures.

    Hours are agent-hours over the week; ``cost`` is the shifts' cost without penalties;
    ``service_level`` maps each queue to its volume-weighted service level over the week
    at the planned staffing; ``status`` is ``optimal`` (cost proven within ``gap`` of the
    optimum, ``gap <= shifts.mip_rel_gap`` or within ``shifts.mip_gap_shifts`` of the
    cheapest shift's cost) or ``feasible`` (the best plan found in
    ``shifts.time_limit_seconds``, at most ``gap`` from optimal); ``gap`` is relative to
    the solver's objective: the shifts' cost plus the penalty on any shortfall.
    """

    shifts: pd.DataFrame
    coverage: pd.DataFrame
    week_start: pd.Timestamp
    interval_minutes: int
    plan_to: str
    cost: float
    paid_agent_hours: float
    required_agent_hours: float
    shortfall_agent_hours: float
    over_coverage_agent_hours: float
    service_level: dict[str, float]
    status: str
    gap: float
    solve_seconds: float
    seat_cap: str | None = None  # how the plan met shifts.max_agents, when the queues' own plans broke it
    template_counts: dict[str, np.ndarray] | None = None  # queue -> shifts per template (a plan just solved)

    @classmethod
    def from_tables(cls, shifts: pd.DataFrame, coverage: pd.DataFrame, *, week_start: pd.Timestamp,
                    interval_minutes: int, plan_to: str, service_level: dict[str, float], status: str, gap: float,
                    solve_seconds: float, seat_cap: str | None = None,
                    template_counts: dict[str, np.ndarray] | None = None) -> ShiftPlan:
        """A plan from its Frame C tables; the cost and agent-hour figures are computed here, the one place."""
        hours = interval_minutes / 60
        return cls(
            shifts=shifts, coverage=coverage, week_start=week_start, interval_minutes=interval_minutes,
            plan_to=plan_to, cost=float(shifts["cost"].sum()),
            paid_agent_hours=float((shifts["agents"] * shifts["paid_hours"]).sum()),
            required_agent_hours=float(coverage["required"].sum() * hours),
            shortfall_agent_hours=float(coverage["shortfall"].sum() * hours),
            over_coverage_agent_hours=float(coverage["gap"].clip(lower=0).sum() * hours),
            service_level=service_level, status=status, gap=gap, solve_seconds=solve_seconds,
            seat_cap=seat_cap, template_counts=template_counts,
        )

    @classmethod
    def from_summary(cls, shifts: pd.DataFrame, coverage: pd.DataFrame, summary: dict[str, Any]) -> ShiftPlan:
        """A plan read back from a run folder: its tables and the ``summary()`` saved with them."""
        return cls.from_tables(
            shifts, coverage, week_start=pd.Timestamp(summary["week_start"]).tz_convert(shifts["start"].dt.tz),
            interval_minutes=int(summary["interval_minutes"]), plan_to=summary["plan_to"],
            service_level=dict(summary["service_level"]), status=summary["status"], gap=float(summary["gap"]),
            solve_seconds=float(summary["solve_seconds"]), seat_cap=summary.get("seat_cap"))

    def summary(self) -> dict[str, Any]:
        """The plan's figures as a JSON-ready dict."""
        return {
            "week_start": self.week_start.isoformat(), "interval_minutes": self.interval_minutes,
            "plan_to": self.plan_to, "status": self.status, "gap": round(self.gap, 6),
            "solve_seconds": round(self.solve_seconds, 3), "cost": round(self.cost, 4),
            "paid_agent_hours": self.paid_agent_hours, "required_agent_hours": self.required_agent_hours,
            "shortfall_agent_hours": self.shortfall_agent_hours,
            "over_coverage_agent_hours": self.over_coverage_agent_hours,
            "shifts": int(self.shifts["agents"].sum()),
            "service_level": {q: round(v, 6) for q, v in self.service_level.items()},
            **({"seat_cap": self.seat_cap} if self.seat_cap else {}),
        }


# ------------------------------------------------------------------------- the week


def plan_week_start(requirements: pd.DataFrame, week_start: object, timezone: str) -> pd.Timestamp:
    """The local midnight a plan's week starts: ``week_start`` (a date), or by default the
    midnight of the requirements' first day when every queue is closed before its first row
    that day (a desk opening at 07:00), else the next midnight (a 24/7 file starting mid-day)."""
    if week_start is None:
        first = requirements["interval_start"].min()
        midnight = _local_midnight(first.tz_localize(None).normalize(), timezone)
        if midnight == first or _closed_before_first_row(requirements, midnight):
            return midnight
        return _local_midnight(midnight.tz_localize(None) + pd.Timedelta(days=1), timezone)
    try:
        start = pd.Timestamp(week_start)
    except (ValueError, TypeError):
        raise InputError(f"week_start must be a date like 2026-11-23; got {week_start!r}") from None
    start = start.tz_convert(timezone) if start.tzinfo else _local_midnight(start, timezone)
    if start != start.normalize():
        raise InputError(f"week_start must be a date (a local midnight); got {start.isoformat()}; give the date only")
    return start


def _wall_clock(stamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(weekday 0 = Monday, minutes after local midnight) of tz-aware interval starts."""
    wall = pd.DatetimeIndex(stamps).tz_localize(None)
    return wall.day_of_week.to_numpy(), (wall.hour * 60 + wall.minute).to_numpy()


def _closed_before_first_row(requirements: pd.DataFrame, midnight: pd.Timestamp) -> bool:
    """True if no queue has rows, on any day of the requirements, at a time of the first
    day's weekday earlier than its first row that day: the desk is closed before it opens."""
    day_end = midnight + pd.Timedelta(days=1)
    for _, rows in requirements.groupby("queue", sort=False):
        today = rows[(rows["interval_start"] >= midnight) & (rows["interval_start"] < day_end)]
        if today.empty:
            continue
        opening = _wall_clock(today["interval_start"])[1].min()
        weekday, minute = _wall_clock(rows["interval_start"])
        if ((weekday == midnight.day_of_week) & (minute < opening)).any():
            return False
    return True


def _local_midnight(naive: pd.Timestamp, timezone: str) -> pd.Timestamp:
    return naive.tz_localize(timezone, nonexistent="shift_forward", ambiguous=True)


def _week_rows(requirements: pd.DataFrame, start: pd.Timestamp, step_minutes: int,
               weekly_hours: tuple[tuple[int, int] | None, ...] | None) -> pd.DataFrame:
    """The requirement rows of the week from ``start``, with ``slot``: the interval's wall-clock
    position in the week. An interval of the week without a row is closed (no agents
    needed, a zero row is added) when the queue has no row at that weekday and time
    anywhere in the requirements (nights of a desk that closes), or when it has no row on
    that weekday at all and either ``weekly_hours`` (the site's opening hours) close that
    day or, with no opening hours set, the queue's rows run through the whole week (a
    forecast leaves out the weekdays its history shows closed); any other missing interval
    is an error."""
    timezone = str(start.tz)
    end = _local_midnight(start.tz_localize(None) + pd.Timedelta(days=DAYS_PER_WEEK), timezone)
    expected = pd.Series(pd.date_range(start, end, freq=f"{step_minutes}min", inclusive="left"))
    inside = requirements[(requirements["interval_start"] >= start) & (requirements["interval_start"] < end)]
    parts = [inside]
    for queue, rows in requirements.groupby("queue", sort=True):
        present = pd.DatetimeIndex(inside.loc[inside["queue"] == queue, "interval_start"])
        missing = expected[~expected.isin(present)]
        if missing.empty:
            continue
        open_at = set(zip(*_wall_clock(rows["interval_start"])))
        open_days = {weekday for weekday, _ in open_at}
        weekday, minute = _wall_clock(missing)
        days = rows["interval_start"].dt.tz_localize(None).dt.normalize()  # the rows' first and last local days
        spans_week = days.min() <= start.tz_localize(None) and days.max() >= expected.iloc[-1].tz_localize(None).normalize()
        site_closed = [weekly_hours[day] is None if weekly_hours is not None else spans_week
                       for day in range(DAYS_PER_WEEK)]
        closed = np.array([(d, m) not in open_at if d in open_days else site_closed[d] for d, m in zip(weekday, minute)])
        if not closed.all():
            gaps = missing[~closed]
            first, last = rows["interval_start"].min(), rows["interval_start"].max()
            raise InputError(
                f"requirements must cover every {step_minutes}-minute interval of the week from "
                f"{start.date()} that the desk is open; got {len(gaps)} missing for queue {queue} (first "
                f"{gaps.iloc[0].isoformat()}; its rows run {first.isoformat()} to {last.isoformat()}); give a full "
                f"week, choose another week_start, or mark closed days in [site] opening_hours"
            )
        parts.append(_closed_rows(rows, missing))
    week = pd.concat(parts, ignore_index=True).sort_values(["queue", "interval_start"], kind="stable")
    week["closed"] = week["closed"].eq(True) if "closed" in week else False
    wall = week["interval_start"].dt.tz_localize(None) - start.tz_localize(None)
    week["slot"] = (wall // pd.Timedelta(minutes=step_minutes)).astype(np.int64)
    return week.reset_index(drop=True)


def _closed_rows(rows: pd.DataFrame, stamps: pd.Series) -> pd.DataFrame:
    """Frame B rows for closed intervals of one queue: no contacts, no agents, nothing to miss."""
    closed = pd.DataFrame({"interval_start": stamps.to_numpy(), "closed": True})
    for column in rows.columns:
        if column in ("interval_start", "closed"):
            continue
        if pd.api.types.is_numeric_dtype(rows[column]):
            closed[column] = 1.0 if column == "service_level" else (np.nan if column == "aht_seconds" else 0)
        else:
            closed[column] = rows[column].iloc[0]
    return closed.astype({column: dtype for column, dtype in rows.dtypes.items() if column != "aht_seconds"})


# ----------------------------------------------------------------- service level


def _queue_inputs(rows: pd.DataFrame, settings: QueueSettings, step_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(traffic in Erlangs, aht_seconds) per row, filling what the requirements lack from settings."""
    aht = handle_seconds(rows, settings)
    traffic = rows["volume"].to_numpy(float) * aht / step_seconds
    return traffic, aht


def service_level_at(rows: pd.DataFrame, scheduled: np.ndarray, settings: QueueSettings,
                     interval_seconds: float) -> np.ndarray:
    """Expected service level of one queue's intervals with ``scheduled`` agents on duty and off break.

    ``rows``: the queue's Frame B rows (sorted by time), shape (n,); ``scheduled``: agents
    per row, shape (n,) or (n, k) for k headcounts each. Agents on contacts are
    ``scheduled x (1 - shrinkage)``; Erlang queues use ``concurrency`` servers per agent
    and interpolate linearly between whole servers; deferred queues (1-D only) use the
    fluid backlog model of ``staffing.deferred`` (share answered within ``response_hours``).
    """
    on_contacts = np.asarray(scheduled, dtype=float) * (1 - settings.shrinkage)
    traffic, aht = _queue_inputs(rows, settings, interval_seconds)
    if settings.deferred:
        seconds = (rows["interval_start"] - rows["interval_start"].iloc[0]).dt.total_seconds().to_numpy()
        return deferred_kpis(seconds, rows["volume"].to_numpy(float), aht, interval_seconds, on_contacts,
                             response_hours=settings.response_hours,
                             max_occupancy=settings.max_occupancy)["service_level"]
    servers = on_contacts * settings.concurrency
    if servers.ndim == 2:
        traffic, aht = traffic[:, None], aht[:, None]
    below = np.floor(servers + 1e-9)
    share = np.clip(servers - below, 0, 1)
    low = queue_kpis(below, traffic, aht, settings)["service_level"]
    high = queue_kpis(below + 1, traffic, aht, settings)["service_level"]
    return (1 - share) * low + share * high


def _upper_hull(values: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and intercepts of a concave piecewise-linear function through points
    (n, values[n]), n >= first: the upper concave hull, with vertices dropped while every
    point stays within ``SL_TOLERANCE`` above the chord (so the function never
    overstates a concave curve's service level, and has few pieces where it flattens)."""
    hull: list[int] = []
    for n in range(first, values.size):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (values[b] - values[a]) * (n - a) <= (values[n] - values[a]) * (b - a) + 1e-12:
                hull.pop()
            else:
                break
        hull.append(n)
    kept = [hull[0]]
    for k in range(1, len(hull)):
        if k == len(hull) - 1:
            kept.append(hull[k])
            break
        a, b = kept[-1], hull[k + 1]
        between = np.arange(a + 1, b)
        chord = values[a] + (values[b] - values[a]) * (between - a) / (b - a)
        if np.any(values[between] - chord > SL_TOLERANCE):
            kept.append(hull[k])
    points = np.array(kept)
    if points.size < 2:
        return np.zeros(1), values[points[:1]]
    slopes = np.diff(values[points]) / np.diff(points)
    return slopes, values[points[:-1]] - slopes * points[:-1]


def _sl_floor(rows: pd.DataFrame, settings: QueueSettings, interval_seconds: float) -> np.ndarray:
    """Fewest agents per row in the service-level modes: a stable queue (more servers than
    Erlangs), but never more than the row's ``agents_scheduled``; 0 without traffic."""
    traffic, _ = _queue_inputs(rows, settings, interval_seconds)
    servers_per_agent = (1 - settings.shrinkage) * settings.concurrency
    stable = np.floor(traffic / servers_per_agent + 1e-9).astype(np.int64) + 1
    return np.where(traffic > 0, np.minimum(stable, rows["agents_scheduled"].to_numpy(np.int64)), 0)


def _sl_curves(rows: pd.DataFrame, settings: QueueSettings, interval_seconds: float):
    """Per row: the agent floor, and for rows with traffic the hull segments (slopes,
    intercepts) of its service level over agents from the floor up."""
    traffic, _ = _queue_inputs(rows, settings, interval_seconds)
    required = rows["agents_scheduled"].to_numpy(np.int64)
    floor = _sl_floor(rows, settings, interval_seconds)
    top = np.maximum(required, floor) + np.maximum(2, required // 4)
    grid = np.arange(top.max() + 1)[None, :].repeat(len(rows), axis=0)
    levels = service_level_at(rows, grid, settings, interval_seconds)
    segments = [_upper_hull(levels[i, : top[i] + 1], floor[i]) if traffic[i] > 0 else None for i in range(len(rows))]
    return floor, segments


# ---------------------------------------------------------------------- the model


def _uncoverable(week: pd.DataFrame, need: np.ndarray, covered: np.ndarray, config: Config) -> None:
    """Error for the first interval that needs agents but no shift template can cover."""
    bad = (need > 0) & ~covered[week["slot"].to_numpy()]
    if bad.any():
        row = week[bad].iloc[0]
        rules = config.shifts
        raise InputError(
            f"shifts must be able to cover every interval that needs agents; got none on duty at "
            f"{row['interval_start'].isoformat()} (queue {row['queue']}, {int(need[bad][0])} agents needed) with "
            f"shifts.earliest_start = {rules.earliest_start}, latest_start = {rules.latest_start} and lengths "
            f"{rules.lengths_hours} h; widen the start window or add longer shifts"
        )


@dataclass
class _Queue:
    name: str
    rows: pd.DataFrame
    settings: QueueSettings
    starts: np.ndarray = field(default=None)  # columns of x for this queue, shape (J,)


def _add_queue(model: MilpModel, queue: _Queue, working, templates: ShiftTemplates, plan_to: str,
               shortfall_cost: float, step_seconds: float, within_open_hours: bool,
               allowed: np.ndarray | None = None) -> None:
    """The queue's shift columns and its coverage (or service-level) rows; with
    ``within_open_hours``, shifts that would work a closed interval of the queue are not
    allowed; with ``allowed`` (a mask over the templates), only those templates."""
    slots = templates.slots_per_week
    rows = queue.rows
    slot = rows["slot"].to_numpy()
    required = np.zeros(slots)
    np.maximum.at(required, slot, rows["agents_scheduled"].to_numpy(float))
    upper = np.full(len(templates), np.inf)
    if within_open_hours:
        closed = np.zeros(slots)
        closed[slot[rows["closed"].to_numpy(bool)]] = 1.0
        upper[working.T @ closed > 0] = 0.0
    if allowed is not None:
        upper[~allowed] = 0.0
    x = model.add_variables(len(templates), cost=templates.cost, upper=upper, integer=True)
    queue.starts = x
    t_index, j_index = working.nonzero()
    per_interval = plan_to == "requirement" or queue.settings.deferred
    if per_interval:
        short = model.add_variables(slots, cost=shortfall_cost, upper=required, counted=True)  # whole agents short
        model.add_constraints(np.r_[t_index, np.arange(slots)], np.r_[x[j_index], short], 1.0, count=slots,
                              lower=required)
        return
    # service-level mode: n_t = agents working at t; SL_i <= hull(n_slot(i)); volume-weighted SL >= target
    floor, segments = _sl_curves(rows, queue.settings, step_seconds)
    floor_slot = np.zeros(slots)
    np.maximum.at(floor_slot, slot, floor.astype(float))
    n = model.add_variables(slots)
    model.add_constraints(np.r_[t_index, np.arange(slots)], np.r_[x[j_index], n], np.r_[np.ones(t_index.size), -np.ones(slots)],
                          count=slots, lower=0.0, upper=0.0)
    short = model.add_variables(slots, cost=shortfall_cost, upper=floor_slot)
    model.add_constraints(np.r_[np.arange(slots), np.arange(slots)], np.r_[n, short], 1.0, count=slots, lower=floor_slot)
    volume = rows["volume"].to_numpy(float)
    busy = np.flatnonzero(volume > 0)
    level = model.add_variables(busy.size, upper=1.0)
    hull_rows, hull_cols, hull_vals, hull_upper = [], [], [], []
    for k, i in enumerate(busy):
        slopes, intercepts = segments[i]
        count = len(hull_upper)
        block = np.arange(count, count + slopes.size)
        hull_rows += [block, block]
        hull_cols += [np.full(slopes.size, level[k]), np.full(slopes.size, n[slot[i]])]
        hull_vals += [np.ones(slopes.size), -slopes]
        hull_upper.extend(intercepts)
    model.add_constraints(np.concatenate(hull_rows), np.concatenate(hull_cols), np.concatenate(hull_vals),
                          count=len(hull_upper), upper=np.array(hull_upper))
    slots_per_day = MINUTES_PER_DAY * 60 // int(step_seconds)
    period = slot[busy] // slots_per_day if plan_to == "daily_service_level" else np.zeros(busy.size, np.int64)
    periods, period = np.unique(period, return_inverse=True)
    target = queue.settings.service_level * np.bincount(period, weights=volume[busy])
    late = model.add_variables(periods.size, cost=shortfall_cost)  # contacts below target, if unavoidable
    model.add_constraints(np.r_[period, np.arange(periods.size)], np.r_[level, late], np.r_[volume[busy], np.ones(periods.size)],
                          count=periods.size, lower=target)


def _add_pooled(model: MilpModel, queues: list[_Queue], pooled, working, shortfall_cost: float) -> None:
    """For each (names, need per slot) of ``pooled``: the agents working in the queues NAMES together
    cover ``need`` at every slot (or pay the shortfall cost)."""
    t_index, j_index = working.nonzero()
    by_name = {queue.name: queue for queue in queues}
    for names, need in pooled:
        members = [by_name[name] for name in names if name in by_name]
        slots = np.flatnonzero(need > 0)
        if not members or not slots.size:
            continue
        keep = np.isin(t_index, slots)
        row_of = np.full(need.size, -1)
        row_of[slots] = np.arange(slots.size)
        short = model.add_variables(slots.size, cost=shortfall_cost, upper=need[slots],
                                    counted=bool(np.all(need[slots] == np.round(need[slots]))))
        rows = np.concatenate([row_of[t_index[keep]]] * len(members) + [np.arange(slots.size)])
        cols = np.concatenate([m.starts[j_index[keep]] for m in members] + [short])
        model.add_constraints(rows, cols, 1.0, count=slots.size, lower=need[slots])


def _solve(queues: list[_Queue], templates: ShiftTemplates, working, on_duty, config: Config, step_seconds: float,
           pooled=(), max_paid_hours=None, allowed=None):
    """Build and solve the MILP; add ``max_agents`` rows where a solution breaks the cap, and re-solve.

    ``working`` and ``on_duty``: the templates' (T, J) coverage matrices; ``pooled``: see
    :func:`_add_pooled`; ``max_paid_hours``: queue -> most paid hours of its shifts in the week;
    ``allowed``: queue -> the templates it may use (a mask)."""
    rules = config.shifts
    model = MilpModel()
    shortfall_cost = SHORTFALL_COST_FACTOR * templates.cost.max()
    for queue in queues:
        _add_queue(model, queue, working, templates, rules.plan_to, shortfall_cost, step_seconds,
                   rules.within_open_hours, None if allowed is None else allowed.get(queue.name))
    _add_pooled(model, queues, pooled, working, shortfall_cost)
    for queue in queues:
        if queue.name in (max_paid_hours or {}):
            model.add_constraints(np.zeros(len(templates), np.int64), queue.starts, templates.paid_hours, count=1,
                                  upper=float(max_paid_hours[queue.name]))
    total_required = np.zeros(templates.slots_per_week)
    for queue in queues:
        np.add.at(total_required, queue.rows["slot"].to_numpy(), queue.rows["agents_scheduled"].to_numpy(float))
    capped = np.zeros(templates.slots_per_week, dtype=bool)
    # a repair (ALLOWED) is small: cap every interval up front, one solve; otherwise only where it may bind
    add = np.ones_like(capped) if allowed is not None else total_required >= _CAP_SCREEN * rules.max_agents
    on_duty_rows = on_duty.tocsr()
    seconds = 0.0
    while True:
        if add.any():
            slots = np.flatnonzero(add)
            block = on_duty_rows[slots].tocoo()
            model.add_constraints(np.concatenate([block.row] * len(queues)),
                                  np.concatenate([q.starts[block.col] for q in queues]), 1.0,
                                  count=slots.size, upper=float(rules.max_agents))
            capped |= add
        solution = model.solve(time_limit_seconds=max(rules.time_limit_seconds - seconds, 1.0),
                               mip_rel_gap=rules.mip_rel_gap, mip_abs_gap=rules.mip_gap_shifts * templates.cost.min(),
                               time_limit_setting="shifts.time_limit_seconds")
        seconds += solution.seconds
        duty = sum(on_duty @ solution.x[q.starts] for q in queues)
        add = (duty > rules.max_agents + 1e-9) & ~capped
        if not add.any():
            return solution, seconds


# ------------------------------------------------------------------------ outputs


def _clock(minutes: np.ndarray) -> np.ndarray:
    minutes = np.asarray(minutes) % MINUTES_PER_DAY
    return np.char.add(np.char.zfill((minutes // 60).astype(str), 2), np.char.add(":", np.char.zfill((minutes % 60).astype(str), 2)))


def _shifts_table(queues: list[_Queue], x: np.ndarray, templates: ShiftTemplates, start: pd.Timestamp) -> pd.DataFrame:
    step = templates.interval_minutes
    frames = []
    for queue in queues:
        agents = np.round(x[queue.starts]).astype(np.int64)
        used = np.flatnonzero(agents > 0)
        if used.size == 0:  # a queue without shifts this week (numpy's string functions reject empty arrays)
            continue
        begin = templates.start_slot[used] * step
        length = templates.length_slots[used] * step
        pause = templates.break_slots[used] * step
        pause_start = begin + templates.break_offset_slots[used] * step
        naive = start.tz_localize(None)
        hours = np.char.mod("%gh", length / 60)
        ident = np.char.add(np.char.add(f"{queue.name}-", np.array(WEEKDAYS)[begin // MINUTES_PER_DAY]),
                            np.char.add("-", np.char.add(np.char.replace(_clock(begin), ":", ""), np.char.add("-", hours))))
        ident = np.where(pause > 0, np.char.add(ident, np.char.add("-b", np.char.replace(_clock(pause_start), ":", ""))), ident)
        frames.append(pd.DataFrame({
            "shift_id": ident,
            "queue": queue.name,
            "start": _localize(naive + pd.to_timedelta(begin, unit="min"), start),
            "end": _localize(naive + pd.to_timedelta(begin + length, unit="min"), start),
            "breaks": np.where(pause > 0, np.char.add(np.char.add(_clock(pause_start), "-"), _clock(pause_start + pause)), ""),
            "agents": agents[used],
            "paid_hours": templates.paid_hours[used],
            "night_hours": templates.night_hours[used],
            "cost": agents[used] * templates.cost[used],
        }))
    if not frames:
        empty = pd.DatetimeIndex([], tz=start.tz)
        frames = [pd.DataFrame({"shift_id": pd.Series([], dtype=str), "queue": pd.Series([], dtype=str),
                                "start": empty, "end": empty, "breaks": pd.Series([], dtype=str),
                                "agents": np.zeros(0, np.int64), "paid_hours": np.zeros(0), "night_hours": np.zeros(0),
                                "cost": np.zeros(0)})]
    table = pd.concat(frames, ignore_index=True).sort_values(["start", "queue", "shift_id"], kind="stable")
    return table.reset_index(drop=True)[list(SHIFTS_COLUMNS)]


def _localize(naive: pd.DatetimeIndex, start: pd.Timestamp) -> pd.DatetimeIndex:
    """Wall-clock times in the site's zone (a repeated hour reads as summer time; a skipped one moves on)."""
    return pd.DatetimeIndex(naive).tz_localize(start.tz, ambiguous=np.ones(len(naive), dtype=bool),
                                               nonexistent="shift_forward")


def _coverage_table(queues: list[_Queue], x: np.ndarray, working, on_duty, step_seconds: float) -> pd.DataFrame:
    frames = []
    for queue in queues:
        rows, slot = queue.rows, queue.rows["slot"].to_numpy()
        starts = x[queue.starts]
        planned = np.round(working @ starts).astype(np.int64)[slot]
        duty = np.round(on_duty @ starts).astype(np.int64)[slot]
        required = rows["agents_scheduled"].to_numpy(np.int64)
        target = np.nan if queue.settings.deferred else queue.settings.service_level
        frames.append(pd.DataFrame({
            "queue": queue.name,
            "interval_start": rows["interval_start"],
            "required": required,
            "planned": planned,
            "on_break": duty - planned,
            "gap": planned - required,
            "shortfall": np.maximum(required - planned, 0),
            "service_level": service_level_at(rows, planned.astype(float), queue.settings, step_seconds),
            "service_level_target": target,
        }))
    return pd.concat(frames, ignore_index=True)[list(COVERAGE_COLUMNS)]


def _weighted_levels(coverage: pd.DataFrame, requirements: pd.DataFrame) -> dict[str, float]:
    volume = requirements.set_index(["queue", "interval_start"])["volume"]
    levels = {}
    for queue, rows in coverage.groupby("queue", sort=True):
        weights = volume.loc[queue].reindex(rows["interval_start"]).to_numpy(float)
        total = weights.sum()
        levels[str(queue)] = float((weights * rows["service_level"].to_numpy()).sum() / total) if total > 0 else 1.0
    return levels


def plan_shifts(requirements: pd.DataFrame, config: Config, *, week_start: object = None,
                pooled: Sequence[tuple[tuple[str, ...], pd.Series]] = (),
                max_paid_hours: Mapping[str, float] | None = None,
                allowed: Mapping[str, np.ndarray] | None = None) -> ShiftPlan:
    """The cheapest shift plan of one week for validated Frame B ``requirements``.

    ``pooled``: extra coverage for sets of the requirements' queues together, each (names,
    agents to schedule per ``interval_start``): skill groups that share queues
    (:mod:`staffing.groupplan`); intervals of the week it does not name need none.
    ``max_paid_hours``: queue -> the most paid hours its shifts may have in the week (the
    hours its agents can give). ``allowed``: queue -> a mask over the shift templates
    (:func:`staffing.shifts.build_templates`' order) it may use (the seat-cap repair of
    :func:`staffing.weekplan.plan_week`).

    ``config.shifts`` gives the shift rules, costs and solver limits; ``config`` also
    gives each queue's settings (shrinkage, concurrency, targets) for the service levels.
    ``week_start``: a date (local midnight) inside the requirements; default their first
    midnight. Raises :class:`InputError` when the week is incomplete, a rule does not fit
    the interval grid, or an interval that needs agents is outside every shift; a
    headcount cap that cannot be met is reported as shortfall in ``coverage`` instead.
    """
    timezone = config.site.timezone
    step = interval_minutes(requirements, config.site.interval_minutes)
    if MINUTES_PER_DAY % step:
        raise InputError(f"the requirements' interval of {step} minutes must divide a day; re-aggregate them")
    start = plan_week_start(requirements, week_start, timezone)
    week = _week_rows(requirements, start, step, config.site.weekly_hours())
    templates = build_templates(config.shifts, step)
    step_seconds = step * 60.0
    working, on_duty = templates.working_matrix(), templates.on_duty_matrix()
    covered = np.asarray(working.sum(axis=1)).ravel() > 0
    queues = []
    for name, rows in week.groupby("queue", sort=True):
        settings = config.queue(str(name))[0]
        rows = rows.sort_values("interval_start").reset_index(drop=True)
        queues.append(_Queue(str(name), rows, settings))
        need = rows["agents_scheduled"].to_numpy(float)
        if config.shifts.plan_to != "requirement" and not settings.deferred:
            need = _sl_floor(rows, settings, step_seconds)
        _uncoverable(rows, need, covered, config)
    slots_of = pd.Series(np.concatenate([q.rows["slot"].to_numpy() for q in queues]),
                         index=pd.concat([q.rows["interval_start"] for q in queues])).groupby(level=0).first()
    needs = []
    for names, need in pooled:
        per_slot = np.zeros(templates.slots_per_week)
        inside = need[need.index.isin(slots_of.index)]
        np.maximum.at(per_slot, slots_of.loc[inside.index].to_numpy(), inside.to_numpy(float))
        needs.append((tuple(names), per_slot))
    solution, seconds = _solve(queues, templates, working, on_duty, config, step_seconds, needs, max_paid_hours,
                               allowed)
    shifts = _shifts_table(queues, solution.x, templates, start)
    coverage = _coverage_table(queues, solution.x, working, on_duty, step_seconds)
    return ShiftPlan.from_tables(
        shifts, coverage, week_start=start, interval_minutes=step, plan_to=config.shifts.plan_to,
        service_level=_weighted_levels(coverage, week), status=solution.status, gap=solution.gap,
        solve_seconds=seconds, template_counts={q.name: np.round(solution.x[q.starts]) for q in queues},
    )

