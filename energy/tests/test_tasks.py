"""``sparq-rtl energy`` on the task engine: the figures equal those of the same runs made one
after the other in this process, a rerun reuses every stored result, progress lines name each
task, and Ctrl-C (SIGINT to the process group, as at a terminal) keeps the finished runs.

Tiny runs on the OSU 0.18 um cells (``make cells-osu018``): the a4w8 PE (the smallest), 16 pairs,
zero-delay; the interrupt test maps int8 too."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from energy import workload
from energy.liberty import read_liberty
from energy.model import PricingOptions
from energy.run import measure
from hdl import cli as hdl_cli
from hdl.config import SparqConfig
from synth import cells

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--pairs", "16", "--k", "8", "--mode", "zero-delay"]


def _mapped_from_work(out, config):
    # The engine's own netlist of the design (its map task's files), for the runs made here.
    from energy.netgraph import netlist_from_json
    from energy.run import MappedDesign
    from hdl import generate
    name = generate.default_name("pe", config)
    work = out / "work" / f"pe-{config.datapath}"
    netlist = netlist_from_json(json.loads((work / "read" / "netlist.json").read_text()), name)
    return MappedDesign("pe", config, name, work / "map" / "netlist.v", netlist, {}, "")


def test_engine_figures_equal_in_process_runs_and_reruns_reuse_them(tmp_path, capsys):
    # One PE: the headline run, a sweep point and a stall check on the engine; the same runs in
    # this process on the engine's netlist; a rerun; then a network archive into the same
    # folder, which reuses the mapping.
    from energy.tests.test_operands import write_archive
    out = tmp_path / "out"
    argv = ["energy", "--datapaths", "a4w8", *SMALL, "--sweep", "0.9", "--stall", "0.3",
            "--jobs", "2", "-d", str(out)]
    assert hdl_cli.main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    lines = [line for line in err if line.startswith("[")]
    # The mapping, the run, the sweep point and the stall check, each reported once.
    assert len(lines) == 4 and lines[-1].startswith("[4/4] ")
    assert sum("cells (" in line for line in lines) == 1
    assert sum(" pJ/MAC (" in line for line in lines) == 2
    assert sum("stall check passed" in line for line in lines) == 1
    doc = json.loads((out / "energy.json").read_text())
    (run,), (point,), (check,) = doc["runs"], doc["sweep"], doc["stall_checks"]
    assert (run["datapath"], point["workload"]["zero_fraction"]) == ("a4w8", 0.9)
    # The same runs without the engine: every figure equal, bit for bit.
    library = cells.osu018()
    lib = read_liberty(library.liberty)
    options = PricingOptions(period_ns=20.0)
    config = SparqConfig(datapath="a4w8")
    mapped = _mapped_from_work(out, config)
    for record, zeros in ((run, 0.5), (point, 0.9)):
        work = workload.synthetic(config, pairs=16, k=8, zero_fraction=zeros, seed=1)
        ref = measure(mapped, lib, library, work, tmp_path / "seq" / str(zeros),
                      mode="zero-delay", options=options)
        for key in ("energy", "pj_per_mac", "pj_per_cycle", "cycles", "macs",
                    "zero_fraction_measured", "tiles_checked"):
            assert record[key] == ref[key], (zeros, key)
    # The stall check's unstalled run is the headline run.
    assert check["stall"]["bubbles"] > 0
    assert check["unstalled"]["energy"] == run["energy"]
    assert check["check"]["unstalled_pj_per_mac"] == run["pj_per_mac"]
    report = (out / "energy.md").read_text()
    assert "## Stall independence" in report
    # The logic split (energy.model.logic_groups) covers the combinational energy: the PE's
    # multiply stage feeds the slot product registers, its adders the accumulator.
    logic = run["energy"]["logic_pj"]
    assert sum(logic.values()) == pytest.approx(run["energy"]["combinational_pj"], rel=1e-12)
    assert "slot_product" in logic and any("acc" in label.split("+") for label in logic)
    assert report.split("## Logic")[1].split("\n## ")[0].count("\n- a4w8: ") == 1
    # A rerun runs nothing: every task reused, the same report byte for byte.
    assert hdl_cli.main(argv) == 0
    again = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert len(again) == 4 and all("(reused)" in line for line in again)
    assert (out / "energy.md").read_text() == report
    assert json.loads((out / "energy.json").read_text())["runs_reused"] == 3
    # The layers of a network's archive: the mapping is reused, each layer measured.
    write_archive(tmp_path / "net.npz")
    assert hdl_cli.main(["energy", "--datapaths", "a4w8", "--workload", "operands",
                         "--operands", str(tmp_path / "net.npz"), "--pairs", "8", "--mode",
                         "zero-delay", "-d", str(out)]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert len(lines) == 3 and sum("cells (reused)" in line for line in lines) == 1
    doc = json.loads((out / "energy.json").read_text())
    assert [r["workload"]["layer_name"] for r in doc["runs"]] == ["layer0", "layer1"]
    want = sum(r["pj_per_mac"] * r["workload"]["macs_per_inference"] for r in doc["runs"])
    assert doc["per_inference"]["a4w8"]["pj"] == want
    report = (out / "energy.md").read_text()
    assert "## Energy per inference" in report
    # The logic of a network's layers is summed per datapath.
    assert report.split("## Logic")[1].split("\n## ")[0].count("\n- a4w8 (2 runs): ") == 1


def test_bad_jobs_and_scheduler_are_one_named_line(tmp_path, capsys):
    for args, message in ((["--jobs", "0"], "--jobs must be at least 1, not 0"),
                          (["--scheduler", "host:1"],
                           "--scheduler must be an address like tcp://HOST:PORT, not 'host:1'")):
        status = hdl_cli.main(["energy", *args, "-d", str(tmp_path / "o")])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2 and err == [f"sparq-rtl: error: {message}"]
        assert not (tmp_path / "o").exists()


def _sigint_as_at_a_terminal():
    # As in synth/tests/test_progress.py: a background `make test &` ignores SIGINT, which the
    # child would inherit.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _measured(out):
    # Names of the stored measurement records (a map task's name has no '/').
    names = []
    for path in (out / "tasks").glob("*/*.json"):
        try:
            record = json.loads(path.read_text())
        except ValueError:
            continue
        if "/" in record["name"] and record["status"] == "ok":
            names.append(record["name"])
    return names


@pytest.mark.slow(reason="a Dask cluster and two gate-level mappings in a child process; make test "
                         "keeps the engine's interrupt path in synth/tests/test_progress.py "
                         "(test_sigint_keeps_finished_results_and_writes_an_incomplete_report) and "
                         "the energy engine's runs and reuse in test_engine_figures_equal_...")
def test_sigint_keeps_finished_runs_for_a_rerun(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "energy", "--datapaths", "a4w8,int8", *SMALL, "--jobs",
           "1", "-d", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=_sigint_as_at_a_terminal)
    deadline = time.monotonic() + 300
    while not _measured(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("sparq-rtl: error:")]
    assert len(errors) == 1 and errors[0].startswith("sparq-rtl: error: interrupted: running "
                                                     "simulations stopped; ")
    assert errors[0].endswith(f"kept in {out / 'tasks'} for a rerun; no report written")
    assert not (out / "energy.json").exists()
    # Only the command's own lines: the cluster, finished tasks, the one error.
    assert all(line.startswith(("dask: local cluster", "[", "sparq-rtl: error: "))
               for line in stderr.splitlines()), stderr
    kept = _measured(out)
    assert kept and f"{len(kept)} of 2 runs finished" in errors[0]
    datapath = kept[0].split("/")[0].split("-")[1]
    rerun = subprocess.run([*cmd[:4], datapath, *cmd[5:]], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    lines = [line for line in rerun.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 2 and all("(reused)" in line for line in lines)
