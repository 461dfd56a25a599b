"""The formal harness of the processing element: slot arithmetic, accumulation, no overflow.

Every PE input is free each cycle (operands, ``valid_in``/``last_in``, ``drain``/``drain_in``,
``rst``). The harness recomputes, from the PE's documented behaviour, what each register must
hold, in exact (wide) integers:

* the operands and framing bits reappear on ``a_out``/``b_out``/``valid_out``/``last_out`` one
  cycle later (``pe_forward_*``);
* each slot product register equals the reference expression of the registered operands
  (``pe_slot_*``): ``(mant_j * b[src_j]) << shift_j`` for ``sparq`` (the spec's slot formula,
  ``shift_j`` one of ``config.shifts``), ``a[j] * b[j]`` for the baselines;
* the accumulator and the result register equal the exact sums of the tile (``pe_acc``,
  ``pe_result``): since the model is 48 bits wide, equality is also the proof that the
  ``acc_width``-bit accumulator never wraps for a legal tile (at most ``max_pairs`` pairs);
* ``capture`` is high exactly when a tile's last pair is accumulated (``pe_capture``).

With ``config.mul_pipe`` (the split multiply stage, :mod:`hdl.mul_stage`) the slot products
reach their registers one cycle later: the model carries the reference products and the framing
bits through one more stage (``f_mid*``), and the induction aids track the pair indices through
it. The half-product registers inside the split are not read: the slot registers after them are
what the assertions check.

The slot products, the accumulator and the pipeline's framing bits are internal registers,
visible to the harness through Yosys's ``expose`` (:data:`EXPOSED`). The induction aids
(``aid_*``) track each pair's index in its tile through the pipeline, which bounds the
accumulator (``|acc| <= index * max |pair|``) so that k-induction closes.
"""

from amaranth import Shape

from .reference import PRODUCT_WIDTH, slot_function
from .spec import MODULES as SPEC_MODULES
from hdl import pe as hdl_pe

SPEC_PAIR = SPEC_MODULES["pair"]

__all__ = ["pe_harness", "EXPOSED", "MODEL_WIDTH", "PROPERTIES"]

#: Internal registers of the generated PE read by the harness.
EXPOSED = ("slot0_product", "slot1_product", "acc", "p_valid", "p_last")

#: Width of the model's exact sums: any max_k up to 2**30 / (2 * 128 * 255) fits with room.
MODEL_WIDTH = 48


def _operand_fields(config):
    # (name, lo, width) of the a_in operand fields, from bit 0 up (hdl.layouts.operand_layout's order,
    # which is also the contract's: docs/contracts.md); 2:4 (stc): the group of four activations
    # (hdl.layouts.group_layout).
    if config.stc:
        names = [(f"act{i}", config.act_width) for i in range(4)]
    elif config.datapath == "sparq":
        sw = config.shift_width
        n = config.bits
        names = [("mant0", n), ("shift0", sw), ("src0", 1), ("mant1", n), ("shift1", sw),
                 ("src1", 1)]
    else:
        names = [("act0", config.act_width), ("act1", config.act_width)]
    fields, lo = [], 0
    for name, width in names:
        fields.append((name, lo, width))
        lo += width
    return fields


# The model's slot stage: the reference products of the registered operands go straight into the
# slot registers, or (mul_pipe) through one more register stage, as the PE's split does.
_STAGE_PLAIN = """\
      f_slot0 <= f_ref0; f_slot1 <= f_ref1; f_valid2 <= valid_out; f_last2 <= last_out;"""
_STAGE_PIPE = """\
      f_mid0 <= f_ref0; f_mid1 <= f_ref1; f_validm <= valid_out; f_lastm <= last_out;
      f_slot0 <= f_mid0; f_slot1 <= f_mid1; f_valid2 <= f_validm; f_last2 <= f_lastm;"""


def _index_aids(pairs, pipe, slot_bound):
    """Induction aids on the pair indices in flight, youngest stage first (the operand register,
    with ``pipe`` the split's middle stage, the slot registers): each index is legal, consecutive
    valid stages hold consecutive indices of a tile (or 0 after its last), the oldest valid one
    is the count of pairs accumulated (``f_n``), and the input counter follows the youngest; with
    ``pipe`` the middle stage's products are bounded by ``slot_bound`` like the slot registers."""
    stages = [("valid_out", "last_out", "f_idx1", "1")]
    if pipe:
        stages.append(("f_validm", "f_lastm", "f_idxm", "m"))
    stages.append(("f_valid2", "f_last2", "f_idx2", "2"))
    P = pairs
    lines = []
    for valid, last, idx, tag in stages:
        lines.append(f"if ({valid}) aid_idx{tag}: assert ({idx} < {P} && ({last} || {idx} < {P - 1}));")
    lines.append("if (f_valid2) aid_n: assert (f_n == f_idx2);")

    def none(group):
        return "".join(f" && !{v}" for v, *_ in group)
    for i, (v_i, _, idx_i, t_i) in enumerate(stages):
        for j in range(i + 1, len(stages)):
            v_j, l_j, idx_j, t_j = stages[j]
            lines.append(f"if ({v_i} && {v_j}{none(stages[i + 1:j])}) aid_next{t_i}{t_j}: "
                         f"assert ({idx_i} == ({l_j} ? 0 : {idx_j} + 1'b1));")
        if i + 1 < len(stages):
            lines.append(f"if ({v_i}{none(stages[i + 1:])}) aid_gap{t_i}: assert ({idx_i} == f_n);")
    for i, (v_i, l_i, idx_i, t_i) in enumerate(stages):
        lines.append(f"if ({v_i}{none(stages[:i])}) aid_in{t_i}: "
                     f"assert (f_in == ({l_i} ? 0 : {idx_i} + 1'b1));")
    lines.append(f"if (1'b1{none(stages)}) aid_in0: assert (f_in == f_n);")
    if pipe:
        b = slot_bound
        lines.append(f"aid_mid_bound: assert (f_mid0 <= {b} && -f_mid0 <= {b} && f_mid1 <= {b} "
                     f"&& -f_mid1 <= {b});")
    return "".join(f"    {line}\n" for line in lines)


#: Property classes of the PE harness: ``slots`` (forwarding, slot products, capture) and
#: ``accumulator`` (exact accumulator and result: no overflow for legal tiles).
PROPERTIES = ("slots", "accumulator")


def pe_harness(config, dut, properties, *, aids):
    """SystemVerilog text of module ``formal_pe`` around the generated PE module ``dut`` (which
    must have been given the :data:`EXPOSED` ports).

    ``properties`` is a subset of :data:`PROPERTIES`; with ``aids`` the induction aids are added
    (for ``accumulator`` they include the ``slots`` assertions as aids).
    """
    unknown = set(properties) - set(PROPERTIES)
    if unknown:
        raise ValueError(f"unknown properties {sorted(unknown)}")
    slots_label = "pe" if "slots" in properties else ("aid" if aids else None)
    acc_label = "pe" if "accumulator" in properties else None
    accw = config.acc_width
    fields = _operand_fields(config)
    OW = sum(width for _, _, width in fields)
    BW = 20 if config.stc else 16                   # 2:4: two values and their 2-bit positions
    P = hdl_pe.max_pairs(config)
    M = MODEL_WIDTH
    bound = 2 * 128 * config.max_act_value          # max |pair contribution|
    iw = Shape.cast(range(P + 1)).width
    slot_w = Shape.cast(range(-(bound // 2), bound // 2 + 1)).width

    pipe = config.mul_pipe
    out = [f"""// Formal harness of {dut} ({config.datapath}, max_k {config.max_k}, acc {accw} bits{", split multiply stage" if pipe else ""}).
// Generated by formal.pe.
module formal_pe (
  input clk, input rst,
  input [{OW - 1}:0] a_in, input [{BW - 1}:0] b_in, input valid_in, input last_in,
  input drain, input [{accw - 1}:0] drain_in
);
  wire [{OW - 1}:0] a_out;
  wire [{BW - 1}:0] b_out;
  wire valid_out, last_out, capture;
  wire [{accw - 1}:0] result;
  wire [{slot_w - 1}:0] dut_slot0, dut_slot1;
  wire [{accw - 1}:0] dut_acc;
  wire dut_p_valid, dut_p_last;
  {dut} dut (
    .clk(clk), .rst(rst), .a_in(a_in), .b_in(b_in), .valid_in(valid_in), .last_in(last_in),
    .a_out(a_out), .b_out(b_out), .valid_out(valid_out), .last_out(last_out),
    .drain(drain), .drain_in(drain_in), .result(result), .capture(capture),
    .slot0_product(dut_slot0), .slot1_product(dut_slot1), .acc(dut_acc),
    .p_valid(dut_p_valid), .p_last(dut_p_last)
  );
"""]
    for name, lo, width in fields:
        out.append(f"  wire [{width - 1}:0] f_{name} = a_out[{lo + width - 1}:{lo}];\n")
        out.append(f"  wire [{width - 1}:0] f_in_{name} = a_in[{lo + width - 1}:{lo}];\n")
    out.append("  wire signed [7:0] f_b0 = b_out[7:0], f_b1 = b_out[15:8];\n")
    if config.stc:
        # 2:4: slot j's activation is the group's element at weight j's position (b_out[17:16],
        # [19:18]); sparq: a padding slot (value 0) reads as activation 0, then the pair is
        # encoded as the spec does (formal.spec.SpecPair) and multiplied against value[src].
        aw = config.act_width
        acts = "{" + ", ".join(f"f_act{i}" for i in reversed(range(4))) + "}"
        out.append(f"  wire [{4 * aw - 1}:0] f_group = {acts};\n")
        for j in range(2):
            pos = f"b_out[{17 + 2 * j}:{16 + 2 * j}]"
            picked = f"f_group[{pos} * {aw} +: {aw}]"
            gate = f"(f_b{j} != 0) ? {picked} : {aw}'d0" if config.datapath == "sparq" else picked
            out.append(f"  wire [{aw - 1}:0] f_x{j} = {gate};\n")
        if config.datapath == "sparq":
            n, sw = config.bits, config.shift_width
            out.append(f"""  wire [{n - 1}:0] f_mant0, f_mant1;
  wire [{sw - 1}:0] f_shift0, f_shift1;
  wire f_src0, f_src1;
  {SPEC_PAIR} f_spec (.a0(f_x0), .a1(f_x1), .mant0(f_mant0), .shift0(f_shift0), .src0(f_src0),
    .mant1(f_mant1), .shift1(f_shift1), .src1(f_src1));
""")
            slots = [f"f_slot(f_mant{j}, f_shift{j}, f_src{j}, f_b0, f_b1)" for j in range(2)]
        else:
            slots = [f"f_slot(f_x{j}, f_b{j})" for j in range(2)]
        legal_operand = ""
    elif config.datapath == "sparq":
        slots = [f"f_slot(f_mant{j}, f_shift{j}, f_src{j}, f_b0, f_b1)" for j in range(2)]
        # The encoder emits only the option's shifts (the PE's contract).
        allowed = [" || ".join(f"f_in_shift{j} == {s}" for s in config.shifts) for j in range(2)]
        legal_operand = f"  always @(*) assume (({allowed[0]}) && ({allowed[1]}));\n"
    else:
        slots = [f"f_slot(f_act{j}, f_b{j})" for j in range(2)]
        legal_operand = ""
    checks = ""
    if slots_label:
        L = slots_label
        checks += f"""  always @(*) begin
    if (f_past) begin
      {L}_forward_a: assert (a_out == (f_prev_rst ? {OW}'d0 : f_prev_a));
      {L}_forward_b: assert (b_out == (f_prev_rst ? {BW}'d0 : f_prev_b));
      {L}_forward_valid: assert (valid_out == (!f_prev_rst && f_prev_valid));
      {L}_forward_last: assert (last_out == (!f_prev_rst && f_prev_last));
    end
    {L}_slot_0: assert ($signed(dut_slot0) == f_slot0);
    {L}_slot_1: assert ($signed(dut_slot1) == f_slot1);
    {L}_capture: assert (capture == f_capture);
  end
"""
    if acc_label:
        checks += """  always @(*) begin
    pe_acc: assert ($signed(dut_acc) == f_acc);
    pe_result: assert ($signed(result) == f_result);
  end
"""
    out.append(f"""
  // -- the model: operands one cycle after the inputs, slot products one more, then the sums --
{slot_function(config, PRODUCT_WIDTH)}  reg f_past = 1'b0, f_prev_rst = 1'b0;
  reg [{OW - 1}:0] f_prev_a = {OW}'d0;
  reg [{BW - 1}:0] f_prev_b = {BW}'d0;
  reg f_prev_valid = 1'b0, f_prev_last = 1'b0;
  wire signed [{PRODUCT_WIDTH - 1}:0] f_ref0 = {slots[0]};
  wire signed [{PRODUCT_WIDTH - 1}:0] f_ref1 = {slots[1]};
  reg signed [{M - 1}:0] f_slot0 = 0, f_slot1 = 0;  // slot products, registered like the PE's
  reg f_valid2 = 1'b0, f_last2 = 1'b0;             // framing of the slot-product stage
  reg signed [{M - 1}:0] f_mid0 = 0, f_mid1 = 0;    // mul_pipe: the products one stage earlier
  reg f_validm = 1'b0, f_lastm = 1'b0;             // mul_pipe: their framing
  reg signed [{M - 1}:0] f_acc = 0, f_result = 0;
  wire signed [{M - 1}:0] f_total = f_acc + f_slot0 + f_slot1;
  wire f_capture = f_valid2 && f_last2;
  always @(posedge clk) begin
    f_past <= 1'b1;
    f_prev_rst <= rst;
    f_prev_a <= a_in; f_prev_b <= b_in; f_prev_valid <= valid_in; f_prev_last <= last_in;
    if (rst) begin
      f_slot0 <= 0; f_slot1 <= 0; f_valid2 <= 1'b0; f_last2 <= 1'b0; f_acc <= 0; f_result <= 0;
      f_mid0 <= 0; f_mid1 <= 0; f_validm <= 1'b0; f_lastm <= 1'b0;
    end else begin
{_STAGE_PIPE if pipe else _STAGE_PLAIN}
      if (f_valid2) f_acc <= f_last2 ? 0 : f_total;
      if (f_capture) f_result <= f_total;
      else if (drain) f_result <= $signed(drain_in);
    end
  end
{legal_operand}
{checks}
  // -- legal tiles: at most {P} pairs, the {P}-th is the last (f_in: pairs of the input tile) --
  reg [{iw - 1}:0] f_in = 0, f_idx1 = 0, f_idxm = 0, f_idx2 = 0, f_n = 0;
  always @(posedge clk) begin
    if (rst) begin
      f_in <= 0; f_idx1 <= 0; f_idxm <= 0; f_idx2 <= 0; f_n <= 0;
    end else begin
      if (valid_in) f_in <= last_in ? 0 : f_in + 1'b1;
      f_idx1 <= f_in; {"f_idxm <= f_idx1; f_idx2 <= f_idxm;" if pipe else "f_idx2 <= f_idx1;"}
      if (f_valid2) f_n <= f_last2 ? 0 : f_n + 1'b1;
    end
  end
  always @(*) begin
    if (valid_in) assume (f_in < {P});
    if (valid_in && f_in == {P - 1}) assume (last_in);
  end
""")
    if aids and acc_label:
        out.append(f"""
  // -- induction aids: each in-flight pair's index in its tile, and the bound it puts on acc --
  always @(*) begin
    aid_p_valid: assert (dut_p_valid == f_valid2 && dut_p_last == f_last2);
{_index_aids(P, pipe, bound // 2)}    aid_slot_bound: assert (f_slot0 <= {bound // 2} && -f_slot0 <= {bound // 2} && f_slot1 <= {bound // 2} && -f_slot1 <= {bound // 2});
    aid_bound: assert (f_acc <= $signed({{1'b0, f_n}}) * {bound} && -f_acc <= $signed({{1'b0, f_n}}) * {bound});
  end
""")
    out.append("endmodule\n")
    return "".join(out)
