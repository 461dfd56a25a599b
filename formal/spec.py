"""Formal-only models of the window selector and the pair encoder, written from the spec.

These are the independent descriptions the RTL encoders are proved equivalent to. They follow the
text of ``sparq-spec.md`` (bSPARQ steps 1-4, the vSPARQ hardware view) and take the allowed window
positions and the lone window from the golden model (:data:`golden.WINDOWS`,
:data:`golden.LONE_WINDOW`), not from :mod:`hdl`; they are written for clarity, not area: the
window position is the first allowed ``s`` whose window holds ``x`` (a comparison
``x < 2**(s+n)``), and rounding compares the dropped remainder with one half (``rem > half``, or
``rem == half`` and the mantissa odd) instead of the RTL's guard and sticky bits. Every window
width of the spec is modelled: 4-bit pair windows (lone activation exact), 3-bit (lone: a 6-bit
window, positions {0, 1, 2}) and 2-bit (lone: a 4-bit window, positions {0..4}). They exist only
inside the formal harnesses.
"""

import functools

from amaranth import Module, Signal
from amaranth.back import verilog
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

import golden

__all__ = ["SpecWindow", "SpecPair", "spec_verilog", "MODULES", "SHIFT_WIDTH", "spec_shifts",
           "lone_window"]

#: Verilog module names of the spec models in the harnesses.
MODULES = {"window": "formal_spec_window", "pair": "formal_spec_pair"}

#: The width of a shift amount: pair shifts go up to 4 (4-bit windows), 5 (3-bit) or 6 (2-bit).
SHIFT_WIDTH = 3


def spec_shifts(bits, options):
    """The allowed window positions of the spec for ``(bits, options)``; ValueError naming the
    pair when the spec has no such window."""
    if (bits, options) not in golden.WINDOWS:
        raise ValueError(f"no spec window for bits={bits!r}, options={options!r}; the spec has "
                         f"{sorted(golden.WINDOWS)}")
    return golden.WINDOWS[bits, options]


def lone_window(bits):
    """``(lone_bits, lone_options)`` of a lone activation under ``bits``-bit pair windows, or
    ``None`` when it is exact (4-bit windows)."""
    if bits not in golden.LONE_WINDOW:
        raise ValueError(f"bits must be one of {sorted(golden.LONE_WINDOW)}, not {bits!r}")
    return golden.LONE_WINDOW[bits]


class SpecWindow(wiring.Component):
    """bSPARQ of an 8-bit ``x``: ``mant`` (``bits`` bits) and ``shift``, the value
    ``mant << shift``.

    Spec steps: ``s`` = the smallest allowed ``s`` with ``x < 2**(s+bits)``; ``m = x >> s``; with
    ``rounding="nearest-even"``, ``m += 1`` when the dropped part exceeds one half, or equals one
    half and ``m`` is odd; a carry out of the window saturates at ``2**bits - 1``.
    """

    def __init__(self, bits, options, rounding):
        self._shifts = spec_shifts(bits, options)
        if max(self._shifts) + bits < 8:
            raise ValueError(f"the widest window ({bits} bits at {max(self._shifts)}) does not "
                             f"hold an 8-bit activation")
        self._bits = bits
        self._rounding = rounding
        super().__init__({"x": In(8), "mant": Out(bits), "shift": Out(SHIFT_WIDTH)})

    def elaborate(self, platform):
        m = Module()
        x = self.x
        n = self._bits
        top = (1 << n) - 1
        first = True
        for s in self._shifts:
            # The largest allowed shift always holds an 8-bit x (checked in __init__).
            condition = x < (1 << (s + n)) if s != self._shifts[-1] else None
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
                    with m.If(rounded > top):
                        m.d.comb += self.mant.eq(top)
                    with m.Else():
                        m.d.comb += self.mant.eq(rounded)
                else:
                    m.d.comb += self.mant.eq(kept)
        return m


class SpecPair(wiring.Component):
    """vSPARQ pair ``(a0, a1)`` as two multiplier slots (spec, "The hardware view").

    Both non-zero: slot 0 = bSPARQ of ``a0`` against ``b0``, slot 1 = bSPARQ of ``a1`` against
    ``b1``. Exactly one non-zero (the survivor ``x``), with ``n = bits`` and ``(m, s)`` the
    survivor's lone value (4-bit windows: ``m = x``, ``s = 0``, exact; 3-bit and 2-bit: the lone
    window of :data:`golden.LONE_WINDOW`): ``(m >> n, shift s + n)`` and
    ``(m & (2**n - 1), shift s)``, both against the survivor's weight (for 4-bit windows the
    spec's ``(x >> 4, shift 4)`` and ``(x & 15, 0)``). Both zero: zero mantissas (the fields as
    for ``a0 == 0``, the encoder's documented choice).
    """

    def __init__(self, bits, options, rounding):
        spec_shifts(bits, options)
        self._bits = bits
        self._options = options
        self._rounding = rounding
        self._lone = lone_window(bits)
        ports = {"a0": In(8), "a1": In(8)}
        for j in range(2):
            ports.update({f"mant{j}": Out(bits), f"shift{j}": Out(SHIFT_WIDTH),
                          f"src{j}": Out(1)})
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        n = self._bits
        w0 = m.submodules.w0 = SpecWindow(n, self._options, self._rounding)
        w1 = m.submodules.w1 = SpecWindow(n, self._options, self._rounding)
        m.d.comb += [w0.x.eq(self.a0), w1.x.eq(self.a1)]
        survivor = Signal(8)
        with m.If(self.a0 == 0):
            m.d.comb += survivor.eq(self.a1)
        with m.Else():
            m.d.comb += survivor.eq(self.a0)
        if self._lone is None:
            lone_mant, lone_shift = survivor, 0
        else:
            wl = m.submodules.wl = SpecWindow(*self._lone, self._rounding)
            m.d.comb += wl.x.eq(survivor)
            lone_mant, lone_shift = wl.mant, wl.shift
        high = Signal(8)
        low = Signal(8)
        m.d.comb += [high.eq(lone_mant >> n), low.eq(lone_mant & ((1 << n) - 1))]

        def slots(first, second):
            return [self.mant0.eq(first[0]), self.shift0.eq(first[1]), self.src0.eq(first[2]),
                    self.mant1.eq(second[0]), self.shift1.eq(second[1]), self.src1.eq(second[2])]

        with m.If((self.a0 != 0) & (self.a1 != 0)):
            m.d.comb += slots((w0.mant, w0.shift, 0), (w1.mant, w1.shift, 1))
        with m.Elif(self.a0 == 0):
            m.d.comb += slots((high, lone_shift + n, 1), (low, lone_shift, 1))
        with m.Else():
            m.d.comb += slots((high, lone_shift + n, 0), (low, lone_shift, 0))
        return m


def spec_verilog(kind, config):
    """Verilog of the spec model ``kind`` (``"window"`` or ``"pair"``) for ``config``'s
    ``bits``, ``options`` and ``rounding``, as module ``MODULES[kind]``."""
    return _spec_verilog(kind, config.bits, config.options, config.rounding)


@functools.lru_cache(maxsize=None)
def _spec_verilog(kind, bits, options, rounding):
    # (cached: each conversion runs Yosys, and many jobs share one setting)
    component = {"window": SpecWindow, "pair": SpecPair}[kind](bits, options, rounding)
    return verilog.convert(component, name=MODULES[kind], emit_src=False)
