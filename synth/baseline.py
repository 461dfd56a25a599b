"""Regression baselines: the measured figures of a set of runs, per Yosys version.

``synth/baselines/<yosys major.minor>.json``::

    {"format": "sparq-synth-baseline/1",
     "tools": {tool: version}, "seed": 1, "commands": ["sparq-rtl synth ...", ...],
     "tolerance": {metric: fraction},          # allowed relative regression per metric
     "figures": {"<design>.<target>": {metric: value}}}

A figure regresses when an area figure grows, or Fmax falls, by more than its tolerance.
"""

import json
from pathlib import Path

from .tools import SynthError

__all__ = ["BASELINE_DIR", "TOLERANCE", "HIGHER_IS_BETTER", "baseline_path", "make_baseline",
           "merge_baseline", "load_baseline", "compare"]

BASELINE_DIR = Path(__file__).parent / "baselines"
BASELINE_FORMAT = "sparq-synth-baseline/1"

#: Relative regression allowed per metric. Synthesis is deterministic for one tool version, so
#: area figures get a small margin (for harmless changes in generated names); Fmax depends on
#: placement and moves by several percent with any netlist change.
TOLERANCE = {"transistors": 0.02, "transistors_ff": 0.02, "area": 0.02, "luts": 0.03, "ffs": 0.0, "dsps": 0.0,
             "fmax_mhz": 0.10}
HIGHER_IS_BETTER = ("fmax_mhz",)


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


def compare(metric, measured, baseline, tolerance):
    """``(ok, relative change)``: change > 0 is worse (bigger area, lower Fmax)."""
    if baseline == 0:
        change = 0.0 if measured == 0 else float("inf")
    elif metric in HIGHER_IS_BETTER:
        change = (baseline - measured) / baseline
    else:
        change = (measured - baseline) / baseline
    return change <= tolerance + 1e-12, change
