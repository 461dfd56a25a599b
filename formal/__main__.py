"""``python -m formal``: prove the catalogue with SymbiYosys and print one line per property.

::

    python -m formal                 # every proof, then every mutant (what `make formal` runs)
    python -m formal --quick         # the subset `make test` runs
    python -m formal --only array-int8 --no-mutants
    python -m formal --list
    python -m formal --reuse         # take unchanged proofs' verdicts from build/formal/tasks

Every proof and mutant is a task of the project's task engine (:mod:`engine`, ``--jobs``
worker processes).

Exit status 0 only when every proof is proved (unbounded, or to its stated depth for a bounded
job) and every mutant is caught by its property class; 130 when interrupted (Ctrl-C or SIGTERM):
the running SymbiYosys jobs and their solvers are ended, the summary covers what finished, and
the finished tasks' records stay in the store (``--reuse`` takes them).
"""

import argparse
import signal
import sys
import time

from hdl.lint import put_tools_on_path
from hdl.naming import design_name

from .jobs import EQUIVALENCE_ARRAYS, catalogue
from .mutants import MUTANTS, QUICK_MUTANTS
from .run import run_equivalences, run_mutants, run_proofs, write_summary


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m formal", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the subset `make test` runs")
    parser.add_argument("--only", default="", help="proofs (and mutants) whose name contains this "
                        "(several, comma-separated: any of them)")
    parser.add_argument("--no-mutants", action="store_true", help="skip the injected bugs")
    parser.add_argument("--jobs", type=int, default=2, help="parallel SymbiYosys jobs: the task "
                        "engine's worker processes (default 2)")
    parser.add_argument("--reuse", action="store_true", help="take the stored verdict of a proof "
                        "or mutant whose sources and tools are unchanged (default: run all)")
    parser.add_argument("--out", default="build/formal", help="work folder (default build/formal)")
    parser.add_argument("--list", action="store_true", help="list the proofs and mutants, run none")
    args = parser.parse_args(argv)
    put_tools_on_path()

    wanted = args.only.split(",")

    def selected(*names):
        return any(w in name for w in wanted for name in names)
    proofs = [p for p in catalogue(quick=args.quick) if selected(p.name)]
    mutants = [] if args.no_mutants else [m for m in MUTANTS if selected(m.name, m.proof.name)]
    if args.quick and not args.no_mutants:
        mutants = [m for m in mutants if m.name in QUICK_MUTANTS]
    # (the quick run leaves the 8x8 equivalence checks to make formal; formal/tests checks 2x2)
    equivs = [] if args.quick else [c for c in EQUIVALENCE_ARRAYS
                                    if selected(f"equiv-{design_name('array', c)}")]
    if args.list:
        for p in proofs:
            print(f"proof  {p.name}  ({p.mode}, depth {p.depth}, {p.engine})")
        for m in mutants:
            print(f"mutant {m.name}  -> {m.proof.name}: {m.description}")
        for c in equivs:
            print(f"equiv  equiv-{design_name('array', c)}  (every PE against the PE proved alone)")
        return 0
    if not proofs and not mutants and not equivs:
        print("nothing selected", file=sys.stderr)
        return 2

    # What finished, as it finishes: kept (and summarised) when the run is interrupted.
    done, caught, same = [], [], []

    def run():
        print(f"{len(proofs)} proofs, {len(mutants)} mutants, {len(equivs)} PE equivalence "
              f"checks, {args.jobs} at a time; work folder {args.out}", flush=True)
        if proofs:
            run_proofs(proofs, args.out, jobs=args.jobs, reuse=args.reuse, sink=done)
        if equivs:
            run_equivalences(equivs, args.out, jobs=args.jobs, reuse=args.reuse, sink=same)
        if mutants:
            run_mutants(mutants, args.out, jobs=args.jobs, reuse=args.reuse, sink=caught)

    # SIGTERM ends the run like Ctrl-C: the engine cancels its tasks and its workers end the
    # SymbiYosys runs and their solvers (formal.sby.kill_running) instead of orphaning them.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    interrupted = False
    start = time.monotonic()
    try:
        run()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    seconds = time.monotonic() - start
    write_summary(args.out, done, caught, seconds, same, interrupted=interrupted)
    if interrupted:
        print(f"\ninterrupted: running proofs stopped; {len(done)} of {len(proofs)} proofs, "
              f"{len(same)} of {len(equivs)} equivalence checks and {len(caught)} of "
              f"{len(mutants)} mutants finished (summary in {args.out}/summary.md; their "
              f"records are kept in {args.out}/tasks: run again with --reuse to take them)",
              file=sys.stderr)
        return 130
    unproved = [p.name for p, v, _ in done if not v.ok]
    missed = [m.name for m, _, _, c in caught if not c]
    differ = [name for name, r in same if r.get("error") or r["differ"]]
    print(f"\n{len(done) - len(unproved)}/{len(done)} proofs proved, "
          f"{len(caught) - len(missed)}/{len(caught)} mutants caught, "
          f"{len(same) - len(differ)}/{len(same)} arrays' PEs equivalent, {seconds:.0f} s wall; "
          f"summary in {args.out}/summary.md")
    for name in unproved:
        print(f"not proved: {name}")
    for name in missed:
        print(f"mutant not caught: {name}")
    for name in differ:
        print(f"PEs not all equivalent: {name}")
    return 1 if unproved or missed or differ else 0


if __name__ == "__main__":
    sys.exit(main())
