"""The real interval data sets the accuracy benchmarks share (``../shared/data/real``, beside
the checkout; each has a PROVENANCE.md there)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.config import Config, ForecastSettings, Site
from forecast.ingest import ingest, read_source

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
DATASETS = {  # name -> (file under REAL, site time zone, holiday country)
    "Anonymous Bank 1999": ("anonymous_bank_1999_6min/anonymous_bank_1999_6min.csv.gz", "Asia/Jerusalem", "IL"),
    "fpp3 bank calls 2003": ("fpp3_bank_calls/bank_calls_5min.csv.gz", "America/New_York", "US"),
}
MINUTES = 30


def load(name: str) -> tuple[pd.DataFrame, Config] | None:
    """Data set NAME's history in 30-minute intervals (Frame A) and its config (site, 4
    backtest folds), or None when ../shared is not beside the checkout."""
    path, timezone, country = DATASETS[name]
    if not (REAL / path).is_file():
        return None
    history = ingest(read_source(REAL / path), timezone=timezone, interval_minutes=MINUTES).frame
    return history, Config(site=Site(timezone=timezone, country=country), forecast=ForecastSettings(folds=4))
