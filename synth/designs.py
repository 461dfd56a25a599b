"""Named designs for the synthesis reports, all generated through :mod:`hdl.generate`.

Design names are the project's design names (:mod:`hdl.naming`)::

    window-sparq-b4-o5-ne            window selector alone (b4: options 5|3|2; b3-o6; b2-o7;
                                     rounding ne|tr)
    pair-sparq-b4-o3-tr              pair encoder alone
    pe-sparq-b4-o5-ne-k1152          one processing element; pe-int8-k1152, pe-a4w8-k1152,
                                     pe-sparq-b3-o6-ne-k1152, pe-a3w8-k1152, pe-a2w8-k1152
    array-sparq-b4-o2-ne-4x4-k1152   rows x cols systolic array (per-row encoders included)
    pe-int8-k1152-stc                2:4 structured-sparse PE; array-sparq-b4-o5-ne-2x2-k1152-stc
    dotprod-int8-4x4p4-k1152         rows x cols dot-product unit, 2 * pairs positions per cycle

Any configuration can be named (e.g. ``pe-int8-k512``); the default set uses max_k 1152.

Patterns with ``*`` and ``?`` select from the default set (:func:`resolve`).
"""

import fnmatch
import hashlib
from dataclasses import dataclass

import golden.tags as _tags
from hdl.blocks import BLOCK_TABLE
from hdl.config import FIELDS, STC_DATAPATHS, SparqConfig

from .tools import SynthError

__all__ = ["Design", "MACS_PER_CYCLE", "DEFAULT_DESIGNS", "parse_design", "resolve", "generate_verilog",
           "VARIANTS", "TOP"]

#: Module name of every generated design top: fixed, so that identical hardware gives identical
#: text (and one cache entry) whatever the design is called.
TOP = "dut"

#: Setting tags (golden.tags) of the hardware datapaths: every SPARQ window width, option and
#: rounding, then the baselines (int8 and the naive baseline of each window width).
SPARQ_VARIANTS = _tags.SPARQ_SETTINGS
VARIANTS = _tags.SETTINGS
#: Setting tags with a 2:4 structured-sparse design (``stc=True``) in the default set: SPARQ's
#: 4-bit windows (every option, nearest-even) and every other datapath that has a 2:4 form.
STC_VARIANTS = (tuple(f"sparq-b4-o{o}-ne" for b, o in _tags.SPARQ_WINDOWS if b == 4)
                + tuple(d for d in STC_DATAPATHS if d != "sparq"))


#: Multiply-accumulates per clock cycle at full throughput, by block, from the configuration
#: (:attr:`hdl.blocks.Block.macs_per_cycle`): one pair (2 MACs) per PE per cycle. A block that
#: multiplies joins the throughput-per-area table (:mod:`synth.throughput`); blocks that do not
#: (the encoders) count 0 and stay out of it.
MACS_PER_CYCLE = {name: b.macs_per_cycle for name, b in BLOCK_TABLE.items()
                  if b.macs_per_cycle(SparqConfig()) > 0}


@dataclass(frozen=True)
class Design:
    """One design: a block of :mod:`hdl.generate` and its configuration."""
    name: str
    block: str            # window | pair | pe | array
    config: object        # hdl.config.SparqConfig

    @property
    def variant(self):
        """The setting tag: ``sparq-b4-o5-ne``, ``sparq-b3-o6-ne``, ``int8``, ``a4w8``, ...;
        ``-pipe`` appended with the split multiply stage (``mul_pipe``) and ``-pack`` with the
        packed products of the dot-product unit (``dsp_pack``), which the reports compare as
        datapaths of their own."""
        from hdl.naming import setting_of
        return setting_of(self.config) + "".join(
            FIELDS[f].tag for f in ("mul_pipe", "dsp_pack") if getattr(self.config, f))

    @property
    def scale(self):
        """``window``, ``pair``, ``pe`` or ``array<R>x<C>``: what is compared with what."""
        suffix = "-stc" if self.config.stc else ""       # 2:4 designs compare among themselves
        if self.block == "array":
            return f"array{self.config.rows}x{self.config.cols}{suffix}"
        if self.block == "dotprod":
            return f"dotprod{self.config.rows}x{self.config.cols}p{self.config.pairs}"
        return self.block + suffix

    @property
    def pes(self):
        """Processing elements in the design (0 for the encoders alone); for the dot-product unit
        its pair multipliers, ``rows * cols * pairs`` (each the multiply work of one PE)."""
        return BLOCK_TABLE[self.block].pes(self.config)

    @property
    def kept_modules(self):
        """Modules the area runs keep whole: the block inside a port-renaming wrapper (the
        AXI4-Stream top, :class:`hdl.axis.AxisArray`), so the report shows the wrapper's own
        cells and not a re-mapping of the block (see :func:`synth.flow._yosys_script`)."""
        if self.config.interface == "axis":
            from hdl.axis import WRAPPED
            return (f"{TOP}.{WRAPPED}",)
        return ()

    @property
    def macs_per_cycle(self):
        """Multiply-accumulates per clock cycle at full throughput (:data:`MACS_PER_CYCLE`)."""
        rule = MACS_PER_CYCLE.get(self.block)
        return 0 if rule is None else rule(self.config)

    @property
    def positions_per_cycle(self):
        """Reduction positions per clock cycle at full throughput (dense-equivalent MACs): 2 per
        PE and per pair multiplier of the dot-product unit, 4 per 2:4 PE (a group of four, of
        which two have non-zero weights)."""
        return self.config.k_per_transfer * self.pes

    def describe(self):
        c = self.config
        out = {"name": self.name, "block": self.block, "scale": self.scale,
               "variant": self.variant, "macs_per_cycle": self.macs_per_cycle,
               "positions_per_cycle": self.positions_per_cycle, "datapath": c.datapath}
        if c.stc:
            out["stc"] = True
        if c.datapath == "sparq":
            out.update(options=c.options, rounding=c.rounding)
            if c.bits != 4:
                # (4-bit designs keep their description, and so their stored results' keys.)
                out["bits"] = c.bits
        if self.block in ("pe", "array"):
            out.update(max_k=c.max_k, acc_width=c.acc_width)
        if c.mul_pipe:
            out.update(mul_pipe=True)
        if c.dsp_pack:
            out.update(dsp_pack=True)
        if self.block == "array":
            out.update(rows=c.rows, cols=c.cols)
        if self.block == "dotprod":
            from hdl.dotprod import acc_width
            out.update(max_k=c.max_k, acc_width=acc_width(c), rows=c.rows, cols=c.cols,
                       pairs=c.pairs)
        return out


def parse_design(name):
    """The :class:`Design` called ``name``; :class:`SynthError` naming it when it is not one."""
    from hdl.naming import parse_design_name
    try:
        block, config = parse_design_name(name)
    except (ValueError, TypeError) as exc:
        raise SynthError(f"{exc} (see --list)") from None
    return Design(name, block, config)


def _default_names():
    from hdl.config import SparqConfig
    from hdl.naming import design_name, parse_setting_tag
    configs = {}
    for v in VARIANTS:
        tag = parse_setting_tag(v)
        configs[v] = ({"datapath": "sparq", "bits": tag["bits"], "options": tag["options"],
                       "rounding": tag["rounding"]}
                      if tag["kind"] == "sparq" else {"datapath": v})
    names = [design_name(b, SparqConfig(**configs[v])) for b in ("window", "pair")
             for v in SPARQ_VARIANTS]
    names += [design_name("pe", SparqConfig(**configs[v])) for v in VARIANTS]
    for size in (4, 8):
        names += [design_name("array", SparqConfig(**configs[v], rows=size, cols=size))
                  for v in VARIANTS]
    # 2:4 structured-sparse PEs and arrays: SPARQ (every option, nearest-even) and int8.
    names += [design_name("pe", SparqConfig(**configs[v], stc=True)) for v in STC_VARIANTS]
    for size in (2, 4):
        names += [design_name("array", SparqConfig(**configs[v], rows=size, cols=size, stc=True))
                  for v in STC_VARIANTS]
    # The dense int8 array with the 2:4 2x2 array's reduction positions per cycle (8 PEs x 2).
    names += [design_name("array", SparqConfig(datapath="int8", rows=2, cols=4))]
    # The dot-product unit's default shape, 4x4 outputs, 4 pairs per cycle.
    names += [design_name("dotprod", SparqConfig(**configs[v], rows=4, cols=4, pairs=4))
              for v in VARIANTS]
    return tuple(names)


#: The default set of the reports: encoders alone, PE, 4x4 and 8x8 arrays and the 4x4p4
#: dot-product unit for every datapath.
DEFAULT_DESIGNS = _default_names()


def resolve(patterns=None):
    """Designs for ``patterns`` (names or globs over :data:`DEFAULT_DESIGNS`), in the given order.

    ``None`` or empty means the whole default set. A pattern matching nothing is an error.
    """
    if not patterns:
        patterns = ["*"]
    out = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            names = fnmatch.filter(DEFAULT_DESIGNS, pattern)
            if not names:
                raise SynthError(f"unknown design {pattern!r}: the pattern matches no design of "
                                 f"the default set (see --list)")
        else:
            names = [pattern]
        for name in names:
            design = parse_design(name)
            if design not in out:
                out.append(design)
    return out


def generate_verilog(design):
    """Verilog text of ``design`` with top module :data:`TOP`, and its SHA-256."""
    from hdl import generate
    text = generate.verilog(design.block, design.config, name=TOP)
    return text, hashlib.sha256(text.encode()).hexdigest()
