"""The DSP-packing experiment: several SPARQ 4b x 8b products per DSP multiplier.

::

    python -m synth.dsp_packing [-o DIR] [--jobs N] [--lanes 2 3]

Synthesizes :class:`hdl.packed_mul.PackedMultiplier` for K lanes in both forms, packed (one
4 x (12K-3)-bit multiply) and separate (K 4 x 8-bit multiplies), on the targets with DSPs
(``ecp5``, ``xc7``, ``ice40-dsp``) and without (``ecp5-nodsp``, ``xc7-nodsp``), through the same
flow as ``sparq-rtl synth`` (:func:`synth.flow.run_many`: results in ``DIR/json``, reused when
unchanged), and writes ``DIR/dsp_packing.md``: DSPs, LUTs and products per DSP of each. An int8
product needs one DSP (the ``pe-int8`` rows of the ``sparq-rtl synth`` DSP table: two products,
two DSPs); the packed form wins where it puts K products into one DSP at a small LUT cost.
"""

import argparse
import sys
from pathlib import Path

from .flow import Source, run_many
from .targets import TARGETS
from .tools import tool_versions

__all__ = ["TARGET_NAMES", "sources", "rows", "markdown", "main"]

TARGET_NAMES = ("ecp5", "xc7", "ice40-dsp", "ecp5-nodsp", "xc7-nodsp")
TOP = "dut"


def sources(lanes=(2, 3)):
    """:class:`synth.flow.Source` of each (lanes, packed or separate) multiplier."""
    from amaranth.back import verilog
    from hdl.packed_mul import PackedMultiplier
    out = []
    for k in lanes:
        for packed in (True, False):
            name = f"mul4x8-k{k}-{'packed' if packed else 'separate'}"
            text = verilog.convert(PackedMultiplier(k, packed=packed), name=TOP, emit_src=False)
            out.append(Source(name, TOP, text, {"name": name, "block": "packed_mul", "lanes": k,
                                                 "packed": packed, "products": k}))
    return out


def rows(results):
    """``[{name, lanes, packed, target, dsps, luts, products_per_dsp}]`` of the ok results."""
    out = []
    for r in results:
        if r is None or r.get("status") != "ok":
            continue
        d, m = r["design"], r["metrics"]
        dsps = m.get("dsps", 0)
        out.append({"name": d["name"], "lanes": d["lanes"], "packed": d["packed"],
                    "target": r["target"], "dsps": dsps, "luts": m.get("luts"),
                    "products_per_dsp": d["products"] / dsps if dsps else None})
    return out


def markdown(table, versions, command):
    lines = ["# DSP packing: 4b x 8b products per DSP", "", f"Command: `{command}`", ""]
    lines += [f"- {t}: {v['version']} (`{v['package']}`)" for t, v in versions.items()]
    lines += ["", "| multiplier | target | DSPs | LUTs | products per DSP |",
              "|---|---|---:|---:|---:|"]
    for r in table:
        per = "-" if r["products_per_dsp"] is None else f"{r['products_per_dsp']:.2f}"
        lines.append(f"| {r['name']} | {r['target']} | {r['dsps']} | {r['luts']} | {per} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m synth.dsp_packing", allow_abbrev=False,
                                     description="DSP-packing experiment for 4b x 8b products")
    parser.add_argument("-o", "--output", default="build/synth-packed", metavar="DIR")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lanes", type=int, nargs="+", default=[2, 3], metavar="K")
    args = parser.parse_args(argv)
    srcs = sources(tuple(args.lanes))
    jobs = [(s, TARGETS[t]) for s in srcs for t in TARGET_NAMES]
    results, failures = run_many(jobs, args.output, workers=args.jobs)
    for f in failures:
        print(f"error: {f}", file=sys.stderr)
    command = "python -m synth.dsp_packing " + " ".join(
        ["-o", args.output, "--lanes", *map(str, args.lanes)])
    text = markdown(rows(results), tool_versions(("yosys",)), command)
    path = Path(args.output) / "dsp_packing.md"
    path.write_text(text)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
