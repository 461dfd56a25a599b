"""The file list and the FuseSoC core file of a generated module, from its sidecar.

``FILE.f`` (always written): a plain file list, paths relative to the list's own folder (read it
with ``verilator -F FILE.f``, which resolves them so, or from that folder with ``iverilog -c``)::

    +incdir+.
    FILE.v

``FILE.core`` (``sparq-rtl verilog ... --fusesoc``): a FuseSoC CAPI2 core named
``sparq:hw:<module>:<sparq-hw version>`` with the filesets ``rtl`` (``FILE.v``), ``headers``
(``FILE.vh``, an include file) and ``package`` (``FILE_pkg.sv``), and the targets

- ``default``: ``rtl`` and ``headers``, toplevel the module: plain Verilog-2005, what a core that
  depends on this one receives, so that it compiles with Icarus ``-g2005`` (and any Verilog
  tool); the SystemVerilog package is not in it (a SystemVerilog user adds ``FILE_pkg.sv`` to a
  fileset of their own);
- ``lint``: Verilator ``--lint-only -Wall`` with the project's waivers (:data:`hdl.lint.LINT_WAIVERS`);
- ``sim`` (the ``make example`` array only, :data:`EXAMPLE_CONFIG` named :data:`EXAMPLE_NAME`):
  Icarus (``-g2005``) running the example testbench ``hdl/example/tb_array.v``, written beside the
  core as ``tb_array.v``; it prints ``PASS``. Its expected values are worked out by hand for that
  configuration, so no other array gets the target.

Deterministic: the same sidecar gives the same bytes.
"""

from pathlib import Path

from .config import SparqConfig
from .lint import LINT_WAIVERS

__all__ = ["EXAMPLE_CONFIG", "EXAMPLE_NAME", "EXAMPLE_TESTBENCH", "is_example", "file_list",
           "core_file", "core_name"]

#: The array of ``make example`` and of the example testbench.
EXAMPLE_CONFIG = SparqConfig(rows=2, cols=2, max_k=8)
EXAMPLE_NAME = "sparq_array_example"
#: The example testbench (top module ``tb_array``).
EXAMPLE_TESTBENCH = Path(__file__).resolve().parent / "example" / "tb_array.v"


def is_example(block, config, module):
    """True for the array the example testbench checks (``make example``)."""
    return block == "array" and config == EXAMPLE_CONFIG and module == EXAMPLE_NAME


def file_list(stem):
    """Text of ``<stem>.f``: the include folder and the Verilog, relative to the list."""
    return f"+incdir+.\n{stem}.v\n"


def core_name(doc):
    """``sparq:hw:<module>:<version>`` of sidecar ``doc``."""
    return f"sparq:hw:{doc['module']}:{doc['generator']['sparq-hw']}"


def _quote(text):
    # YAML double-quoted scalar.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def core_file(doc, stem, *, testbench=False):
    """Text of ``<stem>.core`` for sidecar ``doc``; ``testbench``: add the ``sim`` target with the
    example testbench file ``tb_array.v`` (see the module docstring)."""
    module = doc["module"]
    waivers = ", ".join(["-Wall", *LINT_WAIVERS])
    lines = [
        "CAPI=2:",
        f"# FuseSoC core of the generated module {module} ({doc['design']}), written by",
        "# sparq-rtl verilog --fusesoc. Do not edit.",
        f"name: {core_name(doc)}",
        f"description: {_quote(doc['summary'])}",
        "",
        "filesets:",
        "  rtl:",
        "    files:",
        f"      - {stem}.v",
        "    file_type: verilogSource",
        "  headers:",
        "    files:",
        f"      - {stem}.vh: {{is_include_file: true}}",
        "    file_type: verilogSource",
        "  package:",
        "    files:",
        f"      - {stem}_pkg.sv",
        "    file_type: systemVerilogSource",
    ]
    if testbench:
        lines += [
            "  tb:",
            "    files:",
            "      - tb_array.v",
            "    file_type: verilogSource",
        ]
    lines += [
        "",
        "targets:",
        "  default:",
        "    # What a depending core receives: Verilog-2005 only (the .sv package is not).",
        "    filesets: [rtl, headers]",
        f"    toplevel: {module}",
        "  lint:",
        "    default_tool: verilator",
        "    filesets: [rtl, headers, package]",
        f"    toplevel: {module}",
        "    tools:",
        "      verilator:",
        "        mode: lint-only",
        f"        verilator_options: [{waivers}]",
    ]
    if testbench:
        lines += [
            "  sim:",
            "    default_tool: icarus",
            "    filesets: [rtl, headers, tb]",
            "    toplevel: tb_array",
            "    tools:",
            "      icarus:",
            "        iverilog_options: [-g2005, -Wall, -Wno-timescale]",
        ]
    return "\n".join(lines) + "\n"
