"""Several 4b x 8b products from one wide multiply: one mantissa times K packed weights.

In a dot-product unit one row's SPARQ mantissa (with its weight select, which depends on the row's
activation pair only) meets the selected weight of every column. Those K products can share one
multiplier: the weights are packed on the wide operand with a stride of :data:`FIELD` bits, the
mantissa is the narrow operand, and the K products are read back from the fields of the one wide
product. A DSP block then computes K products instead of one.
"""

from amaranth import Module, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PackedMultiplier", "FIELD", "MAX_LANES", "packed_width"]

#: Field stride of the packed operand and the product: a 4-bit unsigned mantissa times a signed
#: 8-bit weight lies in -1920..1905, which needs 12 signed bits; a narrower stride would let
#: neighbouring products overlap.
FIELD = 12

#: Largest K: 4 lanes is a 44-bit packed operand, beyond the widest DSP multiplier port of the
#: targets measured (Xilinx 7: 25 x 18; ECP5: 18 x 18).
MAX_LANES = 4


def packed_width(lanes):
    """Width of the packed (signed) weight operand: the smallest signed width holding
    ``-128 * sum(2**(FIELD * i) for i < lanes)``, the most negative packed value (every weight
    -128): 8 bits for one lane, ``FIELD * (lanes - 1) + 9`` for more (the borrows of the lower
    weights need one bit above the top weight's 8)."""
    bound = 128 * sum(1 << (FIELD * i) for i in range(lanes))
    return (bound - 1).bit_length() + 1


class PackedMultiplier(wiring.Component):
    """``products[i] = mant * weights[i]`` for ``i < lanes``, from one multiply.

    Combinational. The packed operand is ``W = sum(weights[i] << (FIELD * i))`` (a signed sum: a
    negative weight borrows from the fields above it), and ``P = mant * W`` is the sum of the
    products at the same offsets, ``P = sum(p[i] << (FIELD * i))``. Field ``i`` of ``P`` holds
    ``p[i]`` minus the borrow of the fields below: the value of the fields below,
    ``L = sum(p[j] << (FIELD * j) for j < i)``, is never beyond ``+-2**(FIELD * i - 1)`` (each
    ``|p[j]| <= 1920 < 2**11``), so ``L`` is negative exactly when bit ``FIELD * i - 1`` of ``P``
    is set, and then ``P``'s field ``i`` is ``p[i] - 1``. So

    ``p[0] = P[0:FIELD]`` and ``p[i] = P[FIELD*i : FIELD*(i+1)] + P[FIELD*i - 1]`` (as signed
    ``FIELD``-bit values): the sign correction is one incrementer per lane above the first, the
    packing a signed sum of the weights, the extraction wiring.

    Parameters
    ----------
    lanes : int
        K, the number of weights (and products), 1..:data:`MAX_LANES`.
    packed : bool
        ``True`` (default): the one packed multiply above. ``False``: K separate ``mant *
        weights[i]`` multiplies, the form the packing replaces (the reference of the DSP
        measurements, same ports).

    Members
    -------
    mant : In(unsigned(4))
        The mantissa, 0..15.
    weights : In(ArrayLayout(signed(8), lanes))
        The weights, -128..127 each.
    products : Out(ArrayLayout(signed(FIELD), lanes))
        ``mant * weights[i]``, exact.

    Latency: combinational (0 cycles). Throughput: ``lanes`` products per evaluation.
    """

    def __init__(self, lanes=2, *, packed=True):
        if not isinstance(lanes, int) or isinstance(lanes, bool):
            raise TypeError(f"lanes must be an integer, not {lanes!r}")
        if not 1 <= lanes <= MAX_LANES:
            raise ValueError(f"lanes must be in 1..{MAX_LANES}, not {lanes!r}")
        if not isinstance(packed, bool):
            raise TypeError(f"packed must be a bool, not {packed!r}")
        self._lanes = lanes
        self._packed = packed
        super().__init__({
            "mant": In(unsigned(4)),
            "weights": In(data.ArrayLayout(signed(8), lanes)),
            "products": Out(data.ArrayLayout(signed(FIELD), lanes)),
        })

    @property
    def lanes(self):
        return self._lanes

    @property
    def packed(self):
        return self._packed

    def describe(self):
        """Port meanings for a sidecar (the format of :mod:`hdl.generate`)."""
        k = self._lanes
        how = (f"one 4x{packed_width(k)}-bit multiply" if self._packed
               else f"{k} separate 4x8-bit multiplies")
        return {
            "summary": (f"{k} products of one 4-bit unsigned mantissa and {k} signed 8-bit "
                        f"weights from {how}"),
            "ports": {
                "mant": "mantissa, unsigned 4-bit",
                "weights": f"weights, signed 8-bit each, weight i at bits [8*i +: 8], i < {k}",
                "products": (f"mant * weights[i], signed {FIELD}-bit each, product i at bits "
                             f"[{FIELD}*i +: {FIELD}]"),
            },
            "latency": "combinational",
            "throughput": f"{k} products per evaluation",
        }

    def elaborate(self, platform):
        m = Module()
        k = self._lanes
        if not self._packed:
            for i in range(k):
                m.d.comb += self.products[i].eq(self.mant * self.weights[i])
            return m
        packed = Signal(signed(packed_width(k)))
        m.d.comb += packed.eq(sum(self.weights[i] << (FIELD * i) for i in range(k)))
        # One multiply: unsigned 4-bit x signed packed_width(k) bits; the product needs FIELD * k
        # bits (the top field holds the last product, the sum of the borrows cancels above it).
        wide = Signal(signed(FIELD * k))
        m.d.comb += wide.eq(self.mant * packed)
        for i in range(k):
            field = wide[FIELD * i:FIELD * (i + 1)]
            if i == 0:
                m.d.comb += self.products[i].eq(field)
            else:
                # The borrow of the fields below is the sign of their sum: bit FIELD*i - 1.
                m.d.comb += self.products[i].eq(field + wide[FIELD * i - 1])
        return m
