"""Regression baselines: the measured figures of a set of runs, per Yosys version.

``synth/baselines/<yosys major.minor>.json``::

    {"format": "sparq-synth-baseline/1",
     "tools": {tool: version}, "seed": 1, "commands": ["sparq-rtl synth ...", ...],
     "tolerance": {metric: fraction},          # allowed relative regression per metric
     "improvement_tolerance": {metric: fraction},   # allowed relative improvement per metric
     "figures": {"<design>.<target>": {metric: value}}}

The guard is two-sided. A figure regresses when an area figure grows, or Fmax falls, by more than
its tolerance. A figure that improves by more than its improvement tolerance fails too: an
unexplained 90 % drop in area is far more often logic that Yosys removed (a constant input, a
broken connection) than a better design; a real improvement is recorded by writing a new baseline.
"""

import json
from pathlib import Path

from .tools import SynthError

__all__ = ["BASELINE_DIR", "TOLERANCE", "IMPROVEMENT_TOLERANCE", "HIGHER_IS_BETTER",
           "baseline_path", "make_baseline", "merge_baseline", "load_baseline", "compare",
           "check_figures"]

BASELINE_DIR = Path(__file__).parent / "baselines"
BASELINE_FORMAT = "sparq-synth-baseline/1"

#: Relative regression allowed per metric. Synthesis is deterministic for one tool version, so
#: area figures get a small margin (for harmless changes in generated names); Fmax depends on
#: placement and moves by several percent with any netlist change.
TOLERANCE = {"transistors": 0.02, "transistors_ff": 0.02, "area": 0.02, "luts": 0.03, "ffs": 0.0, "dsps": 0.0,
             "fmax_mhz": 0.10}
HIGHER_IS_BETTER = ("fmax_mhz",)

#: Relative improvement allowed per metric before the guard asks for a new baseline. Wider than
#: the regression side: small gains come with harmless netlist changes, and Fmax moves with
#: placement; flip-flops and DSPs are exact counts of the design, so any change needs explaining.
IMPROVEMENT_TOLERANCE = {"transistors": 0.05, "transistors_ff": 0.05, "area": 0.05, "luts": 0.05,
                         "ffs": 0.0, "dsps": 0.0, "fmax_mhz": 0.25}


def baseline_path(version):
    return BASELINE_DIR / f"{version}.json"


def make_baseline(results, *, versions, seed, command):
    figures = {}
    for r in results:
        if r is None or r["status"] != "ok":
            continue
        kept = {m: v for m, v in r["metrics"].items() if m in TOLERANCE}
        if kept:
            figures[f"{r['design']['name']}.{r['target']}"] = kept
    return {"format": BASELINE_FORMAT,
            "tools": {t: v["version"] for t, v in versions.items()},
            "seed": seed, "commands": [command], "tolerance": dict(TOLERANCE),
            "improvement_tolerance": dict(IMPROVEMENT_TOLERANCE),
            "figures": dict(sorted(figures.items()))}


def merge_baseline(path, doc):
    """``doc`` merged into the baseline at ``path`` when that one has the same tools and seed:
    figures of ``doc`` replace or join the stored ones, its command is appended. Otherwise
    ``doc`` alone (a new tool version starts a new baseline)."""
    path = Path(path)
    if not path.exists():
        return doc
    old = json.loads(path.read_text())
    common = set(old.get("tools", {})) & set(doc["tools"])
    if old.get("format") != BASELINE_FORMAT or old.get("seed") != doc["seed"] \
            or any(old["tools"][t] != doc["tools"][t] for t in common):
        return doc
    merged = dict(doc)
    merged["tools"] = dict(sorted({**old["tools"], **doc["tools"]}.items()))
    merged["commands"] = old["commands"] + [c for c in doc["commands"] if c not in old["commands"]]
    merged["figures"] = dict(sorted({**old["figures"], **doc["figures"]}.items()))
    return merged


def load_baseline(path):
    path = Path(path)
    if not path.exists():
        raise SynthError(f"no baseline {str(path)!r} for this Yosys version; write one with "
                         f"`sparq-rtl synth --write-baseline`")
    doc = json.loads(path.read_text())
    if doc.get("format") != BASELINE_FORMAT:
        raise SynthError(f"baseline {str(path)!r} is not {BASELINE_FORMAT}")
    return doc


def compare(metric, measured, baseline, tolerance, improvement=None):
    """``(ok, relative change)``: change > 0 is worse (bigger area, lower Fmax), < 0 better.

    ``ok`` when ``-improvement <= change <= tolerance``; ``improvement`` defaults to
    :data:`IMPROVEMENT_TOLERANCE` of the metric (two-sided: see the module docstring).
    """
    if improvement is None:
        improvement = IMPROVEMENT_TOLERANCE[metric]
    if baseline == 0:
        change = 0.0 if measured == 0 else (float("-inf") if metric in HIGHER_IS_BETTER
                                            else float("inf"))
    elif metric in HIGHER_IS_BETTER:
        change = (baseline - measured) / baseline
    else:
        change = (measured - baseline) / baseline
    return -improvement - 1e-12 <= change <= tolerance + 1e-12, change


def check_figures(doc, entry, metrics):
    """The figures of baseline ``doc``'s ``entry`` (``<design>.<target>``) that ``metrics`` (a
    run's measured figures) do not meet, on either side, as messages; empty when all are met."""
    off = []
    better = doc.get("improvement_tolerance", IMPROVEMENT_TOLERANCE)
    for metric, expected in doc["figures"][entry].items():
        if metric not in metrics:
            off.append(f"{metric} was not measured")
            continue
        measured = metrics[metric]
        ok, change = compare(metric, measured, expected, doc["tolerance"][metric], better[metric])
        if not ok:
            off.append(f"{metric} {measured} vs baseline {expected}: {change:+.1%} (+ is worse; "
                       f"allowed -{better[metric]:.0%} .. +{doc['tolerance'][metric]:.0%})")
    return off
