"""One contract test over every model, plus the behaviours every forecast must keep:
closed hours get no volume, missing days are imputed (not zeros), DST days have 23/25 hours."""

import numpy as np
import pandas as pd
import pytest

from forecast.calendar import Calendar
from forecast.models import (Ensemble, Model, MultiSeasonal, NotFittedError, SeasonalAverage, SeasonalNaive,
                             TopDown, default_models)
from forecast_helpers import make_history
from core.errors import InputError
from core.schema import validate_frame_a

MODELS = [*default_models().values(), Ensemble((SeasonalNaive(), SeasonalAverage(weeks=4)))]


@pytest.fixture(scope="module")
def history():
    return make_history(days=35)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__ + str(len(m.get_params())))
def test_model_contract(model, history):
    fresh = model.clone()
    assert fresh.get_params().keys() == model.get_params().keys()
    assert not [k for k in vars(fresh) if k.endswith("_")], "__init__ must store parameters only"
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        fresh.predict("7D")
    assert fresh.fit(history) is fresh
    forecast = fresh.predict("7D")
    again = model.clone().fit(history).predict("7D")
    pd.testing.assert_frame_equal(forecast, again)  # deterministic
    checked = validate_frame_a(forecast, "Europe/Malta", source="forecast")
    assert len(checked) == 7 * 48
    assert checked["interval_start"].min() == pd.Timestamp("2026-04-06 00:00", tz="Europe/Malta")
    assert (checked["volume_p10"] <= checked["volume"] + 1e-9).all()
    assert (checked["volume"] <= checked["volume_p90"] + 1e-9).all()
    daily = checked.groupby(checked["interval_start"].dt.date)["volume"].sum()
    actual = history.groupby(history["interval_start"].dt.date)["volume"].sum()
    assert daily.mean() == pytest.approx(actual.mean(), rel=0.2)


def test_models_share_no_mutable_state():
    first, second = default_models(), default_models()
    assert all(first[name] is not second[name] for name in first)
    assert Ensemble().members == () and Ensemble().members is not list


def test_a_model_fits_one_queue():
    with pytest.raises(InputError, match="a model fits one queue; got 2 queues"):
        SeasonalNaive().fit(make_history(days=21, queues=("a", "b")))


def test_a_history_shorter_than_two_weeks_is_refused():
    with pytest.raises(InputError, match=r"history of queue chat must cover at least 14 days \(two weeks\); got 10"):
        SeasonalNaive().fit(make_history(days=10))


def test_bad_parameters_are_reported():
    with pytest.raises(InputError, match="statistic must be median or mean; got 'mode'"):
        SeasonalAverage(statistic="mode").fit(make_history(days=21))
    with pytest.raises(InputError, match="daily must be ets or sarimax; got 'prophet'"):
        TopDown(daily="prophet").fit(make_history(days=21))


@pytest.mark.parametrize("horizon", ["0D", "-7D", 0])
def test_horizon_must_be_positive(horizon, history):
    model = SeasonalNaive().fit(history)
    with pytest.raises(InputError, match="horizon must be positive"):
        model.predict(horizon)


def test_a_partial_day_horizon_stops_at_the_horizon(history):
    forecast = SeasonalNaive().fit(history).predict("36h")
    assert len(forecast) == 36 * 2
    assert forecast["interval_start"].max() == pd.Timestamp("2026-04-07 11:30", tz="Europe/Malta")


def test_closed_hours_and_weekends_get_no_forecast():
    history = make_history(days=42, open_hours=(7, 21), weekdays_only=True)
    for model in (SeasonalAverage(), TopDown(daily="ets"), MultiSeasonal()):
        forecast = model.fit(history).predict("7D")
        wall = forecast["interval_start"].dt.tz_localize(None)
        assert (wall.dt.day_of_week < 5).all()
        assert wall.dt.hour.between(7, 20).all()
        assert len(forecast) == 5 * 28  # exactly the open intervals


def test_a_missing_weekday_is_imputed_not_read_as_zero():
    history = make_history(days=42, weekdays_only=True, open_hours=(7, 21))
    holiday = history["interval_start"].dt.date == pd.Timestamp("2026-04-06").date()  # a day lost from the file
    gapped = history[~holiday]
    model = SeasonalAverage(weeks=8, statistic="mean").fit(gapped)
    flags = model.training_.flag_names()
    day = (pd.Timestamp("2026-04-06") - model.training_.grid.first_day).days
    assert set(flags[day][model.training_.grid.open_cells[0]]) == {"gap"}
    assert model.training_.values[day].sum() > 0.5 * model.training_.values[day - 7].sum()
    forecast = model.predict("7D")
    monday = forecast.loc[forecast["interval_start"].dt.day_of_week == 0, "volume"].sum()
    assert monday > 0.8 * gapped[gapped["interval_start"].dt.day_of_week == 0].groupby(
        gapped["interval_start"].dt.date)["volume"].sum().mean()


def test_dst_days_have_23_and_25_hours():
    spring = make_history(days=28, start="2026-03-01")
    forecast = SeasonalNaive().fit(spring).predict("1D")  # 2026-03-29: clocks go forward in Malta
    assert len(forecast) == 23 * 2
    autumn = make_history(days=28, start="2026-09-27")
    forecast = SeasonalNaive().fit(autumn).predict("1D")  # 2026-10-25: clocks go back
    assert len(forecast) == 25 * 2
    assert forecast["interval_start"].is_monotonic_increasing and forecast["interval_start"].is_unique


def test_holiday_factor_is_learned_and_applied():
    history = make_history(days=56, start="2026-03-02", peak=80)
    holidays = [pd.Timestamp(d).date() for d in ("2026-03-19", "2026-03-31", "2026-04-03")]  # Malta
    quiet = history["interval_start"].dt.date.isin(holidays)
    history.loc[quiet, "volume"] = np.round(history.loc[quiet, "volume"] * 0.3)
    model = SeasonalAverage(statistic="mean").fit(history, calendar=Calendar("MT"))
    assert model.training_.day_factors["holiday"] == pytest.approx(0.3, abs=0.1)


def test_events_multiply_the_forecast(history):
    start = pd.Timestamp("2026-04-07 10:00", tz="Europe/Malta")
    events = pd.DataFrame({"start": [start], "end": [start + pd.Timedelta(hours=2)], "name": ["listing"],
                           "expected_multiplier": [3.0]})
    plain = SeasonalNaive().fit(history).predict("7D").set_index("interval_start")["volume"]
    boosted = SeasonalNaive().fit(history, calendar=Calendar(None, events)).predict("7D").set_index("interval_start")["volume"]
    ratio = (boosted / plain.where(plain > 0)).dropna()
    inside = (ratio.index >= start) & (ratio.index < start + pd.Timedelta(hours=2))
    assert np.allclose(ratio[inside], 3.0) and np.allclose(ratio[~inside], 1.0)


def test_the_model_base_class_is_abstract(history):
    with pytest.raises(NotImplementedError):
        Model().fit(history)


def test_ets_takes_its_initial_states_from_the_first_weeks_and_estimates_them_on_short_histories():
    """Heuristic initial states (4 parameters to search, several times faster) once the daily
    totals hold what statsmodels needs for them (14 for a 5-day week, 16 for 7); estimated below."""
    fitted = TopDown(daily="ets").fit(make_history(days=120, seed=3))
    assert fitted.daily_model_.model.initialization_method == "heuristic"
    assert len(fitted.daily_model_.params) == 4  # alpha, beta, gamma, phi
    assert np.isfinite(fitted.predict(7)["volume"]).all()
    weekdays = 100 + 10 * np.tile([1.0, 1.2, 1.1, 0.9, 0.8], 3)
    for days, method in ((12, "estimated"), (14, "heuristic")):
        model, _ = TopDown(daily="ets")._fit_daily(weekdays[:days], period=5)
        assert model.model.initialization_method == method and model.model.seasonal_periods == 5
        assert np.isfinite(model.forecast(5)).all()


def test_sarimax_warm_started_from_a_fit_searches_less_and_ets_ignores_it():
    """SARIMAX starts from the given fit's parameters (the backtest's previous fold): on the
    same history it then converges in fewer iterations to the same likelihood; the
    non-seasonal model's parameters are other ones, so it starts cold; ETS is unchanged."""
    history = make_history(days=120, seed=3)
    cold = TopDown(daily="sarimax").fit(history)
    warm = TopDown(daily="sarimax").warm_from(cold).fit(history)
    assert warm.daily_model_.mle_retvals["iterations"] < cold.daily_model_.mle_retvals["iterations"]
    assert warm.daily_model_.llf == pytest.approx(cold.daily_model_.llf, abs=1e-3)
    short, _ = TopDown(daily="sarimax").warm_from(cold)._fit_daily(np.full(10, 100.0) + np.arange(10), period=7)
    assert short.model.param_names != cold.daily_model_.model.param_names  # not seasonal: a cold start
    ets = TopDown(daily="ets").fit(history)
    again = TopDown(daily="ets").warm_from(ets).fit(history)
    assert np.array_equal(again.predict(7)["volume"], ets.predict(7)["volume"])
