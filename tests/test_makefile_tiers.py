"""The Makefile's install stamps: each target installs its own tier, and the dev tier (which holds
every other) satisfies them all while it is current, so `make synth` after `make test` installs
nothing. Run with a stand-in venv whose python records its arguments (no pip runs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def venv(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make not found (it runs every target of the project)")
    v = tmp_path / "v"
    (v / "bin").mkdir(parents=True)
    python = v / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'calls'}\n")
    python.chmod(0o755)
    return v


def _make(venv, stamp):
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}",
                             str(venv / stamp)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = venv.parent / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_a_tier_alone_is_installed(venv):
    assert _make(venv, ".installed-synth") == ["-m pip install --quiet --no-compile -e .[synth]"]
    assert (venv / ".installed-synth").exists()


def test_the_dev_tier_satisfies_the_others(venv):
    (venv / ".installed-dev").touch()
    for tier in ("base", "sim", "synth", "eval", "sweep"):
        assert _make(venv, f".installed-{tier}") == [], tier
        assert (venv / f".installed-{tier}").exists()


def test_an_outdated_dev_tier_does_not(venv):
    # pyproject.toml changed since the dev tier was installed: the tier is installed again.
    (venv / ".installed-dev").touch()
    os.utime(venv / ".installed-dev", (0, 0))
    assert _make(venv, ".installed-eval") == ["-m pip install --quiet --no-compile -e .[eval]"]
    assert _make(venv, ".installed-dev") == ["-m pip install --quiet --no-compile -e .[eval]",
                                             "-m pip install --quiet --no-compile -e .[dev]"]


def test_byte_code_is_kept_under_build(venv, tmp_path):
    # Every recipe runs with PYTHONPYCACHEPREFIX=<clone>/build/pycache and without
    # PYTHONDONTWRITEBYTECODE, even when the caller's environment sets it: each module is compiled
    # once per clone, not once per process (docs/verification.md#test-time).
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho \"prefix=$PYTHONPYCACHEPREFIX "
                      f"dont=${{PYTHONDONTWRITEBYTECODE-unset}}\" >> {tmp_path / 'env'}\n")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), f"VENV={venv}",
                             str(venv / ".installed-synth")], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env").read_text().splitlines() == [
        f"prefix={ROOT / 'build' / 'pycache'} dont=unset"]
