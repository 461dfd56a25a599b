"""Injected bugs: each property class must catch its own.

A :class:`Mutant` edits a copy of a design's generated Verilog (one exact pattern, which must
match exactly once inside the named module, so a change in the generator's output fails loudly
instead of testing nothing) and names the proof that must then fail. The mutant runs as a bounded
check (``bmc``, without induction aids), so a failure is a real counterexample trace from reset,
written as a waveform, and it must be an assertion of the expected class that fails.
"""

import re
from dataclasses import dataclass

from hdl.axis import WRAPPED
from hdl.config import SparqConfig

from .jobs import DUT, Proof, catalogue, design_verilog

__all__ = ["Mutant", "MUTANTS", "QUICK_MUTANTS"]

_ARRAY = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", rows=2, cols=2,
                     max_k=8)
_PE = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", max_k=8)
# A tile of two pairs overflows an accumulator two bits short: the first pair alone can exceed
# 2**15 (2 * 128 * 255).
_PE_SHORT = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", max_k=4)
_ENCODER = SparqConfig(options=5, rounding="nearest-even")
_ENCODER_B3 = SparqConfig(bits=3, options=6, rounding="nearest-even")
_ENCODER_B2 = SparqConfig(bits=2, options=7, rounding="nearest-even")
_DP = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", rows=1, cols=2,
                  pairs=1, max_k=8)
_DP_PIPE = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", rows=2, cols=1,
                       pairs=1, max_k=8, mul_pipe=True)
_SKID = Proof("skid", SparqConfig(), "beats", "prove", 0)
# One output of the default sparq unit of make verilog (4 pairs, max_k 1152).
_DP4 = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", rows=1, cols=1, pairs=4,
                   max_k=1152)
# The tile framing alone (formal.frame) of 5 and 64 result rows.
_FRAME5 = Proof("frame", SparqConfig(rows=5, cols=1, max_k=1152), "control", "prove", 0)
_FRAME64 = Proof("frame", SparqConfig(rows=64, cols=1, max_k=1152), "control", "prove", 0)
# The 2:4 array, the unit with packed products, the unit with skid buffers at its ports.
_STC = SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, stc=True)
_DP_PACK = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", rows=1, cols=2,
                       pairs=1, max_k=8, dsp_pack=True)
_DP_SKID = SparqConfig(datapath="int8", rows=1, cols=1, pairs=1, max_k=8, skid=True)
_PE_STC = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", max_k=8, stc=True)
_PE_B3 = SparqConfig(datapath="sparq", bits=3, options=6, rounding="nearest-even", max_k=8)
# The split multiply stage (mul_pipe): its shift register must hold the shift of the pair whose
# half products sit beside it.
_PE_PIPE = SparqConfig(datapath="sparq", options=5, rounding="nearest-even", max_k=8,
                       mul_pipe=True)


@dataclass(frozen=True)
class Mutant:
    """``pattern`` (a regular expression) is replaced by ``replacement`` in module ``module`` of
    the design's Verilog; then ``proof`` (run as ``bmc`` to ``depth``) must fail on an assertion
    whose label starts with ``expect``."""
    name: str
    description: str
    proof: Proof
    module: str
    pattern: str
    replacement: str
    expect: str
    depth: int
    #: ``bmc`` (the default): a bounded check to ``depth``. ``prove``: the proof as the
    #: catalogue runs it (k-induction with its aids, at the proof's depth), then, when the
    #: induction does not close, the bounded fallback to ``depth``; for a bug that needs more
    #: cycles than k (:func:`formal.sby.run_with_fallback`).
    mode: str = "bmc"

    @property
    def bmc_depth(self):
        """The fallback's depth (``prove`` mutants); 0: none."""
        return self.depth if self.mode == "prove" else 0

    def apply(self, text):
        """The mutated Verilog; ValueError unless the pattern matches exactly once in the module."""
        start = text.find(f"module {self.module}(")
        if start < 0:
            start = text.find(f"module {self.module} (")
        if start < 0:
            raise ValueError(f"mutant {self.name}: no module {self.module!r} in the Verilog")
        end = text.index("endmodule", start)
        body, count = re.subn(self.pattern, self.replacement, text[start:end])
        if count != 1:
            raise ValueError(f"mutant {self.name}: pattern {self.pattern!r} matched {count} times "
                             f"in module {self.module!r} (expected once)")
        return text[:start] + body + text[end:]

    def job(self):
        """The SymbiYosys job of the mutated design."""
        text = self.apply(design_verilog(self.proof.block, self.proof.config))
        if self.mode == "prove":
            return self.proof.job(text)
        return self.proof.job(text, mode="bmc", depth=self.depth)


def _catalogued(block, config, prop):
    # The catalogue's own proof (its depth, its induction aids): for a mutant run as `prove`.
    return next(p for p in catalogue() if p.block == block and p.config == config
                and p.prop == prop and p.engine == "smtbmc yices")


def _dotprod(config, prop):
    return Proof("dotprod", config, prop, "prove", 0)


def _array(prop):
    return Proof("array", _ARRAY, prop, "prove", 0)


_PE_MODULE = f"\\{DUT}.pe_1_1 "
# Flip the low bit of slot 0's product when both weights of the pair are -128: a corner that
# random tiles almost never reach (one weight pair in 65,536).
_CORRUPT = r"\g<1> ^ ({weights} == 16'h8080);"

MUTANTS = (
    Mutant("b-without-a", "b.ready no longer waits for a.valid: b transfers alone",
           _array("stream"), DUT, r"assign b__ready = a__valid & ", "assign b__ready = ",
           "stream_", 4),
    Mutant("c-not-held", "the result rows advance whether or not c is ready",
           _array("stream"), DUT, r"assign drain = c__valid & c__ready;",
           "assign drain = c__valid;", "stream_", 14),
    Mutant("drop-tile", "a tile whose results are captured while c is stalled is lost",
           _array("conservation"), DUT, r"(= c__valid;\s*if \()captured(\) begin)",
           r"\g<1>captured & c__ready\g<2>", "conservation_", 14),
    Mutant("duplicate-row", "the row counter never advances: row 0 is given again and again",
           _array("conservation"), DUT, r"= row \+ 1'h1;", "= row + 1'h0;",
           "conservation_", 14),
    Mutant("reorder-columns", "the two result columns leave on c in swapped order",
           _array("arithmetic"), DUT,
           r"assign c__payload\[37:19\] = (\S+) ;\s*assign c__payload\[18:0\] = (\S+) ;",
           r"assign c__payload[37:19] = \g<2> ;\n  assign c__payload[18:0] = \g<1> ;",
           "arithmetic_", 12),
    Mutant("corrupt-product", "PE (1, 1) gets slot 0 wrong by one when both weights are -128",
           _array("products"), _PE_MODULE, r"(slot0_product <= \\\$\d+ );",
           _CORRUPT.format(weights="b"), "products_", 12),
    Mutant("err-not-sticky", "err falls again on the next transfer without an error",
           _array("err"), DUT, r"(\\\$\d+  = )err;", r"\g<1>1'h0;", "err_", 10),
    Mutant("err-overlong-last", "err not raised for an over-long tile whose extra transfer ends "
           "it (a.last): needs max_pairs + 2 cycles, more than the err proof's k, so the "
           "induction does not close and the bounded fallback must find it",
           _catalogued("array", _ARRAY, "err"), DUT,
           r"(!= b__payload\[32\];\s*assign \\\$\d+  = )(\\\$\d+ ) \| ",
           r"\g<1>(\g<2> & ~a__payload[32]) | ", "err_", 12, mode="prove"),
    Mutant("pe-corrupt-product", "the PE gets slot 0 wrong by one when both weights are -128",
           Proof("pe", _PE, "slots", "prove", 0), DUT, r"(slot0_product <= \\\$\d+ );",
           _CORRUPT.format(weights="b_out"), "pe_", 5),
    Mutant("acc-too-narrow", "the accumulator feeds back two bits fewer than it holds",
           Proof("pe", _PE_SHORT, "accumulator", "prove", 0), DUT,
           r"\$signed\(acc\) \+ \$signed\(pair\)",
           f"$signed(acc[{_PE_SHORT.acc_width - 3}:0]) + $signed(pair)", "pe_", 7),
    Mutant("pe-pipe-early-shift", "the split stage shifts slot 0 by the next pair's shift "
           "(read from a_in, not the registered operand)",
           Proof("pe", _PE_PIPE, "slots", "prove", 0), DUT, r"product0_shift <= \\\$\d+ ;",
           "product0_shift <= a_in[6:4];", "pe_", 6),
    Mutant("pair-lone-weight", "a lone a1's low nibble is multiplied by b0 instead of b1",
           Proof("pair", _ENCODER, "spec", "prove", 0), DUT,
           r"assign src1 = lone \? zero0 : 1'h1;", "assign src1 = lone ? 1'h0 : 1'h1;",
           "pair_", 1),
    Mutant("pair-lone-contribution", "a lone a1's low nibble is multiplied by b0 instead of b1",
           Proof("pair", _ENCODER, "contribution", "prove", 0), DUT,
           r"assign src1 = lone \? zero0 : 1'h1;", "assign src1 = lone ? 1'h0 : 1'h1;",
           "pair_", 1),
    Mutant("window-no-sticky", "rounding ignores the sticky bits (ties decided by guard alone)",
           Proof("window", _ENCODER, "spec", "prove", 0), DUT,
           r"assign sticky = fits0 \? 1'h0 : \\\$\d+ ;", "assign sticky = 1'h0;", "window_", 1),
    Mutant("window-no-sticky-golden", "rounding ignores the sticky bits (ties decided by guard "
           "alone)", Proof("window", _ENCODER, "golden", "prove", 0), DUT,
           r"assign sticky = fits0 \? 1'h0 : \\\$\d+ ;", "assign sticky = 1'h0;", "window_", 1),
    # 3-bit and 2-bit windows: the lone window (a selector of its own, 6 bits wide under 3-bit
    # windows), the 2-bit pair window, the PE of 3-bit slots.
    Mutant("pair-b3-lone-no-sticky", "3-bit windows: the lone window's rounding ignores the "
           "sticky bit", Proof("pair", _ENCODER_B3, "spec", "prove", 0), f"\\{DUT}.window_lone ",
           r"assign sticky = fits0 \? 1'h0 : \\\$\d+ ;", "assign sticky = 1'h0;", "pair_", 1),
    Mutant("pair-b3-lone-contribution", "3-bit windows: the lone window's rounding ignores the "
           "sticky bit", Proof("pair", _ENCODER_B3, "contribution", "prove", 0),
           f"\\{DUT}.window_lone ",
           r"assign sticky = fits0 \? 1'h0 : \\\$\d+ ;", "assign sticky = 1'h0;", "pair_", 1),
    Mutant("window-b2-no-sticky-golden", "2-bit windows: rounding ignores the sticky bits",
           Proof("window", _ENCODER_B2, "golden", "prove", 0), DUT,
           r"assign sticky = fits0 \? 1'h0 : \\\$\d+ ;", "assign sticky = 1'h0;", "window_", 1),
    Mutant("pe-b3-corrupt-product", "3-bit PE: slot 0 wrong by one when both weights are -128",
           Proof("pe", _PE_B3, "slots", "prove", 0), DUT, r"(slot0_product <= \\\$\d+ );",
           _CORRUPT.format(weights="b_out"), "pe_", 5),
    # The skid buffer: a beat lost, a beat given twice.
    Mutant("skid-lost-beat", "the skid register is not loaded: a stalled word is replaced by "
           "the old one", _SKID, DUT, r"\\\$4  = i__payload;", r"\\$4  = skid;", "skid_", 4),
    Mutant("skid-duplicate-beat", "full stays set after o takes the word: it is given again",
           _SKID, DUT, r"(if \(o__ready\) begin\s*\\\$3  = )1'h0;", r"\g<1>1'h1;", "skid_", 4),
    # The dot-product unit: one per property class (one stage 1x2; split stage 2x1).
    Mutant("dp-b-without-a", "dot-product unit: b.ready no longer waits for a.valid",
           _dotprod(_DP, "stream"), DUT, r"assign b__ready = a__valid & ", "assign b__ready = ",
           "stream_", 4),
    Mutant("dp-duplicate-row", "dot-product unit (split stage): the row counter never advances",
           _dotprod(_DP_PIPE, "conservation"), DUT, r"= row \+ 1'h1;", "= row + 1'h0;",
           "conservation_", 14),
    Mutant("dp-corrupt-sum", "dot-product unit (split stage): output (1, 0)'s tree sum off by one "
           "while the weight register holds (-128, -128)", _dotprod(_DP_PIPE, "products"), DUT,
           r"(sum_1_0 <= \\\$\d+ );", r"\g<1> ^ (weights == 16'h8080);", "products_", 8),
    Mutant("dp-reorder-columns", "dot-product unit: the two result columns leave on c swapped",
           _dotprod(_DP, "arithmetic"), DUT,
           r"assign c__payload\[37:19\] = (result_0_1);\s*assign c__payload\[18:0\] = "
           r"(result_0_0);",
           r"assign c__payload[37:19] = \g<2>;\n  assign c__payload[18:0] = \g<1>;",
           "arithmetic_", 10),
    Mutant("dp-err-not-sticky", "dot-product unit: err falls again on the next good transfer",
           _dotprod(_DP, "err"), DUT, r"(\\\$\d+  = )err;", r"\g<1>1'h0;", "err_", 10),
    # The tile framing of every size (formal.frame): one per assertion class of its proof.
    Mutant("frame-final-not-held", "framing (5 rows): a tile's final transfer is taken while "
           "the previous tile is still on c", _FRAME5, DUT, r"assign (\\\$\d+)  = ~ pending;\s*"
           r"(assign \\\$\d+  = a__payload\[1\] \| b__payload\[1\];\s*assign \\\$\d+  = ~ \\\$\d+ ;"
           r"\s*assign \\\$\d+  = \\\$\d+  \| \\\$\d+ ;\s*assign a__ready)",
           r"assign \g<1>  = 1'h1;\n  \g<2>", "stream_", 12),
    # (on 5 rows: on 64, the bounded check to the 70 cycles it needs took 5 minutes)
    Mutant("frame-row-lost", "framing (5 rows): the tile ends one row early (row 3 taken as "
           "the last)", _FRAME5, DUT, r"(\\\$\d+)  = row == 3'h4;\s*assign (\\\$\d+)  = row \+ 1'h1;",
           r"\g<1>  = row == 3'h3;\n  assign \g<2>  = row + 1'h1;", "conservation_", 12),
    Mutant("frame-err-no-mismatch", "framing (64 rows): a.last != b.last no longer raises err",
           _FRAME64, DUT, r"= a__payload\[1\] != b__payload\[1\];", "= 1'h0;", "err_", 4),
    # The 2:4 array (int8 2x2): one per property class, the 2:4 group check for err.
    Mutant("stc-b-without-a", "2:4 array: b.ready no longer waits for a.valid",
           Proof("array", _STC, "stream", "prove", 0), DUT, r"assign b__ready = a__valid & ",
           "assign b__ready = ", "stream_", 4),
    Mutant("stc-duplicate-row", "2:4 array: the row counter never advances",
           Proof("array", _STC, "conservation", "prove", 0), DUT, r"= row \+ 1'h1;",
           "= row + 1'h0;", "conservation_", 14),
    Mutant("stc-corrupt-product", "2:4 array: PE (1, 1)'s slot 0 off by one when both weight "
           "values are -128", Proof("array", _STC, "products", "prove", 0), _PE_MODULE,
           r"(slot0_product <= \\\$\d+ );", _CORRUPT.format(weights="b[15:0]"), "products_", 12),
    Mutant("stc-reorder-columns", "2:4 array: the two result columns leave on c swapped",
           Proof("array", _STC, "arithmetic", "prove", 0), DUT,
           r"assign c__payload\[35:18\] = (\S+) ;\s*assign c__payload\[17:0\] = (\S+) ;",
           r"assign c__payload[35:18] = \g<2> ;\n  assign c__payload[17:0] = \g<1> ;",
           "arithmetic_", 12),
    Mutant("stc-err-bad-group", "2:4 array: two non-zero weights at the same position of a "
           "group no longer raise err", Proof("array", _STC, "err", "prove", 0), DUT,
           r"assign bad = \\\$\d+  & \\\$\d+ ;", "assign bad = 1'h0;", "err_", 4),
    # The unit with packed products (dsp_pack): the packed multiplier's borrow correction of
    # the upper lane, and the unit's other classes.
    Mutant("pack-no-borrow", "packed products: the upper lane misses the borrow of a negative "
           "lower-lane product", _dotprod(_DP_PACK, "products"), f"\\{DUT}.pack_0_0_0_0 ",
           r"= (\\\$\d+ )\[23:12\] \+ \\\$\d+ \[11\];", r"= \g<1>[23:12];", "products_", 4),
    Mutant("pack-b-without-a", "packed-products unit: b.ready no longer waits for a.valid",
           _dotprod(_DP_PACK, "stream"), DUT, r"assign b__ready = a__valid & ",
           "assign b__ready = ", "stream_", 4),
    # (one result row: a row counter that never advances would change nothing)
    Mutant("pack-no-last", "packed-products unit: c.last never set (the tile's row not marked)",
           _dotprod(_DP_PACK, "conservation"), DUT, r"assign c__payload\[38\] = \\\$\d+ ;",
           "assign c__payload[38] = 1'h0;", "conservation_", 10),
    Mutant("pack-reorder-columns", "packed-products unit: the two result columns leave swapped",
           _dotprod(_DP_PACK, "arithmetic"), DUT,
           r"assign c__payload\[37:19\] = (result_0_1);\s*assign c__payload\[18:0\] = "
           r"(result_0_0);",
           r"assign c__payload[37:19] = \g<2>;\n  assign c__payload[18:0] = \g<1>;",
           "arithmetic_", 10),
    Mutant("pack-err-not-sticky", "packed-products unit: err falls on the next good transfer",
           _dotprod(_DP_PACK, "err"), DUT, r"(\\\$\d+  = )err;", r"\g<1>1'h0;", "err_", 10),
    # Skid buffers behind the AXI4-Stream ports: b's buffer loses a stalled word.
    Mutant("axis-skid-lost-beat", "AXI4-Stream array with skid buffers: b's skid register is not "
           "loaded (a stalled word replaced by the old one)",
           Proof("array", SparqConfig(datapath="a4w8", rows=1, cols=1, max_k=8, skid=True,
                                      interface="axis"), "stream", "prove", 0),
           f"\\{DUT}.{WRAPPED}.skid_b ", r"\\\$4  = i__payload;", r"\\$4  = skid;",
           "stream_skid_b", 6),
    # One output of the default unit (4 pairs, max_k 1152): the fourth pair's weights reach the
    # check.
    Mutant("dp4-corrupt-sum", "default unit's output (int8, 4 pairs): the tree sum off by one "
           "while the fourth pair's weights are (-128, -128)",
           _dotprod(SparqConfig(datapath="int8", rows=1, cols=1, pairs=4, max_k=1152),
                    "products"), DUT,
           r"(sum_0_0 <= \\\$\d+ );", r"\g<1> ^ (weights[63:48] == 16'h8080);", "products_", 6),
    # One output of the default sparq unit (4 pairs, max_k 1152), proved part by part: a lane's
    # multiplier (lanes), the adder tree over free slot products (tree), the accumulation over
    # free tree sums (arithmetic); the fourth pair's weights reach the check.
    Mutant("sparq4-corrupt-lane", "default sparq unit's output: pair 3's slot-1 product off by "
           "one while that pair's weights are (-128, -128)", _dotprod(_DP4, "lanes"), DUT,
           r"(assign p_0_0_3_slot1 = (\\\$\d+) \[11:0\];[\s\S]*?assign \2  = )([^;]*);",
           r"\g<1>(\g<3>) ^ (weights[63:48] == 16'h8080);", "lanes_", 5),
    Mutant("sparq4-corrupt-sum", "default sparq unit's output: the tree sum off by one while "
           "the fourth pair's weights are (-128, -128)", _dotprod(_DP4, "tree"), DUT,
           r"(sum_0_0 <= \\\$\d+ );", r"\g<1> ^ (weights[63:48] == 16'h8080);", "tree_", 5),
    Mutant("sparq4-accumulator-out", "default sparq unit's output: c carries the accumulator, "
           "not the finished sum", _dotprod(_DP4, "arithmetic"), DUT,
           r"assign c__payload\[26:0\] = result_0_0;", "assign c__payload[26:0] = acc_0_0;",
           "arithmetic_", 10),
    # The unit with skid buffers at its ports (int8 1x1).
    Mutant("skid-unit-lost-beat", "unit with skid buffers: a's skid register is not loaded (a "
           "stalled word replaced by the old one)", _dotprod(_DP_SKID, "stream"),
           f"\\{DUT}.skid_a ", r"\\\$4  = i__payload;", r"\\$4  = skid;", "stream_skid_a", 6),
    Mutant("skid-unit-no-last", "unit with skid buffers: c.last never set",
           _dotprod(_DP_SKID, "conservation"), DUT, r"assign c__payload\[19\] = \\\$\d+ ;",
           "assign c__payload[19] = 1'h0;", "conservation_", 10),
    Mutant("skid-unit-corrupt-sum", "unit with skid buffers: the tree sum off by one while the "
           "weight register holds (-128, -128)", _dotprod(_DP_SKID, "products"), DUT,
           r"(sum_0_0 <= \\\$\d+ );", r"\g<1> ^ (weights == 16'h8080);", "products_", 6),
    Mutant("skid-unit-accumulator-out", "unit with skid buffers: c carries the accumulator, not "
           "the finished sum", _dotprod(_DP_SKID, "arithmetic"), DUT,
           r"assign c__payload\[18:0\] = result_0_0;", "assign c__payload[18:0] = acc_0_0;",
           "arithmetic_", 10),
    Mutant("skid-unit-err-not-sticky", "unit with skid buffers: err falls on the next good "
           "transfer", _dotprod(_DP_SKID, "err"), DUT, r"(\\\$\d+  = )err;", r"\g<1>1'h0;",
           "err_", 10),
    # The 2:4 PE: its activation select.
    Mutant("stc-padding-not-zero", "2:4 PE: a padding slot (weight value 0) passes its "
           "activation to the pair encoder instead of 0 (its partner is then windowed, not exact)",
           Proof("pe", _PE_STC, "slots", "prove", 0), DUT,
           r"assign select1 = \\\$\d+  \? (\\\$\d+ ) : 8'h00;", r"assign select1 = \g<1>;",
           "pe_", 5),
)

#: The mutants of the quick run (``make test``): cheap ones, each caught within a few cycles.
QUICK_MUTANTS = ("b-without-a", "err-not-sticky", "pe-corrupt-product", "pair-lone-weight",
                 "err-overlong-last", "skid-duplicate-beat")
