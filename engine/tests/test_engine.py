"""The engine on a 2-worker LocalCluster: every task runs once, a rerun runs nothing, a failure
is recorded and does not stop the others and reruns with ``retry``, a killed worker loses no
finished result and its task runs again elsewhere, bad arguments are errors naming the value."""

import os
import re
import signal
import threading
import time

import pytest

from engine import Engine, ResultStore, Task, content_key
from engine.run import EngineInterrupted

from . import tasks
from .cluster import client  # noqa: F401  (the fixture)


def _echo_tasks(runs, n, seconds=0.3):
    return [Task(f"echo/{i}", content_key("echo", i), tasks.echo, (f"e{i}", str(runs), seconds))
            for i in range(n)]


def test_tiny_run_on_two_workers_then_resume(tmp_path, client):
    runs = tmp_path / "runs"
    store = tmp_path / "store"
    started, finished = [], []
    with Engine(store, client=client) as engine:
        outcome = engine.run(_echo_tasks(runs, 6), on_start=started.append,
                             on_finish=lambda t, r: finished.append(t.name))
    assert sorted(outcome.ran) == sorted(t.key for t in _echo_tasks(runs, 6))
    assert outcome.reused == [] and outcome.failed() == []
    counts = tasks.runs_of(runs)
    assert sorted(counts) == [f"e{i}" for i in range(6)]
    assert all(len(pids) == 1 for pids in counts.values())
    assert len({pid for pids in counts.values() for pid in pids}) == 2   # both workers worked
    assert sorted(finished) == [f"echo/{i}" for i in range(6)]
    deadline = time.time() + 30     # start events travel through the scheduler
    while len(started) < 6 and time.time() < deadline:
        time.sleep(0.05)
    assert sorted(t.name for t in started) == sorted(finished)
    # Each task in its own work folder; each record in the store.
    for i in range(6):
        assert (store / "work" / "echo" / str(i) / "out.txt").read_text() == f"e{i}"
    for task in _echo_tasks(runs, 6):
        record = ResultStore(store).get(task.key)
        assert record["status"] == "ok" and record["result"]["name"] == task.args[0]
        assert record["seconds"] >= 0.3
    # A rerun runs nothing; one new task runs alone.
    with Engine(store, client=client) as engine:
        again = engine.run(_echo_tasks(runs, 6))
        assert (again.ran, len(again.reused)) == ([], 6)
        more = engine.run(_echo_tasks(runs, 7))
        assert (len(more.ran), len(more.reused)) == (1, 6)
    assert sum(len(p) for p in tasks.runs_of(runs).values()) == 7


def test_failure_is_recorded_and_retried(tmp_path, client):
    runs, marker = tmp_path / "runs", tmp_path / "marker"
    bad = Task("bad", content_key("bad"), tasks.fail_once, ("bad", str(runs), str(marker)))
    good = _echo_tasks(runs, 3, seconds=0.0)
    store = ResultStore(tmp_path / "store")
    engine = Engine(store, client=client)
    first = engine.run([bad, *good])
    assert first.failed() == [bad.key]
    record = store.get(bad.key)
    assert record["status"] == "failed" and record["error_type"] == "ToolFailed"
    assert record["error"] == "bad: the tool failed with exit code 1"
    assert record["log"] == "ERROR: line 3: syntax error"
    assert all(first.records[t.key]["status"] == "ok" for t in good)
    # Without retry the failure is reported again and nothing runs.
    second = engine.run([bad, *good])
    assert second.ran == [] and second.failed() == [bad.key]
    # With retry the failed task (and only it) runs again; it succeeds this time.
    third = engine.run([bad, *good], retry=True)
    assert third.ran == [bad.key] and third.failed() == []
    assert store.get(bad.key)["status"] == "ok"
    assert {n: len(p) for n, p in tasks.runs_of(runs).items()} == {"bad": 2, "e0": 1, "e1": 1,
                                                                   "e2": 1}
    # force runs everything again.
    assert len(engine.run([bad, *good], force=True).ran) == 4


def test_after_passes_records(tmp_path, client):
    runs = tmp_path / "runs"
    a = Task("a", content_key("a"), tasks.value, ("a", str(runs), 2))
    b = Task("b", content_key("b"), tasks.value, ("b", str(runs), 3))
    s = Task("sum", content_key("sum"), tasks.add, ("sum", str(runs)), after=(a.key, b.key))
    engine = Engine(tmp_path / "store", client=client)
    engine.run([a])                 # a is stored: s gets its stored record
    outcome = engine.run([s, a, b])
    assert outcome.records[s.key]["result"] == {"name": "sum", "sum": 5}
    assert sorted(outcome.ran) == sorted([b.key, s.key])


def test_killed_worker_loses_no_finished_result(tmp_path):
    # Four short tasks finish and are stored; then the worker running the long task is killed
    # (SIGKILL). The nanny restarts it, the scheduler runs the task again on a live worker, the
    # short tasks are not run again, and every record is there.
    runs, pid_file = tmp_path / "runs", tmp_path / "victim.pid"
    short = _echo_tasks(runs, 4, seconds=0.0)
    long = Task("victim", content_key("victim"), tasks.victim, ("victim", str(runs), str(pid_file)))
    store = ResultStore(tmp_path / "store")
    killed = []
    engine = None

    def forgotten():
        # The scheduler has processed the releases of the stored short tasks (a release is a
        # message: a worker killed before it arrives makes Dask compute the task again).
        keys = engine.client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))
        return not any(t.key in str(k) for k in keys for t in short)

    def killer():
        deadline = time.time() + 120
        while time.time() < deadline:
            if pid_file.exists() and all(store.get(t.key) for t in short) and forgotten():
                pid = int(pid_file.read_text())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    lines = []
    with Engine(store, workers=2, log=lines.append) as engine:
        engine.client                   # started before the killer asks the scheduler
        thread.start()
        # The long task last: the short ones finish first on both workers.
        outcome = engine.run([*short, long])
    thread.join()
    assert len(killed) == 1
    assert outcome.failed() == []
    record = store.get(long.key)
    assert record["status"] == "ok" and record["result"]["pid"] != killed[0]
    assert "not killed" not in record["result"]
    counts = tasks.runs_of(runs)
    assert counts["victim"][0] == killed[0] and len(counts["victim"]) == 2
    assert all(len(counts[f"e{i}"]) == 1 for i in range(4))
    assert all(store.get(t.key)["status"] == "ok" for t in short)
    # The cluster's line: the dashboard address when bokeh is installed.
    import importlib.util
    assert len(lines) == 1 and re.match(
        r"dask: local cluster, 2 worker processes \(one thread each\), scheduler "
        r"tcp://127\.0\.0\.1:\d+; " + (r"dashboard http://\S+$"
                                       if importlib.util.find_spec("bokeh") else
                                       r"no dashboard \(install bokeh to get one\)$"),
        lines[0]), lines


def test_interrupt_keeps_the_finished_records(tmp_path, client, monkeypatch):
    runs = tmp_path / "runs"
    store = ResultStore(tmp_path / "store")
    todo = _echo_tasks(runs, 3, seconds=0.0)

    def stop(task, record):
        raise KeyboardInterrupt
    engine = Engine(store, client=client)
    monkeypatch.setattr(engine, "close", lambda: None)     # the shared test cluster stays up
    with pytest.raises(EngineInterrupted) as info:
        engine.run(todo, on_finish=stop)
    assert len(info.value.outcome.ran) == 1
    assert len(store.keys()) == 1


@pytest.mark.parametrize("make, error, message", [
    (lambda tmp: Engine(tmp, workers=0), ValueError, "workers must be a positive integer, not 0"),
    (lambda tmp: Engine(tmp, workers=True), ValueError,
     "workers must be a positive integer, not True"),
    (lambda tmp: Engine(tmp, scheduler="localhost:8786"), ValueError,
     "scheduler must be an address like tcp://HOST:PORT, not 'localhost:8786'"),
    (lambda tmp: Engine(tmp).plan([Task("../x", "ab12", tasks.echo)]), ValueError,
     "task name must be a relative path without '..', not '../x'"),
    (lambda tmp: Engine(tmp).plan([Task("/x", "ab12", tasks.echo)]), ValueError,
     "task name must be a relative path without '..', not '/x'"),
    (lambda tmp: Engine(tmp).plan([Task("x", "ab12", "echo")]), TypeError,
     "task 'x': fn must be callable, not 'echo'"),
    (lambda tmp: Engine(tmp).plan(["x"]), TypeError, "tasks must be engine.Task objects, not 'x'"),
    (lambda tmp: ResultStore(tmp).get("XY"), ValueError,
     "a result store key must be a lower-case hex string, not 'XY'"),
])
def test_bad_arguments(tmp_path, make, error, message):
    with pytest.raises(error) as info:
        make(tmp_path)
    assert str(info.value) == message


def test_unreachable_scheduler(monkeypatch, tmp_path):
    # Nothing listens on port 9: a short connect timeout is as good a test as the default.
    monkeypatch.setattr("engine.run.CONNECT_TIMEOUT", "1s")
    engine = Engine(tmp_path, scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ConnectionError, match=r"^scheduler 'tcp://127.0.0.1:9' cannot be reached"):
        engine.run(_echo_tasks(tmp_path / "runs", 1))


def test_store_ignores_a_truncated_record(tmp_path):
    store = ResultStore(tmp_path)
    key = content_key("x")
    store.put({"key": key, "status": "ok"})
    assert store.get(key) == {"key": key, "status": "ok"}
    store.path(key).write_text('{"key": "')
    assert store.get(key) is None
    assert content_key("a", 1) == content_key("a", 1) != content_key("a", 2)


def test_cycle_is_an_error(tmp_path):
    a = Task("a", content_key("a"), tasks.value, after=(content_key("b"),))
    b = Task("b", content_key("b"), tasks.value, after=(content_key("a"),))
    with pytest.raises(ValueError) as info:
        Engine(tmp_path).plan([a, b])
    assert str(info.value) == "tasks wait for each other in a cycle: 'a', 'b'"


def test_interrupt_while_the_cluster_starts_silences_its_loggers(tmp_path, monkeypatch):
    # Ctrl-C or SIGTERM while the local cluster starts: the interrupt goes on to the caller (whose
    # one line says it), and what distributed and asyncio would log about the half-started
    # cluster (worker processes stopped by the same SIGTERM) is silenced up to the exit.
    import logging

    from engine import run as engine_run

    def interrupted(workers):
        raise KeyboardInterrupt
    monkeypatch.setattr(engine_run, "local_cluster", interrupted)
    loggers = [logging.getLogger(n) for n in ("distributed", "asyncio")]
    levels = [logger.level for logger in loggers]
    try:
        engine = Engine(ResultStore(tmp_path / "store"), workers=2, work_root=tmp_path / "work")
        with pytest.raises(KeyboardInterrupt):
            engine.client
        assert all(logger.level > logging.CRITICAL for logger in loggers)
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)           # (setLevel also clears logging's cache)
