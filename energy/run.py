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

__all__ = ["MappedDesign", "map_design", "measure", "BLOCKS"]

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


def map_design(block, config, library, workdir):
    """Generate ``block`` (``pe`` or ``dotprod``) of ``config`` and map it onto ``library`` (a
    :class:`synth.cells.CellLibrary`) in ``workdir``."""
    from synth.netlist import map_to_cells

    if block not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, not {block!r}")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    name = generate.default_name(block, config)
    source = workdir / f"{name}.v"
    source.write_text(generate.verilog(block, config))
    mapped = map_to_cells(source, name, library.liberty, workdir / "map")
    netlist = read_netlist(mapped.netlist, name, library.liberty, workdir / "read")
    return MappedDesign(block, config, name, mapped.netlist, netlist, mapped.stat, mapped.script)


def measure(mapped, lib_cells, library, workload, workdir, *, mode="zero-delay",
            options=PricingOptions(), keep_vcd=False):
    """Energy of ``mapped`` on ``workload``: gate-level run in ``mode``, priced with
    ``lib_cells`` (the :class:`energy.liberty.Library` of ``library``). Returns a JSON-ready dict."""
    workdir = Path(workdir)
    simulate = simulate_pe if mapped.block == "pe" else simulate_dotprod
    sim = simulate(mapped.netlist_v, mapped.netlist, library.verilog, mapped.config, workload,
                   workdir, mode=mode, period_ns=options.period_ns)
    t0 = time.process_time()
    activity = toggle_counts(sim.vcd, "energy_tb.dut")
    toggles = bit_activity(mapped.netlist, activity)
    breakdown = price(mapped.netlist, lib_cells, toggles, sim.cycles, options)
    price_cpu = time.process_time() - t0
    vcd_bytes = sim.vcd.stat().st_size
    if not keep_vcd:
        sim.vcd.unlink()
    energy = breakdown.as_dict()
    return {
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
        "pricing_cpu_seconds": round(price_cpu, 2),
    }


def tool_record(library):
    """Versions of every tool and the library behind a result."""
    from importlib import metadata

    from synth.tools import tool_versions

    return {"icarus": icarus_version(), **{k: v["version"] for k, v in tool_versions().items()},
            "python": platform.python_version(),
            "lln-libparse": metadata.version("lln-libparse"),
            "pywellen": metadata.version("pywellen"),
            "library": library.provenance}
