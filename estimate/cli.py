"""``sparq-rtl estimate``, and ``python -m estimate calibrate|report``.

::

    sparq-rtl estimate DESIGN... [--target NAME...] [--zeros Z] [--json]
    python -m estimate measure [--calibration-only] [--jobs N]
    python -m estimate calibrate [--results DIR...] [--energy FILE [--energy-unit FILE...]]
                                 [--energy-heldout FILE...]
    python -m estimate report [-d DIR]
    python -m estimate probe [-d DIR]

``estimate`` prints, per design (names as ``sparq-rtl synth --designs``, or ``*``/``?`` patterns
over its default set) and target, the estimated area figures and Fmax (:mod:`estimate.model`) and
with ``--zeros`` the energy per MAC; no tool runs. ``calibrate`` refits the per-part costs from
the real flows' results (:mod:`estimate.fit`), after ``measure`` has run the flows on the
calibration extras and the held-out designs (:mod:`estimate.sets`); ``report`` writes the
validation report
(:mod:`estimate.report`); ``probe`` runs the mapping probes (:mod:`estimate.mapping_probe`).
"""

import argparse
import fnmatch
import json
import shlex
import sys

from .sets import TARGETS

__all__ = ["SUBCOMMAND", "add_arguments", "run", "main"]

_UNITS = {"luts": "LUT4", "ffs": "FFs", "transistors": "transistors",
          "transistors_ff": "transistors with FFs", "area": "um2"}


def add_arguments(parser):
    parser.add_argument("designs", nargs="+", metavar="DESIGN",
                        help="design names (e.g. array-sparq-b4-o5-ne-8x8-k1152) or *,? patterns "
                             "over the synthesis default set")
    parser.add_argument("--target", "--targets", dest="targets", nargs="+", metavar="NAME",
                        help=f"targets (default: all): {', '.join(TARGETS)}")
    parser.add_argument("--zeros", type=float, metavar="Z",
                        help="activation zero fraction: adds the energy per MAC (pJ) estimate")
    parser.add_argument("--json", action="store_true", help="print the estimates as JSON")


def _designs(patterns):
    from synth.designs import DEFAULT_DESIGNS
    out = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            names = fnmatch.filter(DEFAULT_DESIGNS, pattern)
            if not names:
                raise ValueError(f"design pattern {pattern!r} matches no design of the default "
                                 f"set (sparq-rtl synth --list)")
            out += names
        else:
            out.append(pattern)
    return out


def _line(est):
    parts = []
    for target, figures in est["figures"].items():
        shown = []
        for key, value in figures.items():
            if key.startswith("fmax_mhz"):
                shown.append(f"Fmax {value:.0f} MHz ({key[9:-1]})")
            else:
                shown.append(f"{value:,.0f} {_UNITS[key]}")
        parts.append(f"  {target:12s} " + ", ".join(shown) if shown else f"  {target:12s} -")
    lines = [est["design"]] + parts
    if "pj_per_mac" in est:
        lines.append(f"  {'energy':12s} {est['pj_per_mac']:.1f} pJ/MAC at {est['zeros']:g} zeros "
                     f"(OSU 0.18 um)")
    lines += [f"  note: {n}" for n in est["notes"]]
    return "\n".join(lines)


def run(args):
    from .model import estimate
    targets = args.targets or list(TARGETS)
    for t in targets:
        if t not in TARGETS:
            raise ValueError(f"--target must be one of {', '.join(TARGETS)}, not {t!r}")
    if args.zeros is not None and not 0 <= args.zeros <= 1:
        raise ValueError(f"--zeros must be a fraction between 0 and 1, not {args.zeros!r}")
    results = []
    for name in _designs(args.designs):
        est = estimate(name, targets=targets, zeros=args.zeros)
        if args.zeros is not None:
            est["zeros"] = args.zeros
        results.append(est)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print("\n".join(_line(e) for e in results))
    return 0


def _subcommand():
    from hdl.cli import Subcommand
    return Subcommand("estimate", "area, Fmax and energy per MAC estimated without running a tool "
                      "(docs/estimates.md)", add_arguments, run)


SUBCOMMAND = _subcommand()


# -- python -m estimate measure | calibrate | report -----------------------------------------------

def _calibrate(args):
    from .energy_model import ENERGY, collect_energy, collect_unit_energy
    from .fit import CALIBRATION, MEASURED, collect, fit
    if args.energy_unit and not args.energy:
        raise ValueError("--energy-unit goes with --energy (the PEs' figures and zero sweep)")
    measured = collect(args.results)
    if args.energy:
        energy = collect_energy(args.energy)
        if args.energy_unit:
            energy["units"] = collect_unit_energy(args.energy_unit)
        ENERGY.write_text(json.dumps(energy, indent=1) + "\n")
    if args.energy_heldout:
        measured["energy"] = _energy_heldout(args.energy_heldout)
    elif MEASURED.exists():
        measured["energy"] = json.loads(MEASURED.read_text()).get("energy", [])
    command = "python -m estimate " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    measured["command"] = command
    MEASURED.write_text(json.dumps(measured, indent=1) + "\n")
    CALIBRATION.write_text(json.dumps(fit(measured, command), indent=1) + "\n")
    held = sum(r["role"] == "held-out" for r in measured["records"])
    print(f"{len(measured['records']) - held} calibration and {held} held-out results -> "
          f"{MEASURED}, {CALIBRATION}")
    return 0


def _energy_heldout(paths):
    # Energy per MAC of whole units (sparq-rtl energy --block dotprod): held out.
    out = []
    for path in paths:
        doc = json.loads(open(path).read())
        for r in doc["runs"]:
            name = r["design"].removeprefix("sparq_").replace("_", "-")
            out.append({"design": _canonical(name), "role": "held-out", "mode": r["mode"],
                        "zeros": r["zero_fraction_measured"], "pj_per_mac": r["pj_per_mac"],
                        "command": doc["command"]})
    return out


def _canonical(module_like):
    # sparq_dotprod_sparq_b4_o5_ne_2x2p2_k1152 -> dotprod-sparq-b4-o5-ne-2x2p2-k1152
    from hdl.naming import design_name, parse_design_name
    block, config = parse_design_name(module_like)
    return design_name(block, config)


def _measure(args):
    # The real flows on the calibration extras and the held-out designs (stored results reused).
    from hdl.cli import main as sparq_rtl
    from .sets import CALIBRATION_EXTRA, HELD_OUT_RUNS
    groups = [(d, t, args.calibration_dir) for d, t in CALIBRATION_EXTRA]
    if not args.calibration_only:
        groups += [(d, t, args.heldout_dir) for d, t in HELD_OUT_RUNS]
    for designs, targets, out in groups:
        status = sparq_rtl(["synth", "--designs", *designs, "--targets", *targets,
                            "--jobs", str(args.jobs), "-d", out])
        if status:
            return status
    return 0


def _report(args):
    from pathlib import Path
    from .report import write
    path = write(Path(args.output) / "report.md")
    print(f"wrote {path}")
    return 0


def _probe(args):
    from .mapping_probe import PROBES, run
    results = run(args.output)
    targets = sorted({t for _, t in results})
    print("probe (four 8b x 8b products)  " + "  ".join(f"{t + ' LUT4':>16s}" for t in targets))
    for name in PROBES:
        print(f"{name:31s} " + "  ".join(f"{results[name, t]:16,}" for t in targets))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m estimate", allow_abbrev=False)
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate", help="fit the per-part costs on the real flows' results")
    cal.add_argument("--results", nargs="+",
                     default=["build/synth", "build/estimate/measured", "build/estimate/heldout"],
                     metavar="DIR", help="synthesis output folders (json/ inside)")
    cal.add_argument("--energy", metavar="FILE",
                     help="energy.json of the PEs with a zero sweep (build/energy/synthetic)")
    cal.add_argument("--energy-unit", nargs="+", metavar="FILE",
                     help="energy.json files of single-output units (build/energy/dotprod-1x1p1, "
                          "dotprod-1x1p4): the units' energy per um2 against their tree levels")
    cal.add_argument("--energy-heldout", nargs="+", metavar="FILE",
                     help="energy.json files of whole units, held out for validation")
    mea = sub.add_parser("measure", help="run the real flows on the calibration extras and the "
                         "held-out designs (sparq-rtl synth; stored results are reused)")
    mea.add_argument("--calibration-dir", default="build/estimate/measured", metavar="DIR")
    mea.add_argument("--heldout-dir", default="build/estimate/heldout", metavar="DIR")
    mea.add_argument("--calibration-only", action="store_true",
                     help="only the calibration extras (minutes), not the held-out designs")
    mea.add_argument("--jobs", type=int, default=2, metavar="N")
    rep = sub.add_parser("report", help="estimates against the stored measurements")
    rep.add_argument("-d", "--output-dir", dest="output", default="build/estimate", metavar="DIR")
    pro = sub.add_parser("probe", help="the mapping probes: four baseline products registered, "
                         "summed, and with shared operands, on iCE40 and ECP5 (a minute)")
    pro.add_argument("-d", "--output-dir", dest="output", default="build/estimate/probe",
                     metavar="DIR")
    est = sub.add_parser("estimate", help="as sparq-rtl estimate")
    add_arguments(est)
    args = parser.parse_args(argv)
    try:
        return {"calibrate": _calibrate, "report": _report, "estimate": run,
                "measure": _measure, "probe": _probe}[args.command](args)
    except (ValueError, TypeError) as exc:
        print(f"python -m estimate {args.command}: error: {exc}", file=sys.stderr)
        return 2
