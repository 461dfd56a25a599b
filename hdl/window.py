"""bSPARQ window selector: an 8-bit activation as an n-bit mantissa and a shift."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .config import SparqConfig, ACT_WIDTH_8

__all__ = ["WindowSelector"]


class WindowSelector(wiring.Component):
    """Selects the n-bit window of an unsigned 8-bit activation (bSPARQ), combinationally.

    With ``n = config.bits`` and ``S = config.shifts`` the allowed window positions (with
    ``lone=True``: ``n = config.lone_bits``, ``S = config.lone_shifts``, the window of a lone
    activation under 3-bit and 2-bit windows):

    1. ``s`` is the smallest ``s`` in ``S`` with ``x < 2**(s + n)`` (chosen from the unrounded
       ``x``; ``x = 0`` gives ``s = 0``);
    2. ``mant = x >> s``;
    3. with ``rounding="nearest-even"``, the dropped bits round to nearest, ties to even: guard bit
       ``g = x[s-1]``, sticky ``t = |x[s-2:0]``, and ``mant += 1`` when ``s > 0 and g and
       (mant[0] or t)``; ``rounding="truncate"`` skips this step;
    4. a carry out of the window saturates: ``mant = 2**n - 1``; the window never moves up.

    The value the multiplier sees is ``mant << shift``. Every ``x < 2**n`` is exact.

    Parameters
    ----------
    config : SparqConfig
        Reads ``bits``, ``options`` (through ``config.shifts``) and ``rounding``; the other
        fields are ignored.
    lone : bool
        ``False`` (the default, and the generated ``window`` block): the pair window.
        ``True``: the lone window of ``config`` (used inside :class:`~hdl.pair.PairEncoder`);
        ValueError for 4-bit windows, whose lone activation is exact and needs no window.

    Members
    -------
    x : In(8)
        Unsigned activation, 0..255.
    mant : Out(n)
        Window mantissa, 0..2**n - 1.
    shift : Out(max(S).bit_length())
        Binary shift amount, one of ``S`` (``config.shift_width`` bits for the pair window).

    Latency: combinational (no clock, no reset). Logic: a priority encoder on the top bits of
    ``x``, one multiplexer per output bit over the allowed shifts, one n-bit incrementer shared
    by every shift.
    """

    def __init__(self, config, *, lone=False):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        if not isinstance(lone, bool):
            raise TypeError(f"lone must be a bool, not {lone!r}")
        if lone and config.lone_shifts == (0,):
            raise ValueError(f"lone=True needs a lone window; under {config.bits}-bit windows a "
                             f"lone activation is exact")
        self._config = config
        self._bits = config.lone_bits if lone else config.bits
        self._shifts = tuple(sorted(config.lone_shifts if lone else config.shifts))
        super().__init__({
            "x": In(ACT_WIDTH_8),
            "mant": Out(self._bits),
            "shift": Out(max(self._shifts).bit_length()),
        })

    @property
    def config(self):
        return self._config

    def describe(self):
        """Port meanings and timing for the generated top level's sidecar (see :mod:`hdl.generate`)."""
        shifts = ", ".join(str(s) for s in self._shifts)
        n = self._bits
        return {
            "summary": (f"bSPARQ window selector: {n}-bit window over an 8-bit activation, shifts "
                        f"{{{shifts}}}, rounding {self._config.rounding}, saturating"),
            "ports": {
                "x": "unsigned 8-bit activation",
                "mant": f"{n}-bit window mantissa; the value is mant << shift",
                "shift": f"binary shift amount (window LSB position), one of {{{shifts}}}",
            },
            "latency": "combinational (0 cycles), no clock or reset",
            "throughput": "one activation per evaluation",
        }

    def elaborate(self, platform):
        m = Module()
        shifts = list(self._shifts)
        n = self._bits
        nearest_even = self._config.rounding == "nearest-even"
        x = self.x

        # The logic is written as multiplexers into named signals, never as m.If/m.Switch: the
        # Verilog is then continuous assignments only, which every simulator evaluates at time 0
        # (an `always @*` process with no input event stays X under Icarus -g2012).

        # Smallest allowed s with x < 2**(s + n). fits[s]: x fits the window at s.
        fits = {}
        for s in shifts[:-1]:
            fits[s] = Signal(name=f"fits{s}")
            m.d.comb += fits[s].eq(x[s + n:] == 0)

        def select(candidate):
            # candidate(s) for the selected s: the largest shift always fits an 8-bit x, so it is
            # the default; a smaller one that fits takes precedence.
            value = candidate(shifts[-1])
            for s in reversed(shifts[:-1]):
                value = Mux(fits[s], candidate(s), value)
            return value

        # The selected window before rounding, its guard bit (the highest dropped bit) and its
        # sticky bit (OR of the lower dropped bits); one rounding incrementer after the selection
        # serves every shift.
        trunc = Signal(n)
        m.d.comb += [
            self.shift.eq(select(lambda s: s)),
            trunc.eq(select(lambda s: x[s:s + n])),
        ]
        if nearest_even:
            guard = Signal()
            sticky = Signal()
            m.d.comb += [
                guard.eq(select(lambda s: x[s - 1] if s > 0 else 0)),
                sticky.eq(select(lambda s: x[:s - 1].any() if s > 1 else 0)),
            ]

        if nearest_even:
            # Round half to even on the dropped bits. A rounded-up 2**n - 1 would need another
            # bit: it saturates at 2**n - 1 instead (the spec's rule; the window does not move up).
            round_up = Signal()
            m.d.comb += round_up.eq(guard & (trunc[0] | sticky) & ~trunc.all())
            m.d.comb += self.mant.eq(Mux(round_up, trunc + 1, trunc))
        else:
            m.d.comb += self.mant.eq(trunc)
        return m
