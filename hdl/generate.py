"""The one entry point that turns a block name and a :class:`SparqConfig` into Verilog.

Users, the testbenches and the synthesis flows all call this module (or the ``sparq-rtl`` command
that wraps it), so that every consumer sees the same top levels with the same names.

::

    build(block, config, *, name=None)        -> the amaranth wiring.Component
    default_name(block, config)               -> stable module name, e.g. "sparq_array_sparq_b4_o5_ne_8x8_k1152"
    verilog(block, config, *, name=None)      -> Verilog text (deterministic)
    sidecar(block, config, *, name=None)      -> dict describing the module (JSON-ready)
    write(block, config, path, *, name=None, fusesoc=False)
                                              -> Written(FILE.v, .json, .vh, _pkg.sv, .f[, .core])

Output is deterministic: the same arguments give byte-identical files (no source locations, no
absolute paths, no timestamps; the header names the pinned Yosys version).

Port documentation
------------------
Every component class that :func:`build` returns has a method ``describe()`` returning a dict::

    {"summary": str,                  # one line
     "ports": {verilog_name: meaning},  # every port except clk/rst; stream valid/ready optional
     "latency": str, "throughput": str, "handshake": str,   # optional, formulas of the parameters
     "clock": {...}, "reset": {...}}   # optional: a block whose clock and reset are ports of its
                                       # signature (aclk, aresetn) states them and their meanings

``verilog_name`` is the signature path joined by ``__`` (stream ``a``'s payload is ``a__payload``).
This module adds what it can derive itself: direction and width of every port (from the signature,
checked against the generated module header), the bit fields of ports whose shape is an
:mod:`amaranth.lib.data` layout, standard text for stream ``valid``/``ready``, and ``clk``/``rst``
when the module is clocked. A port without a meaning, or a meaning for a port that does not exist,
is an error.

Sidecar format (``format: "sparq-rtl-sidecar/1"``)::

    {"format", "module", "block", "design", "summary",    # design: hdl.naming.design_name
     "generator": {"sparq-hw": version, "amaranth": version},
     "parameters": {...},                  # the config fields and derived widths the block uses
     "clock": {"port": "clk", "edge": "rising"} | null,
     "reset": {"port": "rst", "polarity": "active-high", "synchronous": true} | null,
     "timing": {"latency", "throughput", "handshake"}   # those the block states
     "ports": [{"name", "direction": "input"|"output", "width", "signed", "meaning",
                "fields": [{"name", "offset", "width", "signed"}]   # data-layout ports only
               }, ...]}                    # clk, rst first, then signature order
"""

import json
import os
import re
import stat
from pathlib import Path
from typing import NamedTuple

from amaranth.back import verilog as _verilog

from . import headers, packaging
from .blocks import BLOCKS, block_of
from .naming import check, module_name
from .output import (OutputError, fill as _fill, make_folders as _make_folders,
                     put_in_place as _put_in_place, quietly as _quietly, reason as _reason,
                     stat_or_none as _stat, temporary as _temporary)
from .sidecar import SIDECAR_FORMAT, declared_ports as _declared_ports, describe_module, module_ports

__all__ = ["BLOCKS", "build", "default_name", "verilog", "sidecar", "write", "check_name",
           "SIDECAR_FORMAT", "module_ports", "MAX_NAME_LENGTH", "OutputError", "Written",
           "output_paths"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Verilog-2005 and SystemVerilog-2017 reserved words: a module may not be named after one (the
# generated file must parse as either).
_VERILOG_KEYWORDS = frozenset("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic before
begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle checker class
clocking cmos config const constraint context continue cover covergroup coverpoint cross deassign
default defparam design disable dist do edge else end endcase endchecker endclass endclocking
endconfig endfunction endgenerate endgroup endinterface endmodule endpackage endprimitive
endprogram endproperty endspecify endsequence endtable endtask enum event eventually expect export
extends extern final first_match for force foreach forever fork forkjoin function generate genvar
global highz0 highz1 if iff ifnone ignore_bins illegal_bins implements implies import incdir
include initial inout input inside instance int integer interconnect interface intersect join
join_any join_none large let liblist library local localparam logic longint macromodule matches
medium modport module nand negedge nettype new nexttime nmos nor noshowcancelled not notif0 notif1
null or output package packed parameter pmos posedge primitive priority program property protected
pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase
randsequence rcmos real realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran
rtranif0 rtranif1 s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint
shortreal showcancelled signed small soft solve specify specparam static string strong strong0
strong1 struct super supply0 supply1 sync_accept_on sync_reject_on table tagged task this throughout
time timeprecision timeunit tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef
union unique unique0 unsigned until until_with untyped use uwire var vectored virtual void wait
wait_order wand weak weak0 weak1 while wildcard wire with within wor xnor xor
""".split())


# -- validation -----------------------------------------------------------------------------------

#: Longest module name :func:`check_name` accepts. File names are limited to 255 bytes on common
#: file systems; ``-d DIR`` names the files ``MODULE.v`` and ``MODULE.json``, and simulators and
#: synthesis tools derive longer file and cell names from the top module (Verilator:
#: ``V<top>__Syms.h`` and the like; Amaranth: ``\<top>.<instance>``). 128 leaves room for all of
#: them and is far above any descriptive name (the default names of the largest configurations
#: have under 40 characters).
MAX_NAME_LENGTH = 128


def check_name(name):
    """Return ``name`` if it is usable as a Verilog module name, else raise ValueError/TypeError.

    Accepted: a simple identifier (letters, digits, ``_``, not starting with a digit) of at most
    :data:`MAX_NAME_LENGTH` characters that is not a Verilog or SystemVerilog keyword. ``$`` and
    escaped identifiers are refused on purpose: they are legal but break many downstream tools.
    """
    if not isinstance(name, str):
        raise TypeError(f"module name must be a string, not {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"module name must be at most {MAX_NAME_LENGTH} characters, not "
                         f"{len(name)} ({name!r})")
    if not _IDENTIFIER.match(name):
        raise ValueError(f"module name must be a Verilog identifier (letters, digits and _, not "
                         f"starting with a digit), not {name!r}")
    if name in _VERILOG_KEYWORDS:
        raise ValueError(f"module name must not be a Verilog keyword, not {name!r}")
    return name


def _resolve_name(block, config, name):
    return default_name(block, config) if name is None else check_name(name)


# -- the API --------------------------------------------------------------------------------------


def build(block, config, *, name=None):
    """The :class:`amaranth.lib.wiring.Component` of ``block`` for ``config``.

    ``name`` is validated (see :func:`check_name`) but does not change the component; it only
    names the generated Verilog module.
    """
    check(block, config)
    if name is not None:
        check_name(name)
    return block_of(block).component(config)


def default_name(block, config):
    """A stable module name that encodes every parameter the block depends on.

    ``sparq_window_sparq_b4_o5_ne``, ``sparq_pair_sparq_b4_o3_tr``, ``sparq_pe_sparq_b4_o5_ne_k1152``,
    ``sparq_pe_int8_k1152``, ``sparq_array_sparq_b4_o5_ne_8x8_k1152``, ``sparq_array_a4w8_8x8_k576``:
    ``sparq_`` and the design name of :mod:`hdl.naming` with ``-`` as ``_``.
    """
    check(block, config)
    return module_name(block, config)


def _port_order(component, text, name):
    """The top module's ports in the stable order: the clock and reset first (``clk``, ``rst``
    when the block is clocked), then every signature member in signature order (the streams in
    their documented order, each as payload, valid, ready)."""
    order = ["__".join(str(p) for p in path) for path, _, _ in component.signature.flatten(component)]
    declared = {port for port, _, _ in _declared_ports(text, name)}
    return [port for port in ("clk", "rst") if port in declared and port not in order] + order


def _convert(component, name):
    """Verilog of ``component`` as module ``name``, its port list in :func:`_port_order`.

    Yosys lists the ports in an order of its own (inputs first, otherwise by name); the port list
    of the top module's header is rewritten into the stable order, checked to hold exactly the
    declared ports.
    """
    text = _verilog.convert(component, name=name, emit_src=False)
    header = re.search(rf"^module {re.escape(name)}\((?P<ports>[^)]*)\);", text, re.M)
    order = _port_order(component, text, name)
    if header is None or sorted(p.strip() for p in header["ports"].split(",")) != sorted(order):
        raise RuntimeError(f"the Verilog header of {name!r} does not list the ports {order}")
    return text[:header.start("ports")] + ", ".join(order) + text[header.end("ports"):]


def verilog(block, config, *, name=None):
    """Verilog text of ``block`` with top module ``name`` (default: :func:`default_name`).

    Deterministic: the same arguments give the same text. Submodules are emitted in the same file
    under escaped names ``\\<name>.<instance>``.
    """
    component = build(block, config, name=name)
    return _convert(component, _resolve_name(block, config, name))


def sidecar(block, config, *, name=None):
    """The JSON-ready description of the generated module (format in the module docstring)."""
    component = build(block, config, name=name)
    module = _resolve_name(block, config, name)
    return describe_module(block, config, component, module, _convert(component, module))


class Written(NamedTuple):
    """The files :func:`write` wrote, as :class:`Path` objects."""
    verilog: Path       # FILE.v
    sidecar: Path       # FILE.json
    header: Path        # FILE.vh
    package: Path       # FILE_pkg.sv
    filelist: Path      # FILE.f
    core: Path = None   # FILE.core (fusesoc=True)
    testbench: Path = None  # tb_array.v (fusesoc=True, the example array only)


def output_paths(path, *, fusesoc=False, testbench=False):
    """``{kind: path}`` of the files :func:`write` writes for output ``path`` (``FILE.v``):
    ``verilog`` ``FILE.v``, ``sidecar`` ``FILE.json``, ``header`` ``FILE.vh``, ``package``
    ``FILE_pkg.sv``, ``filelist`` ``FILE.f``; with ``fusesoc`` also ``core`` ``FILE.core``, and
    with ``testbench`` ``testbench`` ``tb_array.v`` in the same folder. No check of ``path``."""
    v_path = Path(path)
    paths = {"verilog": v_path, "sidecar": v_path.with_suffix(".json"),
             "header": v_path.with_suffix(".vh"),
             "package": v_path.with_name(v_path.stem + "_pkg.sv"),
             "filelist": v_path.with_suffix(".f")}
    if fusesoc:
        paths["core"] = v_path.with_suffix(".core")
        if testbench:
            paths["testbench"] = v_path.with_name("tb_array.v")
    return paths


#: How an error names each output (``output path 'x.v' cannot be written: ...``).
_LABELS = {"verilog": "output path", "sidecar": "sidecar path", "header": "header path",
           "package": "package path", "filelist": "file list path", "core": "core path",
           "testbench": "testbench path"}


def _render(doc, text, paths):
    """``{kind: text}`` of every output in ``paths``, all from the Verilog ``text`` and the
    sidecar ``doc``."""
    stem = paths["verilog"].stem
    texts = {"verilog": text, "sidecar": json.dumps(doc, indent=2) + "\n",
             "header": headers.verilog_header(doc), "package": headers.sv_package(doc),
             "filelist": packaging.file_list(stem)}
    if "core" in paths:
        texts["core"] = packaging.core_file(doc, stem, testbench="testbench" in paths)
    if "testbench" in paths:
        texts["testbench"] = packaging.EXAMPLE_TESTBENCH.read_text()
    return texts


def write(block, config, path, *, name=None, fusesoc=False):
    """Write ``path`` (must end in ``.v``) and, beside it with the same stem, the sidecar
    (``.json``), the Verilog header (``.vh``), the SystemVerilog package (``_pkg.sv``) and the file
    list (``.f``); with ``fusesoc``, also the FuseSoC core (``.core``) and, for the example array
    (:func:`hdl.packaging.is_example`), its testbench ``tb_array.v``. The header, the package and
    the core are rendered from the sidecar (:mod:`hdl.headers`, :mod:`hdl.packaging`).

    Missing parent folders are created. Returns a :class:`Written` of the paths.
    Bad arguments raise ValueError/TypeError before anything is generated. An output that cannot
    be written raises :class:`OutputError` (a ValueError) naming the path, chained to the OSError
    when there is one.

    Every file is written to a temporary file in the target folder, created before the
    (possibly long) generation so that a folder that cannot take a file fails at once, and renamed
    into place only when all are complete (the Verilog last). On any failure (or an interrupt) the
    temporaries and the folders created here are removed and existing files at every path are
    left as they were.
    """
    # Every argument is checked before anything is built, generated or created.
    check(block, config)
    module = _resolve_name(block, config, name)
    if not isinstance(fusesoc, bool):
        raise TypeError(f"fusesoc must be True or False, not {fusesoc!r}")
    paths = _check_output(path, fusesoc=fusesoc,
                          testbench=packaging.is_example(block, config, module))
    label = f"output path {str(path)!r}"
    created, temporaries = [], []
    try:
        try:
            _make_folders(paths["verilog"].parent, created)
            tmps = {kind: _temporary(paths["verilog"].parent, temporaries) for kind in paths}
        except OSError as exc:
            raise OutputError(f"{label} cannot be written: {_reason(exc)}") from exc
        component = build(block, config, name=name)
        text = _convert(component, module)
        doc = describe_module(block, config, component, module, text)
        try:
            for kind, content in _render(doc, text, paths).items():
                _fill(tmps[kind], content)
        except OSError as exc:
            raise OutputError(f"{label} cannot be written: {_reason(exc)}") from exc
        # The Verilog last: a .v never stands without its sidecar and headers.
        order = [kind for kind in paths if kind != "verilog"] + ["verilog"]
        _put_in_place([(tmps[kind], paths[kind], f"{_LABELS[kind]} {str(paths[kind])!r}")
                       for kind in order])
    except BaseException:
        # Leave nothing behind: no temporary, no half-written set, no folder made for them.
        for tmp in temporaries:
            _quietly(os.unlink, tmp)
        for folder in reversed(created):
            _quietly(os.rmdir, folder)
        raise
    return Written(**paths)


# -- output paths ---------------------------------------------------------------------------------


# -- output paths ---------------------------------------------------------------------------------

def _check_output(path, **kinds):
    """:func:`output_paths` of output ``path``, checked without creating anything."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"output path must be a str or path, not {path!r}")
    v_path = Path(path)
    if v_path.suffix != ".v":
        raise ValueError(f"output path must end in .v, not {str(path)!r}")
    paths = output_paths(v_path, **kinds)
    label = f"output path {str(path)!r}"
    try:
        # Fail before the (possibly long) conversion when the folder cannot exist.
        for parent in v_path.parents:
            st = _stat(parent)
            if st is not None:
                if not stat.S_ISDIR(st.st_mode):
                    raise OutputError(f"{label} cannot be written: {str(parent)!r} is not a "
                                      f"directory")
                break
        for kind, target in paths.items():
            what = f"{_LABELS[kind]} {str(target)!r}"
            try:
                st = _stat(target)
            except OSError as exc:      # a name too long, a loop of links, no permission
                raise OutputError(f"{what} cannot be written: {_reason(exc)}") from exc
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise OutputError(f"{what} cannot be written: it is a directory")
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{label} cannot be written: {_reason(exc)}") from exc
    return paths
