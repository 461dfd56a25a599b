"""What a sweep covers: read from a TOML file (:func:`load`) or built from a dict
(:func:`from_dict`), then expanded into points (:meth:`Sweep.designs`).

A sweep file (every table and field optional; ``examples/sweep-small.toml``)::

    [sweep]
    name = "small"                       # a label for the report (default: the file name)
    output = "build/sweep/small"         # result folder (default build/sweep/<name>)

    [hardware]
    blocks = ["pe", "array"]             # blocks of hdl.naming.BLOCKS (default ["pe"])
    settings = ["sparq-b4-o5-ne"]        # setting tags (golden.tags), or the axes below
    datapaths = ["sparq"]                # crossed with bits, options and rounding
    bits = [4]
    options = [5, 3, 2]
    rounding = ["nearest-even", "truncate"]
    sizes = ["2x2", "4x4"]               # rows x cols, arrays and dotprod (default ["2x2"])
    pairs = [4, 8]                       # pairs per cycle, dotprod only (default [4])
    max_k = [1152]                       # PEs, arrays and dotprod (default [1152])
    baselines = true                     # add int8, a4w8 (and a3w8/a2w8 for 3-/2-bit windows)
    designs = ["pe-int8-k512"]           # more designs by name (any name hdl.naming parses)
                                         # or glob over synth's default set ("pe-*")

    [synthesis]
    targets = ["generic", "ice40", "ice40-pnr"]   # synth.targets (default ["generic"])
    seeds = [1, 2, 3]                    # placement seeds of the place-and-route targets

    [evaluation]
    networks = ["digits"]                # default ["digits"]; [] for none
    seeds = [0, 1]                       # one trained network per seed (default [0])

Every point is a design name (:func:`hdl.naming.design_name`, read back by
:func:`hdl.naming.parse_design_name`), a target and, for place-and-route targets, a seed; so a
design that ``hdl.naming`` can name joins sweeps without a change here. Errors are ValueError or
TypeError naming the field and the value (``hardware.options``), one line.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from evaluation import fashion
from golden.tags import parse_setting_tag, setting_tag
from hdl.blocks import BLOCKS, SPARQ_ONLY, takes
from hdl.config import FIELDS as CONFIG_FIELDS, SparqConfig
from hdl.naming import design_name, parse_design_name
from synth.designs import resolve
from synth.targets import TARGETS
from synth.tools import SynthError

__all__ = ["Sweep", "load", "from_dict", "FIELDS", "NETWORKS", "BASELINES"]

#: The evaluation networks a sweep can name: ``digits`` (evaluation.digits: a small CNN on
#: sklearn's digits) and ``fashion`` (evaluation.fashion: the residual CNN on Fashion-MNIST, from
#: ``evaluation.fashion_dir``, evaluated on the first ``evaluation.fashion_test`` test images).
NETWORKS = ("digits", "fashion")

#: Where the Fashion-MNIST files are unless ``evaluation.fashion_dir`` says (the Debian package's
#: folder, as ``make eval``), and how many test images a sweep evaluates by default (as make eval).
FASHION_DIR, FASHION_TEST = str(fashion.DEFAULT_DIR), fashion.DEFAULT_TEST

#: The two baselines added beside SPARQ (``baselines = true``): exact A8W8 and naive 4-bit.
BASELINES = ("int8", "a4w8")

#: Every table and field a sweep file may hold, with its type: "str", "int", "bool" or a list
#: of "str"/"int".
FIELDS = {
    "sweep": {"name": "str", "output": "str"},
    "hardware": {"blocks": ["str"], "settings": ["str"], "datapaths": ["str"], "bits": ["int"],
                 "options": ["int"], "rounding": ["str"], "sizes": ["str"], "pairs": ["int"],
                 "max_k": ["int"],
                 "baselines": "bool", "designs": ["str"]},
    "synthesis": {"targets": ["str"], "seeds": ["int"]},
    "evaluation": {"networks": ["str"], "seeds": ["int"], "fashion_dir": "str",
                   "fashion_test": "int"},
}

_DEFAULTS = {"hardware.blocks": ["pe"], "hardware.sizes": ["2x2"], "hardware.pairs": [4],
             "hardware.max_k": [1152],
             "hardware.baselines": True, "synthesis.targets": ["generic"],
             "synthesis.seeds": [1], "evaluation.networks": ["digits"], "evaluation.seeds": [0]}


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the design names, targets, seeds and evaluation runs it covers."""
    name: str
    output: str
    designs: tuple                  # design names, in order
    targets: tuple                  # target names
    seeds: tuple                    # placement seeds (place-and-route targets only)
    networks: tuple
    eval_seeds: tuple
    source: dict = field(default_factory=dict, compare=False)   # the fields as given
    fashion_dir: str = FASHION_DIR  # the Fashion-MNIST files (network fashion)
    fashion_test: int = FASHION_TEST   # its test images evaluated, the first N of the official set

    def network_data(self, network):
        """What the data of ``network`` depends on besides the seed (part of its task keys)."""
        if network == "fashion":
            return {"fashion_dir": self.fashion_dir, "fashion_test": self.fashion_test}
        return {}

    @property
    def settings(self):
        """Setting tags of the designs, in order (what the evaluation runs)."""
        out = []
        for name in self.designs:
            from hdl.naming import setting_of
            tag = setting_of(parse_design_name(name)[1])
            if tag not in out:
                out.append(tag)
        return tuple(out)

    def points(self):
        """``[(design, target, seed or None)]``: one per synthesis result of the sweep."""
        out = []
        for d in self.designs:
            for t in self.targets:
                seeds = self.seeds if TARGETS[t].pnr else (None,)
                out += [(d, t, s) for s in seeds]
        return out


def _type_error(where, kind, value):
    what = {"str": "a string", "int": "an integer", "bool": "true or false"}
    if isinstance(kind, list):
        return TypeError(f"{where} must be a list of {what[kind[0]].split(' ', 1)[1]}s, not "
                         f"{value!r}")
    return TypeError(f"{where} must be {what[kind]}, not {value!r}")


def _is(kind, value):
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {"str": str, "bool": bool}[kind])


def _check_types(doc, prefix):
    if not isinstance(doc, dict):
        raise TypeError(f"{prefix}a sweep must be a table of tables, not {doc!r}")
    out = {}
    for table, fields in doc.items():
        if table not in FIELDS:
            raise ValueError(f"{prefix}unknown table [{table}] (known: "
                             f"{', '.join(FIELDS)})")
        if not isinstance(fields, dict):
            raise TypeError(f"{prefix}[{table}] must be a table, not {fields!r}")
        for name, value in fields.items():
            where = f"{table}.{name}"
            if name not in FIELDS[table]:
                raise ValueError(f"{prefix}unknown field {where!r} (known in [{table}]: "
                                 f"{', '.join(FIELDS[table])})")
            kind = FIELDS[table][name]
            if isinstance(kind, list):
                if not isinstance(value, list) or not all(_is(kind[0], v) for v in value):
                    raise _type_error(f"{prefix}{where}", kind, value)
                if len(set(map(repr, value))) != len(value):
                    raise ValueError(f"{prefix}{where} lists a value twice: {value!r}")
            elif not _is(kind, value):
                raise _type_error(f"{prefix}{where}", kind, value)
            out[where] = value
    return out


def _settings(get, where_prefix):
    # Setting tags: given, or the cross of datapaths x bits x options x rounding (golden.tags
    # checks each combination); SPARQ first, then the baselines.
    tags = []
    given = get("hardware.settings")
    axes = [a for a in ("datapaths", "bits", "options", "rounding") if get(f"hardware.{a}")]
    if given is not None and axes:
        raise ValueError(f"{where_prefix}hardware.settings and hardware.{axes[0]} exclude each "
                         f"other: give setting tags or the axes that make them")
    if given is not None:
        for tag in given:
            try:
                parse_setting_tag(tag)
            except ValueError as exc:
                raise ValueError(f"{where_prefix}hardware.settings: {exc}") from None
            tags.append(tag)
    elif axes:
        datapaths = get("hardware.datapaths") or ["sparq"]
        for dp in datapaths:
            if dp == "sparq":
                for bits in get("hardware.bits") or [4]:
                    for options in get("hardware.options") or [None]:
                        for rounding in get("hardware.rounding") or ["nearest-even"]:
                            try:
                                tags.append(setting_tag("sparq", bits=bits, options=options,
                                                        rounding=rounding))
                            except (ValueError, TypeError) as exc:
                                raise ValueError(f"{where_prefix}hardware.bits/options/rounding "
                                                 f"(bits={bits}, options={options}, "
                                                 f"rounding={rounding!r}): {exc}") from None
            else:
                try:
                    tags.append(setting_tag(dp))
                except ValueError as exc:
                    raise ValueError(f"{where_prefix}hardware.datapaths: {exc}") from None
    elif get("hardware.designs") is None:
        tags.append("sparq-b4-o5-ne")
    if get("hardware.baselines", True) and tags:
        # int8, a4w8, and the naive baseline of each narrower window width in the sweep.
        narrow = [f"a{b}w8" for b in (3, 2)
                  if any(parse_setting_tag(t)["bits"] == b for t in tags)]
        tags += [b for b in BASELINES + tuple(narrow) if b not in tags]
    return list(dict.fromkeys(tags))


def _size(text, prefix):
    parts = text.split("x")
    if len(parts) != 2 or not all(p.isdigit() and p[0] != "0" for p in parts):
        raise ValueError(f"{prefix}hardware.sizes: {text!r} is not a size ROWSxCOLS like '4x4'")
    return int(parts[0]), int(parts[1])


def _design(block, setting, sizes, prefix):
    # The design name of hdl.naming for `block` at setting tag `setting` and the size fields
    # `sizes` the block takes; a configuration the generator refuses is named by the name it
    # would have had.
    tag = parse_setting_tag(setting)
    values = {"datapath": tag["kind"], **sizes}
    if tag["kind"] == "sparq":
        values.update(bits=tag["bits"], options=tag["options"], rounding=tag["rounding"])
    try:
        return design_name(block, SparqConfig(**values))
    except (ValueError, TypeError) as exc:
        name = f"{block}-{setting}" + "".join(
            CONFIG_FIELDS[f].tag.format(sizes[f]) for f in CONFIG_FIELDS if f in sizes)
        raise ValueError(f"{prefix}hardware: design {name!r}: {exc}") from None


def _size_choices(block, get, sizes):
    # Every combination of the size axes the block takes (rows x cols, max_k, pairs).
    # (max_k outermost, then the size, then pairs: the order sweep files have always listed.)
    out = [{}]
    if takes(block, "max_k"):
        out = [{**o, "max_k": k} for o in out for k in get("hardware.max_k")]
    if takes(block, "rows"):
        out = [{**o, "rows": r, "cols": c} for o in out for r, c in sizes]
    if takes(block, "pairs"):
        out = [{**o, "pairs": p} for o in out for p in get("hardware.pairs")]
    return out


def from_dict(doc, *, name="sweep", where=None):
    """A :class:`Sweep` from a dict shaped as a sweep file (see the module docstring).

    ``where`` (e.g. the file name) starts every error message."""
    prefix = f"sweep file {where!r}: " if where else ""
    values = _check_types(doc, prefix)

    def get(key, default=None):
        return values.get(key, _DEFAULTS.get(key, default))

    blocks = get("hardware.blocks")
    for b in blocks:
        if b not in BLOCKS:
            raise ValueError(f"{prefix}hardware.blocks: unknown block {b!r} (known: "
                             f"{', '.join(BLOCKS)})")
    sizes = [_size(s, prefix) for s in get("hardware.sizes")]
    for k in get("hardware.max_k"):
        if k < 1:
            raise ValueError(f"{prefix}hardware.max_k must hold positive integers, not {k}")
    designs = []
    for setting in _settings(get, prefix):
        for block in blocks:
            if block in SPARQ_ONLY and parse_setting_tag(setting)["kind"] != "sparq":
                continue            # the baselines have no window or pair logic
            for chosen in _size_choices(block, get, sizes):
                designs.append(_design(block, setting, chosen, prefix))
    for pattern in get("hardware.designs") or []:
        try:
            designs += [d.name for d in resolve([pattern])]
        except SynthError as exc:
            raise ValueError(f"{prefix}hardware.designs: {exc}") from None
    designs = list(dict.fromkeys(designs))
    if not designs:
        raise ValueError(f"{prefix}hardware: the sweep has no design")

    targets = get("synthesis.targets")
    for t in targets:
        if t not in TARGETS:
            raise ValueError(f"{prefix}synthesis.targets: unknown target {t!r} (known: "
                             f"{', '.join(TARGETS)})")
        if TARGETS[t].needs_liberty:
            raise ValueError(f"{prefix}synthesis.targets: target {t!r} needs a liberty file, "
                             f"which sweeps do not take; use sparq-rtl synth --liberty")
    seeds = get("synthesis.seeds")
    if not seeds:
        raise ValueError(f"{prefix}synthesis.seeds must hold at least one seed")
    for s in seeds:
        if not 0 <= s < 1 << 64:
            raise ValueError(f"{prefix}synthesis.seeds: {s} is not a placement seed "
                             f"(0..{(1 << 64) - 1})")
    networks = get("evaluation.networks")
    for n in networks:
        if n not in NETWORKS:
            raise ValueError(f"{prefix}evaluation.networks: unknown network {n!r} (known: "
                             f"{', '.join(NETWORKS)})")
    eval_seeds = get("evaluation.seeds")
    if networks and not eval_seeds:
        raise ValueError(f"{prefix}evaluation.seeds must hold at least one seed when "
                         f"evaluation.networks is not empty")
    for s in eval_seeds:
        if s < 0:
            raise ValueError(f"{prefix}evaluation.seeds must hold non-negative integers, not {s}")
    fashion_test = get("evaluation.fashion_test", FASHION_TEST)
    if fashion_test < 1:
        raise ValueError(f"{prefix}evaluation.fashion_test must be at least 1, not {fashion_test}")
    label = get("sweep.name", name)
    output = get("sweep.output", f"build/sweep/{label}")
    return Sweep(name=label, output=output, designs=tuple(designs), targets=tuple(targets),
                 seeds=tuple(seeds), networks=tuple(networks), eval_seeds=tuple(eval_seeds),
                 source=values, fashion_dir=get("evaluation.fashion_dir", FASHION_DIR),
                 fashion_test=fashion_test)


def load(path, overrides=None):
    """The :class:`Sweep` of TOML file ``path``; ``overrides`` (``{"table.field": value}``,
    e.g. from the command line) replace the file's fields. ValueError naming the file and the
    field for anything wrong, a TOML syntax error included."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"sweep file {str(path)!r} cannot be read: {exc.strerror or exc}") \
            from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"sweep file {str(path)!r}: not valid TOML: {exc}") from None
    return from_dict(merge(doc, overrides), name=path.stem, where=str(path))


def merge(doc, overrides):
    """``doc`` with ``overrides`` (``{"table.field": value}``) put in."""
    doc = {t: dict(v) if isinstance(v, dict) else v for t, v in doc.items()}
    for key, value in (overrides or {}).items():
        table, name = key.split(".")
        if not isinstance(doc.setdefault(table, {}), dict):
            doc[table] = {}
        doc[table][name] = value
    return doc
