"""The ASIC flow of the ``asic-osu018`` and ``liberty`` targets: map onto standard cells, time.

One run, in the design's work folder:

1. :func:`synth.netlist.map_to_cells` maps the design onto the library's cells (Yosys ``synth``,
   ``dfflibmap``, ``abc -liberty`` with the target's clock period as its delay target and a
   constraint file: the library's smallest inverter drives every input, every output carries
   :data:`synth.netlist.DEFAULT_LOAD_PF`), then ``stat -liberty``: area, cells by type. The mapped
   netlist stays in the work folder as ``netlist.v`` (its path is in the result: gate-level
   simulation and the energy model read it);
2. :func:`synth.sta.run_sta` times it with OpenSTA at the target's period, same driver and load,
   ideal wires (the OSU library has no wire-load model), the library's corner.

A user's library (``--liberty FILE``) goes through the same two steps; a library without timing
tables gets the area and ``timing: null``.
"""

from functools import lru_cache
from pathlib import Path

from .cells import osu018, user_library
from .liberty import has_timing, read_liberty, sequential_cells, smallest_inverter
from .netlist import DEFAULT_LOAD_PF, map_to_cells, mapping_inputs
from .sta import sta_script, sta_version, run_sta
from .targets import cell_metrics
from .tools import SynthError

__all__ = ["library_of", "asic_inputs", "asic_versions", "run_asic"]


def library_of(target, liberty=None):
    """The :class:`synth.cells.CellLibrary` a target maps onto (``liberty``: the user's file)."""
    if target.library == "osu018":
        return osu018()
    if target.library == "user":
        if liberty is None:
            raise SynthError(f"target {target.name!r} needs --liberty FILE")
        return user_library(liberty)
    raise SynthError(f"target {target.name!r} is not an ASIC target")


@lru_cache(maxsize=8)
def _facts(path, sha256):
    # What the flow needs from the library (keyed by its checksum): the driving cell, the
    # flip-flop names, whether it can be timed.
    lib = read_liberty(path)
    driver = smallest_inverter(lib)
    if driver is None:
        raise SynthError(f"liberty file {str(path)!r} has no inverter (a one-input cell with "
                         f"function !A) to drive the inputs with")
    return driver, frozenset(sequential_cells(lib)), has_timing(lib)


def asic_inputs(source, target, library):
    """``(script text, tool versions)`` a result of ``source`` on the ASIC ``target`` depends on,
    beyond the Verilog: the Yosys script, the constraint file and the OpenSTA script, and the
    OpenSTA version and the library's provenance (name, package, checksums)."""
    driver, _, timed = _facts(str(library.liberty), library.sha256)
    mapping, constraints = mapping_inputs(source.top, delay_ps=target.period_ns * 1000,
                                          driving_cell=driver, keep=source.keep, constrain=timed)
    text = mapping + "# constr.txt\n" + constraints
    if timed:
        text += "# sta.tcl\n" + sta_script("netlist.v", "cells.lib", source.top,
                                           period_ns=target.period_ns, driving_cell=driver)
    return text, asic_versions(library, timed)


def asic_versions(library, timed=True):
    """The ``tools`` entries an ASIC result adds: OpenSTA's version and the library's
    provenance (``version`` names the package and the .lib checksum)."""
    prov = library.provenance
    what = prov["package"] or f"{prov['name']} library {library.liberty.name}"
    return {"opensta": {"version": sta_version() if timed else "not run (no timing tables)",
                        "package": "opensta (Debian)"},
            "cells": {"version": f"{what}, .lib sha256 {prov['sha256'][:16]}",
                      "package": "qflow-tech-osu018 (Debian, unpacked by make cells-osu018)"
                      if library.name == "osu018" else "--liberty", "provenance": prov}}


def run_asic(source, target, workdir, library):
    """Map and time ``source`` (its Verilog already in ``workdir/design.v``) on ``library``.

    Returns ``(metrics, stat, extra)``: the target's figures, Yosys' ``stat`` record and the
    result's further members (``netlist``, ``timing``, ``constraints``, ``library``).
    """
    workdir = Path(workdir)
    driver, sequential, timed = _facts(str(library.liberty), library.sha256)
    mapped = map_to_cells(workdir / "design.v", source.top, library.liberty, workdir,
                          delay_ps=target.period_ns * 1000, driving_cell=driver,
                          keep=source.keep, constrain=timed)
    metrics = cell_metrics("asic", mapped.stat, sequential=sequential)
    timing = None
    if timed:
        report, _ = run_sta(mapped.netlist, workdir / "cells.lib", source.top, workdir,
                            period_ns=target.period_ns, driving_cell=driver)
        timing = report.to_json()
        metrics.update(path_ns=report.arrival_ns, min_period_ns=timing["min_period_ns"],
                       fmax_mhz=timing["fmax_mhz"], wns_ns=report.wns_ns)
    constraints = {"period_ns": target.period_ns, "abc_delay_ps": target.period_ns * 1000,
                   "driving_cell": driver, "load_pf": DEFAULT_LOAD_PF,
                   "input_delay_ns": 0.0, "output_delay_ns": 0.0,
                   "wire_load": "none (ideal wires: pin capacitances and set_load only)"}
    if not timed:
        # Without timing tables ABC maps for area alone: no delay target, no constraint file.
        constraints = {"abc_delay_ps": None, "driving_cell": None, "load_pf": None,
                       "note": "library without timing tables: area only, not timed"}
    extra = {"netlist": str(mapped.netlist), "constraints": constraints,
             "timing": timing, "library": library.provenance}
    return metrics, mapped.stat, extra
