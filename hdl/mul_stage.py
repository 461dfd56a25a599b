"""The multiply stage of a pair datapath: the slot products, in one cycle or split over two.

Helpers that build the multiply stage into a caller's :class:`~amaranth.hdl.Module`, shared by
every block that multiplies (the :class:`~hdl.pe.ProcessingElement`, and any block that computes
slot products the same way, such as a dot-product unit): the caller registers the operands, calls
:func:`slot_product` (``sparq``) or :func:`plain_product` (``int8``, ``a4w8``) per slot, and
registers what it returns. With ``split=False`` the whole product is combinational (latency 0 from
the caller's operand registers to its product registers, as before). With ``split=True``
(``SparqConfig.mul_pipe``) the helper adds one register stage inside the product, in
``m.d.sync``, so the value it returns is the product of the operands of the *previous* cycle:
the caller delays whatever travels with the product (valid, last) by :data:`SPLIT_LATENCY`
cycle.

Where the register goes (measured with Yosys 0.70 and nextpnr 0.11.1 on the PE, see
docs/results.md):

* ``sparq``: weight select and the two halves of the 4b x 8b partial-product rows (rows 0-1 and
  2-3), then the register (two 10-bit half products and the shift amount), then the sum of the
  halves and the shifter;
* ``int8`` and ``a4w8``: the activation is split into a low and a high half, each half times the
  weight is registered, and the next stage adds ``lo + (hi << half)``: the same two-level split
  of the one multiplier, so that the baselines get the same extra stage at a like cost.
"""

from amaranth import Mux, Signal, signed

__all__ = ["multiply_rows", "shift_left", "slot_product", "plain_product", "SPLIT_LATENCY"]

#: Cycles a split multiply stage adds between the operand registers and the product registers.
SPLIT_LATENCY = 1


def multiply_rows(act, weight):
    """``act * weight`` (unsigned x signed) as a balanced sum of partial-product rows.

    Row ``i`` is ``weight`` gated by activation bit ``i``. The sparq PE uses this form because the
    weight select in front of the rows then maps into the same LUTs as the gating (with ``*``,
    Yosys keeps the select as a separate 8-bit mux).
    """
    terms = [(Mux(act[i], weight, 0), i) for i in range(len(act))]
    while len(terms) > 1:
        paired = []
        for k in range(0, len(terms) - 1, 2):
            (lo, lo_at), (hi, hi_at) = terms[k], terms[k + 1]
            paired.append((lo + (hi << (hi_at - lo_at)), lo_at))
        if len(terms) % 2:
            paired.append(terms[-1])
        terms = paired
    value, at = terms[0]
    return value << at


def shift_left(product, shift, shifts):
    """``product << shift`` for a shift amount known to be one of ``shifts``.

    The top bit of the binary shift field (weight ``h = 2**at``) is a separate 2:1 level, and
    below it only the bits some allowed shift uses take part: 5opt ({0..4}) becomes
    ``shift[2] ? p << 4 : p << shift[1:0]``, 3opt ({0,2,4}) ``shift[2] ? p << 4 : p << (shift &
    2)``, 2opt ({0,4}) ``shift[2] ? p << 4 : p``, 6opt ({0..5}) ``shift[2] ? p << (4 + shift[0])
    : p << shift[1:0]``, 7opt ({0..6}) ``shift[2] ? p << (4 + shift[1:0]) : p << shift[1:0]``.
    Synthesis then never builds the cases the binary field could encode but no allowed shift
    uses (Yosys 0.70: 5opt PE -52 transistors).
    """
    top = max(shifts)
    at = top.bit_length() - 1
    high = 1 << at
    if top == 0:
        return product
    # Masks of the low bits the allowed shifts with the top bit set (clear) use; every allowed
    # s has (s - high) & high_mask == s - high (s & low_mask == s), so the masking is exact.
    high_mask = low_mask = 0
    for s in shifts:
        if s >= high:
            high_mask |= s - high
        else:
            low_mask |= s
    # (A single top shift stays a constant shift: the 4-bit options' netlists are unchanged.)
    shifted = product << high if high_mask == 0 else (product << high) << (shift[:at] & high_mask)
    return Mux(shift[at], shifted, product << (shift[:at] & low_mask))


def slot_product(m, mant, weight, shift, shifts, *, split, name):
    """``(mant * weight) << shift`` of one SPARQ slot, built into module ``m``.

    ``mant``: unsigned ``n``-bit mantissa (``n`` = the window width, ``len(mant)``); ``weight``:
    signed 8-bit (already selected); ``shift``: the binary shift amount, one of ``shifts``.
    Returns the shifted product (signed, at most ``(2**n - 1) * 128 << max(shifts)`` in
    magnitude). ``split``: register the half products of the low ``n // 2`` rows and of the
    others, and the shift amount (``name``\\ ``_lo``, ``_hi``, ``_shift``), then add and shift, so
    the value returned lags the operands by :data:`SPLIT_LATENCY` cycle.
    """
    n = len(mant)
    # An n-bit unsigned mantissa times a signed 8-bit weight lies in
    # [-128 * (2**n - 1), 127 * (2**n - 1)]: signed n + 8 bits hold it exactly (4-bit:
    # -1920..1905 in 12 bits, one bit less to shift than the 13 of the full product shape).
    product = Signal(signed(n + len(weight)), name=name)
    if not split:
        m.d.comb += product.eq(multiply_rows(mant, weight))
        return shift_left(product, shift, shifts)
    # The register splits the partial-product rows into two halves (4-bit: rows 0-1 and rows
    # 2-3, each with the weight select folded into its gating); the next stage adds the halves
    # and shifts. Measured on the 5opt PE (Yosys 0.70, nextpnr 0.11.1, seed 1): registering the
    # whole 12-bit product instead left the select and all four rows in one cycle (ECP5 137.9 MHz
    # against 147.3, 326 iCE40 LUT4 against 299); with the halves the accumulate stage, the same
    # in every datapath, is the critical path.
    half = n // 2
    lo = Signal(signed(half + len(weight)), name=f"{name}_lo")
    hi = Signal(signed(n - half + len(weight)), name=f"{name}_hi")
    at = Signal.like(shift, name=f"{name}_shift")
    m.d.sync += [lo.eq(multiply_rows(mant[:half], weight)),
                 hi.eq(multiply_rows(mant[half:], weight)), at.eq(shift)]
    m.d.comb += product.eq(lo + (hi << half))
    return shift_left(product, at, shifts)


def plain_product(m, act, weight, *, split, name):
    """``act * weight`` (unsigned ``len(act)``-bit x signed 8-bit) of a baseline slot.

    ``split=False``: Yosys's own multiplier (for plain products as small as or smaller than the
    shift-add rows, measured on iCE40 and the CMOS estimate). ``split=True``: the two halves of
    ``act`` times ``weight`` are registered (``name``\\ ``_lo``, ``name``\\ ``_hi``) and their sum
    ``lo + (hi << half)`` is returned, lagging the operands by :data:`SPLIT_LATENCY` cycle.
    """
    if not split:
        return act * weight
    width = len(act)
    half = width // 2
    bound_w = 1 << 7
    lo = Signal(range(-bound_w * ((1 << half) - 1), bound_w * ((1 << half) - 1) + 1),
                name=f"{name}_lo")
    hi_max = (1 << (width - half)) - 1
    hi = Signal(range(-bound_w * hi_max, bound_w * hi_max + 1), name=f"{name}_hi")
    m.d.sync += [lo.eq(act[:half] * weight), hi.eq(act[half:] * weight)]
    return lo + (hi << half)
