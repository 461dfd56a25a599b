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

import functools
import re
from dataclasses import fields as _dataclass_fields

from golden.tags import TAG_PATTERN, parse_setting_tag, setting_tag

from .blocks import BLOCKS, FIELD_BLOCKS, SPARQ_ONLY, STREAM_BLOCKS, block_of, takes
from .config import FIELDS, SparqConfig

__all__ = ["BLOCKS", "SPARQ_ONLY", "STREAM_BLOCKS", "FIELD_BLOCKS", "DEFAULT_PAIRS", "check",
           "parse_setting_tag", "setting_of", "config_tag", "design_name", "module_name",
           "parse_design_name", "blocks_text"]

#: ``pairs`` of a configuration that is not for the dot-product unit (the field's default).
DEFAULT_PAIRS = SparqConfig().pairs

_DEFAULT = SparqConfig()


def blocks_text(field):
    """The blocks ``field`` applies to, as words: ``block dotprod``, ``blocks pe and array``,
    ``blocks pe, array and dotprod``."""
    names = FIELDS[field].blocks
    if len(names) == 1:
        return f"block {names[0]}"
    return f"blocks {', '.join(names[:-1])} and {names[-1]}"


def _tag_fields():
    # (name, Field, type) of the fields with a piece of their own in the config tag, in tag order.
    return [(f.name, FIELDS[f.name], f.type) for f in _dataclass_fields(SparqConfig)
            if not FIELDS[f.name].setting]


def _is_bool(kind):
    return kind in (bool, "bool")


def _is_str(kind):
    return kind in (str, "str")


def _piece_pattern(name, field, kind):
    # The regular expression of one field's optional piece of the tag, group named after it.
    before, _, after = field.tag.partition("{}")
    if _is_bool(kind):
        return f"(?P<{name}>{re.escape(field.tag)})?"
    if _is_str(kind):
        value = "|".join(re.escape(c) for c in field.metavar.split("|"))
    else:
        value = r"\d+"
    return f"(?:{re.escape(before)}(?P<{name}>{value}){re.escape(after)})?"


_DESIGN = re.compile(f"(?P<block>{'|'.join(BLOCKS)})-(?P<setting>{TAG_PATTERN})"
                     + "".join(_piece_pattern(*t) for t in _tag_fields()) + r"\Z")


def check(block, config):
    """Raise ValueError/TypeError unless ``block`` exists and ``config`` applies to it (the one
    check of a block and its configuration, for names and for :mod:`hdl.generate`).

    A pair that passed is remembered (configurations are immutable), so the generator's entry
    points, which each check their arguments, check a configuration once per process."""
    block_of(block)
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")
    _check(block, config)


@functools.lru_cache(maxsize=1024)
def _check(block, config):
    spec = block_of(block)
    if spec.sparq_only and config.datapath != "sparq":
        raise ValueError(f"block {block!r} exists for datapath 'sparq' only, not {config.datapath!r}")
    for name, field, kind in _tag_fields():
        value = getattr(config, name)
        if takes(block, name) or not field.strict or value == getattr(_DEFAULT, name):
            continue
        if _is_bool(kind):
            raise ValueError(f"{name} applies to {blocks_text(name)} only, not {block!r}")
        if _is_str(kind):
            raise ValueError(f"{name} {value!r} applies to {blocks_text(name)} only, not "
                             f"{block!r}")
        raise ValueError(f"{name} applies to {blocks_text(name)} only, not {block!r} ({name}="
                         f"{value!r})")
    if spec.limit is not None:
        spec.limit(config)


def setting_of(config):
    """The setting tag of ``config``'s datapath: ``sparq-b4-o5-ne``, ``sparq-b3-o6-tr``, ``int8``,
    ``a4w8``, ``a3w8`` or ``a2w8``."""
    if config.datapath != "sparq":
        return setting_tag(config.datapath)
    return setting_tag("sparq", bits=config.bits, options=config.options, rounding=config.rounding)


def config_tag(block, config):
    """The parameters ``block`` depends on, as a tag (see the module docstring): the setting,
    then the piece of every field the block takes, in schema order (:class:`hdl.config.Field`:
    an integer's piece always, a switch's when it is set, a choice's when it is not the
    default)."""
    check(block, config)
    tag = setting_of(config)
    for name, field, kind in _tag_fields():
        value = getattr(config, name)
        if not takes(block, name):
            continue
        if _is_bool(kind):
            tag += field.tag if value else ""
        elif _is_str(kind):
            tag += field.tag.format(value) if value != getattr(_DEFAULT, name) else ""
        else:
            tag += field.tag.format(value)
    return tag


def design_name(block, config):
    """``<block>-<config tag>``, e.g. ``pe-sparq-b4-o5-ne-k1152``."""
    return f"{block}-{config_tag(block, config)}"


def module_name(block, config):
    """The default Verilog module name: ``sparq_`` + the design name with ``-`` as ``_``."""
    return "sparq_" + design_name(block, config).replace("-", "_")


def _name_form():
    # "<block>-<setting>-<rows>x<cols>p<pairs>-k<max_k>[-stc]..." from the schema.
    form = "<block>-<setting>"
    for name, field, kind in _tag_fields():
        if _is_bool(kind):
            form += f"[{field.tag}]"
        elif _is_str(kind):
            form += "[" + field.tag.format("|".join(field.metavar.split("|")[1:])) + "]"
        else:
            form += "[" + field.tag.format(f"<{name}>") + "]"
    return form


def parse_design_name(name):
    """``(block, SparqConfig)`` of a design name; ValueError naming it when it is not one.

    Exact inverse of :func:`design_name`: a name that is not the canonical name of its
    configuration (a missing or extra field) is refused, so one design has one name.
    """
    match = _DESIGN.match(name) if isinstance(name, str) else None
    if match is None:
        raise ValueError(f"not a design name: {name!r} (expected {_name_form()}, e.g. "
                         f"pe-sparq-b4-o5-ne-k1152, array-int8-4x4-k1152, window-sparq-b4-o3-tr)")
    block = match["block"]
    try:
        setting = parse_setting_tag(match["setting"])
    except ValueError as exc:       # a window setting the method does not have: sparq-b2-o5-ne
        raise ValueError(f"design {name!r}: {exc}") from None
    values = {"datapath": setting["kind"]}
    if setting["kind"] == "sparq":
        values.update(bits=setting["bits"], options=setting["options"],
                      rounding=setting["rounding"])
    for field, _, kind in _tag_fields():
        text = match[field]
        if text is None:
            continue
        values[field] = True if _is_bool(kind) else text if _is_str(kind) else int(text)
    try:
        config = SparqConfig(**values)
        canonical = design_name(block, config)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"design {name!r}: {exc}") from None
    if canonical != name:
        raise ValueError(f"design {name!r} is not a canonical design name; did you mean "
                         f"{canonical!r}?")
    return block, config
