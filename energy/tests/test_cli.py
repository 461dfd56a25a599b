"""``sparq-rtl energy``: every bad argument is one line naming the parameter, status 2, and
nothing is run or written."""

import re

import pytest

from hdl import cli as hdl_cli


@pytest.mark.parametrize("args, message", [
    (["--datapaths", "int9"], "--datapaths: 'int9' is not one of sparq, int8, a4w8, a3w8, a2w8"),
    (["--datapaths", ","], "--datapaths must name at least one datapath, not ','"),
    (["--workload", "mnist"],
     "--workload must be one of synthetic, real-layer, operands, not 'mnist'"),
    (["--workload", "operands"], "--workload operands and --operands FILE go together"),
    (["--operands", "x.npz"], "--workload operands and --operands FILE go together"),
    (["--workload", "operands", "--operands", "none.npz"], "--operands: no such file: none.npz"),
    (["--stall", "1"], r"--stall must be a probability in \[0, 1\), not 1.0"),
    (["--block", "dotprod", "--stall", "0.2"],
     "--stall: only the PE's driver inserts stalls, not the 'dotprod' block's"),
    (["--stall-seed", "-1"], "--stall-seed must be >= 0, not -1"),
    (["--mode", "fast"], "--mode must be one of zero-delay, specify, not 'fast'"),
    (["--sweep-mode", "x"], "--sweep-mode must be one of zero-delay, specify, not 'x'"),
    (["--zeros", "1.5"], "--zeros values must lie in 0..1, not 1.5"),
    (["--zeros", "0.1,0.2"], "--zeros must be one fraction, not '0.1,0.2'"),
    (["--sweep", "0,half"], "--sweep must be comma-separated numbers in 0..1, not '0,half'"),
    (["--slew-ns", "0"], "--slew-ns must be a positive number, not 0.0"),
    (["--wire-pf", "-1"], "--wire-pf must be a non-negative number of pF, not -1.0"),
    (["--period-ns", "-2"], "--period-ns must be a positive number, not -2.0"),
    (["--seed", "-1"], "--seed must be >= 0, not -1"),
    (["--liberty", "x.lib"], "--liberty needs --cell-models"),
    (["--cell-models", "x.v"], "--cell-models needs --liberty"),
    (["--k", "63"], "k must be an even int in 2..1152"),
    (["--pairs", "100"], "pairs must be a positive multiple of k/2 = 32, not 100"),
    (["--workload", "real-layer", "--pairs", "100"],
     r"pairs must be a positive multiple of 288 \(K = 576\), not 100"),
    (["--workload", "real-layer", "--zeros", "0.3"],
     r"--zeros applies to --workload synthetic, not --workload real-layer \(--sweep sets"),
    (["--workload", "operands", "--operands", "x.npz", "--zeros", "0.5"],
     "--zeros applies to --workload synthetic, not --workload operands"),
    (["--workload", "real-layer", "--k", "32"],
     r"--k applies to synthetic operands \(--workload synthetic, --sweep\), not --workload "
     "real-layer"),
    (["--workload", "operands", "--operands", "x.npz", "--seed", "2"],
     r"--seed applies to generated operands \(--workload synthetic or real-layer, --sweep\), "
     r"not --workload operands \(the archive holds its rows\)"),
    (["--bits", "5"], "bits"),
    (["--block", "array"], "--block must be one of pe, dotprod, not .array."),
])
def test_bad_argument_is_one_named_line(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    status = hdl_cli.main(["energy", *args, "-d", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparq-rtl: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert not out.exists()


def test_report_without_a_record_is_named(tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "energy.report", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"python -m energy.report: error: no energy.json in {tmp_path}"


def test_missing_cell_models_file_is_one_line(tmp_path, capsys):
    lib = tmp_path / "cells.lib"
    lib.write_text("library(x) {}")
    status = hdl_cli.main(["energy", "--liberty", str(lib), "--cell-models",
                           str(tmp_path / "none.v"), "--pairs", "32", "-d", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1
    assert err[0] == f"sparq-rtl: error: --cell-models: no such file: {tmp_path / 'none.v'}"


@pytest.mark.parametrize("reader, version", [("lln-libparse", "0.56.0"),
                                             ("liberty-parser", "0.0.29")])
def test_report_names_the_liberty_reader_the_result_recorded(reader, version):
    # Results stored before the switch to lln-libparse record liberty-parser, the reader they used.
    from energy.report import table
    energy = {"total_pj": 4.0, "combinational_pj": 1.0, "sequential_pj": 1.0, "clock_pj": 1.0,
              "leakage_pj": 1.0, "registers_pj": {}}
    run = {"datapath": "int8", "mode": "zero-delay", "zero_fraction_measured": 0.5,
           "pj_per_mac": 1.0, "pj_per_cycle": 2.0, "cells": 3, "area_um2": 4.0, "cycles": 2,
           "energy": energy, "workload": {"workload": "synthetic"}, "pairs": 8}
    tools = {"icarus": "Icarus", "yosys": "Yosys", "pywellen": "0.25.7", reader: version,
             "library": {"name": "osu018", "package": "qflow-tech-osu018"}}
    text = table({"runs": [run], "command": "sparq-rtl energy", "tools": tools})
    assert f"{reader} {version}, pywellen 0.25.7." in text


def test_output_folder_is_d_and_o_is_the_older_spelling(tmp_path, capsys):
    # -d/--output-dir names the folder, as in the other subcommands; -o still works with a
    # warning (it names a file in sparq-rtl verilog).
    import argparse

    from energy.cli import add_arguments
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["-d", "X"]).output == "X"
    assert parser.parse_args(["--output-dir", "Y"]).output == "Y"
    assert parser.parse_args([]).output == "build/energy"
    older = parser.parse_args(["-o", "Z"])
    assert older.output == "Z"
    from hdl.cli import warn_deprecated
    warn_deprecated(older)
    assert capsys.readouterr().err == ("sparq-rtl: warning: -o is an older spelling here; use "
                                       "-d/--output-dir (-o names a file, as in sparq-rtl verilog "
                                       "-o FILE.v)\n")
