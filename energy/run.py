"""One energy measurement: design -> mapped netlist -> gate-level simulation -> priced activity.

:func:`map_design` maps a PE or dot-product unit configuration onto the cells
(:func:`synth.netlist.map_to_cells`) and reads its connectivity; :func:`measure` simulates it on a
workload (:mod:`energy.gatesim` for the PE, :mod:`energy.dotprod_sim` for the unit), counts
transitions (:mod:`energy.activity`), prices them (:mod:`energy.model`) and returns a JSON-ready
record: pJ per MAC and per cycle, the breakdown, the commands run and the tool versions.
"""

import platform
import time
from dataclasses import dataclass
from pathlib import Path

from hdl import generate
from hdl.config import SparqConfig

from .activity import toggle_counts
from .dotprod_sim import simulate_dotprod
from .gatesim import icarus_version, simulate_pe
from .model import PricingOptions, bit_activity, price
from .netgraph import read_netlist

__all__ = ["MappedDesign", "map_design", "measure", "stall_check", "BLOCKS"]

#: The blocks an energy run drives.
BLOCKS = ("pe", "dotprod")


@dataclass
class MappedDesign:
    """``block`` (``pe`` or ``dotprod``) of ``config`` mapped onto a library: ``netlist_v``,
    ``netlist`` (connectivity), ``stat`` (Yosys' cell statistics), ``script`` (the mapping's Yosys
    script), ``name`` (the module)."""
    block: str
    config: SparqConfig
    name: str
    netlist_v: Path
    netlist: object
    stat: dict
    script: str


def map_design(block, config, library, workdir, text=None):
    """Generate ``block`` (``pe`` or ``dotprod``) of ``config`` (or take its Verilog ``text``) and
    map it onto ``library`` (a :class:`synth.cells.CellLibrary`) in ``workdir``."""
    from synth.netlist import map_to_cells

    if block not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, not {block!r}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    name = generate.default_name(block, config)
    source = workdir / f"{name}.v"
    source.write_text(generate.verilog(block, config) if text is None else text)
    mapped = map_to_cells(source, name, library.liberty, workdir / "map")
    netlist = read_netlist(mapped.netlist, name, library.liberty, workdir / "read")
    return MappedDesign(block, config, name, mapped.netlist, netlist, mapped.stat, mapped.script)


def _activity(mapped, library, workload, workdir, mode, options, stall=None):
    # The gate-level run and its per-bit toggles (the VCD removed unless kept).
    workdir = Path(workdir)
    if mapped.block == "pe":
        sim = simulate_pe(mapped.netlist_v, mapped.netlist, library.verilog, mapped.config,
                          workload, workdir, mode=mode, period_ns=options.period_ns, stall=stall)
    elif stall is not None:
        raise ValueError("stall: the dot-product unit's driver inserts no stalls (the PE's does)")
    else:
        sim = simulate_dotprod(mapped.netlist_v, mapped.netlist, library.verilog, mapped.config,
                               workload, workdir, mode=mode, period_ns=options.period_ns)
    activity = toggle_counts(sim.vcd, "energy_tb.dut")
    return sim, bit_activity(mapped.netlist, activity)


def measure(mapped, lib_cells, library, workload, workdir, *, mode="zero-delay",
            options=PricingOptions(), keep_vcd=False, stall=None):
    """Energy of ``mapped`` on ``workload``: gate-level run in ``mode``, priced with
    ``lib_cells`` (the :class:`energy.liberty.Library` of ``library``); ``stall``:
    ``(probability, seed)`` of random bubbles in the PE's stream. Returns a JSON-ready dict."""
    t0 = time.process_time()
    sim, toggles = _activity(mapped, library, workload, workdir, mode, options, stall)
    breakdown = price(mapped.netlist, lib_cells, toggles, sim.cycles, options)
    return _record(mapped, workload, mode, options, sim, breakdown,
                   time.process_time() - t0, keep_vcd)


def _record(mapped, workload, mode, options, sim, breakdown, cpu, keep_vcd):
    vcd_bytes = sim.vcd.stat().st_size
    if not keep_vcd:
        sim.vcd.unlink()
    energy = breakdown.as_dict()
    record = {
        "design": mapped.name,
        "block": mapped.block,
        "datapath": mapped.config.datapath,
        "mode": mode,
        "workload": workload.description,
        "zero_fraction_measured": workload.zero_fraction,
        "pairs": workload.pairs,
        "macs": workload.macs,
        "tiles_checked": len(workload.tiles),
        "cycles": sim.cycles,
        "pj_per_mac": breakdown.total / workload.macs,
        "pj_per_cycle": breakdown.total / sim.cycles,
        "energy": energy,
        "cells": mapped.stat.get("num_cells"),
        "area_um2": mapped.stat.get("area"),
        "pricing": options.as_dict(),
        "commands": sim.commands,
        "vcd_bytes": vcd_bytes,
        "sim_seconds": round(sim.seconds, 2),
        "sim_cpu_seconds": round(sim.cpu_seconds, 2),
        "pricing_cpu_seconds": round(max(0.0, cpu), 2),
    }
    if sim.bubbles or sim.bubble_runs:
        record["bubbles"], record["bubble_runs"] = sim.bubbles, sim.bubble_runs
    return record


def stall_check(mapped, lib_cells, library, workload, workdir, *, stall, mode="zero-delay",
                options=PricingOptions()):
    """The stall independence check (:mod:`energy.stall`) of ``mapped`` (a PE) on ``workload``:
    the stream without stalls and with ``stall`` = ``(probability, seed)`` bubbles, both checked
    against golden, compared net by net. Returns a JSON-ready dict (both runs' records under
    ``unstalled`` and ``stalled``, the comparison under ``check``);
    :class:`energy.stall.StallCheckError` when an equality fails."""
    from .stall import compare
    workdir = Path(workdir)
    t0 = time.process_time()
    sim_u, tog_u = _activity(mapped, library, workload, workdir / "unstalled", mode, options)
    sim_s, tog_s = _activity(mapped, library, workload, workdir / "stalled", mode, options, stall)
    bd_u = price(mapped.netlist, lib_cells, tog_u, sim_u.cycles, options)
    bd_s = price(mapped.netlist, lib_cells, tog_s, sim_s.cycles, options)
    check = compare(mapped.netlist, lib_cells, tog_u, tog_s, bd_u, bd_s, sim_s.bubble_runs,
                    workload.macs, options)
    cpu = (time.process_time() - t0) / 2
    return {"design": mapped.name, "datapath": mapped.config.datapath, "mode": mode,
            "stall": {"probability": stall[0], "seed": stall[1], "bubbles": sim_s.bubbles,
                      "bubble_runs": sim_s.bubble_runs},
            "check": check,
            "unstalled": _record(mapped, workload, mode, options, sim_u, bd_u, cpu, False),
            "stalled": _record(mapped, workload, mode, options, sim_s, bd_s, cpu, False)}


def tool_record(library):
    """Versions of every tool and the library behind a result."""
    from importlib import metadata

    from synth.tools import tool_versions

    return {"icarus": icarus_version(), **{k: v["version"] for k, v in tool_versions().items()},
            "python": platform.python_version(),
            "lln-libparse": metadata.version("lln-libparse"),
            "pywellen": metadata.version("pywellen"),
            "library": library.provenance}
