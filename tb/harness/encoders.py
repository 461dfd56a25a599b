"""One simulation build holding every window selector and pair encoder setting.

The window selector and the pair encoder are combinational and small, and they are checked
exhaustively for all ten settings (4-bit windows with options 5/3/2, 3-bit with 6, 2-bit with 7,
x both roundings). Rather than one build per setting (a Verilator build costs seconds), this
module writes a test harness ``tb_encoders`` that instantiates the twenty generated modules, unchanged and by their port names (as a user's design
would), side by side on two shared inputs ``a0``, ``a1`` (the window selectors see ``a0``), and
concatenates every output into one vector ``y``. The cocotb side reads ``y`` once per input and
splits it with NumPy, so a sweep of all 65,536 pairs checks all twenty modules.

The field list (instance, port, bit offset, width) goes to the cocotb side as JSON.
"""

import json

from hdl.config import ROUNDINGS, WINDOW_SHIFTS, SparqConfig
from tb import sim

__all__ = ["SETTINGS", "TOP", "suite_files", "build_suite"]

#: Every (bits, options, rounding) of the hardware.
SETTINGS = tuple((bits, options, rounding) for bits, options in WINDOW_SHIFTS
                 for rounding in ROUNDINGS)
TOP = "tb_encoders"

#: Inputs of each block, wired to the harness inputs.
_INPUTS = {"window": {"x": "a0"}, "pair": {"a0": "a0", "a1": "a1"}}


def _contract_ports(block, config):
    # The port list agreed in the interface contract: names, directions, widths.
    sw, n = config.shift_width, config.bits
    if block == "window":
        return {"x": ("input", 8), "mant": ("output", n), "shift": ("output", sw)}
    ports = {"a0": ("input", 8), "a1": ("input", 8)}
    for j in (0, 1):
        ports |= {f"mant{j}": ("output", n), f"shift{j}": ("output", sw), f"src{j}": ("output", 1)}
    return ports


def suite_files(settings=SETTINGS):
    """``({file name: text}, fields)`` of the harness over ``settings`` ((bits, options, rounding)).

    ``fields`` lists ``{"instance", "block", "bits", "options", "rounding", "port", "offset",
    "width"}``,
    offsets counted from bit 0 of ``y``. Raises AssertionError when a generated module's sidecar
    disagrees with the contract's ports.
    """
    files, fields, body = {}, [], []
    offset = 0
    for bits, options, rounding in settings:
        config = SparqConfig(bits=bits, options=options, rounding=rounding)
        for block in ("window", "pair"):
            generated = sim.generated_files(block, config)
            files.update(generated)
            module = next(name for name in generated if name.endswith(".v"))[:-2]
            sidecar = json.loads(generated[f"{module}.json"])
            ports = {p["name"]: (p["direction"], p["width"]) for p in sidecar["ports"]}
            assert ports == _contract_ports(block, config), \
                f"{module}: ports {ports} differ from the contract {_contract_ports(block, config)}"
            instance = f"u_{module}"
            connections = []
            for port, (direction, width) in ports.items():
                if direction == "input":
                    connections.append(f".{port}({_INPUTS[block][port]})")
                    continue
                wire = f"{instance}__{port}"
                body.append(f"  wire [{width - 1}:0] {wire};")
                connections.append(f".{port}({wire})")
                fields.append({"instance": instance, "block": block, "bits": bits,
                               "options": options,
                               "rounding": rounding, "port": port, "offset": offset,
                               "width": width, "wire": wire})
                offset += width
            body.append(f"  {module} {instance} ({', '.join(connections)});")
    concat = ", ".join(f["wire"] for f in reversed(fields))   # first field at bit 0
    files[f"{TOP}.v"] = "\n".join([
        "// Test harness: every generated window selector and pair encoder on shared inputs.",
        f"module {TOP} (input [7:0] a0, input [7:0] a1, output [{offset - 1}:0] y);",
        *body,
        f"  assign y = {{{concat}}};",
        "endmodule", ""])
    return files, fields


def build_suite(simulator, settings=SETTINGS):
    """Build the harness for ``simulator``; returns ``(Build, fields)``."""
    files, fields = suite_files(settings)
    key = "encoders-" + "-".join(f"b{b}o{o}{r[0]}" for b, o, r in settings)
    return sim.build_verilog(files, TOP, simulator, key), fields
