"""vSPARQ pair encoder: a pair of activations as two multiplier slots."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .config import SparqConfig, ACT_WIDTH_8
from .layouts import encoded_pair_layout
from .window import WindowSelector

__all__ = ["PairEncoder"]


class PairEncoder(wiring.Component):
    """Encodes an activation pair ``(a0, a1)`` as two n-bit x 8-bit multiplier slots (vSPARQ).

    Slot ``j`` contributes ``(mantJ * b[srcJ]) << shiftJ``, where ``b`` is the pair's weights
    ``(b0, b1)``. The sum of the two slots equals ``h0*b0 + h1*b1`` of the vSPARQ rules for all
    65,536 pairs. With ``n = config.bits``, ``x`` the survivor of a lone pair (``a1`` when
    ``a0 == 0``, else ``a0``) and ``(m, s)`` its lone window:

    ============================  ==========================  ==========================
    case                          slot 0 (mant, shift, src)   slot 1 (mant, shift, src)
    ============================  ==========================  ==========================
    both non-zero                 (window(a0), 0)             (window(a1), 1)
    ``a1 == 0``, ``a0 != 0``      (m >> n, s + n, 0)          (m & (2**n-1), s, 0)
    ``a0 == 0`` (any ``a1``)      (m >> n, s + n, 1)          (m & (2**n-1), s, 1)
    ============================  ==========================  ==========================

    ``window(x)`` is the (mant, shift) of a :class:`~hdl.window.WindowSelector` (one per
    activation). The lone window depends on ``n`` (the spec's lone-value rule):

    * 4-bit windows: the exact value, ``m = x`` (8 bits), ``s = 0``: slot 0 is ``(x >> 4, 4)``,
      slot 1 ``(x & 15, 0)``;
    * 3-bit windows: a 6-bit window with 3 positions {0,1,2}, one more
      :class:`~hdl.window.WindowSelector` (``lone=True``) on the survivor: slot 0 is
      ``(m >> 3, s + 3)``, slot 1 ``(m & 7, s)``;
    * 2-bit windows: a 4-bit window with 5 positions {0..4}: ``(m >> 2, s + 2)``, ``(m & 3, s)``.

    A lone mantissa of ``2n`` bits is thus split over both multipliers and multiplied exactly;
    every shift ``s + n`` and ``s`` is an allowed pair shift (4-bit: 4 and 0; 3-bit: {3,4,5} and
    {0,1,2} within {0..5}; 2-bit: {2..6} and {0..4} within {0..6}), so the shifter range stays
    ``config.shifts``. Both zero gives two zero mantissas. This slot assignment is the one of the
    authors' conformance vectors (``slot_mant``, ``slot_shift``, ``slot_src``).

    Parameters
    ----------
    config : SparqConfig
        Reads ``bits``, ``options`` and ``rounding`` (for the window selectors).

    Members
    -------
    a0, a1 : In(8)
        The pair's unsigned activations (reduction positions ``k`` and ``k+1``, ``k`` even).
    mant0, mant1 : Out(config.bits)
        Multiplier operands.
    shift0, shift1 : Out(config.shift_width)
        Binary left shift of each product, one of ``config.shifts``.
    src0, src1 : Out(1)
        Weight select of each slot: 0 = ``b0``, 1 = ``b1``.

    Latency: combinational (no clock, no reset).
    """

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        n = config.bits
        # The lone split: a mantissa of 2n bits (the high part must fit one multiplier) at every
        # lone shift s, as the allowed pair shifts s and s + n.
        assert config.lone_bits == 2 * n
        assert {s + d for s in config.lone_shifts for d in (0, n)} <= set(config.shifts)
        self._config = config
        sw = config.shift_width
        super().__init__({
            "a0": In(ACT_WIDTH_8), "a1": In(ACT_WIDTH_8),
            "mant0": Out(n), "shift0": Out(sw), "src0": Out(1),
            "mant1": Out(n), "shift1": Out(sw), "src1": Out(1),
        })

    @property
    def config(self):
        return self._config

    @property
    def layout(self):
        """:func:`encoded_pair_layout` of this encoder's configuration."""
        return encoded_pair_layout(self._config)

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        cfg = self._config
        shifts = ", ".join(str(s) for s in cfg.shifts)
        n = cfg.bits
        if cfg.lone_shifts == (0,):
            lone = "a lone activation (partner 0) is exact, split over both slots"
        else:
            lone_shifts = ", ".join(str(s) for s in cfg.lone_shifts)
            lone = (f"a lone activation (partner 0) gets a {cfg.lone_bits}-bit window, shifts "
                    f"{{{lone_shifts}}}, split over both slots")
        return {
            "summary": (f"vSPARQ pair encoder: activation pair to two {n}b x 8b multiplier "
                        f"slots, {n}-bit window shifts {{{shifts}}}, rounding {cfg.rounding}; "
                        f"{lone}; the pair contributes (mant0 * b[src0] << shift0) + "
                        f"(mant1 * b[src1] << shift1)"),
            "ports": {
                "a0": "unsigned 8-bit activation at even reduction index k",
                "a1": "unsigned 8-bit activation at index k+1 (0 pads an odd-length reduction)",
                "mant0": f"slot 0 multiplier operand ({n}-bit mantissa)",
                "shift0": f"slot 0 binary left shift of the product, one of {{{shifts}}}",
                "src0": "slot 0 weight select: 0 = b0, 1 = b1",
                "mant1": f"slot 1 multiplier operand ({n}-bit mantissa)",
                "shift1": f"slot 1 binary left shift of the product, one of {{{shifts}}}",
                "src1": "slot 1 weight select: 0 = b0, 1 = b1",
            },
            "latency": "combinational (0 cycles), no clock or reset",
            "throughput": "one pair per evaluation",
        }

    def elaborate(self, platform):
        m = Module()
        m.submodules.window0 = window0 = WindowSelector(self._config)
        m.submodules.window1 = window1 = WindowSelector(self._config)
        m.d.comb += [window0.x.eq(self.a0), window1.x.eq(self.a1)]

        # Zero detection looks at the activations only, never at the weights.
        zero0 = Signal()
        lone = Signal()
        # The survivor: a1 when a0 is zero (also covers both zero, giving zero mantissas).
        survivor = Signal(ACT_WIDTH_8)
        m.d.comb += [
            zero0.eq(self.a0 == 0),
            lone.eq(zero0 | (self.a1 == 0)),
            survivor.eq(Mux(zero0, self.a1, self.a0)),
        ]

        # The survivor's lone mantissa and shift: under 4-bit windows the exact 8-bit value at
        # shift 0; otherwise its lone window (one selector on the survivor serves both members).
        n = self._config.bits
        if self._config.lone_shifts == (0,):
            lone_mant, lone_shift = survivor, 0
        else:
            m.submodules.window_lone = window_lone = WindowSelector(self._config, lone=True)
            m.d.comb += window_lone.x.eq(survivor)
            lone_mant, lone_shift = window_lone.mant, window_lone.shift

        # Multiplexers, not m.If: continuous assignments in the Verilog (see WindowSelector).
        # Lone: the 2n-bit lone mantissa split across the two multipliers, high part at shift
        # s + n, low part at shift s, both against the survivor's weight.
        m.d.comb += [
            self.mant0.eq(Mux(lone, lone_mant[n:], window0.mant)),
            self.shift0.eq(Mux(lone, lone_shift + n, window0.shift)),
            self.src0.eq(Mux(lone, zero0, 0)),
            self.mant1.eq(Mux(lone, lone_mant[:n], window1.mant)),
            self.shift1.eq(Mux(lone, lone_shift, window1.shift)),
            self.src1.eq(Mux(lone, zero0, 1)),
        ]
        return m
