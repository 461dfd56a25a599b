"""Generated Verilog shared by the tests of one pytest session (the root ``conftest.py``).

Many tests generate the same top level: ``tb/`` builds each design once per simulator, the lint,
CLI, generator and contract-page tests write the default designs again, formal converts its
designs under the name ``dut``. Elaborating and converting a block costs up to several seconds of
CPU (the 8x8 array about 4 s), so the session converts each ``(block, config, module name)`` once
and every later request reads the text back.

How: :func:`install` wraps :func:`hdl.generate.build` (which labels the component it returns with
the arguments that determine it: :func:`hdl.generate.verilog` promises the same text for the same
arguments) and ``hdl.generate._convert`` (which looks the label up in the cache folder and
converts only on a miss). Every caller of the generator goes through these two, so ``verilog``,
``sidecar`` and ``write`` all share the cache; a component built any other way carries no label
and is converted as usual.

The folder is made by the controlling pytest process for one session and removed at its end, so
a cache never outlives the sources it was generated from; ``pytest -n`` workers share it (entries
are written whole and renamed into place, so a reader never sees half a file; a worker that
misses while another converts the same design waits on the design's lock file and reads the
text, so each design is converted once per session). Tests that check that generation is
deterministic must convert each time: they take the :func:`uncached` context manager (the
``uncached_generation`` fixture of the root ``conftest.py``).
"""

import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

__all__ = ["install", "uncached", "entries"]

_state = {"folder": None, "enabled": True}


def _key(block, config, name):
    # The module name, block and every configuration field (the dataclass repr lists them all).
    return hashlib.sha256(repr((block, config, name)).encode()).hexdigest()


def install(folder):
    """Route :mod:`hdl.generate` conversions of this process through the cache in ``folder``
    (``None``: no cache); returns the folder used before."""
    from hdl import generate
    previous, _state["folder"] = _state["folder"], None if folder is None else Path(folder)
    if getattr(generate.build, "_gencache", False):
        return previous
    build, convert = generate.build, generate._convert

    def cached_build(block, config, *, name=None):
        component = build(block, config, name=name)
        component._gencache_label = (block, config)
        return component

    def cached_convert(component, name):
        label = getattr(component, "_gencache_label", None)
        folder = _state["folder"]
        if label is None or folder is None or not _state["enabled"]:
            return convert(component, name)
        path = folder / f"{_key(*label, name)}.v"
        text = _read(path)
        if text is None:
            # One converter per design: a worker that misses while another converts the same
            # design waits for its text instead of converting it a second time.
            with open(path.with_suffix(".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                text = _read(path)
                if text is None:
                    text = convert(component, name)
                    partial = path.with_suffix(f".{os.getpid()}.tmp")
                    partial.write_text(text, encoding="utf-8")
                    os.replace(partial, path)
                    return text
        _mark_used(component)
        return text

    cached_build._gencache = True
    cached_build.__doc__, cached_convert.__doc__ = build.__doc__, convert.__doc__
    generate.build, generate._convert = cached_build, cached_convert
    return previous


def _read(path):
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _mark_used(component):
    # Not elaborated this time: tell Amaranth the component, and the ones it built in its
    # constructor (the AXI4-Stream wrapper's inner block), were dropped on purpose (it warns,
    # UnusedElaboratable, about an elaboratable that is never elaborated).
    from amaranth.hdl import Elaboratable
    todo, seen = [component], set()
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        item._MustUse__used = True
        todo += [v for v in vars(item).values() if isinstance(v, Elaboratable)]


@contextmanager
def uncached():
    """Within the block, every conversion of this process runs the converter (nothing read from
    or written to the cache)."""
    saved = _state["enabled"]
    _state["enabled"] = False
    try:
        yield
    finally:
        _state["enabled"] = saved


def entries():
    """Number of designs in the cache (0 when none is installed)."""
    folder = _state["folder"]
    return len(list(folder.glob("*.v"))) if folder is not None and folder.exists() else 0
