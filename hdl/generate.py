"""The one entry point that turns a block name and a :class:`SparqConfig` into Verilog.

Users, the testbenches and the synthesis flows all call this module (or the ``sparq-rtl`` command
that wraps it), so that every consumer sees the same top levels with the same names.

::

    build(block, config, *, name=None)        -> the amaranth wiring.Component
    default_name(block, config)               -> stable module name, e.g. "sparq_array_sparq_b4_o5_ne_8x8_k1152"
    verilog(block, config, *, name=None)      -> Verilog text (deterministic)
    sidecar(block, config, *, name=None)      -> dict describing the module (JSON-ready)
    write(block, config, path, *, name=None)  -> (FILE.v, FILE.json)

Output is deterministic: the same arguments give byte-identical files (no source locations, no
absolute paths, no timestamps; the header names the pinned Yosys version).

Port documentation
------------------
Every component class that :func:`build` returns has a method ``describe()`` returning a dict::

    {"summary": str,                  # one line
     "ports": {verilog_name: meaning},  # every port except clk/rst; stream valid/ready optional
     "latency": str, "throughput": str, "handshake": str}   # optional, formulas of the parameters

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
from importlib import metadata
from pathlib import Path

from amaranth import Shape
from amaranth.back import verilog as _verilog
from amaranth.lib import data, stream, wiring

from .config import SparqConfig
from .naming import BLOCKS, SPARQ_ONLY as _SPARQ_ONLY, design_name, module_name

__all__ = ["BLOCKS", "build", "default_name", "verilog", "sidecar", "write", "check_name",
           "SIDECAR_FORMAT", "module_ports"]

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

def _check_block(block):
    if not isinstance(block, str) or block not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, not {block!r}")


def _check_config(block, config):
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")
    if block in _SPARQ_ONLY and config.datapath != "sparq":
        raise ValueError(f"block {block!r} exists for datapath 'sparq' only, not {config.datapath!r}")


def check_name(name):
    """Return ``name`` if it is usable as a Verilog module name, else raise ValueError/TypeError.

    Accepted: a simple identifier (letters, digits, ``_``, not starting with a digit) that is not a
    Verilog or SystemVerilog keyword. ``$`` and escaped identifiers are refused on purpose: they
    are legal but break many downstream tools.
    """
    if not isinstance(name, str):
        raise TypeError(f"module name must be a string, not {name!r}")
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
    from .array import SystolicArray
    return SystolicArray


def build(block, config, *, name=None):
    """The :class:`amaranth.lib.wiring.Component` of ``block`` for ``config``.

    ``name`` is validated (see :func:`check_name`) but does not change the component; it only
    names the generated Verilog module.
    """
    _check_block(block)
    _check_config(block, config)
    if name is not None:
        check_name(name)
    return _component_class(block)(config)


def default_name(block, config):
    """A stable module name that encodes every parameter the block depends on.

    ``sparq_window_sparq_b4_o5_ne``, ``sparq_pair_sparq_b4_o3_tr``, ``sparq_pe_sparq_b4_o5_ne_k1152``,
    ``sparq_pe_int8_k1152``, ``sparq_array_sparq_b4_o5_ne_8x8_k1152``, ``sparq_array_a4w8_8x8_k576``:
    ``sparq_`` and the design name of :mod:`hdl.naming` with ``-`` as ``_``.
    """
    _check_block(block)
    _check_config(block, config)
    return module_name(block, config)


def _convert(component, name):
    return _verilog.convert(component, name=name, emit_src=False)


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


def write(block, config, path, *, name=None):
    """Write ``path`` (must end in ``.v``) and the sidecar beside it (same stem, ``.json``).

    Missing parent folders are created. Returns ``(verilog_path, json_path)`` as :class:`Path`.
    Bad arguments raise ValueError/TypeError before anything is generated; an output that cannot
    be written raises ValueError naming the path (chained to the OSError), and neither file is left.
    """
    # Every argument is checked before anything is built or generated.
    _check_block(block)
    _check_config(block, config)
    module = _resolve_name(block, config, name)
    v_path, j_path = _check_output(path)
    component = build(block, config, name=name)
    text = _convert(component, module)
    doc = _sidecar(block, config, component, module, text)
    written = []
    try:
        v_path.parent.mkdir(parents=True, exist_ok=True)
        for target, content in ((v_path, text), (j_path, json.dumps(doc, indent=2) + "\n")):
            written.append(target)
            target.write_text(content, encoding="utf-8", newline="\n")
    except OSError as exc:
        # Leave no half-written pair behind: a .v without its sidecar would look complete.
        for target in written:
            try:
                target.unlink(missing_ok=True)
            except OSError:
                pass    # the error being reported is the write's, not this clean-up's
        raise ValueError(f"output path {str(path)!r} cannot be written: "
                         f"{exc.strerror or exc}") from exc
    return v_path, j_path


def _check_output(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"output path must be a str or path, not {path!r}")
    v_path = Path(path)
    if v_path.suffix != ".v":
        raise ValueError(f"output path must end in .v, not {str(path)!r}")
    if v_path.is_dir():
        raise ValueError(f"output path {str(path)!r} cannot be written: it is a directory")
    # Fail before the (possibly long) conversion when the folder cannot exist.
    for parent in v_path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"output path {str(path)!r} cannot be written: "
                                 f"{str(parent)!r} is not a directory")
            break
    return v_path, v_path.with_suffix(".json")


# -- the sidecar ----------------------------------------------------------------------------------

def _parameters(block, config):
    params = {}
    if block not in _SPARQ_ONLY:
        params["datapath"] = config.datapath
    if config.datapath == "sparq":
        params.update(options=config.options, rounding=config.rounding,
                      shifts=list(config.shifts), shift_width=config.shift_width)
    if block in _SPARQ_ONLY:
        params["mant_width"] = 4
        return params
    if block == "array":
        params.update(rows=config.rows, cols=config.cols)
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
    """``[(name, direction, width)]`` of ``module`` in Verilog ``text``, in declaration order.

    Read from the Verilog itself (the sidecar and the synthesis harness both rely on it). Raises
    ``ValueError`` when the module is missing, has an inout port, or has no ports.
    """
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
        "clock": {"port": "clk", "edge": "rising"} if clocked else None,
        "reset": ({"port": "rst", "polarity": "active-high", "synchronous": True}
                  if clocked else None),
        "timing": timing,
        "ports": ports,
    }


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
