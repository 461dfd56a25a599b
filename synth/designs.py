"""Named designs for the synthesis reports, all generated through :mod:`hdl.generate`.

Design names are the project's design names (:mod:`hdl.naming`)::

    window-sparq-b4-o5-ne            window selector alone (options 5|3|2, rounding ne|tr)
    pair-sparq-b4-o3-tr              pair encoder alone
    pe-sparq-b4-o5-ne-k1152          one processing element; pe-int8-k1152, pe-a4w8-k1152
    array-sparq-b4-o2-ne-4x4-k1152   rows x cols systolic array (per-row encoders included)
    dotprod-int8-4x4p4-k1152         rows x cols dot-product unit, 2 * pairs positions per cycle

Any configuration can be named (e.g. ``pe-int8-k512``); the default set uses max_k 1152.

Patterns with ``*`` and ``?`` select from the default set (:func:`resolve`).
"""

import fnmatch
import hashlib
from dataclasses import dataclass

from .tools import SynthError

__all__ = ["Design", "DEFAULT_DESIGNS", "parse_design", "resolve", "generate_verilog",
           "VARIANTS", "TOP"]

#: Module name of every generated design top: fixed, so that identical hardware gives identical
#: text (and one cache entry) whatever the design is called.
TOP = "dut"

#: Setting tags (golden.tags) of the hardware datapaths: every SPARQ option and rounding, then
#: the baselines.
SPARQ_VARIANTS = tuple(f"sparq-b4-o{o}-{r}" for o in (5, 3, 2) for r in ("ne", "tr"))
VARIANTS = SPARQ_VARIANTS + ("int8", "a4w8")


@dataclass(frozen=True)
class Design:
    """One design: a block of :mod:`hdl.generate` and its configuration."""
    name: str
    block: str            # window | pair | pe | array
    config: object        # hdl.config.SparqConfig

    @property
    def variant(self):
        """The setting tag: ``sparq-b4-o5-ne``, ``int8`` or ``a4w8``."""
        from hdl.naming import setting_of
        return setting_of(self.config)

    @property
    def scale(self):
        """``window``, ``pair``, ``pe`` or ``array<R>x<C>``: what is compared with what."""
        if self.block == "array":
            return f"array{self.config.rows}x{self.config.cols}"
        if self.block == "dotprod":
            return f"dotprod{self.config.rows}x{self.config.cols}p{self.config.pairs}"
        return self.block

    @property
    def pes(self):
        """Processing elements in the design (0 for the encoders alone); for the dot-product unit
        its pair multipliers, ``rows * cols * pairs`` (each the multiply work of one PE)."""
        if self.block == "array":
            return self.config.rows * self.config.cols
        if self.block == "dotprod":
            return self.config.rows * self.config.cols * self.config.pairs
        return 1 if self.block == "pe" else 0

    @property
    def macs_per_cycle(self):
        """Multiply-accumulates per clock cycle at full throughput: one pair = 2 MACs per PE;
        the dot-product unit ``2 * pairs * rows * cols``."""
        return 2 * self.pes

    def describe(self):
        c = self.config
        out = {"name": self.name, "block": self.block, "scale": self.scale,
               "variant": self.variant, "macs_per_cycle": self.macs_per_cycle,
               "datapath": c.datapath}
        if c.datapath == "sparq":
            out.update(options=c.options, rounding=c.rounding)
        if self.block in ("pe", "array"):
            out.update(max_k=c.max_k, acc_width=c.acc_width)
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
        configs[v] = ({"datapath": "sparq", "options": tag["options"], "rounding": tag["rounding"]}
                      if tag["kind"] == "sparq" else {"datapath": v})
    names = [design_name(b, SparqConfig(**configs[v])) for b in ("window", "pair")
             for v in SPARQ_VARIANTS]
    names += [design_name("pe", SparqConfig(**configs[v])) for v in VARIANTS]
    for size in (4, 8):
        names += [design_name("array", SparqConfig(**configs[v], rows=size, cols=size))
                  for v in VARIANTS]
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
