"""``sparq-rtl energy`` (also ``python -m energy``): energy per MAC of the PE or the dot-product
unit from gate-level switching activity, SPARQ against int8 and naive a4w8 on the same operands.

::

    sparq-rtl energy [--block pe|dotprod] [--datapaths sparq,int8,a4w8] [--bits 4] [--options 5]
                     [--rounding nearest-even]
                     [--workload synthetic|real-layer|operands --operands FILE.npz]
                     [--zeros 0.5] [--sweep 0,0.1,...,0.9] [--pairs 3456] [--k 64] [--seed 1]
                     [--mode specify|zero-delay] [--sweep-mode zero-delay]
                     [--slew-ns 0.1] [--wire-pf 0.002] [--output-load-pf 0.02] [--period-ns 20]
                     [--liberty FILE --cell-models FILE] [--jobs 2] [--scheduler ADDR]
                     [--stall P [--stall-seed 1]] [--force] [-d DIR]

For each datapath it maps the PE (or the 4x4 dot-product unit, 4 pairs per cycle: tiles of 4 rows
and 4 columns) onto the cells (OSU 0.18 um from ``make cells-osu018``, or
``--liberty``/``--cell-models``), simulates the netlist on Icarus with the workload (every tile
checked against golden), prices the transitions with the Liberty (:mod:`energy.model`) and writes
``DIR/energy.json`` (every figure, the commands, tool versions, the library's provenance),
``DIR/energy.md`` (the table) and with ``--sweep`` ``DIR/energy-sparsity.png`` (pJ per MAC
against the fraction of zero activations). Default ``DIR``: ``build/energy``.

The runs (a mapping per design, a measurement per design and operand stream) are tasks of the
task engine (:mod:`energy.tasks`): ``--jobs N`` worker processes of a local Dask cluster (or the
scheduler at ``--scheduler``), one progress line per finished task, every result stored in
``DIR/tasks/`` under a key of its inputs, so that a rerun reuses it (``--force`` runs again).
Ctrl-C (or SIGTERM) stops the running simulations and keeps the finished results; no report is
written then.

Errors are one line ``sparq-rtl: error: ...`` naming the parameter; status 2 for a bad argument
(nothing run), 1 for a failed run (a tool failed, a result differed from golden), 130 on Ctrl-C.
"""

import json
import signal
import sys
import time
from pathlib import Path

from hdl.cli import (ERROR_PREFIX, EXIT_INTERRUPTED, EXIT_OK, CommandError, Subcommand,
                     add_output_dir)
from hdl.config import DATAPATHS, SparqConfig

from .gatesim import MODES
from .model import DEFAULT_OUTPUT_LOAD_PF, DEFAULT_SLEW_NS, DEFAULT_WIRE_PF, PricingOptions
from .workload import WORKLOADS

__all__ = ["add_arguments", "run", "main", "SUBCOMMAND", "parse_fractions"]

PROG = "sparq-rtl energy"
DEFAULT_DATAPATHS = ("sparq", "int8", "a4w8")
#: The generated operands' defaults (--zeros, --k, --seed), where they apply.
DEFAULT_ZEROS, DEFAULT_K, DEFAULT_SEED = "0.5", 64, 1


def parse_fractions(text, name):
    """Comma-separated zero fractions in 0..1 -> list of floats; ValueError naming ``name``."""
    out = []
    for part in str(text).replace(" ", "").split(","):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"{name} must be comma-separated numbers in 0..1, not {text!r}") from None
        if not 0 <= value <= 1:
            raise ValueError(f"{name} values must lie in 0..1, not {value!r}")
        out.append(value)
    return out


def add_arguments(parser):
    parser.add_argument("--block", default="pe",
                        help="the design: pe, or dotprod (the 4x4 dot-product unit, 4 pairs "
                             "per cycle) (default pe)")
    parser.add_argument("--rows", type=int, default=4, help="dotprod: output rows (default 4)")
    parser.add_argument("--cols", type=int, default=4, help="dotprod: output columns (default 4)")
    parser.add_argument("--unit-pairs", dest="unit_pairs", type=int, default=4,
                        help="dotprod: pairs of reduction positions per cycle (default 4)")
    parser.add_argument("--datapaths", default=",".join(DEFAULT_DATAPATHS),
                        help=f"comma-separated PE datapaths (default {','.join(DEFAULT_DATAPATHS)})")
    parser.add_argument("--bits", type=int, help="SPARQ window width (default 4)")
    parser.add_argument("--options", type=int, help="SPARQ window positions (default 5)")
    parser.add_argument("--rounding", help="SPARQ rounding (default nearest-even)")
    parser.add_argument("--workload", default="synthetic",
                        help=f"operands: {' or '.join(WORKLOADS)} (default synthetic)")
    parser.add_argument("--operands", metavar="FILE.npz",
                        help="with --workload operands: the archive of a network's layer "
                             "operands (python -m evaluation.energy_operands writes one); every "
                             "layer is run, and the report adds the energy per inference")
    parser.add_argument("--zeros", default=None,
                        help="synthetic workload: fraction of zero activations (default 0.5)")
    parser.add_argument("--sweep", default=None,
                        help="also sweep these zero fractions (comma-separated, synthetic "
                             "operands) and chart pJ/MAC against them")
    parser.add_argument("--pairs", type=int, default=3456,
                        help="activation pairs per run (default 3456)")
    parser.add_argument("--k", type=int, default=None,
                        help="synthetic workload and --sweep: activations per tile, even "
                             "(default 64)")
    parser.add_argument("--seed", type=int, default=None,
                        help="synthetic and real-layer workloads and --sweep: workload seed "
                             "(default 1)")
    parser.add_argument("--mode", default="specify",
                        help=f"gate-level simulation of the headline run: {' or '.join(MODES)} "
                             f"(default specify: cell delays, glitches count)")
    parser.add_argument("--sweep-mode", dest="sweep_mode", default="zero-delay",
                        help="simulation mode of the sweep's runs (default zero-delay)")
    parser.add_argument("--slew-ns", dest="slew_ns", type=float, default=DEFAULT_SLEW_NS,
                        help=f"input slew the power tables are read at, ns (default {DEFAULT_SLEW_NS})")
    parser.add_argument("--wire-pf", dest="wire_pf", type=float, default=DEFAULT_WIRE_PF,
                        help=f"wire capacitance per fanout pin, pF (default {DEFAULT_WIRE_PF})")
    parser.add_argument("--output-load-pf", dest="output_load_pf", type=float,
                        default=DEFAULT_OUTPUT_LOAD_PF,
                        help=f"load on every output port, pF (default {DEFAULT_OUTPUT_LOAD_PF})")
    parser.add_argument("--period-ns", dest="period_ns", type=float, default=20.0,
                        help="clock period of the simulation and of leakage, ns (default 20)")
    parser.add_argument("--liberty", help="a Liberty file of your own (default: OSU 0.18 um)")
    parser.add_argument("--cell-models", dest="cell_models",
                        help="Verilog models of the --liberty cells (needed with --liberty)")
    parser.add_argument("--stall", type=float, default=None, metavar="P",
                        help="PE: also check that the headline stream with random bubbles "
                             "(each further stall cycle with probability P, 0 <= P < 1) gives "
                             "the same energy up to the bubbles' own (docs/energy.md)")
    parser.add_argument("--stall-seed", dest="stall_seed", type=int, default=1,
                        help="seed of the bubbles (default 1)")
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="parallel runs: worker processes of the local Dask cluster "
                             "(default 2)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this existing Dask scheduler instead of a local cluster")
    parser.add_argument("--force", action="store_true",
                        help="run again even when a result with the same inputs is stored")
    add_output_dir(parser, "output folder (default build/energy)", default="build/energy")


def _configs(args):
    names = [d for d in args.datapaths.replace(" ", "").split(",") if d]
    if not names:
        raise ValueError(f"--datapaths must name at least one datapath, not {args.datapaths!r}")
    configs = []
    for d in names:
        if d not in DATAPATHS:
            raise ValueError(f"--datapaths: {d!r} is not one of {', '.join(DATAPATHS)}")
        fields = {"datapath": d}
        if args.block == "dotprod":
            fields.update(rows=args.rows, cols=args.cols, pairs=args.unit_pairs)
        if d == "sparq":
            for f in ("bits", "options", "rounding"):
                if getattr(args, f) is not None:
                    fields[f] = getattr(args, f)
        configs.append(SparqConfig(**fields))
    return configs


def _check(args):
    from .run import BLOCKS
    if args.block not in BLOCKS:
        raise ValueError(f"--block must be one of {', '.join(BLOCKS)}, not {args.block!r}")
    configs = _configs(args)
    if args.workload not in WORKLOADS:
        raise ValueError(f"--workload must be one of {', '.join(WORKLOADS)}, not {args.workload!r}")
    for name in ("mode", "sweep_mode"):
        if getattr(args, name) not in MODES:
            raise ValueError(f"--{name.replace('_', '-')} must be one of {', '.join(MODES)}, "
                             f"not {getattr(args, name)!r}")
    if (args.workload == "operands") != (args.operands is not None):
        raise ValueError("--workload operands and --operands FILE go together (the archive "
                         "holds the operands)")
    # The generated operands' options apply to nothing else: refused, not ignored.
    if args.zeros is not None and args.workload != "synthetic":
        raise ValueError(f"--zeros applies to --workload synthetic, not --workload "
                         f"{args.workload} (--sweep sets the fractions of its synthetic runs)")
    if args.k is not None and args.workload != "synthetic" and args.sweep is None:
        raise ValueError(f"--k applies to synthetic operands (--workload synthetic, --sweep), not "
                         f"--workload {args.workload}")
    if args.seed is not None and args.workload == "operands" and args.sweep is None:
        raise ValueError("--seed applies to generated operands (--workload synthetic or "
                         "real-layer, --sweep), not --workload operands (the archive holds its "
                         "rows)")
    args.zeros = DEFAULT_ZEROS if args.zeros is None else args.zeros
    args.k = DEFAULT_K if args.k is None else args.k
    args.seed = DEFAULT_SEED if args.seed is None else args.seed
    zeros = parse_fractions(args.zeros, "--zeros")
    if len(zeros) != 1:
        raise ValueError(f"--zeros must be one fraction, not {args.zeros!r}")
    sweep = parse_fractions(args.sweep, "--sweep") if args.sweep is not None else []
    try:
        options = PricingOptions(slew_ns=args.slew_ns, wire_pf=args.wire_pf,
                                 output_load_pf=args.output_load_pf, period_ns=args.period_ns)
    except ValueError as exc:
        raise ValueError("--" + str(exc).replace("_", "-", 1)) from None
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, not {args.seed}")
    if args.stall is not None:
        if not 0 <= args.stall < 1:
            raise ValueError(f"--stall must be a probability in [0, 1), not {args.stall!r}")
        if args.block != "pe":
            raise ValueError("--stall: only the PE's driver inserts stalls, not the "
                             f"{args.block!r} block's")
    if args.stall_seed < 0:
        raise ValueError(f"--stall-seed must be >= 0, not {args.stall_seed}")
    if args.cell_models is not None and args.liberty is None:
        raise ValueError("--cell-models needs --liberty (the library the models belong to)")
    if args.liberty is not None and args.cell_models is None:
        raise ValueError("--liberty needs --cell-models (Verilog models of its cells for the "
                         "gate-level simulation)")
    return configs, zeros[0], sweep, options


def _library(args):
    from synth import cells
    if args.liberty is not None:
        return cells.user_library(args.liberty, args.cell_models)
    return cells.osu018()


def _shape(config, args):
    return ({"rows": config.rows, "cols": config.cols} if args.block == "dotprod"
            else {"rows": 1, "cols": 1})


def _workload(config, args, zeros):
    from . import workload
    if args.workload == "synthetic":
        return workload.synthetic(config, pairs=args.pairs, k=args.k, zero_fraction=zeros,
                                  seed=args.seed, **_shape(config, args))
    return workload.real_layer(config, pairs=args.pairs, seed=args.seed, **_shape(config, args))


def _command(args):
    """The command line that reproduces this run, every option spelt out."""
    parts = [PROG, "--block", args.block, "--datapaths", args.datapaths, "--workload",
             args.workload]
    if args.workload == "synthetic":
        parts += ["--zeros", args.zeros]
    parts += ["--pairs", str(args.pairs)]
    if args.workload == "synthetic" or args.sweep is not None:
        parts += ["--k", str(args.k)]
    if args.workload != "operands" or args.sweep is not None:
        parts += ["--seed", str(args.seed)]
    parts += ["--mode", args.mode, "--slew-ns", f"{args.slew_ns:g}", "--wire-pf",
             f"{args.wire_pf:g}", "--output-load-pf", f"{args.output_load_pf:g}",
             "--period-ns", f"{args.period_ns:g}"]
    if args.block == "dotprod":
        parts += ["--rows", str(args.rows), "--cols", str(args.cols),
                  "--unit-pairs", str(args.unit_pairs)]
    for name in ("operands", "bits", "options", "rounding", "liberty", "cell_models"):
        if getattr(args, name) is not None:
            parts += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    if args.sweep is not None:
        parts += ["--sweep", args.sweep, "--sweep-mode", args.sweep_mode]
    if args.stall is not None:
        parts += ["--stall", f"{args.stall:g}", "--stall-seed", str(args.stall_seed)]
    return " ".join(parts)


def run(args):
    """Check every argument, then measure; a failed tool or a result that differs from golden is a
    :class:`hdl.cli.CommandError` (status 1), Ctrl-C status 130 with the finished runs kept."""
    from synth.tools import SynthError

    from .gatesim import GateSimError
    from .tasks import RunsInterrupted, TaskFailed
    try:
        return _run(args)
    except (GateSimError, SynthError, TaskFailed) as exc:
        raise CommandError(str(exc).splitlines()[0]) from exc
    except ConnectionError as exc:       # --scheduler that does not answer
        raise CommandError(str(exc).splitlines()[0]) from exc
    except RunsInterrupted as exc:
        print(f"{ERROR_PREFIX}interrupted: running simulations stopped; {exc.done} of "
              f"{exc.total} runs finished and are kept in {Path(args.output) / 'tasks'} for a "
              f"rerun; no report written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _spec(config, args, workload, zeros, layer=None, sha256=None):
    shape = _shape(config, args)
    if workload == "operands":
        return {"workload": "operands", "path": str(Path(args.operands).resolve()),
                "sha256": sha256, "layer": layer, "pairs": args.pairs, **shape}
    if workload == "synthetic":
        return {"workload": "synthetic", "pairs": args.pairs, "k": args.k, "zero_fraction": zeros,
                "seed": args.seed, **shape}
    return {"workload": "real-layer", "pairs": args.pairs, "seed": args.seed, **shape}


def _plan(args, configs, zeros, sweep):
    """The runs of the command (:class:`energy.tasks.Run`), each workload built once here so that
    a bad --pairs/--k is refused before anything runs."""
    from .tasks import Run
    from .workload import from_spec
    runs = []
    layers = [None]
    sha = None
    if args.workload == "operands":
        from .workload import operand_layers
        meta, sha = operand_layers(args.operands)
        layers = [(layer["index"], layer["name"]) for layer in meta.get("layers", [])]
        if not layers:
            raise ValueError(f"--operands: {args.operands} lists no layers")
    for config in configs:
        name = _design_name(args.block, config)
        for layer in layers:
            index, lname = layer if layer is not None else (None, None)
            spec = _spec(config, args, args.workload, zeros, index, sha)
            what = args.workload if layer is None else f"{lname}"
            runs.append(Run(config, spec, args.mode, f"{args.workload}-{args.mode}"
                            if layer is None else f"{args.workload}-{index}-{args.mode}",
                            "runs", f"{name} {what} {args.mode}"))
        for z in sweep:
            runs.append(Run(config, _spec(config, args, "synthetic", z), args.sweep_mode,
                            f"sweep-{z:g}-{args.sweep_mode}", "sweep",
                            f"{name} zeros {z:g} {args.sweep_mode}"))
        if args.stall is not None:
            runs.append(Run(config, spec, args.mode,
                            f"stall-{args.stall:g}-{args.stall_seed}-{args.mode}", "stall_checks",
                            f"{name} {args.workload} {args.mode} stall check",
                            (args.stall, args.stall_seed)))
    checked = set()
    for r in runs:
        key = json.dumps([r.config.datapath, r.spec], sort_keys=True)
        if key not in checked:
            checked.add(key)
            from_spec(r.config, r.spec)
    return runs


def _design_name(block, config):
    from hdl import generate
    return generate.default_name(block, config)


def _run(args):
    from . import report
    from .run import tool_record
    from .tasks import run_tasks

    configs, zeros, sweep, options = _check(args)
    if isinstance(args.jobs, bool) or args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, not {args.jobs}")
    if args.scheduler is not None and "://" not in args.scheduler:
        raise ValueError(f"--scheduler must be an address like tcp://HOST:PORT, not "
                         f"{args.scheduler!r}")
    runs = _plan(args, configs, zeros, sweep)
    library = _library(args)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    tools = tool_record(library)
    start, cpu0 = time.monotonic(), time.process_time()
    # SIGTERM ends the run like Ctrl-C, so that running simulations are killed, not orphaned.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        results, reused, engine_seconds = run_tasks(
            args.block, runs, library, options, tools, out, workers=args.jobs,
            scheduler=args.scheduler, force=args.force)
    finally:
        signal.signal(signal.SIGTERM, previous)
    doc = {
        "command": _command(args),
        "tools": tools,
        "pricing": options.as_dict(),
        "runs": [r for r, run in zip(results, runs) if run.group == "runs"],
        "sweep": [r for r, run in zip(results, runs) if run.group == "sweep"],
    }
    if args.stall is not None:
        doc["stall_checks"] = [r for r, run in zip(results, runs) if run.group == "stall_checks"]
    if args.workload == "operands":
        doc["per_inference"] = report.per_inference(doc["runs"])
        doc["ratios"] = report.ratios_per_inference(doc["per_inference"])
    else:
        doc["ratios"] = report.ratios(doc["runs"])
    doc.update({
        "jobs": args.jobs,
        "runs_reused": reused,
        "engine_seconds": round(engine_seconds, 1),
        "wall_seconds": round(time.monotonic() - start, 1),
        "cpu_seconds_self": round(time.process_time() - cpu0, 1),
        "sim_cpu_seconds": round(sum(r["sim_cpu_seconds"] if "check" not in r else
                                     r["unstalled"]["sim_cpu_seconds"]
                                     + r["stalled"]["sim_cpu_seconds"] for r in results), 1),
    })
    (out / "energy.json").write_text(json.dumps(doc, indent=2) + "\n")
    table = report.table(doc)
    (out / "energy.md").write_text(table)
    if doc["sweep"]:
        report.chart(doc["sweep"], out / "energy-sparsity.png")
    print(table)
    print(f"wrote {out / 'energy.json'}, {out / 'energy.md'}"
          + (f", {out / 'energy-sparsity.png'}" if doc["sweep"] else ""))
    return EXIT_OK


def main(argv=None):
    """``python -m energy``: the same as ``sparq-rtl energy``."""
    from hdl.cli import main as cli_main
    return cli_main(["energy", *(sys.argv[1:] if argv is None else argv)])


SUBCOMMAND = Subcommand("energy", "energy per MAC of the PE or dot-product unit from gate-level "
                        "switching activity (SPARQ against int8 and a4w8)", add_arguments, run)
