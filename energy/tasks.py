"""The runs of one ``sparq-rtl energy`` command as task-engine tasks (:mod:`engine`, Dask).

Two kinds of task:

- a **map** task per design (:func:`map_task`): the block's Verilog mapped onto the cells and its
  connectivity read back (:func:`energy.run.map_design`); its record holds the paths of the
  netlist and of its Yosys JSON, the cell statistics and the mapping script;
- a **measure** task per design and operand stream (:func:`measure_task`): after its design's
  map task, the gate-level simulation, the activity and the pricing
  (:func:`energy.run.measure`); its record is the run's JSON-ready result, as ``energy.json``
  lists it.

Keys (:func:`engine.content_key`): a map task's of :data:`TASK_FORMAT`, the block, the Verilog's
SHA-256, the library's provenance (its checksums), Yosys' version and the mapping script; a
measure task's of :data:`MEASURE_FORMAT`, its map key, the workload spec (:func:`energy.workload.from_spec`: the same
spec gives the same operands), the simulation mode, the pricing options and the versions of
Icarus, pywellen and lln-libparse. A stored record with the key is reused, not run again.

Work folders are those of a run in one process: ``<out>/work/<block>-<datapath>/`` for the
mapping, a folder per stream under it (``synthetic-specify``, ``sweep-0.5-zero-delay``, ...).
When a reused map record's files are gone (the work folder was removed), a measure task maps the
design again in its own folder (``mapped``) rather than failing.
"""

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from engine import Task, content_key

__all__ = ["TASK_FORMAT", "MEASURE_FORMAT", "Run", "map_task", "measure_task", "energy_tasks", "run_tasks",
           "kill_tools", "TaskFailed", "RunsInterrupted"]

#: Part of every key: a change of what a task computes or records changes it.
TASK_FORMAT = "sparq-energy-task/1"
#: Part of a measure task's key only: a change of the pricing or its record (2: the logic split,
#: ``logic_pj``) measures again without mapping again.
MEASURE_FORMAT = 2


@dataclass(frozen=True)
class Run:
    """One measurement of a command: ``config`` (a :class:`hdl.config.SparqConfig`), ``spec``
    (the workload spec), ``mode``, ``folder`` (its work folder under the design's), ``group``
    (``runs``, ``sweep``, ``stall_checks``: where ``energy.json`` lists it), ``label`` (progress
    lines), ``stall``: ``(probability, seed)`` for a stall independence check
    (:func:`energy.run.stall_check`) instead of a measurement."""
    config: object
    spec: dict
    mode: str
    folder: str
    group: str
    label: str
    stall: tuple = None


def _design_folder(block, config):
    return f"{block}-{config.datapath}"


def map_task(workdir, block, config, library, text):
    """Engine task: map ``block`` of ``config`` (Verilog ``text``) onto ``library`` in
    ``workdir``; returns the record a measure task rebuilds the mapped design from."""
    from .run import map_design
    mapped = map_design(block, config, library, workdir, text=text)
    return {"name": mapped.name, "netlist_v": str(mapped.netlist_v),
            "netlist_json": str(Path(workdir) / "read" / "netlist.json"), "stat": mapped.stat,
            "script": mapped.script}


def _mapped(block, config, library, record, workdir):
    # The mapped design of a map record; mapped again here when its files are gone.
    from .netgraph import netlist_from_json
    from .run import MappedDesign, map_design
    netlist_v, netlist_json = Path(record["netlist_v"]), Path(record["netlist_json"])
    if netlist_v.is_file() and netlist_json.is_file():
        netlist = netlist_from_json(json.loads(netlist_json.read_text()), record["name"])
        return MappedDesign(block, config, record["name"], netlist_v, netlist, record["stat"],
                            record["script"])
    return map_design(block, config, library, Path(workdir) / "mapped")


def measure_task(workdir, block, config, library, spec, mode, options, stall=None, deps=None):
    """Engine task: the energy of ``block`` of ``config`` on the workload ``spec`` in ``mode``
    with the :class:`energy.model.PricingOptions` ``options``, after its map task (``deps``:
    that task's record); with ``stall`` the stall independence check of that stream instead.
    Returns the run's JSON-ready result."""
    from .liberty import read_liberty
    from .run import measure, stall_check
    from .workload import from_spec
    (record,) = (deps or {}).values()
    if record["status"] != "ok":
        raise RuntimeError(f"the mapping of {block} {config.datapath} failed: {record['error']}")
    mapped = _mapped(block, config, library, record["result"], workdir)
    work = from_spec(config, spec)
    if stall is not None:
        return stall_check(mapped, read_liberty(library.liberty), library, work, workdir,
                           stall=tuple(stall), mode=mode, options=options)
    return measure(mapped, read_liberty(library.liberty), library, work, workdir, mode=mode,
                   options=options)


def energy_tasks(block, runs, library, options, versions):
    """``(tasks, map_keys, run_keys)``: one map task per design of ``runs`` (a list of
    :class:`Run`), one measure task per run; ``versions`` the tool versions the keys hold."""
    from hdl import generate
    from synth.netlist import mapping_inputs
    tasks, map_keys, run_keys = [], {}, []
    for run in runs:
        config = run.config
        folder = _design_folder(block, config)
        if folder not in map_keys:
            text = generate.verilog(block, config)
            name = generate.default_name(block, config)
            key = content_key(TASK_FORMAT, "map", block, hashlib.sha256(text.encode()).hexdigest(),
                              library.provenance, versions.get("yosys"), mapping_inputs(name))
            map_keys[folder] = key
            tasks.append(Task(folder, key, map_task, (block, config, library, text), kind="map",
                              estimate=_map_estimate(block, config)))
        key = content_key(TASK_FORMAT, "measure", MEASURE_FORMAT, map_keys[folder], run.spec,
                          run.mode, run.stall,
                          options.as_dict(), {k: versions.get(k) for k in
                                              ("icarus", "pywellen", "lln-libparse")})
        run_keys.append(key)
        if key in run_keys[:-1]:
            continue        # the same measurement listed twice (a sweep point equal to the run)
        tasks.append(Task(f"{folder}/{run.folder}", key, measure_task,
                          (block, config, library, run.spec, run.mode, options, run.stall),
                          after=(map_keys[folder],), kind="measure",
                          estimate=_measure_estimate(block, config, run)))
    return tasks, map_keys, run_keys


def _map_estimate(block, config):
    # Rough relative wall seconds (only the progress line's time left reads them).
    return 20.0 * (config.rows * config.cols * config.pairs if block == "dotprod" else 1)


def _measure_estimate(block, config, run):
    pairs = run.spec.get("pairs", 1000)
    scale = config.rows * config.cols * config.pairs if block == "dotprod" else 1
    return (3.0 if run.mode == "specify" else 1.0) * scale * pairs / 200.0


def kill_tools():
    """Kill the Yosys and Icarus processes the tasks of this process started (run on every
    worker of an interrupted run): both run through :func:`synth.tools.run_process`."""
    from synth.tools import kill_running
    kill_running()


class TaskFailed(RuntimeError):
    """An energy task failed (a tool, a result that differs from golden); the others finished."""


class RunsInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during :func:`run_tasks`: the running tasks were stopped; ``done`` of
    ``total`` measurements had finished and are stored for a rerun."""

    def __init__(self, done, total):
        super().__init__()
        self.done, self.total = done, total


def run_tasks(block, runs, library, options, versions, out, *, workers=2, scheduler=None,
              force=False, stream=None):
    """Run ``runs`` (a list of :class:`Run`) on the task engine with its store in ``out``:
    returns ``(records, reused, seconds)``: the result of each run in order, how many
    measurements were reused from the store, the engine's wall seconds.

    One progress line per finished task on ``stream`` (default stderr: a live line on a
    terminal). A failed task raises :class:`TaskFailed` with its first error line, after the
    others finished (their results are stored). Ctrl-C raises :class:`RunsInterrupted`."""
    from engine import Engine, EngineInterrupted
    from synth.progress import Progress

    tasks, map_keys, run_keys = energy_tasks(block, runs, library, options, versions)
    index = {t.key: i for i, t in enumerate(tasks)}
    labels = {}
    for t in tasks:
        labels[t.key] = t.name if t.kind == "map" else None
    for run, key in zip(runs, run_keys):
        labels[key] = run.label
    stream = stream or sys.stderr
    progress = Progress([t.estimate for t in tasks], workers=workers, stream=stream)
    records = {}

    def finish(task, record, reused=False):
        records[task.key] = record
        if record["status"] != "ok":
            state, failed = f"FAILED: {record['error']}", True
        else:
            how = "reused" if reused else f"{record['seconds']:.0f} s"
            result = record["result"]
            if task.kind == "map":
                state = f"{result['stat'].get('num_cells')} cells ({how})"
            elif "check" in result:
                state = (f"stall check passed, {result['stalled']['pj_per_mac']:.4f} pJ/MAC "
                         f"stalled against {result['unstalled']['pj_per_mac']:.4f} ({how})")
            else:
                state = f"{result['pj_per_mac']:.4f} pJ/MAC ({how})"
            failed = False
        progress.finished(index[task.key], labels[task.key], state, failed)

    def start(task):
        progress.started(index[task.key], labels[task.key])

    reused_runs = 0
    try:
        with Engine(out, workers=workers, scheduler=scheduler,
                    on_interrupt=kill_tools) as engine:
            reused, _ = engine.plan(tasks, retry=True, force=force)
            reused_runs = len(set(run_keys) & set(reused))
            for task in tasks:
                if task.key in reused:
                    finish(task, reused.pop(task.key), reused=True)
            outcome = engine.run(tasks, retry=True, force=force, on_start=start,
                                 on_finish=finish)
    except EngineInterrupted:
        done = sum(1 for k in set(run_keys) if records.get(k, {}).get("status") == "ok")
        raise RunsInterrupted(done, len(set(run_keys))) from None
    finally:
        progress.close()
    failed = [records[t.key] for t in tasks if records[t.key]["status"] != "ok"]
    if failed:
        raise TaskFailed(f"{len(failed)} of {len(tasks)} energy tasks failed; first: "
                         f"{failed[0]['name']}: {failed[0]['error']}")
    return [records[k]["result"] for k in run_keys], reused_runs, outcome.seconds
