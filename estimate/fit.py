"""Calibration: per-part costs fitted on measured designs, and the measured set they come from.

``python -m estimate calibrate --results DIR...`` (``make estimate-calibrate``) reads every
result of the real flows in ``DIR/json/*.json`` (:mod:`synth.flow`'s records), keeps the modelled
targets and metrics (:mod:`estimate.sets`), writes them as the stored measured set
(``estimate/data/measured.json``: design, target, role, figures, tool versions) and fits on the
designs whose role is ``calibration``:

* area metrics: ``metric = sum(count[part] * cost[part])``, a non-negative least-squares fit (no
  part has a negative cost but the split multiply stage's, :data:`SIGNED`) of the relative error
  (each design weighted by 1 / its measured value, so an encoder of 14 LUTs counts as much as an
  array of 1,600), with a small ridge term so that parts the data cannot tell apart share their
  cost instead of one taking all of it. A
  part that no calibration design of a target has gets no cost on it (``null``): estimating a
  design that needs it there is refused, not guessed.
* Fmax: the clock period (``1000 / fmax_mhz``, ns) as a linear function of
  :data:`estimate.parts.TIMING_FEATURES`, least squares of the relative error; a feature no
  calibration design of a target has gets no cost there (``null``), as an absent part.

The result, ``estimate/data/calibration.json``, holds the costs, the tool versions of the
measurements, the command that made it and the calibration designs.
"""

import json
import math
from pathlib import Path

import numpy as np

from .parts import PARTS, TIMING_FEATURES, parts, timing_features
from .sets import AREA_METRICS, FMAX_TARGETS, role

__all__ = ["DATA", "MEASURED", "CALIBRATION", "collect", "fit", "nnls", "FORMAT"]

DATA = Path(__file__).parent / "data"
MEASURED = DATA / "measured.json"
CALIBRATION = DATA / "calibration.json"
FORMAT = "sparq-estimate-calibration/1"

#: Parts whose cost may be negative: the split multiply stage re-maps the multiplier, and on some
#: targets the split form is smaller than the whole one (ECP5 without DSPs: the split int8 PE has
#: 431 LUT4 against 679) although it adds registers; a multiplier whose product is summed without
#: a register maps smaller on ECP5 than a registered one (estimate.parts, ``mul_comb``).
SIGNED = ("pipe", "mul_comb")

#: Ridge weight, relative to the data term (scaled columns): small enough to leave well-determined
#: costs alone, large enough to share a cost between parts the data cannot separate.
RIDGE = 1e-3


def _design(name):
    from hdl.naming import parse_design_name
    return parse_design_name(name)


def collect(results_dirs):
    """The measured set from the ``json/`` folders of ``results_dirs``: a dict with ``records``
    (one per design and modelled target that finished, sorted) and ``tools`` (the versions seen,
    per tool). ValueError naming the folder when one has no ``json/`` folder."""
    records, tools = {}, {}
    for d in results_dirs:
        folder = Path(d) / "json"
        if not folder.is_dir():
            raise ValueError(f"results folder {str(d)!r} has no json/ folder of synthesis results")
        for path in sorted(folder.glob("*.json")):
            doc = json.loads(path.read_text())
            target, status = doc.get("target"), doc.get("status")
            name = doc.get("design", {}).get("name")
            wanted = list(AREA_METRICS.get(target, ())) + (["fmax_mhz"] if target in FMAX_TARGETS
                                                           else [])
            if not wanted or status != "ok":
                continue
            metrics = {m: doc["metrics"][m] for m in wanted if doc["metrics"].get(m) is not None}
            if not metrics:
                continue
            try:
                _design(name)
            except ValueError:
                continue            # a name this version of the generator no longer takes
            records[name, target] = {"design": name, "target": target, "role": role(name, target),
                                     "metrics": metrics, "seconds": doc.get("seconds")}
            for tool, info in doc.get("tools", {}).items():
                tools.setdefault(tool, set()).add(info.get("version", "?"))
    return {"records": [records[k] for k in sorted(records)],
            "tools": {t: sorted(v) for t, v in sorted(tools.items())}}


def nnls(a, b, max_iter=500):
    """``argmin ||a x - b||`` subject to ``x >= 0`` (Lawson and Hanson's active-set method)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = a.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, bool)
    w = a.T @ (b - a @ x)
    for _ in range(max_iter):
        if passive.all() or w[~passive].max(initial=-np.inf) <= 1e-12:
            break
        j = np.argmax(np.where(passive, -np.inf, w))
        passive[j] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(a[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            passive &= x > 1e-12
        w = a.T @ (b - a @ x)
    return x


def _fit_area(rows):
    """Costs per part from ``rows`` of ``(part counts, measured)``; ``None`` for absent parts."""
    x = np.array([[r[0][p] for p in PARTS] for r in rows], float)
    y = np.array([r[1] for r in rows], float)
    present = x.any(axis=0)
    a = x[:, present] / y[:, None]                   # relative error: each row divided by y
    scale = np.linalg.norm(a, axis=0)
    a = a / scale
    # a signed part is two columns, x = x+ - x-, both non-negative
    names = [p for p, there in zip(PARTS, present) if there]
    signed = [i for i, p in enumerate(names) if p in SIGNED]
    a = np.hstack([a, -a[:, signed]])
    k = a.shape[1]
    a_aug = np.vstack([a, math.sqrt(RIDGE) * np.eye(k)])
    b_aug = np.concatenate([np.ones(len(y)), np.zeros(k)])
    solution = nnls(a_aug, b_aug)
    coef = solution[:len(names)].copy()
    coef[signed] -= solution[len(names):]
    coef /= scale
    costs, i = {}, 0
    for p, there in zip(PARTS, present):
        costs[p] = float(coef[i]) if there else None
        i += there
    return costs


def _fit_period(rows):
    x = np.array([[r[0][f] for f in TIMING_FEATURES] for r in rows], float)
    period = np.array([1000.0 / r[1] for r in rows], float)
    used = x.any(axis=0)
    a = x[:, used] / period[:, None]
    coef = np.linalg.lstsq(a, np.ones(len(period)), rcond=None)[0]
    out, i = {}, 0
    for f, there in zip(TIMING_FEATURES, used):
        out[f] = float(coef[i]) if there else None     # no calibration design had it
        i += there
    return out


def fit(measured, command):
    """The calibration (a JSON-ready dict) from the ``calibration`` records of ``measured``."""
    area, period, designs = {}, {}, {}
    for target, metrics in AREA_METRICS.items():
        for metric in metrics:
            rows = [(parts(*_design(r["design"])), r["metrics"][metric])
                    for r in measured["records"]
                    if r["role"] == "calibration" and r["target"] == target and metric in
                    r["metrics"] and r["metrics"][metric] > 0]
            if rows:
                area.setdefault(target, {})[metric] = _fit_area(rows)
    for target in FMAX_TARGETS:
        rows = [(timing_features(*_design(r["design"])), r["metrics"]["fmax_mhz"])
                for r in measured["records"]
                if r["role"] == "calibration" and r["target"] == target
                and "fmax_mhz" in r["metrics"]]
        if rows:
            period[target] = _fit_period(rows)
    for r in measured["records"]:
        if r["role"] == "calibration":
            designs.setdefault(r["target"], []).append(r["design"])
    return {"format": FORMAT, "command": command, "tools": measured["tools"],
            "parts": list(PARTS), "timing_features": list(TIMING_FEATURES),
            "area_costs": area, "period_ns": period,
            "calibration_designs": {t: sorted(set(v)) for t, v in sorted(designs.items())}}
