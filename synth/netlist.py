"""Mapping a design onto standard cells: the gate-level netlist the ASIC flow times and the energy
model simulates.

:func:`map_to_cells` runs Yosys on one Verilog file: ``synth -flatten``, flip-flops legalized to
plain D flip-flops and mapped with ``dfflibmap``, logic mapped with ``abc -liberty`` under a delay
target and a constraint file (a driving cell on every input and a load on every output: without
them ABC leaves nets with hundreds of loads on the smallest gates), then ``stat -liberty``. The
netlist is written so that both OpenSTA and Icarus read it: undriven bits tied to zero
(``setundef -zero``; the OSU library has no tie cells), no attributes, no expressions, one
net per assignment (``write_verilog -noattr -noexpr -simple-lhs``; the plain output's
``assign {...} = ...`` is rejected by OpenSTA).

YoWASP Yosys sees only its working folder: the Verilog and the ``.lib`` are copied into ``workdir``.
"""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .tools import SynthError, run_tool

__all__ = ["MappedNetlist", "map_to_cells", "mapping_inputs", "DEFAULT_DRIVING_CELL",
           "DEFAULT_LOAD_PF"]

#: The cell that drives every input in ABC's constraint file (and in static timing).
DEFAULT_DRIVING_CELL = "INVX1"
#: The load on every output, pF (about four INVX1 inputs in the OSU 0.18 um library).
DEFAULT_LOAD_PF = 0.02


@dataclass(frozen=True)
class MappedNetlist:
    """The result of :func:`map_to_cells`.

    Members: ``netlist`` (gate-level Verilog of ``top``), ``stat`` (Yosys ``stat -json -liberty``
    of the design: ``area``, ``num_cells``, ``num_cells_by_type``), ``log`` (Yosys' output),
    ``script`` (the Yosys script run), ``top``.
    """
    netlist: Path
    stat: dict
    log: Path
    script: str
    top: str


def _script(top, lib, *, delay_ps, keep, constrain=True):
    lines = ["read_verilog design.v", f"hierarchy -top {top}"]
    lines += [f"setattr -mod -set keep_hierarchy 1 {module}" for module in keep]
    lines += ["proc", "flatten", "opt_clean -purge",
              f"synth -flatten -top {top}", "delete t:$scopeinfo",
              # The library has plain D flip-flops only: enables and resets become gates.
              "dfflegalize -cell $_DFF_P_ 01",
              f"dfflibmap -liberty {lib}",
              (f"abc -liberty {lib} -constr constr.txt" + (f" -D {delay_ps}" if delay_ps else "")
               if constrain else f"abc -liberty {lib}"),
              "setundef -zero", "opt_clean -purge",
              f"tee -q -o stat.json stat -json -liberty {lib}",
              "write_verilog -noattr -noexpr -simple-lhs netlist.v"]
    return "\n".join(lines) + "\n"


def mapping_inputs(top, *, delay_ps=None, driving_cell=DEFAULT_DRIVING_CELL,
                   load_pf=DEFAULT_LOAD_PF, keep=(), constrain=True):
    """``(Yosys script, constraint file text)`` that :func:`map_to_cells` runs with these
    arguments (the library is ``cells.lib`` in the work folder): what a cached result keys on."""
    return (_script(top, "cells.lib", delay_ps=delay_ps, keep=keep, constrain=constrain),
            f"set_driving_cell {driving_cell}\nset_load {load_pf}\n")


def _design_stat(doc):
    # With kept modules, the design total counts their cells and also lists each kept module as a
    # cell type of its own (an instance, no logic): drop those.
    if "design" not in doc:
        return next(iter(doc["modules"].values()))
    stat = dict(doc["design"])
    modules = {m.lstrip("\\") for m in doc.get("modules", {})}
    stat["num_cells_by_type"] = {t: n for t, n in stat.get("num_cells_by_type", {}).items()
                                 if t.lstrip("\\") not in modules}
    return stat


def map_to_cells(verilog, top, liberty, workdir, *, delay_ps=None,
                 driving_cell=DEFAULT_DRIVING_CELL, load_pf=DEFAULT_LOAD_PF, keep=(),
                 constrain=True):
    """Map ``top`` of the Verilog file ``verilog`` onto the cells of ``liberty`` in ``workdir``.

    ``delay_ps``: ABC's delay target in picoseconds (``None``: ABC's default, area-oriented).
    ``driving_cell``, ``load_pf``: the constraint file's input driver and output load.
    ``keep``: module names kept whole while flattening (see :mod:`synth.flow`).
    ``constrain=False``: plain ``abc -liberty``, no constraint file and no delay target (for a
    library without timing tables, where ABC's timing-driven mapping fails).
    Returns a :class:`MappedNetlist`; :class:`~synth.tools.ToolError` when Yosys fails.
    """
    if delay_ps is not None and (not isinstance(delay_ps, (int, float)) or delay_ps <= 0):
        raise SynthError(f"delay_ps must be a positive number of picoseconds, not {delay_ps!r}")
    if not isinstance(load_pf, (int, float)) or load_pf < 0:
        raise SynthError(f"load_pf must be a non-negative capacitance in pF, not {load_pf!r}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for src, name in ((verilog, "design.v"), (liberty, "cells.lib")):
        if Path(src).resolve() != (workdir / name).resolve():
            shutil.copyfile(src, workdir / name)
    script, constraints = mapping_inputs(top, delay_ps=delay_ps, driving_cell=driving_cell,
                                         load_pf=load_pf, keep=keep, constrain=constrain)
    (workdir / "constr.txt").write_text(constraints)
    (workdir / "map.ys").write_text(script)
    run_tool("yosys", ["-q", "-l", "map.log", "map.ys"], cwd=workdir, tail_file="map.log")
    stat = _design_stat(json.loads((workdir / "stat.json").read_text()))
    return MappedNetlist(workdir / "netlist.v", stat, workdir / "map.log", script, top)
