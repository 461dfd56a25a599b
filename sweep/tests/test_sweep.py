"""Sweeps on a 2-worker local cluster with real tools (generic synthesis of window selectors,
seconds each): a tiny sweep, a rerun that runs nothing, a killed sweep that resumes, a failed
task recorded and run again with --retry, and the command's one-line errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import ResultStore
from engine.tests.cluster import client  # noqa: F401  (the fixture)
from hdl import cli as hdl_cli
from sweep.run import run_sweep
from sweep.spec import from_dict
from sweep.table import rows

WINDOWS = ["window-sparq-b4-o2-ne", "window-sparq-b4-o2-tr"]


def _tiny(designs=WINDOWS):
    return from_dict({"hardware": {"designs": list(designs)},
                      "synthesis": {"targets": ["generic"]}, "evaluation": {"networks": []}})


def _toml(path, designs=WINDOWS):
    path.write_text("[hardware]\ndesigns = [" + ", ".join(f'"{d}"' for d in designs) + "]\n"
                    '[synthesis]\ntargets = ["generic"]\n[evaluation]\nnetworks = []\n')
    return path


def test_tiny_sweep_then_rerun_runs_nothing(tmp_path, client, capsys):
    out = tmp_path / "out"
    first = run_sweep(_tiny(), out=out, client=client)
    # Two generations and two synthesis runs, each on a worker, each stored.
    assert (len(first.ran), len(first.reused), first.failed) == (4, 0, [])
    table = rows(first)
    assert [(r["design"], r["target"], r["status"]) for r in table] == [
        (d, "generic", "ok") for d in WINDOWS]
    assert all(r["transistors"] > 0 and r["ffs"] == 0 for r in table)
    assert len(ResultStore(out).keys()) == 4
    second = run_sweep(_tiny(), out=out, client=client)
    assert (second.ran, len(second.reused)) == ([], 4)
    assert rows(second) == table
    err = capsys.readouterr().err
    assert "generate and evaluate: 2 tasks, 2 reused from the store" in err


def test_killed_sweep_resumes(tmp_path, client):
    # The command runs in its own process group and is killed (SIGKILL, with its local cluster)
    # once some synthesis results are stored; the rerun runs exactly the tasks without a record.
    designs = [f"window-sparq-b4-o{o}-{r}" for o in (5, 3, 2) for r in ("ne", "tr")]
    sweep_file = _toml(tmp_path / "s.toml", designs)
    out = tmp_path / "out"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "sparq-rtl"), "sweep",
                             str(sweep_file), "-d", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    store = ResultStore(out)
    deadline = time.time() + 300
    try:
        while time.time() < deadline and proc.poll() is None:
            synth = [k for k in store.keys() if store.get(k)["name"].startswith("synth/")]
            if synth:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    stored = set(store.keys())
    total = 2 * len(designs)
    assert 0 < len(stored) < total, "the kill must come mid-sweep"
    again = run_sweep(_tiny(designs), out=out, client=client)
    assert sorted(again.ran) == sorted(set(again.records) - stored)
    assert set(again.reused) == stored and again.failed == []
    assert len(again.records) == total


def _run_cli(args, capsys):
    status = hdl_cli.main(["sweep", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_failed_task_is_reported_and_retried(tmp_path, client, capsys):
    out = tmp_path / "out"
    sweep_file = _toml(tmp_path / "s.toml")
    done = run_sweep(_tiny(), out=out, client=client)
    # One synthesis task as the engine records a failure.
    store = ResultStore(out)
    key = next(k for k in done.records if done.records[k]["name"].startswith("synth/"))
    record = dict(store.get(key), status="failed", result=None, error="yosys failed with exit "
                  "code 1", error_type="ToolError", log="ERROR: syntax error")
    store.put(record)
    status, stdout, err = _run_cli([str(sweep_file), "-d", str(out)], capsys)
    assert status == 1
    assert err.splitlines()[-1] == (
        f"sparq-rtl: error: 1 of 4 tasks failed (listed in {out / 'sweep.md'}, logs in "
        f"{out / 'sweep.json'}); `--retry` runs them again")
    assert "4 tasks: 0 run, 4 reused, 1 failed" in err
    report = (out / "sweep.md").read_text()
    assert report.startswith("# Sweep s (INCOMPLETE: some tasks failed)")
    assert f"- {record['name']}: yosys failed with exit code 1" in report
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["complete"] is False and doc["failures"][0]["log"] == "ERROR: syntax error"
    assert [r["status"] for r in doc["points"]].count("failed") == 1
    # --retry runs that task (and only it) again.
    status, stdout, err = _run_cli([str(sweep_file), "-d", str(out), "--retry", "--workers", "1"],
                                   capsys)
    assert status == 0, err
    assert "4 tasks: 1 run, 3 reused, 0 failed" in err
    assert store.get(key)["status"] == "ok"
    assert stdout.splitlines() == [str(out / n) for n in ("sweep.csv", "sweep.json", "sweep.md")]
    csv = (out / "sweep.csv").read_text().splitlines()
    assert len(csv) == 3 and csv[0].startswith("design,block,scale,setting,")


@pytest.mark.parametrize("text, message", [
    ("[hardware]\noptions = [5, 3\n", "sweep file '{f}': not valid TOML: "),
    ("[hardware]\noption = [5]\n", "sweep file '{f}': unknown field 'hardware.option' (known in "
                                   "[hardware]: "),
    ("[synthesis]\ntargets = [\"ice41\"]\n", "sweep file '{f}': synthesis.targets: unknown "
                                             "target 'ice41'"),
])
def test_bad_sweep_file_is_one_line(tmp_path, capsys, text, message):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    out = tmp_path / "out"
    status, stdout, err = _run_cli([str(f), "-d", str(out)], capsys)
    assert (status, stdout) == (2, "")
    assert err.startswith("sparq-rtl: error: " + message.format(f=f)) and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--jobs must be at least 1, not 0"),
    (["--scheduler", "localhost:8786"],
     "--scheduler must be an address like tcp://HOST:PORT, not 'localhost:8786'"),
    (["--scheduler", "tcp://h:1", "--workers", "2"],
     "--jobs applies to the local cluster only, not with --scheduler"),
    (["--options", "7"], "hardware.bits/options/rounding (bits=4, options=7, "),
    (["--pnr-seeds", "x"], "argument --pnr-seeds: invalid int value: 'x'"),
    (["--target", "generic"], "unrecognized arguments: --target\n"),
])
def test_bad_option_is_one_line(tmp_path, capsys, args, message):
    status, stdout, err = _run_cli([*args, "-d", str(tmp_path / "out")], capsys)
    assert (status, stdout) == (2, "")
    assert err.startswith("sparq-rtl: error: " + message) and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_unwritable_output_or_scheduler_is_one_line(monkeypatch, tmp_path, capsys):
    # Nothing listens on port 9: a short connect timeout is as good a test as the default.
    monkeypatch.setattr("engine.run.CONNECT_TIMEOUT", "1s")
    (tmp_path / "FILE").write_text("")
    status, stdout, err = _run_cli(["--designs", WINDOWS[0], "--targets", "generic",
                                    "--networks", "-d", str(tmp_path / "FILE")], capsys)
    assert (status, stdout) == (1, "")
    assert err == (f"sparq-rtl: error: output folder '{tmp_path / 'FILE'}' cannot be written: it "
                   f"is not a directory\n")
    status, stdout, err = _run_cli(["--designs", WINDOWS[0], "--targets", "generic",
                                    "--scheduler", "tcp://127.0.0.1:9",
                                    "-d", str(tmp_path / "out")], capsys)
    assert (status, stdout) == (1, "")
    assert err.splitlines()[-1].startswith(
        "sparq-rtl: error: scheduler 'tcp://127.0.0.1:9' cannot be reached: ")


def test_list_runs_nothing(tmp_path, capsys):
    status, stdout, err = _run_cli(["--blocks", "pe", "--options", "5", "--targets",
                                    "generic,ice40-pnr", "--pnr-seeds", "1", "2", "--list",
                                    "-d", str(tmp_path / "out")], capsys)
    assert (status, err) == (0, "")
    assert stdout.splitlines()[0] == ("sweep sweep: 3 designs, 2 targets, 9 points; evaluation: "
                                      "digits x 1 seeds x 3 settings")
    assert "  pe-int8-k1152 / ice40-pnr / seed 2" in stdout
    assert not (tmp_path / "out").exists()


def test_bare_command_shows_usage_and_runs_nothing(tmp_path, capsys, monkeypatch):
    # A whole default sweep is a long run: without a file or an option that makes a sweep, the
    # help and one error line, status 2.
    monkeypatch.chdir(tmp_path)
    for argv in ([], ["--list"], ["-d", "out"], ["--jobs", "2"], ["--name", "x"],
                 ["--no-baselines"]):
        status, stdout, err = _run_cli(argv, capsys)
        assert (status, stdout) == (2, ""), argv
        assert err.startswith("usage: sparq-rtl sweep [-h]"), argv
        assert err.splitlines()[-1] == (
            "sparq-rtl: error: no sweep given: name a sweep file (make sweep runs "
            "examples/sweep-small.toml) or the options that make one, e.g. --blocks pe "
            "--options 5 3; --list shows the points without running")
    assert list(tmp_path.iterdir()) == []


def test_every_field_has_an_option(tmp_path, capsys):
    from sweep.cli import OPTIONS, SCALARS
    from sweep.spec import FIELDS
    fields = {f"{t}.{n}" for t, names in FIELDS.items() for n in names}
    options = {f for f, _ in OPTIONS.values()} | set(SCALARS.values()) | {"sweep.output"}
    assert options == fields
    # The options that were missing, at work: name, pairs, baselines.
    status, stdout, err = _run_cli(["--name", "mine", "--blocks", "dotprod", "--pairs", "2",
                                    "--sizes", "2x2", "--no-baselines", "--list"], capsys)
    assert (status, err) == (0, "")
    assert stdout.splitlines() == [
        "sweep mine: 1 designs, 1 targets, 1 points; evaluation: digits x 1 seeds x 1 settings",
        "  dotprod-sparq-b4-o5-ne-2x2p2-k1152 / generic"]
    status, stdout, err = _run_cli(["--blocks", "pe", "--baselines", "--list"], capsys)
    assert (status, err) == (0, "")
    assert stdout.splitlines()[0].startswith("sweep sweep: 3 designs")


def test_older_spellings_work_with_a_warning(tmp_path, capsys):
    # -o DIR (now -d: -o names a file, as in `sparq-rtl verilog`), --seeds (now --pnr-seeds,
    # beside --eval-seeds), --workers (the same option as --jobs, no warning).
    status, stdout, err = _run_cli(["--blocks", "pe", "--options", "5", "--targets", "ice40-pnr",
                                    "--seeds", "4", "5", "--workers", "1", "-o",
                                    str(tmp_path / "out"), "--list"], capsys)
    assert status == 0
    assert "  pe-int8-k1152 / ice40-pnr / seed 5" in stdout
    assert err == ("sparq-rtl: warning: --seeds is an older spelling here; use --pnr-seeds\n"
                   "sparq-rtl: warning: -o is an older spelling here; use -d/--output-dir (-o "
                   "names a file, as in sparq-rtl verilog -o FILE.v)\n")


@pytest.mark.slow
def test_sweep_with_evaluation(tmp_path, client):
    # Training and evaluation as tasks: the sweep's figures are those of a direct evaluation of
    # the same trained network in this process; the chart is drawn from them.
    from evaluation import digits
    from evaluation.evaluate import evaluate_model
    from sweep.charts import plot
    from sweep.table import designs
    sweep = from_dict({"hardware": {"settings": ["sparq-b4-o2-ne"]},
                       "synthesis": {"targets": ["generic"]}, "evaluation": {"seeds": [0]}})
    out = tmp_path / "out"
    run = run_sweep(sweep, out=out, client=client)
    assert run.failed == [] and len(run.records) == 3 + 1 + 3 + 3
    model, info = digits.load_or_train(0, cache_dir=out / "models", log=lambda text: None)
    x_tr, y_tr, x_te, y_te = digits.load_split(0, info["recipe"]["test_fraction"])
    report = evaluate_model(model, digits.loaders(x_tr, y_tr), digits.loaders(x_te, y_te),
                            settings=["sparq-b4-o2-ne", "a4w8"])
    table = {r["design"]: r for r in rows(run)}
    r = table["pe-sparq-b4-o2-ne-k1152"]
    assert r["digits_accuracy_mean"] == 100 * report.accuracy("sparq-b4-o2-ne")
    assert r["digits_accuracy_int8_mean"] == 100 * report.accuracy("int8")
    for layer in ("conv2", "conv3", "conv4"):
        assert r[f"digits_sqnr_db_{layer}"] == report.sqnr("sparq-b4-o2-ne", layer)
    assert table["pe-a4w8-k1152"]["digits_accuracy_mean"] == 100 * report.accuracy("a4w8")
    assert plot(run, designs(run, rows(run)), out / "pareto.png").stat().st_size > 10000


def test_existing_scheduler(tmp_path, client, capsys):
    # --scheduler: the tasks run on the workers of a cluster started elsewhere (here the test's).
    address = client.scheduler.address
    status, stdout, err = _run_cli([str(_toml(tmp_path / "s.toml")), "-d", str(tmp_path / "out"),
                                    "--scheduler", address], capsys)
    assert status == 0, err
    assert f"dask: scheduler {address}, 2 workers now; " in err
    assert "4 tasks: 4 run, 0 reused, 0 failed" in err


def test_interrupt_is_one_line(tmp_path, capsys, monkeypatch):
    from engine.run import EngineInterrupted, Outcome
    import sweep.run

    def interrupted(*args, **kwargs):
        raise EngineInterrupted(Outcome(ran=["a", "b"]))
    monkeypatch.setattr(sweep.run, "run_sweep", interrupted)
    status, stdout, err = _run_cli(["--designs", WINDOWS[0], "--networks",
                                    "-d", str(tmp_path / "out")], capsys)
    assert (status, stdout) == (130, "")
    assert err == ("sparq-rtl: error: interrupted: 2 tasks of this phase finished and are "
                   "stored; run the same command again to resume\n")


def test_unknown_network_in_a_task():
    from sweep.tasks import train_key
    with pytest.raises(ValueError, match=r"^unknown network 'resnet'$"):
        train_key("resnet", 0)


def test_bench_arguments(tmp_path, capsys):
    from sweep import bench
    from synth.designs import TOP
    from synth.flow import Source
    from synth.targets import TARGETS
    assert bench.main(["--workers", "1"]) == 2
    assert capsys.readouterr().err == "error: --workers must be at least 2, not 1\n"
    src = Source("x", TOP, "module dut(); endmodule\n", {"name": "x"})
    with pytest.raises(ValueError, match=r"^two of the benchmark's designs have the same "
                                         r"Verilog: each task must be a distinct tool run$"):
        bench._one([(src, TARGETS["generic"]), (src, TARGETS["generic"])], 1, tmp_path)


def test_fashion_tasks_train_and_evaluate_on_the_given_data(tmp_path):
    # The sweep's fashion network: its train and evaluate tasks read the folder and test count
    # of the sweep (here a small made-up set), and give the figures of a direct evaluation.
    from evaluation import fashion
    from evaluation.seed_run import run_seed
    from evaluation.tests.test_eval_fashion import fake_dataset
    from sweep import tasks as T
    folder = fake_dataset(tmp_path / "d")
    sweep = from_dict({"hardware": {"settings": ["sparq-b4-o5-ne"]},
                       "evaluation": {"networks": ["fashion"], "fashion_dir": str(folder),
                                      "fashion_test": 12}})
    data = sweep.network_data("fashion")
    assert data == {"fashion_dir": str(folder), "fashion_test": 12}
    assert sweep.network_data("digits") == {}
    assert T.evaluate_key("fashion", 0, "a4w8", data) != T.evaluate_key(
        "fashion", 0, "a4w8", dict(data, fashion_test=13))
    models = tmp_path / "models"
    trained = T.train(tmp_path, "fashion", 0, models, data)
    assert trained["info"]["recipe"] == fashion.RECIPE and trained["info"]["n_test"] == 20
    got = T.evaluate(tmp_path, "fashion", 0, "a4w8", models, data)
    report, _ = run_seed("fashion", 0, settings=["a4w8"], out=models, fashion_dir=str(folder),
                         fashion_test=12, log=lambda text: None)
    assert got["n_test"] == 12 and got["accuracy"] == 100 * report.accuracy("a4w8")
    assert got["accuracy_int8"] == 100 * report.accuracy("int8")
    assert got["sqnr_db"] == {l.name: report.sqnr("a4w8", l.name) for l in report.layers}
    from evaluation.costs import layer_costs
    macs = {c["name"]: c["macs"] for c in layer_costs(report.layers)}
    counts = report.layer_counts()
    # the zero fraction of the layer inputs under int8, weighted by each layer's MACs
    weighted = sum(counts[n].zero_fraction * m for n, m in macs.items()) / sum(macs.values())
    assert 0 < got["zero_fraction"] < 1 and got["zero_fraction"] == pytest.approx(weighted)
