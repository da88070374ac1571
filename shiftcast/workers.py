"""One task per queue, run here, on local worker processes or on a Dask cluster.

:func:`run_tasks` yields each queue's :class:`Outcome` as it finishes; a task that raises
is that queue's error, never the others'.

Local workers start from a fork server (not a fork of this process, whose threads, such
as a progress bar's, may hold locks) that has imported the pipeline once, and end when
this process does, even when it is killed. A local worker that dies (killed, out of
memory) breaks Python's process pool and fails every unfinished task with it. Here it
costs only the queues that were running: each worker says which task it starts, the
queues that had not started go on in a new pool, and those that were running are retried
one at a time, each alone in its own process, whose exit status says why if it dies
again. A Dask cluster reschedules a dead worker's tasks itself.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from core.errors import InputError

__all__ = ["Outcome", "error_message", "run_tasks"]

# imported once by the fork server local workers start from; the models import statsmodels lazily
_PRELOAD = ("shiftcast.pipeline", "statsmodels.tsa.exponential_smoothing.ets", "statsmodels.tsa.statespace.sarimax",
            "statsmodels.tsa.seasonal")
_STARTED = None  # in a pool's worker: the pipe it writes each task's number to as the task starts


@dataclass(frozen=True)
class Outcome:
    """One queue's task: its ``value``, or ``error`` (a message); ``note`` for the user, e.g.
    that its worker died and it was retried alone."""

    queue: str
    value: object = None
    error: str | None = None
    note: str | None = None


def error_message(error: BaseException) -> str:
    """An error as the user reads it: an InputError's own words, any other with its type."""
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


def run_tasks(function: Callable, parts: dict[str, object], shared: object, *, workers: int = 1,
              dask_scheduler: str | None = None) -> Iterator[Outcome]:
    """``function(parts[queue], shared)`` for every queue, as Outcomes in the order they finish:
    on the Dask scheduler at ``dask_scheduler``, on ``workers`` local processes, or here
    (one worker or one queue). ``function`` must be module-level (it is pickled)."""
    if dask_scheduler:
        with _connect(dask_scheduler) as client:
            pool = client.get_executor()
            futures = {pool.submit(function, part, shared): queue for queue, part in parts.items()}
            for future in as_completed(futures):
                yield Outcome(futures[future], *_run(future.result))
    elif workers > 1 and len(parts) > 1:
        yield from _local(function, parts, shared, workers)
    else:
        for queue, part in parts.items():
            yield Outcome(queue, *_run(function, part, shared))


def _run(function: Callable, *args) -> tuple[object, str | None]:
    """(``function(*args)``, None), or (None, the error's message)."""
    try:
        return function(*args), None
    except Exception as error:  # noqa: BLE001 - recorded per queue
        return None, error_message(error)


def _local(function: Callable, parts: dict[str, object], shared: object, workers: int) -> Iterator[Outcome]:
    """Outcomes from local worker pools; a pool broken by a dead worker is replaced (module docstring)."""
    context = _context()
    waiting, running_when_died = list(parts), []
    number = {queue: n for n, queue in enumerate(parts)}  # what a worker reports as it starts a queue
    while waiting:
        started = _Started(context)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(waiting)), mp_context=context,
                                   initializer=_start_worker, initargs=(started.writer,))
        lost: list[str] = []
        try:
            futures = {}
            for queue in waiting:
                try:
                    futures[pool.submit(_tracked, function, number[queue], parts[queue], shared)] = queue
                except BrokenProcessPool:  # a worker died while the queues were handed out
                    lost.append(queue)
            for future in as_completed(futures):
                queue = futures[future]
                try:
                    value = future.result()
                except BrokenProcessPool:
                    lost.append(queue)
                    continue
                except Exception as error:  # noqa: BLE001 - recorded per queue
                    yield Outcome(queue, error=error_message(error))
                    continue
                yield Outcome(queue, value)
        finally:  # on an error or Ctrl-C, do not start the queues still waiting
            pool.shutdown(wait=True, cancel_futures=True)
            ran = started.close()
        suspects = [queue for queue in lost if number[queue] in ran]
        if lost and not suspects:  # no queue ever started: the pool itself cannot run here
            yield from _here(function, {queue: parts[queue] for queue in lost}, shared)
            break
        running_when_died += suspects
        waiting = [queue for queue in lost if queue not in suspects]
    for queue in running_when_died:
        yield _alone(context, function, queue, parts[queue], shared)


def _here(function: Callable, parts: dict[str, object], shared: object) -> Iterator[Outcome]:
    """The queues a broken pool never started, run in this process; the first says why."""
    for number, (queue, part) in enumerate(parts.items()):
        note = (f"the worker processes died before any of {len(parts)} queue(s) started in them; those ran in "
                f"this process instead") if number == 0 else None
        yield Outcome(queue, *_run(function, part, shared), note=note)


class _Started:
    """The numbers of the tasks a pool's workers start, read as they come (a thread empties the
    pipe, so workers never block on a full one). Each number is one small write, which a pipe
    delivers whole even when the writer is killed, so no lock is shared with the workers."""

    def __init__(self, context) -> None:
        self.reader, self.writer = context.Pipe(duplex=False)
        self.numbers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="queues-started", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set() or self.reader.poll(0):
            if self.reader.poll(0.05):
                self.numbers.add(int(self.reader.recv_bytes()))

    def close(self) -> set[int]:
        """Stop reading (after the pool has ended) and return every number read."""
        self._stop.set()
        self._thread.join()
        self.reader.close()
        self.writer.close()
        return self.numbers


def _context():
    """The fork server (preloaded with the pipeline) where there is one, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(_PRELOAD))
    return context


def _start_worker(started) -> None:
    """A pool worker's initializer: end with the parent, and report each task's queue to ``started``."""
    global _STARTED
    _STARTED = started
    _end_with_parent()


def _tracked(function: Callable, number: int, part: object, shared: object) -> object:
    """``function(part, shared)`` in a pool's worker, after saying that task ``number`` started."""
    _STARTED.send_bytes(str(number).encode())
    return function(part, shared)


def _alone(context, function: Callable, queue: str, part: object, shared: object) -> Outcome:
    """Retry one queue whose worker died, alone in a new process; its exit status names the cause."""
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(writer, function, part, shared), name=f"shiftcast {queue}")
    process.start()
    writer.close()  # this end is the child's: without it, recv() would wait forever for a dead child
    try:
        value, error = reader.recv()
    except EOFError:
        process.join()
        return Outcome(queue, error=f"the worker process running it died, and again when retried alone "
                                    f"({_exit_status(process.exitcode)}); plan it with fewer --workers or on a "
                                    f"machine with more memory")
    finally:  # also on Ctrl-C: the retry must not outlive the run
        reader.close()
        if process.is_alive():
            process.terminate()
        process.join()
    return Outcome(queue, value, error, note=f"{queue}: a worker process died while it ran beside other queues; "
                                             f"retried alone, it {'finished' if error is None else 'failed'}")


def _child(writer, function: Callable, part: object, shared: object) -> None:
    _end_with_parent()
    outcome = _run(function, part, shared)
    try:
        writer.send(outcome)
    except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled: say so, do not die
        writer.send((None, f"its result could not be sent back ({error_message(error)})"))
    writer.close()


def _exit_status(code: int | None) -> str:
    """A process's exit code in words: killed by a signal (negative codes) or exited with a code."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:  # a real-time signal has no name
            return f"killed by signal {-code}"
        return f"killed by {name}" + (", as the system does when it runs out of memory" if name == "SIGKILL" else "")
    return f"exit code {code}"


def _end_with_parent() -> None:
    """Exit as soon as the process that started this one is gone. A killed parent leaves its
    pool workers blocked on the task queue forever otherwise (they hold its write end themselves)."""
    parent = multiprocessing.parent_process()

    def watch() -> None:
        parent.join()  # returns when the parent's end of the start-up pipe closes
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _connect(address: str):
    """A Dask ``Client`` for the scheduler at ``address``; InputError when it cannot be reached.

    A plain TCP address is probed first, so a wrong one fails at once instead of after
    Dask's connect retries (``distributed.comm.timeouts.connect``, 30 s by default)."""
    try:
        from distributed import Client
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port
    except ImportError as error:
        raise InputError(f"--dask-scheduler needs dask.distributed ({error}); "
                         f"pip install -r requirements.txt") from None
    try:
        scheme, location = parse_address(address)
        if scheme == "tcp":
            socket.create_connection(parse_host_port(location), timeout=10).close()
        return Client(address, set_as_default=False)
    except (OSError, ValueError, TimeoutError) as error:
        raise InputError(f"--dask-scheduler {address}: cannot connect ({error}); "
                         f"give a running scheduler's address, e.g. tcp://10.0.0.5:8786") from None
