"""Formal harnesses of the window selector and the pair encoder (combinational miters).

Each harness puts the generated RTL module and the spec model of :mod:`formal.spec` side by side
on the same free input, for the configuration's window width (4, 3 or 2 bits), and asserts, for every input value (256 activations, 65,536 pairs):

* ``window_spec``: the RTL's ``mant`` and ``shift`` equal the spec model's;
* ``window_golden``: the value ``mant << shift`` equals ``golden.bsparq``'s (a table);
* ``pair_spec``: the RTL's six slot fields equal the spec model's;
* ``pair_contribution``: the pair's contribution ``(mant0 * b[src0] << shift0) + (mant1 *
  b[src1] << shift1)`` equals ``golden.vsparq``'s ``h0*b0 + h1*b1`` for every weight pair (a
  lone activation's value from the lone table, :func:`formal.reference.lone_table`). The
  contribution is linear in the weights, so this holds for all ``b0, b1`` exactly when the slots'
  coefficients agree: the shifted mantissas whose ``src`` is 0 add up to ``h0`` and those whose
  ``src`` is 1 to ``h1`` -- which is what is asserted (no multiplier in the proof).
"""

from .reference import lone_table, window_table
from .spec import MODULES

__all__ = ["window_harness", "pair_harness"]

SPEC_WINDOW, SPEC_PAIR = MODULES["window"], MODULES["pair"]


def window_harness(config, dut, prop):
    """SystemVerilog text of module ``formal_window``: ``dut`` against the spec model
    (``prop="spec"``) or the golden values (``prop="golden"``)."""
    check = {"spec": "window_spec: assert (mant == s_mant && shift == s_shift);",
             "golden": "window_golden: assert (value == {1'b0, F_WINDOW[8 * x +: 8]});"}[prop]
    n, sw = config.bits, config.shift_width
    return f"""// Formal harness of {dut}: the RTL window selector ({n}-bit window) against the spec model
// and golden.
module formal_window (input [7:0] x);
  wire [{n - 1}:0] mant, s_mant;
  wire [{sw - 1}:0] shift, s_shift;
  {dut} dut (.x(x), .mant(mant), .shift(shift));
  {SPEC_WINDOW} spec (.x(x), .mant(s_mant), .shift(s_shift));
{window_table(config)}
  wire [8:0] value = {{{9 - n}'d0, mant}} << shift;
  always @(*) {check}
endmodule
"""


def pair_harness(config, dut, prop):
    """SystemVerilog text of module ``formal_pair``: ``dut`` against the spec model
    (``prop="spec"``) or the golden pair rule (``prop="contribution"``)."""
    n, sw = config.bits, config.shift_width
    fields = [("mant0", n), ("shift0", sw), ("src0", 1), ("mant1", n), ("shift1", sw), ("src1", 1)]
    decl = "".join(f"  wire [{w - 1}:0] {n}, s_{n};\n" for n, w in fields)
    rtl = ", ".join(f".{n}({n})" for n, _ in fields)
    spec = ", ".join(f".{n}(s_{n})" for n, _ in fields)
    same = " && ".join(f"{n} == s_{n}" for n, _ in fields)
    check = {"spec": f"pair_spec: assert ({same});",
             "contribution": "pair_contribution: assert (k0 == h0 && k1 == h1);"}[prop]
    return f"""// Formal harness of {dut}: the RTL pair encoder ({n}-bit windows) against the spec model and
// golden.
module formal_pair (input [7:0] a0, input [7:0] a1);
{decl}  {dut} dut (.a0(a0), .a1(a1), {rtl});
  {SPEC_PAIR} spec (.a0(a0), .a1(a1), {spec});
{window_table(config)}{lone_table(config)}
  // The reference values h0, h1 (spec: a lone activation gets its lone value, a zero 0).
  wire [8:0] h0 = (a0 == 8'd0) ? 9'd0 : (a1 == 8'd0) ? {{1'b0, F_LONE[8 * a0 +: 8]}} : {{1'b0, F_WINDOW[8 * a0 +: 8]}};
  wire [8:0] h1 = (a1 == 8'd0) ? 9'd0 : (a0 == 8'd0) ? {{1'b0, F_LONE[8 * a1 +: 8]}} : {{1'b0, F_WINDOW[8 * a1 +: 8]}};
  // The weight coefficients of the two slots: slot j adds (mantJ << shiftJ) * b[srcJ].
  wire [8:0] v0 = {{{9 - n}'d0, mant0}} << shift0;
  wire [8:0] v1 = {{{9 - n}'d0, mant1}} << shift1;
  wire [9:0] k0 = (src0 ? 10'd0 : v0) + (src1 ? 10'd0 : v1);
  wire [9:0] k1 = (src0 ? v0 : 10'd0) + (src1 ? v1 : 10'd0);
  always @(*) {check}
endmodule
"""
