"""Burst harness around the generated systolic array, for the full-rate benchmark.

The per-cycle harness (:mod:`tb.harness.per_cycle`) costs one Python wait per clock cycle, which is
most of a cycle's time on Verilator. Here Python loads ``DEPTH`` transfers into two memories and
waits for an event, not for every clock:

- ``a_mem``/``b_mem`` hold up to ``DEPTH`` payload words, written element by element by Python;
  ``count`` says how many; flipping ``go`` starts the bank. The harness offers the words in order
  on ``a`` and on ``b`` with ``valid`` high (full rate, no gaps), each stream at its own index, and
  raises ``idle`` when both have transferred ``count`` words. ``pair_err`` (sticky) records a
  cycle in which only one of ``a``/``b`` transferred.
- ``c`` transfers land in the memory ``c_mem`` (``CDEPTH`` rows, ``c_count`` of them);
  ``c.ready`` is low while it is full (``c_full``). Flipping ``c_clear`` empties it (a row arriving
  in that same cycle is kept as row 0).

Python waits for ``idle`` or ``c_full`` to rise, then, on the next falling edge, reads the rows
and loads the next bank. The generated array is instantiated unchanged, by its port names
(:mod:`tb.harness.ports`: native or AXI4-Stream).
"""

from dataclasses import asdict

from hdl.stream_codec import codec_for
from tb import sim
from tb.harness.ports import dut_instance

__all__ = ["TOP", "DEPTH", "CDEPTH", "burst_files", "build_burst"]

TOP = "tb_array_burst"
DEPTH = 64
CDEPTH = 16


def burst_files(config, depth=DEPTH, cdepth=CDEPTH, block="array"):
    files = sim.generated_files(block, config)
    module = next(name for name in files if name.endswith(".v"))[:-2]
    codec = codec_for(block, config)
    aw, bw, cw = codec.a.width, codec.b.width, codec.c.width
    iw = max(depth, cdepth).bit_length()
    files[f"{TOP}.v"] = f"""\
// Burst harness: the generated array fed from memories of {depth} words (tb/harness/burst.py).
module {TOP} (
  input clk, input rst,
  input [{iw - 1}:0] count, input go, input c_clear,
  output reg [{iw - 1}:0] c_count,
  output idle, output c_full, output reg pair_err, output err
);
  reg [{aw - 1}:0] a_mem [0:{depth - 1}];
  reg [{bw - 1}:0] b_mem [0:{depth - 1}];
  reg [{cw - 1}:0] c_mem [0:{cdepth - 1}];
  reg [{iw - 1}:0] ia = 0, ib = 0, n = 0;
  reg go_seen = 0, clear_seen = 0;
  wire a_ready, b_ready, c_valid;
  wire [{cw - 1}:0] c_payload;
  wire a_valid = ia < n;
  wire b_valid = ib < n;
  assign idle = !a_valid && !b_valid;
  assign c_full = c_count == {cdepth};
  wire c_ready = !c_full;
{dut_instance(config, module, clk="clk", rst="rst", a=("a_mem[ia]", "a_valid", "a_ready"),
              b=("b_mem[ib]", "b_valid", "b_ready"), c=("c_payload", "c_valid", "c_ready"),
              err="err", block=block)}  wire a_fire = a_valid & a_ready;
  wire b_fire = b_valid & b_ready;
  wire c_fire = c_valid & c_ready;
  initial begin c_count = 0; pair_err = 0; end
  always @(posedge clk) begin
    if (rst) begin
      ia <= 0; ib <= 0; n <= 0; c_count <= 0; pair_err <= 0;
      go_seen <= go; clear_seen <= c_clear;
    end else begin
      if (go != go_seen) begin
        go_seen <= go; ia <= 0; ib <= 0; n <= count;
      end else begin
        if (a_fire) ia <= ia + 1;
        if (b_fire) ib <= ib + 1;
      end
      if (a_fire != b_fire) pair_err <= 1;
      if (c_clear != clear_seen) begin
        clear_seen <= c_clear;
        c_count <= c_fire;
        if (c_fire) c_mem[0] <= c_payload;
      end else if (c_fire) begin
        c_mem[c_count] <= c_payload;
        c_count <= c_count + 1;
      end
    end
  end
endmodule
"""
    return files


def build_burst(config, simulator, depth=DEPTH, block="array"):
    """Build the burst harness for ``block`` (``"array"`` or ``"dotprod"``) under ``config`` on
    ``simulator``."""
    result = sim.build_verilog(burst_files(config, depth, block=block), TOP, simulator,
                               f"{block}-burst{depth}-{sim.config_key(config, block)}")
    return sim.Build(**{**asdict(result), "config": config, "block": block})
