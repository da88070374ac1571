"""Generate the sample contact history of a 24/7 crypto-wallet support desk.

Writes, under ``data/``:

- ``sample_history.csv.gz``: 37 weeks of 15-minute intervals (2026-03-02 to 2026-11-15,
  Europe/Malta time, across both DST changes) for four queues: ``chat_en``, ``chat_zh``,
  ``email`` and ``voice_en``. Columns: queue, interval_start (ISO 8601 with offset),
  volume, aht_seconds.
- ``sample_forecast.csv.gz``: the generator's own expected volume for the two weeks after
  the history, with Poisson-Gamma p10/p90: a stand-in forecast for trying the staffing
  step on its own (``shiftcast forecast`` makes real ones).
- ``events.csv``: the market events behind the surges, and one planned event ahead.
- ``sample_today.csv``: the first forecast day's intervals from 00:00 to 12:00, with an
  unplanned surge from 10:00 (not in events.csv): today so far, for ``shiftcast intraday``
  and the dashboard's Today page.

What is in it: a double daily peak (10-13 h and 19-22 h in the customers' time; chat_zh
follows Beijing time), quieter weekends, a trend of about +20% over the period, public-holiday
dips (Malta for e-mail and voice, China for chat_zh), a handful of market-surge days
(x2-x4 for a few hours, with longer handle times), handle times that vary by hour, and
over-dispersed Poisson counts. Run ``python scripts/generate_sample.py``; the seed is fixed.
"""

from __future__ import annotations

from pathlib import Path

import holidays
import numpy as np
import pandas as pd

SEED = 20261123
TIMEZONE = "Europe/Malta"
START, END = "2026-03-02", "2026-11-16"  # history: [START, END)
FORECAST_DAYS = 14
DATA = Path(__file__).resolve().parent.parent / "data"
GZIP = {"method": "gzip", "mtime": 0}  # no timestamp in the file: regenerating gives the same bytes

# queue -> (mean contacts per 15 min at the daily peak, customers' UTC offset in hours,
#           base AHT seconds, weekend factor, holiday calendar)
QUEUES = {
    "chat_en": (30.0, 1, 540.0, 0.75, "MT"),
    "chat_zh": (14.0, 8, 600.0, 0.85, "CN"),
    "email": (13.0, 1, 420.0, 0.55, "MT"),
    "voice_en": (9.0, 1, 330.0, 0.60, "MT"),
}
# (local start, hours, multiplier on chat and e-mail, name)
SURGES = [
    ("2026-04-14 15:00", 5, 3.0, "BTC flash crash"),
    ("2026-05-27 09:00", 8, 2.0, "Exchange outage at a partner"),
    ("2026-07-08 20:00", 4, 4.0, "Token listing"),
    ("2026-08-19 13:00", 6, 2.5, "Network congestion: high fees"),
    ("2026-09-30 02:00", 6, 2.0, "Asian-session sell-off"),
    ("2026-10-21 16:00", 5, 3.0, "Wallet app release bug"),
]
PLANNED = [("2026-11-25 10:00", 6, 1.8, "Planned network upgrade")]
TODAY_UNTIL = "2026-11-16 12:00"  # sample_today.csv: the first forecast day up to then
UNPLANNED = [("2026-11-16 10:00", 6, 1.8, "Stablecoin de-peg (unplanned)")]


def daily_profile(hour: np.ndarray) -> np.ndarray:
    """Relative volume by customer-local hour (0-24, fractional): night trough, two peaks."""

    def bump(centre: float, width: float) -> np.ndarray:
        distance = (hour - centre + 12) % 24 - 12  # around the clock
        return np.exp(-0.5 * (distance / width) ** 2)

    daylight = 0.5 - 0.5 * np.cos(2 * np.pi * (hour - 3.5) / 24)
    return 0.05 + 0.3 * daylight + 0.55 * bump(11.5, 1.6) + 0.6 * bump(20.5, 1.5)


def surge_factor(index: pd.DatetimeIndex, events: list[tuple[str, int, float, str]]) -> np.ndarray:
    factor = np.ones(len(index))
    for start, hours, multiplier, _ in events:
        begin = pd.Timestamp(start, tz=TIMEZONE)
        elapsed = (index - begin).total_seconds().to_numpy() / 3600
        shape = np.where((elapsed >= 0) & (elapsed < hours), np.sin(np.pi * np.clip(elapsed / hours, 0, 1)) ** 0.5, 0)
        factor *= 1 + (multiplier - 1) * shape
    return factor


def expected(index: pd.DatetimeIndex, queue: str, events) -> tuple[np.ndarray, np.ndarray]:
    """Mean volume and mean AHT per interval for one queue."""
    peak, offset_hours, aht_base, weekend, country = QUEUES[queue]
    customer_time = index.tz_convert("UTC") + pd.Timedelta(hours=offset_hours)
    hour = customer_time.hour.to_numpy() + customer_time.minute.to_numpy() / 60
    weekday = customer_time.day_of_week.to_numpy()
    days = (index - pd.Timestamp(START, tz=TIMEZONE)).days.to_numpy()
    level = peak * daily_profile(hour) / daily_profile(np.array([20.5]))[0]
    level *= np.where(weekday >= 5, weekend, 1.0)
    level *= 1 + 0.2 * days / 260
    calendar = holidays.country_holidays(country, years=range(2026, 2028))
    is_holiday = np.array([d in calendar for d in customer_time.date])
    level *= np.where(is_holiday, 0.55, 1.0)
    if queue != "voice_en":  # market news floods chat and e-mail, not the phone line
        level *= surge_factor(index, events)
    aht = aht_base * (1 + 0.18 * np.cos(2 * np.pi * (hour - 3) / 24))  # longer at night
    aht *= np.where(surge_factor(index, events) > 1.2, 1.15, 1.0)
    return level, aht


def draw(level: np.ndarray, aht: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Over-dispersed counts (Gamma-Poisson, shape 40) and the AHT of those contacts."""
    volume = rng.poisson(level * rng.gamma(40, 1 / 40, size=level.size))
    handled = np.maximum(volume, 1)
    observed_aht = aht * rng.gamma(handled * 3.0, 1 / (handled * 3.0))
    return volume, np.where(volume > 0, np.round(observed_aht, 1), np.nan)


def intervals(start: str, end: str) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start, tz=TIMEZONE), pd.Timestamp(end, tz=TIMEZONE),
                         freq="15min", inclusive="left")


def main(out_dir: Path = DATA) -> None:
    """Write the sample files into ``out_dir`` (default: the project's data/)."""
    rng = np.random.default_rng(SEED)
    history_index = intervals(START, END)
    forecast_index = intervals(END, str((pd.Timestamp(END) + pd.Timedelta(days=FORECAST_DAYS)).date()))
    history, forecast = [], []
    for queue in QUEUES:
        level, aht = expected(history_index, queue, SURGES)
        volume, observed_aht = draw(level, aht, rng)
        history.append(pd.DataFrame({"queue": queue, "interval_start": history_index,
                                     "volume": volume, "aht_seconds": observed_aht}))
        level, aht = expected(forecast_index, queue, PLANNED)
        # Gamma-Poisson quantiles by simulation: 2,000 draws per interval
        draws = rng.poisson(level[:, None] * rng.gamma(40, 1 / 40, size=(level.size, 2000)))
        forecast.append(pd.DataFrame({
            "queue": queue, "interval_start": forecast_index, "volume": np.round(level, 2),
            "aht_seconds": np.round(aht, 1), "volume_p10": np.quantile(draws, 0.1, axis=1),
            "volume_p90": np.quantile(draws, 0.9, axis=1),
        }))
    iso = {"interval_start": lambda f: f["interval_start"].map(pd.Timestamp.isoformat)}
    pd.concat(history).assign(**iso).to_csv(out_dir / "sample_history.csv.gz", index=False, compression=GZIP)
    pd.concat(forecast).assign(**iso).to_csv(out_dir / "sample_forecast.csv.gz", index=False, compression=GZIP)
    surging = ";".join(q for q in QUEUES if q != "voice_en")
    events = pd.DataFrame(
        [(pd.Timestamp(s, tz=TIMEZONE), pd.Timestamp(s, tz=TIMEZONE) + pd.Timedelta(hours=h), name, m, surging)
         for s, h, m, name in SURGES + PLANNED],
        columns=["start", "end", "name", "expected_multiplier", "queues"],
    )
    events.assign(start=events["start"].map(pd.Timestamp.isoformat), end=events["end"].map(pd.Timestamp.isoformat)
                  ).to_csv(out_dir / "events.csv", index=False)
    today_rng = np.random.default_rng(SEED + 1)  # its own draws: the files above stay as they were
    today_index = intervals(END, TODAY_UNTIL)
    today = []
    for queue in QUEUES:
        level, aht = expected(today_index, queue, PLANNED + UNPLANNED)
        volume, observed_aht = draw(level, aht, today_rng)
        today.append(pd.DataFrame({"queue": queue, "interval_start": today_index, "volume": volume,
                                   "aht_seconds": observed_aht}))
    pd.concat(today).assign(**iso).to_csv(out_dir / "sample_today.csv", index=False)
    print(f"wrote {out_dir}: {len(history_index):,} intervals x {len(QUEUES)} queues of history, "
          f"{len(forecast_index):,} intervals of forecast, {len(events)} events")


if __name__ == "__main__":
    main()
