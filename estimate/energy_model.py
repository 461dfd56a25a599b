"""Energy per MAC from the gate-level energy of the PEs and units, scaled by the estimated cell area.

The energy figures (``make energy``, :mod:`energy`) price the switching activity of the SPARQ,
int8 and a4w8 PEs on the OSU 0.18 um cells: pJ per cycle in ``specify`` mode (cell delays, so
glitches count) at one zero fraction, and a sweep of the zero fraction in ``zero-delay`` mode; and
of single-output dot-product units of the same datapaths with 1 and 4 pairs (``specify``, the same
zero fraction). The estimate assumes a design spends the energy per cycle and per µm² of the
measured designs of its kind and datapath:

    pJ/MAC = density(datapath, zeros[, levels]) * estimated µm² / MACs per cycle,
    density(z) = pJ/cycle / µm² of the measured design * sweep(z) / sweep(z_specify)

with ``sweep`` the PE's zero-delay figure interpolated linearly between the swept fractions. PEs
and arrays take the PE's density; a dot-product unit takes the units' density at its adder-tree
levels (``ceil(log2(2 * pairs))``), linear in the levels through the measured units (1 and 3
levels), extended beyond them: the units' energy per µm² grows with the depth of the trees their
multipliers drive without a register (gate-level, 0.5 zeros: SPARQ 2.21 fJ per µm² and cycle with
1 level, 2.80 with 3, the PE 2.15). SPARQ designs of every window width and option take the 5opt
figures, the naive baselines of 3 and 2 bits a4w8's (the only measured ones). A fraction outside
the swept range is refused, not extrapolated; without unit figures (an older ``energy.json``)
units take the PE's density.
"""

import json
import math
from functools import lru_cache

import numpy as np

from .fit import DATA

__all__ = ["ENERGY", "collect_energy", "collect_unit_energy", "energy_per_mac", "tree_levels"]

ENERGY = DATA / "energy.json"


def collect_energy(energy_json):
    """The stored energy data from an ``energy.json`` of ``sparq-rtl energy`` over the PEs with a
    zero-fraction sweep (``build/energy/synthetic/energy.json``)."""
    doc = json.loads(open(energy_json).read())
    out = {"command": doc["command"], "tools": doc["tools"], "datapaths": {}}
    for run in doc["runs"]:
        out["datapaths"][run["datapath"]] = {
            "design": run["design"], "area_um2": run["area_um2"], "mode": run["mode"],
            "zeros": run["workload"]["zero_fraction"], "pj_per_cycle": run["pj_per_cycle"],
            "sweep": []}
    for run in doc["sweep"]:
        out["datapaths"][run["datapath"]]["sweep"].append(
            [run["workload"]["zero_fraction"], run["pj_per_cycle"], run["mode"]])
    for d in out["datapaths"].values():
        d["sweep"].sort()
    return out


def tree_levels(config):
    """Adder levels of a dot-product unit's trees: ``ceil(log2(2 * pairs))``."""
    return math.ceil(math.log2(2 * config.pairs))


def collect_unit_energy(energy_jsons):
    """The units' figures to store beside the PEs' (``units`` of ``energy.json``): per datapath,
    one entry per ``energy.json`` of ``sparq-rtl energy --block dotprod`` in ``energy_jsons``
    (``build/energy/dotprod-1x1p1`` and ``dotprod-1x1p4``): the design, its tree levels, area,
    mode, zero fraction and pJ per cycle, sorted by tree levels."""
    from hdl.naming import parse_design_name
    out = {"commands": [], "datapaths": {}}
    for path in energy_jsons:
        doc = json.loads(open(path).read())
        out["commands"].append(doc["command"])
        for run in doc["runs"]:
            # (module names: sparq_dotprod_sparq_b4_o5_ne_1x1p1_k1152)
            _, config = parse_design_name(run["design"].removeprefix("sparq_").replace("_", "-"))
            out["datapaths"].setdefault(run["datapath"], []).append({
                "design": run["design"], "tree_levels": tree_levels(config),
                "area_um2": run["area_um2"], "mode": run["mode"],
                "zeros": run["zero_fraction_measured"], "pj_per_cycle": run["pj_per_cycle"]})
    for entries in out["datapaths"].values():
        entries.sort(key=lambda e: e["tree_levels"])
    return out


def _along(x, xs, ys):
    # Linear in x through the points (xs ascending), the end segments extended beyond them.
    if len(xs) == 1:
        return ys[0]
    i = min(max(np.searchsorted(xs, x) - 1, 0), len(xs) - 2)
    return ys[i] + (ys[i + 1] - ys[i]) * (x - xs[i]) / (xs[i + 1] - xs[i])


@lru_cache(maxsize=2)
def _data(path=str(ENERGY)):
    return json.loads(open(path).read())


def _density(datapath, zeros, data, levels=None):
    # pJ per cycle and µm² at ``zeros``; ``levels``: a unit's tree levels (None: a PE or array)
    d = data["datapaths"][datapath]
    z = np.array([s[0] for s in d["sweep"]])
    e = np.array([s[1] for s in d["sweep"]])
    if not z[0] <= zeros <= z[-1]:
        raise ValueError(f"zeros must be within the measured range {z[0]:g}..{z[-1]:g}, not "
                         f"{zeros!r}")
    units = data.get("units", {}).get("datapaths", {}).get(datapath)
    if levels is None or not units:
        ratio = np.interp(zeros, z, e) / np.interp(d["zeros"], z, e)
        return d["pj_per_cycle"] / d["area_um2"] * ratio
    dens = [u["pj_per_cycle"] / u["area_um2"] * np.interp(zeros, z, e) / np.interp(u["zeros"], z, e)
            for u in units]
    return _along(levels, [u["tree_levels"] for u in units], dens)


def energy_per_mac(block, config, area_um2, zeros, data=None):
    """pJ per MAC of a design of ``area_um2`` (µm², estimated) at activation zero fraction
    ``zeros``; ValueError for a block that does not multiply or a fraction out of range."""
    from synth.designs import MACS_PER_CYCLE
    if isinstance(zeros, bool) or not isinstance(zeros, (int, float)):
        raise TypeError(f"zeros must be a number, not {zeros!r}")
    data = _data() if data is None else data
    rule = MACS_PER_CYCLE.get(block)
    if rule is None:
        raise ValueError(f"block {block!r} does not multiply: no energy per MAC")
    datapath = config.datapath if config.datapath in ("sparq", "int8") else "a4w8"
    levels = tree_levels(config) if block == "dotprod" else None
    return _density(datapath, float(zeros), data, levels) * area_um2 / rule(config)
