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
import secrets
import shutil
import stat
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from amaranth import Shape
from amaranth.back import verilog as _verilog
from amaranth.lib import data, stream, wiring

from . import headers, packaging
from .naming import BLOCKS, SPARQ_ONLY as _SPARQ_ONLY, check, design_name, module_name

__all__ = ["BLOCKS", "build", "default_name", "verilog", "sidecar", "write", "check_name",
           "SIDECAR_FORMAT", "module_ports", "MAX_NAME_LENGTH", "OutputError", "Written",
           "output_paths"]

SIDECAR_FORMAT = "sparq-rtl-sidecar/1"

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

def _component_class(block):
    # Imported on demand: building a window should not need the array's module to import.
    if block == "window":
        from .window import WindowSelector
        return WindowSelector
    if block == "pair":
        from .pair import PairEncoder
        return PairEncoder
    if block == "pe":
        from .pe import ProcessingElement
        return ProcessingElement
    if block == "dotprod":
        from .dotprod import DotProduct
        return DotProduct
    from .array import SystolicArray
    return SystolicArray


def _component(block, config):
    if block == "array" and config.interface == "axis":
        from .axis import AxisArray
        return AxisArray(config)
    if block == "dotprod" and config.interface == "axis":
        from .axis import AxisDotProduct
        return AxisDotProduct(config)
    if config.stc:
        # The 2:4 structured-sparse PE and array (hdl/stc_pe.py, hdl/stc_array.py).
        if block == "pe":
            from .stc_pe import StcProcessingElement
            return StcProcessingElement(config)
        from .stc_array import StcArray
        return StcArray(config)
    return _component_class(block)(config)


def build(block, config, *, name=None):
    """The :class:`amaranth.lib.wiring.Component` of ``block`` for ``config``.

    ``name`` is validated (see :func:`check_name`) but does not change the component; it only
    names the generated Verilog module.
    """
    check(block, config)
    if name is not None:
        check_name(name)
    return _component(block, config)


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
    return _sidecar(block, config, component, module, _convert(component, module))


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
        doc = _sidecar(block, config, component, module, text)
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

class OutputError(ValueError):
    """An output path that cannot be written (the ``sparq-rtl`` command exits with status 1)."""


def _reason(exc):
    return exc.strerror or str(exc)


def _quietly(call, *args):
    try:
        call(*args)
    except OSError:
        pass    # a clean-up step; the error being reported is the one that caused it


def _stat(path):
    """``os.stat`` of ``path``, or None when it (or a folder on the way) does not exist."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


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


def _make_folders(folder, created):
    """Create ``folder`` and its missing parents, appending each one made to ``created``."""
    missing = []
    for f in (folder, *folder.parents):
        if _stat(f) is not None:
            break
        missing.append(f)
    for f in reversed(missing):
        os.mkdir(f)
        created.append(f)


def _temporary(folder, temporaries):
    """Create an empty temporary file in ``folder``; its path is appended to ``temporaries``."""
    while True:
        tmp = folder / f".sparq-rtl-{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)   # mode after umask
        except FileExistsError:
            continue
        os.close(fd)
        temporaries.append(tmp)
        return tmp


def _fill(tmp, text):
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def _backup(target):
    """A second name for the existing file ``target`` (a hard link, else a copy)."""
    while True:
        backup = target.parent / f".sparq-rtl-{secrets.token_hex(6)}.bak"
        try:
            os.link(target, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:
            break       # no hard links on this file system
    temporaries = []
    try:
        backup = _temporary(target.parent, temporaries)
        shutil.copy2(target, backup, follow_symlinks=False)
    except BaseException:
        for tmp in temporaries:
            _quietly(os.unlink, tmp)
        raise
    return backup


def _put_in_place(moves):
    """Rename each ``(temporary, target, label)`` of ``moves`` onto its target: all or none.

    When a rename fails, the targets already replaced are restored from their backups (or
    removed when they did not exist before) and OutputError names the target that failed.
    """
    done, backups = [], []      # done: (target, its backup or None)
    try:
        for tmp, target, what in moves:
            try:
                backup = _backup(target) if os.path.lexists(target) else None
                if backup is not None:
                    backups.append(backup)
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(f"{what} cannot be written: {_reason(exc)}") from exc
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                _quietly(os.replace, backup, target)
            else:
                _quietly(os.unlink, target)
        raise
    finally:
        for backup in backups:
            _quietly(os.unlink, backup)     # gone already when it was used to restore


# -- the sidecar ----------------------------------------------------------------------------------

def _parameters(block, config):
    params = {}
    if block not in _SPARQ_ONLY:
        params["datapath"] = config.datapath
    if config.datapath == "sparq":
        params.update(bits=config.bits, options=config.options, rounding=config.rounding,
                      shifts=list(config.shifts), shift_width=config.shift_width)
        if block != "window":
            # The lone-value rule: the window a lone activation gets (exact 8 bits at shift 0
            # under 4-bit windows).
            params.update(lone_bits=config.lone_bits, lone_shifts=list(config.lone_shifts))
    if block in _SPARQ_ONLY:
        params["mant_width"] = config.bits
        return params
    if block == "array":
        params.update(rows=config.rows, cols=config.cols, interface=config.interface,
                      skid=config.skid)
    if block == "dotprod":
        from . import dotprod
        params.update(rows=config.rows, cols=config.cols, pairs=config.pairs,
                      interface=config.interface, skid=config.skid, max_k=config.max_k,
                      positions=dotprod.positions(config), max_steps=dotprod.max_steps(config),
                      act_width=config.act_width, mant_width=config.mant_width,
                      weight_width=config.weight_width, max_act_value=config.max_act_value,
                      acc_width=dotprod.acc_width(config), mul_pipe=config.mul_pipe,
                      dsp_pack=config.dsp_pack, latency=dotprod.latency(config))
        return params
    if config.stc:
        params.update(stc=True, k_per_transfer=config.k_per_transfer,
                      max_products=config.max_products)
    params.update(mul_pipe=config.mul_pipe, pe_latency=config.pe_latency)
    params.update(max_k=config.max_k, max_pairs=config.max_pairs, act_width=config.act_width,
                  mant_width=config.mant_width, weight_width=config.weight_width,
                  max_act_value=config.max_act_value, acc_width=config.acc_width)
    return params


def _layout_fields(layout, prefix="", offset=0):
    # Leaf fields of a data layout, LSB first, with absolute bit offsets.
    fields = []
    if isinstance(layout, data.ArrayLayout):
        items = ((f"{prefix}[{i}]", layout.elem_shape, i * Shape.cast(layout.elem_shape).width)
                 for i in range(layout.length))
    else:
        items = ((f"{prefix}.{n}" if prefix else n, f.shape, f.offset) for n, f in layout)
    for name, shape, off in items:
        if isinstance(shape, data.Layout):
            fields += _layout_fields(shape, name, offset + off)
        else:
            s = Shape.cast(shape)
            fields.append({"name": name, "offset": offset + off, "width": s.width,
                           "signed": s.signed})
    return fields


def _stream_members(signature, prefix=()):
    # Paths of the stream interfaces in a signature, to give their valid/ready standard meanings.
    found = {}
    for name, member in signature.members.items():
        if member.is_signature:
            sig = member.signature
            if isinstance(sig, wiring.FlippedSignature):
                sig = sig.flip()
            if isinstance(sig, stream.Signature):
                found[prefix + (name,)] = member.flow
            else:
                found.update(_stream_members(sig, prefix + (name,)))
    return found


def _stream_text(stream_name, flow, leaf):
    # flow is the stream's direction as seen by the block: In = the block consumes it.
    sink = flow == wiring.In
    if leaf == "valid":
        who = "the producer" if sink else "this block"
        return (f"stream {stream_name}: {who} holds a payload on {stream_name}__payload; a transfer "
                f"happens on a rising clk edge with {stream_name}__valid and {stream_name}__ready "
                f"both high; once high, valid stays high and the payload stable until the transfer")
    who = "this block" if sink else "the consumer"
    return f"stream {stream_name}: {who} accepts a transfer this cycle"


_PORT_DECL = re.compile(r"^\s*(input|output|inout)\s+(?:wire\s+|reg\s+)?(?:signed\s+)?"
                        r"(?:\[(\d+):(\d+)\]\s*)?([A-Za-z_][A-Za-z0-9_$]*)\s*;", re.M)


def module_ports(text, module):
    """``[(name, direction, width)]`` of ``module`` in Verilog ``text``, in the order of the
    module header's port list (the order of positional connections).

    Read from the Verilog itself (the sidecar and the synthesis harness both rely on it). Raises
    ``ValueError`` when the module is missing, has an inout port, or has no ports.
    """
    ports = _declared_ports(text, module)
    header = re.search(rf"^module {re.escape(module)}\s*\((?P<ports>[^)]*)\)", text, re.M)
    position = {p.strip(): i for i, p in enumerate(header["ports"].split(","))}
    return sorted(ports, key=lambda port: position.get(port[0], len(position)))


def _declared_ports(text, module):
    # (name, direction, width) of every port declaration of `module`, in declaration order.
    start = re.search(rf"^module {re.escape(module)}\s*\(", text, re.M)
    if start is None:
        raise ValueError(f"the Verilog has no module {module!r}")
    end = text.index("endmodule", start.end())
    ports = []
    for m in _PORT_DECL.finditer(text, start.end(), end):
        if m.group(1) == "inout":
            raise ValueError(f"module {module!r} has an inout port {m.group(4)!r}")
        msb, lsb = int(m.group(2) or 0), int(m.group(3) or 0)
        ports.append((m.group(4), m.group(1), abs(msb - lsb) + 1))
    if not ports:
        raise ValueError(f"module {module!r} has no ports")
    return ports


def _sidecar(block, config, component, module, text):
    described = component.describe()
    meanings = dict(described.get("ports", {}))
    streams = _stream_members(component.signature)
    header = {name: (direction, width) for name, direction, width in module_ports(text, module)}
    clocked = "clk" in header

    ports = []
    if clocked:
        ports.append({"name": "clk", "direction": "input", "width": 1, "signed": False,
                      "meaning": "clock; every register and stream transfer uses its rising edge"})
        ports.append({"name": "rst", "direction": "input", "width": 1, "signed": False,
                      "meaning": "synchronous reset, active high: clears state and handshakes"})
    for path, member, _ in component.signature.flatten(component):
        port = "__".join(str(p) for p in path)
        shape = member.shape
        width = Shape.cast(shape).width
        signed = False if isinstance(shape, data.Layout) else Shape.cast(shape).signed
        meaning = meanings.pop(port, None)
        if meaning is None and path[:-1] in streams and path[-1] in ("valid", "ready"):
            meaning = _stream_text("__".join(str(p) for p in path[:-1]), streams[path[:-1]], path[-1])
        if meaning is None:
            raise ValueError(f"{type(component).__name__}.describe() gives no meaning for port "
                             f"{port!r}")
        entry = {"name": port, "direction": "input" if member.flow == wiring.In else "output",
                 "width": width, "signed": signed, "meaning": meaning}
        if isinstance(shape, data.Layout):
            entry["fields"] = _layout_fields(shape)
        ports.append(entry)
    if meanings:
        raise ValueError(f"{type(component).__name__}.describe() documents ports that do not "
                         f"exist: {', '.join(sorted(meanings))}")

    # The sidecar must describe the module a Verilog user instantiates, exactly.
    listed = {p["name"]: (p["direction"], p["width"]) for p in ports}
    if listed != header:
        raise RuntimeError(f"sidecar ports {listed} differ from the Verilog module's {header}")

    timing = {key: described[key] for key in ("latency", "throughput", "handshake")
              if key in described}
    return {
        "format": SIDECAR_FORMAT,
        "module": module,
        "block": block,
        "design": design_name(block, config),
        "summary": described.get("summary", ""),
        "generator": {"sparq-hw": _version("sparq-hw"), "amaranth": _version("amaranth")},
        "parameters": _parameters(block, config),
        "clock": described.get("clock", {"port": "clk", "edge": "rising"} if clocked else None),
        "reset": described.get("reset", {"port": "rst", "polarity": "active-high",
                                         "synchronous": True} if clocked else None),
        "timing": timing,
        "ports": ports,
    }


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
