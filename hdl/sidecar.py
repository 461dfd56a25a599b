"""The JSON sidecar of a generated module: what a Verilog user needs to instantiate it.

Built from the component itself: its ``describe()`` (summary, port meanings, timing), its
signature (directions, widths, payload fields), the block table's parameters
(:func:`hdl.blocks.sidecar_parameters`), and checked against the generated module's header. The
format is in :mod:`hdl.generate`'s docstring.
"""

import re
from importlib import metadata

from amaranth import Shape
from amaranth.lib import data, stream, wiring

from .blocks import sidecar_parameters
from .naming import design_name

__all__ = ["SIDECAR_FORMAT", "describe_module", "module_ports", "declared_ports"]

SIDECAR_FORMAT = "sparq-rtl-sidecar/1"


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
    ports = declared_ports(text, module)
    header = re.search(rf"^module {re.escape(module)}\s*\((?P<ports>[^)]*)\)", text, re.M)
    position = {p.strip(): i for i, p in enumerate(header["ports"].split(","))}
    return sorted(ports, key=lambda port: position.get(port[0], len(position)))


def declared_ports(text, module):
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


def describe_module(block, config, component, module, text):
    """The sidecar of ``component`` (``block`` under ``config``) generated as ``module`` with
    Verilog ``text``."""
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
        "parameters": sidecar_parameters(block, config),
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
