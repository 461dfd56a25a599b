"""``sparq-rtl sweep --estimate --confirm``: the estimated front, and only it, measured by the real
synthesis flow, with predicted against measured and the front's ordering checked."""

import csv
import json
import re

import pytest

from hdl import cli as hdl_cli
from sweep.confirm import compare
from sweep.estimated import Front
from synth.flow import result_path


def _front(best, clock="asic-osu018"):
    return Front("asic-osu018" if clock == "asic-osu018" else "ice40",
                 "area" if clock == "asic-osu018" else "luts", "um2", clock, list(best), list(best),
                 {d: g / m * 1e3 for (_, g, d), m in zip(best, (2, 4, 8))},
                 {d: m for (_, _, d), m in zip(best, (2, 4, 8))})


def _store(out, design, target, status="ok", **metrics):
    path = result_path(out, design, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"design": {"name": design}, "target": target, "status": status,
                                "metrics": metrics}))


# Three front points of 2, 4 and 8 MACs per cycle, estimated at 100, 200, 400 um2 and 0.5, 1.0,
# 2.0 GMAC/s (250 MHz each).
BEST = [(100.0, 0.5, "a"), (200.0, 1.0, "b"), (400.0, 2.0, "c")]


def test_front_that_holds(tmp_path):
    for d, area, fmax in (("a", 110.0, 200.0), ("b", 190.0, 250.0), ("c", 500.0, 125.0 + 1)):
        _store(tmp_path, d, "asic-osu018", area=area, fmax_mhz=fmax)
    c = compare(_front(BEST), tmp_path)
    # measured GMAC/s: 2 x 200, 4 x 250, 8 x 126 MHz -> 0.4, 1.0, 1.008: rising, as the areas
    assert c["held"] is True and c["swaps"] == []
    a = c["rows"][0]
    assert (a["area"], a["fmax"], a["gmacs"]) == (110.0, 200.0, pytest.approx(0.4))
    assert a["area_error"] == pytest.approx(100 / 110 - 1)
    assert a["fmax_error"] == pytest.approx(250 / 200 - 1)


def test_front_whose_order_breaks_names_the_swap(tmp_path):
    _store(tmp_path, "a", "asic-osu018", area=100.0, fmax_mhz=250.0)
    _store(tmp_path, "b", "asic-osu018", area=300.0, fmax_mhz=250.0)
    _store(tmp_path, "c", "asic-osu018", area=250.0, fmax_mhz=100.0)   # 0.8 GMAC/s < b's 1.0
    c = compare(_front(BEST), tmp_path)
    assert c["held"] is False
    assert c["swaps"] == [("b", "c", "area"), ("b", "c", "throughput")]


def test_front_with_a_missing_measurement_is_not_confirmed(tmp_path):
    # ice40: area from ice40, Fmax from ice40-pnr; c does not fit the device
    for d in "abc":
        _store(tmp_path, d, "ice40", luts=1000.0)
    _store(tmp_path, "a", "ice40-pnr", fmax_mhz=50.0)
    _store(tmp_path, "b", "ice40-pnr", fmax_mhz=40.0)
    _store(tmp_path, "c", "ice40-pnr", status="does-not-fit")
    c = compare(_front(BEST, clock="ice40-pnr"), tmp_path)
    assert c["held"] is None and c["swaps"] == []
    assert [r["status"] for r in c["rows"]] == ["ok", "ok", "does-not-fit on ice40-pnr"]
    assert c["rows"][1]["gmacs"] == pytest.approx(4 * 40.0 / 1e3)


@pytest.mark.slow(reason="real standard-cell synthesis of the front; make test keeps the comparison "
                         "on constructed results (the tests above), the interrupted confirmation "
                         "and the synth runs it delegates to (synth/tests)")
def test_confirm_runs_the_front_and_only_the_front(tmp_path, capsys):
    # Three cheap designs on standard cells (seconds): the 1x2 a4w8 array (2 PEs) and the a4w8 PE
    # are on the estimated front, the int8 PE (larger, slower) is not and must not run.
    designs = ["pe-a4w8-k1152", "array-a4w8-1x2-k1152", "pe-int8-k1152"]
    status = hdl_cli.main(["sweep", "--designs", *designs, "--targets", "asic-osu018",
                           "--estimate", "--confirm", "--jobs", "1", "-d", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    with (tmp_path / "estimate.csv").open() as f:
        rows = {r["design"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(designs)
    ran = sorted(p.name for p in (tmp_path / "confirm" / "json").glob("*.json"))
    assert ran == ["array-a4w8-1x2-k1152.asic-osu018.json", "pe-a4w8-k1152.asic-osu018.json"]
    text = (tmp_path / "estimate-confirm.md").read_text()
    assert text in out
    # every front row shows the estimate of estimate.csv and the measurement of the result file
    for name in ("pe-a4w8-k1152", "array-a4w8-1x2-k1152"):
        doc = json.loads((tmp_path / "confirm" / "json" / f"{name}.asic-osu018.json").read_text())
        assert doc["status"] == "ok"
        est = float(rows[name]["asic-osu018.area"])
        line = next(x for x in text.splitlines() if x.startswith(f"| `{name}`"))
        assert f"| {est:,.0f} | {doc['metrics']['area']:,.0f} |" in line
        assert f"| {doc['metrics']['fmax_mhz']:.1f} |" in line
    assert re.search(r"Ordering (held|did NOT hold)", text)
    assert "[2/2]" in err          # synth's progress lines: two runs, not three


@pytest.mark.parametrize("args, message", [
    (["--confirm"], r"--confirm runs the estimated Pareto front: it needs --estimate"),
    (["--estimate", "--confirm", "--retry"], r"--confirm runs the front's failed runs again "
                                             r"anyway: --retry does not apply"),
    (["--estimate", "--confirm", "--targets", "generic"],
     r"--confirm: the sweep has no estimated front to confirm"),
])
def test_bad_confirm_request_is_one_line(tmp_path, capsys, args, message):
    status = hdl_cli.main(["sweep", "--blocks", "pe", *args, "-d", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and re.search(message, err[0]), err
    assert not (tmp_path / "confirm").exists()


def test_interrupted_confirmation_keeps_the_runs_and_says_so(tmp_path, capsys, monkeypatch):
    # The synthesis command reports an interrupt with status 130 (its own tests cover Ctrl-C and
    # SIGTERM); the sweep passes it on, names the folder that keeps the finished runs, and writes
    # no comparison.
    sparq_rtl, calls = hdl_cli.main, []

    def interrupted(argv):
        calls.append(argv)
        return hdl_cli.EXIT_INTERRUPTED
    monkeypatch.setattr(hdl_cli, "main", interrupted)
    status = sparq_rtl(["sweep", "--designs", "pe-a4w8-k1152", "array-a4w8-1x2-k1152",
                           "--targets", "asic-osu018", "ice40", "--estimate", "--confirm",
                           "-d", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 130
    assert len(calls) == 1 and calls[0][0] == "synth"     # the second front does not start
    assert re.search(r"--confirm interrupted: the finished runs are kept in .*confirm; run the "
                     r"same command again to resume", err)
    assert not (tmp_path / "estimate-confirm.md").exists()
