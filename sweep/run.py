"""A sweep as engine tasks: generate and evaluate first, then synthesize and place and route.

Folder ``OUT`` (the result store; ``sweep.output`` or ``-o``)::

    OUT/tasks/<key[:2]>/<key>.json     one record per task (engine.ResultStore): the cache
    OUT/work/generate/<design>/        generated Verilog of each design
    OUT/work/train|evaluate/...        evaluation work folders
    OUT/models/                        trained network weights (evaluation.digits cache)
    OUT/synth/seed<N>/json|work/...    synth.flow.run_one's results and tool folders
    OUT/sweep.csv, sweep.json, sweep.md, pareto.png     the outputs (sweep.table, sweep.charts)

Phase 1 generates every design and trains and evaluates every network, seed and setting; phase 2
synthesizes each design's Verilog on every target (placement seeds for the place-and-route
targets; a place-and-route run follows the area run of the same family). A task whose content key
has a stored record is not run again (a failed one is, with ``retry``).
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine import Engine, Task
from synth.designs import TOP
from synth.flow import Source, check_output_folder, synth_tasks
from synth.plan import job_seconds
from synth.progress import Progress, format_seconds
from synth.targets import TARGETS
from synth.tools import kill_running, tool_versions

from . import tasks as T

__all__ = ["run_sweep", "SweepRun"]

#: Rough task seconds for the ETA before anything is stored (2-core development machine).
TYPICAL = {"generate": 2.0, "train": 30.0, "evaluate": 5.0}


@dataclass
class SweepRun:
    """What :func:`run_sweep` did: the records by key, the tasks of each phase, counts."""
    sweep: object
    out: Path
    records: dict = field(default_factory=dict)
    phase1: list = field(default_factory=list)
    phase2: list = field(default_factory=list)
    point_keys: dict = field(default_factory=dict)     # (design, target, seed) -> synth key
    eval_keys: dict = field(default_factory=dict)      # (network, seed, setting) -> key
    generate_keys: dict = field(default_factory=dict)  # design -> key
    ran: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failed(self):
        return [k for k, r in self.records.items() if r is not None and r["status"] != "ok"]


def _evaluable(settings):
    from evaluation.settings import SETTINGS
    return [s for s in settings if s in SETTINGS]


def _run_phase(engine, run, tasks, labels, estimates, *, retry, force, stream, title, workers):
    # Run one phase's tasks with a progress line each; their records go into ``run``.
    reused, to_run = engine.plan(tasks, retry=retry, force=force)
    run.records.update(reused)
    run.reused += list(reused)
    n = len({t.key for t in tasks})
    print(f"{title}: {n} tasks, {len(reused)} reused from the store"
          + (f", about {format_seconds(sum(estimates[t.key] for t in to_run) / workers)} on "
             f"{workers} worker{'s' if workers > 1 else ''}" if to_run else ""),
          file=stream, flush=True)
    if not to_run:
        return
    order = {t.key: i for i, t in enumerate(to_run)}
    progress = Progress([estimates[t.key] for t in to_run], workers=workers, stream=stream)

    def finish(task, record):
        state = "ok" if record["status"] == "ok" else f"FAILED: {record['error']}"
        progress.finished(order[task.key], labels[task.key], state,
                          failed=record["status"] != "ok")
    try:
        outcome = engine.run(tasks, retry=retry, force=force,
                             on_start=lambda t: progress.started(order[t.key], labels[t.key]),
                             on_finish=finish)
    finally:
        progress.close()
    run.records.update(outcome.records)
    run.ran += outcome.ran


def run_sweep(sweep, *, out=None, scheduler=None, workers=None, retry=False, force=False,
              stream=None, client=None):
    """Run ``sweep`` (a :class:`sweep.spec.Sweep`) into folder ``out`` (default
    ``sweep.output``); returns a :class:`SweepRun`. ``client``: an existing
    ``distributed.Client`` (tests). Raises :class:`synth.flow.OutputFolderError` when the folder
    cannot be written, :class:`engine.EngineInterrupted` on Ctrl-C (records kept)."""
    stream = stream or sys.stderr
    out = Path(out or sweep.output)
    check_output_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    run = SweepRun(sweep=sweep, out=out)
    targets = [TARGETS[t] for t in sweep.targets]
    tools = ["yosys"] + sorted({f"nextpnr-{t.pnr}" for t in targets if t.pnr})
    run.versions = tool_versions(tuple(tools))
    models = str(out / "models")
    engine = Engine(out, scheduler=scheduler, workers=workers, work_root=out,
                    on_interrupt=kill_running, log=lambda text: print(text, file=stream,
                                                                        flush=True),
                    client=client)
    with engine:
        if scheduler is not None:
            engine.client               # connect now: the estimates count its workers
        n_workers = engine.workers
        # Phase 1: generate every design; train and evaluate every network, seed and setting.
        labels, estimates = {}, {}
        for d in sweep.designs:
            key = T.generate_key(d)
            run.generate_keys[d] = key
            run.phase1.append(Task(f"work/generate/{d}", key, T.generate, (d,), kind="generate"))
            labels[key], estimates[key] = f"generate {d}", TYPICAL["generate"]
        for network in sweep.networks:
            data = sweep.network_data(network)
            for seed in sweep.eval_seeds:
                tkey = T.train_key(network, seed, data)
                run.phase1.append(Task(f"work/train/{network}-{seed}", tkey, T.train,
                                       (network, seed, models, data), kind="train"))
                labels[tkey], estimates[tkey] = f"train {network} seed {seed}", TYPICAL["train"]
                for setting in _evaluable(sweep.settings):
                    key = T.evaluate_key(network, seed, setting, data)
                    run.eval_keys[(network, seed, setting)] = key
                    run.phase1.append(Task(f"work/evaluate/{network}-{seed}/{setting}", key,
                                           T.evaluate, (network, seed, setting, models, data),
                                           after=(tkey,), kind="evaluate"))
                    labels[key] = f"evaluate {network} seed {seed} {setting}"
                    estimates[key] = TYPICAL["evaluate"]
        _run_phase(engine, run, run.phase1, labels, estimates, retry=retry, force=force,
                   stream=stream, workers=n_workers, title="generate and evaluate")

        # Phase 2: synthesis and place and route of each generated design.
        sources = {}
        for d in sweep.designs:
            record = run.records.get(run.generate_keys[d])
            if record is not None and record["status"] == "ok":
                r = record["result"]
                sources[d] = Source(d, TOP, r["verilog"], r["info"], tuple(r.get("keep", ())))
        labels, estimates = {}, {}
        for seed in sweep.seeds:
            jobs = [(sources[d], t) for d in sweep.designs if d in sources for t in targets
                    if t.pnr or seed == sweep.seeds[0]]
            folder = out / "synth" / f"seed{seed}"
            tasks = synth_tasks(jobs, folder, seed=seed, force=force,
                                name=lambda s, t, seed=seed: f"synth/seed{seed}/work/{s.name}/"
                                                             f"{t.name}")
            times = job_seconds(jobs, folder)
            for (s, t), task, secs in zip(jobs, tasks, times):
                run.phase2.append(task)
                labels.setdefault(task.key, f"{s.name} / {t.name}"
                                  + (f" / seed {seed}" if t.pnr else ""))
                estimates.setdefault(task.key, secs)
                run.point_keys[(s.name, t.name, seed if t.pnr else None)] = task.key
        _run_phase(engine, run, run.phase2, labels, estimates, retry=retry, force=force,
                   stream=stream, workers=n_workers, title="synthesis and place and route")
    run.seconds = time.monotonic() - start
    return run
