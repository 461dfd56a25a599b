"""Formal-only models of the window selector and the pair encoder, written from the spec.

These are the independent descriptions the RTL encoders are proved equivalent to. They follow the
text of ``sparq-spec.md`` (bSPARQ steps 1-4, the vSPARQ hardware view) and take the allowed window
positions from the golden model (:data:`golden.WINDOWS`), not from :mod:`hdl`; they are written
for clarity, not area: the window position is the first allowed ``s`` whose window holds ``x``
(a comparison ``x < 2**(s+4)``), and rounding compares the dropped remainder with one half
(``rem > half``, or ``rem == half`` and the mantissa odd) instead of the RTL's guard and sticky
bits. They exist only inside the formal harnesses.
"""

from amaranth import Module, Signal
from amaranth.back import verilog
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

import golden

__all__ = ["SpecWindow", "SpecPair", "spec_verilog", "MODULES", "SHIFT_WIDTH"]

#: Verilog module names of the spec models in the harnesses.
MODULES = {"window": "formal_spec_window", "pair": "formal_spec_pair"}

#: Window bits and the width of a shift amount (shifts go up to 4 under every 4-bit option).
WINDOW = 4
SHIFT_WIDTH = 3
#: A lone activation's high nibble sits at this shift (spec: "(x >> 4, shift 4) and (x & 15, 0)").
SPLIT = 4


def _shifts(options):
    return golden.WINDOWS[WINDOW, options]


class SpecWindow(wiring.Component):
    """bSPARQ of an 8-bit ``x``: ``mant`` (4 bits) and ``shift``, the value ``mant << shift``.

    Spec steps: ``s`` = the smallest allowed ``s`` with ``x < 2**(s+4)``; ``m = x >> s``; with
    ``rounding="nearest-even"``, ``m += 1`` when the dropped part exceeds one half, or equals one
    half and ``m`` is odd; a carry out of the window saturates at 15.
    """

    def __init__(self, options, rounding):
        self._shifts = _shifts(options)
        self._rounding = rounding
        super().__init__({"x": In(8), "mant": Out(WINDOW), "shift": Out(SHIFT_WIDTH)})

    def elaborate(self, platform):
        m = Module()
        x = self.x
        first = True
        for s in self._shifts:
            # The largest allowed shift always holds an 8-bit x (every option allows 4).
            condition = x < (1 << (s + WINDOW)) if s != self._shifts[-1] else None
            branch = m.If(condition) if first else (m.Elif(condition) if condition is not None
                                                    else m.Else())
            first = False
            with branch:
                m.d.comb += self.shift.eq(s)
                kept = Signal(8, name=f"kept{s}")
                m.d.comb += kept.eq(x >> s)
                if self._rounding == "nearest-even" and s > 0:
                    rem = Signal(8, name=f"rem{s}")
                    half = 1 << (s - 1)
                    up = Signal(name=f"up{s}")
                    rounded = Signal(9, name=f"rounded{s}")
                    m.d.comb += [
                        rem.eq(x & ((1 << s) - 1)),
                        up.eq((rem > half) | ((rem == half) & kept[0])),
                        rounded.eq(kept + up),
                    ]
                    with m.If(rounded > (1 << WINDOW) - 1):
                        m.d.comb += self.mant.eq((1 << WINDOW) - 1)
                    with m.Else():
                        m.d.comb += self.mant.eq(rounded)
                else:
                    m.d.comb += self.mant.eq(kept)
        return m


class SpecPair(wiring.Component):
    """vSPARQ pair ``(a0, a1)`` as two multiplier slots (spec, "The hardware view").

    Both non-zero: slot 0 = bSPARQ of ``a0`` against ``b0``, slot 1 = bSPARQ of ``a1`` against
    ``b1``. Exactly one non-zero (the survivor ``x``): ``(x >> 4, shift 4)`` and
    ``(x & 15, shift 0)``, both against the survivor's weight. Both zero: zero mantissas (the
    fields as for ``a0 == 0``, the encoder's documented choice).
    """

    def __init__(self, options, rounding):
        self._options = options
        self._rounding = rounding
        ports = {"a0": In(8), "a1": In(8)}
        for j in range(2):
            ports.update({f"mant{j}": Out(WINDOW), f"shift{j}": Out(SHIFT_WIDTH),
                          f"src{j}": Out(1)})
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        w0 = m.submodules.w0 = SpecWindow(self._options, self._rounding)
        w1 = m.submodules.w1 = SpecWindow(self._options, self._rounding)
        m.d.comb += [w0.x.eq(self.a0), w1.x.eq(self.a1)]

        def slots(first, second):
            return [self.mant0.eq(first[0]), self.shift0.eq(first[1]), self.src0.eq(first[2]),
                    self.mant1.eq(second[0]), self.shift1.eq(second[1]), self.src1.eq(second[2])]

        with m.If((self.a0 != 0) & (self.a1 != 0)):
            m.d.comb += slots((w0.mant, w0.shift, 0), (w1.mant, w1.shift, 1))
        with m.Elif(self.a0 == 0):
            m.d.comb += slots((self.a1 >> SPLIT, SPLIT, 1), (self.a1 & 15, 0, 1))
        with m.Else():
            m.d.comb += slots((self.a0 >> SPLIT, SPLIT, 0), (self.a0 & 15, 0, 0))
        return m


def spec_verilog(kind, options, rounding):
    """Verilog of the spec model ``kind`` (``"window"`` or ``"pair"``) as module ``MODULES[kind]``."""
    component = {"window": SpecWindow, "pair": SpecPair}[kind](options, rounding)
    return verilog.convert(component, name=MODULES[kind], emit_src=False)
