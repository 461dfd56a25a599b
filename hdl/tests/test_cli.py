"""The sparq-rtl command: outputs, determinism, and one test per error message."""

import json
import shutil
import subprocess

import pytest

from hdl import cli, generate
from hdl.config import SparqConfig


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_verilog_writes_both_files(tmp_path, capsys):
    path = tmp_path / "out" / "win.v"
    status, out, err = run(["verilog", "window", "--options", "3", "--rounding", "truncate",
                            "-o", str(path)], capsys)
    assert (status, err) == (0, "")
    assert out == (f"{path}\n{path.with_suffix('.json')}\n{path.with_suffix('.vh')}\n"
                   f"{path.with_name('win_pkg.sv')}\n{path.with_suffix('.f')}\n")
    config = SparqConfig(options=3, rounding="truncate")
    assert path.read_text() == generate.verilog("window", config)
    doc = json.loads(path.with_suffix(".json").read_text())
    assert doc == generate.sidecar("window", config)
    assert doc["module"] == "sparq_window_sparq_b4_o3_tr"


def test_verilog_name_and_array_parameters(tmp_path, capsys):
    path = tmp_path / "arr.v"
    status, _, err = run(["verilog", "array", "--datapath", "int8", "--rows", "2", "--cols", "3",
                          "--max-k", "10", "--name", "my_array", "-o", str(path)], capsys)
    assert (status, err) == (0, "")
    doc = json.loads(path.with_suffix(".json").read_text())
    assert doc["module"] == "my_array"
    assert doc["parameters"]["datapath"] == "int8"
    assert (doc["parameters"]["rows"], doc["parameters"]["cols"], doc["parameters"]["max_k"]) == \
        (2, 3, 10)
    assert "module my_array(" in path.read_text()


@pytest.mark.parametrize("bits, options", [(3, 6), (2, 7)])
@pytest.mark.parametrize("block", ["window", "pair", "pe", "array"])
def test_verilog_bits(block, bits, options, tmp_path, capsys):
    # The command: `sparq-rtl verilog BLOCK --bits 3 --options 6 --rounding truncate`.
    extra = ["--rows", "2", "--cols", "2", "--max-k", "8"] if block == "array" else []
    path = tmp_path / "b.v"
    status, _, err = run(["verilog", block, "--bits", str(bits), "--options", str(options),
                          "--rounding", "truncate", *extra, "-o", str(path)], capsys)
    assert (status, err) == (0, "")
    fields = dict(rows=2, cols=2, max_k=8) if block == "array" else {}
    config = SparqConfig(bits=bits, options=options, rounding="truncate", **fields)
    assert path.read_text() == generate.verilog(block, config)
    doc = json.loads(path.with_suffix(".json").read_text())
    assert doc["module"].startswith(f"sparq_{block}_sparq_b{bits}_o{options}_tr")
    assert (doc["parameters"]["bits"], doc["parameters"]["options"]) == (bits, options)
    ports = {p["name"]: p["width"] for p in doc["ports"]}
    if block == "window":
        assert (ports["mant"], ports["shift"]) == (bits, 3)
    if block == "pair":
        assert (ports["mant0"], ports["mant1"], ports["shift0"], ports["shift1"]) == (bits, bits, 3, 3)
    # --options defaults per bits.
    status, _, err = run(["verilog", block, "--bits", str(bits), *extra,
                          "-o", str(tmp_path / "d.v")], capsys)
    assert (status, err) == (0, "")
    assert json.loads((tmp_path / "d.json").read_text())["parameters"]["options"] == options


@pytest.mark.parametrize("datapath", ["a3w8", "a2w8"])
def test_verilog_naive_baselines(datapath, tmp_path, capsys):
    status, out, err = run(["verilog", "pe", "--datapath", datapath, "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    doc = json.loads((tmp_path / f"sparq_pe_{datapath}_k1152.json").read_text())
    assert doc["parameters"]["act_width"] == doc["parameters"]["mant_width"] == int(datapath[1])


def test_output_dir_uses_the_module_name(tmp_path, capsys):
    status, out, err = run(["verilog", "pair", "--options", "2", "-d", str(tmp_path / "v")], capsys)
    assert (status, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "sparq_pair_sparq_b4_o2_ne.f", "sparq_pair_sparq_b4_o2_ne.json", "sparq_pair_sparq_b4_o2_ne.v",
        "sparq_pair_sparq_b4_o2_ne.vh", "sparq_pair_sparq_b4_o2_ne_pkg.sv"]
    status, out, err = run(["verilog", "pe", "--name", "mac", "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    assert (tmp_path / "mac.v").read_text() == generate.verilog("pe", SparqConfig(), name="mac")


def script():
    found = shutil.which("sparq-rtl")
    if found is None:
        pytest.fail("sparq-rtl is not installed (pyproject [project.scripts]; run `make venv`)")
    return found


def test_console_script_is_deterministic(tmp_path):
    # Two separate processes, same arguments: byte-identical Verilog and sidecar.
    outputs = []
    for run_dir in ("a", "b"):
        path = tmp_path / run_dir / "pair.v"
        subprocess.run([script(), "verilog", "pair", "--options", "2", "-o", str(path)],
                       check=True, capture_output=True, timeout=120)
        outputs.append((path.read_bytes(), path.with_suffix(".json").read_bytes()))
    assert outputs[0] == outputs[1]
    assert b"/a/" not in outputs[0][0] + outputs[0][1]


def test_console_script_error(tmp_path):
    result = subprocess.run([script(), "verilog", "array", "--rows", "0", "-o",
                             str(tmp_path / "x.v")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr == "sparq-rtl: error: rows must be at least 1, not 0\n"
    assert not (tmp_path / "x.v").exists()


def test_console_script_unwritable_output(tmp_path):
    # The operating system's own error (a file name too long), as one line and status 1.
    path = tmp_path / ("a" * 300 + ".v")
    result = subprocess.run([script(), "verilog", "window", "-o", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"sparq-rtl: error: output path '{path}' cannot be written: "
                             f"File name too long\n")
    assert list(tmp_path.iterdir()) == []


def test_console_script_version_and_no_arguments():
    from importlib import metadata
    result = subprocess.run([script(), "--version"], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"sparq-rtl {metadata.version('sparq-hw')}\n", "")
    result = subprocess.run([script()], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: sparq-rtl ")


LONG = "a" * 300

# (arguments after `verilog`, exit status, message after "sparq-rtl: error: ")
BAD = [
    (["array", "--pairs", "2", "-o", "x.v"], 2, "--pairs applies to block dotprod only, not 'array'"),
    (["dotprod", "--pairs", "0", "-o", "x.v"], 2, "pairs must be at least 1, not 0"),
    (["dotprod", "--rows", "32", "--cols", "32", "-o", "x.v"], 2,
     "rows * cols * pairs must be at most 1024 pair multipliers, not 32 x 32 x 4 = 4096"),
    (["widget", "-o", "x.v"], 2, "block must be one of window, pair, pe, array, dotprod, not 'widget'"),
    (["window"], 2, "one of the arguments -o/--output -d/--output-dir is required"),
    (["window", "-o", "x.v", "-d", "out"], 2,
     "argument -d/--output-dir: not allowed with argument -o/--output"),
    (["window", "--name", "a b", "-d", "out"], 2,
     "module name must be a Verilog identifier (letters, digits and _, not starting with a "
     "digit), not 'a b'"),
    (["window", "--options", "4", "-o", "x.v"], 2,
     "options must be one of 5, 3, 2 (4-bit windows), not 4"),
    (["window", "--options", "five", "-o", "x.v"], 2, "argument --options: invalid int value: 'five'"),
    (["window", "--options", "5.0", "-o", "x.v"], 2, "argument --options: invalid int value: '5.0'"),
    (["pair", "--rounding", "up", "-o", "x.v"], 2,
     "rounding must be one of nearest-even, truncate, not 'up'"),
    (["pe", "--datapath", "fp8", "-o", "x.v"], 2,
     "datapath must be one of sparq, int8, a4w8, a3w8, a2w8, not 'fp8'"),
    (["pe", "--datapath", "int8", "--options", "3", "-o", "x.v"], 2,
     "bits, options and rounding apply to the sparq datapath only; datapath 'int8' got bits=4, "
     "options=3, rounding='nearest-even'"),
    (["array", "--datapath", "a4w8", "--rounding", "truncate", "-o", "x.v"], 2,
     "bits, options and rounding apply to the sparq datapath only; datapath 'a4w8' got bits=4, "
     "options=5, rounding='truncate'"),
    (["pe", "--datapath", "a3w8", "--bits", "3", "-o", "x.v"], 2,
     "bits, options and rounding apply to the sparq datapath only; datapath 'a3w8' got bits=3, "
     "options=6, rounding='nearest-even'"),
    (["window", "--bits", "5", "-o", "x.v"], 2, "bits must be one of 4, 3, 2, not 5"),
    (["pair", "--bits", "3", "--options", "5", "-o", "x.v"], 2,
     "options must be one of 6 (3-bit windows), not 5"),
    (["window", "--bits", "2", "--options", "5", "-o", "x.v"], 2,
     "options must be one of 7 (2-bit windows), not 5"),
    (["window", "--bits", "three", "-o", "x.v"], 2, "argument --bits: invalid int value: 'three'"),
    (["pair", "--datapath", "int8", "-o", "x.v"], 2,
     "block 'pair' exists for datapath 'sparq' only, not 'int8'"),
    (["array", "--rows", "0", "-o", "x.v"], 2, "rows must be at least 1, not 0"),
    (["array", "--cols", "-3", "-o", "x.v"], 2, "cols must be at least 1, not -3"),
    (["array", "--max-k", "0", "-o", "x.v"], 2, "max_k must be at least 1, not 0"),
    (["array", "--rows", "1", "--cols", "1", "--max-k", "18446744073709551616", "-o", "x.v"], 2,
     "max_k must be at most 1048576, not 18446744073709551616"),
    (["pe", "--max-k", "1048577", "-o", "x.v"], 2, "max_k must be at most 1048576, not 1048577"),
    (["array", "--rows", "1000", "--cols", "1000", "-o", "x.v"], 2,
     "rows * cols must be at most 1024 PEs (elaboration time and memory grow with the array), "
     "not 1000 x 1000 = 1000000"),
    (["array", "--rows", "99999999999999999999", "-o", "x.v"], 2,
     "rows * cols must be at most 1024 PEs (elaboration time and memory grow with the array), "
     "not 99999999999999999999 x 8 = 799999999999999999992"),
    (["array", "--rows", "65", "--cols", "2", "-o", "x.v"], 2, "rows must be at most 64, not 65"),
    (["array", "--rows", "1", "--cols", "100", "-o", "x.v"], 2, "cols must be at most 64, not 100"),
    (["array", "--rows", "2.5", "-o", "x.v"], 2, "argument --rows: invalid int value: '2.5'"),
    (["window", "--rows", "4", "-o", "x.v"], 2, "--rows applies to blocks array and dotprod only, not 'window'"),
    (["pe", "--interface", "axis", "-o", "x.v"], 2,
     "--interface applies to blocks array and dotprod only, not 'pe'"),
    (["array", "--interface", "axi", "-o", "x.v"], 2,
     "interface must be one of native, axis, not 'axi'"),
    (["pe", "--skid", "-o", "x.v"], 2, "--skid applies to blocks array and dotprod only, not 'pe'"),
    (["pair", "--mul-pipe", "-o", "x.v"], 2,
     "--mul-pipe applies to blocks pe, array and dotprod only, not 'pair'"),
    (["window", "--mul-pipe", "-o", "x.v"], 2,
     "--mul-pipe applies to blocks pe, array and dotprod only, not 'window'"),
    (["array", "--dsp-pack", "-o", "x.v"], 2, "--dsp-pack applies to block dotprod only, not 'array'"),
    (["dotprod", "--dsp-pack", "--datapath", "a4w8", "-o", "x.v"], 2,
     "dsp_pack applies to datapath 'sparq' with 4-bit windows only, not datapath 'a4w8' with "
     "bits=4"),
    (["dotprod", "--dsp-pack", "--bits", "2", "-o", "x.v"], 2,
     "dsp_pack applies to datapath 'sparq' with 4-bit windows only, not datapath 'sparq' with "
     "bits=2"),
    (["window", "--skid", "-o", "x.v"], 2, "--skid applies to blocks array and dotprod only, not 'window'"),
    (["pe", "--cols", "4", "-o", "x.v"], 2, "--cols applies to blocks array and dotprod only, not 'pe'"),
    (["pair", "--max-k", "64", "-o", "x.v"], 2,
     "--max-k applies to blocks pe, array and dotprod only, not 'pair'"),
    (["window", "--name", "1st", "-o", "x.v"], 2,
     "module name must be a Verilog identifier (letters, digits and _, not starting with a "
     "digit), not '1st'"),
    (["window", "--name", "my.mod", "-o", "x.v"], 2,
     "module name must be a Verilog identifier (letters, digits and _, not starting with a "
     "digit), not 'my.mod'"),
    (["window", "--name", "always", "-o", "x.v"], 2,
     "module name must not be a Verilog keyword, not 'always'"),
    (["window", "--name", LONG, "-d", "."], 2,
     f"module name must be at most 128 characters, not 300 ('{LONG}')"),
    (["window", "--name", "m" * 129, "-o", "x.v"], 2,
     f"module name must be at most 128 characters, not 129 ('{'m' * 129}')"),
    (["window", "-o", "x.txt"], 2, "output path must end in .v, not 'x.txt'"),
    (["window", "--bogus", "-o", "x.v"], 2, "unrecognized arguments: --bogus"),
    # No prefix abbreviations: --max is not --max-k, --out not --output, --nam not --name.
    (["array", "--max", "64", "-o", "x.v"], 2, "unrecognized arguments: --max 64"),
    (["window", "-d", "out", "--out", "x.v"], 2, "unrecognized arguments: --out x.v"),
    # The misspelt option is named, not the -o/-d it was meant to be.
    (["window", "--out", "x.v"], 2, "unrecognized arguments: --out x.v"),
    (["array", "--output-directory", "v", "--rows", "2"], 2,
     "unrecognized arguments: --output-directory v"),
    (["window", "--nam", "m", "-o", "x.v"], 2, "unrecognized arguments: --nam m"),
    # An output that cannot be written: status 1, found before anything is generated.
    (["window", "-o", "DIR.v"], 1, "output path 'DIR.v' cannot be written: it is a directory"),
    (["window", "-o", "SIDE.v"], 1, "sidecar path 'SIDE.json' cannot be written: it is a directory"),
    (["window", "-o", "FILE/x.v"], 1,
     "output path 'FILE/x.v' cannot be written: 'FILE' is not a directory"),
    (["window", "-d", "FILE"], 1,
     "output path 'FILE/sparq_window_sparq_b4_o5_ne.v' cannot be written: 'FILE' is not a directory"),
    (["window", "-d", "FILE/sub"], 1,
     "output path 'FILE/sub/sparq_window_sparq_b4_o5_ne.v' cannot be written: 'FILE' is not a directory"),
    (["window", "-o", f"{LONG}.v"], 1, f"output path '{LONG}.v' cannot be written: File name too long"),
    (["window", "-o", f"{'s' * 251}.v"], 1,
     f"sidecar path '{'s' * 251}.json' cannot be written: File name too long"),
    (["window", "-d", LONG], 1,
     f"output path '{LONG}/sparq_window_sparq_b4_o5_ne.v' cannot be written: File name too long"),
    (["window", "-o", "/proc/x.v"], 1,
     "output path '/proc/x.v' cannot be written: No such file or directory"),
    (["window", "-o", "/proc/new/x.v"], 1,
     "output path '/proc/new/x.v' cannot be written: No such file or directory"),
]


@pytest.mark.parametrize("args,status,message", BAD,
                         ids=[" ".join(a[:12] for a in b[0]) for b in BAD])
def test_bad_arguments(args, status, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "DIR.v").mkdir()
    (tmp_path / "FILE").write_text("")
    (tmp_path / "SIDE.v").write_text("old")
    (tmp_path / "SIDE.json").mkdir()

    def no_generation(*args, **kwargs):
        pytest.fail("a bad argument must be found before anything is generated")
    monkeypatch.setattr(generate, "_convert", no_generation)
    got_status, out, err = run(["verilog", *args], capsys)
    assert (got_status, out, err) == (status, "", f"sparq-rtl: error: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DIR.v", "FILE", "SIDE.json", "SIDE.v"], \
        "nothing written"
    assert (tmp_path / "SIDE.v").read_text() == "old" and not any((tmp_path / "SIDE.json").iterdir())


def test_unknown_or_missing_command(capsys):
    # The installed project registers `energy`, `eval`, `synth` and `sweep` through its entry points,
    # after the built-in `verilog`.
    assert run(["frob"], capsys) == (
        2, "", "sparq-rtl: error: argument COMMAND: invalid choice: 'frob' (choose from "
               f"{', '.join(repr(n) for n in cli.SUBCOMMANDS)})\n")
    assert set(cli.SUBCOMMANDS) == {"verilog", "synth", "sweep", "eval", "energy"}
    # No arguments at all: the help, on stderr, and the bad-usage status.
    status, out, err = run([], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("usage: sparq-rtl [-h] [--version] COMMAND ...\n")
    assert "verilog   write the Verilog of one block" in err and "synth " in err
    # An unknown option is named, although the command is missing too.
    assert run(["--bogus"], capsys) == (2, "", "sparq-rtl: error: unrecognized arguments: "
                                               "--bogus\n")


def test_version(capsys):
    from importlib import metadata
    version = metadata.version("sparq-hw")
    assert run(["--version"], capsys) == (0, f"sparq-rtl {version}\n", "")
    assert run(["--vers"], capsys)[0] == 2      # not an abbreviation of --version either


def test_help_exits_0(capsys):
    status, out, err = run(["verilog", "--help"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("usage: sparq-rtl verilog [-h]")


def test_unwritable_output(tmp_path, monkeypatch, capsys):
    def refuse(path, text):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(generate, "_fill", refuse)
    path = tmp_path / "w.v"
    assert run(["verilog", "window", "-o", str(path)], capsys) == (
        1, "", f"sparq-rtl: error: output path '{path}' cannot be written: Permission denied\n")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_untouched_when_sidecar_path_is_a_folder(tmp_path, capsys):
    (tmp_path / "x.v").write_text("old verilog")
    (tmp_path / "x.json").mkdir()
    assert run(["verilog", "window", "-o", str(tmp_path / "x.v")], capsys) == (
        1, "", f"sparq-rtl: error: sidecar path '{tmp_path / 'x.json'}' cannot be written: it is "
               f"a directory\n")
    assert (tmp_path / "x.v").read_text() == "old verilog"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json", "x.v"]


def test_interrupt(tmp_path, monkeypatch, capsys):
    # Ctrl-C while the Verilog is generated: status 130, one line, nothing left behind.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(generate, "describe_module", interrupted)
    assert run(["verilog", "window", "-o", str(tmp_path / "new" / "w.v")], capsys) == (
        130, "", "sparq-rtl: error: interrupted\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs", [dict(rows=0), dict(max_k=0), dict(options=4),
                                    dict(rounding="up"), dict(datapath="int8", options=3),
                                    dict(max_k=2 ** 64), dict(rows=1000, cols=1000),
                                    dict(rows=1, cols=65)])
def test_python_callers_get_the_same_message(kwargs, tmp_path, capsys):
    with pytest.raises(ValueError) as info:
        SparqConfig(**kwargs)
    flags = []
    for key, value in kwargs.items():
        flags += ["--" + key.replace("_", "-"), str(value)]
    status, _, err = run(["verilog", "array", *flags, "-o", str(tmp_path / "x.v")], capsys)
    assert (status, err) == (2, f"sparq-rtl: error: {info.value}\n")


def test_registered_subcommand(monkeypatch, capsys):
    # Another package can add a subcommand; its ValueError is reported like any bad argument.
    monkeypatch.setattr(cli, "SUBCOMMANDS", dict(cli.SUBCOMMANDS))

    def add_arguments(parser):
        parser.add_argument("--level", type=int, required=True)

    def run_it(args):
        if args.level < 0:
            raise ValueError(f"level must be at least 0, not {args.level!r}")
        print(f"level {args.level}")
        return 0

    cli.register("probe", "a test subcommand", add_arguments, run_it)
    assert run(["probe", "--level", "3"], capsys) == (0, "level 3\n", "")
    assert run(["probe", "--level", "-1"], capsys) == (
        2, "", "sparq-rtl: error: level must be at least 0, not -1\n")
    with pytest.raises(ValueError, match=r"^subcommand 'probe' is already registered$"):
        cli.register("probe", "again", add_arguments, run_it)


def _probe_add_arguments(parser):
    parser.add_argument("word")


def _probe_run(args):
    print(args.word.upper())
    return 0


#: Loaded through the entry-point group by test_entry_point_subcommand.
PROBE = cli.Subcommand("shout", "a test subcommand from an entry point", _probe_add_arguments,
                       _probe_run)


def test_entry_point_subcommand(monkeypatch, capsys):
    from importlib import metadata
    monkeypatch.setattr(cli, "SUBCOMMANDS", dict(cli.SUBCOMMANDS))
    entry = metadata.EntryPoint(name="shout", value="hdl.tests.test_cli:PROBE",
                                group=cli.ENTRY_POINT_GROUP)
    real = metadata.entry_points
    monkeypatch.setattr(metadata, "entry_points",
                        lambda **kw: [entry] if kw.get("group") == cli.ENTRY_POINT_GROUP
                        else real(**kw))
    assert run(["shout", "hello"], capsys) == (0, "HELLO\n", "")
    assert "shout" in cli.SUBCOMMANDS and "verilog" in cli.SUBCOMMANDS


def test_axis_interface(tmp_path, capsys):
    status, out, err = run(["verilog", "array", "--rows", "2", "--cols", "2", "--max-k", "8",
                            "--interface", "axis", "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    module = "sparq_array_sparq_b4_o5_ne_2x2_k8_axis"
    assert out.splitlines()[0] == str(tmp_path / f"{module}.v")
    doc = json.loads((tmp_path / f"{module}.json").read_text())
    assert doc["reset"] == {"port": "aresetn", "polarity": "active-low", "synchronous": True}
    assert doc["parameters"]["interface"] == "axis"


def test_skid_option(tmp_path, capsys):
    status, out, err = run(["verilog", "array", "--rows", "2", "--cols", "2", "--max-k", "8",
                            "--skid", "--interface", "axis", "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    module = "sparq_array_sparq_b4_o5_ne_2x2_k8_skid_axis"
    assert out.splitlines()[0] == str(tmp_path / f"{module}.v")
    doc = json.loads((tmp_path / f"{module}.json").read_text())
    assert doc["design"] == "array-sparq-b4-o5-ne-2x2-k8-skid-axis"
    assert doc["parameters"]["skid"] is True
    assert "s_axis_a_tready and s_axis_b_tready are register outputs" in doc["timing"]["handshake"]


def test_mul_pipe_option(tmp_path, capsys):
    status, out, err = run(["verilog", "pe", "--datapath", "int8", "--max-k", "8", "--mul-pipe",
                            "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    module = "sparq_pe_int8_k8_pipe"
    assert out.splitlines()[0] == str(tmp_path / f"{module}.v")
    doc = json.loads((tmp_path / f"{module}.json").read_text())
    assert doc["design"] == "pe-int8-k8-pipe"
    assert doc["parameters"]["mul_pipe"] is True and doc["parameters"]["pe_latency"] == 2
    assert "accumulated in cycle t+3" in doc["timing"]["latency"]
    status, out, err = run(["verilog", "array", "--rows", "2", "--cols", "3", "--mul-pipe",
                            "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    doc = json.loads((tmp_path / "sparq_array_sparq_b4_o5_ne_2x3_k1152_pipe.json").read_text())
    assert "rows + cols + 3 = 8 cycles" in doc["timing"]["latency"]
    assert "max(P, 10)" in doc["timing"]["throughput"]
    status, out, err = run(["verilog", "dotprod", "--rows", "2", "--cols", "2", "--pairs", "2",
                            "--max-k", "16", "--mul-pipe", "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    doc = json.loads((tmp_path / "sparq_dotprod_sparq_b4_o5_ne_2x2p2_k16_pipe.json").read_text())
    assert doc["parameters"]["mul_pipe"] is True and doc["parameters"]["latency"] == 4
    assert "first output transfer: 4 cycles" in doc["timing"]["latency"]
    assert "max(S, rows + 4) = max(S, 6)" in doc["timing"]["throughput"]
    status, out, err = run(["verilog", "dotprod", "--rows", "2", "--cols", "2", "--pairs", "2",
                            "--max-k", "16", "--dsp-pack", "-d", str(tmp_path)], capsys)
    assert (status, err) == (0, "")
    doc = json.loads((tmp_path / "sparq_dotprod_sparq_b4_o5_ne_2x2p2_k16_pack.json").read_text())
    assert doc["parameters"]["dsp_pack"] is True and doc["parameters"]["latency"] == 3
    assert "2 columns from one multiply" in doc["summary"]
def test_dotprod_defaults_and_options(tmp_path, capsys):
    # The unit's defaults: a 4x4 tile of outputs, 4 pairs (8 positions) per cycle, max_k 1152.
    status, out, err = run(["verilog", "dotprod", "--datapath", "int8", "-d", str(tmp_path)],
                           capsys)
    assert (status, err) == (0, "")
    module = "sparq_dotprod_int8_4x4p4_k1152"
    assert out.splitlines()[0] == str(tmp_path / f"{module}.v")
    doc = json.loads((tmp_path / f"{module}.json").read_text())
    assert (doc["parameters"]["rows"], doc["parameters"]["cols"], doc["parameters"]["pairs"],
            doc["parameters"]["positions"], doc["parameters"]["acc_width"]) == (4, 4, 4, 8, 27)
    status, out, err = run(["verilog", "dotprod", "--rows", "2", "--cols", "3", "--pairs", "2",
                            "--max-k", "9", "--skid", "--interface", "axis", "-d", str(tmp_path)],
                           capsys)
    assert (status, err) == (0, "")
    module = "sparq_dotprod_sparq_b4_o5_ne_2x3p2_k9_skid_axis"
    doc = json.loads((tmp_path / f"{module}.json").read_text())
    assert doc["design"] == "dotprod-sparq-b4-o5-ne-2x3p2-k9-skid-axis"
    assert doc["parameters"]["max_steps"] == 3
    assert "s_axis_a_tready and s_axis_b_tready are register outputs" in doc["timing"]["handshake"]


def _sparq_rtl(code, *argv, stdout=subprocess.PIPE):
    # `sparq-rtl ARGV` in a fresh interpreter after CODE (a patch), as the console script runs it.
    import sys
    script = f"import sys\nfrom hdl import cli, generate\n{code}\nsys.exit(cli.main({list(argv)!r}))\n"
    return subprocess.run([sys.executable, "-c", script], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=120)


def test_interrupt_while_generating_prints_one_line(tmp_path):
    # Ctrl-C in the middle of the elaboration (here at the 10th of the 29 fragments of a 4x4
    # array) leaves the components built so far unelaborated; Amaranth would warn about each one
    # (hundreds for an 8x8 array) after the one-line error.
    patch = ("from amaranth.hdl import _ir\n"
             "real, calls = _ir.Fragment.get, []\n"
             "def get(obj, platform):\n"
             "    calls.append(obj)\n"
             "    if len(calls) == 10:\n"
             "        raise KeyboardInterrupt\n"
             "    return real(obj, platform)\n"
             "_ir.Fragment.get = staticmethod(get)")
    result = _sparq_rtl(patch, "verilog", "array", "--rows", "4", "--cols", "4",
                        "-o", str(tmp_path / "a.v"))
    assert (result.returncode, result.stdout, result.stderr) == (
        130, "", "sparq-rtl: error: interrupted\n")


def test_closed_stdout_is_quiet(tmp_path):
    # `sparq-rtl verilog ... | head -0`: the reader is gone before anything is written.
    import os
    read, write = os.pipe()
    os.close(read)
    try:
        result = _sparq_rtl("", "verilog", "window", "-d", str(tmp_path), stdout=write)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (1, "")


def test_bare_subcommand_can_ask_for_its_usage(monkeypatch, capsys):
    # A subcommand given nothing to do, where everything is a long run, raises ShowUsage: its
    # help on stderr, the reason as one error line, status 2.
    monkeypatch.setattr(cli, "SUBCOMMANDS", dict(cli.SUBCOMMANDS))

    def run_it(args):
        if args.what is None:
            raise cli.ShowUsage("nothing given: name what to run")
        return 0

    cli.register("long", "a long run", lambda p: p.add_argument("what", nargs="?"), run_it)
    status, out, err = run(["long"], capsys)
    assert (status, out) == (2, "")
    assert err.startswith("usage: sparq-rtl long [-h] [what]\n")
    assert err.endswith("\nsparq-rtl: error: nothing given: name what to run\n")
    assert run(["long", "x"], capsys) == (0, "", "")


def test_folder_option_and_older_spellings(monkeypatch, capsys):
    # add_output_dir: -d/--output-dir is the folder; -o/--output, the older spelling, still
    # works with one warning line. Deprecated: any other older spelling, likewise.
    monkeypatch.setattr(cli, "SUBCOMMANDS", dict(cli.SUBCOMMANDS))

    def add_arguments(parser):
        cli.add_output_dir(parser, "the folder", default="build/x")
        parser.add_argument("--pnr-seed", dest="seed", type=int, default=1)
        parser.add_argument("--seed", dest="seed", type=int, action=cli.Deprecated,
                            instead="--pnr-seed")

    cli.register("folder", "a test subcommand", add_arguments,
                 lambda args: print(args.output, args.seed) or 0)
    assert run(["folder"], capsys) == (0, "build/x 1\n", "")
    assert run(["folder", "-d", "a", "--pnr-seed", "2"], capsys) == (0, "a 2\n", "")
    assert run(["folder", "--output-dir", "a"], capsys) == (0, "a 1\n", "")
    assert run(["folder", "-o", "b", "--seed", "3"], capsys) == (
        0, "b 3\n", "sparq-rtl: warning: -o is an older spelling here; use -d/--output-dir (-o "
                    "names a file, as in sparq-rtl verilog -o FILE.v)\n"
                    "sparq-rtl: warning: --seed is an older spelling here; use --pnr-seed\n")


def test_require_tier_names_the_install_command(monkeypatch):
    cli.require_tier("synth", "synth", ("json",))           # present: nothing happens
    with pytest.raises(cli.CommandError) as info:
        cli.require_tier("synth", "synth", ("json", "no_such_module_anywhere"))
    assert str(info.value) == (
        "sparq-rtl synth needs the synth install tier (Python package 'no_such_module_anywhere' "
        "is missing): pip install 'sparq-hw[synth]', from a clone pip install -e '.[synth]' or "
        "make synth")
