"""Area by part: where a design's standard-cell area goes, read from its own hierarchy.

The generated Verilog keeps every submodule of a block as a module of its own: the pair encoders
at the array's edge and inside the dot-product unit (``encoder*``, with their window selectors),
the PEs of an array (``pe_<r>_<c>``), the skid buffers (``skid_*``). This mapping keeps those
modules whole (Yosys ``keep_hierarchy``) on the ASIC target's cells (the same script as the
ASIC flow: ``synth``, ``dfflibmap``, ``abc -liberty`` under the target's delay target and
constraints) and adds up ``stat -liberty``'s area per part::

    encoders    the pair encoders and their window selectors
    PEs         the processing elements (multipliers, shifters, accumulators, PE registers)
    skid        skid buffers on the inputs
    rest        what the top level holds itself: the array's edge skew registers, framing and
                drain control; in the dot-product unit also its multipliers, adder trees and
                accumulators (they are not submodules there)

Kept modules are not optimized across their boundaries, so the total is a little above the flat
mapping's (:mod:`synth.asic`); the report gives both and states the difference.

::

    python -m synth.breakdown DESIGN... [--target asic-osu018] [-d DIR]
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from .designs import TOP, generate_verilog, parse_design
from .netlist import map_to_cells, mapping_inputs
from .tools import SynthError, tool_versions

__all__ = ["PARTS", "part_of", "kept_modules", "own_areas", "breakdown", "markdown", "main"]

#: Parts, in report order, with the submodule name prefixes that belong to each.
PARTS = {"encoders": ("encoder",), "PEs": ("pe_",), "skid": ("skid_",)}

_MODULE = re.compile(r"^module \\?(\S+?)\s*\(", re.M)


def part_of(module, top=TOP):
    """The part (:data:`PARTS`) submodule ``module`` (``top.encoder0.window1``) belongs to: the
    first path component below ``top`` that names one; ``"rest"`` for the top level and for
    modules of no part (a port-renaming wrapper's inner block)."""
    path = module.lstrip("\\").split(".")
    if path[0] != top:
        raise ValueError(f"module {module!r} is not below top {top!r}")
    for component in path[1:]:
        for part, prefixes in PARTS.items():
            if component.startswith(prefixes):
                return part
    return "rest"


def kept_modules(verilog, top=TOP):
    """Names of the modules of ``verilog`` (text) that belong to a part: kept whole."""
    return [m for m in _MODULE.findall(verilog) if m != top and part_of(m, top) != "rest"]


def own_areas(modules):
    """``{module: µm² of its own cells}`` from Yosys' ``stat -json -liberty`` ``modules``
    record, whose ``area`` of a module includes the modules it instantiates (listed in its
    ``num_cells_by_type`` under their names)."""
    # (Module keys carry Yosys' leading backslash; cell types name the modules without it.)
    areas = {name.lstrip("\\"): float(stat.get("area", 0.0)) for name, stat in modules.items()}
    own = {}
    for name, stat in modules.items():
        children = sum(count * areas[child.lstrip("\\")] for child, count in
                       stat.get("num_cells_by_type", {}).items() if child.lstrip("\\") in areas)
        own[name] = areas[name.lstrip("\\")] - children
    return own


def breakdown(name, workdir, library, *, delay_ps=None):
    """``{"design", "parts": {part: µm²}, "total_um2", "library"}`` of design ``name`` mapped
    with its parts kept whole onto ``library`` (a :class:`synth.cells.CellLibrary`) in
    ``workdir``. ``delay_ps``: ABC's delay target (the ASIC target's period)."""
    from .asic import _facts
    design = parse_design(name)
    text, _ = generate_verilog(design)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keep = kept_modules(text) + list(design.kept_modules)
    driver, _, timed = _facts(str(library.liberty), library.sha256)
    script, constraints = mapping_inputs(TOP, delay_ps=delay_ps, driving_cell=driver, keep=keep,
                                         constrain=timed)
    # A mapping of the same Verilog with the same script, constraints and library is reused
    # (an 8x8 array takes tens of CPU minutes).
    inputs = {"design.v": text, "map.ys": script, "constr.txt": constraints}
    stamp = workdir / "inputs.sha256"
    digest = hashlib.sha256((json.dumps(inputs, sort_keys=True) + library.sha256).encode())
    if not (stamp.exists() and stamp.read_text() == digest.hexdigest()
            and (workdir / "stat.json").exists()):
        stamp.unlink(missing_ok=True)
        (workdir / "design.v").write_text(text)
        map_to_cells(workdir / "design.v", TOP, library.liberty, workdir, delay_ps=delay_ps,
                     driving_cell=driver, keep=keep, constrain=timed)
        stamp.write_text(digest.hexdigest())
    doc = json.loads((workdir / "stat.json").read_text())
    parts = {part: 0.0 for part in (*PARTS, "rest")}
    for module, area in own_areas(doc["modules"]).items():
        parts[part_of(module)] += area
    total = sum(parts.values())
    if abs(total - float(doc["design"]["area"])) > 1e-6 * total:
        raise SynthError(f"the parts of {name!r} add up to {total} µm², Yosys' total is "
                         f"{doc['design']['area']} µm²")
    return {"design": name, "parts": {p: round(a, 1) for p, a in parts.items()},
            "total_um2": round(total, 1), "kept_modules": len(keep),
            "library": library.provenance}


def markdown(rows, flat=None):
    """A Markdown table of :func:`breakdown` results; ``flat``: ``{design: flat µm²}`` (the ASIC
    flow's own figure) for the difference column."""
    head = "| design | " + " | ".join(f"{p} µm² (share)" for p in (*PARTS, "rest")) + \
           " | total µm² | flat µm² |"
    out = [head, "|---|" + "---:|" * (len(PARTS) + 3)]
    for row in rows:
        total = row["total_um2"]
        cells = [f"{a:,.0f} ({100 * a / total:.1f} %)" if a else "-"
                 for a in row["parts"].values()]
        flat_text = (f"{flat[row['design']]:,.0f} ({100 * (total / flat[row['design']] - 1):+.1f} %)"
                     if flat and row["design"] in flat else "not measured")
        out.append(f"| `{row['design']}` | " + " | ".join(cells) + f" | {total:,.0f} | {flat_text} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    from .cells import osu018
    from .targets import TARGETS
    parser = argparse.ArgumentParser(prog="python -m synth.breakdown", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("designs", nargs="+", metavar="DESIGN", help="design names")
    parser.add_argument("--target", default="asic-osu018", help="ASIC target (default asic-osu018)")
    parser.add_argument("-d", "--output-dir", default="build/synth/breakdown", metavar="DIR",
                        help="work folders, breakdown.json and breakdown.md (default "
                             "build/synth/breakdown)")
    parser.add_argument("--results", default="build/synth", metavar="DIR",
                        help="make synth's output folder, for the flat mapping's area of the same "
                             "design (default build/synth)")
    args = parser.parse_args(argv)
    try:
        target = TARGETS.get(args.target)
        if target is None or target.library != "osu018":
            raise SynthError(f"--target must be an ASIC target on the bundled cells "
                             f"(asic-osu018), not {args.target!r}")
        library = osu018()
        out = Path(args.output_dir)
        rows = [breakdown(name, out / name, library, delay_ps=target.period_ns * 1000)
                for name in args.designs]
    except (SynthError, ValueError) as exc:
        print(f"python -m synth.breakdown: error: {exc}", file=sys.stderr)
        return 2
    flat = {}
    for row in rows:
        # The flat mapping's area from make synth's result of the same design, when there is one.
        result = Path(args.results) / "json" / f"{row['design']}.{target.name}.json"
        if result.exists():
            flat[row["design"]] = json.loads(result.read_text())["metrics"]["area"]
            row["flat_um2"] = flat[row["design"]]
    (out / "breakdown.json").write_text(json.dumps(rows, indent=1) + "\n")
    yosys = tool_versions()["yosys"]
    prov = library.provenance
    page = ("# Area by part\n\n## Area by part\n\n" + markdown(rows, flat) + "\n"
            f"Command: `python -m synth.breakdown {' '.join(args.designs)}` (target "
            f"{target.name}, ABC delay target {target.period_ns:g} ns); {yosys['version']} "
            f"({yosys['package']}); cells {prov['package']}, .lib sha256 "
            f"{prov['sha256'][:16]}. The flat column is `make synth`'s area of the same design "
            f"(its result under {args.results}), with the kept-hierarchy total's difference.\n")
    (out / "breakdown.md").write_text(page)
    sys.stdout.write(markdown(rows, flat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
