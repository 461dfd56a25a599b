"""Mapping probes: the same baseline multipliers in three surroundings, through the real flow.

``python -m estimate probe`` synthesizes small hand-written modules of 8b x 8b products
(unsigned activation, signed weight, as the baselines' ``*``; every operand registered) on iCE40
and ECP5 without DSPs (:func:`synth.flow.run_one`, the flow and LUT4 count of every other result)
and prints their LUT4 counts:

* ``products``: four products, each registered (as in a PE);
* ``summed``: four products summed by a balanced adder tree into one register (as in a
  dot-product unit's output);
* ``summed_registered``: the four products registered, then summed (the tree alone, beside
  ``products``);
* ``shared``: four products of two activations and two weights, each registered (the unit's
  broadcast of an operand to several multipliers).

They show why :mod:`estimate.parts` prices a baseline product summed without a register apart
(``mul_comb``): on ECP5 ``summed`` is smaller than ``products`` although it adds the tree, on iCE40
it is ``products`` plus the tree; ``shared`` is ``products`` on both (docs/estimates.md).
"""

__all__ = ["PROBES", "probe_verilog", "run"]

#: Probe name -> (products summed, products registered, operands shared).
PROBES = {"products": (False, True, False), "summed": (True, False, False),
          "summed_registered": (True, True, False), "shared": (False, True, True)}

_N = 4          # products per probe


def probe_verilog(name):
    """Verilog of probe ``name`` (module ``probe``); ValueError for an unknown name."""
    if name not in PROBES:
        raise ValueError(f"probe must be one of {', '.join(PROBES)}, not {name!r}")
    summed, registered, shared = PROBES[name]
    width = 2 * 8 + 3 if summed else 16 * _N          # sum of four 16-bit products: 18 bits
    lines = [f"module probe(input clk, input [{8 * _N - 1}:0] a_in, input [{8 * _N - 1}:0] w_in,",
             f"             output reg [{width - 1}:0] out);"]
    for i in range(_N):
        lines.append(f"  reg [7:0] a{i}; reg signed [7:0] w{i};")
        lines.append(f"  always @(posedge clk) begin a{i} <= a_in[{8 * i + 7}:{8 * i}]; "
                     f"w{i} <= w_in[{8 * i + 7}:{8 * i}]; end")
    for i in range(_N):
        # shared: products a0*w0, a0*w1, a1*w0, a1*w1 (two activations, two weights)
        a, w = (i // 2, i % 2) if shared else (i, i)
        expr = f"$signed({{1'b0, a{a}}}) * w{w}"
        if registered:
            lines.append(f"  reg signed [15:0] p{i}; always @(posedge clk) p{i} <= {expr};")
        else:
            lines.append(f"  wire signed [15:0] p{i} = {expr};")
    if summed:
        lines += ["  wire signed [16:0] t0 = p0 + p1;", "  wire signed [16:0] t1 = p2 + p3;",
                  "  wire signed [17:0] t2 = t0 + t1;",
                  "  always @(posedge clk) out <= t2;"]
    else:
        lines.append("  always @(posedge clk) out <= {" + ", ".join(
            f"p{i}" for i in reversed(range(_N))) + "};")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def run(out, targets=("ice40", "ecp5-nodsp")):
    """Synthesize every probe on ``targets`` into ``out``; returns ``{(probe, target): luts}``."""
    from synth.flow import Source, run_one
    from synth.targets import TARGETS
    results = {}
    for name in PROBES:
        source = Source(f"probe-{name}", "probe", probe_verilog(name), {"name": f"probe-{name}"})
        for target in targets:
            doc = run_one(source, TARGETS[target], out)
            results[name, target] = doc["metrics"]["luts"]
    return results
