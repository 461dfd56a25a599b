"""A run passes only if everything it claims was compared was compared: injected failures.

- a missing simulator fails the test with its install hint (skips only with
  SPARQ_ALLOW_MISSING_TOOLS=1);
- a cocotb test that writes no record fails the run, even when another test wrote one;
- ``make sim``'s summary exits non-zero when nothing was simulated and when a run failed.
"""

import subprocess
import sys

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


def test_a_test_without_its_record_fails_the_run():
    sim.require("icarus")
    build = sim.build("window", SparqConfig(), "icarus")
    # The well-behaved test alone passes ...
    (record,) = sim.run(build, "tb.selfcheck_tests", run_name="selfcheck-one",
                        testcase=["writes_record"], seed=1)
    assert record["passed"] and record["checked"] == 1
    # ... next to a test that wrote nothing, the run fails and says so.
    with pytest.raises(sim.SimulationFailed, match="2 cocotb tests ran but 1 records were written"):
        sim.run(build, "tb.selfcheck_tests", run_name="selfcheck-both", seed=1)


def test_summary_verdict():
    good = {"passed": True}
    assert summary.verdict([good], 0) == "PASS"
    assert summary.verdict([], 0) == "FAIL"                 # nothing simulated
    assert summary.verdict([good, {"passed": False}], 0) == "FAIL"
    assert summary.verdict([good], 1) == "FAIL"              # pytest itself failed


def test_make_sim_with_nothing_selected_exits_non_zero():
    sim.require("icarus")
    result = subprocess.run([sys.executable, "-m", "tb.summary", "--sim", "icarus", "--jobs", "0",
                             "-k", "no_test_has_this_name"], capture_output=True, text=True,
                            timeout=600, cwd=sim.ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 simulation runs: 0 passed, 0 failed" in result.stdout and ": FAIL" in result.stdout
    assert "nothing was simulated: FAIL" in result.stderr


def test_bench_sim_fails_when_nothing_was_benched(monkeypatch, capsys):
    from tb import bench
    monkeypatch.setattr(sim, "simulator_missing", lambda name: f"{name} not found: install it")
    monkeypatch.delenv("SPARQ_ALLOW_MISSING_TOOLS", raising=False)
    assert bench.main(["--sim", "icarus"]) == 1
    out, err = capsys.readouterr()
    assert "icarus: FAIL, icarus not found: install it" in out
    assert "FAIL: no bench ran" in err and out.rstrip().endswith("bench-sim: FAIL")
    # Allowed to skip, it still benched nothing: still a FAIL.
    monkeypatch.setenv("SPARQ_ALLOW_MISSING_TOOLS", "1")
    assert bench.main(["--sim", "icarus"]) == 1
    assert "icarus: skipped" in capsys.readouterr().out
