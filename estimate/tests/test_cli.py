"""``sparq-rtl estimate``: figures per design and target, and one named error line for bad input."""

import json
import re

import pytest

from hdl import cli as hdl_cli


def _run(argv, capsys):
    status = hdl_cli.main(["estimate", *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_estimates_every_target(capsys):
    status, out, err = _run(["pe-int8-k1152", "array-sparq-b4-o5-ne-8x8-k1152", "--zeros", "0.5"],
                            capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "pe-int8-k1152"
    for target in ("ice40", "ecp5-nodsp", "generic", "asic-osu018", "energy"):
        assert sum(line.split()[0] == target for line in lines) == 2
    assert re.search(r"asic-osu018 +[\d,]+ um2, Fmax \d+ MHz", out)
    assert "pJ/MAC at 0.5 zeros" in out


def test_json_output_and_patterns(capsys):
    status, out, _ = _run(["array-*-4x4-k1152", "--target", "ice40", "--json"], capsys)
    assert status == 0
    doc = json.loads(out)
    assert len(doc) >= 14 and all(set(d["figures"]) == {"ice40"} for d in doc)
    # an 8x8 array has more LUTs than its 4x4 of the same datapath, which has more than a PE
    by = {d["design"]: d["figures"]["ice40"]["luts"] for d in doc}
    assert by["array-int8-4x4-k1152"] > 4 * 300


def test_encoder_has_no_fmax_and_no_energy(capsys):
    status, out, _ = _run(["pair-sparq-b4-o5-ne", "--zeros", "0.3"], capsys)
    assert status == 0 and "Fmax" not in out
    assert "note: energy: block 'pair' does not multiply: no energy per MAC" in out


@pytest.mark.parametrize("args, message", [
    (["pe-foo"], r"not a design name: 'pe-foo'"),
    (["window-int8"], r"block 'window' exists for datapath 'sparq' only, not 'int8'"),
    (["pe-int8-k1152", "--target", "ice41"],
     r"--target must be one of ice40, ecp5-nodsp, generic, asic-osu018, not 'ice41'"),
    (["pe-int8-k1152", "--zeros", "1.5"], r"--zeros must be a fraction between 0 and 1, not 1.5"),
    (["pe-int8-k1152", "--zeros", "-0.1"], r"--zeros must be a fraction between 0 and 1, not -0.1"),
    (["pe-zz*"], r"design pattern 'pe-zz\*' matches no design of the default set"),
])
def test_bad_argument_is_one_named_line(capsys, args, message):
    status, out, err = _run(args, capsys)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparq-rtl: error: ")
    assert re.search(message, lines[0]), lines[0]


def test_zero_fraction_outside_the_measured_sweep_is_a_note(capsys):
    status, out, _ = _run(["pe-int8-k1152", "--zeros", "0.95"], capsys)
    assert status == 0
    assert "note: energy: zeros must be within the measured range 0..0.9, not 0.95" in out


def test_calibrate_without_results_is_one_line_and_writes_nothing(tmp_path, capsys):
    from estimate.cli import main
    from estimate.fit import CALIBRATION, MEASURED
    before = (CALIBRATION.read_bytes(), MEASURED.read_bytes())
    status = main(["calibrate", "--results", str(tmp_path / "nothing")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert re.search(r"results folder '.*nothing' has no json/ folder of synthesis results", err[0])
    assert (CALIBRATION.read_bytes(), MEASURED.read_bytes()) == before


def test_unit_energy_without_the_pe_energy_is_one_line_and_writes_nothing(tmp_path, capsys):
    from estimate.cli import main
    from estimate.energy_model import ENERGY
    from estimate.fit import CALIBRATION, MEASURED
    before = (CALIBRATION.read_bytes(), MEASURED.read_bytes(), ENERGY.read_bytes())
    status = main(["calibrate", "--energy-unit", str(tmp_path / "energy.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0] == ("python -m estimate calibrate: error: --energy-unit goes with --energy (the "
                      "PEs' figures and zero sweep)")
    assert (CALIBRATION.read_bytes(), MEASURED.read_bytes(), ENERGY.read_bytes()) == before
