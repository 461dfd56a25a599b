"""A run passes only if everything it claims was compared was compared: injected failures.

- a missing simulator fails the test with its install hint (skips only with
  SPARQ_ALLOW_MISSING_TOOLS=1);
- a cocotb test that writes no record fails the run, even when another test wrote one;
- ``make sim``'s summary exits non-zero when nothing was simulated and when a run failed.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from hdl.config import SparqConfig
from tb import sim, summary


def test_missing_simulator_fails_with_the_install_hint(monkeypatch):
    monkeypatch.setattr(sim, "simulator_missing", lambda name: f"{name} not found: install it")
    monkeypatch.delenv("SPARQ_ALLOW_MISSING_TOOLS", raising=False)
    with pytest.raises(pytest.fail.Exception) as info:
        sim.require("icarus")
    assert str(info.value) == ("icarus not found: install it (set SPARQ_ALLOW_MISSING_TOOLS=1 to "
                               "skip instead)")
    monkeypatch.setenv("SPARQ_ALLOW_MISSING_TOOLS", "1")
    with pytest.raises(pytest.skip.Exception, match="skipped: SPARQ_ALLOW_MISSING_TOOLS is set"):
        sim.require("icarus")


@pytest.fixture(autouse=True)
def _not_in_the_summary(monkeypatch):
    # These runs fail on purpose: they must not count as failed runs of a `make sim` that
    # collects every run's record (SPARQ_SUMMARY_DIR).
    monkeypatch.delenv("SPARQ_SUMMARY_DIR", raising=False)


def test_a_test_without_its_record_fails_the_run():
    sim.require("icarus")
    build = sim.build("window", SparqConfig(), "icarus")
    # The well-behaved test alone passes ...
    (record,) = sim.run(build, "tb.bench.selfcheck", run_name="selfcheck-one",
                        testcase=["writes_record"], seed=1)
    assert record["passed"] and record["checked"] == 1
    # ... next to a test that wrote nothing, the run fails and says so.
    with pytest.raises(sim.SimulationFailed, match="2 cocotb tests ran but 1 records were written"):
        sim.run(build, "tb.bench.selfcheck", run_name="selfcheck-both", seed=1)


def test_summary_verdict():
    good = {"passed": True}
    assert summary.verdict([good], 0) == "PASS"
    assert summary.verdict([], 0) == "FAIL"                 # nothing simulated
    assert summary.verdict([good, {"passed": False}], 0) == "FAIL"
    assert summary.verdict([good], 1) == "FAIL"              # pytest itself failed


def test_make_sim_with_nothing_selected_exits_non_zero(tmp_path):
    sim.require("icarus")
    # Its own summary folder: a `make sim` running this test keeps its records.
    result = subprocess.run([sys.executable, "-m", "tb.summary", "--sim", "icarus", "--jobs", "0",
                             "--out", str(tmp_path), "-k", "no_test_has_this_name"],
                            capture_output=True, text=True, timeout=600, cwd=sim.ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 simulation runs [default set, make sim-all runs the rest, filtered by -k]: 0 passed, " \
           "0 failed" in result.stdout and ": FAIL" in result.stdout
    assert "nothing was simulated: FAIL" in result.stderr


def test_bench_sim_fails_when_nothing_was_benched(monkeypatch, capsys):
    from tb import speed
    monkeypatch.setattr(sim, "simulator_missing", lambda name: f"{name} not found: install it")
    monkeypatch.delenv("SPARQ_ALLOW_MISSING_TOOLS", raising=False)
    assert speed.main(["--sim", "icarus"]) == 1
    out, err = capsys.readouterr()
    assert "icarus: FAIL, icarus not found: install it" in out
    assert "FAIL: no bench ran" in err and out.rstrip().endswith("bench-sim: FAIL")
    # Allowed to skip, it still benched nothing: still a FAIL.
    monkeypatch.setenv("SPARQ_ALLOW_MISSING_TOOLS", "1")
    assert speed.main(["--sim", "icarus"]) == 1
    assert "icarus: skipped" in capsys.readouterr().out


def _deadlocking_files(config, burst):
    # The generated array, renamed, inside a wrapper of the generated name that refuses every
    # input transfer after the first tile's last one: the second tile is never accepted.
    from tb.harness.burst import burst_files
    from tb.harness.per_cycle import harness_files
    files = burst_files(config) if burst else harness_files(config)
    module = next(n for n in files if n.endswith(".v") and n.startswith("sparq_"))[:-2]
    text = files[f"{module}.v"]
    files[f"{module}.v"] = text.replace(f"module {module}(", f"module {module}_inner(", 1)
    ports = {p["name"]: p["width"] for p in json.loads(files[f"{module}.json"])["ports"]}
    files["deadlock.v"] = f"""\
module {module}(input clk, input rst,
  input [{ports['a__payload'] - 1}:0] a__payload, input a__valid, output a__ready,
  input [{ports['b__payload'] - 1}:0] b__payload, input b__valid, output b__ready,
  output [{ports['c__payload'] - 1}:0] c__payload, output c__valid, input c__ready,
  output err);
  reg stuck = 0;
  wire a_ready, b_ready;
  {module}_inner inner(.clk(clk), .rst(rst),
    .a__payload(a__payload), .a__valid(a__valid & !stuck), .a__ready(a_ready),
    .b__payload(b__payload), .b__valid(b__valid & !stuck), .b__ready(b_ready),
    .c__payload(c__payload), .c__valid(c__valid), .c__ready(c__ready), .err(err));
  assign a__ready = a_ready & !stuck;
  assign b__ready = b_ready & !stuck;
  always @(posedge clk)
    if (a__valid & a__ready & a__payload[{ports['a__payload'] - 1}]) stuck <= 1;
endmodule
"""
    return files


@pytest.mark.parametrize("burst", [False, True], ids=["per-cycle", "burst"])
def test_a_deadlocked_design_fails_the_bench(burst, tmp_path, monkeypatch, capsys):
    # The bench must not pass after a timeout: the tiles the design never accepted are missing
    # results, counted as mismatches, and the run fails (it used to log the timeout and pass).
    # The reason (a deadlock, the tiles never accepted) reaches the failure, the `make sim`
    # summary and `make bench-sim`, not only the log.
    from dataclasses import asdict
    from tb import array_runner, speed, tiles
    from tb.harness.burst import TOP as BURST_TOP
    from tb.harness.per_cycle import TOP
    sim.require("icarus")
    monkeypatch.setenv("SPARQ_SUMMARY_DIR", str(tmp_path))
    config = SparqConfig(rows=2, cols=2, max_k=8)
    built = sim.build_verilog(_deadlocking_files(config, burst), BURST_TOP if burst else TOP,
                              "icarus", f"deadlock-{'burst' if burst else 'cycle'}-"
                              f"{sim.config_key(config)}")
    build = sim.Build(**{**asdict(built), "config": config, "block": "array"})
    rng = np.random.default_rng(3)
    named = tiles.random_tiles(config, rng, 3)
    with pytest.raises(sim.SimulationFailed) as info:
        array_runner.run_array(config, "icarus", named, tests=("full_rate",), burst=burst,
                               build=build, seed=1, run_name=f"deadlock-{burst}")
    assert "mismatches" in str(info.value)
    reason = info.value.reason
    assert reason.startswith("full_rate: deadlock: no progress") or \
        reason.startswith("burst: deadlock: no progress"), reason
    assert re.search(r"; [23] of 3 tiles were never accepted", reason), reason
    # The summary record names the design and says why it failed.
    (record,) = summary.read_records(tmp_path)
    assert record["design"] == "array-sparq-b4-o5-ne-2x2-k8" and not record["passed"]
    assert record["reason"] == reason
    text = summary.format_summary([record], seconds=1, status=1, simulators=("icarus",), log="x")
    assert f"    why: {reason}" in text.splitlines()
    # make bench-sim: the bench ran and deadlocked; it does not say that no bench ran.
    monkeypatch.setattr(speed, "bench", lambda *args: (_ for _ in ()).throw(info.value))
    assert speed.main(["--sim", "icarus"]) == 1
    out, err = capsys.readouterr()
    assert f"FAIL: icarus burst: the bench ran and failed: {reason}" in err.splitlines()
    assert "no bench ran" not in err


def test_summary_names_each_run_by_its_design_untruncated():
    # The int8 PE with and without the split stage are two designs, named as such (they were
    # both "pe int8 b4 o5 nearest-even k33"); a long design name is printed whole.
    def build(block, config):
        return sim.Build("icarus", "top", sim.BUILD_ROOT, sim.BUILD_ROOT / "top.v", False, 0.0,
                         config, block)
    assert sim.design_of(build("pe", SparqConfig(datapath="int8", max_k=33))) == "pe-int8-k33"
    assert sim.design_of(build("pe", SparqConfig(datapath="int8", max_k=33, mul_pipe=True))) \
        == "pe-int8-k33-pipe"
    long = sim.design_of(build("dotprod", SparqConfig(
        options=3, rounding="truncate", rows=2, cols=3, pairs=2, max_k=22, mul_pipe=True,
        dsp_pack=True, skid=True, interface="axis")))
    assert long == "dotprod-sparq-b4-o3-tr-2x3p2-k22-pipe-pack-skid-axis" and len(long) > 46
    record = {"design": long, "what": "full_rate, stalled, 19 tiles", "sim": "verilator",
              "checked": 10, "macs": 0, "mismatches": 0, "build_seconds": 1.0,
              "sim_seconds": 2.0, "passed": True, "reason": ""}
    text = summary.format_summary([record], seconds=3, status=0, simulators=("verilator",),
                                  log="x")
    assert f"{long} verilator full_rate, stalled, 19 tiles" in text
    assert "why:" not in text


def test_default_set_exists():
    # Every node id of the default `make sim` set is a test pytest collects (a renamed test
    # would otherwise drop out of the set, or stop make sim with "not found").
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                             "-p", "no:cacheprovider", *summary.DEFAULT_SET],
                            capture_output=True, text=True, timeout=300, cwd=sim.ROOT,
                            env={**os.environ, "SPARQ_SIM": "icarus,verilator"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected == list(summary.DEFAULT_SET)
    assert summary.default_node_ids(("icarus",)) == [
        n for n in summary.DEFAULT_SET if not n.endswith("verilator]")]


def test_make_sim_prints_each_run_as_it_finishes(tmp_path):
    # The default set narrowed with -k (make sim K=...): the int8 PE and a GEMM on Icarus. Each
    # finished run is a line before the summary; the summary names designs, not "gemm gemm".
    sim.require("icarus")
    result = subprocess.run([sys.executable, "-m", "tb.summary", "--sim", "icarus", "--jobs", "0",
                             "--out", str(tmp_path), "-k", "int8-k33 or a4w8-3x2-k10-burst"],
                            capture_output=True, text=True, timeout=900, cwd=sim.ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("running [default set, make sim-all runs the rest, filtered by -k]")
    progress = [line for line in lines if line.startswith("[")]
    total = next(i for i, line in enumerate(lines) if " simulation runs [" in line)
    assert progress and all(lines.index(p) < total for p in progress)
    assert any(re.search(r"\] PASS pe-int8-k33 on icarus: \d+ tiles with bubbles and drain "
                         r"shifts; [\d,]+ checked, 0 bad", p) for p in progress), progress
    gemm = [line for line in lines if line.startswith("array-a4w8-3x2-k10 ")]
    assert gemm and all("GEMM 7x23 by 5x23, burst, part" in line for line in gemm)
    assert "gemm gemm" not in result.stdout
    assert lines[total].startswith(f"{len(progress)} simulation runs [default set, ")
