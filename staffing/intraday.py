"""The rest of today against the plan: the staffing gap per interval, and the fewest moves
that close it.

:func:`staffing_gap` staffs the re-forecast (:func:`staffing.requirements.requirements`) and
sets it beside the agents the plan has on duty (a plan folder's ``coverage.csv``), with the
service level and abandonment projected at those agents (on contacts after shrinkage).

:func:`propose_moves` solves a small MILP (scipy's HiGHS) over today's rostered shifts
(``roster.csv``). The moves a supervisor can make:

- **overtime** before a shift that has not started, or after one that has not ended, by up
  to ``[intraday] max_overtime_minutes`` an agent, keeping ``[roster] min_rest_hours`` to
  the agent's shifts before and after and the weekly hours within the contract plus
  ``[roster] contract_tolerance_hours`` (when the plan has its agents file);
- **voluntary time off**: leaving early where the rest of the shift is over-staffed;
- **a moved break**: a break not yet begun moved up to ``[intraday] break_move_minutes``
  earlier or later, inside the shift's break window.

An agent of a skill group (a ``a+b`` shift) works whichever of its queues the solution
gives each interval. The objective counts an agent-interval short as ``SHORT_WEIGHT``,
over-staffed (paid and idle) as ``OVER_WEIGHT``, each move ``MOVE_COST`` (fewest changes)
and each overtime interval ``OVERTIME_COST`` (a saved interval of time off as much less):
one move is made only when it covers at least one short interval. Each chosen move is
explained (who, what, why, the projected service level it buys alone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from core.config import Config
from staffing import erlang
from staffing.requirements import fractional_kpis, requirements

__all__ = ["GAP_COLUMNS", "MOVE_COLUMNS", "Moves", "projected_shortfall", "propose_moves", "roster_on_duty",
           "staffing_gap"]

GAP_COLUMNS = ("queue", "interval_start", "volume", "volume_p10", "volume_p90", "aht_seconds", "agents_needed",
               "agents_planned", "agents_short", "agents_over", "sl_projected", "abandon_rate_projected", "sl_target")
MOVE_COLUMNS = ("agent", "move", "queue", "start", "end", "minutes", "what", "why", "buys_points")
SHORT_WEIGHT, OVER_WEIGHT, MOVE_COST, OVERTIME_COST = 4.0, 0.2, 1.0, 0.25


def roster_on_duty(roster: pd.DataFrame, stamps: pd.DatetimeIndex, interval_seconds: float) -> pd.DataFrame:
    """Agents of ROSTER (``roster.csv``) on duty and not on break per shift label (``queue``)
    and interval of STAMPS, as ``coverage.csv``'s ``queue``, ``interval_start``, ``planned``:
    the agents who will come, where the plan's coverage also counts its unassigned shifts."""
    step = pd.Timedelta(seconds=interval_seconds)
    counts: dict[tuple[str, pd.Timestamp], int] = {}
    for row in roster.itertuples():
        pause = _breaks(row)
        for stamp in stamps:
            if row.start <= stamp and stamp + step <= row.end and not (pause and pause[0] <= stamp < pause[1]):
                counts[(str(row.queue), stamp)] = counts.get((str(row.queue), stamp), 0) + 1
    labels = sorted({str(q) for q in roster["queue"]})
    index = pd.MultiIndex.from_product([labels, stamps], names=["queue", "interval_start"])
    return pd.Series([counts.get(key, 0) for key in index], index=index, name="planned").reset_index()


def staffing_gap(reforecast: pd.DataFrame, coverage: pd.DataFrame, config: Config, *,
                 interval_seconds: float) -> pd.DataFrame:
    """Per queue and interval of REFORECAST (Frame A, the rest of today): the agents needed
    (scheduled, after shrinkage), the agents on duty (COVERAGE's ``planned``: a plan folder's
    ``coverage.csv``, or :func:`roster_on_duty`), short or over, and the service level and
    abandonment projected at them. An empty REFORECAST gives an empty gap."""
    if reforecast.empty:
        return pd.DataFrame(columns=list(GAP_COLUMNS))
    needed = requirements(reforecast, config, interval_seconds=interval_seconds)
    table = needed.merge(_planned_by_queue(coverage, needed), on=["queue", "interval_start"], how="left")
    table["agents_planned"] = table["planned"].fillna(0.0).round(2)
    table["agents_needed"] = table["agents_scheduled"].astype(int)
    for column in ("volume_p10", "volume_p90", "aht_seconds"):
        if column not in table.columns:
            table[column] = np.nan
    return _reprojected(table, config, interval_seconds)


def _planned_by_queue(coverage: pd.DataFrame, needed: pd.DataFrame) -> pd.DataFrame:
    """Agents on duty per queue and interval (``planned``): a queue's own shifts, plus a skill
    group's (``a+b`` rows) shared over its queues by their share of the re-forecast's
    workload (NEEDED's volume x handle time; evenly where there is none)."""
    own = coverage[~coverage["queue"].str.contains("+", regex=False)][["queue", "interval_start", "planned"]]
    work = needed.assign(work=needed["volume"] * needed["aht_seconds"].fillna(1.0))[["queue", "interval_start",
                                                                                       "work"]]
    shared = []
    for label, rows in coverage[coverage["queue"].str.contains("+", regex=False)].groupby("queue"):
        members = str(label).split("+")
        load = work[work["queue"].isin(members)].pivot(index="interval_start", columns="queue", values="work")
        load = load.reindex(columns=members).reindex(rows["interval_start"]).fillna(0.0)
        share = load.div(load.sum(axis=1).replace(0, np.nan), axis=0).fillna(1 / len(members))
        split = share.mul(rows.set_index("interval_start")["planned"], axis=0)
        shared.append(split.stack().rename("planned").reset_index())
    table = pd.concat([own, *shared], ignore_index=True)
    return table.groupby(["queue", "interval_start"], as_index=False)["planned"].sum()


def _reprojected(table: pd.DataFrame, config: Config, interval_seconds: float) -> pd.DataFrame:
    """TABLE (``GAP_COLUMNS``' inputs, in any order) with the projection and the agents short
    and over redone at its ``agents_planned``; rows and index kept."""
    parts = [_projected(rows.copy(), config, str(queue), interval_seconds)
             for queue, rows in table.groupby("queue", sort=False)]
    table = pd.concat(parts).loc[table.index]
    table["agents_short"] = np.maximum(table["agents_needed"] - table["agents_planned"], 0).round(2)
    table["agents_over"] = np.maximum(table["agents_planned"] - table["agents_needed"], 0).round(2)
    return table[list(GAP_COLUMNS)]


def _projected(rows: pd.DataFrame, config: Config, queue: str, interval_seconds: float) -> pd.DataFrame:
    """ROWS with ``sl_projected``, ``abandon_rate_projected`` and ``sl_target`` at their
    ``agents_planned`` on duty."""
    settings = config.queue(queue)[0]
    planned = rows["agents_planned"].to_numpy(float)
    rows["sl_target"] = settings.service_level
    if settings.deferred:
        rows["sl_projected"] = rows["abandon_rate_projected"] = np.nan
        return rows
    aht = rows["aht_seconds"].fillna(settings.aht_seconds).to_numpy(float)
    traffic = erlang.traffic_erlangs(rows["volume"].to_numpy(float), aht, interval_seconds)
    kpis = fractional_kpis(np.maximum(planned, 0) * (1 - settings.shrinkage), traffic, aht, settings)
    busy = rows["volume"].to_numpy(float) > 0
    rows["sl_projected"] = np.where(busy, np.nan_to_num(kpis["service_level"]), np.nan)
    rows["abandon_rate_projected"] = np.where(busy, kpis["abandon_rate"], np.nan)
    return rows


def projected_shortfall(gap: pd.DataFrame) -> float:
    """Points of service level below target over the rest of the day, weighted by volume:
    sum volume x max(0, target - projected) / sum volume (0 when nothing is below)."""
    total = gap.loc[gap["sl_projected"].notna(), "volume"].sum()
    return float(_below_target(gap).sum() / total) if total > 0 else 0.0


def _below_target(gap: pd.DataFrame) -> np.ndarray:
    """Per row of GAP: volume x points below target (0 where nothing is projected)."""
    projected = gap["sl_projected"].fillna(gap["sl_target"])
    return (gap["volume"] * np.maximum(gap["sl_target"] - projected, 0)).to_numpy(float)


@dataclass(frozen=True)
class Moves:
    """``moves``: the chosen moves (``MOVE_COLUMNS``); ``gap_after``: the staffing gap with them;
    ``shortfall_before`` / ``shortfall_after``: :func:`projected_shortfall` (points);
    ``status``: the solver's."""

    moves: pd.DataFrame
    gap_after: pd.DataFrame
    shortfall_before: float
    shortfall_after: float
    status: str


@dataclass(frozen=True)
class _Candidate:
    agent: str
    move: str
    queues: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    effect: dict[pd.Timestamp, int]  # interval -> +1 (one more agent on duty) or -1
    cost: float
    shift_start: pd.Timestamp  # the shift it changes
    overtime_limit: int  # the agent's overtime intervals left today (max_overtime_minutes, contract)
    rest_needed: pd.Timedelta  # [roster] min_rest_hours


def propose_moves(gap: pd.DataFrame, roster: pd.DataFrame, config: Config, *, now: pd.Timestamp,
                  interval_seconds: float, agents: pd.DataFrame | None = None,
                  time_limit_seconds: float = 10.0) -> Moves:
    """The moves (see the module docstring) for GAP (:func:`staffing_gap`) from ROSTER (a plan
    folder's ``roster.csv``: agent, start, end, breaks, queue, paid_hours; all its days, for
    the rest and contract rules); AGENTS (``agents.csv``) adds the contract rule."""
    if gap.empty:
        return Moves(pd.DataFrame(columns=list(MOVE_COLUMNS)), gap, 0.0, 0.0, "nothing to do")
    step = pd.Timedelta(seconds=interval_seconds)
    short = {q: set(rows.loc[rows["agents_short"] > 0, "interval_start"]) for q, rows in gap.groupby("queue")}
    over = {q: set(rows.loc[rows["agents_over"] >= 1, "interval_start"]) for q, rows in gap.groupby("queue")}
    candidates = [c for c in _candidates(roster, config, now, step, gap["interval_start"].max() + step, agents)
                  if _useful(c, short, over)]
    before = projected_shortfall(gap)
    if not candidates or gap["agents_short"].sum() == 0:
        return Moves(pd.DataFrame(columns=list(MOVE_COLUMNS)), gap, before, before, "nothing to do")
    chosen, allocation, status = _solve(gap, candidates, time_limit_seconds)
    after = _apply(gap, allocation, config, interval_seconds)
    gains = _one_agent_gains(gap, config, interval_seconds)
    rows = []
    for index in chosen:
        candidate = candidates[index]
        buys = sum(gains[sign][(queue, stamp)] for (c, queue, stamp), sign in allocation.items() if c == index)
        rows.append({"agent": candidate.agent, "move": candidate.move, "queue": "+".join(candidate.queues),
                     "start": candidate.start, "end": candidate.end,
                     "minutes": int((candidate.end - candidate.start) / pd.Timedelta(minutes=1)),
                     "what": _what(candidate), "why": _why(candidate, gap),
                     "buys_points": round(buys * 100, 2)})
    table = pd.DataFrame(rows, columns=list(MOVE_COLUMNS)).sort_values(["start", "agent"], kind="stable")
    return Moves(table.reset_index(drop=True), after, before, projected_shortfall(after), status)


def _breaks(row) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The shift's break as times (``HH:MM-HH:MM`` after its start), or None."""
    text = str(row.breaks) if isinstance(row.breaks, str) else ""
    if "-" not in text:
        return None
    start = row.start.tz_localize(None)  # on the wall clock: a day is not 24 h across a DST change
    first, last = (pd.Timestamp.combine(start.date(), pd.Timestamp(clock).time()) for clock in text.split("-"))
    first = first if first >= start else first + pd.Timedelta(days=1)
    last = last if last > first else last + pd.Timedelta(days=1)
    return tuple(_localized(t, row.start.tz, row.start) for t in (first, last))


def _localized(wall: pd.Timestamp, zone, after: pd.Timestamp) -> pd.Timestamp:
    """WALL clock time in ZONE: a time skipped by DST moves forward, a repeated one is the
    first reading not before AFTER."""
    for summer in (True, False):
        stamp = wall.tz_localize(zone, ambiguous=summer, nonexistent="shift_forward")
        if stamp >= after:
            return stamp
    return stamp


def _useful(candidate: _Candidate, short: dict[str, set], over: dict[str, set]) -> bool:
    """Overtime and a moved break must add an agent where one is short (SHORT: queue -> its
    short intervals); time off may only take one where every interval it frees is
    over-staffed (OVER)."""
    def any_queue(found: dict[str, set], stamp: pd.Timestamp) -> bool:
        return any(stamp in found.get(queue, ()) for queue in candidate.queues)

    if candidate.move == "time off":
        return all(any_queue(over, t) for t in candidate.effect)
    return any(any_queue(short, t) for t, sign in candidate.effect.items() if sign > 0)


def _candidates(roster: pd.DataFrame, config: Config, now: pd.Timestamp, step: pd.Timedelta, day_end: pd.Timestamp,
                agents: pd.DataFrame | None) -> list[_Candidate]:
    """Every allowed move of the shifts that overlap [NOW, DAY_END)."""
    rules = config.roster
    most = int(config.intraday.max_overtime_minutes * 60 // step.total_seconds())
    contract = {} if agents is None else dict(zip(agents["agent"], agents["contract_hours_per_week"].astype(float)))
    week_hours = roster.groupby("agent")["paid_hours"].sum()
    found = []
    for agent, shifts in roster.sort_values("start").groupby("agent", sort=True):
        shifts = shifts.reset_index(drop=True)
        spare_hours = contract[agent] + rules.contract_tolerance_hours - week_hours[agent] if agent in contract else None
        limit = most if spare_hours is None else max(0, min(most, int(spare_hours * 3600 // step.total_seconds())))
        above = week_hours[agent] - (contract[agent] - rules.contract_tolerance_hours) if agent in contract else None
        time_off = None if above is None else max(0, int(above * 3600 // step.total_seconds()))
        for i, row in enumerate(shifts.itertuples()):
            if row.end <= now or row.start >= day_end:
                continue
            found += _shift_moves(str(agent), row, shifts["end"].iloc[i - 1] if i > 0 else None,
                                  shifts["start"].iloc[i + 1] if i + 1 < len(shifts) else None, limit, time_off,
                                  config, now, step, day_end)
    return found


def _shift_moves(agent: str, row, previous_end: pd.Timestamp | None, next_start: pd.Timestamp | None, limit: int,
                 time_off: int | None, config: Config, now: pd.Timestamp, step: pd.Timedelta, day_end: pd.Timestamp
                 ) -> list[_Candidate]:
    """The moves of one rostered shift ROW: LIMIT overtime intervals at most, TIME_OFF intervals
    of time off at most (None: no contract to keep), rest kept to the agent's PREVIOUS_END and
    NEXT_START."""
    rest = pd.Timedelta(hours=config.roster.min_rest_hours)
    queues = tuple(str(row.queue).split("+"))
    found = []

    def add(move: str, start: pd.Timestamp, end: pd.Timestamp, effect: dict[pd.Timestamp, int], cost: float) -> None:
        found.append(_Candidate(agent, move, queues, start, end, effect, cost, row.start, limit, rest))

    def span(start: pd.Timestamp, end: pd.Timestamp, sign: int) -> dict[pd.Timestamp, int]:
        return {start + k * step: sign for k in range(int((end - start) / step))}

    for k in range(1, limit + 1):
        early, late = row.start - k * step, row.end + k * step
        if row.start > now and early >= now and (previous_end is None or early - previous_end >= rest):
            add("overtime before", early, row.start, span(early, row.start, +1), MOVE_COST + OVERTIME_COST * k)
        if late <= day_end and (next_start is None or next_start - late >= rest):
            add("overtime after", row.end, late, span(row.end, late, +1), MOVE_COST + OVERTIME_COST * k)
    pause = _breaks(row)
    on_break = set() if pause is None else set(span(*pause, +1))
    for k in range(1, min(int((row.end - max(row.start, now)) / step), (time_off if time_off is not None else 10**6) + 1)):
        leave = row.end - k * step  # the agent was not there in its break anyway
        freed = {t: v for t, v in span(leave, row.end, -1).items() if t not in on_break}
        add("time off", leave, row.end, freed, MOVE_COST - OVERTIME_COST * k / 2)
    if pause is None or pause[0] < now:
        return found
    earliest, latest = (row.start + pd.Timedelta(hours=h) for h in config.shifts.break_window_hours)
    length = pause[1] - pause[0]
    reach = int(config.intraday.break_move_minutes * 60 // step.total_seconds())
    old = span(*pause, +1)
    for j in [*range(-reach, 0), *range(1, reach + 1)]:
        first = pause[0] + j * step
        if now <= first and earliest <= first <= latest:
            new = span(first, first + length, -1)
            add("break moved", first, first + length, {t: v for t, v in (old | new).items() if not (t in old
                                                                                             and t in new)}, MOVE_COST)
    return found


def _solve(gap: pd.DataFrame, candidates: list[_Candidate], time_limit_seconds: float
           ) -> tuple[list[int], dict[tuple[int, str, pd.Timestamp], int], str]:
    """The MILP: choose moves (x), give each moved agent-interval to one of its queues (y),
    and count the agents short and over per queue and interval."""
    cells = {(str(q), t): i for i, (q, t) in enumerate(zip(gap["queue"], gap["interval_start"]))}
    allocations = [(c, q, t) for c, candidate in enumerate(candidates) for t in candidate.effect
                   for q in candidate.queues if (q, t) in cells]
    n_x, n_y, n_cells = len(candidates), len(allocations), len(cells)
    short, over = n_x + n_y, n_x + n_y + n_cells  # first columns of the short and over counts
    entries: list[tuple[int, int, float]] = []  # (row, column, value)
    lower: list[float] = []
    upper: list[float] = []

    def row(columns: list[int], values: list[float], low: float, high: float) -> None:
        entries.extend((len(lower), column, value) for column, value in zip(columns, values))
        lower.append(low)
        upper.append(high)

    change: dict[int, list[tuple[int, float]]] = {}
    for j, (c, q, t) in enumerate(allocations):
        change.setdefault(cells[(q, t)], []).append((n_x + j, candidates[c].effect[t]))
    missing = (gap["agents_needed"] - gap["agents_planned"]).to_numpy(float)
    for cell in range(n_cells):  # planned + moved + short >= needed; planned + moved - over <= needed
        moved = change.get(cell, [])
        row([*(col for col, _ in moved), short + cell], [*(v for _, v in moved), 1.0], missing[cell], np.inf)
        row([*(col for col, _ in moved), over + cell], [*(v for _, v in moved), -1.0], -np.inf, missing[cell])
    given: dict[tuple[int, pd.Timestamp], list[int]] = {}
    for j, (c, _, t) in enumerate(allocations):
        given.setdefault((c, t), []).append(n_x + j)
    for (c, _), ys in given.items():  # a chosen move's agent-interval goes to exactly one of its queues
        row([*ys, c], [*([1.0] * len(ys)), -1.0], 0.0, 0.0)
    shifts: dict[tuple[str, pd.Timestamp], list[int]] = {}
    for c, candidate in enumerate(candidates):
        shifts.setdefault((candidate.agent, candidate.shift_start), []).append(c)
    for members in shifts.values():
        for kind in ("overtime before", "overtime after", "time off", "break moved"):  # one of each kind
            same = [c for c in members if candidates[c].move == kind]
            if same:
                row(same, [1.0] * len(same), 0.0, 1.0)
        ends = [c for c in members if candidates[c].move in ("overtime after", "time off")]
        if ends:  # staying late and leaving early exclude each other
            row(ends, [1.0] * len(ends), 0.0, 1.0)
        apart = [c for c in members if candidates[c].move in ("time off", "break moved")]
        if apart:  # a moved break and time off of one shift could overlap: one or the other
            row(apart, [1.0] * len(apart), 0.0, 1.0)
    by_agent: dict[str, list[int]] = {}
    for c, candidate in enumerate(candidates):
        if candidate.move.startswith("overtime"):
            by_agent.setdefault(candidate.agent, []).append(c)
    for extra in by_agent.values():  # all of an agent's overtime today within its limit
        row(extra, [len(candidates[c].effect) for c in extra], 0.0, candidates[extra[0]].overtime_limit)
        for a in extra:  # staying late after one shift and coming early to the next keep the rest
            for b in extra:
                first, second = candidates[a], candidates[b]
                if (first.move == "overtime after" and second.move == "overtime before"
                        and second.shift_start > first.shift_start
                        and second.start - first.end < second.rest_needed):
                    row([a, b], [1.0, 1.0], 0.0, 1.0)
    n = n_x + n_y + 2 * n_cells
    matrix = coo_matrix(([v for _, _, v in entries], ([r for r, _, _ in entries], [col for _, col, _ in entries])),
                        shape=(len(lower), n)).tocsr()
    cost = np.concatenate([[c.cost for c in candidates], np.zeros(n_y), np.full(n_cells, SHORT_WEIGHT),
                           np.full(n_cells, OVER_WEIGHT)])
    result = milp(cost, constraints=LinearConstraint(matrix, lower, upper),
                  integrality=np.concatenate([np.ones(n_x + n_y), np.zeros(2 * n_cells)]),
                  bounds=Bounds(np.zeros(n), np.concatenate([np.ones(n_x + n_y), np.full(2 * n_cells, np.inf)])),
                  options={"time_limit": time_limit_seconds})
    if result.x is None:
        return [], {}, f"no solution ({result.message})"
    chosen = [c for c in range(n_x) if result.x[c] > 0.5]
    allocation = {(c, q, t): candidates[c].effect[t] for j, (c, q, t) in enumerate(allocations)
                  if result.x[n_x + j] > 0.5 and result.x[c] > 0.5}
    return chosen, allocation, "optimal" if result.status == 0 else f"stopped: {result.message}"


def _apply(gap: pd.DataFrame, allocation: dict[tuple[int, str, pd.Timestamp], int], config: Config,
           interval_seconds: float) -> pd.DataFrame:
    """GAP with the ALLOCATION's agents added (or removed) and the projection redone."""
    change: dict[tuple[str, pd.Timestamp], int] = {}
    for (_, queue, stamp), sign in allocation.items():
        change[(queue, stamp)] = change.get((queue, stamp), 0) + sign
    added = [change.get(key, 0) for key in zip(gap["queue"].astype(str), gap["interval_start"])]
    return _reprojected(gap.assign(agents_planned=gap["agents_planned"].to_numpy(float) + np.array(added, float)),
                        config, interval_seconds)


def _one_agent_gains(gap: pd.DataFrame, config: Config, interval_seconds: float) -> dict[int, dict]:
    """+1 and -1 -> (queue, interval) -> how much one agent more (or less) there alone lowers
    :func:`projected_shortfall` of GAP (negative: raises it)."""
    total = gap.loc[gap["sl_projected"].notna(), "volume"].sum()
    keys = list(zip(gap["queue"].astype(str), gap["interval_start"]))
    gains = {}
    for sign in (+1, -1):
        moved = _reprojected(gap.assign(agents_planned=gap["agents_planned"] + sign), config, interval_seconds)
        change = (_below_target(gap) - _below_target(moved)) / total if total > 0 else np.zeros(len(gap))
        gains[sign] = dict(zip(keys, change))
    return gains


def _what(candidate: _Candidate) -> str:
    span = f"{candidate.start:%H:%M}-{candidate.end:%H:%M}"
    minutes = int((candidate.end - candidate.start) / pd.Timedelta(minutes=1))
    return {"overtime before": f"start {minutes} min early ({span}, overtime)",
            "overtime after": f"stay {minutes} min longer ({span}, overtime)",
            "time off": f"leave {minutes} min early ({span} off, voluntary)",
            "break moved": f"take the break at {span}"}[candidate.move]


def _why(candidate: _Candidate, gap: pd.DataFrame) -> str:
    """The short (or over-staffed) intervals the move gives an agent to (or takes one from)."""
    rows = gap[gap["queue"].isin(candidate.queues)]

    def agents(column: str, sign: int) -> str:
        stamps = [t for t, s in candidate.effect.items() if s == sign]
        return f"{rows.loc[rows['interval_start'].isin(stamps), column].sum():g}"

    if candidate.move == "time off":
        return f"{agents('agents_over', -1)} agent-interval(s) over-staffed then"
    if candidate.move == "break moved":
        return (f"frees {agents('agents_short', +1)} short agent-interval(s) at the old break time; "
                f"{agents('agents_over', -1)} over-staffed at the new")
    return f"{agents('agents_short', +1)} agent-interval(s) short then"
