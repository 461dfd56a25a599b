"""Processing element for 2:4 structured-sparse weights: one group of four reduction positions per
cycle on two multipliers."""

from amaranth import Mux, Signal, unsigned

from .pair import PairEncoder
from .mul_stage import plain_product, slot_product
from .pe import ProcessingElement

__all__ = ["StcProcessingElement"]

class StcProcessingElement(ProcessingElement):
    """Multiply-accumulate cell of the 2:4 array (``config.stc``), datapath ``sparq`` or ``int8``.

    The same cell as :class:`~hdl.pe.ProcessingElement` (ports, pipeline, drain chain, latency),
    with other operands: ``a_in`` is a group of four activations (:func:`group_layout`) and
    ``b_in`` one output channel's compressed weights for that group (:data:`compressed_layout`).
    Per cycle the PE

    1. selects, for each weight slot ``j``, the activation at its position:
       ``x_j = a[pos_j]``, or 0 when ``value_j`` is 0 (a padding slot is a missing pair member,
       as in ``golden.sparq_gemm(..., stc=True)``: the pair is formed from the activations at
       the group's non-zero weights only);
    2. ``sparq``: encodes the pair ``(x_0, x_1)`` with a :class:`~hdl.pair.PairEncoder` (window
       selection and the lone-value split) and multiplies the two slots against
       ``value[src_j]``, shifted; ``int8``: multiplies ``x_j * value_j`` exactly;
    3. accumulates the sum of the two products.

    The pair's contribution ``h0*b0 + h1*b1`` is symmetric in its two members, so the order of
    the two slots does not matter. Two non-zero values at the same position are not a 2:4 group
    (:class:`~hdl.stc_array.StcArray` flags them on ``err``; the PE alone computes the pair
    ``(a[p], a[p])``).

    Latency and throughput as :class:`~hdl.pe.ProcessingElement`: one group (up to two
    multiply-accumulates, four reduction positions) per cycle.
    """

    def _selected(self, m, a, b):
        # The activations at the two weights' positions (4:1 multiplexers of the group).
        cfg = self._config
        xs = []
        for j in range(2):
            x = Signal(unsigned(cfg.act_width), name=f"select{j}")
            picked = a[b.pos[j]]
            if cfg.datapath == "sparq":
                # A padding slot's activation must read as 0: it decides whether its partner is
                # lone (exact) or windowed. (int8 needs no gate: value 0 makes the product 0.)
                picked = Mux(b.value[j] != 0, picked, 0)
            m.d.comb += x.eq(picked)
            xs.append(x)
        return xs

    def _products(self, m, a, b):
        cfg = self._config
        x0, x1 = self._selected(m, a, b)
        if cfg.datapath != "sparq":
            # As the dense int8 PE: Yosys's own multiplier mapping of the exact products.
            return [plain_product(m, x, b.value[j], split=cfg.mul_pipe, name=f"mul{j}")
                    for j, x in enumerate((x0, x1))]
        m.submodules.encoder = enc = PairEncoder(cfg)
        m.d.comb += [enc.a0.eq(x0), enc.a1.eq(x1)]
        products = []
        for j in range(2):
            weight = Mux(getattr(enc, f"src{j}"), b.value[1], b.value[0])
            # The dense PE's multiply stage (hdl.mul_stage), split with mul_pipe like it.
            products.append(slot_product(m, getattr(enc, f"mant{j}"), weight,
                                         getattr(enc, f"shift{j}"), cfg.shifts,
                                         split=cfg.mul_pipe, name=f"product{j}"))
        return products

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        doc = super().describe()
        cfg = self._config
        w = cfg.act_width
        if cfg.datapath == "sparq":
            kind = (f"2:4 sparq PE: activation select, pair encoder and two {cfg.mant_width}b x 8b "
                    f"multipliers with weight select and shifters "
                    f"{{{', '.join(map(str, cfg.shifts))}}}")
        else:
            kind = "2:4 int8 PE: activation select and two 8b x 8b multipliers"
        doc["summary"] = (f"{kind}, signed {cfg.acc_width}-bit accumulator (max_k {cfg.max_k}), "
                          f"one group of four reduction positions per cycle, shadow result "
                          f"register")
        doc["ports"].update({
            "a_in": (f"group of four activations, unsigned {w}-bit each: element i (index 4g+i) "
                     f"at bits [i*{w} +: {w}]"),
            "b_in": ("compressed weights of the group: value[0], value[1] (signed 8-bit) at bits "
                     "[7:0], [15:8], their positions in the group pos[0], pos[1] (0..3) at bits "
                     "[17:16], [19:18]; a value of 0 is a padding slot (its activation counts as "
                     "0); contributes the pair (a[pos[0]], a[pos[1]]) times (value[0], value[1])"),
            "valid_in": "a_in/b_in hold a real group this cycle (low: bubble, nothing accumulates)",
            "last_in": ("the group is the last of its tile: its sum goes to result, the "
                        "accumulator restarts at 0"),
        })
        doc["latency"] = doc["latency"].replace("a pair on", "a group on")
        doc["throughput"] = ("one group of four reduction positions (up to two multiply-"
                             "accumulates) per cycle, tiles back to back")
        return doc
