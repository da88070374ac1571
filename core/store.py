"""The store: what must outlast a run (published forecasts, actuals) in a real database.

An embedded SQLite file by default (``[store] url``, or ``shiftcast.db`` beside a command's
output folder), or any SQLAlchemy URL for a shared server (``postgresql+psycopg://...``).
Tables (created when missing):

- ``forecast_snapshots``: one row per published forecast: ``snapshot_id``, ``origin`` (the
  forecast's first local day), ``created_at`` (UTC), ``command``;
- ``forecast_values``: ``snapshot_id``, ``queue``, ``interval_start`` (UTC), ``volume``,
  ``volume_p10``, ``volume_p90``, ``aht_seconds``;
- ``actuals``: per ``queue`` and ``interval_start`` (UTC, unique together) what happened:
  ``offered``, ``answered``, ``abandoned``, ``aht_seconds``, ``sl_actual``; saving a
  queue's interval again replaces it.

Times are stored in UTC and read back in the site's zone. Every write is one transaction:
a failed run stores nothing. A URL that does not work is an InputError naming it.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import (Column, DateTime, Float, Integer, MetaData, String, Table, UniqueConstraint, create_engine,
                        delete, func, insert, select)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from core.errors import InputError

__all__ = ["ACTUAL_COLUMNS", "Store", "store_url"]

STORE_FILE = "shiftcast.db"
ACTUAL_COLUMNS = ("offered", "answered", "abandoned", "aht_seconds", "sl_actual")
FORECAST_COLUMNS = ("volume", "volume_p10", "volume_p90", "aht_seconds")

_metadata = MetaData()
_snapshots = Table("forecast_snapshots", _metadata,
                   Column("snapshot_id", Integer, primary_key=True, autoincrement=True),
                   Column("origin", String(10), nullable=False),
                   Column("created_at", DateTime(timezone=True), nullable=False),
                   Column("command", String(40), nullable=False))
_values = Table("forecast_values", _metadata,
                Column("snapshot_id", Integer, nullable=False, index=True),
                Column("queue", String(200), nullable=False),
                Column("interval_start", DateTime(timezone=True), nullable=False),
                *(Column(name, Float) for name in FORECAST_COLUMNS))
_actuals = Table("actuals", _metadata,
                 Column("queue", String(200), nullable=False),
                 Column("interval_start", DateTime(timezone=True), nullable=False),
                 *(Column(name, Float) for name in ACTUAL_COLUMNS),
                 UniqueConstraint("queue", "interval_start"))


def store_url(configured: str | None, out_dir: str | Path) -> str:
    """The store to use: the configured URL or path, else ``shiftcast.db`` beside OUT_DIR."""
    text = configured or str(Path(out_dir).resolve().parent / STORE_FILE)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


class Store:
    """A connection to the store at ``url`` (a SQLAlchemy URL); tables are created on first use."""

    def __init__(self, url: str, *, make_folder: bool = False) -> None:
        """Check the store can be used, before any work: a server is connected to, a SQLite
        file's folder must exist (or, with MAKE_FOLDER, is made with the file: the default
        store beside an output folder that the run creates); the file and the tables are made
        on the first write, so a run that fails before it leaves nothing behind."""
        self._folder: Path | None = None  # made before the first write
        try:
            parsed = make_url(url)
            self._shown = parsed.render_as_string(hide_password=True)
            self._engine: Engine = create_engine(url)
            if parsed.get_backend_name() == "sqlite":
                folder = Path(parsed.database or ".").resolve().parent
                if parsed.database and not folder.is_dir() and not make_folder:
                    raise ValueError(f"folder {folder} does not exist")
                if parsed.database and make_folder:
                    self._folder = folder
            else:
                with self._engine.connect():
                    pass
        except (ArgumentError, ValueError, ImportError, SQLAlchemyError) as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise InputError(f"store {url!r} cannot be used ({reason}); set [store] url to a file path or a "
                             f"database URL such as postgresql+psycopg://user@host/db") from None
        self._ready = False

    def _tables(self) -> None:
        """Create the store's tables when missing (once per Store)."""
        if not self._ready:
            with self._writing():
                if self._folder is not None:
                    self._folder.mkdir(parents=True, exist_ok=True)
                _metadata.create_all(self._engine)
            self._ready = True

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _writing(self):
        """A failed write (server gone, disk full) is an InputError naming the store; the
        transaction it was in leaves nothing behind."""
        try:
            yield
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise InputError(f"could not write to the store {self._shown} ({reason}); the output folder is "
                             f"written, the store is unchanged") from None

    @property
    def shown(self) -> str:
        """The store's URL with any password hidden."""
        return self._shown

    def save_forecast(self, forecast: pd.DataFrame, *, command: str) -> int:
        """Store a published Frame A forecast as one snapshot; its id."""
        self._tables()
        origin = forecast["interval_start"].min().date().isoformat()
        rows = forecast.assign(interval_start=forecast["interval_start"].dt.tz_convert("UTC"))
        columns = ["queue", "interval_start", *(c for c in FORECAST_COLUMNS if c in rows.columns)]
        with self._writing(), self._engine.begin() as connection:
            snapshot = connection.execute(insert(_snapshots).values(
                origin=origin, created_at=datetime.now(timezone.utc), command=command)).inserted_primary_key[0]
            records = rows[columns].assign(snapshot_id=snapshot).astype(object)
            connection.execute(insert(_values), records.where(records.notna(), None).to_dict(orient="records"))
        return int(snapshot)

    def forecasts(self, zone: str) -> pd.DataFrame:
        """Every stored forecast value with its snapshot's ``origin`` (a date), times in ZONE, by
        snapshot, queue and time."""
        self._tables()
        query = select(_values, _snapshots.c.origin).join(
            _snapshots, _snapshots.c.snapshot_id == _values.c.snapshot_id).order_by(
            _values.c.snapshot_id, _values.c.queue, _values.c.interval_start)
        with self._engine.connect() as connection:
            frame = pd.read_sql_query(query, connection)
        return frame.assign(interval_start=_site_times(frame["interval_start"], zone),
                            origin=pd.to_datetime(frame["origin"]).dt.date)

    def save_actuals(self, table: pd.DataFrame) -> int:
        """Store per queue and interval what happened (``review.csv``'s columns), replacing
        what the store had for the same queue and interval; the rows written."""
        self._tables()
        rows = table[["queue", "interval_start", *ACTUAL_COLUMNS]].assign(
            interval_start=table["interval_start"].dt.tz_convert("UTC")).astype(object)
        rows = rows.where(rows.notna(), None)
        with self._writing(), self._engine.begin() as connection:
            for queue, part in rows.groupby("queue"):
                connection.execute(delete(_actuals).where(
                    (_actuals.c.queue == queue) & _actuals.c.interval_start.in_(part["interval_start"].tolist())))
            connection.execute(insert(_actuals), rows.to_dict(orient="records"))
        return len(rows)

    def actuals(self, zone: str) -> pd.DataFrame:
        """Every stored actual, times in ZONE, by queue and time."""
        self._tables()
        with self._engine.connect() as connection:
            frame = pd.read_sql_query(select(_actuals).order_by(_actuals.c.queue, _actuals.c.interval_start),
                                      connection)
        return frame.assign(interval_start=_site_times(frame["interval_start"], zone))

    def count(self, table: str) -> int:
        """Rows in one of the store's tables (for notes and tests)."""
        self._tables()
        chosen = {"forecast_snapshots": _snapshots, "forecast_values": _values, "actuals": _actuals}[table]
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(chosen)).scalar_one())


def _site_times(values: pd.Series, zone: str) -> pd.Series:
    """Stored times (UTC; SQLite gives them back without an offset) in the site's zone."""
    stamps = pd.to_datetime(values, utc=True)
    return stamps.dt.tz_convert(zone)
