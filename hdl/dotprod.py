"""Tensor-Core-like dot-product unit: an M x N tile of outputs, 2P reduction positions per cycle."""

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring

from .config import SparqConfig
from .pair import PairEncoder
from .mul_stage import SPLIT_LATENCY, plain_product, shift_left, slot_product
from .packed_mul import PackedMultiplier
from .layouts import operand_layout
from .tile_framing import tile_input, tile_output, tile_signature

__all__ = ["DotProduct", "PACK_LANES", "a_layout", "b_layout", "c_layout", "positions", "steps", "max_steps",
           "capacity", "acc_width", "latency", "tile_period"]


#: Columns whose slot products share one multiply with ``dsp_pack``: two weights packed on a
#: 21-bit operand, which one Xilinx 7 DSP48E1 (25 x 18) takes whole (three lanes, 33 bits, need two
#: DSPs on every target measured: ``python -m synth.dsp_packing``, docs/results.md).
PACK_LANES = 2


# -- the parameters' consequences, each a formula of the configuration ------------------------------

def positions(config):
    """Reduction positions one transfer carries: ``2 * pairs``."""
    return 2 * config.pairs


def steps(config, k):
    """Transfers of a tile of reduction length ``k``: ``ceil(k / (2 * pairs))``."""
    return -(-k // positions(config))


def max_steps(config):
    """Transfers in the longest legal tile: ``steps(config, max_k)``."""
    return steps(config, config.max_k)


def capacity(config):
    """Reduction positions the longest legal tile can carry: ``2 * pairs * max_steps``, at least
    ``max_k`` (more when ``max_k`` is not a multiple of ``2 * pairs``)."""
    return positions(config) * max_steps(config)


def acc_width(config):
    """Signed accumulator (and result) width of the dot-product unit.

    Proof that no legal input overflows it: a tile is at most :func:`max_steps` transfers (a
    longer one sets ``err``), which carry at most ``capacity(config) >= max_k`` reduction
    positions, padding included (the host pads with zeros, but the bound does not rely on it).
    Each position contributes one product ``h * b`` with ``b`` in -128..127 and ``0 <= h <=
    max_act`` (``config.max_act_value``: 255, a lone SPARQ activation is exact and a windowed one
    is at most ``(2**n - 1) << (8 - n)``, 240 for 4-bit windows; 15 for ``a4w8``), so every partial sum lies in
    ``[-capacity * 128 * max_act, capacity * 127 * max_act]``. The most negative bound needs the
    most bits: ``bit_length(capacity * 128 * max_act) + 1``. When ``max_k`` is a multiple of
    ``2 * pairs`` this is ``config.acc_width`` (the array's), e.g. 27 bits for ``max_k`` 1152.
    """
    bound = capacity(config) * (1 << (config.weight_width - 1)) * config.max_act_value
    return bound.bit_length() + 1


def latency(config):
    """Cycles from a tile's last input transfer to its first output transfer: 3 (the input
    register, the product-and-tree register, the accumulator), 4 with ``mul_pipe`` (the half
    products' register, :data:`~hdl.mul_stage.SPLIT_LATENCY`)."""
    return 3 + (SPLIT_LATENCY if config.mul_pipe else 0)


def tile_period(config, k):
    """Cycles between the final input transfers of back-to-back tiles of length ``k`` with every
    stream always valid/ready: ``max(steps, rows + latency)``, ``rows + 3`` (``rows + 4`` with
    ``mul_pipe``) for short tiles."""
    return max(steps(config, k), config.rows + latency(config))


# -- stream payloads --------------------------------------------------------------------------------

def a_layout(config):
    """Payload of stream ``a``: ``{data: rows x pairs x (act, act), last: 1}``, ``last`` the top
    bit. ``data[m][j][e]`` is ``A[m, 2*pairs*t + 2*j + e]`` in transfer ``t``."""
    pair = data.ArrayLayout(unsigned(config.act_width), 2)
    return data.StructLayout({
        "data": data.ArrayLayout(data.ArrayLayout(pair, config.pairs), config.rows),
        "last": 1,
    })


def b_layout(config):
    """Payload of stream ``b``: ``{data: cols x pairs x (weight, weight), last: 1}``.
    ``data[n][j][e]`` is ``B[n, 2*pairs*t + 2*j + e]`` in transfer ``t``."""
    pair = data.ArrayLayout(signed(config.weight_width), 2)
    return data.StructLayout({
        "data": data.ArrayLayout(data.ArrayLayout(pair, config.pairs), config.cols),
        "last": 1,
    })


def c_layout(config):
    """Payload of stream ``c``: ``{data: cols x signed(acc_width(config)), last: 1}``, one row of
    the result tile per transfer."""
    return data.StructLayout({
        "data": data.ArrayLayout(signed(acc_width(config)), config.cols),
        "last": 1,
    })


def _tree(terms):
    # Balanced sum: depth ceil(log2(len(terms))) adders, each as wide as its operands need.
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


class DotProduct(wiring.Component):
    """``C[m, n] = sum_k A[m, k] * B[n, k]`` for an ``rows x cols`` (M x N) tile of outputs, a
    chunk of ``2 * pairs`` (2P) reduction positions per cycle.

    ::

        a (M rows x P activation pairs)      b (N columns x P weight pairs)
              |                                    |
        [M*P PairEncoders (sparq only):            |
         each row's pairs encoded once]            |
              |                                    |
        [input register: encoded A, raw B] --------+
              |  row m broadcast to the N outputs of the row
              v
        M*N x (2P slot products: 4b x 8b multiplier, weight select, shifter (sparq);
               8b x 8b (int8) or Nb x 8b (aNw8) products)  -> adder tree of 2P terms
              |   (mul_pipe: a register inside each product, after its two half products)
        [tree-sum register, M*N sums]
              |
        [M*N accumulators] --capture--> [M*N shadow registers] --row by row--> c

    The A-side pair encoders (:class:`~hdl.pair.PairEncoder`) are shared by the N outputs of a
    row: each row's P pairs are encoded once per cycle and broadcast to its N columns, as in a
    Tensor Core step. Pairs are the reduction positions ``(k, k+1)``, ``k`` even: transfer ``t``
    carries positions ``2P*t .. 2P*t + 2P - 1``, pair ``j`` of it positions ``2P*t + 2j`` and
    ``2P*t + 2j + 1``, so every pair is one of :func:`golden.sparq_gemm`'s pairs.

    Streams (valid/ready; a transfer happens on a rising edge with both high):

    * ``a`` (in): ``{data: M x P x (A[m, 2P*t+2j], A[m, 2P*t+2j+1]), last}``; ``b`` (in):
      ``{data: N x P x (B[n, 2P*t+2j], B[n, 2P*t+2j+1]), last}``. A tile of reduction length
      ``K`` is ``S = ceil(K / 2P)`` transfers, one ``a`` and one ``b`` taken together; the final
      transfer has ``last`` high on both. The host pads the positions from ``K`` up to ``2P*S``
      with activation 0 and weight 0, which gives golden's result for every K (an odd K's final
      element meets a zero partner, as golden pairs it; a pair of zeros contributes 0).
      ``a.ready`` depends on ``b.valid`` and ``b.ready`` on ``a.valid``, and both on the
      payloads' ``last`` bits (a tile's final transfer waits until the previous tile has left).
    * ``c`` (out): ``M`` transfers per tile, ``{data: N x C[m, n], last}``, row 0 first, ``last``
      on row ``M - 1``. ``C`` is exact in signed :func:`acc_width` bits.
    * ``err`` (out): sticky until reset. Set by a transfer that is the ``max_steps + 1``-th of its
      tile (:func:`max_steps`; the accumulator bound would no longer hold) or that has ``a.last
      != b.last``; results are meaningless from then on.

    Input buffers (``config.skid``): a :class:`~hdl.skid.SkidBuffer` on ``a`` and one on ``b``,
    as in the array: ``a.ready`` and ``b.ready`` become register outputs that depend on no input
    of the same cycle; the rules above apply behind the buffers.

    Backpressure: a stalled input is a bubble (nothing accumulates); ``c`` holds its payload until
    taken. The finished sums wait in the shadow registers while the next tile accumulates; only
    the next tile's final transfer waits until the previous tile has left on ``c``.

    Split multiply stage (``config.mul_pipe``): each slot product is computed over two cycles,
    its two half products registered in between (:func:`hdl.mul_stage.slot_product` for sparq,
    :func:`~hdl.mul_stage.plain_product` for the baselines, as in the PE); the sum, the shift and
    the adder tree follow in the next cycle. The latency grows by one cycle, ``L = 4``; the
    throughput is unchanged.

    Packed products (``config.dsp_pack``, sparq with 4-bit windows): a row's slot mantissa meets
    the selected weight of every column, so the slot products of columns ``2i`` and ``2i + 1``
    come from one :class:`~hdl.packed_mul.PackedMultiplier` (the two weights packed on its wide
    operand, one multiply, the fields restored), each then shifted as usual: ``M * P * 2 *
    ceil(N / 2)`` multiplies instead of ``M * P * 2 * N``, so that a DSP block takes two SPARQ
    products. With ``mul_pipe`` the register sits after the multiply (the DSP's product register)
    with the shift amounts. Same results, latency and throughput.

    Timing, with the first transfer of a tile in cycle 0 and no stalls, ``L`` =
    :func:`latency` (3; 4 with ``mul_pipe``):

    * latency: last input transfer (cycle ``S - 1``) to first output transfer: ``L`` cycles;
      first input to first output: ``S + L - 1`` cycles; the ``M`` rows follow on consecutive
      cycles while ``c.ready`` is high.
    * throughput: one transfer, ``2P * M * N`` multiply-accumulates, per cycle; back to back, one
      tile every ``max(S, M + L)`` cycles (:func:`tile_period`).
    * with ``skid``: the same while the unit takes every word as offered (always for ``S >= M +
      L``); when it holds back a tile's final transfer, the buffers take that word early and the
      next tile's first word is offered one cycle after the unit has taken it (as for the array).

    Parameters
    ----------
    config : SparqConfig
        ``datapath``, ``bits``/``options``/``rounding`` (sparq), ``rows`` (M), ``cols`` (N),
        ``pairs`` (P), ``max_k``, ``skid``, ``mul_pipe``, ``dsp_pack``.

    Members
    -------
    a : In(stream.Signature(a_layout(config)))
    b : In(stream.Signature(b_layout(config)))
    c : Out(stream.Signature(c_layout(config)))
    err : Out(1)
    """

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        self._config = config
        super().__init__(tile_signature(a_layout(config), b_layout(config), c_layout(config)))

    @property
    def config(self):
        return self._config

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        cfg = self._config
        M, N, P, w = cfg.rows, cfg.cols, cfg.pairs, cfg.act_width
        aw, ww = acc_width(cfg), cfg.weight_width
        L = latency(cfg)
        kind = (f"vSPARQ pair encoders shared by each row, two {cfg.mant_width}b x 8b multipliers "
                f"with weight select and shifter per pair" if cfg.datapath == "sparq" else
                f"two {cfg.mant_width}b x 8b multipliers per pair")
        out = {
            "summary": (f"{cfg.datapath} dot-product unit, {M}x{N} outputs, {2 * P} reduction "
                        f"positions ({P} pairs) per cycle ({kind}, adder trees), C = A . B^T "
                        f"over K <= {cfg.max_k}, signed {aw}-bit results"),
            "ports": {
                "a__payload": (f"activations of one chunk of 2P = {2 * P} reduction positions: "
                               f"row m pair j element e (A[m, {2 * P}*t + 2*j + e], unsigned "
                               f"{w}-bit) at bits [((m*{P} + j)*2 + e)*{w} +: {w}], m < {M}, "
                               f"j < {P}; positions past K padded with 0; last (bit "
                               f"{2 * M * P * w}) marks the tile's final transfer"),
                "b__payload": (f"weights of the same chunk: column n pair j element e (B[n, "
                               f"{2 * P}*t + 2*j + e], signed {ww}-bit) at bits [((n*{P} + j)*2 "
                               f"+ e)*{ww} +: {ww}], n < {N}; positions past K padded with 0; "
                               f"last (bit {2 * N * P * ww}) must equal a's last"),
                "c__payload": (f"one result row per transfer, row 0 first: C[m, n] (signed "
                               f"{aw}-bit) at bits [n*{aw} +: {aw}]; last (bit {N * aw}) on row "
                               f"{M - 1}"),
                "err": (f"sticky error flag, cleared by rst: a tile longer than "
                        f"{max_steps(cfg)} transfers (max_k {cfg.max_k}) or a.last != b.last"),
            },
            "latency": (f"last input transfer of a tile to its first output transfer: {L} cycles; "
                        f"first input to first output: S + {L - 1} cycles, S = ceil(K/{2 * P}); the "
                        f"{M} result rows follow on consecutive cycles when c is ready"),
            "throughput": (f"one transfer ({2 * P * M * N} multiply-accumulates) per cycle on a "
                           f"and b; back to back, one tile every max(S, rows + {L}) = max(S, "
                           f"{M + L}) cycles"),
            "handshake": ("a and b are consumed together: a.ready = b.valid & accept, b.ready = "
                          "a.valid & accept; a tile's final transfer (last=1) is accepted only "
                          "once the previous tile's results have all left on c; c holds its "
                          "payload until c.ready"),
        }
        if cfg.dsp_pack:
            out["summary"] += (f", the slot products of {PACK_LANES} columns from one multiply "
                               f"(weights packed on its wide operand)")
        if cfg.mul_pipe:
            split = ("products | shift and adder tree" if cfg.dsp_pack else
                     "half products | sum, shift and adder tree" if cfg.datapath == "sparq" else
                     "half products | sum and adder tree")
            out["summary"] += f", multiply stage split over two cycles ({split})"
        if cfg.skid:
            out["summary"] += ", skid buffers on a and b"
            out["latency"] = (f"first input to first output: S + {L - 1} cycles, S = ceil(K/{2 * P}); "
                              f"last input transfer of a tile to its first output transfer: {L} "
                              f"cycles whenever the unit takes every word as offered (S >= "
                              f"{M + L}); back to back with S < {M + L} the skid buffers take a "
                              f"tile's final word early and it waits there: T - S + {L} cycles "
                              f"for tiles after the first, T = max(S, {M + L}); the {M} result "
                              f"rows follow on consecutive cycles when c is ready")
            out["throughput"] = (f"one transfer ({2 * P * M * N} multiply-accumulates) per cycle "
                                 f"on a and b; back to back, the final input transfers of tiles "
                                 f"0 and 1 are S cycles apart, of later tiles T cycles, T = "
                                 f"max(S, {M + L}) (one tile every T cycles)")
            out["handshake"] = ("a and b each pass a skid buffer (latency 0): a.ready and b.ready "
                                "are register outputs, low only while the buffer holds a word the "
                                "unit has not taken, and depend on no input of the same cycle; "
                                "behind the buffers a and b are consumed together and a tile's "
                                "final transfer (last=1) is taken only once the previous tile's "
                                "results have all left on c; c holds its payload until c.ready")
        return out

    def _slot_products(self, m, op, weights, name):
        """The two slot products of one pair: ``op`` the (encoded) activation pair, ``weights``
        the weight pair."""
        cfg = self._config
        if cfg.datapath != "sparq":
            # Plain products, Yosys's own multiplier mapping (as the array's baseline PEs).
            return [plain_product(m, op[s], weights[s], split=cfg.mul_pipe, name=f"{name}_slot{s}")
                    for s in range(2)]
        # The PE's multiply stage (hdl.mul_stage), in one cycle or split over two (mul_pipe).
        return [slot_product(m, op[f"mant{s}"], Mux(op[f"src{s}"], weights[1], weights[0]),
                             op[f"shift{s}"], cfg.shifts, split=cfg.mul_pipe,
                             name=f"{name}_slot{s}")
                for s in range(2)]

    def _packed_row(self, m, ops, weights, r):
        """``dsp_pack``: the slot products of row ``r``, per column, in the order of
        :meth:`_slot_products` (pair by pair, slot 0 then slot 1), the products of
        :data:`PACK_LANES` columns from one :class:`~hdl.packed_mul.PackedMultiplier`."""
        cfg = self._config
        N = cfg.cols
        columns = [[] for _ in range(N)]
        for j, op in enumerate(ops):
            for s in range(2):
                shift = op[f"shift{s}"]
                if cfg.mul_pipe:
                    # The split: the products and the shift amount registered after the multiply.
                    shift_d = Signal.like(shift, name=f"pack_{r}_{j}_{s}_shift")
                    m.d.sync += shift_d.eq(shift)
                    shift = shift_d
                for g in range(0, N, PACK_LANES):
                    lanes = range(g, min(g + PACK_LANES, N))
                    mul = PackedMultiplier(len(lanes))
                    m.submodules[f"pack_{r}_{j}_{s}_{g // PACK_LANES}"] = mul
                    m.d.comb += mul.mant.eq(op[f"mant{s}"])
                    for i, c in enumerate(lanes):
                        m.d.comb += mul.weights[i].eq(
                            Mux(op[f"src{s}"], weights[c][j][1], weights[c][j][0]))
                        product = mul.products[i]
                        if cfg.mul_pipe:
                            product_d = Signal.like(product, name=f"p_{r}_{c}_{j}_slot{s}")
                            m.d.sync += product_d.eq(product)
                            product = product_d
                        columns[c].append(shift_left(product, shift, cfg.shifts))
        return columns

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        M, N, P = cfg.rows, cfg.cols, cfg.pairs

        # -- input: take a and b together (behind skid buffers with `skid`); hold back a tile's
        # final transfer until the previous tile has left on c; err on a too long or misframed
        # tile (the array's framing, hdl.tile_framing) --
        inputs = tile_input(m, self, (a_layout(cfg), b_layout(cfg)), skid=cfg.skid,
                            max_transfers=max_steps(cfg))
        a, b, take = inputs.a, inputs.b, inputs.take

        # -- stage 1: encode each row's pairs once (sparq), register them with the weights --
        operand = operand_layout(cfg)
        ops = [[Signal(operand, name=f"op_{r}_{j}") for j in range(P)] for r in range(M)]
        weights = Signal(b.payload.data.shape())
        in_valid = Signal()
        in_last = Signal()
        m.d.sync += [in_valid.eq(take), in_last.eq(take & a.payload.last)]
        loads = [weights.eq(b.payload.data)]
        for r in range(M):
            for j in range(P):
                pair = a.payload.data[r][j]
                if cfg.datapath == "sparq":
                    enc = PairEncoder(cfg)
                    m.submodules[f"encoder_{r}_{j}"] = enc
                    m.d.comb += [enc.a0.eq(pair[0]), enc.a1.eq(pair[1])]
                    loads += [ops[r][j][f].eq(getattr(enc, f))
                              for f in ("mant0", "shift0", "src0", "mant1", "shift1", "src1")]
                else:
                    loads.append(ops[r][j].eq(pair))
        with m.If(take):
            m.d.sync += loads

        # -- stage 2: every output's 2P products and their adder tree, registered (mul_pipe: the
        # half products registered in between, one cycle more) --
        # Each slot product lies in [-128 * max_act, 127 * max_act] (sparq: a window mantissa
        # shifted into place is below 2**8, a lone activation's two slots add up to its exact
        # product), so the sum of 2P of them fits the range below exactly.
        bound = 2 * P * (1 << (cfg.weight_width - 1)) * cfg.max_act_value
        sums = [[Signal(range(-bound, bound + 1), name=f"sum_{r}_{c}") for c in range(N)]
                for r in range(M)]
        s_valid = Signal()
        s_last = Signal()
        if cfg.mul_pipe:
            # The split products lag the operand registers by SPLIT_LATENCY cycle: so do the
            # framing bits that travel with them.
            for d in range(SPLIT_LATENCY):
                valid_d = Signal(name=f"mul_valid_d{d + 1}")
                last_d = Signal(name=f"mul_last_d{d + 1}")
                m.d.sync += [valid_d.eq(in_valid), last_d.eq(in_last)]
                in_valid, in_last = valid_d, last_d
        m.d.sync += [s_valid.eq(in_valid), s_last.eq(in_last)]
        for r in range(M):
            packed = self._packed_row(m, ops[r], weights, r) if cfg.dsp_pack else None
            for c in range(N):
                if packed is not None:
                    terms = packed[c]
                else:
                    terms = []
                    for j in range(P):
                        terms += self._slot_products(m, ops[r][j], weights[c][j],
                                                     f"p_{r}_{c}_{j}")
                m.d.sync += sums[r][c].eq(_tree(terms))

        # -- stage 3: accumulate; a tile's final sum goes to the shadow registers --
        width = acc_width(cfg)
        acc = [[Signal(signed(width), name=f"acc_{r}_{c}") for c in range(N)] for r in range(M)]
        shadow = [[Signal(signed(width), name=f"result_{r}_{c}") for c in range(N)]
                  for r in range(M)]
        capture = Signal()
        m.d.comb += capture.eq(s_valid & s_last)
        drain = Signal()
        for r in range(M):
            for c in range(N):
                total = Signal(signed(width), name=f"total_{r}_{c}")
                # Exact: acc_width holds every partial sum of a legal tile (see acc_width).
                m.d.comb += total.eq(acc[r][c] + sums[r][c])
                with m.If(s_valid):
                    with m.If(s_last):
                        m.d.sync += [shadow[r][c].eq(total), acc[r][c].eq(0)]
                    with m.Else():
                        m.d.sync += acc[r][c].eq(total)
                # The drain shifts the rows up (row 0 is on c); never in a capture cycle.
                with m.If(drain & ~capture):
                    m.d.sync += shadow[r][c].eq(shadow[r + 1][c] if r + 1 < M else 0)

        # -- output: the shadow rows leave on c, row 0 first --
        m.d.comb += drain.eq(tile_output(m, self.c, M, inputs, capture))
        for c in range(N):
            m.d.comb += self.c.payload.data[c].eq(shadow[0][c])
        return m
