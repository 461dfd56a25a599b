"""The Verilog header and the SystemVerilog package of a generated module, from its sidecar.

Both restate nothing: they are renderings of the sidecar dict (:func:`hdl.generate.sidecar`), so
their values are the sidecar's by construction (``hdl/tests/test_headers.py`` also compiles them
and reads the values back). For module ``m`` (upper case ``M``):

``m.vh`` (Verilog-2005, include guard ```M_VH``)::

    `define M_<PARAMETER> <value>            every parameter: integers, strings ("sparq"), lists
                                             as `M_<PARAMETER>_<i>` with `M_<PARAMETER>_COUNT
    `define M_PORT_<PORT>_WIDTH <bits>            every port
    `define M_PORT_<PORT>_<FIELD>_OFFSET <bit>    every field of a data-layout port (its LSB) ...
    `define M_PORT_<PORT>_<FIELD>_WIDTH <bits>    ... and its width

(``PORT_`` keeps port names apart from parameters: port ``mant``'s width is ``PORT_MANT_WIDTH``,
parameter ``mant_width`` is ``MANT_WIDTH``.)

``m_pkg.sv`` (SystemVerilog package ``m_pkg``): the same names without the ``M_`` prefix, as
``localparam`` (``int`` for numbers, untyped for strings), between Verilator comments that
waive ``UNUSEDPARAM`` (a design reads a few of the constants).

Names: port and field names in upper case, with every run of characters other than letters and
digits as one ``_`` (``a__payload`` -> ``A__PAYLOAD`` keeps its double underscore, field
``data[3][1]`` -> ``DATA_3_1``). Deterministic: the same sidecar gives the same bytes.
"""

import re

__all__ = ["definitions", "verilog_header", "sv_package"]


def _identifier(name):
    # `a__payload` keeps its "__" (one run of underscores is kept as it is); `data[3][1]` -> DATA_3_1.
    text = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")
    return text.upper()


def definitions(doc):
    """``[(name, value, comment)]`` of sidecar ``doc``, in order: parameters, then each port's
    width followed by its fields' offsets and widths. ``value`` is an int or a str. Raises
    ValueError when two entries would get the same name, or a parameter has a value that is
    neither an integer, a string nor a list of them; a bool parameter becomes 1 or 0."""
    out = []
    for key, value in doc["parameters"].items():
        name = _identifier(key)
        if isinstance(value, list):
            for i, item in enumerate(value):
                out.append((f"{name}_{i}", item, f"parameter {key}[{i}]"))
            out.append((f"{name}_COUNT", len(value), f"parameter {key}: number of entries"))
        elif isinstance(value, bool):        # a flag (e.g. skid): 1 or 0
            out.append((name, int(value), f"parameter {key} (1: yes, 0: no)"))
        else:
            out.append((name, value, f"parameter {key}"))
    for port in doc["ports"]:
        pname = "PORT_" + _identifier(port["name"])
        out.append((f"{pname}_WIDTH", port["width"],
                    f"{port['direction']} {port['name']}: width in bits"))
        for field in port.get("fields", []):
            fname = f"{pname}_{_identifier(field['name'])}"
            signed = "signed" if field["signed"] else "unsigned"
            out.append((f"{fname}_OFFSET", field["offset"],
                        f"{port['name']} field {field['name']}: LSB"))
            out.append((f"{fname}_WIDTH", field["width"],
                        f"{port['name']} field {field['name']}: width ({signed})"))
    seen = set()
    for name, value, _ in out:
        if name in seen:
            raise ValueError(f"two header definitions would be named {name!r}")
        seen.add(name)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"parameter value {value!r} of {name!r} is neither an integer nor "
                             f"a string")
    return out


def _literal(value):
    if isinstance(value, str):
        if '"' in value or "\\" in value or "\n" in value:
            raise ValueError(f"string parameter {value!r} cannot be a Verilog string literal")
        return f'"{value}"'
    return str(value)


def _title(doc, what):
    return (f"// {what} of module {doc['module']} ({doc['design']}), rendered from its sidecar\n"
            f"// ({doc['format']}, sparq-hw {doc['generator']['sparq-hw']}). Do not edit.\n")


def verilog_header(doc):
    """Text of ``<module>.vh`` for sidecar ``doc`` (see the module docstring)."""
    prefix = _identifier(doc["module"])
    guard = f"{prefix}_VH"
    lines = [_title(doc, "Widths, parameters and field offsets"),
             f"`ifndef {guard}\n`define {guard}\n\n"]
    for name, value, comment in definitions(doc):
        lines.append(f"`define {prefix}_{name} {_literal(value)}  // {comment}\n")
    lines.append(f"\n`endif  // {guard}\n")
    return "".join(lines)


def sv_package(doc):
    """Text of ``<module>_pkg.sv``: package ``<module>_pkg`` of ``localparam``\\ s."""
    lines = [_title(doc, "SystemVerilog package of the widths, parameters and field offsets"),
             # A user reads a few of the constants: the others must not be lint warnings.
             "/* verilator lint_off UNUSEDPARAM */\n",
             f"package {doc['module']}_pkg;\n"]
    for name, value, comment in definitions(doc):
        kind = "" if isinstance(value, str) else "int "
        lines.append(f"  localparam {kind}{name} = {_literal(value)};  // {comment}\n")
    lines.append(f"endpackage : {doc['module']}_pkg\n/* verilator lint_on UNUSEDPARAM */\n")
    return "".join(lines)
