"""Estimates from the stored calibration: area per target, Fmax, energy per MAC.

:func:`estimate` takes a design name (:mod:`hdl.naming`), counts its parts
(:mod:`estimate.parts`) and prices them with the costs of ``estimate/data/calibration.json``
(:mod:`estimate.fit`); no tool runs. Energy per MAC comes from the gate-level energy figures of the
PEs (:mod:`estimate.energy_model`) scaled by the estimated cell area.
"""

import json
from functools import lru_cache
from pathlib import Path

from .fit import CALIBRATION, FORMAT
from .parts import accumulate_features, parts, timing_features
from .sets import AREA_METRICS, FMAX_TARGETS, TARGETS

__all__ = ["Calibration", "load", "estimate", "pj_per_mac", "parse", "CLOCKED"]

#: Blocks with a clock (an Fmax); the encoders alone (window, pair) are combinational.
CLOCKED = ("pe", "array", "dotprod")


def parse(name):
    """``(block, config)`` of design ``name``; ValueError naming it when it is not a design."""
    from hdl.naming import parse_design_name
    if not isinstance(name, str):
        raise TypeError(f"design must be a design name (str), not {name!r}")
    try:
        return parse_design_name(name)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        # (hdl.naming's messages name the design; a configuration check's may not)
        raise ValueError(message if repr(name) in message else f"design {name!r}: {message}") \
            from None


class Calibration:
    """The stored per-part costs (a ``calibration.json`` document)."""

    def __init__(self, doc):
        if doc.get("format") != FORMAT:
            raise ValueError(f"calibration format must be {FORMAT!r}, not {doc.get('format')!r}")
        self.doc = doc

    def area(self, block, config, target, metric):
        """``metric`` of the design on ``target``; ValueError when a part it needs has no cost
        there (no calibration design had it)."""
        costs = self.doc["area_costs"].get(target, {}).get(metric)
        if costs is None:
            raise ValueError(f"target {target!r} has no calibrated {metric!r}")
        return _priced(costs, parts(block, config), "part", target)

    def fmax(self, block, config, target):
        """Fmax in MHz on the place-and-route or timing target ``target``: ``1000 /`` the slower
        of the product stage and the accumulate stage (:mod:`estimate.fit`)."""
        stages = self.doc["period_ns"].get(target)
        if stages is None:
            raise ValueError(f"target {target!r} has no calibrated Fmax")
        period = _priced(stages["product"], timing_features(block, config), "timing feature",
                         target)
        if stages["accumulate"] is not None:
            period = max(period, _priced(stages["accumulate"], accumulate_features(block, config),
                                         "timing feature", target))
        if period <= 0:
            raise ValueError(f"estimated clock period on {target!r} is not positive ({period:.3g} "
                             f"ns): outside the calibrated range")
        return 1000.0 / period


def _priced(costs, counts, kind, target):
    # sum of count x cost; a count without a cost (no calibration design had it) is refused
    total = 0.0
    for name, count in counts.items():
        if not count:
            continue
        cost = costs.get(name)
        if cost is None:
            raise ValueError(f"{kind} {name!r} has no calibration data on target {target!r} "
                             f"(no calibration design has it): no estimate")
        total += count * cost
    return total


@lru_cache(maxsize=4)
def _load(path):
    return Calibration(json.loads(Path(path).read_text()))


def load(path=None):
    """The calibration at ``path`` (default: the stored one, ``estimate/data/calibration.json``)."""
    return _load(str(CALIBRATION if path is None else path))


def estimate(name, targets=TARGETS, zeros=None, calibration=None):
    """Estimates for design ``name`` on ``targets`` (a dict of figures; see :mod:`estimate.cli`).

    ``zeros``: the activation zero fraction for energy per MAC (0 <= zeros <= 1), or None for
    none. A figure the calibration cannot give (a part never calibrated on a target) is left out
    and its reason listed in ``notes``.
    """
    from .energy_model import energy_per_mac
    block, config = parse(name)
    cal = load() if calibration is None else calibration
    for target in targets:
        if target not in TARGETS:
            raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    out = {"design": name, "block": block, "figures": {}, "notes": []}
    for target in targets:
        figures = {}
        for metric in AREA_METRICS[target]:
            try:
                figures[metric] = cal.area(block, config, target, metric)
            except ValueError as exc:
                out["notes"].append(f"{target} {metric}: {exc}")
        for fmax_target, area_target in FMAX_TARGETS.items():
            # (the encoders alone are combinational: no clock, no Fmax)
            if area_target == target and block in CLOCKED:
                try:
                    figures[f"fmax_mhz[{fmax_target}]"] = cal.fmax(block, config, fmax_target)
                except ValueError as exc:
                    out["notes"].append(f"{fmax_target} fmax: {exc}")
        out["figures"][target] = figures
    if zeros is not None:
        area = out["figures"].get("asic-osu018", {}).get("area")
        if area is None:
            try:
                area = cal.area(block, config, "asic-osu018", "area")
            except ValueError as exc:
                out["notes"].append(f"energy: {exc}")
        if area is not None:
            try:
                out["pj_per_mac"] = energy_per_mac(block, config, area, zeros)
            except ValueError as exc:
                out["notes"].append(f"energy: {exc}")
    return out


def pj_per_mac(name, zeros):
    """The estimated energy per MAC (pJ, standard cells) of design ``name`` at the activation zero
    fraction ``zeros``, or ``None`` where the estimator has no figure (a block that does not
    multiply, a fraction outside the energy model's range, a part never calibrated). ``zeros``
    is rounded to 6 places, so that a fraction computed from counts prices as the same number.
    ValueError/TypeError naming ``name`` when it is not a design."""
    return estimate(name, targets=("asic-osu018",), zeros=round(zeros, 6)).get("pj_per_mac")
