"""The connectivity of a mapped gate-level netlist, as the energy model needs it.

:func:`read_netlist` reads the netlist :func:`synth.netlist.map_to_cells` wrote back into Yosys
(the cells as black boxes from the Liberty file, ``read_liberty -lib``), merges nets joined by
``assign`` (``opt_clean``), and writes Yosys' JSON, from which it keeps: every cell instance with
its type and the net bit on each pin, the top-level ports, and every net name with its bits.
A net bit is a Yosys bit number (an int); constant drivers are the strings ``"0"``/``"1"``.
"""

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Instance", "Netlist", "read_netlist", "netlist_from_json"]


@dataclass(frozen=True)
class Instance:
    """One cell instance: ``name``, ``cell`` (the Liberty cell name), ``pins`` (pin -> net bit)."""
    name: str
    cell: str
    pins: dict


@dataclass
class Netlist:
    """``top``; ``instances``; ``ports`` (name -> (direction, [bits])); ``netnames`` (name ->
    [bits], every named net, ports included)."""
    top: str
    instances: list
    ports: dict
    netnames: dict = field(repr=False)

    def port_bits(self, direction):
        """Set of the bits of every port of ``direction`` (``"input"``/``"output"``)."""
        return {b for d, bits in self.ports.values() if d == direction for b in bits
                if isinstance(b, int)}

    def bit_names(self):
        """bit -> a readable name (``name[i]``), preferring names without Yosys' ``_N_``/``$``."""
        names = {}
        for name, bits in sorted(self.netnames.items(),
                                 key=lambda kv: (kv[0].startswith(("_", "$")), kv[0])):
            for i, b in enumerate(bits):
                if isinstance(b, int) and b not in names:
                    names[b] = f"{name}[{i}]" if len(bits) > 1 else name
        return names


def netlist_from_json(doc, top):
    """A :class:`Netlist` of module ``top`` of a Yosys JSON document ``doc`` (a dict)."""
    try:
        module = doc["modules"][top]
    except KeyError:
        raise ValueError(f"top {top!r} is not a module of the netlist "
                         f"(modules: {', '.join(sorted(doc.get('modules', {})))})") from None
    instances = []
    for name, cell in module.get("cells", {}).items():
        pins = {}
        for pin, bits in cell["connections"].items():
            if len(bits) != 1:
                raise ValueError(f"cell {name} ({cell['type']}) pin {pin} is {len(bits)} bits wide: "
                                 f"a mapped netlist has one-bit cell pins")
            pins[pin] = bits[0]
        instances.append(Instance(name, cell["type"], pins))
    ports = {name: (p["direction"], p["bits"]) for name, p in module.get("ports", {}).items()}
    netnames = {name: n["bits"] for name, n in module.get("netnames", {}).items()}
    return Netlist(top, instances, ports, netnames)


def read_netlist(netlist_v, top, liberty, workdir):
    """Read the gate-level Verilog ``netlist_v`` (module ``top``, cells of the Liberty file
    ``liberty``) with Yosys in ``workdir``; return its :class:`Netlist`."""
    from synth.tools import run_tool

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if Path(netlist_v).resolve() != (workdir / "netlist.v").resolve():
        shutil.copyfile(netlist_v, workdir / "netlist.v")
    shutil.copyfile(liberty, workdir / "cells.lib")
    script = (f"read_liberty -lib cells.lib\nread_verilog netlist.v\nhierarchy -top {top}\n"
              f"opt_clean\nwrite_json netlist.json\n")
    (workdir / "read.ys").write_text(script)
    run_tool("yosys", ["-q", "-l", "read.log", "read.ys"], cwd=workdir, tail_file="read.log")
    doc = json.loads((workdir / "netlist.json").read_text())
    return netlist_from_json(doc, top)


def fanout(netlist, library):
    """bit -> (summed input-pin capacitance in pF, number of input pins) over every cell."""
    caps = defaultdict(float)
    count = defaultdict(int)
    for inst in netlist.instances:
        cell = library.cell(inst.cell)
        for pin, bit in inst.pins.items():
            if pin in cell.inputs and isinstance(bit, int):
                caps[bit] += cell.inputs[pin]
                count[bit] += 1
    return caps, count
