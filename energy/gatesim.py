"""Gate-level simulation of a mapped PE netlist on Icarus, with the cell library's Verilog models.

:func:`simulate_pe` writes a plain-Verilog testbench around the netlist, feeds it one operand pair
per cycle from a ``$readmemh`` stimulus file (the words of
:class:`hdl.stream_codec.ProcessingElementCodec`, the cocotb PE bench's own encoding: the SPARQ
operand is the encoded pair of :func:`golden.pair_slots`), writes ``result`` after every ``capture`` to a text
file, and dumps the nets of the netlist's top module (``$dumpvars(1, ...)``: its nets, not the
cells' insides) from the end of reset to the end of the run. Every tile's result is checked
against golden: a mismatch raises :class:`GateSimError` naming the tile.

Modes (:data:`MODES`): ``zero-delay`` (the cell models' ``specify`` blocks ignored: each net
switches at most once per clock edge, no glitches) and ``specify`` (``iverilog -gspecify``: the
cells' path delays, so glitches on unbalanced paths switch nets too; interconnect has no delay).
Inputs change at the falling edge, results are read at the falling edge (half a period after the
rising edge, so the cells' clock-to-output and logic delays have settled).
"""

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MODES", "GateSimError", "SimResult", "simulate_pe", "icarus_version", "stimulus_words",
           "run_icarus", "prepare"]

MODES = ("zero-delay", "specify")

#: Idle cycles after the last pair: enough for its tile's sum to reach ``result`` (pe_latency + 2).
_TAIL = 6


class GateSimError(RuntimeError):
    """The gate-level simulation failed, or a result differs from golden."""


@dataclass
class SimResult:
    """``vcd`` (activity file), ``cycles`` (clock cycles dumped), ``results`` (the sums read),
    ``commands`` (the iverilog and vvp command lines), ``seconds`` (wall) and ``cpu_seconds``
    (of the simulator processes), ``period_ns``; ``bubbles`` and ``bubble_runs``: the stall
    cycles the driver inserted (:func:`energy.stall.stall_words`) and their runs."""
    vcd: Path
    cycles: int
    results: list
    commands: list
    seconds: float
    cpu_seconds: float
    period_ns: float
    bubbles: int = 0
    bubble_runs: int = 0


def icarus_version():
    """``Icarus Verilog version 12.0 (stable) ()``: the first line of ``iverilog -V``."""
    if shutil.which("iverilog") is None:
        raise GateSimError("iverilog not found: run `make iverilog` (Debian package iverilog)")
    out = subprocess.run(["iverilog", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout
    return out.splitlines()[0].strip() if out else "unknown"


def stimulus_words(config, tiles):
    """Per cycle ``(valid, last, a_in, b_in)`` for the tiles back to back (no bubbles)."""
    from hdl.stream_codec import ProcessingElementCodec

    codec = ProcessingElementCodec(config)
    words = []
    for a, b in tiles:
        ops, ws = codec.pack_a(a), codec.pack_b(b)
        words += [(1, int(i == len(ops) - 1), int(o), int(w))
                  for i, (o, w) in enumerate(zip(ops, ws))]
    return words


_TB = """\
`timescale 1ns/10ps
module energy_tb;
  localparam N = {n};
  reg clk = 1'b0;
  reg rst = 1'b1;
  reg valid_in = 1'b0, last_in = 1'b0;
  reg [{wa}-1:0] a_in = {{{wa}{{1'b0}}}};
  reg [{wb}-1:0] b_in = {{{wb}{{1'b0}}}};
  wire [{wr}-1:0] result;
  wire capture, valid_out, last_out;
  wire [{wa}-1:0] a_out;
  wire [{wb}-1:0] b_out;
  reg [{ws}-1:0] stim [0:N-1];
  reg pending = 1'b0;
  integer i, fd;
  {top} dut (.clk(clk), .rst(rst), .a_in(a_in), .b_in(b_in), .valid_in(valid_in),
    .last_in(last_in), .drain_in({{{wr}{{1'b0}}}}), .drain(1'b0), .result(result),
    .capture(capture), .a_out(a_out), .b_out(b_out), .valid_out(valid_out), .last_out(last_out));
  always #({half}) clk = ~clk;
  always @(negedge clk) begin
    if (!rst) begin
      if (pending) $fdisplay(fd, "%0d", $signed(result));
      pending <= capture;
    end
  end
  initial begin
    $readmemh("stim.hex", stim);
    fd = $fopen("results.txt", "w");
    repeat (3) @(posedge clk);
    @(negedge clk);
    rst = 1'b0;
    $dumpfile("activity.vcd");
    $dumpvars(1, energy_tb.dut);
    for (i = 0; i < N; i = i + 1) begin
      {{valid_in, last_in, a_in, b_in}} = stim[i];
      @(negedge clk);
    end
    valid_in = 1'b0;
    last_in = 1'b0;
    repeat ({tail}) @(negedge clk);
    $dumpflush;
    $fclose(fd);
    $finish;
  end
endmodule
"""


def _widths(netlist):
    return {name: len(bits) for name, (_, bits) in netlist.ports.items()}


def simulate_pe(netlist_v, netlist, cells_v, config, workload, workdir, *, mode="zero-delay",
                period_ns=20.0, timeout=None, stall=None):
    """Simulate the PE netlist ``netlist_v`` (its :class:`~energy.netgraph.Netlist` ``netlist``)
    with the cell models ``cells_v`` on ``workload`` in ``workdir``; check every tile against
    golden. ``stall``: ``(probability, seed)`` inserts random bubbles into the stream
    (:func:`energy.stall.stall_words`). Returns a :class:`SimResult`."""
    from .stall import stall_words
    workdir = prepare(workdir, cells_v, mode, period_ns)
    w = _widths(netlist)
    needed = ("clk", "rst", "a_in", "b_in", "valid_in", "last_in", "drain_in", "drain", "result",
              "capture", "a_out", "b_out", "valid_out", "last_out")
    missing = [p for p in needed if p not in w]
    if missing:
        raise GateSimError(f"{netlist.top} is not a PE netlist: no port {', '.join(missing)}")
    wa, wb, wr = w["a_in"], w["b_in"], w["result"]
    ws = wa + wb + 2
    words = stimulus_words(config, workload.tiles)
    bubbles = runs = 0
    if stall is not None:
        words, bubbles, runs = stall_words(words, *stall)
    digits = (ws + 3) // 4
    with open(workdir / "stim.hex", "w") as f:
        for valid, last, a, b in words:
            f.write(f"{(valid << (ws - 1)) | (last << (ws - 2)) | (a << wb) | b:0{digits}x}\n")
    (workdir / "energy_tb.v").write_text(_TB.format(
        n=len(words), wa=wa, wb=wb, wr=wr, ws=ws, top=netlist.top, half=period_ns / 2, tail=_TAIL))
    commands, seconds, cpu = run_icarus(workdir, netlist_v, cells_v, mode, timeout)
    results = [int(line) for line in (workdir / "results.txt").read_text().split()]
    if len(results) != len(workload.expected):
        raise GateSimError(f"the gate-level PE gave {len(results)} results for "
                           f"{len(workload.expected)} tiles ({mode}, {workdir})")
    for t, (got, want) in enumerate(zip(results, workload.expected)):
        if got != want:
            raise GateSimError(f"tile {t}: the gate-level PE gave {got}, golden {want} "
                               f"({mode}, {workdir})")
    return SimResult(workdir / "activity.vcd", len(words) + _TAIL, results, commands, seconds, cpu,
                     float(period_ns), bubbles, runs)


def prepare(workdir, cells_v, mode, period_ns):
    """Check a simulation's ``mode``, ``period_ns`` (ValueError naming them), the cell models and
    Icarus (:class:`GateSimError`); create ``workdir`` and return it as a Path."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if isinstance(period_ns, bool) or not isinstance(period_ns, (int, float)) or period_ns <= 0:
        raise ValueError(f"period_ns must be a positive number, not {period_ns!r}")
    if cells_v is None:
        raise GateSimError("the cell library has no Verilog cell models (--cell-models)")
    if shutil.which("iverilog") is None:
        raise GateSimError("iverilog not found: run `make iverilog` (Debian package iverilog)")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def run_icarus(workdir, netlist_v, cells_v, mode, timeout=None):
    """Compile ``workdir/energy_tb.v`` with the netlist and the cell models (``-gspecify`` in
    ``specify`` mode) and run it in ``workdir``. Returns ``(commands, wall seconds, CPU seconds of
    the simulator processes)``; :class:`GateSimError` with the tool's last lines on failure."""
    from synth.tools import run_process

    workdir = Path(workdir)
    shutil.copyfile(cells_v, workdir / "cells.v")
    if Path(netlist_v).resolve() != (workdir / "netlist.v").resolve():
        shutil.copyfile(netlist_v, workdir / "netlist.v")
    compile_cmd = ["iverilog", "-g2005", "-o", "sim.vvp", "-s", "energy_tb"]
    if mode == "specify":
        compile_cmd.append("-gspecify")
    compile_cmd += ["energy_tb.v", "netlist.v", "cells.v"]
    run_cmd = ["vvp", "-n", "sim.vvp"]
    start, cpu0 = time.monotonic(), _children_cpu()
    for cmd in (compile_cmd, run_cmd):
        # A process an interrupted engine run can kill on its worker (synth.tools.kill_running).
        returncode, stdout, timed_out = run_process(cmd, cwd=workdir, timeout=timeout)
        (workdir / f"{cmd[0]}.log").write_text(stdout)
        tail = "\n".join(stdout.splitlines()[-10:])
        if timed_out:
            raise GateSimError(f"{' '.join(cmd)} timed out after {timeout} s in {workdir}:\n{tail}")
        if returncode != 0:
            raise GateSimError(f"{' '.join(cmd)} failed (exit {returncode}) in {workdir}:\n{tail}")
    return ([" ".join(compile_cmd), " ".join(run_cmd)], time.monotonic() - start,
            _children_cpu() - cpu0)


def _children_cpu():
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
