"""``python -m sweep.bench`` (``make sweep-bench``): how the task engine scales.

The same synthesis tasks (default: the PE of every datapath and 4-bit option (rounding does not
reach the PE) on ``generic``, ``ice40`` and ``ecp5-nodsp``: 15 distinct tool runs)
run twice in one process, each time into an empty result store: on a local cluster of one worker
(serial) and of ``--workers`` workers. It reports the wall time of each (cluster start-up
excluded, reported apart), their ratio (goal <= 0.6 on two workers), the median task time, and the
scheduling overhead per task: on each worker, the gap between one task's end and the next task's
start (the scheduler's round trip), and the time from the run's start to a worker's first task.
The load average before and after is printed with the figures: the machine may be shared.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "measure"]

DEFAULT_DESIGNS = [f"pe-sparq-b4-o{o}-ne-k1152" for o in (5, 3, 2)] + ["pe-int8-k1152",
                                                                       "pe-a4w8-k1152"]
DEFAULT_TARGETS = ["generic", "ice40", "ecp5-nodsp"]


def _jobs(designs, targets):
    from synth.designs import TOP, generate_verilog, parse_design
    from synth.flow import Source
    from synth.targets import TARGETS
    jobs = []
    for name in designs:
        d = parse_design(name)
        text, _ = generate_verilog(d)
        jobs += [(Source(d.name, TOP, text, d.describe(), d.kept_modules), TARGETS[t])
                 for t in targets]
    return jobs


def _one(jobs, workers, root):
    from engine import Engine
    from synth.flow import synth_tasks
    out = Path(tempfile.mkdtemp(prefix=f"w{workers}-", dir=root))
    tasks = synth_tasks(jobs, out)
    if len({t.key for t in tasks}) != len(tasks):
        raise ValueError("two of the benchmark's designs have the same Verilog: each task must "
                         "be a distinct tool run")
    with Engine(out, workers=workers, log=lambda text: None) as engine:
        engine.client                       # start the cluster before the clock
        start = time.time()
        outcome = engine.run(tasks)
        wall = time.time() - start
        startup = engine.cluster_seconds
    records = list(outcome.records.values())
    failed = [r["name"] for r in records if r["status"] != "ok"]
    if failed:
        raise RuntimeError(f"tasks failed: {', '.join(failed)}")
    gaps, firsts = [], []
    by_worker = {}
    for r in records:
        by_worker.setdefault(r["worker"], []).append(r)
    for rs in by_worker.values():
        rs.sort(key=lambda r: r["started"])
        firsts.append(rs[0]["started"] - start)
        gaps += [b["started"] - a["finished"] for a, b in zip(rs, rs[1:])]
    seconds = [r["seconds"] for r in records]
    return {"workers": workers, "tasks": len(records), "wall_s": wall,
            "cluster_start_s": startup, "task_s_sum": sum(seconds),
            "task_s_median": statistics.median(seconds),
            "gap_s_median": statistics.median(gaps) if gaps else None,
            "gap_s_mean": statistics.fmean(gaps) if gaps else None,
            "first_task_s_max": max(firsts), "workers_used": len(by_worker),
            # Share of the workers' time spent in tasks: what the engine can lose (a stall, an
            # idle worker); the tasks' own slow-down on a loaded machine does not show here.
            "busy": sum(seconds) / (workers * wall)}


def _load():
    return os.getloadavg()


def measure(designs=DEFAULT_DESIGNS, targets=DEFAULT_TARGETS, workers=2, root="build/sweep-bench"):
    """Run the comparison; returns the JSON-ready figures."""
    from synth.tools import tool_versions
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    jobs = _jobs(designs, targets)
    versions = tool_versions(("yosys",))
    load_before = _load()
    serial = _one(jobs, 1, root)
    parallel = _one(jobs, workers, root)
    load_after = _load()
    per_task = [parallel["gap_s_mean"] or 0.0]
    return {"designs": list(designs), "targets": list(targets), "serial": serial,
            "parallel": parallel, "ratio": parallel["wall_s"] / serial["wall_s"],
            "overhead_per_task_s": per_task[0],
            "overhead_vs_median_task": per_task[0] / parallel["task_s_median"],
            "load_before": load_before, "load_after": load_after, "cpus": os.cpu_count(),
            "python": platform.python_version(), "tools": versions,
            "dask": _version("distributed")}


def _version(dist):
    from importlib import metadata
    return metadata.version(dist)


def _markdown(r):
    s, p = r["serial"], r["parallel"]
    return "\n".join([
        f"Engine scaling: {s['tasks']} synthesis tasks ({', '.join(r['targets'])} x "
        f"{len(r['designs'])} designs), distributed {r['dask']}, {r['tools']['yosys']['version']}, "
        f"Python {r['python']}, {r['cpus']} CPUs; load average before "
        f"{', '.join(f'{x:.2f}' for x in r['load_before'])}, after "
        f"{', '.join(f'{x:.2f}' for x in r['load_after'])}.", "",
        "| workers | wall s | sum of task s | median task s | workers busy | gap between tasks "
        "(median / mean) | first task after s | cluster start s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {x['workers']} | {x['wall_s']:.1f} | {x['task_s_sum']:.1f} | "
          f"{x['task_s_median']:.2f} | {100 * x['busy']:.0f} % | "
          + ("-" if x['gap_s_median'] is None else
             f"{x['gap_s_median'] * 1000:.0f} ms / {x['gap_s_mean'] * 1000:.0f} ms")
          + f" | {x['first_task_s_max']:.2f} | {x['cluster_start_s']:.1f} |" for x in (s, p)],
        "",
        f"Wall time on {p['workers']} workers / 1 worker: **{r['ratio']:.2f}** (goal <= 0.6). "
        f"Scheduling overhead per task (mean gap between tasks on a worker): "
        f"{r['overhead_per_task_s'] * 1000:.0f} ms = {100 * r['overhead_vs_median_task']:.1f} % "
        f"of the median task (goal < 5 %).", ""])


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m sweep.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--designs", nargs="+", default=DEFAULT_DESIGNS, metavar="NAME")
    p.add_argument("--targets", nargs="+", default=DEFAULT_TARGETS, metavar="NAME")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("-o", "--output", default="build/sweep-bench", metavar="DIR")
    args = p.parse_args(argv)
    if args.workers < 2:
        print(f"error: --workers must be at least 2, not {args.workers}", file=sys.stderr)
        return 2
    r = measure(args.designs, args.targets, args.workers, args.output)
    out = Path(args.output)
    (out / "bench.json").write_text(json.dumps(r, indent=1) + "\n")
    text = _markdown(r)
    (out / "bench.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
