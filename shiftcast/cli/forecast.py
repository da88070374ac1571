"""``shiftcast forecast``: history -> DIR/forecast.csv (Frame A with p10/p90), backtest, peaks."""

from __future__ import annotations

from typing import Optional

import pandas as pd

from forecast.ingest import Columns
from forecast.runner import forecast_queues, models_left_out, progress_steps
from shiftcast.cli import history as opts
from shiftcast.cli.options import duration_seconds
from core.output import check_out_folder, write_folder

__all__ = ["command", "run_summary"]


def run_summary(loaded: opts.Loaded, horizon: str, backtest: pd.DataFrame) -> dict:
    """What run.json records: settings used, notes, and the chosen model per queue."""
    chosen = backtest[backtest["chosen"]]
    return {
        "timezone": loaded.config.site.timezone,
        "interval_minutes": int(loaded.history.groupby("queue")["interval_start"].diff().mode().iloc[0]
                                .total_seconds() // 60),
        "horizon": horizon,
        "folds": loaded.config.forecast.folds,
        "models_left_out": models_left_out(loaded.config),
        "notes": list(loaded.notes),
        "chosen": {row.queue: {"model": row.model, "wmape": round(row.wmape, 4),
                               "coverage_p10_p90": round(row.coverage_p10_p90, 3)}
                   for row in chosen.itertuples()},
    }


def command(
    history: opts.HistoryOpt,
    out: opts.OutOpt,
    horizon: Optional[str] = opts.Opt(None, "--horizon", help="How far ahead, e.g. 7D or 14D (default: "
                                                               "[forecast] horizon_days, 14)."),
    start: opts.StartOpt = None,
    config: opts.ConfigOpt = None,
    interval: opts.IntervalOpt = None,
    events: opts.EventsOpt = None,
    query: opts.QueryOpt = None,
    shape: opts.ShapeOpt = "auto",
    folds: opts.FoldsOpt = None,
    timestamp_col: opts.TimestampOpt = None,
    volume_col: opts.VolumeOpt = None,
    queue_col: opts.QueueOpt = None,
    aht_col: opts.AhtOpt = None,
    handle_col: opts.HandleOpt = None,
    abandoned_col: opts.AbandonedOpt = None,
    ignore: opts.IgnoreOpt = None,
    quiet: opts.QuietOpt = False,
) -> None:
    """Forecast volume (p10/p90) and handle time per queue and interval, model chosen by backtest."""
    check_out_folder(out, inputs=(history, config, events))
    delta = None if horizon is None else pd.Timedelta(seconds=duration_seconds(horizon, option="--horizon"))
    first_day = opts.start_date(start)
    loaded = opts.load_inputs(history=history, config=config, interval=interval, events=events, query=query,
                              shape=shape, folds=folds,
                              columns=Columns(timestamp_col, volume_col, queue_col, aht_col, handle_col, abandoned_col),
                              ignore=ignore)
    store = opts.open_store(loaded.config, out)
    if delta is None:
        horizon = f"{loaded.config.forecast.horizon_days}D"
        delta = pd.Timedelta(days=loaded.config.forecast.horizon_days)
    console = opts.stderr_console(quiet)
    with opts.progress_bar(console) as bar:
        task = bar.add_task("backtest and forecast", total=progress_steps(loaded.history, loaded.config, delta))
        result = forecast_queues(loaded.history, horizon=delta, config=loaded.config, events=loaded.events,
                                 start=first_day, progress=lambda queue: bar.update(task, advance=1, description=queue))
    write_folder(out, {
        "forecast.csv": result.forecast, "backtest.csv": result.backtest, "backtest_folds.csv": result.folds,
        "peaks.csv": result.peaks, "heatmap.csv": result.heatmap, "cleaning.csv": result.cleaning,
        "run.json": run_summary(loaded, horizon, result.backtest),
    }, command="forecast")
    snapshot = store.save_forecast(result.forecast, command="forecast")
    for note in loaded.notes:
        console.print(f"note: {note}")
    for row in result.backtest[result.backtest["chosen"]].itertuples():
        console.print(f"{row.queue}: {row.model}, backtest wMAPE {row.wmape:.3f}, "
                      f"p10-p90 coverage {row.coverage_p10_p90:.0%}")
    console.print(f"wrote {out / 'forecast.csv'} ({len(result.forecast):,} rows) and the backtest, peaks, heatmap; "
                  f"stored as forecast snapshot {snapshot} in {store.shown}")
