"""Validation: estimates against the real flows' measurements, per target and metric.

:func:`errors` prices every design of the stored measured set (``estimate/data/measured.json``)
with the stored calibration and returns the relative errors; :func:`summary` gives the median and
worst absolute error per target, metric and role (``calibration``: the designs the costs were
fitted on; ``held-out``: larger designs never fitted on); :func:`write` writes the report
(``build/estimate/report.md``, ``make estimate-report``), whose sections docs/estimates.md copies
(docs/figures.toml). :data:`BOUNDS` are the documented error bounds the test suite holds the
held-out errors to (``estimate/tests/test_bounds.py``).
"""

import json
import statistics

from .fit import MEASURED
from .model import load, parse

__all__ = ["BOUNDS", "GOALS", "bound", "errors", "summary", "energy_errors", "rankings", "render",
           "write"]

#: Goals of the estimator: worst and median absolute relative error on held-out designs.
GOALS = {"area": (0.10, 0.05), "fmax_mhz": (0.15, None)}

#: Documented bounds on the held-out designs' worst absolute relative error, per metric kind (a
#: target whose measured error is past the goal would get its own ``"<kind> <target>"`` entry, as
#: :func:`bound` reads them): the test fails when an estimate drifts past them (docs/estimates.md
#: states them).
BOUNDS = {"area": 0.10, "fmax_mhz": 0.15, "pj_per_mac": 0.10,
          "calibration area": 0.25, "calibration fmax_mhz": 0.30}


def bound(metric, target, role="held-out"):
    """The documented bound on the worst error of ``metric`` on ``target`` for ``role``."""
    kind = _kind(metric)
    if role == "calibration":
        return BOUNDS["calibration " + kind]
    return BOUNDS.get(f"{kind} {target}", BOUNDS[kind])


def _kind(metric):
    return "fmax_mhz" if metric == "fmax_mhz" else "area"


def errors(measured=None, calibration=None):
    """One row per measured figure: design, target, metric, role, measured, estimated, relative
    error (estimated / measured - 1)."""
    from .sets import FMAX_TARGETS
    measured = json.loads(MEASURED.read_text()) if measured is None else measured
    cal = load() if calibration is None else calibration
    rows = []
    for r in measured["records"]:
        block, config = parse(r["design"])
        for metric, value in r["metrics"].items():
            if not value:
                continue
            try:
                if metric == "fmax_mhz":
                    est = cal.fmax(block, config, r["target"])
                else:
                    est = cal.area(block, config, r["target"], metric)
            except ValueError:
                continue        # e.g. a part without calibration data there (noted by estimate)
            rows.append({"design": r["design"], "target": r["target"], "metric": metric,
                         "role": r["role"], "measured": value, "estimated": est,
                         "error": est / value - 1})
    return rows


def summary(rows):
    """``{(target, metric, role): (count, median |error|, worst |error|, worst design)}``."""
    groups = {}
    for row in rows:
        groups.setdefault((row["target"], row["metric"], row["role"]), []).append(row)
    out = {}
    for key, group in sorted(groups.items()):
        worst = max(group, key=lambda r: abs(r["error"]))
        out[key] = (len(group), statistics.median(abs(r["error"]) for r in group),
                    abs(worst["error"]), worst["design"])
    return out


def energy_errors(measured=None, calibration=None):
    """Energy per MAC estimated against the measured held-out units (rows as :func:`errors`)."""
    from .energy_model import energy_per_mac
    measured = json.loads(MEASURED.read_text()) if measured is None else measured
    cal = load() if calibration is None else calibration
    rows = []
    for r in measured.get("energy", []):
        block, config = parse(r["design"])
        area = cal.area(block, config, "asic-osu018", "area")
        est = energy_per_mac(block, config, area, r["zeros"])
        rows.append({"design": r["design"], "target": "asic-osu018", "metric": "pj_per_mac",
                     "role": r["role"], "measured": r["pj_per_mac"], "estimated": est,
                     "error": est / r["pj_per_mac"] - 1, "zeros": r["zeros"]})
    return rows


def rankings(rows):
    """SPARQ against its baselines, measured and estimated: one entry per pair of measured designs
    that differ only in the datapath (SPARQ setting against int8 or the naive baseline of its
    width, same block, size and options), target and metric: ``(target, metric, sparq design,
    baseline design, measured ratio, estimated ratio, inverted)``. ``inverted``: the estimate puts
    the two in the other order although the measured ratio differs from 1 by more than the
    documented bound of the metric on the target (:func:`bound`)."""
    import re
    setting = re.compile(r"-(sparq-b\d-o\d-(?:ne|tr)|int8|a\dw8)(?=-|$)")
    by = {}
    for r in rows:
        m = setting.search(r["design"])
        if m:
            shape = r["design"][:m.start()] + "-*" + r["design"][m.end():]
            by.setdefault((r["target"], r["metric"], shape), {})[m.group(1)] = r
    out = []
    for (target, metric, _), group in sorted(by.items()):
        for tag, r in sorted(group.items()):
            if not tag.startswith("sparq"):
                continue
            naive = f"a{tag[7]}w8"
            for base in ("int8", naive):
                b = group.get(base)
                if b is None:
                    continue
                measured = r["measured"] / b["measured"]
                estimated = r["estimated"] / b["estimated"]
                inverted = ((measured - 1) * (estimated - 1) < 0
                            and abs(measured - 1) > bound(metric, target))
                out.append((target, metric, r["design"], b["design"], measured, estimated,
                            inverted))
    return out


def _pct(x):
    return f"{100 * x:.1f} %"


def render(measured=None, calibration=None):
    """The report as Markdown."""
    measured = json.loads(MEASURED.read_text()) if measured is None else measured
    cal = load() if calibration is None else calibration
    rows = errors(measured, cal)
    summ = summary(rows)
    tools = "; ".join(f"{t} {', '.join(v)}" for t, v in cal.doc["tools"].items())
    out = ["# Estimates against the real flows", "", "## Errors per target and metric", "",
           "| target | metric | designs | role | median error | worst error | worst design |",
           "|---|---|---|---|---|---|---|"]
    for (target, metric, role), (n, med, worst, design) in summ.items():
        out.append(f"| {target} | {metric} | {n} | {role} | {_pct(med)} | {_pct(worst)} | "
                   f"`{design}` |")
    erows = energy_errors(measured, cal)
    for (target, metric, role), (n, med, worst, design) in summary(erows).items():
        out.append(f"| {target} | pJ/MAC (gate-level energy) | {n} | {role} | {_pct(med)} | "
                   f"{_pct(worst)} | `{design}` |")
    out += ["", "Errors are |estimated / measured - 1|.", ""]
    out += ["## Goals on held-out designs", "",
            "| goal (held-out designs) | target | measured | met | tested bound (worst) |",
            "|---|---|---|---|---|"]
    for (target, metric, role), (n, med, worst, design) in summ.items():
        if role != "held-out":
            continue
        w, m = GOALS[_kind(metric)]
        goal = f"{metric}: worst within ±{w:.0%}" + (f", median within ±{m:.0%}" if m else "")
        met = worst <= w and (m is None or med <= m)
        out.append(f"| {goal} | {target} | worst {_pct(worst)}, median {_pct(med)} | "
                   f"{'met' if met else 'not met'} | {bound(metric, target):.0%} |")
    ranks = rankings(rows)
    inverted = [x for x in ranks if x[6]]
    out += ["", "## Ranking against the baselines", "",
            f"{len(ranks)} comparisons of a SPARQ design with int8 or the naive baseline of its "
            f"width (same block, size and options, same target and metric); the estimate inverts "
            f"the measured order in {sum((m - 1) * (e - 1) < 0 for *_, m, e, _ in ranks)} of "
            f"them, in {len(inverted)} where the measured ratio differs from 1 by more than the "
            f"error bound." + ("" if not inverted else " Those:"), ""]
    if inverted:
        out += ["| target | metric | SPARQ | baseline | measured ratio | estimated ratio |",
                "|---|---|---|---|---|---|"]
        out += [f"| {t} | {m} | `{d}` | `{b}` | {mr:.3f} | {er:.3f} |"
                for t, m, d, b, mr, er, _ in inverted]
        out += [""]
    out += ["## Every design", "",
            "| design | target | metric | role | measured | estimated | error |",
            "|---|---|---|---|---|---|---|"]
    for r in sorted(rows + erows, key=lambda r: (r["role"] != "held-out", r["target"],
                                                 r["metric"], r["design"])):
        out.append(f"| `{r['design']}` | {r['target']} | {r['metric']} | {r['role']} | "
                   f"{r['measured']:,.4g} | {r['estimated']:,.4g} | {100 * r['error']:+.1f} % |")
    out += ["", "## Command", "",
            f"`make estimate-report` (`python -m estimate report`): the stored calibration "
            f"(`{cal.doc['command']}`, from `make estimate-calibrate`) against the stored "
            f"measurements of the real flows (`estimate/data/measured.json`: `make synth`'s "
            f"results and `python -m estimate measure`'s); measured with {tools}.", ""]
    return "\n".join(out)


def write(path, measured=None, calibration=None):
    """Write the report to ``path`` (and its parent folders); returns the path."""
    from pathlib import Path
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(measured, calibration))
    return path
