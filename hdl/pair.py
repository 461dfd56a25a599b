"""vSPARQ pair encoder: a pair of activations as two multiplier slots."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring, data
from amaranth.lib.wiring import In, Out

from .config import SparqConfig, WINDOW_BITS, ACT_WIDTH_8
from .window import WindowSelector

__all__ = ["PairEncoder", "EncodedPair", "encoded_pair_layout"]

#: A lone activation is split into its high nibble (at this shift) and its low nibble (at 0).
SPLIT_SHIFT = ACT_WIDTH_8 - WINDOW_BITS


def encoded_pair_layout(config):
    """The :class:`~amaranth.lib.data.StructLayout` of one encoded pair under ``config``.

    Fields, from bit 0 up: ``mant0`` (4), ``shift0`` (``config.shift_width``), ``src0`` (1),
    ``mant1``, ``shift1``, ``src1``. Slot ``j`` contributes ``(mantJ * b[srcJ]) << shiftJ``.
    """
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")
    return data.StructLayout({
        "mant0": WINDOW_BITS, "shift0": config.shift_width, "src0": 1,
        "mant1": WINDOW_BITS, "shift1": config.shift_width, "src1": 1,
    })


#: The encoded pair for every 4-bit option: the shift field is 3 bits wide (shifts up to 4) for
#: 5opt, 3opt and 2opt alike, so one layout serves them all (16 bits). Equal to
#: ``encoded_pair_layout(config)`` for every valid :class:`SparqConfig`.
EncodedPair = encoded_pair_layout(SparqConfig())


class PairEncoder(wiring.Component):
    """Encodes an activation pair ``(a0, a1)`` as two 4-bit x 8-bit multiplier slots (vSPARQ).

    Slot ``j`` contributes ``(mantJ * b[srcJ]) << shiftJ``, where ``b`` is the pair's weights
    ``(b0, b1)``. The sum of the two slots equals ``h0*b0 + h1*b1`` of the vSPARQ rules for all
    65,536 pairs:

    ============================  ==========================  ==========================
    case                          slot 0 (mant, shift, src)   slot 1 (mant, shift, src)
    ============================  ==========================  ==========================
    both non-zero                 (window(a0), 0)             (window(a1), 1)
    ``a1 == 0``, ``a0 != 0``      (a0 >> 4, 4, 0)             (a0 & 15, 0, 0)
    ``a0 == 0`` (any ``a1``)      (a1 >> 4, 4, 1)             (a1 & 15, 0, 1)
    ============================  ==========================  ==========================

    ``window(x)`` is the (mant, shift) of a :class:`~hdl.window.WindowSelector` (one per
    activation). A lone non-zero
    activation is split over both multipliers and so is multiplied exactly; shift 4 and 0 are
    allowed shifts of every option, so the shifter range stays ``config.shifts``. Both zero gives
    two zero mantissas. This slot assignment is the one of the authors' conformance vectors.

    Parameters
    ----------
    config : SparqConfig
        Reads ``options`` and ``rounding`` (for the window selectors).

    Members
    -------
    a0, a1 : In(8)
        The pair's unsigned activations (reduction positions ``k`` and ``k+1``, ``k`` even).
    mant0, mant1 : Out(4)
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
        # The lone split needs shifts 0 and SPLIT_SHIFT; every 4-bit option allows both.
        assert {0, SPLIT_SHIFT} <= set(config.shifts)
        self._config = config
        sw = config.shift_width
        super().__init__({
            "a0": In(ACT_WIDTH_8), "a1": In(ACT_WIDTH_8),
            "mant0": Out(WINDOW_BITS), "shift0": Out(sw), "src0": Out(1),
            "mant1": Out(WINDOW_BITS), "shift1": Out(sw), "src1": Out(1),
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
        shifts = ", ".join(str(s) for s in self._config.shifts)
        return {
            "summary": (f"vSPARQ pair encoder: activation pair to two 4b x 8b multiplier slots, "
                        f"window shifts {{{shifts}}}, rounding {self._config.rounding}; the pair "
                        f"contributes (mant0 * b[src0] << shift0) + (mant1 * b[src1] << shift1)"),
            "ports": {
                "a0": "unsigned 8-bit activation at even reduction index k",
                "a1": "unsigned 8-bit activation at index k+1 (0 pads an odd-length reduction)",
                "mant0": "slot 0 multiplier operand (4-bit mantissa)",
                "shift0": f"slot 0 binary left shift of the product, one of {{{shifts}}}",
                "src0": "slot 0 weight select: 0 = b0, 1 = b1",
                "mant1": "slot 1 multiplier operand (4-bit mantissa)",
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

        # Multiplexers, not m.If: continuous assignments in the Verilog (see WindowSelector).
        # Lone: the exact 8-bit survivor, split across the two multipliers: high nibble at
        # shift 4, low nibble at shift 0, both against the survivor's weight.
        m.d.comb += [
            self.mant0.eq(Mux(lone, survivor[SPLIT_SHIFT:], window0.mant)),
            self.shift0.eq(Mux(lone, SPLIT_SHIFT, window0.shift)),
            self.src0.eq(Mux(lone, zero0, 0)),
            self.mant1.eq(Mux(lone, survivor[:SPLIT_SHIFT], window1.mant)),
            self.shift1.eq(Mux(lone, 0, window1.shift)),
            self.src1.eq(Mux(lone, zero0, 1)),
        ]
        return m
