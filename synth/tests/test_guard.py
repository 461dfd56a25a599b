"""The synthesis regression guard fails on a collapsed netlist, not only on a bigger one.

A window selector whose outputs are tied to constants (what a broken connection or a constant
input lets Yosys do to a real design) is synthesized on the generic target and checked against the
stored baseline figure of the real window selector: the guard must report it. The real design,
synthesized the same way, must pass, so the check is not one that always fails.
"""

import json

from synth.baseline import BASELINE_DIR, check_figures
from synth.designs import TOP, generate_verilog, parse_design
from synth.flow import Source, run_one
from synth.targets import TARGETS

ENTRY = "window-sparq-b4-o5-ne.generic"
DOC = json.loads((BASELINE_DIR / "0.70.json").read_text())

COLLAPSED = f"""module {TOP}(x, mant, shift);
  input [7:0] x;
  output [3:0] mant;
  output [2:0] shift;
  assign mant = 4'h0;
  assign shift = 3'h0;
endmodule
"""


def _metrics(tmp_path, name, text):
    design = parse_design("window-sparq-b4-o5-ne")
    result = run_one(Source(name, TOP, text, design.describe()), TARGETS["generic"], tmp_path)
    assert result["status"] == "ok"
    return result["metrics"]


def test_guard_passes_the_real_design(tmp_path):
    text, _ = generate_verilog(parse_design("window-sparq-b4-o5-ne"))
    assert check_figures(DOC, ENTRY, _metrics(tmp_path, "real", text)) == []


def test_guard_fails_a_collapsed_netlist(tmp_path):
    off = check_figures(DOC, ENTRY, _metrics(tmp_path, "collapsed", COLLAPSED))
    assert off and off[0] == ("transistors 0 vs baseline 336: -100.0% (+ is worse; allowed -5% .. "
                              "+2%)"), off
