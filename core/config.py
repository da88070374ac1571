"""The one loader for ``shiftcast.toml``: typed settings with defaults and clear errors.

Sections: ``[site]`` (time zone, interval length, opening hours), ``[queue_defaults]``
and ``[queues.NAME]`` (a queue's table overrides the defaults field by field; a queue with
no table uses the defaults, and outputs say so), ``[forecast]``, ``[shifts]`` (shift
templates and the shift plan) and ``[roster]`` (working-time rules for named agents).
Unknown keys are errors, so a typo never silently falls back to a default. The
commented sample ``data/shiftcast.toml`` documents every setting.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import InputError
from core.schema import WEEKDAYS

__all__ = [
    "Config",
    "ForecastSettings",
    "QueueSettings",
    "ReviewSettings",
    "RosterRules",
    "ShiftRules",
    "Site",
    "SkillRules",
    "StoreSettings",
    "load_config",
    "parse_clock",
    "queue_table_notes",
    "opening_hours_from_text",
    "settings_error",
]

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_clock(text: str) -> int:
    """Minutes after midnight of an ``HH:MM`` clock time (``24:00`` allowed as the end of day)."""
    match = _CLOCK.match(text)
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= 24 * 60:
        raise ValueError(f"'{text}' is not a clock time; write HH:MM, e.g. 08:30")
    return minutes


def opening_hours_from_text(text: str) -> dict[str, str]:
    """``[site] opening_hours`` from one line such as ``mon-fri 07:00-21:00, sat 08:00-14:00,
    sun closed`` (days or day ranges, then hours or ``closed``; days not named are open all
    day). Checked by :class:`Site` when used; a malformed part is an InputError naming it."""
    hours: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        days, _, when = part.lower().partition(" ")
        first, _, last = days.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS) or not when.strip():
            raise InputError(f"opening hours {part!r} must be a day or day range and hours, e.g. "
                             f"'mon-fri 07:00-21:00' or 'sun closed'")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        for day in WEEKDAYS[start:end + 1] if start <= end else WEEKDAYS[start:] + WEEKDAYS[:end + 1]:
            hours[day] = when.strip().replace(" ", "")
    return hours


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Site(_Section):
    """Where and when the desk works."""

    name: str = "Support desk"
    timezone: str = "UTC"
    # None: take the interval length from the data; set it to insist on one.
    interval_minutes: int | None = Field(None, gt=0, le=1440)
    # ISO country code for public holidays (the `holidays` package), e.g. "DE".
    country: str | None = None
    # Weekday -> "HH:MM-HH:MM" or "closed"; missing days are open all day.
    opening_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], str] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{name}'; use an IANA name such as Europe/Berlin") from None
        return name

    @field_validator("interval_minutes")
    @classmethod
    def _divides_a_day(cls, minutes: int | None) -> int | None:
        if minutes is not None and 1440 % minutes:
            raise ValueError(f"{minutes} minutes does not divide a day; use 15, 30 or 60")
        return minutes

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, hours: dict[str, str]) -> dict[str, str]:
        for day, text in hours.items():
            if text == "closed":
                continue
            start, sep, end = text.partition("-")
            if not sep or parse_clock(start) >= parse_clock(end):
                raise ValueError(f"{day} = '{text}' must be 'HH:MM-HH:MM' with start before end, or 'closed'")
        return hours

    def weekly_hours(self) -> tuple[tuple[int, int] | None, ...] | None:
        """Opening (start, end) minutes for Monday..Sunday (None: closed); None when no hours are set."""
        return tuple(self.open_minutes(weekday) for weekday in range(7)) if self.opening_hours else None

    def open_minutes(self, weekday: int) -> tuple[int, int] | None:
        """Opening (start, end) in minutes after midnight for weekday 0 = Monday; None if closed."""
        text = self.opening_hours.get(WEEKDAYS[weekday], "00:00-24:00")
        if text == "closed":
            return None
        start, _, end = text.partition("-")
        return parse_clock(start), parse_clock(end)


class QueueSettings(_Section):
    """How one queue is staffed."""

    # voice: Erlang C (Erlang A with patience_seconds); chat: Erlang C/A over
    # agents x concurrency slots; email and social: deferred work within response_hours.
    channel: Literal["voice", "chat", "email", "social"] = "voice"
    service_level: float = Field(0.8, gt=0, le=1)
    answer_seconds: float = Field(20, ge=0)
    asa_seconds: float | None = Field(None, gt=0)
    max_occupancy: float | None = Field(0.85, gt=0, le=1)
    shrinkage: float = Field(0.30, ge=0, lt=1)
    patience_seconds: float | None = Field(None, gt=0)
    # the share of the agents staffed (seen in a contact log) that the model should count when
    # it predicts service from actual staffing (`shiftcast review`); fitted by `shiftcast calibrate`
    effective_staffing: float = Field(1.0, gt=0, le=2)
    concurrency: int = Field(1, ge=1, le=20)
    response_hours: float = Field(24, gt=0)
    # Fewest agents on contacts in every interval the queue is open, whatever the forecast
    # (a 24/7 line needs someone at 04:00 even when the forecast rounds to zero calls).
    min_agents: int = Field(0, ge=0)
    # Handle time to use where the forecast has none.
    aht_seconds: float = Field(300, gt=0)
    # Forecast column to staff to: the expected volume, or the upper band to staff peaks cautiously.
    staff_to: Literal["volume", "volume_p90"] = "volume"

    @property
    def deferred(self) -> bool:
        """True for e-mail and social: a backlog answered within ``response_hours``, not an Erlang queue."""
        return self.channel in ("email", "social")

    def scheduled(self, on_contacts: Any) -> Any:
        """Agents to schedule so that ``on_contacts`` remain after shrinkage (unrounded; array or scalar)."""
        return on_contacts / (1 - self.shrinkage)


class ForecastSettings(_Section):
    """Forecast horizon and backtest settings."""

    horizon_days: int = Field(14, gt=0, le=366)
    # Rolling-origin folds every model is backtested on before one is chosen (one horizon apart;
    # short horizons get more, so that at least 14 days are scored).
    folds: int = Field(4, ge=2, le=52)
    # Models to compare (names in forecast.models.default_models); empty: all but LEFT_OUT_BY_DEFAULT (mstl).
    models: list[str] = Field(default_factory=list)
    # combine: forecast with the mean of every model that beats seasonal naive in the backtest;
    # best: with the single model of lowest backtest wMAPE.
    selection: Literal["combine", "best"] = "combine"
    # Keep flagged outliers, incident surges and user events out of training.
    exclude_outliers: bool = True
    # An interval is an outlier when its robust residual against the seasonal baseline exceeds this.
    outlier_threshold: float = Field(5.0, gt=0)


class ShiftRules(_Section):
    """Allowed shifts, their cost, and how the shift plan is solved (``staffing.shiftplan``).

    Times are wall-clock in the site's zone; hours may be fractional (``7.5``) but every
    start, length, break and break offset must be a whole number of the requirements'
    intervals (checked when planning, where the interval length is known).
    """

    start_step_minutes: int = Field(30, gt=0, le=1440)
    earliest_start: str = "00:00"
    latest_start: str = "23:30"  # earlier than earliest_start: the start window wraps midnight
    lengths_hours: list[float] = Field(default_factory=lambda: [4.0, 6.0, 8.0], min_length=1)
    # shift length (hours, as a string key in TOML) -> paid, non-covering break minutes for
    # shifts at least that long; a shift takes the break of the longest key it reaches
    break_minutes: dict[str, int] = Field(default_factory=lambda: {"6": 30, "8": 30})
    break_window_hours: tuple[float, float] = (2.0, 5.0)  # earliest and latest break start into the shift
    cost_per_hour: float = Field(1.0, gt=0)
    # fixed cost of each shift worked (handover, log-in, travel), in the same money as
    # cost_per_hour: with 0, short shifts without a break are the cheapest way to cover,
    # and a plan of 4 h shifts cannot be rostered onto full-time contracts
    cost_per_shift: float = Field(0.0, ge=0)
    night_premium: float = Field(0.25, ge=0)  # extra cost share for hours inside night_hours
    night_hours: tuple[str, str] = ("22:00", "06:00")  # start and end of the night (wraps midnight)
    max_agents: int = Field(200, gt=0)  # most agents on duty at once, all queues, breaks included
    # true: a queue's shifts work only while it is open (no shift starts before opening or runs
    # past closing); intervals a shift cannot then reach are reported as short
    within_open_hours: bool = False
    # "requirement": cover every interval's agents_scheduled; "daily_service_level" /
    # "weekly_service_level": meet each queue's service-level target on average over each
    # day / the week, weighted by volume (cheaper; single intervals may fall below target)
    plan_to: Literal["requirement", "daily_service_level", "weekly_service_level"] = "requirement"
    time_limit_seconds: float = Field(60.0, gt=0)  # solver time limit; the best plan found is returned
    mip_rel_gap: float = Field(0.005, ge=0, lt=1)  # stop when cost is proven within this share of optimal
    # or within this many of the cheapest shift's cost (a small queue's mip_rel_gap is a fraction of one
    # shift, and proving that costs most of the time limit); 0: mip_rel_gap alone
    mip_gap_shifts: float = Field(1.0, ge=0)

    @field_validator("earliest_start", "latest_start")
    @classmethod
    def _clock(cls, text: str) -> str:
        parse_clock(text)
        return text

    @field_validator("night_hours")
    @classmethod
    def _night(cls, hours: tuple[str, str]) -> tuple[str, str]:
        if parse_clock(hours[0]) % 1440 == parse_clock(hours[1]) % 1440:
            raise ValueError(f"night start and end must differ; got {list(hours)}")
        return hours

    @field_validator("lengths_hours")
    @classmethod
    def _positive(cls, lengths: list[float]) -> list[float]:
        if any(length <= 0 or length > 24 for length in lengths):
            raise ValueError(f"shift lengths must be in (0, 24] hours; got {lengths}")
        return lengths

    @field_validator("break_minutes")
    @classmethod
    def _breaks(cls, breaks: dict[str, int]) -> dict[str, int]:
        for key, minutes in breaks.items():
            try:
                hours = float(key)
            except ValueError:
                raise ValueError(f"break_minutes keys are shift lengths in hours, e.g. {{ 6 = 30 }}; got '{key}'") from None
            if hours <= 0 or minutes <= 0:
                raise ValueError(f"break_minutes needs positive lengths and minutes; got {key} = {minutes}")
        return breaks

    @field_validator("break_window_hours")
    @classmethod
    def _window(cls, window: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= window[0] <= window[1]:
            raise ValueError(f"break_window_hours must be [earliest, latest] with 0 <= earliest <= latest; got {list(window)}")
        return window

    def break_for(self, length_hours: float) -> int:
        """Break minutes of a shift of ``length_hours``: the longest key it reaches; 0 if none."""
        reached = [(float(key), minutes) for key, minutes in self.break_minutes.items() if float(key) <= length_hours]
        return max(reached)[1] if reached else 0


class RosterRules(_Section):
    """Working-time rules for the named weekly roster (``staffing.roster``)."""

    min_rest_hours: float = Field(11.0, ge=0, le=48)  # between the end of one shift and the start of the next
    min_days_off: int = Field(2, ge=0, le=6)  # days in the week on which no shift starts
    prefer_consecutive_days_off: bool = True  # reward two days off in a row (the week wraps)
    contract_tolerance_hours: float = Field(4.0, ge=0)  # paid hours may differ from the contract by this much
    # a night shift works at least this many hours inside shifts.night_hours
    # (3 h is the EU Working Time Directive's definition of a night worker's shift)
    night_shift_min_hours: float = Field(3.0, gt=0, le=24)
    # queue -> language an agent must speak to work it (checked against agents.csv languages)
    queue_languages: dict[str, str] = {}
    # the search, its lower bound and the extra starts all end by then (each stops sooner when
    # done: the sample desk's 150 agents take about 10 s, 50 agents a few seconds)
    time_limit_seconds: float = Field(30.0, gt=0)
    # status "optimal" when the roster's objective is proven within this share of the bound
    mip_rel_gap: float = Field(0.01, ge=0, lt=1)


class SkillRules(_Section):
    """Multi-skill staffing (``staffing.skillgroups``), used when an agents file is given."""

    # true: `plan --agents` plans shifts over the agents file's skill groups (a bilingual agent
    # counted once); false: every queue on its own, as without an agents file
    plan_by_group: bool = True
    # who takes an arriving contact when several groups have an idle agent: "specialists_first"
    # (the group with the fewest skills) or "random" (a group drawn by its idle agents)
    routing: Literal["specialists_first", "random"] = "specialists_first"
    # queue -> priority (lower first): a freed agent takes the head of its most urgent queue;
    # queues not named have priority 0
    priorities: dict[str, int] = {}
    # deferred queues (e-mail, social) worked by live agents who have the skill, in their idle
    # time (staffing.blend): dedicated staff only for what that cannot absorb
    blend_deferred: bool = True
    # agents of a group kept idle for live contacts before one takes deferred work
    blend_reserve_agents: int = Field(2, ge=0)


class ReviewSettings(_Section):
    """Actuals from a contact log (``review``)."""

    # an agent's answered contacts less than this apart are one working session: the agent
    # counts as staffed from the session's first answer to its last contact's end
    session_gap_minutes: float = Field(30, gt=0)


class IntradaySettings(_Section):
    """The rest of today (``shiftcast intraday``: forecast.intraday, staffing.intraday)."""

    # a surge (or drop) alert, and the re-forecast following it, need the total of at least
    # this many of the latest intervals beyond the morning forecast's 0.1%-99.9% bounds
    alert_intervals: int = Field(2, ge=1)
    # overtime an agent may be asked for today, before and after the shift together
    max_overtime_minutes: int = Field(120, ge=0, le=480)
    # how far a break not yet begun may move, earlier or later (inside shifts.break_window_hours)
    break_move_minutes: int = Field(60, ge=0, le=240)


class StoreSettings(_Section):
    """The database for what must outlast a run (``core.store``)."""

    # a file path (SQLite) or a SQLAlchemy URL (postgresql+psycopg://user@host/db);
    # none: shiftcast.db beside the command's output folder
    url: str | None = None


class Config(_Section):
    """All settings of one site."""

    site: Site = Site()
    queue_defaults: QueueSettings = QueueSettings()
    queues: dict[str, QueueSettings] = {}
    forecast: ForecastSettings = ForecastSettings()
    shifts: ShiftRules = ShiftRules()
    roster: RosterRules = RosterRules()
    skills: SkillRules = SkillRules()
    review: ReviewSettings = ReviewSettings()
    intraday: IntradaySettings = IntradaySettings()
    store: StoreSettings = StoreSettings()

    @model_validator(mode="before")
    @classmethod
    def _queues_inherit_defaults(cls, raw: Any) -> Any:
        """Each ``[queues.NAME]`` table starts from ``[queue_defaults]``."""
        if not isinstance(raw, dict) or not isinstance(raw.get("queues"), dict):
            return raw
        defaults = raw.get("queue_defaults", {})
        if not isinstance(defaults, dict):
            return raw
        merged = {
            name: ({**defaults, **table} if isinstance(table, dict) else table)
            for name, table in raw["queues"].items()
        }
        return {**raw, "queues": merged}

    def queue(self, name: str) -> tuple[QueueSettings, str]:
        """A queue's settings and where they came from (``queues.NAME`` or ``queue_defaults``)."""
        if name in self.queues:
            return self.queues[name], f"queues.{name}"
        return self.queue_defaults, "queue_defaults"


def _section_of(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The settings class whose table holds the key at ``loc``."""
    if len(loc) == 1:
        return Config
    if loc[0] == "queues":
        return QueueSettings
    return Config.model_fields[loc[0]].annotation


def _describe(error: dict[str, Any], name: Callable[[tuple[Any, ...]], str]) -> str:
    where = name(error["loc"])
    if error["type"] == "extra_forbidden":
        known = ", ".join(_section_of(error["loc"]).model_fields)
        return f"unknown setting '{where}'; known settings here: {known}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where} = {error['input']!r} is invalid: {message}"


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def settings_error(error: ValidationError, prefix: str = "", name: Callable[[tuple[Any, ...]], str] = _dotted
                   ) -> InputError:
    """One :class:`InputError` naming every problem of ``error`` at once (``; ``-separated),
    each as ``NAME = VALUE is invalid: WHY``; ``name`` maps a setting's location to how the
    user wrote it (a TOML key, a CLI option)."""
    problems = "; ".join(_describe(problem, name) for problem in error.errors())
    return InputError(f"{prefix}{problems}")


def config_from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    """Validate a settings mapping (as parsed from TOML) into a :class:`Config`."""
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise settings_error(error, prefix=f"{source}: ") from None


def load_config(path: str | Path | None) -> Config:
    """Read and validate ``shiftcast.toml``; ``None`` gives the built-in defaults."""
    if path is None:
        return Config()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file {path} not found; pass --config with a shiftcast.toml "
                         f"(data/shiftcast.toml is a commented example)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not valid TOML ({error}); fix the syntax") from None
    return config_from_dict(raw, source=str(path))


def _did_you_mean(name: str, candidates: list[str]) -> str:
    """``; did you mean 'x'?`` for the nearest candidate (whitespace and case ignored first), or ''."""
    near = [c for c in candidates if c.strip().casefold() == name.strip().casefold()]
    near = near or difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"; did you mean {near[0]!r}?" if near else ""


def queue_table_notes(config: Config, queues: Iterable[str]) -> list[str]:
    """Notes for queue names that miss the config: a queue of the data without a
    ``[queues.NAME]`` table (it is staffed with ``[queue_defaults]``) and a table that no
    queue of the data has, each with a "did you mean" for a near match. None when the
    config has no queue tables at all (every queue uses the defaults on purpose)."""
    data, tables = sorted(set(queues)), sorted(config.queues)
    if not tables:
        return []
    notes = [f"queue {name!r} has no [queues.{name}] table, so [queue_defaults] apply{_did_you_mean(name, tables)}"
             for name in data if name not in config.queues]
    notes += [f"[queues.{name}] matches no queue in the data and is unused{_did_you_mean(name, data)}"
              for name in tables if name not in data]
    return notes
