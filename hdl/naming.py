"""The one naming scheme of generated hardware, built from the setting tag of :mod:`golden.tags`.

::

    setting tag    int8 | a4w8 | a3w8 | a2w8 | sparq-b<bits>-o<options>-<ne|tr>  (golden.tags)
    config tag     window, pair:  <setting>                              sparq-b4-o5-ne
                   pe:            <setting>-k<max_k>[-stc][-pipe]        int8-k1152
                   array:         <setting>-<rows>x<cols>-k<max_k>[-stc][-pipe][-skid][-axis]
                                                                         sparq-b4-o3-tr-8x8-k1152
                                  (``-stc``: 2:4 structured-sparse weights, ``stc=True``;
                                  ``-pipe``: the split multiply stage, ``mul_pipe=True``;
                                  ``-skid``: skid buffers on the inputs, ``skid=True``;
                                  ``-axis``: the AXI4-Stream interface, ``interface="axis"``)
                   dotprod:       <setting>-<rows>x<cols>p<pairs>-k<max_k>[-pipe][-pack][-skid][-axis]
                                  (``-pack``: two products per multiply, ``dsp_pack=True``)
                                                                         sparq-b4-o5-ne-4x4p4-k1152
    design name    <block>-<config tag>                                  array-sparq-b4-o5-ne-8x8-k1152
                                                                         dotprod-int8-4x4p4-k1152
    module name    sparq_<design name with - as _>                       sparq_array_sparq_b4_o5_ne_8x8_k1152
                                                                         sparq_array_sparq_b4_o5_ne_8x8_k1152_axis
                                                                         sparq_array_sparq_b4_o5_ne_8x8_k1152_skid_axis

The design name names synthesis designs (``sparq-rtl synth --designs``) and simulation build
folders (``build/sim/<design name>-<simulator>``); the module name is the default Verilog top
module of ``sparq-rtl verilog``. Every name encodes every parameter its block depends on, and
:func:`parse_design_name` reads a design name back into its block and :class:`SparqConfig`.
"""

import re

from golden.tags import parse_setting_tag, setting_tag

from .config import MAX_PES, SparqConfig

__all__ = ["BLOCKS", "SPARQ_ONLY", "STREAM_BLOCKS", "FIELD_BLOCKS", "DEFAULT_PAIRS", "check", "parse_setting_tag", "setting_of", "config_tag", "design_name", "module_name",
           "parse_design_name"]

#: The blocks :mod:`hdl.generate` builds, in the order the command lists them.
BLOCKS = ("window", "pair", "pe", "array", "dotprod")

#: Blocks with stream ports (``interface`` and ``skid`` apply to them).
STREAM_BLOCKS = ("array", "dotprod")

#: ``pairs`` of a configuration that is not for the dot-product unit (the field's default).
DEFAULT_PAIRS = SparqConfig().pairs

#: Blocks that exist for the SPARQ datapath only (the baselines have no window or pair logic).
SPARQ_ONLY = ("window", "pair")

#: The blocks each configuration field applies to, for the fields that do not apply to every block
#: (a field missing here applies to all): :func:`check` refuses a non-default value elsewhere, and
#: the ``sparq-rtl verilog`` flags (:mod:`hdl.cli`) and the documented command lines
#: (:mod:`hdl.contract_doc`) follow the same table.
FIELD_BLOCKS = {
    "datapath": BLOCKS,
    "rows": STREAM_BLOCKS,
    "cols": STREAM_BLOCKS,
    "max_k": ("pe", "array", "dotprod"),
    "interface": STREAM_BLOCKS,
    "skid": STREAM_BLOCKS,
    "stc": ("pe", "array"),
    "mul_pipe": ("pe", "array", "dotprod"),
    "dsp_pack": ("dotprod",),
    "pairs": ("dotprod",),
}


def _blocks_of(field):
    # "block dotprod", "blocks pe and array", "blocks pe, array and dotprod"
    names = FIELD_BLOCKS[field]
    if len(names) == 1:
        return f"block {names[0]}"
    return f"blocks {', '.join(names[:-1])} and {names[-1]}"


_DESIGN = re.compile(r"(?P<block>window|pair|pe|array|dotprod)-(?P<setting>int8|a[432]w8|sparq-b\d+-o\d+-(?:ne|tr))"
                     r"(?:-(?P<rows>\d+)x(?P<cols>\d+)(?:p(?P<pairs>\d+))?)?(?:-k(?P<max_k>\d+))?(?P<stc>-stc)?(?P<pipe>-pipe)?(?P<pack>-pack)?(?P<skid>-skid)?(?:-(?P<interface>axis))?\Z")


def check(block, config):
    """Raise ValueError/TypeError unless ``block`` exists and ``config`` applies to it (the one
    check of a block and its configuration, for names and for :mod:`hdl.generate`)."""
    if not isinstance(block, str) or block not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, not {block!r}")
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")
    if block in SPARQ_ONLY and config.datapath != "sparq":
        raise ValueError(f"block {block!r} exists for datapath 'sparq' only, not {config.datapath!r}")
    if block not in FIELD_BLOCKS["interface"] and config.interface != "native":
        raise ValueError(f"interface {config.interface!r} applies to {_blocks_of('interface')} "
                         f"only, not {block!r}")
    for field in ("skid", "stc", "mul_pipe", "dsp_pack"):
        if block not in FIELD_BLOCKS[field] and getattr(config, field):
            raise ValueError(f"{field} applies to {_blocks_of(field)} only, not {block!r}")
    if block not in FIELD_BLOCKS["pairs"] and config.pairs != DEFAULT_PAIRS:
        raise ValueError(f"pairs applies to {_blocks_of('pairs')} only, not {block!r} (pairs="
                         f"{config.pairs!r})")
    if block == "dotprod" and config.rows * config.cols * config.pairs > MAX_PES:
        # As many pair multipliers as the largest array has PEs (elaboration time and memory).
        raise ValueError(f"rows * cols * pairs must be at most {MAX_PES} pair multipliers, not "
                         f"{config.rows} x {config.cols} x {config.pairs} = "
                         f"{config.rows * config.cols * config.pairs}")


def setting_of(config):
    """The setting tag of ``config``'s datapath: ``sparq-b4-o5-ne``, ``sparq-b3-o6-tr``, ``int8``,
    ``a4w8``, ``a3w8`` or ``a2w8``."""
    if config.datapath != "sparq":
        return setting_tag(config.datapath)
    return setting_tag("sparq", bits=config.bits, options=config.options, rounding=config.rounding)


def config_tag(block, config):
    """The parameters ``block`` depends on, as a tag (see the module docstring)."""
    check(block, config)
    tag = setting_of(config)
    if block in STREAM_BLOCKS:
        tag += f"-{config.rows}x{config.cols}"
    if block == "dotprod":
        tag += f"p{config.pairs}"
    if block in ("pe", *STREAM_BLOCKS):
        tag += f"-k{config.max_k}"
    if config.stc:
        tag += "-stc"
    if config.mul_pipe:
        tag += "-pipe"
    if config.dsp_pack:
        tag += "-pack"
    if config.skid:
        tag += "-skid"
    if config.interface != "native":
        tag += f"-{config.interface}"
    return tag


def design_name(block, config):
    """``<block>-<config tag>``, e.g. ``pe-sparq-b4-o5-ne-k1152``."""
    return f"{block}-{config_tag(block, config)}"


def module_name(block, config):
    """The default Verilog module name: ``sparq_`` + the design name with ``-`` as ``_``."""
    return "sparq_" + design_name(block, config).replace("-", "_")


def parse_design_name(name):
    """``(block, SparqConfig)`` of a design name; ValueError naming it when it is not one.

    Exact inverse of :func:`design_name`: a name that is not the canonical name of its
    configuration (a missing or extra field) is refused, so one design has one name.
    """
    match = _DESIGN.match(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"not a design name: {name!r} (expected <block>-<setting>[-<R>x<C>[p<P>]]"
                         f"[-k<max_k>][-stc][-pipe][-pack][-skid][-axis], e.g. pe-sparq-b4-o5-ne-k1152, array-int8-4x4-k1152, "
                         f"window-sparq-b4-o3-tr)")
    block = match["block"]
    try:
        setting = parse_setting_tag(match["setting"])
    except ValueError as exc:       # a window setting the method does not have: sparq-b2-o5-ne
        raise ValueError(f"design {name!r}: {exc}") from None
    fields = {"datapath": setting["kind"]}
    if setting["kind"] == "sparq":
        fields.update(bits=setting["bits"], options=setting["options"],
                      rounding=setting["rounding"])
    if match["rows"]:
        fields.update(rows=int(match["rows"]), cols=int(match["cols"]))
    if match["pairs"]:
        fields["pairs"] = int(match["pairs"])
    if match["max_k"]:
        fields["max_k"] = int(match["max_k"])
    if match["stc"]:
        fields["stc"] = True
    if match["pipe"]:
        fields["mul_pipe"] = True
    if match["pack"]:
        fields["dsp_pack"] = True
    if match["skid"]:
        fields["skid"] = True
    if match["interface"]:
        fields["interface"] = match["interface"]
    try:
        config = SparqConfig(**fields)
        canonical = design_name(block, config)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"design {name!r}: {exc}") from None
    if canonical != name:
        raise ValueError(f"design {name!r} is not a canonical design name; did you mean "
                         f"{canonical!r}?")
    return block, config
