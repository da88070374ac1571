"""One group's best weeks: a dynamic program over the seven days for the weekly patterns.

A pattern is one agent's week: which shift option, if any, starts each day. Options are
arrays of shape (n,), times in minutes of the week; values and costs in penalty points
(``staffing.roster.costs``). The program's state grows with the number of distinct shift
lengths (three lengths: up to ~700 resource states a day; nine: ~2,500 and about 30 s for
50 agents).
"""

from __future__ import annotations

import math

import numpy as np

from staffing.roster.costs import HOUR_SHORT_COST, MIN_SHIFT_COST, UNFAIR_SHIFT_COST
from staffing.shifts import DAYS_PER_WEEK, MINUTES_PER_DAY

MINUTES_PER_WEEK = DAYS_PER_WEEK * MINUTES_PER_DAY
NEG = -np.inf  # a value that forbids an option; the score of an unreachable state


class WeekPatterns:
    """Best weekly patterns of one group of interchangeable agents, by dynamic programming.

    ``day``, ``start``, ``end``, ``night``, ``weekend``: the group's shift options (the
    distinct shift times it may work), shape (n,): day 0..6, minutes of the week (``end``
    may pass the week's end) and the shift's night and weekend flags. A pattern starts at
    most one option a day, keeps ``rest_minutes`` between consecutive shifts (across days
    off too), works at most ``most`` shifts and ``ceiling_hours``. Its cost, exactly the
    roster's soft rules: ``MIN_SHIFT_COST`` per shift below ``min_shifts``,
    ``HOUR_SHORT_COST`` per hour below ``lower_hours``, ``pair_cost`` without two
    consecutive days off (the week wraps), ``UNFAIR_SHIFT_COST`` per weekend (night)
    shift above ``ceil(weekend_share x shifts)`` (``night_share``).

    :meth:`best` maximises ``sum(value[option]) - cost`` over the days in order. The state
    after each day: flags (Monday off, the day before off, two consecutive days off seen:
    8 values), resources (shifts, paid hours, night and weekend shifts so far: the ``R``
    reachable combinations), and when the last shift's rest ends (the distinct rest ends
    still pending that day, ``S``): 8 x R x S values a day, with a running maximum over
    rest ends so that each option costs one lookup. The Sunday-to-Monday rest is not a
    state: :meth:`best` solves again with the two shifts kept apart when the best pattern
    breaks it, and reports the first value (a relaxation) separately for bounds.
    """

    def __init__(self, day: np.ndarray, start: np.ndarray, end: np.ndarray, night: np.ndarray, weekend: np.ndarray,
                 *, rest_minutes: float, most: int, ceiling_hours: float, lower_hours: float, min_shifts: int,
                 pair_cost: float, night_share: float, weekend_share: float) -> None:
        self.day, self.start, self.end = day, start, end
        self.rest = rest_minutes
        minutes = (end - start).astype(np.int64)
        unit = int(np.gcd.reduce(minutes)) if minutes.size else 60
        ceiling_units = math.floor(ceiling_hours * 60 / unit + 1e-9)
        # option kinds: (length in units, night, weekend); resources: (shifts, units, nights, weekends)
        kinds, kind_of = np.unique(np.column_stack([minutes // unit, night, weekend]).astype(np.int64), axis=0,
                                   return_inverse=True)
        kind_of = kind_of.ravel()
        states: dict[tuple[int, int, int, int], int] = {(0, 0, 0, 0): 0}
        frontier = [(0, 0, 0, 0)]
        for _ in range(most):
            grown = [(k + 1, u + length, n + is_night, w + is_weekend) for k, u, n, w in frontier
                     for length, is_night, is_weekend in kinds if u + length <= ceiling_units]
            frontier = [key for key in dict.fromkeys(grown) if key not in states]
            for key in frontier:
                states[key] = len(states)
        size = len(states)
        resource = np.array(list(states), dtype=np.int64).reshape(-1, 4)
        shifts_of, nights_of, weekends_of = resource[:, 0], resource[:, 2], resource[:, 3]
        self.hours_of = resource[:, 1] * unit / 60
        next_state = np.full((len(kinds), size), -1, dtype=np.int64)
        self._previous_state = np.full((len(kinds), size), -1, dtype=np.int64)  # the inverse map
        for (k, u, n, w), i in states.items():
            for j, (length, is_night, is_weekend) in enumerate(kinds):
                following = states.get((k + 1, u + length, n + is_night, w + is_weekend), -1)
                next_state[j, i] = following
                if following >= 0:
                    self._previous_state[j, following] = i
        self._kind_of = kind_of
        flags = np.arange(8)
        monday_off, before_off, paired = flags & 1, (flags >> 1) & 1, (flags >> 2) & 1
        pair_at_end = paired | (before_off & monday_off)
        unfair = (np.maximum(nights_of - np.ceil(night_share * shifts_of - 1e-9), 0)
                  + np.maximum(weekends_of - np.ceil(weekend_share * shifts_of - 1e-9), 0))
        self.size = size
        self.cost = (pair_cost * (1 - pair_at_end)[:, None]
                     + (MIN_SHIFT_COST * np.maximum(min_shifts - shifts_of, 0)
                        + HOUR_SHORT_COST * np.maximum(lower_hours - self.hours_of, 0)
                        + UNFAIR_SHIFT_COST * unfair)[None, :])
        pending = [np.array([NEG])]  # per day: -inf (rested) and the rest ends still running
        self._days = []
        for d in range(DAYS_PER_WEEK):
            options = np.flatnonzero(day == d)
            edge = (d + 1) * MINUTES_PER_DAY
            rest_end = end[options] + rest_minutes
            later = np.unique(np.r_[pending[d][1:], rest_end])
            pending.append(np.r_[NEG, later[later > edge]])

            def slot(times: np.ndarray, d: int = d, edge: int = edge) -> np.ndarray:
                return np.where(times > edge, np.searchsorted(pending[d + 1], times), 0)

            here, after = pending[d].size, pending[d + 1].size
            off_flags = (flags | 1 | 2) if d == 0 else (flags | 2 | (before_off << 2))
            work_flags = (flags & ~3) if d == 0 else (flags & ~2)
            carry = slot(pending[d])
            carry[0] = 0
            off_target = (off_flags[:, None, None] * size + np.arange(size)[None, :, None]) * after + carry[None, None, :]
            grown = next_state[kind_of[options]].T  # (R, O)
            work_target = (work_flags[:, None, None] * size + grown[None, :, :]) * after + slot(rest_end)[None, None, :]
            self._days.append({
                "options": options, "here": here, "after": after, "off_target": off_target.reshape(8 * size, here),
                # the last pending rest end (index) that still lets each option start
                "last_ok": np.searchsorted(pending[d], start[options], side="right") - 1,
                "work_target": work_target.reshape(8 * size, -1), "valid": (grown[None] >= 0).repeat(8, 0).reshape(8 * size, -1),
                "carry": carry, "option_slot": slot(rest_end),
                "off_from": [np.flatnonzero(off_flags == f) for f in flags],
                "work_from": [np.flatnonzero(work_flags == f) for f in flags],
            })

    def _forward(self, value: np.ndarray) -> list[np.ndarray]:
        """Best score per state after each day, shape (8 x R, S) per layer (-inf: unreachable)."""
        layer = np.full((8 * self.size, 1), NEG)
        layer[0, 0] = 0.0
        layers = [layer]
        for info in self._days:
            out = np.full(8 * self.size * info["after"], NEG)
            live = np.flatnonzero((layer > NEG).any(axis=1))  # reachable (flag, resources) rows
            here = layer[live]
            reached = here > NEG
            np.maximum.at(out, info["off_target"][live][reached], here[reached])
            if info["options"].size:
                gain = np.maximum.accumulate(here, axis=1)[:, info["last_ok"]] + value[info["options"]][None, :]
                keep = info["valid"][live] & (gain > NEG)
                np.maximum.at(out, info["work_target"][live][keep], gain[keep])
            layer = out.reshape(8 * self.size, info["after"])
            layers.append(layer)
        return layers

    def _path(self, layers: list[np.ndarray], value: np.ndarray, flag: int, state: int) -> np.ndarray:
        """The options of the pattern ending in (flag, state), walking back through the
        predecessors of each state (inverse transition maps) to one that scores it."""
        last = layers[-1][flag * self.size + state]
        rest_slot = int(np.argmax(last))
        score = last[rest_slot]
        chosen = []
        for d in range(DAYS_PER_WEEK - 1, -1, -1):
            info, layer = self._days[d], layers[d]
            found = None
            for f in info["off_from"][flag]:
                for j in np.flatnonzero(info["carry"] == rest_slot):
                    if layer[f * self.size + state, j] == score:
                        found = (f, state, j, None)
                        break
                if found:
                    break
            if found is None:
                for o in np.flatnonzero(info["option_slot"] == rest_slot):
                    option = info["options"][o]
                    before = self._previous_state[self._kind_of[option], state]
                    if before < 0 or value[option] == NEG:
                        continue
                    for f in info["work_from"][flag]:
                        row = layer[f * self.size + before, : info["last_ok"][o] + 1]
                        if row.size and row.max() + value[option] == score:
                            found = (f, before, int(np.argmax(row)), option)
                            break
                    if found:
                        break
            flag, state, rest_slot, option = found
            score = layer[flag * self.size + state, rest_slot]
            if option is not None:
                chosen.append(option)
        return np.array(chosen[::-1], dtype=np.int64)

    def _wraps(self, options: np.ndarray) -> bool:
        """True if the pattern keeps the rest from its last shift to its first one a week later."""
        if options.size < 2:
            return True
        order = options[np.argsort(self.start[options])]
        return self.start[order[0]] + MINUTES_PER_WEEK >= self.end[order[-1]] + self.rest

    def _ranked(self, value: np.ndarray, count: int, extra: np.ndarray | None) -> tuple[float, list]:
        layers = self._forward(value)
        score = layers[-1].max(axis=1).reshape(8, self.size) - self.cost - (0.0 if extra is None else extra[None, :])
        order = np.argsort(-score, axis=None, kind="stable")[:count]
        found = [(float(score.flat[i]), self._path(layers, value, *np.unravel_index(i, score.shape)))
                 for i in order if np.isfinite(score.flat[i])]
        return (float(score.max()) if np.isfinite(score).any() else NEG), found

    def best(self, value: np.ndarray, count: int = 1, extra: np.ndarray | None = None
             ) -> tuple[float, list[tuple[float, np.ndarray]]]:
        """Up to ``count`` patterns of highest ``sum(value) - cost - extra[resources]``.

        ``value``: per option, shape (n,), ``-inf`` forbids it; ``extra``: an added cost per
        resource state, shape (R,) (see ``hours_of``). Returns the best score of the
        relaxation without the Sunday-to-Monday rest (an upper bound on every pattern's
        score) and ``(score, options)`` pairs that keep every rule, best first.
        """
        top, found = self._ranked(value, count, extra)
        kept = [(s, o) for s, o in found if self._wraps(o)]
        if found and not self._wraps(found[0][1]):
            options = found[0][1]
            order = options[np.argsort(self.start[options])]
            first_start, last_end = self.start[order[0]], self.end[order[-1]]
            # keep the last shift's end (and start the week no earlier than its rest allows),
            # or keep the first shift's start (and end the week early enough for it)
            for allowed in ((self.end <= last_end) & (self.start + MINUTES_PER_WEEK >= last_end + self.rest),
                            (self.start >= first_start) & (self.end + self.rest <= first_start + MINUTES_PER_WEEK)):
                _, again = self._ranked(np.where(allowed, value, NEG), 1, extra)
                kept += [(s, o) for s, o in again if self._wraps(o)]
            kept.sort(key=lambda pair: -pair[0])
        return top, kept[:count]
