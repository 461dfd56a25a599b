"""The reference arithmetic of the proofs, as Verilog functions, from the golden model.

Nothing here reads the hardware's RTL: the SPARQ values come from :func:`golden.bsparq`, tabulated
into a ``case`` table, and the pair rule is the spec's (``sparq-spec.md``, vSPARQ): with activations
``(a0, a1)`` and weights ``(b0, b1)`` a pair contributes ``h0*b0 + h1*b1`` where

* ``a0 == 0``: ``h0 = 0``, ``h1 = a1`` (a lone activation is exact in every 4-bit mode);
* ``a1 == 0`` (``a0 != 0``): ``h0 = a0``, ``h1 = 0``;
* both non-zero: ``h0 = bsparq(a0)``, ``h1 = bsparq(a1)``, the value ``mant << shift``.

The baselines contribute the plain products ``a0*b0 + a1*b1``. :func:`pair_values` is the rule in
NumPy, checked against :func:`golden.vsparq` for all 65,536 pairs by the tests; the harnesses
read the same table (:func:`window_table`) and state the same rule in Verilog.
"""

import numpy as np

import golden

__all__ = ["window_values", "pair_values", "window_table", "slot_function", "PRODUCT_WIDTH"]

#: Width of one slot's reference product (|product| <= 255 * 128 < 2**15): the multipliers in a
#: harness are kept this narrow, since a solver's cost grows with every multiplier bit.
PRODUCT_WIDTH = 17


def window_values(config):
    """``bsparq(x)`` as the value ``mant << shift`` for ``x = 0..255`` (int64 array)."""
    mant, shift = golden.bsparq(np.arange(256), bits=4, options=config.options,
                                rounding=config.rounding)
    return mant << shift


def pair_values(config, a0, a1):
    """``(h0, h1)`` of the spec's pair rule for arrays ``a0``, ``a1`` (sparq datapath)."""
    both = window_values(config)
    a0, a1 = np.asarray(a0), np.asarray(a1)
    h0 = np.where(a0 == 0, 0, np.where(a1 == 0, a0, both[a0]))
    h1 = np.where(a1 == 0, 0, np.where(a0 == 0, a1, both[a1]))
    return h0, h1


def window_table(config, name="F_WINDOW"):
    """A Verilog ``localparam`` holding :func:`window_values`: entry ``x`` is bits
    ``[8*x +: 8]``, read as ``name[8*x +: 8]`` (a constant, so a pure multiplexer in the proof)."""
    word = 0
    for x, value in enumerate(window_values(config)):
        word |= int(value) << (8 * x)
    return f"  localparam [2047:0] {name} = 2048'h{word:0512x};\n"


def slot_function(config, width, prefix="f"):
    """Verilog function ``<prefix>_slot(...)``: one multiplier slot's reference product, a signed
    ``width``-bit value.

    ``sparq``: ``<prefix>_slot(mant, shift, src, b0, b1) = (mant * b[src]) << shift``, the spec's
    slot formula (``mant`` unsigned 4-bit, ``shift`` 3-bit, ``src`` selects ``b0`` or ``b1``).
    Baselines: ``<prefix>_slot(act, b) = act * b`` (``act`` unsigned ``config.act_width``-bit).
    """
    if config.datapath == "sparq":
        return (f"  function automatic signed [{width - 1}:0] {prefix}_slot(input [3:0] mant, "
                f"input [2:0] shift, input src, input signed [7:0] b0, input signed [7:0] b1);\n"
                f"    {prefix}_slot = ($signed({{1'b0, mant}}) * (src ? b1 : b0)) <<< shift;\n"
                f"  endfunction\n")
    return (f"  function automatic signed [{width - 1}:0] {prefix}_slot(input [{config.act_width - 1}:0] "
            f"act, input signed [7:0] b);\n"
            f"    {prefix}_slot = $signed({{1'b0, act}}) * b;\n"
            f"  endfunction\n")
