"""The reference arithmetic of the proofs, as Verilog functions, from the golden model.

Nothing here reads the hardware's RTL: the SPARQ values come from :func:`golden.bsparq` for the
configuration's window width (``config.bits``: 4, 3 or 2), tabulated into ``case`` tables, and the
pair rule is the spec's (``sparq-spec.md``, vSPARQ): with activations ``(a0, a1)`` and weights
``(b0, b1)`` a pair contributes ``h0*b0 + h1*b1`` where

* ``a0 == 0``: ``h0 = 0``, ``h1 = lone(a1)``;
* ``a1 == 0`` (``a0 != 0``): ``h0 = lone(a0)``, ``h1 = 0``;
* both non-zero: ``h0 = bsparq(a0)``, ``h1 = bsparq(a1)``, the value ``mant << shift``;

``lone(x)`` is ``x`` itself under 4-bit windows (exact), and the lone window's value
``mant << shift`` under 3-bit (a 6-bit window) and 2-bit windows (a 4-bit window),
:data:`golden.LONE_WINDOW`. The baselines contribute the plain products ``a0*b0 + a1*b1``.
:func:`pair_values` is the rule in NumPy, checked against :func:`golden.vsparq` for all 65,536
pairs of every setting by the tests; the harnesses read the same tables (:func:`window_table`,
:func:`lone_table`) and state the same rule in Verilog.
"""

import numpy as np

import golden

__all__ = ["window_values", "lone_values", "pair_values", "window_table", "lone_table",
           "slot_function", "PRODUCT_WIDTH"]

#: Width of one slot's reference product (|product| <= 255 * 128 < 2**15): the multipliers in a
#: harness are kept this narrow, since a solver's cost grows with every multiplier bit.
PRODUCT_WIDTH = 17


def _sparq_settings(config):
    # The golden model's setting of config, refused unless it is one golden knows (a window width
    # or option count outside the spec would otherwise be checked against a wrong reference).
    if config.datapath != "sparq":
        raise ValueError(f"the SPARQ reference needs datapath 'sparq', not {config.datapath!r}")
    if (config.bits, config.options) not in golden.WINDOWS or config.bits not in golden.LONE_WINDOW:
        raise ValueError(f"no golden reference for bits={config.bits!r}, "
                         f"options={config.options!r}")
    return dict(bits=config.bits, options=config.options, rounding=config.rounding)


def window_values(config):
    """``bsparq(x)`` under ``config``'s window (``bits``, ``options``, ``rounding``) as the value
    ``mant << shift`` for ``x = 0..255`` (int64 array)."""
    mant, shift = golden.bsparq(np.arange(256), **_sparq_settings(config))
    return mant << shift


def lone_values(config):
    """The value a lone activation ``x = 0..255`` contributes (its partner zero): ``x`` under
    4-bit windows, the lone window's ``mant << shift`` under 3-bit and 2-bit windows."""
    settings = _sparq_settings(config)
    x = np.arange(256)
    lone = golden.LONE_WINDOW[settings["bits"]]
    if lone is None:
        return x
    mant, shift = golden.bsparq(x, bits=lone[0], options=lone[1], rounding=settings["rounding"])
    return mant << shift


def pair_values(config, a0, a1):
    """``(h0, h1)`` of the spec's pair rule for arrays ``a0``, ``a1`` (sparq datapath)."""
    both, lone = window_values(config), lone_values(config)
    a0, a1 = np.asarray(a0), np.asarray(a1)
    h0 = np.where(a0 == 0, 0, np.where(a1 == 0, lone[a0], both[a0]))
    h1 = np.where(a1 == 0, 0, np.where(a0 == 0, lone[a1], both[a1]))
    return h0, h1


def _table(values, name):
    word = 0
    for x, value in enumerate(values):
        assert 0 <= value < 256, value          # every SPARQ value fits 8 bits (max_act_value)
        word |= int(value) << (8 * x)
    return f"  localparam [2047:0] {name} = 2048'h{word:0512x};\n"


def window_table(config, name="F_WINDOW"):
    """A Verilog ``localparam`` holding :func:`window_values`: entry ``x`` is bits
    ``[8*x +: 8]``, read as ``name[8*x +: 8]`` (a constant, so a pure multiplexer in the proof)."""
    return _table(window_values(config), name)


def lone_table(config, name="F_LONE"):
    """A Verilog ``localparam`` holding :func:`lone_values`, laid out like :func:`window_table`."""
    return _table(lone_values(config), name)


def slot_function(config, width, prefix="f"):
    """Verilog function ``<prefix>_slot(...)``: one multiplier slot's reference product, a signed
    ``width``-bit value.

    ``sparq``: ``<prefix>_slot(mant, shift, src, b0, b1) = (mant * b[src]) << shift``, the spec's
    slot formula (``mant`` unsigned ``config.bits``-bit, ``shift`` ``config.shift_width``-bit,
    ``src`` selects ``b0`` or ``b1``).
    Baselines: ``<prefix>_slot(act, b) = act * b`` (``act`` unsigned ``config.act_width``-bit).
    """
    if config.datapath == "sparq":
        n, sw = config.bits, config.shift_width
        return (f"  function automatic signed [{width - 1}:0] {prefix}_slot(input [{n - 1}:0] mant, "
                f"input [{sw - 1}:0] shift, input src, input signed [7:0] b0, "
                f"input signed [7:0] b1);\n"
                f"    {prefix}_slot = ($signed({{1'b0, mant}}) * (src ? b1 : b0)) <<< shift;\n"
                f"  endfunction\n")
    return (f"  function automatic signed [{width - 1}:0] {prefix}_slot(input [{config.act_width - 1}:0] "
            f"act, input signed [7:0] b);\n"
            f"    {prefix}_slot = $signed({{1'b0, act}}) * b;\n"
            f"  endfunction\n")
