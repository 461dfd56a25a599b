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
* Fmax: the clock period (``1000 / fmax_mhz``, ns) as the slower of two stages, each a linear
  function of its features: the product stage (:data:`estimate.parts.TIMING_FEATURES`) and the
  accumulate stage (:data:`estimate.parts.ACCUMULATE_FEATURES`). :func:`fit_stages` fits the
  maximum by least squares of the relative error, each design on the stage it is slower in (see
  there). A feature no calibration design has on the stage it binds gets no cost there
  (``null``), as an absent part; a target where the accumulate stage binds no calibration design
  has no accumulate stage (``null``): its period is the product stage's.

The result, ``estimate/data/calibration.json``, holds the costs, the tool versions of the
measurements, the command that made it and the calibration designs.
"""

import json
import math
from pathlib import Path

import numpy as np

from .parts import (ACCUMULATE_FEATURES, PARTS, TIMING_FEATURES, accumulate_features, parts,
                    timing_features)
from .sets import AREA_METRICS, FMAX_TARGETS, role

__all__ = ["DATA", "MEASURED", "CALIBRATION", "collect", "fit", "fit_stages", "nnls", "FORMAT"]

DATA = Path(__file__).parent / "data"
MEASURED = DATA / "measured.json"
CALIBRATION = DATA / "calibration.json"
FORMAT = "sparq-estimate-calibration/2"

#: Parts whose cost may be negative: the split multiply stage re-maps the multiplier, and on some
#: targets the split form is smaller than the whole one (ECP5 without DSPs: the split int8 PE has
#: 431 LUT4 against 679) although it adds registers; a multiplier whose product is summed without
#: a register maps smaller on ECP5 than a registered one (estimate.parts, ``mul_comb``).
SIGNED = ("pipe", "mul_comb")

#: Ridge weight, relative to the data term (scaled columns): small enough to leave well-determined
#: costs alone, large enough to share a cost between parts the data cannot separate.
RIDGE = 1e-3

#: Random starting assignments of :func:`fit_stages`, and their seed (the fit is deterministic).
STARTS, STARTS_SEED = 200, 0


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


def fit_stages(first, second, period, max_iter=100):
    """Least-squares fit of ``period ~ max(first @ p, second @ q)`` (relative error).

    ``first`` and ``second`` are the feature matrices of the two stages (one row per design),
    ``period`` the measured periods. The maximum is piecewise linear: given which stage binds each
    design, the fit is one linear least-squares problem (a design's row holds the features of its
    binding stage only). Starting from each of :data:`STARTS` + 2 assignments (every design on
    the first stage, every design on the second, and :data:`STARTS` random ones from a fixed
    seed: the error has local minima), the fit alternates between solving for the costs and
    moving every design to the stage the costs make the slower, until no design moves (a few
    steps on the calibration sets; ``max_iter`` bounds it); the end with the smallest error of the
    maximum is kept. A cost whose feature no design bound by its stage has is ``nan``; with no
    design on the second stage, ``q`` is all ``nan``. Features that the designs on a stage cannot
    tell apart (always equal, as the accumulate stage's constant and pair adder when only PEs and
    arrays bind it) share their cost evenly (the least-norm solution).

    Returns ``(p, q, binds_second)``.
    """
    first, second = np.asarray(first, float), np.asarray(second, float)
    period = np.asarray(period, float)
    n, k1 = first.shape

    def solve(on_second):
        a = np.zeros((n, k1 + second.shape[1]))
        a[~on_second, :k1] = first[~on_second]
        a[on_second, k1:] = second[on_second]
        a /= period[:, None]                         # relative error
        used = a.any(axis=0)
        coef = np.full(a.shape[1], np.nan)
        coef[used] = np.linalg.lstsq(a[:, used], np.ones(n), rcond=None)[0]
        return coef[:k1], coef[k1:]

    def stage_periods(p, q):
        return (first @ np.nan_to_num(p),
                second @ np.nan_to_num(q) if not np.isnan(q).all() else np.full(n, -np.inf))

    rng = np.random.default_rng(STARTS_SEED)
    starts = [np.zeros(n, bool), np.ones(n, bool)] + [rng.random(n) < 0.5 for _ in range(STARTS)]
    best = None
    for on_second in starts:
        for _ in range(max_iter):
            p, q = solve(on_second)
            s1, s2 = stage_periods(p, q)
            moved = s2 > s1
            if (moved == on_second).all():
                break
            on_second = moved
        s1, s2 = stage_periods(p, q)
        error = float(np.sum((np.maximum(s1, s2) / period - 1) ** 2))
        if best is None or error < best[0] - 1e-12:
            best = (error, p, q, on_second.copy())
    return best[1], best[2], best[3]


def _fit_period(rows):
    """Costs of both stages from ``rows`` of ``(product features, accumulate features, fmax)``:
    ``{"product": {feature: ns}, "accumulate": {feature: ns} or None, "lower_bounds": [feature],
    "binds_accumulate": [row indices]}``. A feature that calibration designs have but none bound
    by its stage gets the cost 0 there, its lower bound, and is listed in ``lower_bounds``."""
    first = np.array([[r[0][f] for f in TIMING_FEATURES] for r in rows], float)
    second = np.array([[r[1][f] for f in ACCUMULATE_FEATURES] for r in rows], float)
    period = np.array([1000.0 / r[2] for r in rows], float)
    p, q, on_second = fit_stages(first, second, period)

    def costs(names, coef, x):
        # a feature some design has, but only designs bound by the other stage: its cost on
        # this stage is unknown, and 0 is its lower bound (this stage then binds none of them)
        out, bound = {}, []
        for i, (f, c) in enumerate(zip(names, coef)):
            if math.isnan(c) and x[:, i].any():
                out[f] = 0.0
                bound.append(f)
            else:
                out[f] = None if math.isnan(c) else float(c)
        return out, bound
    product, low = costs(TIMING_FEATURES, p, first)
    accumulate, low_acc = (None, []) if np.isnan(q).all() else costs(ACCUMULATE_FEATURES, q, second)
    return {"product": product, "accumulate": accumulate, "lower_bounds": low + low_acc,
            "binds_accumulate": [i for i, b in enumerate(on_second) if b]}


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
        names = [r["design"] for r in measured["records"]
                 if r["role"] == "calibration" and r["target"] == target
                 and "fmax_mhz" in r["metrics"]]
        fmax = {r["design"]: r["metrics"]["fmax_mhz"] for r in measured["records"]
                if r["target"] == target and r["design"] in names}
        rows = [(timing_features(*_design(n)), accumulate_features(*_design(n)), fmax[n])
                for n in names]
        if rows:
            stages = _fit_period(rows)
            period[target] = {"product": stages["product"], "accumulate": stages["accumulate"],
                              "lower_bounds": stages["lower_bounds"],
                              "accumulate_binds": [names[i] for i in stages["binds_accumulate"]]}
    for r in measured["records"]:
        if r["role"] == "calibration":
            designs.setdefault(r["target"], []).append(r["design"])
    return {"format": FORMAT, "command": command, "tools": measured["tools"],
            "parts": list(PARTS), "timing_features": list(TIMING_FEATURES),
            "accumulate_features": list(ACCUMULATE_FEATURES),
            "area_costs": area, "period_ns": period,
            "calibration_designs": {t: sorted(set(v)) for t, v in sorted(designs.items())}}
