"""The dependency order golden <- hdl <- {tb, synth, formal} <- evaluation is enforced, and can fail.

``make test`` runs ``lint-imports`` (import-linter, contracts in ``pyproject.toml``) on the tree.
These tests run the same contracts on a copy of the packages, once as they are (kept) and once
with a deliberately wrong import injected (broken), so the check is known to catch a violation.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("golden", "hdl", "tb", "synth", "formal", "evaluation", "engine", "sweep", "energy")
LAYERS = "Layers: golden <- hdl <- tb, synth, formal <- energy <- evaluation"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_tree(dest):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, dest / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.npz", "*.json", "*.md"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _lint(folder):
    env = {"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(folder), "HOME": str(folder)}
    return subprocess.run([str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_layers_kept_on_the_tree(tmp_path):
    _copy_tree(tmp_path)
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("path, line, contract", [
    # The golden model importing the hardware (a layer reaching up).
    ("golden/layer.py", "import hdl.config\n", LAYERS),
    # The hardware generator importing the testbench.
    ("hdl/config.py", "from tb import sim\n", LAYERS),
    # tb and synth are independent of each other.
    ("synth/flow.py", "import tb.sim\n", LAYERS),
    # formal is independent of both, like them.
    ("formal/run.py", "import synth.flow\n", LAYERS),
    # The engine knows nothing of the project; the sweep sits above the evaluation.
    ("engine/run.py", "import synth.flow\n", LAYERS),
    ("evaluation/settings.py", "import sweep\n", LAYERS),
    # The energy model sits above tb and synth, below the evaluation.
    ("tb/sim.py", "import energy.model\n", LAYERS),
    ("energy/model.py", "import evaluation.report\n", LAYERS),
    # The golden model stays pure NumPy.
    ("golden/sparq.py", "import amaranth\n", "The golden model is pure NumPy"),
    # The generator needs its own tier only: no simulator, tool, ML or plotting package.
    ("hdl/blocks.py", "import cocotb\n", "The generator needs only its own tier"),
    ("hdl/naming.py", "import dask\n", "The generator needs only its own tier"),
])
def test_a_wrong_import_breaks_the_check(tmp_path, path, line, contract):
    _copy_tree(tmp_path)
    target = tmp_path / path
    target.write_text(line + target.read_text())
    result = _lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"{contract} BROKEN" in result.stdout, result.stdout
