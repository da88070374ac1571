"""One model's trouble on a queue drops that model, never the queue (issue 12): a model that
raises (a Schur decomposition error on a sparse queue) or forecasts infinite volumes leaves
the comparison with a note in the backtest table and run.json; a chosen model that fails on
the whole history hands over to seasonal naive."""

import numpy as np
import pandas as pd
import pytest
from forecast_helpers import make_history

from core.config import Config, ForecastSettings, Site
from forecast.ingest import ingest
from forecast.models import Model, SeasonalAverage
from forecast.runner import forecast_queues


class Singular(Model):
    """Fails to fit, as statsmodels' SARIMAX does on a queue of 2 contacts in 3 months."""

    def _learn(self, training) -> None:
        raise np.linalg.LinAlgError("Schur decomposition solver error")


class Exploding(Model):
    """Fits, then forecasts infinite volumes (an unstable trend)."""

    def _learn(self, training) -> None:
        self.slots_ = training.grid.values.shape[1]

    def _ordinary_days(self, n_days: int) -> np.ndarray:
        return np.full((n_days, self.slots_), np.inf)


class FailsOnTheWholeHistory(SeasonalAverage):
    """Good in every backtest fold, then fails on the final fit (the longest history)."""

    def _learn(self, training) -> None:
        if training.grid.n_days >= 35:
            raise ValueError("did not converge")
        super()._learn(training)


def test_failing_and_unstable_models_drop_out_with_a_note():
    history = make_history(days=35, queues=("chat",))
    result = forecast_queues(history, horizon=7, models={"singular": Singular(), "exploding": Exploding()})
    notes = dict(zip(result.backtest["model"], result.backtest["note"]))
    assert notes["singular"] == "left out: failed in fold 1: LinAlgError: Schur decomposition solver error"
    assert notes["exploding"].startswith("left out: unstable in fold 1: volumes beyond 1,000,000,000")
    assert result.backtest.loc[result.backtest["chosen"], "model"].tolist() == ["seasonal_naive"]
    assert len(result.forecast) == 7 * 48 and np.isfinite(result.forecast["volume"]).all()


def test_a_chosen_model_failing_on_the_whole_history_hands_over_to_seasonal_naive():
    history = make_history(days=35, queues=("chat",))
    result = forecast_queues(history, horizon=7, models={"late": FailsOnTheWholeHistory()})
    table = result.backtest.set_index("model")
    assert set(result.forecast["forecast_model"]) == {"seasonal_naive"} and table.loc["seasonal_naive", "chosen"]
    assert "did not converge" in table.loc["late", "note"] and "seasonal_naive used instead" in table.loc["late", "note"]


@pytest.mark.realdata
def test_a_queue_of_two_contacts_in_three_months_is_forecast(real_data):
    """Queue AA of the Anonymous Bank log (Israeli holidays) crashed `shiftcast forecast`
    and the dashboard upload with SARIMAX's "Schur decomposition solver error"."""
    log = pd.read_csv(real_data / "anonymous_bank_1999_calls" / "anonymous_bank_1999_jan_feb_oct_calls.csv.gz")
    history = ingest(log, timezone="Asia/Jerusalem", interval_minutes=30).frame
    sparse = history[history["queue"] == "AA"]
    assert sparse["volume"].sum() <= 5
    config = Config(site=Site(timezone="Asia/Jerusalem", country="IL"), forecast=ForecastSettings(folds=2))
    result = forecast_queues(sparse, horizon=7, config=config)
    notes = dict(zip(result.backtest["model"], result.backtest["note"]))
    assert notes["top_down_sarimax"].startswith("left out: failed in fold 1: LinAlgError")
    assert len(result.forecast) and np.isfinite(result.forecast["volume"]).all()
