"""Calibration on the Anonymous Bank log: fitted on some months, scored on others, beside the noise floor.

Run from the repository root: ``python bench/bench_review.py`` (needs ../shared/data/real;
about half a minute). Retail banking (PS), 30-minute intervals with at least 20 calls,
service level = answered within 20 s over offered. For each split it prints the mean
absolute error and bias (points) of the predicted service level: Erlang C at the staff that
worked (uncalibrated), and the calibrated model (``review.calibrate``: patience, effective
staffing, fitted together) fitted on the earlier months, and the calibrated model's
abandonment error. The **noise floors** are the errors a model with exactly the right
parameters still has on intervals this size: each scored interval is simulated
(``staffing.simulate``, the calibrated model's own assumptions: Poisson arrivals,
exponential handle times and patience, its effective staff rounded) and the simulated
service level and abandonment compared with that model's expected ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Config  # noqa: E402
from review.actuals import actuals, predicted  # noqa: E402
from review.calibrate import calibrate, calibrated_config  # noqa: E402
from review.log import LogColumns, read_log  # noqa: E402
from staffing.simulate import simulate  # noqa: E402

LOG = ROOT.parent / "shared" / "data" / "real" / "anonymous_bank_1999_calls" / \
    "anonymous_bank_1999_jan_feb_oct_calls.csv.gz"
SPLITS = {"January -> February": ((1,), (2,)), "January + February -> October": ((1, 2), (10,))}
QUEUE, MINUTES, MIN_CONTACTS, DRAWS = "PS", 30, 20, 5


def scored(log: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The queue's intervals with 20+ calls, with the model's prediction under CONFIG."""
    table = predicted(actuals(log, config, interval_minutes=MINUTES), config, interval_minutes=MINUTES)
    return table[(table["queue"] == QUEUE) & (table["offered"] >= MIN_CONTACTS)].reset_index(drop=True)


def noise_floors(rows: pd.DataFrame, config: Config) -> tuple[float, float]:
    """Mean |simulated - expected| service level and abandonment when the calibrated model is exactly right."""
    settings = config.queue(QUEUE)[0]
    agents = np.maximum(np.round(rows["agents_staffed"] * settings.effective_staffing), 1).astype(int)
    expected = predicted(rows.assign(agents_staffed=agents / settings.effective_staffing), config,
                         interval_minutes=MINUTES)
    gaps = {"service_level": [], "abandon_rate": []}
    expected_of = {"service_level": expected["sl_predicted"].to_numpy(),
                   "abandon_rate": expected["abandon_rate_predicted"].to_numpy()}
    for draw in range(DRAWS):
        for i, row in enumerate(rows.itertuples()):  # each interval in steady state: a warm-up interval first
            run = simulate([row.offered, row.offered], agents[i], row.aht_seconds, MINUTES * 60, answer_seconds=20,
                           patience_seconds=settings.patience_seconds, seed=draw * 100_000 + i)
            seen = run.intervals().iloc[1]
            for name, found in gaps.items():
                if not np.isnan(seen[name]):
                    found.append(abs(seen[name] - expected_of[name][i]))
    return float(np.mean(gaps["service_level"])), float(np.mean(gaps["abandon_rate"]))


def main() -> None:
    if not LOG.is_file():
        print(f"bench_review: {LOG} not found (../shared beside the checkout); nothing to measure")
        return
    config = Config.model_validate({"site": {"timezone": "Asia/Jerusalem", "interval_minutes": MINUTES}})
    log, _ = read_log(pd.read_csv(LOG), timezone="Asia/Jerusalem", columns=LogColumns(arrival="agent_request"),
                      ignore={"outcome": ["PHANTOM"]})
    month = log["arrival"].dt.month
    print(f"{'split':32} {'intervals':>9} {'Erlang C MAE':>13} {'bias':>6} {'calibrated MAE':>15} {'bias':>6} "
          f"{'noise floor':>12} {'abandon MAE':>12} {'bias':>6} {'floor':>6}  fitted")
    for name, (fit, score) in SPLITS.items():
        fitted = calibrate(log[month.isin(fit)], config, interval_minutes=MINUTES)
        tuned = calibrated_config(config, fitted.settings)
        plain, better = scored(log[month.isin(score)], config), scored(log[month.isin(score)], tuned)
        errors = {label: rows["sl_predicted"] - rows["sl_actual"] for label, rows in (("plain", plain),
                                                                                       ("tuned", better))}
        floor, abandon_floor = noise_floors(better, tuned)
        abandon = better["abandon_rate_predicted"] - better["abandon_rate_actual"]
        facts = fitted.settings[QUEUE]
        print(f"{name:32} {len(plain):>9,} {errors['plain'].abs().mean() * 100:>13.1f} "
              f"{errors['plain'].mean() * 100:>+6.1f} {errors['tuned'].abs().mean() * 100:>15.1f} "
              f"{errors['tuned'].mean() * 100:>+6.1f} {floor * 100:>12.1f} {abandon.abs().mean() * 100:>12.1f} "
              f"{abandon.mean() * 100:>+6.1f} {abandon_floor * 100:>6.1f}  patience "
              f"{facts.get('patience_seconds', 0):.0f} s, effective staffing {facts['effective_staffing']:.2f}")


if __name__ == "__main__":
    main()
