"""`make synth` answers in minutes and says what a run will cost: the plans, the estimate, the
progress output, and a real interrupt (SIGINT to the running command)."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth import cli
from synth.designs import DEFAULT_DESIGNS
from synth.flow import Source
from synth.plan import (TYPICAL_SECONDS, estimate, full_jobs, headline_jobs,
                        job_seconds)
from synth.progress import Progress, format_seconds
from synth.targets import DEFAULT_TARGETS, TARGETS

ROOT = Path(__file__).resolve().parents[2]


def test_headline_plan():
    jobs = headline_jobs()
    names = [d.name for d, _ in jobs]
    # 21 + 3 + 5 + 4 area and place-and-route designs; the standard-cell rows add the PEs of the
    # 3- and 2-bit windows and their naive baselines.
    assert len(names) == len(set(names)) == 21 + 3 + 5 + 4 + 4
    stc = {d.name: [t.name for t in ts] for d, ts in jobs
           if d.config.stc or d.name == "array-int8-2x4-k1152"}
    assert sorted(stc) == sorted(["pe-sparq-b4-o5-ne-k1152-stc", "pe-int8-k1152-stc",
                                  "array-sparq-b4-o5-ne-2x2-k1152-stc", "array-int8-2x2-k1152-stc",
                                  "array-int8-2x4-k1152"])
    jobs = [(d, ts) for d, ts in jobs if d.name not in stc]
    settings = ("sparq-b4-o5-ne", "sparq-b4-o3-ne", "sparq-b4-o2-ne", "int8", "a4w8")
    piped = ("sparq-b4-o5-ne", "int8", "a4w8")
    narrow = ("sparq-b3-o6-ne", "sparq-b2-o7-ne", "a3w8", "a2w8")
    asic = ["asic-osu018"]
    assert all(ts[-1:] == asic for ts in stc.values())
    pes = {d.name: [t.name for t in ts] for d, ts in jobs if d.block == "pe"}
    for s in narrow:
        assert pes.pop(f"pe-{s}-k1152") == asic + ["generic"]
    # Every PE datapath placed and routed; the split multiply stage for SPARQ 5opt and its
    # baselines.
    assert sorted(pes) == sorted([f"pe-{s}-k1152" for s in settings]
                                 + [f"pe-{s}-k1152-pipe" for s in piped])
    area = ["generic", "ice40", "ecp5-nodsp"]
    pnr = ["ice40-pnr", "ecp5-nodsp-pnr"]
    dsp = ["ecp5", "xc7", "ice40-dsp"]
    for name, ts in pes.items():
        if name.endswith("-pipe"):
            assert ts == area + pnr + asic, name
        else:
            with_dsp = name in ("pe-sparq-b4-o5-ne-k1152", "pe-int8-k1152")
            assert ts == area + ["xc7-nodsp"] + pnr + (dsp if with_dsp else []) + asic, name
    arrays = {d.name: [t.name for t in ts] for d, ts in jobs if d.block == "array"}
    assert {d.variant for d, _ in jobs if d.block == "array"} == set(settings) | {
        "sparq-b4-o5-ne-pipe", "int8-pipe"}
    assert {(d.config.rows, d.config.cols) for d, _ in jobs if d.block == "array"} == {(2, 2)}
    assert arrays["array-int8-2x2-k1152"] == area + pnr + dsp + asic
    assert arrays["array-a4w8-2x2-k1152"] == area + pnr + asic
    assert arrays["array-sparq-b4-o3-ne-2x2-k1152"] == area
    assert arrays["array-int8-2x2-k1152-pipe"] == area + pnr
    dots = {d.name: [t.name for t in ts] for d, ts in jobs if d.block == "dotprod"}
    # The 2x2p2 units of SPARQ 5opt, int8 and a4w8, one-stage and split, placed and routed; the
    # packed SPARQ unit on the area targets and, with the one-stage SPARQ and int8 units, with
    # DSPs allowed.
    assert dots == {**{f"dotprod-{s}-2x2p2-k1152{p}": area + pnr for s in piped
                       for p in ("", "-pipe")},
                    "dotprod-sparq-b4-o5-ne-2x2p2-k1152": area + pnr + dsp,
                    "dotprod-int8-2x2p2-k1152": area + pnr + dsp,
                    "dotprod-sparq-b4-o5-ne-2x2p2-k1152-pack": area + dsp}
    assert sum(len(ts) for _, ts in jobs) == (6 * 3 + (5 * 6 + 2 * 3) + 3 * 5 + (2 * 3 + 5 + 2 * 8)
                                              + 2 * 5 + 3 * 5 + 3 * 5 + 2 * 3 + 2 * 3
                                              + 4 * 2 + 5 + 3 + 3)
    assert sum(len(ts) for ts in stc.values()) == 2 * 5 + 3 * 3 + 5
    # The full set is every default design on every default target.
    assert len(full_jobs()) == len(DEFAULT_DESIGNS)
    assert all([t.name for t in ts] == list(DEFAULT_TARGETS) for _, ts in full_jobs())


def _source(name, block, **info):
    return Source(name, "dut", "", {"name": name, "block": block, **info})


def test_estimate_from_stored_timings_and_the_table(tmp_path):
    pe, arr = _source("pe-x", "pe"), _source("array-x", "array", rows=4, cols=4)
    jobs = [(pe, TARGETS["ice40"]), (arr, TARGETS["generic"]), (pe, TARGETS["generic"])]
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "pe-x.generic.json").write_text(json.dumps({"seconds": 3.5, "key": "k"}))
    table = job_seconds(jobs, tmp_path)
    assert table == [TYPICAL_SECONDS["pe"]["ice40"], 16 * TYPICAL_SECONDS["pe"]["generic"], 3.5]
    # A stored result with the key the run would carry is reused: no time.
    reused = job_seconds(jobs, tmp_path, keys={2: "k"})
    assert reused[2] == 0.0
    runs, n_reused, wall = estimate(reused, workers=2)
    assert (runs, n_reused) == (3, 1) and wall == pytest.approx(sum(reused) / 2)


def test_progress_lines_and_live_mode():
    out = io.StringIO()
    p = Progress([10, 10, 20], workers=2, stream=out, live=False)
    p.started(0, "a / generic")
    p.finished(0, "a / generic", "luts=3 (1 s)")
    p.started(1, "b / generic")
    p.finished(1, "b / generic", "FAILED", failed=True)
    p.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/3] a / generic: luts=3 (1 s); done 1, running 0, failed 0, "
                               "left 2; elapsed 0:00, about ")
    assert lines[1].startswith("[2/3] b / generic: FAILED; done 2, running 0, failed 1, left 1")
    assert "\r" not in out.getvalue()
    live = io.StringIO()
    p = Progress([10], workers=1, stream=live, live=True)
    p.started(0, "c / ice40")
    time.sleep(1.3)                        # one redraw of the live line
    p.finished(0, "c / ice40", "luts=1 (1 s)")
    p.close()
    text = live.getvalue()
    assert "\r\033[K[0/1] done 0, running 1, failed 0, left 0" in text
    assert "running: c / ice40" in text
    assert "[1/1] c / ice40: luts=1 (1 s); done 1" in text
    assert format_seconds(3725) == "1:02:05" and format_seconds(61) == "1:01"


def test_plain_progress_of_a_real_run(tmp_path, capsys):
    out = tmp_path / "out"
    status = cli.main(["--designs", "window-sparq-b4-o2-tr", "window-sparq-b4-o3-tr",
                       "--targets", "generic", "-d", str(out)])
    err = capsys.readouterr().err.splitlines()
    assert status == 0
    assert err[0].startswith("2 tool runs (0 reused from ") and " on 2 workers" in err[0]
    # What it starts, and how to stop it.
    assert err[0].endswith(" on 2 workers; Ctrl-C stops them, keeping the finished runs")
    done = [line for line in err if line.startswith("[")]
    assert [line[:5] for line in done] == ["[1/2]", "[2/2]"]
    assert all("transistors=" in line and "elapsed" in line for line in done)
    # A second run reuses both and says so before it starts.
    cli.main(["--designs", "window-sparq-b4-o2-tr", "window-sparq-b4-o3-tr", "--targets",
              "generic", "-d", str(out)])
    again = capsys.readouterr().err.splitlines()
    assert again[0].startswith("2 tool runs (2 reused from ") and "about 0:00" in again[0]
    assert all("(reused)" in line for line in again if line.startswith("["))


def _sigint_as_at_a_terminal():
    # A command started at a terminal takes SIGINT. Under `make test &` (a background job of a
    # shell without job control) SIGINT is ignored, the child would inherit that, Python would
    # install no KeyboardInterrupt handler, and the interrupt under test would never arrive.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_keeps_finished_results_and_writes_an_incomplete_report(tmp_path):
    # Three PEs one after another; SIGINT once the first result is stored, while the second runs.
    # Sent as Ctrl-C at a terminal sends it: to the whole process group, the Dask workers too,
    # which must not print anything (they used to die with a traceback each).
    out = tmp_path / "out"
    designs = ["pe-int8-k1152", "pe-a4w8-k1152", "pe-sparq-b4-o5-ne-k1152"]
    proc = subprocess.Popen([sys.executable, "-m", "synth", "--designs", *designs,
                             "--targets", "generic", "--jobs", "1", "-d", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_sigint_as_at_a_terminal)
    deadline = time.monotonic() + 300
    while not list((out / "json").glob("*.json")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    # Only the command's own lines: the plan, the cluster, the finished run, the one error.
    expected = re.compile(r"\d+ tool runs \(|dask: local cluster|\[1/3\] |sparq-rtl: error: ")
    assert all(expected.match(line) for line in stderr.splitlines()), stderr
    errors = [line for line in stderr.splitlines() if line.startswith("sparq-rtl: error:")]
    assert len(errors) == 1 and errors[0].startswith("sparq-rtl: error: interrupted: running "
                                                     "tools stopped; 1 of 3 runs finished")
    # A selection's report of its own (report-<hash>.md): no headline report.md is written.
    (written,) = out.glob("report-*.md")
    stem = written.stem
    assert errors[0].endswith(f"{written} is marked INCOMPLETE")
    assert not (out / "report.md").exists()
    kept = sorted(p.name for p in (out / "json").glob("*.json"))
    assert len(kept) == 1
    report = (out / f"{stem}.md").read_text()
    assert report.startswith("# Synthesis report (INCOMPLETE: interrupted, 2 runs missing)")
    index = json.loads((out / f"{stem}.json").read_text())
    assert index["complete"] is False and len(index["missing"]) == 2
    assert index["results"] == [f"json/{kept[0]}"]
    # The kept result is reused by the next run (the cache survived the interrupt).
    first = kept[0].rsplit(".generic.json", 1)[0]
    rerun = subprocess.run([sys.executable, "-m", "synth", "--designs", first, "--targets",
                            "generic", "-d", str(out)], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0 and "1 tool runs (1 reused" in rerun.stderr

