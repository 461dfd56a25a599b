"""The formal harness of the systolic array: its stream contract as SystemVerilog assertions.

The harness instantiates the generated array module unchanged and drives every input freely:
``rst``, ``a``/``b`` valid and payload, ``c.ready`` are chosen by the solver anew each cycle, so a
proof covers every stall pattern on every stream, every payload and every reset. It keeps a small
model of what the contract (``SystolicArray``'s docstring) says must happen, computed from the
ports alone:

* ``f_outstanding``: tiles whose final transfer (``a.last``) was taken and whose last result row
  has not left on ``c``; ``f_row``: result rows of that tile already given;
* ``f_count``: transfers already taken in the current input tile (saturating at ``max_pairs``);
* ``f_since``: cycles since the latest final transfer (saturating at the latency);
* ``f_err``: what ``err`` must be.

Each property class is written once, as assertions over the ports and that model; a job includes
the classes it proves (:mod:`formal.jobs`). Labels name the class: ``stream_*``,
``conservation_*``, ``products_*``, ``arithmetic_*``, ``err_*``.

Arithmetic is split at each PE's two slot-product registers, so that the solver never compares
two multiplier circuits summed over a tile. ``products`` proves that whenever the contract routes
a pair to PE ``(r, c)`` (taken ``r + c + 2`` cycles before), the PE's operand registers hold it
(for ``sparq`` as :class:`formal.spec.SpecPair` encodes it) and, one cycle later, its slot
registers hold that pair's reference products. ``arithmetic`` assumes this (the ``products`` job
proves it) and proves that each ``c`` row carries, per column, the sum of those products over the
tile's pairs, to ``acc_width`` bits; the PE's ``accumulator`` proof shows that for a legal tile
the sum always fits, so the result is exact.

The induction aids (``aid_*``) tie the model to the array's own registers (``pending``, ``row``,
``count``, and for ``arithmetic`` each PE's framing, accumulator and result). Those internal
registers are read through Yosys's ``expose``, which adds them as output ports of the flattened
module and changes no logic.
"""

from dataclasses import dataclass

from amaranth import Shape

from hdl.axis import WRAPPED

from .reference import PRODUCT_WIDTH, slot_function
from .skid import queue_checks
from .spec import MODULES as SPEC_MODULES
from hdl import pe as hdl_pe

__all__ = ["PROPERTIES", "Frame", "array_harness", "exposed", "frame", "latency"]

#: Property classes of the array harness, in report order.
PROPERTIES = ("stream", "conservation", "products", "arithmetic", "err")

#: Width of the model's exact sums (|sum| <= max_k * 128 * 255: 32 bits hold any max_k <= 65,000).
SUM_WIDTH = 32


def latency(config):
    """Cycles from a tile's final input transfer to its first result row being valid on ``c``:
    ``rows + cols + 1 + pe_latency`` (``pe_latency`` 2 with the split multiply stage)."""
    return config.rows + config.cols + 1 + hdl_pe.latency(config)


@dataclass(frozen=True)
class Frame:
    """What the stream, conservation and err classes need of a block with the tile streams
    (:func:`hdl.tile_framing.tile_signature`): the array, or the dot-product unit
    (:mod:`formal.dotprod`). Widths include ``last``."""
    rows: int
    a_width: int
    b_width: int
    c_width: int
    acc_width: int
    max_transfers: int
    latency: int


def frame(config):
    """The array's :class:`Frame` (2:4: a group of four activations per row, a compressed group
    per column)."""
    R, C = config.rows, config.cols
    return Frame(R, R * _input_width(config) + 1, C * _weight_width(config) + 1,
                 C * config.acc_width + 1, config.acc_width, hdl_pe.max_pairs(config),
                 latency(config))


def _weight_width(config):
    # One column's weights in a transfer: a pair (16 bits), or 2:4 two values and their 2-bit
    # positions (hdl.layouts.compressed_layout: value[0], value[1], pos[0], pos[1] from bit 0 up).
    return 20 if config.stc else 16


def _width(n):
    # Width of an Amaranth Signal(range(n)): what the array's counters are declared with.
    return Shape.cast(range(n)).width


def _slot_width(config):
    # The PE's slot-product registers: Signal(range(-bound, bound + 1)), bound = 128 * max_act.
    bound = 128 * config.max_act_value
    return Shape.cast(range(-bound, bound + 1)).width


def _input_width(config):
    # One row's activations in a transfer on a: the raw pair (2:4: the raw group of four), which
    # the array encodes at its row edge (sparq). (Not the encoded operand: for 3-bit and 2-bit
    # windows that is narrower than the two 8-bit activations.)
    return (4 if config.stc else 2) * config.act_width


def _operand_width(config):
    # A PE's activation operand: the encoded pair (sparq: 2 * (bits + shift_width + 1), 16 bits
    # for 4-bit windows) or the raw pair; 2:4: the raw group of four.
    if config.stc:
        return 4 * config.act_width
    if config.datapath == "sparq":
        return 2 * (config.bits + config.shift_width + 1)
    return 2 * config.act_width


def _slot_fields(config):
    # (mant, shift, src) bit ranges of each slot in the encoded pair, from bit 0 up
    # (hdl.layouts.encoded_pair_layout's order).
    n, sw = config.bits, config.shift_width
    half = n + sw + 1
    return [(f"[{j * half + n - 1}:{j * half}]", f"[{j * half + n + sw - 1}:{j * half + n}]",
             f"[{j * half + n + sw}]") for j in range(2)]


def _control_widths(fr):
    return {"pending": 1, "row": _width(max(fr.rows, 2)), "count": _width(fr.max_transfers + 1)}


def exposed(config, properties, *, aids):
    """``{internal wire of the flattened array: width}`` the harness reads."""
    wires = {}
    if aids:
        wires.update(_control_widths(frame(config)))
    if "products" in properties or "arithmetic" in properties:
        for r in range(config.rows):
            for c in range(config.cols):
                if aids and "arithmetic" in properties:
                    wires.update({f"pe_{r}_{c}.acc": config.acc_width,
                                  f"pe_{r}_{c}.result": config.acc_width,
                                  f"pe_{r}_{c}.p_valid": 1, f"pe_{r}_{c}.p_last": 1})
                wires[f"pe_{r}_{c}.a"] = _operand_width(config)
                wires[f"pe_{r}_{c}.b"] = _weight_width(config)
                for j in range(2):
                    wires[f"pe_{r}_{c}.slot{j}_product"] = _slot_width(config)
    return wires


def exposed_name(config, name):
    """The flattened name of internal wire ``name`` of the array (or the unit): inside the
    AXI4-Stream wrapper (``interface="axis"``) it sits in submodule :data:`hdl.axis.WRAPPED`."""
    return f"{WRAPPED}.{name}" if config.interface == "axis" else name


def _port(name):
    return "dut_" + name.replace(".", "_")


def array_harness(config, dut, properties, *, aids, fr=None, extra=None, wires=None,
                  prelude="", more_ports=(), latency_width=None, cut=()):
    """SystemVerilog text of module ``formal_array`` around the generated module ``dut``.

    ``properties`` is a subset of :data:`PROPERTIES`; the module must have been given the
    :func:`exposed` ports. ``aids`` adds the induction aids; for ``stream`` they include the
    conservation assertions as aids. ``arithmetic`` assumes legal tiles (``a.last == b.last`` on
    every transfer, at most ``max_pairs`` transfers per tile), as the contract does for its
    results; the other classes assume nothing. ``cut``: names of ``wires`` cut in the design
    (Yosys ``expose -cut``: its readers read the input port ``<name>.i``, not the driver): the
    harness takes them as free inputs (chosen by the solver each cycle) and feeds them to it.
    """
    unknown = set(properties) - set(PROPERTIES)
    if unknown:
        raise ValueError(f"unknown properties {sorted(unknown)}")
    fr = fr or frame(config)
    R = fr.rows
    AW, BW, CW = fr.a_width, fr.b_width, fr.c_width
    P = fr.max_transfers
    L = fr.latency
    rw, nw = _width(max(R, 2)), _width(P + 1)
    sw = latency_width if isinstance(L, str) else _width(L + 1)
    lat = L if isinstance(L, str) else f"{sw}'d{L}"
    has = set(properties).__contains__

    axis = config.interface == "axis"
    skid = config.skid
    # skid: the solver drives the ports (pa_*, pb_*); the model and every class below read the
    # streams behind the buffers (a_*, b_*), and the buffers' own assertions (_skid_ports) tie
    # the two.
    inp = "p" if skid else ""
    # AXI4-Stream: tdata is the payload's data padded to whole bytes (hdl.axis.tdata_layout);
    # the padding of a and b is a free input (it must be ignored), that of c must be 0.
    pads = {s: -(w - 1) % 8 if axis else 0 for s, w in (("a", AW), ("b", BW), ("c", CW))}
    pad_inputs = "".join(f"  input [{pads[s] - 1}:0] {s}_pad,\n" for s in "ab" if pads[s])
    if wires is None:
        wires = exposed(config, properties, aids=aids)
    pad_inputs += "".join(f"  input [{wires[name] - 1}:0] {_port(name)},\n" for name in sorted(cut))
    out = [f"""// Formal harness of {dut} ({config.datapath}, {R}x{config.cols}, max_k {config.max_k}{", AXI4-Stream ports" if axis else ""}).
// Generated by formal.array; proves: {', '.join(p for p in PROPERTIES if has(p))}.
module formal_array (
  input clk, input rst,
  input {inp}a_valid, input [{AW - 1}:0] {inp}a_payload,
  input {inp}b_valid, input [{BW - 1}:0] {inp}b_payload,
{pad_inputs}  input c_ready
);
  wire a_ready, b_ready, c_valid, err;{_skid_wires(AW, BW) if skid else ""}
  wire [{CW - 1}:0] c_payload;
  wire a_last = a_payload[{AW - 1}];
  wire b_last = b_payload[{BW - 1}];
  wire c_last = c_payload[{CW - 1}];
  wire take = a_valid && a_ready;          // a transfer on a
  wire give = c_valid && c_ready;          // a transfer on c
"""]
    if axis:
        def tdata(s, width):
            data = f"{inp}{s}_payload[{width - 2}:0]"
            return f"{{{s}_pad, {data}}}" if pads[s] else data
        ctw = CW - 1 + pads["c"]
        out.append(f"""  wire [{ctw - 1}:0] c_tdata;
  wire c_tlast;
  assign c_payload = {{c_tlast, c_tdata[{CW - 2}:0]}};
""")
        ports = [".aclk(clk)", ".aresetn(!rst)",
                 f".s_axis_a_tdata({tdata('a', AW)})", f".s_axis_a_tvalid({inp}a_valid)",
                 f".s_axis_a_tready({inp}a_ready)", f".s_axis_a_tlast({inp}a_payload[{AW - 1}])",
                 f".s_axis_b_tdata({tdata('b', BW)})", f".s_axis_b_tvalid({inp}b_valid)",
                 f".s_axis_b_tready({inp}b_ready)", f".s_axis_b_tlast({inp}b_payload[{BW - 1}])",
                 ".m_axis_c_tdata(c_tdata)", ".m_axis_c_tvalid(c_valid)",
                 ".m_axis_c_tready(c_ready)", ".m_axis_c_tlast(c_tlast)", ".err(err)"]
    else:
        ports = [".clk(clk)", ".rst(rst)", f".a__valid({inp}a_valid)", f".a__ready({inp}a_ready)",
                 f".a__payload({inp}a_payload)", f".b__valid({inp}b_valid)",
                 f".b__ready({inp}b_ready)", f".b__payload({inp}b_payload)",
                 ".c__valid(c_valid)", ".c__ready(c_ready)", ".c__payload(c_payload)", ".err(err)"]
    ports += list(more_ports)
    out.append(prelude)
    if skid:
        wires = dict(wires) | skid_exposed(AW, BW, aids=aids)
    for name, width in wires.items():
        if name in cut:
            # (expose -cut: the design's readers of the wire read the input port <name>.i)
            ports.append(f".\\{exposed_name(config, name)}.i ({_port(name)})")
            continue
        out.append(f"  wire [{width - 1}:0] {_port(name)};\n")
        ports.append(f".\\{exposed_name(config, name)} ({_port(name)})")
    out.append(f"  {dut} dut (\n    " + ",\n    ".join(ports) + "\n  );\n")
    if skid:
        out.append(_skid_ports(AW, BW, aids))

    # -- the model, from the ports alone ------------------------------------------------------
    bad, bad_doc = "", ""
    if config.stc:
        # 2:4: a column whose two non-zero values claim the same position (no 2:4 group)
        groups = [f"b_payload[{20 * c + 17}:{20 * c + 16}] == b_payload[{20 * c + 19}:{20 * c + 18}]"
                  f" && b_payload[{20 * c + 7}:{20 * c}] != 0 && b_payload[{20 * c + 15}:{20 * c + 8}] != 0"
                  for c in range(config.cols)]
        bad = " || " + " || ".join(f"({g})" for g in groups)
        bad_doc = ",\n      // or (2:4) a column's two non-zero values at the same position"
    out.append(f"""
  reg f_past = 1'b0;                       // a previous cycle exists
  reg f_prev_rst = 1'b0, f_prev_stall = 1'b0, f_prev_err = 1'b0;
  reg [{CW - 1}:0] f_prev_c = {CW}'d0;
  reg [1:0] f_outstanding = 2'd0;
  reg [{rw - 1}:0] f_row = {rw}'d0;
  reg [{nw - 1}:0] f_count = {nw}'d0;
  reg [{sw - 1}:0] f_since = {sw}'d0;
  reg f_err = 1'b0;
  wire f_final = take && a_last;           // a tile's final transfer
  wire f_done = give && f_row == {rw}'d{R - 1};  // a tile's last result row leaves
  always @(posedge clk) begin
    f_past <= 1'b1;
    f_prev_rst <= rst;
    f_prev_stall <= c_valid && !c_ready;
    f_prev_c <= c_payload;
    f_prev_err <= err;
    if (rst) begin
      f_outstanding <= 2'd0; f_row <= {rw}'d0; f_count <= {nw}'d0; f_since <= {sw}'d0;
      f_err <= 1'b0;
    end else begin
      f_outstanding <= f_outstanding + f_final - f_done;
      if (give) f_row <= f_done ? {rw}'d0 : f_row + 1'b1;
      if (take) f_count <= a_last ? {nw}'d0 : (f_count == {nw}'d{P}) ? f_count : f_count + 1'b1;
      if (f_final) f_since <= {sw}'d1;
      else if (f_since != {sw}'d0 && f_since != {lat}) f_since <= f_since + 1'b1;
      // err: a transfer beyond max_pairs in its tile, or a.last != b.last{bad_doc}
      if (take && (f_count == {nw}'d{P} || a_last != b_last{bad})) f_err <= 1'b1;
    end
  end
""")

    if has("stream"):
        out.append("""
  // -- stream rules ---------------------------------------------------------------------------
  always @(*) begin
    // a and b transfer only together (a.ready needs b.valid, b.ready needs a.valid)
    stream_ab_together: assert ((a_valid && a_ready) == (b_valid && b_ready));
    stream_a_ready: assert (!a_ready || b_valid);
    stream_b_ready: assert (!b_ready || a_valid);
    // a pair that is not a tile's final one is never refused
    if (a_valid && b_valid && !a_last && !b_last)
      stream_not_final_taken: assert (a_ready && b_ready);
    // a final pair is taken exactly when no earlier tile is still waiting to leave on c
    if (a_valid && b_valid && (a_last || b_last))
      stream_final_waits: assert (a_ready == (f_outstanding == 2'd0));
    // c keeps valid high and its payload stable until taken
    if (f_past && !f_prev_rst && f_prev_stall)
      stream_c_held: assert (c_valid && c_payload == f_prev_c);
  end
""")

    if has("stream") and pads["c"]:
        out.append(f"  always @(*) if (c_valid) stream_c_pad_zero: assert (c_tdata[{CW - 1 + pads['c'] - 1}:{CW - 1}] == 0);\n")
    if has("conservation"):
        out.append(_conservation(fr, "conservation", sw, lat))
    elif aids and (has("stream") or has("arithmetic")):
        out.append(_conservation(fr, "aid", sw, lat))

    if has("err"):
        out.append("""
  // -- err: rises exactly on an over-long tile or a last mismatch, sticky until rst --------------
  always @(*) begin
    err_exact: assert (err == f_err);
    if (f_past && !f_prev_rst && f_prev_err) err_sticky: assert (err);
    if (f_past && f_prev_rst) err_cleared_by_rst: assert (!err);
  end
""")

    if extra is not None:
        # The block's own products and arithmetic (formal.dotprod).
        out.append(extra(has, aids))
    else:
        if has("products") or has("arithmetic"):
            out.append(_products(config, "assert" if has("products") else "assume"))
        if has("arithmetic"):
            out.append(_sums(config, aids))

    if aids:
        checks = []
        if has("stream") or has("conservation") or has("arithmetic"):
            checks += ["aid_pending: assert (dut_pending == (f_outstanding != 2'd0));",
                       "aid_row: assert (dut_row == f_row);",
                       f"if (f_outstanding == 2'd0) aid_idle: assert (f_row == {rw}'d0);",
                       f"aid_row_range: assert (f_row <= {rw}'d{R - 1});"]
        if has("err"):
            checks.append("aid_count: assert (dut_count == f_count);")
        out.append("\n  // -- induction aids: the model agrees with the array's own control registers\n"
                   "  always @(*) begin\n" + "".join(f"    {c}\n" for c in checks) + "  end\n")
    out.append("endmodule\n")
    return "".join(out)


def skid_exposed(a_width, b_width, *, aids):
    """The skid buffers' wires a harness of a ``skid`` design reads: each buffer's ``o`` side (the
    stream behind it), and for the aids its ``full`` and ``skid`` registers."""
    wires = {}
    for s, w in (("a", a_width), ("b", b_width)):
        wires |= {f"skid_{s}.o__valid": 1, f"skid_{s}.o__ready": 1, f"skid_{s}.o__payload": w}
        if aids:
            wires |= {f"skid_{s}.full": 1, f"skid_{s}.skid": w}
    return wires


def _skid_wires(a_width, b_width):
    return f"""
  wire pa_ready, pb_ready;                 // the ports' ready (skid buffers)
  wire a_valid, b_valid;                   // the streams behind the buffers
  wire [{a_width - 1}:0] a_payload;
  wire [{b_width - 1}:0] b_payload;"""


def _skid_ports(a_width, b_width, aids):
    """The skid buffers at the ports, each against a one-word queue (:mod:`formal.skid`'s
    model): the words behind the buffer are the words taken at the port, none lost, none
    repeated, in order, with ``ready`` at the port a register output ("queue empty"). Stream
    class (``stream_skid_*``); no assumption on the producers."""
    out = []
    for s, w in (("a", a_width), ("b", b_width)):
        o = {x: _port(f"skid_{s}.o__{x}") for x in ("valid", "ready", "payload")}
        out.append(f"""
  // -- the skid buffer of {s}: port p{s}_* -> {s}_* behind it, a one-word queue --
  assign {s}_valid = {o["valid"]}; assign {s}_ready = {o["ready"]};
  assign {s}_payload = {o["payload"]};
""")
        out.append(queue_checks((f"p{s}_valid", f"p{s}_ready", f"p{s}_payload"),
                                (f"{s}_valid", f"{s}_ready", f"{s}_payload"), w, tag=f"_{s}",
                                label=f"stream_skid_{s}"))
        if aids:
            out.append(f"""  always @(*) begin
    aid_skid_{s}_full: assert ({_port(f"skid_{s}.full")} == f_cnt_{s});
    if (f_cnt_{s}) aid_skid_{s}_word: assert ({_port(f"skid_{s}.skid")} == f_q_{s});
  end
""")
    return "".join(out)


def _conservation(fr, label, sw, lat):
    R, rw, L = fr.rows, _width(max(fr.rows, 2)), fr.latency
    return f"""
  // -- conservation: each accepted tile gives exactly {R} rows on c, in order, last on the final
  always @(*) begin
    {label}_one_tile: assert (f_outstanding <= 2'd1);
    // c is valid only for an accepted tile: from {L} cycles after its final transfer until its
    // last row has left, and never otherwise (nothing lost, nothing duplicated, no gap)
    if (f_outstanding == 2'd0) {label}_no_extra: assert (!c_valid);
    if (f_outstanding != 2'd0 && f_row == {rw}'d0)
      {label}_latency: assert (c_valid == (f_since == {lat}));
    if (f_outstanding != 2'd0 && f_row != {rw}'d0) {label}_rows_follow: assert (c_valid);
    if (c_valid) {label}_last: assert (c_last == (f_row == {rw}'d{R - 1}));
  end
"""


def _products(config, check):
    """The input history and the per-PE product checks (``assert``, or ``assume`` where the
    products job has proved them and the sums build on them)."""
    R, C = config.rows, config.cols
    aw = config.act_width
    sparq = config.datapath == "sparq"
    stc = config.stc
    ow = _operand_width(config)
    ww = _weight_width(config)
    e = hdl_pe.latency(config)                    # slot registers e cycles after the operands
    depth = R + C + 1 + e                         # history entries: entry i = taken i + 1 ago
    out = [f"""
  // -- products: each PE gets the pair the contract routes to it, and multiplies it exactly ----
{slot_function(config, PRODUCT_WIDTH)}"""]
    # Each row's operand as the reference sees it: the spec encoding (sparq) or the raw pair.
    for r in range(R):
        lo = r * _input_width(config)
        if sparq and not stc:
            out.append(f"""  wire [{config.bits - 1}:0] f_m0_{r}, f_m1_{r};
  wire [{config.shift_width - 1}:0] f_s0_{r}, f_s1_{r};
  wire f_c0_{r}, f_c1_{r};
  {SPEC_MODULES["pair"]} f_spec_{r} (.a0(a_payload[{lo + 7}:{lo}]), .a1(a_payload[{lo + 15}:{lo + 8}]),
    .mant0(f_m0_{r}), .shift0(f_s0_{r}), .src0(f_c0_{r}),
    .mant1(f_m1_{r}), .shift1(f_s1_{r}), .src1(f_c1_{r}));
  wire [{ow - 1}:0] f_op_{r} = {{f_c1_{r}, f_s1_{r}, f_m1_{r}, f_c0_{r}, f_s0_{r}, f_m0_{r}}};
""")
        else:
            out.append(f"  wire [{ow - 1}:0] f_op_{r} = a_payload[{lo + ow - 1}:{lo}];\n")
    # The history of taken pairs (cleared by rst, as the array's pipeline is).
    bw = _data_width(config)
    for i in range(depth):
        src = ("take", "{" + ", ".join(f"f_op_{r}" for r in reversed(range(R))) + "}",
               f"b_payload[{bw - 1}:0]", "a_last") if i == 0 else \
              (f"f_hv{i - 1}", f"f_ha{i - 1}", f"f_hb{i - 1}", f"f_hl{i - 1}")
        out.append(f"""  reg f_hv{i} = 1'b0, f_hl{i} = 1'b0;
  reg [{R * ow - 1}:0] f_ha{i} = 0;
  reg [{bw - 1}:0] f_hb{i} = 0;
  always @(posedge clk) begin
    f_hv{i} <= !rst && {src[0]}; f_hl{i} <= {src[3]}; f_ha{i} <= {src[1]}; f_hb{i} <= {src[2]};
  end
""")
    for r in range(R):
        for c in range(C):
            pe = f"pe_{r}_{c}"
            i = r + c + 1                       # the pair in PE (r, c)'s operand registers
            a, b = _port(f"{pe}.a"), _port(f"{pe}.b")
            if stc:
                refs, select = _stc_slots(config, r, c, a, b)
                out.append(select)
            elif sparq:
                refs = [f"f_slot({a}{m}, {a}{s}, {a}{c}, {b}[7:0], {b}[15:8])"
                        for m, s, c in _slot_fields(config)]
            else:
                refs = [f"f_slot({a}[{aw - 1}:0], {b}[7:0])",
                        f"f_slot({a}[{2 * aw - 1}:{aw}], {b}[15:8])"]
            s0, s1 = (f"$signed({_port(f'{pe}.slot{j}_product')})" for j in range(2))
            # the reference products of the operands now in the PE, carried through the PE's
            # e multiply stages (the split's middle register with mul_pipe)
            chain = "".join(f"""  reg signed [{PRODUCT_WIDTH - 1}:0] f_ref0_{r}_{c}_{d} = 0, f_ref1_{r}_{c}_{d} = 0;
  always @(posedge clk) begin
    f_ref0_{r}_{c}_{d} <= {refs[0] if d == 0 else f"f_ref0_{r}_{c}_{d - 1}"};
    f_ref1_{r}_{c}_{d} <= {refs[1] if d == 0 else f"f_ref1_{r}_{c}_{d - 1}"};
  end
""" for d in range(e))
            out.append(chain + f"""  always @(*) begin
    // the pair the contract routes to PE ({r}, {c}) is in its operand registers ...
    if (f_hv{i}) products_route_{r}_{c}: {check} ({a} == f_ha{i}[{(r + 1) * ow - 1}:{r * ow}]
                                             && {b} == f_hb{i}[{ww * c + ww - 1}:{ww * c}]);
    // ... and {e} cycle(s) later its reference products are in the slot registers
    if (f_hv{i + e}) begin
      products_slot_{r}_{c}_0: {check} ({s0} == f_ref0_{r}_{c}_{e - 1});
      products_slot_{r}_{c}_1: {check} ({s1} == f_ref1_{r}_{c}_{e - 1});
    end
  end
""")
    return "".join(out)


def _stc_slots(config, r, c, a, b):
    """2:4: PE ``(r, c)``'s reference slot products of its registered group ``a`` and compressed
    weights ``b``, as :mod:`formal.pe` states them: slot ``j``'s activation is the group's element
    at weight ``j``'s position (``sparq``: 0 for a padding slot, value 0), then (``sparq``) the
    pair encoded as the spec does. Returns ``(refs, declarations)``."""
    aw = config.act_width
    out = []
    for j in range(2):
        pos, value = f"{b}[{17 + 2 * j}:{16 + 2 * j}]", f"{b}[{8 * j + 7}:{8 * j}]"
        picked = f"{a}[{pos} * {aw} +: {aw}]"
        gate = f"({value} != 0) ? {picked} : {aw}'d0" if config.datapath == "sparq" else picked
        out.append(f"  wire [{aw - 1}:0] f_x{j}_{r}_{c} = {gate};\n")
    if config.datapath != "sparq":
        return [f"f_slot(f_x{j}_{r}_{c}, {b}[{8 * j + 7}:{8 * j}])" for j in range(2)], "".join(out)
    n, sw, t = config.bits, config.shift_width, f"{r}_{c}"
    out.append(f"""  wire [{n - 1}:0] f_sm0_{t}, f_sm1_{t};
  wire [{sw - 1}:0] f_ss0_{t}, f_ss1_{t};
  wire f_sc0_{t}, f_sc1_{t};
  {SPEC_MODULES["pair"]} f_sspec_{t} (.a0(f_x0_{t}), .a1(f_x1_{t}), .mant0(f_sm0_{t}), .shift0(f_ss0_{t}),
    .src0(f_sc0_{t}), .mant1(f_sm1_{t}), .shift1(f_ss1_{t}), .src1(f_sc1_{t}));
""")
    return ([f"f_slot(f_sm{j}_{t}, f_ss{j}_{t}, f_sc{j}_{t}, {b}[7:0], {b}[15:8])" for j in range(2)],
            "".join(out))


def _sums(config, aids):
    """Legal-tile assumptions, and each c row against the exact sums of the slot registers."""
    R, C, accw, P = config.rows, config.cols, config.acc_width, hdl_pe.max_pairs(config)
    rw, nw, S = _width(max(R, 2)), _width(P + 1), SUM_WIDTH
    out = [f"""
  // -- arithmetic: each C[r, c] is the exact sum of PE (r, c)'s products over the tile -------
  // Legal tiles (the contract's results are meaningless after err): a.last == b.last on every
  // transfer, and the {P}-th transfer of a tile is its last.
  always @(*) begin
    if (take) assume (a_last == b_last);
    if (take && f_count == {nw}'d{P - 1}) assume (a_last);
  end
"""]
    for r in range(R):
        for c in range(C):
            i = r + c + 1 + hdl_pe.latency(config)   # the pair in PE (r, c)'s slot registers
            s0, s1 = (f"$signed({_port(f'pe_{r}_{c}.slot{j}_product')})" for j in range(2))
            col = f"c_payload[{(c + 1) * accw - 1}:{c * accw}]"
            out.append(f"""  reg signed [{S - 1}:0] f_acc_{r}_{c} = 0, f_res_{r}_{c} = 0;
  wire signed [{S - 1}:0] f_pair_{r}_{c} = {s0} + {s1};
  always @(posedge clk)
    if (rst) f_acc_{r}_{c} <= 0;
    else if (f_hv{i}) begin
      if (f_hl{i}) begin f_res_{r}_{c} <= f_acc_{r}_{c} + f_pair_{r}_{c}; f_acc_{r}_{c} <= 0; end
      else f_acc_{r}_{c} <= f_acc_{r}_{c} + f_pair_{r}_{c};
    end
  always @(*)
    if (c_valid && f_row == {rw}'d{r}) arithmetic_c_{r}_{c}: assert ({col} == f_res_{r}_{c}[{accw - 1}:0]);
""")
            if aids:
                out.append(_sum_aids(config, r, c, i))
    return "".join(out)


def _sum_aids(config, r, c, i):
    # PE (r, c) agrees with the model: framing of its slot stage, its accumulator, and its
    # result register (captured r + c + 3 + pe_latency cycles after the final transfer, then
    # shifted up one row per c transfer).
    R, accw, sw = config.rows, config.acc_width, _width(latency(config) + 1)
    rw = _width(max(R, 2))
    pe = f"pe_{r}_{c}"
    lines = [f"aid_framing_{r}_{c}: assert ({_port(pe + '.p_valid')} == f_hv{i} && "
             f"{_port(pe + '.p_last')} == (f_hv{i} && f_hl{i}));",
             f"aid_acc_{r}_{c}: assert ({_port(pe + '.acc')} == f_acc_{r}_{c}[{accw - 1}:0]);"]
    for k in range(R - r):
        when = f"f_row == {rw}'d{k}" + (f" && f_since >= {sw}'d{r + c + 3 + hdl_pe.latency(config)}"
                                        if k == 0 else "")
        lines.append(f"if (f_outstanding == 2'd1 && {when}) aid_result_{r}_{c}_{k}: "
                     f"assert ({_port(pe + '.result')} == f_res_{r + k}_{c}[{accw - 1}:0]);")
    return "  always @(*) begin\n" + "".join(f"    {line}\n" for line in lines) + "  end\n"


def _data_width(config):
    """Width of ``b``'s data field (the payload without ``last``)."""
    return config.cols * _weight_width(config)
