"""Standard-cell libraries for the ASIC flow: the bundled OSU 0.18 um library, or a user's own.

The OSU 0.18 um library (1.8 V; area, NLDM timing and internal-power tables for every cell, Verilog
cell models with ``specify`` delays) comes from Debian's ``qflow-tech-osu018`` package. That package
depends on the whole qflow flow, so it is not installed: ``make cells-osu018`` fetches the one
``.deb`` with ``apt-get download`` and unpacks its cell files with ``dpkg-deb -x`` into
``build/cells/osu018/`` (no root needed, no dependencies), next to ``PACKAGE`` (the package name and
version) and ``SHA256SUMS`` (of every file unpacked). Every result made with a library records
:attr:`CellLibrary.provenance`.

A user's library (their foundry's) is :func:`user_library`; it has the same members, with
``verilog`` (cell models for gate-level simulation) given or ``None``.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .tools import SynthError

__all__ = ["CellLibrary", "CELLS_DIR_ENV", "cells_dir", "osu018", "user_library", "MAKE_TARGET"]

#: Environment variable naming the folder the cell libraries are unpacked into (default
#: ``build/cells`` under the project root).
CELLS_DIR_ENV = "SPARQ_CELLS_DIR"

#: The make target that fetches the bundled library.
MAKE_TARGET = "make cells-osu018"

_ROOT = Path(__file__).resolve().parents[1]


def cells_dir():
    """Folder the bundled cell libraries live in: ``$SPARQ_CELLS_DIR`` or ``<project>/build/cells``."""
    env = os.environ.get(CELLS_DIR_ENV)
    return Path(env) if env else _ROOT / "build" / "cells"


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class CellLibrary:
    """A standard-cell library.

    Members:
    - ``name``: short name used in target and result names (``osu018``, or ``user``).
    - ``liberty``: the ``.lib`` file (area, timing, power).
    - ``verilog``: Verilog models of the cells for gate-level simulation, or ``None``.
    - ``package``: where it came from (``"qflow-tech-osu018 1.3.17+dfsg.1-3"``), or ``None``.
    - ``sha256``: of the ``.lib`` file.
    """
    name: str
    liberty: Path
    verilog: Path | None
    package: str | None
    sha256: str

    @property
    def provenance(self):
        """JSON-ready record of the library, kept with every result made with it."""
        return {"name": self.name, "liberty": self.liberty.name, "sha256": self.sha256,
                "verilog": self.verilog.name if self.verilog else None,
                "verilog_sha256": _sha256(self.verilog) if self.verilog else None,
                "package": self.package}


def osu018(root=None):
    """The bundled OSU 0.18 um library, unpacked by ``make cells-osu018``.

    ``root`` overrides :func:`cells_dir`. Raises :class:`SynthError` naming the make target when the
    library is not there, or when a file no longer matches the checksum recorded when it was
    unpacked.
    """
    folder = Path(root) if root is not None else cells_dir()
    folder = folder / "osu018"
    liberty = folder / "osu018_stdcells.lib"
    verilog = folder / "osu018_stdcells.v"
    sums = folder / "SHA256SUMS"
    if not (liberty.is_file() and verilog.is_file() and sums.is_file()):
        raise SynthError(f"OSU 0.18 um cell library not found in {folder}: run `{MAKE_TARGET}`")
    recorded = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            recorded[name.lstrip("*")] = digest
    for path in (liberty, verilog):
        if recorded.get(path.name) != _sha256(path):
            raise SynthError(f"{path} does not match its checksum in {sums}: "
                             f"remove {folder} and run `{MAKE_TARGET}` again")
    package_file = folder / "PACKAGE"
    package = package_file.read_text().strip() if package_file.is_file() else None
    return CellLibrary("osu018", liberty, verilog, package, recorded[liberty.name])


def user_library(liberty, verilog=None):
    """A user's own library: ``liberty`` (a ``.lib`` file), optional ``verilog`` cell models.

    Raises :class:`SynthError` naming the parameter and the path when a file is missing.
    """
    liberty = Path(liberty)
    if not liberty.is_file():
        raise SynthError(f"--liberty: no such file: {liberty}")
    if verilog is not None:
        verilog = Path(verilog)
        if not verilog.is_file():
            raise SynthError(f"--cell-models: no such file: {verilog}")
    return CellLibrary("user", liberty, verilog, None, _sha256(liberty))
