"""Output-stationary systolic MAC array with stream interfaces."""

from amaranth import Module, Signal, signed, unsigned
from amaranth.lib import data, wiring

from .config import SparqConfig
from .pair import PairEncoder
from .layouts import operand_layout, weight_layout
from .pe import ProcessingElement, latency, max_pairs
from .tile_framing import tile_input, tile_output, tile_signature

__all__ = ["SystolicArray", "a_layout", "b_layout", "c_layout"]


def a_layout(config):
    """Payload of stream ``a``: ``{data: rows x (act, act), last: 1}``, ``last`` the top bit;
    with ``config.stc`` ``rows x`` a group of four activations."""
    return data.StructLayout({
        "data": data.ArrayLayout(data.ArrayLayout(unsigned(config.act_width),
                                                  config.k_per_transfer), config.rows),
        "last": 1,
    })


def b_layout(config):
    """Payload of stream ``b``: ``{data: cols x (weight, weight), last: 1}``, ``last`` the top bit;
    with ``config.stc`` ``cols x`` the compressed group (:data:`hdl.layouts.compressed_layout`)."""
    return data.StructLayout({
        "data": data.ArrayLayout(weight_layout(config), config.cols),
        "last": 1,
    })


def c_layout(config):
    """Payload of stream ``c``: ``{data: cols x signed(acc_width), last: 1}``, ``last`` the top bit."""
    return data.StructLayout({
        "data": data.ArrayLayout(signed(config.acc_width), config.cols),
        "last": 1,
    })


class SystolicArray(wiring.Component):
    """``C = A . B^T`` for a ``rows x cols`` tile on an output-stationary grid of PEs.

    ::

                  b (cols weight pairs)
                  |
             [input register]-------------+----------------+
                  |                       |                |
             [row edge: PairEncoder     col 0            col 1 ...  (column c delayed c cycles)
              (sparq only), row r         |                |
              delayed r cycles]           v                v
             row 0 ---------------->  PE(0,0) -------->  PE(0,1) --> ...
             row 1 --(1 reg)------->  PE(1,0) -------->  PE(1,1) --> ...
              ...                        |  ^ result        |  ^
                                         v  | drain         v  |
                                    (weights flow down, results drain up to row 0 and out on c)

    Each PE (:class:`~hdl.pe.ProcessingElement`) owns one output ``C[r, c]``. Activation pairs
    (``sparq``: encoded by one :class:`~hdl.pair.PairEncoder` per row at the edge) flow right,
    weight pairs flow down, one PE per cycle; row ``r`` is delayed ``r`` cycles and column ``c``
    ``c`` cycles at the edge so that pair ``i`` meets in PE ``(r, c)`` in the same cycle.

    Streams (valid/ready; a transfer happens on a rising edge with both high):

    * ``a`` (in): ``{data: rows x (A[r,2i], A[r,2i+1]), last}``; ``b`` (in): ``{data: cols x
      (B[c,2i], B[c,2i+1]), last}``. A tile is ``P = ceil(K/2)`` transfers, consumed one ``a`` and
      one ``b`` together; the tile's final transfer has ``last`` high on both. Odd ``K``: the
      caller pads the final pair with activation 0 and weight 0. ``a.ready`` depends on
      ``b.valid`` and ``b.ready`` on ``a.valid`` (the two are taken in the same cycle), and both
      depend on the payloads' ``last`` bits (a tile's final transfer waits for the drain).
    * ``c`` (out): ``rows`` transfers per tile, ``{data: cols x C[r, c], last}``, row 0 first,
      ``last`` high on row ``rows - 1``. ``C`` is exact in signed ``config.acc_width`` bits.
    * ``err`` (out): sticky until reset. Set by a transfer that is the ``max_pairs + 1``-th of its
      tile (the accumulator bound would no longer hold) or that has ``a.last != b.last``; results
      are meaningless from then on. ``a.last`` frames the tile.

    Input buffers (``config.skid``): a :class:`~hdl.skid.SkidBuffer` on ``a`` and one on ``b``
    (latency 0, full throughput). ``a.ready`` and ``b.ready`` are then register outputs, low
    only while the buffer holds a word the array has not taken, and depend on no input of the
    same cycle; the rules above apply behind the buffers. Outputs and ``err`` are the same.

    Backpressure: a stalled input leaves a bubble that travels through the grid with the data
    (PEs hold their accumulators), so nothing is lost or duplicated; ``c`` holds its payload
    until taken. The finished sums sit in the PEs' shadow registers and drain up the columns while
    the next tile accumulates; only the next tile's final transfer waits until the previous tile
    has left on ``c``.

    Accumulator width: ``config.acc_width`` is the smallest signed width holding
    ``-max_products * 128 * max_act`` (``max_act`` = 255, or ``2**N - 1`` for ``aNw8``;
    ``max_products = 2 * max_pairs``, the room of the longest tile the array accepts, ``max_k``
    rounded up to whole transfers), the most negative sum of any tile the array accepts; no input
    overflows (shown by the worst-case tests, with the padding slot of an odd ``max_k`` filled).

    Timing, with the first transfer of a tile in cycle 0 and no stalls (``config.mul_pipe``: the
    PEs' split multiply stage, :mod:`hdl.mul_stage`, adds one cycle to every latency and to the
    ``2*rows + cols + 2`` of the period below, which become ``rows + cols + 3``, ``P + rows +
    cols + 2`` and ``2*rows + cols + 3``; ``hdl.pe.latency(config)`` is 1, or 2 with it):

    * latency: the tile's last input transfer (cycle ``P - 1``) to its first output transfer:
      ``rows + cols + 2`` cycles (cycle ``P + rows + cols + 1``); the last output follows
      ``rows - 1`` cycles later; first input to first output: ``P + rows + cols + 1`` cycles.
      (1 input register, ``r + c`` cycles of skew and travel, 2 PE stages: multiply, accumulate.)
    * throughput: one pair transfer per cycle; back to back, one tile every
      ``max(P, 2*rows + cols + 2)`` cycles, so the PEs are busy ``P / max(P, 2*rows + cols + 2)``
      of the time in steady state (100 % for ``P >= 2*rows + cols + 2``, e.g. K=576 on 8x8).
    * with ``skid``: the same whenever the array takes every word as it is offered (always for
      ``P >= 2*rows + cols + 2``). When the array holds back a tile's final transfer (back to
      back with ``P < 2*rows + cols + 2``), the buffers take it early and offer the next tile's
      first word one cycle after the array has taken it: with ``T = max(P, 2*rows + cols + 2)``,
      the final input transfers of tiles 0 and 1 are ``P`` cycles apart and those of later tiles
      ``T``; from the last input transfer of tile ``t >= 1`` to its first output transfer:
      ``T - P + rows + cols + 2`` cycles (tile 0: ``rows + cols + 2``).

    Parameters
    ----------
    config : SparqConfig
        ``datapath``, ``options``/``rounding`` (sparq), ``rows``, ``cols``, ``max_k``.

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

    #: The PE of the grid (:class:`~hdl.stc_array.StcArray` puts its 2:4 PE here).
    _pe_class = ProcessingElement

    @property
    def config(self):
        return self._config

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        cfg = self._config
        R, C, w, aw = cfg.rows, cfg.cols, cfg.act_width, cfg.acc_width
        e = latency(cfg)            # PE multiply stage(s): 1, or 2 with mul_pipe
        pipe = (" (the PEs' multiply stage is split over two cycles, mul_pipe: one cycle more "
                "than without)") if cfg.mul_pipe else ""
        return {
            "summary": (f"{cfg.datapath} output-stationary systolic array, {R}x{C} PEs, "
                        f"C = A . B^T over K <= {cfg.max_k}, signed {aw}-bit results"),
            "ports": {
                "a__payload": (f"activation pairs of one reduction step: row r element e "
                               f"(A[r, 2i+e], unsigned {w}-bit) at bits [(2*r+e)*{w} +: {w}], "
                               f"r < {R}; last (bit {2 * R * w}) marks the tile's final transfer"),
                "b__payload": (f"weight pairs of the same step: column c element e (B[c, 2i+e], "
                               f"signed 8-bit) at bits [(2*c+e)*8 +: 8], c < {C}; last "
                               f"(bit {2 * C * 8}) must equal a's last"),
                "c__payload": (f"one result row per transfer, row 0 first: C[r, c] (signed "
                               f"{aw}-bit) at bits [c*{aw} +: {aw}]; last (bit {C * aw}) on "
                               f"row {R - 1}"),
                "err": (f"sticky error flag, cleared by rst: a tile longer than "
                        f"{max_pairs(cfg)} transfers (max_k {cfg.max_k}) or a.last != b.last"),
            },
            "latency": (f"last input transfer of a tile to its first output transfer: rows + "
                        f"cols + {1 + e} = {R + C + 1 + e} cycles; first input to first output: P "
                        f"+ rows + cols + {e} = P + {R + C + e} cycles, P = ceil(K/2); the {R} "
                        f"result rows follow on consecutive cycles when c is ready"
                        + pipe),
            "throughput": (f"one pair per cycle on a and b; back to back, one tile every "
                           f"max(P, 2*rows + cols + {1 + e}) = max(P, {2 * R + C + 1 + e}) cycles"),
            "handshake": ("a and b are consumed together: a.ready = b.valid & accept, b.ready = "
                          "a.valid & accept; a tile's final transfer (last=1) is accepted only "
                          "once the previous tile's results have all left on c; c holds its "
                          "payload until c.ready"),
        } | (self._describe_skid() if cfg.skid else {})

    def _describe_skid(self):
        cfg = self._config
        R, C = cfg.rows, cfg.cols
        e = latency(cfg)            # PE multiply stage(s): 1, or 2 with mul_pipe
        d = 2 * R + C + 1 + e
        T = f"T = max(P, 2*rows + cols + {1 + e}) = max(P, {d})"
        return {
            "summary": (f"{cfg.datapath} output-stationary systolic array, {R}x{C} PEs, "
                        f"C = A . B^T over K <= {cfg.max_k}, signed {cfg.acc_width}-bit results, "
                        f"skid buffers on a and b"),
            "latency": (f"first input to first output: P + rows + cols + {e} = P + {R + C + e} "
                        f"cycles, P = ceil(K/2); last input transfer of a tile to its first "
                        f"output transfer: rows + cols + {1 + e} = {R + C + 1 + e} cycles for "
                        f"tile 0 and whenever the array takes every word as offered (P >= "
                        f"{d}); back to back with P < {d} the skid "
                        f"buffers take a tile's final word early and it waits there: T - P + "
                        f"rows + cols + {1 + e} cycles for tiles after the first, {T}; the {R} "
                        f"result rows follow on consecutive cycles when c is ready"
                        + (" (the PEs' multiply stage is split over two cycles, mul_pipe)"
                           if cfg.mul_pipe else "")),
            "throughput": (f"one pair per cycle on a and b; back to back, the final input "
                           f"transfers of tiles 0 and 1 are P cycles apart, of later tiles T "
                           f"cycles, {T} (one tile every T cycles)"),
            "handshake": ("a and b each pass a skid buffer (latency 0): a.ready and b.ready are "
                          "register outputs, low only while the buffer holds a word the array "
                          "has not taken, and depend on no input of the same cycle; behind the "
                          "buffers a and b are consumed together and a tile's final transfer "
                          "(last=1) is taken only once the previous tile's results have all "
                          "left on c; c holds its payload until c.ready"),
        }

    def elaborate(self, platform):
        m = Module()
        cfg = self._config
        rows, cols = cfg.rows, cfg.cols

        # -- input: take a and b together (behind skid buffers with `skid`); hold back a tile's
        # final pair until the previous tile has drained; err on a too long or misframed tile --
        inputs = tile_input(m, self, (a_layout(cfg), b_layout(cfg)), skid=cfg.skid,
                            max_transfers=max_pairs(cfg))
        a, b, take = inputs.a, inputs.b, inputs.take

        # -- input register: one pipeline stage shared by every datapath --
        in_a = Signal(a.payload.data.shape())
        in_b = Signal(b.payload.data.shape())
        in_valid = Signal()
        in_last = Signal()
        m.d.sync += [in_valid.eq(take), in_last.eq(take & a.payload.last)]
        with m.If(take):
            m.d.sync += [in_a.eq(a.payload.data), in_b.eq(b.payload.data)]

        # -- row edge: encode (sparq), then delay row r by r cycles --
        operand = operand_layout(cfg)
        row_in = []
        for r in range(rows):
            op = Signal(operand, name=f"row{r}_operand")
            if cfg.datapath == "sparq" and not cfg.stc:
                # (2:4: the pair depends on each column's weight positions; encoded in the PE.)
                enc = PairEncoder(cfg)
                m.submodules[f"encoder{r}"] = enc
                m.d.comb += [
                    enc.a0.eq(in_a[r][0]), enc.a1.eq(in_a[r][1]),
                    op.mant0.eq(enc.mant0), op.shift0.eq(enc.shift0), op.src0.eq(enc.src0),
                    op.mant1.eq(enc.mant1), op.shift1.eq(enc.shift1), op.src1.eq(enc.src1),
                ]
            else:
                m.d.comb += op.eq(in_a[r])
            v, l = in_valid, in_last
            for d in range(r):
                op_d = Signal(operand, name=f"row{r}_operand_d{d + 1}")
                v_d = Signal(name=f"row{r}_valid_d{d + 1}")
                l_d = Signal(name=f"row{r}_last_d{d + 1}")
                m.d.sync += [op_d.eq(op), v_d.eq(v), l_d.eq(l)]
                op, v, l = op_d, v_d, l_d
            row_in.append((op, v, l))

        # -- column edge: delay column c by c cycles --
        col_in = []
        for c in range(cols):
            w = Signal(weight_layout(cfg), name=f"col{c}_weights")
            m.d.comb += w.eq(in_b[c])
            for d in range(c):
                w_d = Signal(weight_layout(cfg), name=f"col{c}_weights_d{d + 1}")
                m.d.sync += w_d.eq(w)
                w = w_d
            col_in.append(w)

        # -- the grid --
        drain = Signal()
        pe = [[self._pe_class(cfg) for _ in range(cols)] for _ in range(rows)]
        for r in range(rows):
            for c in range(cols):
                p = pe[r][c]
                m.submodules[f"pe_{r}_{c}"] = p
                if c == 0:
                    op, v, l = row_in[r]
                    m.d.comb += [p.a_in.eq(op), p.valid_in.eq(v), p.last_in.eq(l)]
                else:
                    left = pe[r][c - 1]
                    m.d.comb += [p.a_in.eq(left.a_out), p.valid_in.eq(left.valid_out),
                                 p.last_in.eq(left.last_out)]
                m.d.comb += p.b_in.eq(col_in[c] if r == 0 else pe[r - 1][c].b_out)
                m.d.comb += p.drain.eq(drain)
                if r + 1 < rows:
                    m.d.comb += p.drain_in.eq(pe[r + 1][c].result)
                else:
                    m.d.comb += p.drain_in.eq(0)

        # -- drain: results of a whole tile shift up the columns, one row per c transfer --
        corner = pe[rows - 1][cols - 1]
        # The bottom-right PE is the last to see a tile's final pair; once it has accumulated it,
        # every shadow register holds the tile.
        captured = Signal()
        m.d.comb += captured.eq(corner.capture)
        m.d.comb += drain.eq(tile_output(m, self.c, rows, inputs, captured))
        for c in range(cols):
            m.d.comb += self.c.payload.data[c].eq(pe[0][c].result)
        return m
