"""``shiftcast backtest``: history -> DIR/backtest.csv, the accuracy of each model per queue."""

from __future__ import annotations

import pandas as pd

from forecast.ingest import Columns
from forecast.runner import backtest_queues, progress_steps
from shiftcast.cli import history as opts
from shiftcast.cli.forecast import run_summary
from shiftcast.cli.options import duration_seconds
from core.output import check_out_folder, write_folder

__all__ = ["command"]


def command(
    history: opts.HistoryOpt,
    out: opts.OutOpt,
    horizon: str = opts.Opt("7D", "--horizon", help="Lead time to score, e.g. 1D or 7D."),
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
    """Rolling-origin accuracy (wMAPE, MASE, bias, peak error, band coverage) of each model per queue ([forecast] models; default: all but mstl)."""
    check_out_folder(out, inputs=(history, config, events))
    delta = pd.Timedelta(seconds=duration_seconds(horizon, option="--horizon"))
    loaded = opts.load_inputs(history=history, config=config, interval=interval, events=events, query=query,
                              shape=shape, folds=folds,
                              columns=Columns(timestamp_col, volume_col, queue_col, aht_col, handle_col, abandoned_col),
                              ignore=ignore)
    console = opts.stderr_console(quiet)
    with opts.progress_bar(console) as bar:
        steps = progress_steps(loaded.history, loaded.config, delta)
        task = bar.add_task("backtest", total=steps)
        result = backtest_queues(loaded.history, horizon=delta, config=loaded.config, events=loaded.events,
                                 progress=lambda queue: bar.update(task, advance=1, description=queue))
    write_folder(out, {"backtest.csv": result.backtest, "backtest_folds.csv": result.folds,
                       "run.json": run_summary(loaded, horizon, result.backtest)}, command="backtest")
    for note in loaded.notes:
        console.print(f"note: {note}")
    for queue, rows in result.backtest.groupby("queue", sort=False):
        chosen, lowest = rows[rows["chosen"]].iloc[0], rows.loc[rows["wmape"].idxmin()]
        also = "" if lowest["model"] == chosen["model"] else f"; lowest wMAPE: {lowest['model']} {lowest['wmape']:.3f}"
        console.print(f"{queue}: chosen {chosen['model']}, wMAPE {chosen['wmape']:.3f} over {chosen['folds']} "
                      f"folds{also}", markup=False)
    console.print(f"wrote {out / 'backtest.csv'} ({len(result.backtest):,} rows)")
