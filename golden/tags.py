"""Setting tags: the one short name of an arithmetic setting, used everywhere in the project.

A setting is what a dot product computes: the SPARQ kernel with a window width, option count and
rounding, or a plain exact product of 8-bit (``int8``) or naive N-bit (``a4w8``, ``a3w8``,
``a2w8``) activations with 8-bit weights. Its tag is::

    int8                    A8W8, exact (golden.exact_gemm)
    a4w8                    naive 4-bit activations (0..15) times 8-bit weights, exact
    a3w8, a2w8              naive 3-bit (0..7) and 2-bit (0..3) activations, exact
    sparq-b<bits>-o<options>-<ne|tr>
                            SPARQ with <bits>-bit windows, <options> positions, rounding
                            ne = nearest-even (the reference's ROUND), tr = truncate (RAW)

e.g. ``sparq-b4-o5-ne`` (the paper's main setting). Hardware module names, simulation build folders,
synthesis design names and evaluation settings are all built from it (``hdl.naming``). The
conformance vector files keep the authors' names: :func:`vector_setting` maps them.
"""

import re

from .sparq import DEFAULT_OPTIONS, LONE_WINDOW, ROUNDINGS, WINDOWS

__all__ = ["KINDS", "NAIVE_WIDTHS", "ROUNDING_TAGS", "SPARQ_WINDOWS", "SETTINGS", "EXACT_SETTINGS",
           "SPARQ_SETTINGS", "TAG_PATTERN", "setting_tag", "parse_setting_tag", "vector_setting"]

#: The naive baselines ``a<N>w8`` and their activation width N: N-bit activations (0..2**N - 1)
#: times 8-bit weights, exact. This table is the one list of them: the hardware datapaths
#: (:data:`hdl.config.DATAPATHS`), the synthesis designs, the evaluation settings and the tag
#: pattern below are all derived from it.
NAIVE_WIDTHS = {"a4w8": 4, "a3w8": 3, "a2w8": 2}

#: Kinds of setting: the SPARQ kernel, and the exact baselines (8-bit and naive N-bit
#: activations, :data:`NAIVE_WIDTHS`).
KINDS = ("sparq", "int8") + tuple(NAIVE_WIDTHS)

#: The SPARQ windows of a pair, ``(bits, options)``, in catalogue order: every entry of
#: :data:`golden.sparq.WINDOWS` whose width has a vSPARQ lone-value rule (the 6-bit window is a
#: lone activation's window under 3-bit windows only, not a setting of its own).
SPARQ_WINDOWS = tuple(key for key in WINDOWS if key[0] in LONE_WINDOW)

#: Short rounding names in tags.
ROUNDING_TAGS = {"nearest-even": "ne", "truncate": "tr"}

#: A regular expression (no anchors, no groups) that matches every setting tag, for patterns of
#: longer names that embed one (:mod:`hdl.naming`).
TAG_PATTERN = (r"(?:" + "|".join(("int8",) + tuple(NAIVE_WIDTHS))
               + r"|sparq-b\d+-o\d+-(?:" + "|".join(ROUNDING_TAGS.values()) + r"))")

_TAG = re.compile(r"(?:(?P<plain>" + "|".join(("int8",) + tuple(NAIVE_WIDTHS)) + r")|sparq-b"
                  r"(?P<bits>[1-9])-o(?P<options>[1-9])-(?P<r>" + "|".join(ROUNDING_TAGS.values())
                  + r"))\Z")


def setting_tag(kind, *, bits=4, options=None, rounding="nearest-even"):
    """The tag of a setting, e.g. ``setting_tag("sparq", options=3, rounding="truncate")`` is
    ``"sparq-b4-o3-tr"``; ``setting_tag("int8")`` is ``"int8"`` (window arguments must then be
    left at their defaults). Raises ValueError/TypeError naming a bad argument."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind != "sparq":
        if (bits, options, rounding) != (4, None, "nearest-even"):
            raise ValueError(f"bits, options and rounding apply to the sparq kind only; kind "
                             f"{kind!r} got bits={bits!r}, options={options!r}, "
                             f"rounding={rounding!r}")
        return kind
    for name, value in (("bits", bits), ("options", options)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"{name} must be an integer, not {value!r}")
    if options is None:
        options = DEFAULT_OPTIONS.get(bits)
    if (bits, options) not in WINDOWS or bits == 6:
        raise ValueError(f"no SPARQ setting with bits={bits!r}, options={options!r}; known: "
                         + ", ".join(f"bits={b} options={o}" for b, o in WINDOWS if b != 6))
    if rounding not in ROUNDING_TAGS:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {rounding!r}")
    return f"sparq-b{bits}-o{options}-{ROUNDING_TAGS[rounding]}"


def parse_setting_tag(tag):
    """Inverse of :func:`setting_tag`: ``{"kind", "bits", "options", "rounding"}`` (the window
    fields are None for the exact kinds). Raises ValueError naming the tag when it is not one."""
    match = _TAG.match(tag) if isinstance(tag, str) else None
    if match is None:
        raise ValueError(f"not a setting tag: {tag!r} (expected {', '.join(KINDS[1:])} or "
                         f"sparq-b<bits>-o<options>-<ne|tr>, e.g. sparq-b4-o5-ne)")
    if match["plain"]:
        return {"kind": match["plain"], "bits": None, "options": None, "rounding": None}
    rounding = {v: k for k, v in ROUNDING_TAGS.items()}[match["r"]]
    out = {"kind": "sparq", "bits": int(match["bits"]), "options": int(match["options"]),
           "rounding": rounding}
    # Round trip: rejects window settings the method does not have (e.g. sparq-b4-o4-ne).
    setting_tag("sparq", bits=out["bits"], options=out["options"], rounding=rounding)
    return out


def vector_setting(name):
    """The setting tag of a conformance vector set named as the authors' files are
    (``bg4_opt5_round`` -> ``sparq-b4-o5-ne``, ``bg3_opt6_raw`` -> ``sparq-b3-o6-tr``)."""
    match = re.fullmatch(r"(?:vectors_)?bg(\d)_opt(\d)_(round|raw)(?:\.npz)?", str(name))
    if match is None:
        raise ValueError(f"not a conformance vector name: {name!r}")
    return setting_tag("sparq", bits=int(match[1]), options=int(match[2]),
                       rounding="nearest-even" if match[3] == "round" else "truncate")


#: Every SPARQ setting tag: each window of :data:`SPARQ_WINDOWS` with each rounding.
SPARQ_SETTINGS = tuple(setting_tag("sparq", bits=b, options=o, rounding=r)
                       for b, o in SPARQ_WINDOWS for r in ROUNDINGS)

#: The exact settings: ``int8`` and the naive baselines.
EXACT_SETTINGS = KINDS[1:]

#: Every setting tag, SPARQ first: the catalogue the hardware, synthesis and evaluation lists
#: are derived from.
SETTINGS = SPARQ_SETTINGS + EXACT_SETTINGS
