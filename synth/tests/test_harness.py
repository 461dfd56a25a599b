"""The place-and-route harness: its ports come from the design's Verilog, and in simulation it
really feeds every input from the shift register and returns every output (Icarus Verilog)."""

import random
import shutil
import subprocess

import pytest

from hdl.lint import missing_tool

from synth.harness import HARNESS_TOP, harness_verilog, module_ports

# A clocked design with a reset, a vector and a 1-bit input, two outputs; and a combinational one.
CLOCKED = """module dut(clk, rst, a, b, s, q);
  input clk;
  wire clk;
  input rst;
  input [5:0] a;
  input b;
  output [6:0] s;
  reg [6:0] s;
  output q;
  assign q = ^a;
  always @(posedge clk) s <= rst ? 7'd0 : a + b;
endmodule
"""
COMB = """module dut(x, y);
  input [3:0] x;
  output [3:0] y;
  assign y = ~x;
endmodule
"""


def test_ports_in_declaration_order():
    assert module_ports(CLOCKED, "dut") == [("clk", "input", 1), ("rst", "input", 1),
                                            ("a", "input", 6), ("b", "input", 1),
                                            ("s", "output", 7), ("q", "output", 1)]


def test_missing_module_and_no_outputs():
    with pytest.raises(ValueError, match="has no module 'other'"):
        module_ports(CLOCKED, "other")
    with pytest.raises(ValueError, match="has no outputs"):
        harness_verilog("module dut(x);\n  input x;\nendmodule\n", "dut")


TB = """`timescale 1ns/1ps
module tb;
  reg clk = 0, si = 0, load = 0;
  wire so;
  {top} h(.clk(clk), .si(si), .load(load), .so(so));
  always #5 clk = ~clk;
  integer i;
  reg [{nin}:0] pattern;
  reg [{nout}:0] got;
  initial begin
    pattern = {nin_bits}'b{pattern};
    // Shift the pattern in, MSB first: bit 0 of the chain ends up holding pattern[0].
    for (i = {nin}; i >= 0; i = i - 1) begin si = pattern[i]; @(negedge clk); end
    // The input chain runs freely, so the captures hold this pattern's outputs for one cycle:
    // raise load at once for combinational outputs, one cycle later for registered ones.
    for (i = 0; i < {settle}; i = i + 1) @(negedge clk);
    load = 1; @(negedge clk); load = 0; @(negedge clk);
    for (i = {nout}; i >= 0; i = i - 1) begin got[i] = so; @(negedge clk); end
    $display("GOT %b", got);
    $finish;
  end
endmodule
"""


def _simulate(tmp_path, design, nin, nout, pattern, settle):
    text = design + harness_verilog(design, "dut")
    (tmp_path / "h.v").write_text(text)
    bits = "".join(str(b) for b in reversed(pattern))
    (tmp_path / "tb.v").write_text(TB.format(top=HARNESS_TOP, nin=nin - 1, nout=nout - 1,
                                             nin_bits=nin, pattern=bits, settle=settle))
    subprocess.run(["iverilog", "-o", "sim", "tb.v", "h.v"], cwd=tmp_path, check=True)
    out = subprocess.run(["vvp", "sim"], cwd=tmp_path, check=True, capture_output=True,
                         text=True).stdout
    word = next(line.split()[1] for line in out.splitlines() if line.startswith("GOT"))
    return [int(c) if c in "01" else None for c in reversed(word)]  # LSB first; None for x


@pytest.fixture
def needs_iverilog():
    if shutil.which("iverilog") is None:
        missing_tool("iverilog not found: install Icarus Verilog >= 11 (`make iverilog` or "
                     "`apt-get install iverilog`)")


@pytest.mark.usefixtures("needs_iverilog")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clocked_design_sees_every_input_and_shows_every_output(tmp_path, seed):
    rng = random.Random(seed)
    a, b = rng.randrange(64), rng.randrange(2)
    # Chain order = declaration order without clk: rst (bit 0), a (bits 1..6), b (bit 7).
    pattern = [0] + [(a >> i) & 1 for i in range(6)] + [b]
    s = a + b
    parity = bin(a).count("1") & 1
    # Outputs in declaration order: s (bits 0..6, registered), q (bit 7, combinational).
    assert _simulate(tmp_path, CLOCKED, 8, 8, pattern, settle=1)[:7] == [(s >> i) & 1 for i in range(7)]
    assert _simulate(tmp_path, CLOCKED, 8, 8, pattern, settle=0)[7] == parity


@pytest.mark.usefixtures("needs_iverilog")
def test_reset_reaches_the_design(tmp_path):
    pattern = [1] + [1] * 6 + [1]
    assert _simulate(tmp_path, CLOCKED, 8, 8, pattern, settle=1)[:7] == [0] * 7  # s cleared by rst


@pytest.mark.usefixtures("needs_iverilog")
def test_combinational_design(tmp_path):
    got = _simulate(tmp_path, COMB, 4, 4, [1, 0, 0, 1], settle=0)
    assert got == [0, 1, 1, 0]
