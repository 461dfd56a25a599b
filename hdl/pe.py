"""Processing element of the systolic array: one activation pair times one weight pair per cycle."""

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .config import SparqConfig
from .mul_stage import SPLIT_LATENCY, plain_product, slot_product
from .layouts import operand_layout, weight_layout

__all__ = ["ProcessingElement", "latency", "max_pairs", "max_products"]


def latency(config):
    """Cycles from a PE's operand register to its accumulate stage: 1, or 2 with ``mul_pipe``
    (the PE's and so the array's; the dot-product unit's is :func:`hdl.dotprod.latency`)."""
    return 1 + (SPLIT_LATENCY if config.mul_pipe else 0)


def max_pairs(config):
    """Transfers (cycles of one PE) in the longest tile: ceil(max_k / 2), an odd K pairing the
    last with 0; with ``stc`` ceil(max_k / 4) (one pair per group of four)."""
    return -(-config.max_k // config.k_per_transfer)


def max_products(config):
    """Most products a tile can carry: two per transfer, ``2 * max_pairs``. A tile of up to
    ``max_k`` positions has at most ``max_k`` of them (with ``stc`` two per group of four), but
    the array cannot tell the zero padding of an odd K (or of a final partial group) from data: a
    longer tile sets ``err``, a tile of ``max_pairs`` transfers whose padding is not zero does
    not. The accumulator (``config.acc_width``) holds that too, so no accepted input overflows
    it."""
    return 2 * max_pairs(config)


class ProcessingElement(wiring.Component):
    """Multiply-accumulate cell of the output-stationary array, for one of three datapaths.

    Every cycle the PE registers one activation operand ``a_in`` (from its left neighbour), one
    weight pair ``b_in`` (from above) and the framing bits ``valid_in``/``last_in`` that travel
    with the activation. The registered copies are both the multiplier operands and the outputs
    ``a_out``, ``b_out``, ``valid_out``, ``last_out`` to the right/lower neighbours, so operands
    move one PE per cycle.

    The pair product of the registered operands is

    * ``sparq``: ``(mant0 * b[src0] << shift0) + (mant1 * b[src1] << shift1)``, two n-bit x 8b
      multipliers (``n = config.bits``) with a weight select and a left shifter each (the
      encoded pair of :class:`~hdl.pair.PairEncoder`; a lone activation's wider mantissa arrives
      already split over the two slots);
    * ``int8``: ``a[0] * b[0] + a[1] * b[1]``, two exact 8b x 8b multipliers;
    * ``a4w8``, ``a3w8``, ``a2w8``: ``a[0] * b[0] + a[1] * b[1]`` with N-bit activations, two
      N-bit x 8b multipliers.

    The two slot products (for ``sparq`` already shifted) are registered (with ``valid`` and
    ``last``); the next stage adds them into the pair product and the pair product into the
    accumulator, as two two-operand adders. Every datapath has the same three register stages
    (operands, slot products, accumulator/result), so the datapaths differ only in the multiply
    stage and their area and Fmax compare like for like. (Measured on iCE40 with Yosys 0.70 and
    nextpnr: registering the two products separately beat registering their sum, for sparq and
    int8 alike; two adders beat one three-operand adder in LUTs and transistors for every
    datapath; shifting the registered unshifted products in the accumulate stage instead made
    the sparq PE slower.)

    Accumulation, with ``sum = acc + product0 + product1`` of the registered slot products:

    * ``valid`` low: nothing changes (a bubble);
    * ``valid`` high, ``last`` low: ``acc <= sum``;
    * ``valid`` high, ``last`` high (``capture``): ``result <= sum`` and ``acc <= 0``, so the
      next tile's first pair accumulates from zero on the very next cycle, without a bubble,
      while ``result`` keeps the finished sum (the shadow register).
    * ``drain`` high (and no capture this cycle): ``result <= drain_in``, the shift of the
      array's drain chain (``drain_in`` is the result of the PE below).

    The accumulator is a signed ``config.acc_width``-bit register. Every product lies in
    ``[-128 * max_act, 127 * max_act]`` with ``max_act = config.max_act_value`` (255: a lone SPARQ
    activation is exact under 4-bit windows and at most 252 under 3-bit and 240 under 2-bit
    windows, and no window exceeds 255; ``2**N - 1`` for ``aNw8``), so after at most
    ``max_pairs(config)`` pairs (``max_products = 2 * max_pairs`` products) the sum is within
    ``[-max_products * 128 * max_act, max_products * 127 * max_act]``, which ``acc_width`` holds:
    no overflow, no wrap, no saturation for a tile of at most ``max_pairs`` pairs. Longer tiles wrap modulo ``2**acc_width`` (the array flags them on ``err``).

    Parameters
    ----------
    config : SparqConfig
        Reads ``datapath``, ``shifts`` (sparq), ``act_width`` and ``acc_width``.

    Members
    -------
    a_in : In(operand_layout(config))
        Activation operand (encoded pair for ``sparq``, raw pair otherwise).
    b_in : In(ArrayLayout(signed(8), 2))
        Weight pair ``(b0, b1)``.
    valid_in, last_in : In(1)
        The operands are a real pair; it is the last pair of a tile.
    a_out, b_out, valid_out, last_out : Out(...)
        The registered operands and framing bits, for the neighbours.
    drain_in : In(signed(acc_width))
        Result of the PE below, shifted in when ``drain`` is high.
    drain : In(1)
        Shift the drain chain: ``result <= drain_in``.
    result : Out(signed(acc_width))
        The finished sum of the last completed tile (or what the drain chain shifted in).
    capture : Out(1)
        High in the cycle whose clock edge loads a finished sum into ``result``.

    Latency, with ``L = latency(config)`` (1; 2 with ``config.mul_pipe``): a pair presented on
    ``a_in``/``b_in`` in cycle ``t`` is multiplied in cycles ``t+1 .. t+L`` and accumulated in
    cycle ``t+L+1``; with ``last_in`` high, ``capture`` is high in cycle ``t+L+1`` and the tile's
    sum is on ``result`` from cycle ``t+L+2``. Throughput: one pair (two multiply-accumulates) per
    cycle, back to back across tiles, with or without ``mul_pipe``.

    ``mul_pipe`` splits the multiply stage over two register stages (:mod:`hdl.mul_stage`): for
    ``sparq`` the two half products of each slot (partial-product rows 0-1 and 2-3, weight select
    included) and the shift amounts are registered before the sum of the halves and the shifter,
    for ``int8`` and ``a4w8`` the two half products of each slot before their sum; ``valid`` and
    ``last`` are delayed with them. The other stages are unchanged.
    """

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        self._config = config
        operand = operand_layout(config)
        acc = signed(config.acc_width)
        super().__init__({
            "a_in": In(operand), "b_in": In(weight_layout(config)),
            "valid_in": In(1), "last_in": In(1),
            "a_out": Out(operand), "b_out": Out(weight_layout(config)),
            "valid_out": Out(1), "last_out": Out(1),
            "drain_in": In(acc), "drain": In(1),
            "result": Out(acc), "capture": Out(1),
        })

    @property
    def config(self):
        return self._config

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        cfg = self._config
        if cfg.datapath == "sparq":
            operand = ("encoded activation pair (fields mant0, shift0, src0, mant1, shift1, src1, "
                       "from bit 0 up); contributes (mant0*b[src0] << shift0) + "
                       "(mant1*b[src1] << shift1)")
            kind = (f"sparq PE: two {cfg.bits}b x 8b multipliers with weight select and shifters "
                    f"{{{', '.join(map(str, cfg.shifts))}}}")
        else:
            operand = (f"activation pair, unsigned {cfg.act_width}-bit each: element 0 at bits "
                       f"[0 +: {cfg.act_width}] (index k), element 1 above it (index k+1)")
            kind = f"{cfg.datapath} PE: two {cfg.mant_width}b x 8b multipliers"
        weights = "weight pair, signed 8-bit each: b0 at bits [7:0] (index k), b1 at bits [15:8]"
        L = latency(cfg)
        mul = ("cycles t+1 and t+2 (split multiply stage, mul_pipe)" if cfg.mul_pipe
               else "cycle t+1")
        if cfg.mul_pipe:
            kind += (", multiply stage split over two cycles (half products | sum and shift)" if cfg.datapath == "sparq"
                     else ", multiply stage split over two cycles (half products | sum)")
        return {
            "summary": (f"{kind}, signed {cfg.acc_width}-bit accumulator (max_k {cfg.max_k}), "
                        f"one pair per cycle, shadow result register"),
            "ports": {
                "a_in": operand,
                "b_in": weights,
                "valid_in": "a_in/b_in hold a real pair this cycle (low: bubble, nothing accumulates)",
                "last_in": "the pair is the last of its tile: its sum goes to result, the accumulator restarts at 0",
                "a_out": "a_in registered (one cycle), for the PE to the right",
                "b_out": "b_in registered (one cycle), for the PE below",
                "valid_out": "valid_in registered (one cycle)",
                "last_out": "last_in registered (one cycle)",
                "drain_in": "result of the PE below; loaded into result when drain is high",
                "drain": "shift the drain chain this cycle: result <= drain_in (ignored in a capture cycle)",
                "result": (f"signed {cfg.acc_width}-bit sum of the last finished tile (shadow "
                           f"register), or the value shifted in by drain"),
                "capture": ("high in the cycle whose clock edge loads a finished tile's sum into "
                            "result (the tile's last pair is being accumulated)"),
            },
            "latency": (f"a pair on a_in/b_in in cycle t is multiplied in {mul} and "
                        f"accumulated in cycle t+{L + 1}; with last_in high, capture is high in "
                        f"cycle t+{L + 1} and its tile's sum is on result from cycle t+{L + 2}; "
                        f"a_out/b_out/valid_out/last_out are the inputs delayed by 1 cycle"),
            "throughput": "one pair (two multiply-accumulates) per cycle, tiles back to back",
        }

    def _products(self, m, a, b):
        # The two slot products of the registered operands (hdl.mul_stage; with mul_pipe they
        # lag the operands by SPLIT_LATENCY cycle).
        cfg = self._config
        if cfg.datapath != "sparq":
            # The baselines keep Yosys's own multiplier mapping: for plain products it is as small
            # as or smaller than the shift-add rows (measured on iCE40 and the CMOS estimate), so
            # the comparison is against the best form of each baseline.
            return [plain_product(m, a[j], b[j], split=cfg.mul_pipe, name=f"mul{j}")
                    for j in range(2)]
        products = []
        for j in range(2):
            weight = Mux(a[f"src{j}"], b[1], b[0])
            products.append(slot_product(m, a[f"mant{j}"], weight, a[f"shift{j}"], cfg.shifts,
                                         split=cfg.mul_pipe, name=f"product{j}"))
        return products

    def elaborate(self, platform):
        m = Module()
        cfg = self._config

        a = Signal.like(self.a_out)
        b = Signal.like(self.b_out)
        valid = Signal()
        last = Signal()
        m.d.sync += [a.eq(self.a_in), b.eq(self.b_in), valid.eq(self.valid_in), last.eq(self.last_in)]
        m.d.comb += [self.a_out.eq(a), self.b_out.eq(b), self.valid_out.eq(valid),
                     self.last_out.eq(last)]

        # Stage 2: the two slot products, registered with the framing bits. Every datapath has
        # these registers, so the multipliers (and, for sparq, the shifters) never share a cycle
        # with the accumulator's carry chains, and Fmax compares like for like.
        # |product| <= 128 * max_act (sparq: any slot's mant << shift is at most
        # (2**bits - 1) << max(shifts) = 240, 224 or 192 for 4, 3, 2 bits): the truncation is exact.
        bound = (1 << (cfg.weight_width - 1)) * cfg.max_act_value
        products = [Signal(range(-bound, bound + 1), name=f"slot{j}_product") for j in range(2)]
        p_valid = Signal()
        p_last = Signal()
        m.d.sync += [p.eq(v) for p, v in zip(products, self._products(m, a, b))]
        if cfg.mul_pipe:
            # The split multiply stage (hdl.mul_stage) registers inside the product: the framing
            # bits take the same extra cycle.
            for d in range(SPLIT_LATENCY):
                valid_d, last_d = Signal(name=f"mul_valid_d{d + 1}"), Signal(name=f"mul_last_d{d + 1}")
                m.d.sync += [valid_d.eq(valid), last_d.eq(last)]
                valid, last = valid_d, last_d
        m.d.sync += [p_valid.eq(valid), p_last.eq(last)]
        m.d.comb += self.capture.eq(p_valid & p_last)

        # Stage 3: add the two products (the pair product), then the pair product to the
        # accumulator. `keep` stops Yosys from merging the two additions into one three-operand
        # adder ($macc, carry-save): two plain adders, a narrow one (pair) and the accumulator's,
        # are smaller (Yosys 0.70, whole PE: int8 443 -> 409 iCE40 LUT4, 7446 -> 7172 transistors;
        # a4w8 257 -> 226, 4606 -> 4316; sparq 5opt about -32 LUT4, -170 transistors) and no
        # slower on iCE40.
        pair = Signal(range(-2 * bound, 2 * bound + 1), attrs={"keep": 1})
        m.d.comb += pair.eq(products[0] + products[1])
        acc = Signal(signed(cfg.acc_width))
        result = Signal(signed(cfg.acc_width))
        total = Signal(signed(cfg.acc_width))
        # Truncation to acc_width is exact: acc_width holds every partial sum of a legal tile.
        m.d.comb += total.eq(acc + pair)

        with m.If(p_valid):
            with m.If(p_last):
                m.d.sync += [result.eq(total), acc.eq(0)]
            with m.Else():
                m.d.sync += acc.eq(total)
        # A capture and a drain shift never coincide in the array (it drains a tile before the
        # next one can finish); the capture wins if they ever do.
        with m.If(self.drain & ~self.capture):
            m.d.sync += result.eq(self.drain_in)
        m.d.comb += self.result.eq(result)
        return m
