"""A block as a composition of parts: how many of each part a design has, from its configuration.

Each part is counted in the unit its cost grows with (bits of a register or an adder, partial-
product bits of a multiplier, inputs of a shifter's multiplexers, one per encoder), so one cost
per part and target (fitted by :mod:`estimate.fit`) prices every size and option. The counts
follow the structure of :mod:`hdl` (the widths are the configuration's own, from
:class:`hdl.config.SparqConfig`):

==============  ===============================================================================
part            counted as
==============  ===============================================================================
``mul_rows``    SPARQ slot multipliers (shift-add rows, :func:`hdl.mul_stage.multiply_rows`):
                ``mant_width x 8`` partial-product bits per slot, two slots per pair
``mul_plain``   baseline slot multipliers (Yosys's own ``*``): ``act_width x 8`` bits per slot;
                with ``mul_pipe`` two multipliers of half the activation bits each
``mul_plain_log`` the same bits times ``log2`` of the multiplier's activation width (Yosys's
                multiplier mapping grows faster than its bits: on ECP5 without DSPs an 8b x 8b
                product costs more than twice a 4b x 8b one)
``mul_comb``    the bits of ``mul_plain`` again for the baseline multipliers whose products go
                into adders without a register between (the dot-product unit's trees, without
                ``mul_pipe``): the same multiplier maps to other LUTs when its product is summed
                than when it is registered (ECP5 without DSPs: four 8b x 8b products summed take
                1,085 LUT4 against 1,152 registered, before their adder tree; iCE40: the same
                within 1 %), a difference of either sign (:data:`estimate.fit.SIGNED`)
``shift``       SPARQ shifters: ``(mant_width + 8) x (positions - 1)`` multiplexer inputs per slot
``wsel``        SPARQ weight select: 8 bits per slot
``pack``        packed multipliers (``dsp_pack``): ``mant_width x 8 x lanes`` bits each
``adder``       adder bits outside the accumulators: the PE's pair adder, the unit's adder trees
``acc``         accumulator bits: the adder, the accumulator and the shadow (result) register
``reg``         pipeline register bits: operand, weight and product registers, the array's input
                registers and edge skew registers, the unit's input and tree-sum registers
``pipe``        the split multiply stage (``mul_pipe``): half-product register bits per slot
``stc_sel``     2:4 activation selection: ``act_width x 4`` multiplexer inputs per slot
``window``      window selectors (one per activation of an encoder, one more for a lone window)
``window_pos``  window positions summed over the selectors (a selector grows with its positions)
``encoder``     pair encoders (the lone-value split and slot assignment around the windows)
``stream``      stream blocks' tile framing and control (1 per array or dot-product unit)
``skid``        skid buffer payload bits (``skid``)
==============  ===============================================================================

The AXI4-Stream top (``-axis``) adds one inverter (the reset): it is counted as nothing.

:func:`timing_features` and :func:`accumulate_features` give the few structural quantities the
clock period is fitted on: the period is the slower of two stages, the product stage (the
multiply stage, and in a dot-product unit the adder tree behind it) and the accumulate stage
(:mod:`estimate.fit`).
"""

import math

__all__ = ["PARTS", "TIMING_FEATURES", "ACCUMULATE_FEATURES", "parts", "timing_features",
           "accumulate_features"]

PARTS = ("mul_rows", "mul_plain", "mul_plain_log", "mul_comb", "shift", "wsel", "pack", "adder",
         "acc", "reg",
         "pipe", "stc_sel", "window", "window_pos", "encoder", "stream", "skid")

TIMING_FEATURES = ("const", "mul_levels", "tree_levels", "tree_levels_pipe", "tree_width", "stc",
                   "stc_encoder", "pack")

ACCUMULATE_FEATURES = ("acc_const", "acc_width", "pair_add")

_W = 8                       # weight width
_LANES = 2                   # products per packed multiplier (hdl.dotprod.PACK_LANES)


def _signed_range_width(bound):
    # Width of Signal(range(-bound, bound + 1)): the sign bit and the magnitude.
    return bound.bit_length() + 1


def _operand_width(c):
    if c.stc:
        return 4 * c.act_width
    if c.datapath == "sparq":
        return 2 * (c.bits + c.shift_width + 1)
    return 2 * c.act_width


def _weight_width(c):
    return 2 * _W + (4 if c.stc else 0)       # stc: two 2-bit positions beside the two values


def _encoder(out, c, count):
    # A pair encoder: one window selector per activation, and for 3- and 2-bit windows one more
    # on the lone survivor (hdl.pair.PairEncoder).
    lone = len(c.lone_shifts) > 1
    out["window"] += count * (2 + lone)
    out["window_pos"] += count * (2 * len(c.shifts) + (len(c.lone_shifts) if lone else 0))
    out["encoder"] += count


def _slots(out, c, count, summed=False):
    """``count`` slot products (one multiplier each, with select and shifter for sparq);
    ``summed``: their products go into an adder tree without a register between."""
    n = c.mant_width
    if c.datapath == "sparq":
        out["mul_rows"] += count * n * _W
        out["shift"] += count * (n + _W) * (len(c.shifts) - 1)
        out["wsel"] += count * _W
    else:
        for width in ((n + 1) // 2, n // 2) if c.mul_pipe else (n,):
            out["mul_plain"] += count * width * _W
            out["mul_plain_log"] += count * width * _W * math.log2(width)
            if summed and not c.mul_pipe:
                out["mul_comb"] += count * width * _W
    if c.mul_pipe:
        # two half products of (ceil(n/2) + 8) bits, and for sparq the shift amount
        half = (n + 1) // 2 + _W
        out["pipe"] += count * (2 * half + (c.shift_width if c.datapath == "sparq" else 0))
    if c.stc:
        out["stc_sel"] += count * c.act_width * 4


def _product_width(c):
    return _signed_range_width((1 << (_W - 1)) * c.max_act_value)


def _pe(out, c, count=1):
    """``count`` processing elements (hdl.pe, hdl.stc_pe)."""
    pw = _product_width(c)
    _slots(out, c, 2 * count)
    if c.stc and c.datapath == "sparq":
        _encoder(out, c, count)              # the 2:4 PE encodes its selected pair itself
    out["adder"] += count * (pw + 1)
    out["acc"] += count * c.acc_width
    out["reg"] += count * (_operand_width(c) + _weight_width(c) + 2 * pw + 4
                           + (2 if c.mul_pipe else 0))


def _stream(out, c, a_bits, b_bits):
    out["stream"] += 1
    if c.skid:
        out["skid"] += a_bits + b_bits + 2


def parts(block, config):
    """Part counts of ``block`` under ``config`` (a dict over :data:`PARTS`).

    ValueError/TypeError (from :func:`hdl.naming.check`) when the block does not exist or the
    configuration does not apply to it.
    """
    from hdl.naming import check
    check(block, config)
    c = config
    out = dict.fromkeys(PARTS, 0)
    if block == "window":
        out["window"] += 1
        out["window_pos"] += len(c.shifts)
    elif block == "pair":
        _encoder(out, c, 1)
    elif block == "pe":
        _pe(out, c)
    elif block == "array":
        R, C = c.rows, c.cols
        _pe(out, c, R * C)
        if c.datapath == "sparq" and not c.stc:
            _encoder(out, c, R)
        a_in = R * c.act_width * c.k_per_transfer
        b_in = C * _weight_width(c)
        op = _operand_width(c)
        out["reg"] += (a_in + b_in + 2                                  # input register
                       + (op + 2) * R * (R - 1) // 2                     # row skew
                       + _weight_width(c) * C * (C - 1) // 2)            # column skew
        _stream(out, c, a_in + 1, b_in + 1)
    elif block == "dotprod":
        from hdl.dotprod import acc_width
        M, N, P = c.rows, c.cols, c.pairs
        pw = _product_width(c)
        if c.datapath == "sparq":
            _encoder(out, c, M * P)
        if c.dsp_pack:
            # 2 slots per pair and row, one packed multiplier per group of two columns; the
            # shifters and selects stay per column (hdl.dotprod.DotProduct._packed_row)
            groups = -(-N // _LANES)
            out["pack"] += M * P * 2 * groups * c.mant_width * _W * _LANES
            slots = 2 * M * N * P
            out["shift"] += slots * (c.mant_width + _W) * (len(c.shifts) - 1)
            out["wsel"] += slots * _W
            if c.mul_pipe:
                out["pipe"] += slots * (pw + c.shift_width)
        else:
            _slots(out, c, 2 * M * N * P, summed=True)
        # each output's balanced tree of 2P slot products, one bit wider per level
        tree, terms, width = 0, 2 * P, pw
        while terms > 1:
            tree += (terms // 2) * (width + 1)
            terms, width = terms - terms // 2, width + 1
        out["adder"] += M * N * tree
        sum_width = _signed_range_width(2 * P * (1 << (_W - 1)) * c.max_act_value)
        out["acc"] += M * N * acc_width(c)
        op = _operand_width(c)
        out["reg"] += M * P * op + N * P * 2 * _W + M * N * sum_width + 2 + (2 if c.mul_pipe else 0)
        _stream(out, c, M * P * 2 * c.act_width + 1, N * P * 2 * _W + 1)
    return out


def timing_features(block, config):
    """The product stage's structural quantities (a dict over :data:`TIMING_FEATURES`):

    * ``mul_levels``: logic levels of the multiply stage, ``ceil(log2(mant_width))`` adder levels
      of the partial products plus, for SPARQ, ``ceil(log2(positions))`` shifter levels and one
      for the weight select; halved by the split multiply stage (``mul_pipe``);
    * ``tree_levels``: levels of the dot-product unit's adder tree, ``ceil(log2(2 * pairs))``,
      and ``tree_levels_pipe`` the same with the split multiply stage (the tree then shares the
      second stage with the sum of the half products: the two get a cost each);
    * ``tree_width``: the width of the unit's tree sum, the slot product's width plus the tree
      levels (the carry of the last adder runs across it: the 4b x 8b products of ``a4w8`` are
      4 bits narrower than int8's, and their trees faster);
    * ``stc``: 1 for a 2:4 design (the selection in the PE's multiply stage), ``stc_encoder`` 1 for
      a 2:4 SPARQ design (its pair encoder is in that stage too);
    * ``pack``: 1 for a packed dot-product unit (``dsp_pack``: the lanes' carry and the
      sign correction are in the product stage);
    * ``const``: 1.

    The size of an array does not enter: a systolic array's paths are local (each PE talks to its
    neighbours), and its routed Fmax stays within a few per cent of its PE's (iCE40 and ECP5,
    2x2 arrays: 2-6 % below). The dot-product unit's broadcast of each row and column is in its
    tree levels' cost (the measured units have up to 2x2 outputs; the fanout of larger ones is not
    modelled).
    """
    from hdl.naming import check
    check(block, config)
    c = config
    levels = math.ceil(math.log2(c.mant_width)) if c.mant_width > 1 else 0
    if c.datapath == "sparq":
        levels += math.ceil(math.log2(len(c.shifts))) + 1
    if c.mul_pipe:
        levels /= 2
    unit = block == "dotprod"
    tree = float(math.ceil(math.log2(2 * c.pairs))) if unit else 0.0
    return {"const": 1.0, "mul_levels": float(levels),
            "tree_levels": 0.0 if c.mul_pipe else tree,
            "tree_levels_pipe": tree if c.mul_pipe else 0.0,
            "tree_width": float(_product_width(c)) + tree if unit else 0.0,
            "stc": 1.0 if c.stc else 0.0,
            "stc_encoder": 1.0 if c.stc and c.datapath == "sparq" else 0.0,
            "pack": 1.0 if unit and c.dsp_pack else 0.0}


def accumulate_features(block, config):
    """The accumulate stage's structural quantities (a dict over :data:`ACCUMULATE_FEATURES`):
    ``acc_width``, the accumulator's bits (its carry runs across them; the config's for PEs and
    arrays, :func:`hdl.dotprod.acc_width` for the unit), ``pair_add`` 1 for PEs and arrays (the
    pair's two products are added in the same stage, before the accumulator; the unit's tree sum
    comes from a register), and ``acc_const`` 1. The encoders alone have no clock: ValueError."""
    from hdl.naming import check
    check(block, config)
    if block == "dotprod":
        from hdl.dotprod import acc_width
        width = acc_width(config)
    elif block in ("pe", "array"):
        width = config.acc_width
    else:
        raise ValueError(f"block {block!r} has no clock (no accumulate stage)")
    return {"acc_const": 1.0, "acc_width": float(width),
            "pair_add": 0.0 if block == "dotprod" else 1.0}
