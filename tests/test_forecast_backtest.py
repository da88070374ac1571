"""Metrics against hand-computed values, calibrated bands, rolling origins, selection, peaks, runner."""

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import metrics, origins, rolling_origin, select
from forecast.bands import POISSON_BAND, Band
from forecast.calendar import read_events
from forecast.clean import cleaning_summary, prepare
from forecast.grid import Grid
from forecast.models import SeasonalAverage, SeasonalNaive
from forecast.peaks import daily_peaks, weekday_hour_heatmap
from forecast.runner import backtest_queues, forecast_queues
from forecast_helpers import make_history
from core.config import Config, ForecastSettings, Site
from core.errors import InputError


def test_metrics_match_hand_computed_values():
    actual = np.array([[[10.0, 20.0, np.nan, 30.0]], [[10.0, 0.0, 5.0, 5.0]]])  # 2 folds x 1 day x 4 slots
    predicted = np.array([[[12.0, 18.0, 99.0, 30.0]], [[5.0, 0.0, 5.0, 10.0]]])
    score = metrics(actual, predicted, scales=np.array([2.0, 1.0]))
    assert score["wmape"] == pytest.approx((2 + 2 + 0 + 5 + 0 + 0 + 5) / 80)  # the NaN cell is not scored
    assert score["bias"] == pytest.approx((2 - 2 + 0 - 5 + 0 + 0 + 5) / 80)
    assert score["mase"] == pytest.approx(14 / (2.0 * 3 + 1.0 * 4))
    assert score["peak_wmape"] == pytest.approx((0 + 5) / (30 + 10))  # each day's interval >= its 90th percentile
    assert score["scored_intervals"] == 7


def test_bands_fitted_to_errors_cover_about_80_percent():
    rng = np.random.default_rng(1)
    mean = rng.uniform(1, 200, 20_000)
    actual = rng.poisson(mean * rng.gamma(20, 1 / 20, mean.size))  # over-dispersed counts
    band = Band.from_errors(actual[:10_000], mean[:10_000])
    low, high = band.apply(mean[10_000:])
    inside = (actual[10_000:] >= low) & (actual[10_000:] <= high)
    assert 0.77 <= inside.mean() <= 0.83
    assert band.kappa == pytest.approx(1 / 20, rel=0.2)


def test_too_few_errors_keep_the_poisson_band():
    assert Band.from_errors(np.ones(5), np.ones(5)) == POISSON_BAND


def test_origins_leave_two_weeks_of_training():
    assert origins(60, 7, 4) == [32, 39, 46, 53]
    assert origins(30, 7, 4) == [16, 23]
    assert origins(20, 7, 4) == []


def test_a_backtest_needs_room_for_one_fold():
    grid = Grid.from_frame(make_history(days=20), "Europe/Malta", 30)
    with pytest.raises(InputError, match="too short to backtest a 7-day horizon: it covers 20 days and needs at least 21"):
        rolling_origin(grid, {"naive": SeasonalNaive()}, horizon_days=7, folds=4)


def test_each_fold_starts_where_the_fold_before_ended():
    """Every fold's fresh model is warm-started from that model's fit on the fold before (the first from none)."""
    warmed: list[tuple[int, int]] = []

    class Spy(SeasonalNaive):
        def warm_from(self, fitted):
            warmed.append((fitted.training_.grid.n_days, id(fitted)))
            return self

    grid = Grid.from_frame(make_history(days=60), "Europe/Malta", 30)
    rolling_origin(grid, {"naive": SeasonalNaive(), "spy": Spy()}, horizon_days=7, folds=4)
    assert [days for days, _ in warmed] == [32, 39, 46]  # the training days of folds 1-3 (origins 32, 39, 46, 53)
    assert len({key for _, key in warmed}) == 3


def test_selection_combines_the_models_that_beat_seasonal_naive_and_keeps_the_table():
    grid = Grid.from_frame(make_history(days=49), "Europe/Malta", 30)
    models = {"seasonal_naive": SeasonalNaive(), "mean4": SeasonalAverage(4, "mean"),
              "median4": SeasonalAverage(4, "median")}
    backtest = rolling_origin(grid, models, horizon_days=7, folds=3)
    table, chosen = select(backtest)
    by_model = table.set_index("model")
    assert by_model.loc["mean4", "wmape"] < by_model.loc["seasonal_naive", "wmape"]
    assert by_model.loc["median4", "wmape"] < by_model.loc["seasonal_naive", "wmape"]
    assert chosen in ("mean(mean4+median4)", "mean(median4+mean4)") and by_model.loc[chosen, "chosen"]
    assert table["chosen"].sum() == 1 and len(table) == 4  # three models and the chosen combination
    assert by_model.loc["seasonal_naive", "vs_seasonal_naive"] == 0
    assert table["coverage_p10_p90"].between(0.6, 0.95).all()
    best_table, best = select(backtest, rule="best")
    assert best == best_table["model"].iloc[0] and len(best_table) == 3
    with pytest.raises(InputError, match="forecast.selection must be combine or best; got 'vote'"):
        select(backtest, rule="vote")


def test_peaks_and_heatmap():
    start = pd.Timestamp("2026-03-02", tz="UTC")
    index = pd.date_range(start, periods=48, freq="30min")
    volume = np.ones(48)
    volume[20:24] = 10  # 10:00-12:00
    frame = pd.DataFrame({"queue": "q", "interval_start": index, "volume": volume})
    peaks = daily_peaks(frame, window="2h")
    assert peaks.loc[0, "peak_start"] == start + pd.Timedelta("10h")
    assert peaks.loc[0, "peak_end"] == start + pd.Timedelta("12h")
    assert peaks.loc[0, "peak_volume"] == 40 and peaks.loc[0, "day_volume"] == 84
    heatmap = weekday_hour_heatmap(frame)
    assert len(heatmap) == 24 and heatmap["weekday"].eq("Mon").all()
    assert heatmap.loc[heatmap["hour"] == 10, "volume_per_hour"].item() == 20


def test_heatmap_counts_the_repeated_hour_of_the_day_clocks_go_back_as_two_hours():
    # two Sundays of 15-minute intervals, one contact each; clocks go back on 2026-10-25 (02:00-03:00 twice)
    index = pd.DatetimeIndex([*pd.date_range("2026-10-18", "2026-10-19", freq="15min", inclusive="left", tz="Europe/Malta"),
                              *pd.date_range("2026-10-25", "2026-10-26", freq="15min", inclusive="left", tz="Europe/Malta")])
    frame = pd.DataFrame({"queue": "q", "interval_start": index, "volume": 1.0})
    heatmap = weekday_hour_heatmap(frame).set_index("hour")["volume_per_hour"]
    assert (heatmap == 4).all()  # not 8 contacts "per hour" at 02:00 on the 25-hour day


@pytest.fixture(scope="module")
def two_queues():
    return make_history(days=35, minutes=60, queues=("a", "b"))


def test_forecast_queues_is_deterministic_and_does_not_depend_on_row_order(two_queues):
    config = Config(site=Site(timezone="Europe/Malta"), forecast=ForecastSettings(folds=2, models=["seasonal_naive",
                                                                                                  "slot_median_8w"]))
    first = forecast_queues(two_queues, horizon="3D", config=config)
    shuffled = two_queues.sample(frac=1, random_state=3)
    second = forecast_queues(shuffled, horizon="3D", config=config)
    pd.testing.assert_frame_equal(first.forecast, second.forecast)
    pd.testing.assert_frame_equal(first.backtest, second.backtest)
    assert len(first.forecast) == 2 * 3 * 24
    assert set(first.peaks["queue"]) == {"a", "b"} and len(first.heatmap) == 2 * 3 * 24
    assert first.cleaning["queue"].tolist() == ["a", "b"] and first.cleaning["observed_intervals"].gt(0).all()


def test_a_start_too_far_after_the_history_for_the_backtest_is_an_input_error(two_queues):
    config = Config(site=Site(timezone="Europe/Malta"), forecast=ForecastSettings(folds=2, models=["seasonal_naive"]))
    # the history ends 2026-04-05; a 7-day horizon scores 2 folds x 7 days before the start
    latest = forecast_queues(two_queues, horizon="7D", config=config, start="2026-04-19")
    assert latest.backtest["wmape"].notna().all() and latest.backtest["scored_intervals"].gt(0).all()
    with pytest.raises(InputError, match=r"^--start must be a date from 2026-04-06 to 2026-04-19 for queue a, whose "
                                         r"history ends 2026-04-05 \(the backtest scores the 14 days before the start "
                                         r"and needs history in them\); got 2026-04-20; choose a start in that range"):
        forecast_queues(two_queues, horizon="7D", config=config, start="2026-04-20")


def test_unknown_model_names_are_reported(two_queues):
    config = Config(forecast=ForecastSettings(models=["prophet"]))
    with pytest.raises(InputError, match="forecast.models has unknown model\\(s\\) prophet; choose from seasonal_naive"):
        backtest_queues(two_queues, horizon="1D", config=config)


def test_events_file_errors_name_the_event():
    table = pd.DataFrame({"start": ["2026-03-02T10:00"], "end": ["2026-03-02T09:00"], "name": ["outage"]})
    with pytest.raises(InputError, match="events end must be after start; it is not for event 'outage'"):
        read_events(table, "UTC")
    table = pd.DataFrame({"start": ["2026-03-02T10:00"], "end": ["2026-03-02T11:00"], "expected_multiplier": [-1]})
    with pytest.raises(InputError, match="events expected_multiplier must be > 0; got -1.0 at event 'event'"):
        read_events(table, "UTC")


def test_an_incident_surge_is_flagged_and_kept_out_of_training():
    history = make_history(days=42, peak=60)
    wall = history["interval_start"].dt.tz_localize(None)
    surge = (wall >= "2026-03-25 10:00") & (wall < "2026-03-25 13:00")
    history.loc[surge, "volume"] *= 4
    grid = Grid.from_frame(history, "Europe/Malta", 30)
    day = (pd.Timestamp("2026-03-25") - grid.first_day).days
    training = prepare(grid)
    flags = training.flag_names()[day, 20:26]
    assert (flags == "outlier").all()
    assert training.values[day, 20:26].sum() < 0.4 * grid.values[day, 20:26].sum()
    kept = prepare(grid, exclude_outliers=False)
    assert np.array_equal(kept.values[day, 20:26], grid.values[day, 20:26])
    summary = cleaning_summary(training)
    assert summary["outlier_intervals"] >= 6 and summary["gap_intervals"] == 0 and summary["holiday_factor"] is None


def test_events_affect_only_the_queues_they_name():
    from forecast.calendar import events_for_queue, read_events

    table = pd.DataFrame({"start": ["2026-06-01T10:00:00+02:00"] * 2, "end": ["2026-06-01T12:00:00+02:00"] * 2,
                          "name": ["listing", "outage"], "expected_multiplier": [3.0, 0.5],
                          "queues": ["chat_en; email", None]})
    events = read_events(table, "Europe/Malta")
    assert events_for_queue(events, "chat_en")["name"].tolist() == ["listing", "outage"]
    assert events_for_queue(events, "voice_en")["name"].tolist() == ["outage"]
    no_column = read_events(table.drop(columns="queues"), "Europe/Malta")
    assert events_for_queue(no_column, "voice_en")["name"].tolist() == ["listing", "outage"]
