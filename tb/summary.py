"""``make sim`` and ``make sim-all``: run simulations of the generated Verilog and print a summary.

Usage: ``python -m tb.summary [--all] [--sim icarus|verilator] [--jobs N] [pytest args...]``

Without ``--all`` it runs the default set (:data:`DEFAULT_SET`: a representative test of every
block, datapath family and harness, chosen to finish in minutes); with ``--all`` every test in
``tb/`` but ``-m slow`` (what ``make test`` simulates). Pytest arguments after the options narrow
the run further (``-k EXPR``: ``make sim K=EXPR``). ``SPARQ_SUMMARY_DIR`` is set so that every
simulation run leaves a record; each record is printed as one line as soon as its run finishes,
then the summary: one line per run (the design name of :mod:`hdl.naming`, the simulator, what ran
on it, values checked against golden, mismatches, build and simulation seconds, PASS/FAIL, and
for a failed run why, e.g. a deadlock) and a total line that says which set ran. The pytest
output goes to ``build/sim/summary/pytest.log``.

The exit status is the summary's verdict: 0 only when pytest passed, at least one simulation ran,
and every simulation run passed; 1 otherwise (a failure, or nothing simulated: a filter that
selects no simulation is not a pass).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tb.sim import BUILD_ROOT, ROOT, SIMULATORS

__all__ = ["DEFAULT_SET", "default_node_ids", "read_records", "verdict", "format_record",
           "format_summary", "main"]

#: The default ``make sim`` set (pytest node ids under ``tb/``): the exhaustive window and pair
#: encoders, the SPARQ PE and the int8 baseline's PE, the 8x8 K=1152 SPARQ array on Verilator and
#: 8x8 on Icarus, a 3-bit window array, the naive and int8 baselines, the 2:4, split-stage, skid and
#: AXI4-Stream tops, the dot-product unit (SPARQ and int8, packed products), the burst harness, a
#: GEMM larger than the array and a real conv layer: 21 simulation runs. `make sim-all` runs the
#: rest (``--all``), among them ``tb/tests/test_reporting.py``, the checks that a failure fails.
DEFAULT_SET = (
    "tb/tests/test_encoders.py::test_window_and_pair_exhaustive[icarus]",
    "tb/tests/test_encoders.py::test_window_and_pair_exhaustive[verilator]",
    "tb/tests/test_pe.py::test_pe[sparq-b4-o3-tr-k64-icarus]",
    "tb/tests/test_pe.py::test_pe[sparq-b4-o3-tr-k64-verilator]",
    "tb/tests/test_pe.py::test_pe[int8-k33-icarus]",
    "tb/tests/test_array.py::test_array[sparq-b4-o5-ne-8x8-k1152-verilator]",
    "tb/tests/test_array.py::test_array[sparq-b4-o5-ne-8x8-k48-icarus]",
    "tb/tests/test_array.py::test_array[int8-2x3-k48-icarus]",
    "tb/tests/test_array.py::test_array[a4w8-4x1-k33-icarus]",
    "tb/tests/test_array.py::test_array[sparq-b3-o6-tr-2x3-k40-verilator]",
    "tb/tests/test_array.py::test_array[sparq-b4-o5-ne-2x2-k40-skid-axis-icarus]",
    "tb/tests/test_array.py::test_array[sparq-b4-o5-ne-3x2-k42-stc-icarus]",
    "tb/tests/test_array.py::test_array[sparq-b4-o2-tr-3x2-k48-pipe-icarus]",
    "tb/tests/test_array.py::test_array_burst[sparq-b4-o3-tr-3x5-k64-icarus]",
    "tb/tests/test_dotprod.py::test_dotprod[sparq-b4-o5-ne-4x4p4-k44-icarus]",
    "tb/tests/test_dotprod.py::test_dotprod[int8-2x2p4-k33-verilator]",
    "tb/tests/test_dotprod.py::test_dotprod[sparq-b4-o5-ne-2x3p2-k22-pack-verilator]",
    "tb/tests/test_gemm.py::test_gemm_larger_than_the_array[a4w8-3x2-k10-burst-icarus]",
    "tb/tests/test_layer.py::test_conv_layer_on_array[verilator]",
)


def default_node_ids(simulators):
    """The entries of :data:`DEFAULT_SET` that run on ``simulators`` (an id whose parameters
    name another simulator is left out)."""
    others = [s for s in SIMULATORS if s not in simulators]
    return [n for n in DEFAULT_SET
            if not any(re.search(rf"[\[-]{s}\]$", n) for s in others)]


def read_records(folder):
    records = []
    for path in sorted(Path(folder).glob("records-*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line]
    return sorted(records, key=lambda r: (r["design"], r["sim"], r["what"]))


def verdict(records, status):
    """``"PASS"`` when pytest's ``status`` is 0, some simulation ran and every run passed."""
    return "PASS" if status == 0 and records and all(r["passed"] for r in records) else "FAIL"


def format_record(r):
    """The line printed as a run finishes: result, design, simulator, what ran, counts, and
    for a failed run why."""
    line = (f"{'PASS' if r['passed'] else 'FAIL'} {r['design']} on {r['sim']}: {r['what']}; "
            f"{r['checked']:,} checked, {r['mismatches']} bad, {r['sim_seconds']:.1f} s")
    return line + (f"; {r['reason']}" if r.get("reason") else "")


def format_summary(records, *, seconds, status, simulators, log, which="default set"):
    lines = [f"SPARQ simulation of the generated Verilog [{which}] on {', '.join(simulators)} "
             f"(pytest status {status}, log {log})"]
    wd = max([len("design")] + [len(r["design"]) for r in records])
    ww = max([len("what ran")] + [len(r["what"]) for r in records])
    lines.append(f"{'design':<{wd}} {'sim':<9} {'what ran':<{ww}} {'checked':>10} {'MACs':>10} "
                 f"{'bad':>4} {'build s':>7} {'sim s':>6}  result")
    for r in records:
        lines.append(f"{r['design']:<{wd}} {r['sim']:<9} {r['what']:<{ww}} {r['checked']:>10,} "
                     f"{r.get('macs', 0):>10,} {r['mismatches']:>4} {r['build_seconds']:>7.1f} "
                     f"{r['sim_seconds']:>6.1f}  {'PASS' if r['passed'] else 'FAIL'}")
        if r.get("reason"):
            lines.append(f"    why: {r['reason']}")
    passed = sum(r["passed"] for r in records)
    lines.append(f"{len(records)} simulation runs [{which}]: {passed} passed, "
                 f"{len(records) - passed} failed; "
                 f"{sum(r['checked'] for r in records):,} values and "
                 f"{sum(r.get('macs', 0) for r in records):,} MACs checked against golden; "
                 f"{seconds:.0f} s wall: {verdict(records, status)}")
    return "\n".join(lines)


class _Follower:
    """Prints each record the runs append to the summary folder, once, as it appears."""

    def __init__(self, folder):
        self.folder = folder
        self.seen = {}
        self.count = 0

    def poll(self, start):
        for path in sorted(self.folder.glob("records-*.jsonl")):
            try:
                text = path.read_text()
            except OSError:
                continue
            done = self.seen.get(path, 0)
            # A line being written has no newline yet: it is read at the next poll.
            lines = text.splitlines()
            complete = lines if text.endswith("\n") else lines[:-1]
            for line in complete[done:]:
                self.count += 1
                record = json.loads(line)
                print(f"[{self.count:3} {time.perf_counter() - start:5.0f} s] "
                      f"{format_record(record)}", flush=True)
            self.seen[path] = max(done, len(complete))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tb.summary", description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true",
                        help="every simulation test in tb/ but -m slow (make sim-all), not the "
                             "default set")
    parser.add_argument("--sim", choices=SIMULATORS, help="run one simulator only")
    parser.add_argument("--jobs", default="auto", help="pytest -n value (default auto)")
    parser.add_argument("--out", default=str(BUILD_ROOT / "summary"),
                        help="folder for the records and the pytest log (default build/sim/summary)")
    args, rest = parser.parse_known_args(argv)
    folder = Path(args.out).resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = dict(os.environ, SPARQ_SUMMARY_DIR=str(folder))
    simulators = (args.sim,) if args.sim else SIMULATORS
    env["SPARQ_SIM"] = ",".join(simulators)
    log = folder / "pytest.log"
    if args.all:
        which, selection = "whole set, make sim-all", [str(ROOT / "tb" / "tests")]
    else:
        which, selection = "default set, make sim-all runs the rest", default_node_ids(simulators)
    if any(a == "-k" or a.startswith("-k") for a in rest):
        which += ", filtered by -k"
    command = [sys.executable, "-m", "pytest", "-n", str(args.jobs), "-q", "-m", "not slow",
               "-p", "no:cacheprovider", *selection, *rest]
    print(f"running [{which}]: SPARQ_SIM={env['SPARQ_SIM']} "
          f"{' '.join(command[1:7])} ... {' '.join(rest)} (log {log}); one line per finished run",
          flush=True)
    start = time.perf_counter()
    follower = _Follower(folder)
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            while proc.poll() is None:
                follower.poll(start)
                time.sleep(0.5)
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait()
            print(f"sim: interrupted; {follower.count} runs had finished (log {log})",
                  file=sys.stderr)
            return 130
        status = proc.returncode
    follower.poll(start)
    seconds = time.perf_counter() - start
    records = read_records(folder)
    shown = log.relative_to(ROOT) if log.is_relative_to(ROOT) else log
    print(format_summary(records, seconds=seconds, status=status, simulators=simulators,
                         log=shown, which=which))
    if status:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print("\n".join(["--- end of the pytest log ---", *tail]))
    if not records:
        print("nothing was simulated: FAIL", file=sys.stderr)
    return 0 if verdict(records, status) == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
