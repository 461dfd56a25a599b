"""Task functions for the engine tests (module level, so that worker processes import them).

Each appends one line ``<name> <pid>`` to ``runs`` (a file shared by the test and its workers,
written with O_APPEND) when it runs, so that a test counts how often each task ran."""

import os
import time
from pathlib import Path


def _count(runs, name):
    fd = os.open(runs, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{name} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


def runs_of(runs):
    """``{name: [pid, ...]}`` from a runs file."""
    out = {}
    path = Path(runs)
    if path.exists():
        for line in path.read_text().splitlines():
            name, pid = line.split()
            out.setdefault(name, []).append(int(pid))
    return out


def echo(workdir, name, runs, seconds=0.0):
    _count(runs, name)
    (workdir / "out.txt").write_text(name)
    time.sleep(seconds)
    return {"name": name, "pid": os.getpid()}


class ToolFailed(Exception):
    def __init__(self, message, tail):
        super().__init__(message)
        self.tail = tail


def fail_once(workdir, name, runs, marker):
    """Fails (with a tool-like log) the first time, succeeds once ``marker`` exists."""
    _count(runs, name)
    if not Path(marker).exists():
        Path(marker).write_text("failed once")
        raise ToolFailed(f"{name}: the tool failed with exit code 1", "ERROR: line 3: syntax error")
    return {"name": name}


def victim(workdir, name, runs, pid_file, timeout=60.0):
    """First attempt: writes its pid to ``pid_file`` and waits to be killed; later attempts
    return at once."""
    _count(runs, name)
    if Path(pid_file).exists():
        return {"name": name, "pid": os.getpid()}
    Path(pid_file).write_text(str(os.getpid()))
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.1)
    return {"name": name, "pid": os.getpid(), "not killed": True}


def add(workdir, name, runs, deps):
    _count(runs, name)
    return {"name": name, "sum": sum(r["result"]["value"] for r in deps.values())}


def value(workdir, name, runs, v):
    _count(runs, name)
    return {"name": name, "value": v}
