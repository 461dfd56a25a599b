"""Static timing of a mapped netlist with OpenSTA: worst path, its stages, Fmax and WNS.

:func:`run_sta` writes a Tcl script (:func:`sta_script`) and runs Debian's OpenSTA on it
(``sta -no_splash -exit script.tcl``; ``make opensta`` installs it). The timing model:

- one clock on the port ``clk`` (a virtual clock of the same name when the design has no ``clk``:
  a combinational block is then timed from its inputs to its outputs), of the requested period,
  ideal (no clock tree: zero skew, zero latency, zero clock slew);
- every other input arrives ``input_delay_ns`` after the clock edge, driven by ``driving_cell``;
  every output is required ``output_delay_ns`` before the next edge and loaded with ``load_pf``
  (``set_load``). Together with the Liberty's pin capacitances that is the whole load model: the
  OSU 0.18 um library carries no wire-load model, and none is set, so wires are ideal (no wire
  capacitance or resistance);
- the library's own corner (OSU 0.18 um: typical process, 1.8 V, 25 C); slews propagated through
  the NLDM tables.

The report read is ``report_checks -path_delay max`` at 4 digits: the worst setup path. Its
``data arrival time`` is the worst path delay; the stages are the cell pins it crosses; WNS is its
slack at the requested period (negative: the period is missed); the smallest period the path allows
is ``period - slack`` (the arrival plus the capture flip-flop's setup time, or plus the output
delay), and Fmax its inverse.
"""

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .netlist import DEFAULT_DRIVING_CELL, DEFAULT_LOAD_PF
from .tools import SynthError, ToolError

__all__ = ["TimingReport", "Stage", "sta_script", "parse_report", "run_sta", "sta_version",
           "STA_COMMAND", "MAKE_TARGET", "DEFAULT_PERIOD_NS"]

#: OpenSTA's command (Debian package ``opensta``).
STA_COMMAND = "sta"
#: The make target that installs it.
MAKE_TARGET = "make opensta"
#: The clock period the ASIC targets time at (ns) unless told otherwise.
DEFAULT_PERIOD_NS = 5.0


@dataclass(frozen=True)
class Stage:
    """One pin on the worst path: ``pin`` (``instance/pin`` or a port name), ``cell`` (the
    library cell, or ``in``/``out`` for a port), ``edge`` (``^`` rise, ``v`` fall), ``delay_ns``
    (of this stage), ``time_ns`` (arrival at this pin)."""
    pin: str
    cell: str
    edge: str
    delay_ns: float
    time_ns: float


@dataclass(frozen=True)
class TimingReport:
    """The worst setup path of a design at ``period_ns``.

    ``arrival_ns``: data arrival time at the endpoint (the worst path delay, from the clock edge);
    ``required_ns``; ``slack_ns`` (WNS when negative); ``min_period_ns`` = period - slack;
    ``fmax_mhz``; ``startpoint``, ``endpoint`` (as OpenSTA names them, with its description in
    parentheses); ``stages``: the pins crossed, in order; ``cells``: the cell types on the path
    (one per cell crossed, in order, the launching flip-flop first).
    """
    period_ns: float
    arrival_ns: float
    required_ns: float
    slack_ns: float
    startpoint: str
    endpoint: str
    stages: tuple = field(default_factory=tuple)

    @property
    def min_period_ns(self):
        return self.period_ns - self.slack_ns

    @property
    def fmax_mhz(self):
        return 1000.0 / self.min_period_ns if self.min_period_ns > 0 else None

    @property
    def wns_ns(self):
        return min(0.0, self.slack_ns)

    @property
    def cells(self):
        # A cell appears on the path as its input pin then its output pin (or, for the launching
        # flip-flop, its clock pin then Q); count each instance once.
        out, seen = [], set()
        for s in self.stages:
            if s.cell in ("in", "out") or "/" not in s.pin:
                continue
            inst = s.pin.rsplit("/", 1)[0]
            if inst not in seen:
                seen.add(inst)
                out.append(s.cell)
        return tuple(out)

    def to_json(self):
        return {"period_ns": self.period_ns, "arrival_ns": self.arrival_ns,
                "required_ns": self.required_ns, "slack_ns": self.slack_ns,
                "wns_ns": self.wns_ns, "min_period_ns": round(self.min_period_ns, 4),
                "fmax_mhz": None if self.fmax_mhz is None else round(self.fmax_mhz, 2),
                "startpoint": self.startpoint, "endpoint": self.endpoint,
                "path_cells": list(self.cells), "path_depth": len(self.cells),
                "stages": [[s.pin, s.cell, s.edge, s.delay_ns, s.time_ns] for s in self.stages]}


def _check_positive(name, value, *, zero_ok=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (value < 0 if zero_ok else value <= 0):
        kind = "non-negative" if zero_ok else "positive"
        raise SynthError(f"{name} must be a {kind} number, not {value!r}")


def sta_script(netlist, liberty, top, *, period_ns=DEFAULT_PERIOD_NS, clock="clk",
               has_clock=True, input_delay_ns=0.0, output_delay_ns=0.0,
               driving_cell=DEFAULT_DRIVING_CELL, load_pf=DEFAULT_LOAD_PF):
    """The OpenSTA Tcl script timing ``top`` of ``netlist`` with ``liberty`` (file names as the
    script will see them). ``has_clock``: the design has a ``clock`` port (else a virtual clock)."""
    _check_positive("period_ns", period_ns)
    _check_positive("input_delay_ns", input_delay_ns, zero_ok=True)
    _check_positive("output_delay_ns", output_delay_ns, zero_ok=True)
    _check_positive("load_pf", load_pf, zero_ok=True)
    if has_clock:
        clock_cmd = f"create_clock -name {clock} -period {period_ns} [get_ports {clock}]"
        inputs = f"[delete_from_list [all_inputs] [get_ports {clock}]]"
    else:
        clock_cmd = f"create_clock -name {clock} -period {period_ns}"
        inputs = "[all_inputs]"
    lines = [f"read_liberty {liberty}", f"read_verilog {netlist}", f"link_design {top}",
             clock_cmd,
             f"set_input_delay {input_delay_ns} -clock {clock} {inputs}",
             f"set_output_delay {output_delay_ns} -clock {clock} [all_outputs]",
             f"set_driving_cell -lib_cell {driving_cell} {inputs}",
             f"set_load {load_pf} [all_outputs]",
             "report_checks -path_delay max -digits 4"]
    return "\n".join(lines) + "\n"


_NUM = r"-?\d+(?:\.\d+)?"
_STAGE = re.compile(rf"^\s*({_NUM})\s+({_NUM})\s+([\^v])\s+(\S+)\s+\(([^)]+)\)\s*$")
_TIME_LINE = re.compile(rf"^\s*(?:({_NUM})\s+)?({_NUM})\s+(data arrival time|data required time|"
                        rf"slack \((?:MET|VIOLATED)\))\s*$")


def parse_report(text, period_ns):
    """The :class:`TimingReport` of OpenSTA's ``report_checks -path_delay max`` text.

    Raises :class:`SynthError` quoting the report when it holds no path, or lacks the start
    point, end point, arrival, required time or slack.
    """
    if "No paths found" in text:
        raise SynthError("OpenSTA found no constrained path (no flip-flop or I/O path on the "
                         "clock)")
    start = re.search(r"^Startpoint:\s*(.+?)\s*$", text, re.M)
    end = re.search(r"^Endpoint:\s*(.+?)\s*$", text, re.M)
    times = {}
    stages = []
    in_arrival = True
    for line in text.splitlines():
        m = _TIME_LINE.match(line)
        if m:
            label = "slack" if m.group(3).startswith("slack") else m.group(3)
            # The summary at the end repeats arrival and required with a sign; keep the first.
            times.setdefault(label, float(m.group(2)))
            if label == "data arrival time":
                in_arrival = False
            continue
        m = _STAGE.match(line)
        if m and in_arrival and start:
            stages.append(Stage(m.group(4), m.group(5), m.group(3), float(m.group(1)),
                                float(m.group(2))))
    missing = [name for name, ok in (("Startpoint", start), ("Endpoint", end),
                                     ("data arrival time", "data arrival time" in times),
                                     ("data required time", "data required time" in times),
                                     ("slack", "slack" in times)) if not ok]
    if missing:
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise SynthError(f"OpenSTA report lacks {', '.join(missing)}:\n{tail}")
    return TimingReport(period_ns, times["data arrival time"], times["data required time"],
                        times["slack"], start.group(1), end.group(1), tuple(stages))


@functools.lru_cache(maxsize=1)
def sta_version():
    """OpenSTA's version string, or None when ``sta`` is not installed (asked once per
    process: every result's key carries it)."""
    exe = shutil.which(STA_COMMAND)
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout.strip() or done.stderr.strip()) or None


def _has_port(netlist, top, port):
    # The top module's port list in the mapped netlist (Yosys writes `module top(a, b, clk);`).
    text = Path(netlist).read_text()
    m = re.search(rf"\bmodule\s+\\?{re.escape(top)}\s*\((.*?)\);", text, re.S)
    if m is None:
        raise SynthError(f"module {top} not found in {netlist}")
    return port in {p.strip().lstrip("\\") for p in m.group(1).split(",")}


def run_sta(netlist, liberty, top, workdir, *, period_ns=DEFAULT_PERIOD_NS, clock="clk",
            input_delay_ns=0.0, output_delay_ns=0.0, driving_cell=DEFAULT_DRIVING_CELL,
            load_pf=DEFAULT_LOAD_PF):
    """Time ``top`` of the gate-level ``netlist`` (cells of ``liberty``) in ``workdir``.

    Writes ``sta.tcl`` and ``sta.log`` there; returns ``(TimingReport, script text)``.
    :class:`SynthError` naming ``make opensta`` when OpenSTA is missing; :class:`ToolError` with
    the log's tail when it fails.
    """
    exe = shutil.which(STA_COMMAND)
    if exe is None:
        raise SynthError(f"OpenSTA (`{STA_COMMAND}`) not found: run `{MAKE_TARGET}`")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    netlist, liberty = Path(netlist).resolve(), Path(liberty).resolve()
    script = sta_script(netlist.name if netlist.parent == workdir.resolve() else netlist,
                        liberty.name if liberty.parent == workdir.resolve() else liberty, top,
                        period_ns=period_ns, clock=clock,
                        has_clock=_has_port(netlist, top, clock), input_delay_ns=input_delay_ns,
                        output_delay_ns=output_delay_ns, driving_cell=driving_cell,
                        load_pf=load_pf)
    (workdir / "sta.tcl").write_text(script)
    done = subprocess.run([exe, "-no_splash", "-exit", "sta.tcl"], cwd=workdir,
                          capture_output=True, text=True)
    log = done.stdout + done.stderr
    (workdir / "sta.log").write_text(log)
    tail = "\n".join(log.strip().splitlines()[-20:])
    # This OpenSTA exits 0 after a Tcl error in the script: look for its error lines too.
    if done.returncode != 0 or re.search(r"^Error\b", log, re.M):
        raise ToolError(f"sta failed in {workdir} (exit {done.returncode})", tail)
    return parse_report(log, period_ns), script
