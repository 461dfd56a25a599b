"""Running tasks on ``dask.distributed``: an embedded ``LocalCluster`` or an existing scheduler.

A :class:`Task` is a module-level function, its arguments, and the content key of its result.
:meth:`Engine.run` looks each key up in the :class:`~engine.store.ResultStore`:

- a stored ``ok`` record is reused, the task is not run;
- a stored ``failed`` record is reused too (the failure is reported again), unless ``retry``;
- ``force`` runs everything again.

The others are submitted to the cluster, each with its own work folder ``work_root/<task name>``
(created on the worker); a task's exception becomes a ``failed`` record with the error and the
log (the exception's ``tail`` attribute when it has one, else the traceback), and the other tasks
go on. Results travel back to the client through Dask and the client writes every record as soon
as it arrives, so a worker that dies loses no finished result: the scheduler reruns the task it
was running on another worker (``distributed.scheduler.allowed-failures`` times, then the task is
recorded as failed), and a killed sweep resumes from the records present.

A task may name tasks of the same run it must follow (``after``): it then runs after them and
receives their records as ``deps`` (``{key: record}``; stored records of tasks not run again
included).

The local cluster has one worker process per core (``os.sched_getaffinity``), one thread each
(the tools are single-threaded; processes keep a crashing tool or a leaking library in one
worker). Its dashboard address is printed when ``bokeh`` is installed.
"""

import importlib.util
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .store import RECORD_FORMAT, ResultStore

__all__ = ["Task", "Engine", "EngineInterrupted", "Outcome", "default_workers", "local_cluster",
           "EVENT_TOPIC"]

#: Topic of the worker events that tell the client a task has started.
EVENT_TOPIC = "sparq-engine-started"


def default_workers():
    """Cores this process may run on: the local cluster's worker count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # pragma: no cover - not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Task:
    """One unit of work.

    ``fn(workdir, *args)`` (``fn(workdir, *args, deps=...)`` when ``after`` is not empty) runs on
    a worker and returns a JSON-ready result; it must be a module-level function (workers import
    it by name). ``name`` labels the task in progress lines and names its work folder (a relative
    path); ``key`` is its content key; ``kind`` groups tasks on the Dask dashboard; ``estimate``
    (seconds) orders nothing but feeds the caller's ETA."""
    name: str
    key: str
    fn: Callable
    args: tuple = ()
    after: tuple = ()
    kind: str = "task"
    estimate: float = 1.0


@dataclass
class Outcome:
    """What :meth:`Engine.run` did: ``records`` by key (every task), the keys it ``ran`` and the
    keys it ``reused`` from the store, and ``seconds`` of wall time spent running."""
    records: dict = field(default_factory=dict)
    ran: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    seconds: float = 0.0

    def failed(self):
        return [k for k, r in self.records.items() if r["status"] != "ok"]


class EngineInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM turned into KeyboardInterrupt) during :meth:`Engine.run`: the running
    tasks were cancelled; ``outcome`` holds the records written before."""

    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome


#: How long connecting to an existing scheduler (``--scheduler``) may take before it counts as
#: unreachable.
CONNECT_TIMEOUT = "20s"


def local_cluster(workers):
    """The local cluster of the engine: ``workers`` worker processes, one thread each, the
    dashboard (when bokeh is installed) on a free port, only errors logged.

    The worker processes ignore SIGINT: Ctrl-C at a terminal reaches the whole process group,
    and it is the client's to handle (cancel the tasks, stop the tools, close the cluster); a
    worker that took it too would die printing a traceback. They inherit the ignoring from this
    process, which ignores SIGINT while it starts them (a Ctrl-C in those seconds is lost)."""
    import dask
    from distributed import LocalCluster
    # One task per worker thread at a time: a worker holds no queue that a faster one could have
    # taken, and "running" in the progress line is what runs.
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}), _sigint_ignored():
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.ERROR)


@contextmanager
def _sigint_ignored():
    # SIG_IGN survives the exec of a spawned worker process, and Python then installs no
    # KeyboardInterrupt handler of its own (a handler function would not be inherited).
    if threading.current_thread() is not threading.main_thread():
        yield           # only the main thread may set handlers; workers then take Ctrl-C too
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: The loggers an interrupted cluster talks through: distributed's, and asyncio's (a worker process
#: killed while it starts leaves tasks whose exceptions asyncio reports when they are collected).
_CLUSTER_LOGGERS = ("distributed", "asyncio")


@contextmanager
def _quiet_distributed():
    # While an interrupted run closes the cluster, distributed's loggers have nothing to say to
    # the user (lost connections to workers being stopped, cancelled tasks): the one line of the
    # caller says what happened.
    loggers = [logging.getLogger(name) for name in _CLUSTER_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _execute(fn, key, name, workdir, args, after, *dep_records):
    # Runs on a worker. Never raises: a failure is a record, so that it neither stops the others
    # nor makes Dask retry it (only a dead worker makes Dask run a task again).
    started = time.time()
    worker = None
    try:
        from distributed import get_worker
        w = get_worker()
        worker = w.address
        w.log_event(EVENT_TOPIC, {"key": key})
    except (ImportError, ValueError):
        pass                                # called outside a worker
    record = {"format": RECORD_FORMAT, "key": key, "name": name, "status": "ok", "result": None,
              "error": None, "error_type": None, "log": "", "worker": worker,
              "pid": os.getpid(), "host": socket.gethostname(), "started": started,
              "workdir": str(workdir)}
    try:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        kwargs = {"deps": dict(zip(after, dep_records))} if after else {}
        record["result"] = fn(Path(workdir), *args, **kwargs)
    except Exception as exc:
        record.update(status="failed", error=str(exc).splitlines()[0] if str(exc) else repr(exc),
                      error_type=type(exc).__name__,
                      log=getattr(exc, "tail", "") or traceback.format_exc())
    record["finished"] = time.time()
    record["seconds"] = round(record["finished"] - started, 3)
    return record


def _lost(task, exc, workdir):
    # The task could not be run or its result not fetched: a dead worker (KilledWorker after the
    # allowed retries), a cancelled future, a result that does not unpickle.
    now = time.time()
    return {"format": RECORD_FORMAT, "key": task.key, "name": task.name, "status": "failed",
            "result": None, "error": f"{type(exc).__name__}: {exc}".splitlines()[0],
            "error_type": type(exc).__name__, "log": "".join(traceback.format_exception(exc)),
            "worker": None, "pid": None, "host": None, "started": now, "finished": now,
            "seconds": 0.0, "workdir": str(workdir)}


class Engine:
    """Run tasks on a Dask cluster with results in ``store`` (a :class:`ResultStore` or a folder).

    ``scheduler``: address of an existing scheduler (``tcp://HOST:PORT``); None starts a
    ``LocalCluster`` of ``workers`` single-threaded worker processes (default: one per core) on
    the first run that has something to do. ``work_root``: folder of the task work folders
    (default ``<store>/work``). ``log(text)`` receives the cluster lines (default: stderr).
    ``on_interrupt``: a function run on every worker when a run is interrupted (e.g. one that
    kills the tool processes the tasks started). ``client``: an existing ``distributed.Client``
    to use instead (not closed by the engine). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, store, *, scheduler=None, workers=None, work_root=None, log=None,
                 on_interrupt=None, client=None):
        self.store = store if isinstance(store, ResultStore) else ResultStore(store)
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                    or workers < 1):
            raise ValueError(f"workers must be a positive integer, not {workers!r}")
        if scheduler is not None and (not isinstance(scheduler, str) or "://" not in scheduler):
            raise ValueError(f"scheduler must be an address like tcp://HOST:PORT, not "
                             f"{scheduler!r}")
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.work_root = Path(work_root) if work_root is not None else self.store.root / "work"
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.on_interrupt = on_interrupt
        self._client = self._cluster = None
        self._own_client = client is None
        if client is not None:
            self._client = client
        self.dashboard = None
        self.cluster_seconds = None

    # -- the cluster --------------------------------------------------------------------------

    @property
    def client(self):
        """The ``distributed.Client`` (the cluster is started or connected on first use)."""
        if self._client is None:
            self._connect()
        return self._client

    def _connect(self):
        from distributed import Client
        start = time.monotonic()
        has_bokeh = importlib.util.find_spec("bokeh") is not None
        if self.scheduler is None:
            try:
                self._cluster = local_cluster(self.workers)
                self._client = Client(self._cluster)
            except KeyboardInterrupt:
                # Ctrl-C or SIGTERM while the cluster starts (SIGTERM to the process group also
                # stops the worker processes being started): the caller's one line says it; what
                # distributed and asyncio would log about the half-started cluster, up to this
                # process's exit, is noise.
                for name in _CLUSTER_LOGGERS:
                    logging.getLogger(name).setLevel(logging.CRITICAL + 1)
                raise
            where = (f"local cluster, {self.workers} worker process"
                     f"{'es' if self.workers > 1 else ''} (one thread each), scheduler "
                     f"{self._cluster.scheduler_address}")
        else:
            try:
                self._client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(f"scheduler {self.scheduler!r} cannot be reached: "
                                      f"{exc}") from None
            n = len(self._client.scheduler_info().get("workers", {}))
            self.workers = max(1, n)
            where = f"scheduler {self.scheduler}, {n} worker{'s' if n != 1 else ''} now"
        self.cluster_seconds = time.monotonic() - start
        if has_bokeh:
            self.dashboard = self._client.dashboard_link
            self.log(f"dask: {where}; dashboard {self.dashboard}")
        else:
            self.log(f"dask: {where}; no dashboard (install bokeh to get one)")

    def close(self):
        if self._client is not None and self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- running ------------------------------------------------------------------------------

    def plan(self, tasks, *, retry=False, force=False):
        """``(reused, to_run)``: stored records by key that :meth:`run` would reuse, and the
        tasks it would run (one per key, in the given order)."""
        reused, to_run, seen = {}, [], set()
        for task in tasks:
            _check_task(task)
            if task.key in seen:
                continue
            seen.add(task.key)
            record = None if force else self.store.get(task.key)
            if record is not None and (record["status"] == "ok" or not retry):
                reused[task.key] = record
            else:
                to_run.append(task)
        return reused, _after_first(to_run)

    def run(self, tasks, *, retry=False, force=False, on_start=None, on_finish=None):
        """Run ``tasks`` (see the module docstring); returns an :class:`Outcome`.

        ``on_start(task)`` is called when a task starts on a worker and ``on_finish(task,
        record)`` when its record is stored (from the client's threads). Raises
        :class:`EngineInterrupted` on KeyboardInterrupt, after cancelling what runs."""
        tasks = list(tasks)
        reused, to_run = self.plan(tasks, retry=retry, force=force)
        outcome = Outcome(records=dict(reused), reused=list(reused))
        if not to_run:
            return outcome
        by_key = {t.key: t for t in to_run}
        client = self.client
        subscribed = False
        if on_start is not None:
            def started(event):
                task = by_key.get(event[1].get("key")) if isinstance(event[1], dict) else None
                if task is not None:
                    on_start(task)
            client.subscribe_topic(EVENT_TOPIC, started)
            subscribed = True
        start = time.monotonic()
        futures, dask_keys, released = {}, {}, set()
        # A Dask key of its own per submission: the scheduler may still hold the result of an
        # earlier run's task with the same content key, which a retry must not be given.
        run_id = uuid.uuid4().hex[:8]
        try:
            from distributed import as_completed
            for i, task in enumerate(to_run):
                workdir = self.work_root / task.name
                after = tuple(k for k in task.after if k in futures or k in outcome.records)
                deps = [futures[k] if k in futures else outcome.records[k] for k in after]
                fut = client.submit(_execute, task.fn, task.key, task.name, str(workdir),
                                    tuple(task.args), after, *deps,
                                    key=f"{task.kind}-{task.key}-{run_id}",
                                    priority=len(to_run) - i, pure=False)
                futures[task.key] = fut
                dask_keys[fut.key] = task
            # Once a record is stored its future is released (the scheduler forgets the result),
            # so that a worker dying later does not make Dask compute it again. (The release is a
            # message: a worker that dies in the milliseconds before the scheduler has it can
            # still make Dask run the task again, whose result nobody then takes.)
            for fut in as_completed(list(futures.values())):
                task = dask_keys.pop(fut.key)
                try:
                    record = fut.result()
                except Exception as exc:        # KilledWorker after the allowed failures, ...
                    record = _lost(task, exc, self.work_root / task.name)
                fut.release()
                released.add(task.key)
                self.store.put(record)
                outcome.records[task.key] = record
                outcome.ran.append(task.key)
                if on_finish is not None:
                    on_finish(task, record)
        except KeyboardInterrupt:
            outcome.seconds = time.monotonic() - start
            # Only the futures still held: cancelling a released one (a finished task that a
            # later task named in ``after``) trips the scheduler's `assert ts.who_wants`.
            self._interrupt([f for k, f in futures.items() if k not in released])
            raise EngineInterrupted(outcome) from None
        finally:
            if subscribed:
                try:
                    client.unsubscribe_topic(EVENT_TOPIC)
                except Exception:       # the client may be closing after an interrupt
                    pass
        outcome.seconds = time.monotonic() - start
        return outcome

    def _interrupt(self, futures):
        with _quiet_distributed():
            try:
                self._client.cancel(futures, force=True)
                if self.on_interrupt is not None:
                    self._client.run(self.on_interrupt)
            except Exception:       # stopping anyway; the close below ends the local workers
                pass
            try:
                self.close()
            except Exception:       # a worker already gone: the cluster is closed all the same
                pass


def _after_first(tasks):
    # The given order, except that a task comes after the tasks of the list it names in
    # ``after`` (its dependencies must be submitted first).
    keys = {t.key for t in tasks}
    done, out, pending = set(), [], list(tasks)
    while pending:
        ready = [t for t in pending if all(k in done or k not in keys for k in t.after)]
        if not ready:
            raise ValueError(f"tasks wait for each other in a cycle: "
                             f"{', '.join(repr(t.name) for t in pending)}")
        for t in ready:
            done.add(t.key)
            out.append(t)
        pending = [t for t in pending if t.key not in done]
    return out


def _check_task(task):
    if not isinstance(task, Task):
        raise TypeError(f"tasks must be engine.Task objects, not {task!r}")
    name = Path(task.name)
    if not task.name or name.is_absolute() or ".." in name.parts:
        raise ValueError(f"task name must be a relative path without '..', not {task.name!r}")
    if not callable(task.fn):
        raise TypeError(f"task {task.name!r}: fn must be callable, not {task.fn!r}")
