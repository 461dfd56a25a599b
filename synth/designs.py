"""Named designs for the synthesis reports, all generated through :mod:`hdl.generate`.

Design names::

    window-sparq-o5-ne       window selector alone (options 5|3|2, rounding ne|tr)
    pair-sparq-o3-tr         pair encoder alone
    pe-sparq-o5-ne           one processing element; pe-int8, pe-a4w8 for the baselines
    array4x4-sparq-o2-ne     rows x cols systolic array (per-row encoders included); array8x8-int8
    ...-k512                 optional suffix: max_k (accumulator sizing), default 1152

Patterns with ``*`` and ``?`` select from the default set (:func:`resolve`).
"""

import fnmatch
import hashlib
import re
from dataclasses import dataclass

from .tools import SynthError

__all__ = ["Design", "DEFAULT_DESIGNS", "parse_design", "resolve", "generate_verilog",
           "VARIANTS", "TOP"]

#: Module name of every generated design top: fixed, so that identical hardware gives identical
#: text (and one cache entry) whatever the design is called.
TOP = "dut"

SPARQ_VARIANTS = tuple(f"sparq-o{o}-{r}" for o in (5, 3, 2) for r in ("ne", "tr"))
VARIANTS = SPARQ_VARIANTS + ("int8", "a4w8")
_ROUNDING = {"ne": "nearest-even", "tr": "truncate"}

_NAME = re.compile(r"^(?P<block>window|pair|pe|array(?P<rows>\d+)x(?P<cols>\d+))-"
                   r"(?P<variant>sparq-o(?P<options>\d+)-(?P<rounding>ne|tr)|int8|a4w8)"
                   r"(?:-k(?P<max_k>\d+))?$")


@dataclass(frozen=True)
class Design:
    """One design: a block of :mod:`hdl.generate` and its configuration."""
    name: str
    block: str            # window | pair | pe | array
    config: object        # hdl.config.SparqConfig

    @property
    def variant(self):
        """``sparq-o5-ne``, ``int8`` or ``a4w8``."""
        c = self.config
        if c.datapath != "sparq":
            return c.datapath
        return f"sparq-o{c.options}-{'ne' if c.rounding == 'nearest-even' else 'tr'}"

    @property
    def scale(self):
        """``window``, ``pair``, ``pe`` or ``array<R>x<C>``: what is compared with what."""
        if self.block == "array":
            return f"array{self.config.rows}x{self.config.cols}"
        return self.block

    @property
    def pes(self):
        """Processing elements in the design (0 for the encoders alone)."""
        if self.block == "array":
            return self.config.rows * self.config.cols
        return 1 if self.block == "pe" else 0

    @property
    def macs_per_cycle(self):
        """Multiply-accumulates per clock cycle at full throughput: one pair = 2 MACs per PE."""
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
        return out


def parse_design(name):
    """The :class:`Design` called ``name``; :class:`SynthError` naming it when it is not one."""
    from hdl.config import SparqConfig
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise SynthError(f"unknown design {name!r} (expected e.g. pe-sparq-o5-ne, pe-int8, "
                         f"array8x8-a4w8, window-sparq-o3-tr; see --list)")
    g = match.groupdict()
    block = "array" if g["rows"] else g["block"]
    fields = {}
    if g["options"]:
        fields.update(datapath="sparq", options=int(g["options"]), rounding=_ROUNDING[g["rounding"]])
    else:
        fields["datapath"] = g["variant"]
        if block in ("window", "pair"):
            raise SynthError(f"unknown design {name!r}: {block} exists for the sparq datapath only")
    if g["rows"]:
        fields.update(rows=int(g["rows"]), cols=int(g["cols"]))
    if g["max_k"]:
        if block in ("window", "pair"):
            raise SynthError(f"unknown design {name!r}: -k applies to pe and array only")
        fields["max_k"] = int(g["max_k"])
    try:
        config = SparqConfig(**fields)
    except (ValueError, TypeError) as exc:
        raise SynthError(f"unknown design {name!r}: {exc}") from None
    return Design(name, block, config)


def _default_names():
    names = [f"window-{v}" for v in SPARQ_VARIANTS] + [f"pair-{v}" for v in SPARQ_VARIANTS]
    for scale in ("pe", "array4x4", "array8x8"):
        names += [f"{scale}-{v}" for v in VARIANTS]
    return tuple(names)


#: The default set of the reports: encoders alone, PE, 4x4 and 8x8 arrays for every datapath.
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
