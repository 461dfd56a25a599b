"""``make sim``: run the simulation set on the generated Verilog and print a one-screen summary.

Usage: ``python -m tb.summary [--sim icarus|verilator] [--jobs N] [pytest args...]``

Runs ``pytest -m "not slow" tb/`` (every test that simulates, on both simulators unless one is
named), with ``SPARQ_SUMMARY_DIR`` set so that every simulation run leaves a record, then prints
one line per run (what ran, on which simulator, values checked against golden, mismatches, build
and simulation seconds, PASS/FAIL) and a total line. The pytest output goes to
``build/sim/summary/pytest.log``.

The exit status is the summary's verdict: 0 only when pytest passed, at least one simulation ran,
and every simulation run passed; 1 otherwise (a failure, or nothing simulated: a filter that
selects no simulation is not a pass).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tb.sim import BUILD_ROOT, ROOT, SIMULATORS


def read_records(folder):
    records = []
    for path in sorted(Path(folder).glob("records-*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line]
    return sorted(records, key=lambda r: (r["label"], r["sim"]))


def verdict(records, status):
    """``"PASS"`` when pytest's ``status`` is 0, some simulation ran and every run passed."""
    return "PASS" if status == 0 and records and all(r["passed"] for r in records) else "FAIL"


def format_summary(records, *, seconds, status, simulators, log):
    lines = [f"SPARQ simulation of the generated Verilog on {', '.join(simulators)} "
             f"(pytest status {status}, log {log})",
             f"{'what ran':<46} {'sim':<9} {'checked':>10} {'MACs':>10} {'bad':>4} "
             f"{'build s':>7} {'sim s':>6}  result"]
    for r in records:
        lines.append(f"{r['label'][:46]:<46} {r['sim']:<9} {r['checked']:>10,} "
                     f"{r.get('macs', 0):>10,} {r['mismatches']:>4} {r['build_seconds']:>7.1f} "
                     f"{r['sim_seconds']:>6.1f}  {'PASS' if r['passed'] else 'FAIL'}")
    passed = sum(r["passed"] for r in records)
    lines.append(f"{len(records)} simulation runs: {passed} passed, {len(records) - passed} failed; "
                 f"{sum(r['checked'] for r in records):,} values and "
                 f"{sum(r.get('macs', 0) for r in records):,} MACs checked against golden; "
                 f"{seconds:.0f} s wall: {verdict(records, status)}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tb.summary", description=__doc__.split("\n")[0])
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
    command = [sys.executable, "-m", "pytest", "-n", str(args.jobs), "-q", "-m", "not slow",
               "-p", "no:cacheprovider", str(ROOT / "tb"), *rest]
    print(f"running: SPARQ_SIM={env['SPARQ_SIM']} {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        status = subprocess.call(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    records = read_records(folder)
    shown = log.relative_to(ROOT) if log.is_relative_to(ROOT) else log
    print(format_summary(records, seconds=seconds, status=status, simulators=simulators,
                         log=shown))
    if status:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print("\n".join(["--- end of the pytest log ---", *tail]))
    if not records:
        print("nothing was simulated: FAIL", file=sys.stderr)
    return 0 if verdict(records, status) == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
