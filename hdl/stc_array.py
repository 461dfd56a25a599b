"""Output-stationary systolic array for 2:4 structured-sparse weights."""

from amaranth import Signal

from .array import SystolicArray
from .config import SparqConfig
from .stc_pe import StcProcessingElement
from .pe import max_pairs

__all__ = ["StcArray"]


class StcArray(SystolicArray):
    """``C = A . B^T`` for a ``rows x cols`` tile whose weights ``B`` are 2:4 structured-sparse
    (``config.stc``; datapath ``sparq``: ``golden.sparq_gemm(A, B, stc=True)``, ``int8``: the
    exact product).

    The grid, skew, framing, drain and backpressure of :class:`~hdl.array.SystolicArray`, with
    :class:`~hdl.stc_pe.StcProcessingElement` cells and group-wide streams: one transfer carries
    an aligned group of four reduction positions (a dense array's transfer carries two).

    * ``a`` (in): ``{data: rows x (A[r,4g], A[r,4g+1], A[r,4g+2], A[r,4g+3]), last}``.
    * ``b`` (in): ``{data: cols x {value[2], pos[2]}, last}``: per output channel ``c`` the
      group's non-zero weights as a sparse tensor engine takes them, ``B[c, 4g + pos[j]] =
      value[j]`` (:data:`hdl.layouts.compressed_layout`); a group with fewer than two non-zero
      weights pads with value 0 (any position). A tile is ``P = ceil(K/4)`` transfers; a K that
      is not a multiple of 4 is padded with activation 0 and no weight (the golden model's
      rule). The host side packs and checks groups with :mod:`hdl.stc_codec`.
    * ``c`` (out), handshake, latency and throughput formulas: as the dense array's with
      ``P = ceil(K/4)`` (:meth:`describe` gives them for the configuration).
    * ``err`` (out): sticky until reset, as the dense array's (a tile longer than ``max_pairs =
      ceil(max_k/4)`` transfers, ``a.last != b.last``), and also set by a ``b`` transfer whose
      group is not 2:4: two non-zero values at the same position of a column.

    Accumulator width: ``config.acc_width`` holds ``-max_products * 128 * 255``, where
    ``max_products = 2 * (max_k // 4) + min(max_k % 4, 2)`` is the most non-zero weights a 2:4
    tile of up to ``max_k`` positions can have.

    Parameters
    ----------
    config : SparqConfig
        With ``stc=True``: ``datapath`` (``sparq`` or ``int8``), ``options``/``rounding``
        (sparq), ``rows``, ``cols``, ``max_k``, ``skid``.
    """

    _pe_class = StcProcessingElement

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        if not config.stc:
            self._MustUse__silence = True       # never built: no "created but never used"
            raise ValueError("StcArray needs a configuration with stc=True, not stc=False")
        super().__init__(config)

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        cfg = self._config
        R, C, w, aw = cfg.rows, cfg.cols, cfg.act_width, cfg.acc_width
        summary = (f"{cfg.datapath} 2:4 structured-sparse output-stationary systolic array, "
                   f"{R}x{C} PEs, C = A . B^T over K <= {cfg.max_k} with at most two non-zero "
                   f"weights per aligned group of four, signed {aw}-bit results")
        wb = 2 * 8 + 2 * 2       # bits of one column's compressed group
        doc = {
            "summary": summary,
            "ports": {
                "a__payload": (f"activation groups of one reduction step: row r element i "
                               f"(A[r, 4g+i], unsigned {w}-bit) at bits [(4*r+i)*{w} +: {w}], "
                               f"r < {R}; last (bit {4 * R * w}) marks the tile's final transfer"),
                "b__payload": (f"compressed weights of the same step, column c < {C} at bits "
                               f"[c*{wb} +: {wb}]: value[j] (signed 8-bit) at [c*{wb} + 8*j +: 8], "
                               f"its position in the group pos[j] (0..3) at [c*{wb} + 16 + 2*j "
                               f"+: 2], j < 2, meaning B[c, 4g + pos[j]] = value[j]; value 0 "
                               f"pads a group with fewer than two non-zero weights; last "
                               f"(bit {C * wb}) must equal a's last"),
                "c__payload": (f"one result row per transfer, row 0 first: C[r, c] (signed "
                               f"{aw}-bit) at bits [c*{aw} +: {aw}]; last (bit {C * aw}) on "
                               f"row {R - 1}"),
                "err": (f"sticky error flag, cleared by rst: a tile longer than "
                        f"{max_pairs(cfg)} transfers (max_k {cfg.max_k}), a.last != b.last, or a "
                        f"b transfer with two non-zero values at the same position of a column"),
            },
        }
        # Timing and handshake are the dense array's (the same grid, skew and PE latency, with
        # or without skid buffers and mul_pipe), counted in transfers of a group of four.
        dense = super().describe()
        for key in ("latency", "throughput", "handshake"):
            doc[key] = (dense[key].replace("P = ceil(K/2)", "P = ceil(K/4)")
                        .replace("one pair per cycle", "one group of four reduction positions "
                                 "per cycle"))
        if cfg.skid:
            doc["summary"] = summary + ", skid buffers on a and b"
        return doc

    def elaborate(self, platform):
        m = super().elaborate(platform)
        # A column whose two non-zero values claim the same position is no 2:4 group: no B
        # matrix gives it, so the result could not be checked against any reference. Checked on
        # the b port itself, with or without skid buffers behind it.
        bad = Signal()
        checks = []
        for c in range(self._config.cols):
            group = self.b.payload.data[c]
            checks.append((group.pos[0] == group.pos[1]) & (group.value[0] != 0)
                          & (group.value[1] != 0))
        m.d.comb += bad.eq(self.b.valid & self.b.ready & _any(checks))
        with m.If(bad):
            m.d.sync += self.err.eq(1)
        return m


def _any(terms):
    out = terms[0]
    for t in terms[1:]:
        out = out | t
    return out
