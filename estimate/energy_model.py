"""Energy per MAC from the gate-level energy of the PEs, scaled by the estimated cell area.

The energy figures (``make energy``, :mod:`energy`) price the switching activity of the SPARQ,
int8 and a4w8 PEs on the OSU 0.18 um cells: pJ per cycle in ``specify`` mode (cell delays, so
glitches count) at one zero fraction, and a sweep of the zero fraction in ``zero-delay`` mode.
The estimate assumes a design spends the energy per cycle and per µm² of the PE of its datapath:

    pJ/MAC = density(datapath, zeros) * estimated µm² / MACs per cycle,
    density(z) = pJ/cycle / µm² of the PE (specify) * sweep(z) / sweep(z_specify)

with ``sweep`` the zero-delay figure interpolated linearly between the swept fractions. SPARQ
designs of every window width and option take the 5opt PE's density, the naive baselines of 3 and
2 bits a4w8's (the only measured ones); the note says so. A fraction outside the swept range is
refused, not extrapolated.
"""

import json
from functools import lru_cache

import numpy as np

from .fit import DATA

__all__ = ["ENERGY", "collect_energy", "energy_per_mac"]

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


@lru_cache(maxsize=2)
def _data(path=str(ENERGY)):
    return json.loads(open(path).read())


def _density(datapath, zeros, data):
    d = data["datapaths"][datapath]
    z = np.array([s[0] for s in d["sweep"]])
    e = np.array([s[1] for s in d["sweep"]])
    if not z[0] <= zeros <= z[-1]:
        raise ValueError(f"zeros must be within the measured range {z[0]:g}..{z[-1]:g}, not "
                         f"{zeros!r}")
    ratio = np.interp(zeros, z, e) / np.interp(d["zeros"], z, e)
    return d["pj_per_cycle"] / d["area_um2"] * ratio


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
    return _density(datapath, float(zeros), data) * area_um2 / rule(config)
