"""The formal harness of the dot-product unit (:class:`hdl.dotprod.DotProduct`).

The unit has the array's tile streams and framing (:mod:`hdl.tile_framing`: ``a`` and ``b``
taken together, a tile's final transfer held back while the previous tile is on ``c``, ``rows``
result rows per tile, the sticky ``err``), so its ``stream``, ``conservation`` and ``err``
classes are the array's (:func:`formal.array.array_harness`) with the unit's :class:`Frame`:
its payload widths, ``max_transfers = max_steps(config)`` and its latency (3 cycles, 4 with
``mul_pipe``). Its datapath differs, so ``products`` and ``arithmetic`` are its own:

* ``products``: one cycle after a transfer the unit's operand registers ``op_r_j`` and
  ``weights`` hold it (sparq: as the spec encodes it, :class:`formal.spec.SpecPair`); every
  output's tree-sum register ``sum_r_c`` holds, ``latency - 2`` cycles later still, the sum over
  the ``pairs`` pairs of the reference slot products of those operands (``f_slot``: the spec's
  slot formula, or the plain products of the baselines). For sparq the proof goes slot by slot:
  each unshifted slot product ``p_r_c_j_slotS`` equals mantissa times selected weight, then the
  sum register the sum of those products shifted;
* ``arithmetic``: assuming ``products`` (proved by that job), each ``c`` row carries per column
  the sum of those tree sums over the tile, to ``acc_width(config)`` bits (legal tiles assumed,
  as for the array). The aids tie the model to the unit's ``s_valid``/``s_last``, ``acc_r_c``
  and ``result_r_c`` registers.

A sparq unit with more than two pairs (:func:`compositional`: its ``products`` proof, every
slot multiplier and the adder tree in one problem, did not finish) is proved part by part on
the same instance, each job with the part another proves cut out (:func:`cut`, Yosys ``expose
-cut``: the harness drives the cut wire freely):

* ``lanes``: the operand routes, and every unshifted slot product equal to mantissa times
  selected weight (the tree-sum registers cut);
* ``tree``: the slot products cut, assumed only in the range of a mantissa times a weight in the
  cycle ``lanes`` checks them: each tree sum is the sum of those products shifted;
* ``arithmetic``: the tree-sum registers cut: each ``c`` row is the sum over the tile of the
  tree sums, whatever they are (no assumption on the products).

The pair encoder's ``contribution`` proof (same ``bits``, ``options``, ``rounding``) makes the
reference slot products golden's. The results are compared with the exact sums to
``acc_width(config)`` bits (modulo ``2**acc_width``): that no legal tile wraps is the bound of
:func:`hdl.dotprod.acc_width`, not part of these proofs.
"""

import re

from amaranth import Shape

from hdl import dotprod as unit

from .array import PROPERTIES as ARRAY_PROPERTIES, Frame, _port, _width, array_harness
from .reference import PRODUCT_WIDTH, slot_function
from .spec import MODULES as SPEC_MODULES

__all__ = ["PROPERTIES", "COMPOSED_PROPERTIES", "frame", "dotprod_harness", "exposed", "cut",
           "compositional", "properties", "latency"]

#: Every property class of the unit (a unit is proved :func:`properties` of them).
PROPERTIES = ("stream", "conservation", "products", "lanes", "tree", "arithmetic", "err")

#: Width of the model's sums.
SUM_WIDTH = 32


def latency(config):
    """Cycles from a tile's final input transfer to its first result row on ``c``."""
    return unit.latency(config)


def frame(config):
    """The unit's :class:`formal.array.Frame`."""
    M, N, P = config.rows, config.cols, config.pairs
    accw = unit.acc_width(config)
    return Frame(M, 2 * M * P * config.act_width + 1, 2 * N * P * 8 + 1, N * accw + 1, accw,
                 unit.max_steps(config), latency(config))


def _operand_width(config):
    if config.datapath == "sparq":
        return 2 * (config.bits + config.shift_width + 1)
    return 2 * config.act_width


def _sum_width(config):
    # The unit's tree-sum registers: Signal(range(-bound, bound + 1)), bound = 2P * 128 * max_act.
    bound = 2 * config.pairs * 128 * config.max_act_value
    return Shape.cast(range(-bound, bound + 1)).width


def compositional(config):
    """True for the units proved part by part (:data:`COMPOSED_PROPERTIES`): sparq with more
    than two pairs, whose ``products`` proof (every slot multiplier and the adder tree in one
    problem) the solver did not finish."""
    return config.datapath == "sparq" and config.pairs > 2


#: The classes of a :func:`compositional` unit: ``lanes`` and ``tree`` instead of ``products``.
COMPOSED_PROPERTIES = ("stream", "conservation", "lanes", "tree", "arithmetic", "err")


def properties(config):
    """The property classes proved of the unit ``config``, in report order."""
    if compositional(config):
        return COMPOSED_PROPERTIES
    return ("stream", "conservation", "products", "arithmetic", "err")


def _parts(config, has):
    """What a job of the classes ``has`` states about the datapath: ``(routes, slots, sums)``,
    the operand routes, the slot-product checks and the tree-sum checks (each asserted or, for
    ``arithmetic`` of a unit not :func:`compositional`, assumed)."""
    composed = compositional(config)
    plain_arith = has("arithmetic") and not composed
    routes = has("products") or has("lanes") or plain_arith
    slots = has("products") or has("lanes")
    sums = has("products") or has("tree") or plain_arith
    return routes, slots, sums


def _split(config, has):
    # sparq slot by slot: the unshifted slot products are read (and checked, or cut)
    return config.datapath == "sparq" and (has("products") or has("lanes") or has("tree"))


def cut(config, properties):
    """Internal wires the solver drives freely in a job of ``properties`` (Yosys ``expose
    -cut``: every reader of the wire reads a new input instead of its driver): each claim is
    then proved for every value of them, so for the values the design gives them too. For a
    :func:`compositional` unit: ``tree`` cuts the slot products (the multipliers' outputs no
    longer reach the tree; ``lanes`` proves them), ``lanes`` and ``arithmetic`` cut the tree-sum registers
    (``arithmetic`` holds for every sequence of tree sums; ``tree`` proves what they are)."""
    if not compositional(config):
        return set()
    has = set(properties).__contains__
    wires = set()
    if has("tree"):
        wires |= {_slot_product_wire(config, r, c, j, s)[0] for r in range(config.rows)
                  for c in range(config.cols) for j in range(config.pairs) for s in range(2)}
    if has("lanes") or has("arithmetic"):
        wires |= {f"sum_{r}_{c}" for r in range(config.rows) for c in range(config.cols)}
    return wires


def exposed(config, properties, *, aids):
    """``{internal wire: width}`` the harness reads (and drives, for those :func:`cut`)."""
    fr = frame(config)
    has = set(properties).__contains__
    routes, slots, sums = _parts(config, has)
    split = _split(config, has)
    wires = {}
    if aids:
        wires.update({"pending": 1, "row": _width(max(fr.rows, 2)),
                      "count": _width(fr.max_transfers + 1)})
    if routes or sums or has("arithmetic"):
        for r in range(config.rows):
            if routes or sums:
                for j in range(config.pairs):
                    wires[f"op_{r}_{j}"] = _operand_width(config)
            for c in range(config.cols):
                wires[f"sum_{r}_{c}"] = _sum_width(config)
                if split:
                    for j in range(config.pairs):
                        for s in range(2):
                            name, width, _ = _slot_product_wire(config, r, c, j, s)
                            wires[name] = width
                if aids and has("arithmetic"):
                    wires[f"acc_{r}_{c}"] = fr.acc_width
                    wires[f"result_{r}_{c}"] = fr.acc_width
        if routes or sums:
            wires["weights"] = fr.b_width - 1
        if aids and has("arithmetic"):
            wires.update({"s_valid": 1, "s_last": 1})
    return wires


def _slot_product_wire(config, r, c, j, s):
    """``(internal wire, its width, bit slice)`` of the unshifted slot product ``s`` of pair
    ``j`` of output ``(r, c)``: the unit's ``p_r_c_j_slotS``; with ``dsp_pack`` in one cycle, the
    lane ``c % PACK_LANES`` of the packed multiplier that computes it
    (``pack_r_j_s_g.products``, :class:`hdl.packed_mul.PackedMultiplier`)."""
    w = config.bits + 8
    if config.dsp_pack and not config.mul_pipe:
        g, lane = divmod(c, unit.PACK_LANES)
        lanes = min(unit.PACK_LANES, config.cols - g * unit.PACK_LANES)
        return f"pack_{r}_{j}_{s}_{g}.products", lanes * w, f"[{lane * w + w - 1}:{lane * w}]"
    return f"p_{r}_{c}_{j}_slot{s}", w, ""


def weight_register(text, config):
    """The name of the unit's weight register (``weights``, or ``weights$<n>`` when another
    signal of the module has that name) in its Verilog ``text``."""
    width = frame(config).b_width - 1
    found = re.findall(rf"reg \[{width - 1}:0\] \\?(weights(?:\$\d+)?) ", text)
    if len(found) != 1:
        raise ValueError(f"expected one {width}-bit weight register in the unit, found {found}")
    return found[0]


def _datapath(config, has, aids):
    """The history of taken transfers (encoded), the ``products`` (``lanes``, ``tree``) checks
    (or assumptions) and the ``arithmetic`` model and checks."""
    routes, slots, sums = _parts(config, has)
    if not (routes or sums or has("arithmetic")):
        return ""
    M, N, P = config.rows, config.cols, config.pairs
    aw = config.act_width
    sparq = config.datapath == "sparq"
    ow = _operand_width(config)
    fr = frame(config)
    bw = fr.b_width - 1
    i = latency(config) - 2                   # history entry of the transfer in the sum registers
    # labels and verbs: products states all three parts; lanes the routes and slots, tree the
    # sums; a plain unit's arithmetic assumes what products proves
    route_check = "assert" if slots else "assume"
    sum_check = "assert" if has("products") or has("tree") else "assume"
    route_label = "lanes_route" if has("lanes") else "products_route"
    slot_label = "lanes_slot" if has("lanes") else "products_slot"
    sum_label = "tree_sum" if has("tree") else "products_sum"
    out = [f"""
  // -- products: the unit's operand registers hold the transfer (as the spec encodes it), and
  // each output's tree sum is the sum of the reference slot products of those operands --------
{slot_function(config, PRODUCT_WIDTH)}"""]
    ops = []
    for r in range(M if routes else 0):
        for j in range(P):
            lo = ((r * P + j) * 2) * aw
            name = f"f_op_{r}_{j}"
            if sparq:
                out.append(f"""  wire [{config.bits - 1}:0] f_m0_{r}_{j}, f_m1_{r}_{j};
  wire [{config.shift_width - 1}:0] f_s0_{r}_{j}, f_s1_{r}_{j};
  wire f_c0_{r}_{j}, f_c1_{r}_{j};
  {SPEC_MODULES["pair"]} f_spec_{r}_{j} (.a0(a_payload[{lo + 7}:{lo}]), .a1(a_payload[{lo + 15}:{lo + 8}]),
    .mant0(f_m0_{r}_{j}), .shift0(f_s0_{r}_{j}), .src0(f_c0_{r}_{j}),
    .mant1(f_m1_{r}_{j}), .shift1(f_s1_{r}_{j}), .src1(f_c1_{r}_{j}));
  wire [{ow - 1}:0] {name} = {{f_c1_{r}_{j}, f_s1_{r}_{j}, f_m1_{r}_{j}, f_c0_{r}_{j}, f_s0_{r}_{j}, f_m0_{r}_{j}}};
""")
            else:
                out.append(f"  wire [{ow - 1}:0] {name} = a_payload[{lo + ow - 1}:{lo}];\n")
            ops.append(name)
    for h in range(i + 1):
        src = ("take", "{" + ", ".join(reversed(ops)) + "}", f"b_payload[{bw - 1}:0]", "a_last") \
            if h == 0 else (f"f_hv{h - 1}", f"f_ha{h - 1}", f"f_hb{h - 1}", f"f_hl{h - 1}")
        out.append(f"""  reg f_hv{h} = 1'b0, f_hl{h} = 1'b0;
  always @(posedge clk) begin f_hv{h} <= !rst && {src[0]}; f_hl{h} <= {src[3]}; end
""")
        if routes:
            out.append(f"""  reg [{M * P * ow - 1}:0] f_ha{h} = 0;
  reg [{bw - 1}:0] f_hb{h} = 0;
  always @(posedge clk) begin f_ha{h} <= {src[1]}; f_hb{h} <= {src[2]}; end
""")
    # The unit's operand registers (exposed), and copies delayed by d = 1..i cycles: the
    # reference products are computed from them, so that the solver compares each multiplier
    # with its reference on the same operands; the route checks tie them to the history.
    def op(d, r, j):
        return _port(f"op_{r}_{j}") if d == 0 else f"f_opd{d}_{r}_{j}"

    def wt(d):
        return _port("weights") if d == 0 else f"f_wd{d}"
    for d in range(1, (i if sums else i - 1) + 1):
        regs = "".join(f"  reg [{ow - 1}:0] {op(d, r, j)} = 0;\n" for r in range(M) for j in range(P))
        loads = " ".join(f"{op(d, r, j)} <= {op(d - 1, r, j)};" for r in range(M) for j in range(P))
        out.append(f"""{regs}  reg [{bw - 1}:0] {wt(d)} = 0;
  always @(posedge clk) begin {loads} {wt(d)} <= {wt(d - 1)}; end
""")
    if routes:
        checks = [f"{route_label}_{r}_{j}: {route_check} ({op(0, r, j)} == "
                  f"f_ha0[{(r * P + j + 1) * ow - 1}:{(r * P + j) * ow}]);"
                  for r in range(M) for j in range(P)]
        checks.append(f"{route_label}_weights: {route_check} ({wt(0)} == f_hb0);")
        out.append("  always @(*)\n    if (f_hv0) begin\n" + "".join(f"      {x}\n" for x in checks)
                   + "    end\n")
    n, sw = config.bits, config.shift_width
    half = n + sw + 1
    split = _split(config, has)
    if split and slots:
        # Slot by slot (a sum of products against another is hard for the solver): each
        # unshifted slot product p_r_c_j_slotS of the unit (its multiplier rows, before the
        # shifter) equals the mantissa times the selected weight of its operands (i - 1 cycles
        # after the operand registers); the sum register then equals the sum of those products
        # shifted by the operands' shifts.
        out.append(f"""  function automatic signed [{n + 8}:0] f_mul(input [{n - 1}:0] mant, input src,
      input signed [7:0] b0, input signed [7:0] b1);
    f_mul = $signed({{1'b0, mant}}) * (src ? b1 : b0);
  endfunction
""")
    for r in range(M):
        for c in range(N):
            terms = []
            for j in range(P):
                lo0 = (c * P + j) * 16
                if split:
                    a = op(i - 1, r, j)
                    b0, b1 = f"{wt(i - 1)}[{lo0 + 7}:{lo0}]", f"{wt(i - 1)}[{lo0 + 15}:{lo0 + 8}]"
                    for s in range(2):
                        base = s * half
                        name, _, part = _slot_product_wire(config, r, c, j, s)
                        p_wire = f"$signed({_port(name)}{part})"
                        if slots:
                            out.append(f"""  always @(*)
    if (f_hv{i - 1}) {slot_label}_{r}_{c}_{j}_{s}: assert ({p_wire} == f_mul({a}[{base + n - 1}:{base}], {a}[{base + n + sw}], {b0}, {b1}));
""")
                        if sums:
                            out.append(f"""  reg signed [{n + 8}:0] f_p_{r}_{c}_{j}_{s} = 0;
  always @(posedge clk) f_p_{r}_{c}_{j}_{s} <= {p_wire};
""")
                            terms.append(f"(f_p_{r}_{c}_{j}_{s} <<< {op(i, r, j)}[{base + n + sw - 1}:{base + n}])")
                        if has("tree") and not slots:
                            # The slot product is a free input here: it takes the range of a
                            # mantissa times a weight (what lanes proves it is, in this cycle).
                            top = (1 << n) - 1
                            out.append(f"""  always @(*)
    if (f_hv{i - 1}) assume ({p_wire} >= -{top * 128} && {p_wire} <= {top * 127});
""")
                elif sums:
                    a = op(i, r, j)
                    b0, b1 = f"{wt(i)}[{lo0 + 7}:{lo0}]", f"{wt(i)}[{lo0 + 15}:{lo0 + 8}]"
                    if sparq:
                        terms += [f"f_slot({a}[{s * half + n - 1}:{s * half}], "
                                  f"{a}[{s * half + n + sw - 1}:{s * half + n}], "
                                  f"{a}[{s * half + n + sw}], {b0}, {b1})" for s in range(2)]
                    else:
                        terms += [f"f_slot({a}[{aw - 1}:0], {b0})",
                                  f"f_slot({a}[{2 * aw - 1}:{aw}], {b1})"]
            if not sums:
                continue
            ref = " + ".join(f"{SUM_WIDTH}'sd0 + {t}" if k == 0 else t for k, t in enumerate(terms))
            out.append(f"""  wire signed [{SUM_WIDTH - 1}:0] f_ref_{r}_{c} = {ref};
  always @(*)
    if (f_hv{i}) {sum_label}_{r}_{c}: {sum_check} ($signed({_port(f"sum_{r}_{c}")}) == f_ref_{r}_{c});
""")
    if has("arithmetic"):
        out.append(_sums(config, fr, i, aids))
    return "".join(out)


def _sums(config, fr, i, aids):
    M, N, P, accw = config.rows, config.cols, fr.max_transfers, fr.acc_width
    rw, nw, sw, S = _width(max(M, 2)), _width(P + 1), _width(fr.latency + 1), SUM_WIDTH
    out = [f"""
  // -- arithmetic: each C[r, c] is the exact sum of output (r, c)'s tree sums over the tile ---
  always @(*) begin
    if (take) assume (a_last == b_last);
    if (take && f_count == {nw}'d{P - 1}) assume (a_last);
  end
"""]
    for r in range(M):
        for c in range(N):
            s = f"$signed({_port(f'sum_{r}_{c}')})"
            col = f"c_payload[{(c + 1) * accw - 1}:{c * accw}]"
            out.append(f"""  reg signed [{S - 1}:0] f_acc_{r}_{c} = 0, f_res_{r}_{c} = 0;
  always @(posedge clk)
    if (rst) f_acc_{r}_{c} <= 0;
    else if (f_hv{i}) begin
      if (f_hl{i}) begin f_res_{r}_{c} <= f_acc_{r}_{c} + {s}; f_acc_{r}_{c} <= 0; end
      else f_acc_{r}_{c} <= f_acc_{r}_{c} + {s};
    end
  always @(*)
    if (c_valid && f_row == {rw}'d{r}) arithmetic_c_{r}_{c}: assert ({col} == f_res_{r}_{c}[{accw - 1}:0]);
""")
            if aids:
                lines = [f"aid_acc_{r}_{c}: assert ({_port(f'acc_{r}_{c}')} == f_acc_{r}_{c}[{accw - 1}:0]);"]
                for k in range(M - r):
                    when = f"f_row == {rw}'d{k}" + (f" && f_since >= {sw}'d{fr.latency}"
                                                    if k == 0 else "")
                    lines.append(f"if (f_outstanding == 2'd1 && {when}) aid_result_{r}_{c}_{k}: "
                                 f"assert ({_port(f'result_{r}_{c}')} == f_res_{r + k}_{c}[{accw - 1}:0]);")
                out.append("  always @(*) begin\n" + "".join(f"    {x}\n" for x in lines)
                           + "  end\n")
    if aids:
        out.append(f"""  always @(*) aid_framing: assert ({_port("s_valid")} == f_hv{i} && {_port("s_last")} == (f_hv{i} && f_hl{i}));
""")
    return "".join(out)


def dotprod_harness(config, dut, properties, *, aids):
    """SystemVerilog text of module ``formal_array`` (the array's harness, same port names)
    around the generated dot-product unit ``dut``; it must have been given the :func:`exposed`
    ports. With ``skid`` the solver drives the ports in front of the buffers, every class is
    stated on the streams behind them, and the buffers' own assertions tie the two
    (:func:`formal.array.array_harness`)."""
    has = set(properties).__contains__
    return array_harness(config, dut, [p for p in properties if p in ARRAY_PROPERTIES],
                         aids=aids, fr=frame(config),
                         extra=lambda _, aids: _datapath(config, has, aids),
                         wires=exposed(config, properties, aids=aids),
                         cut=cut(config, properties))
