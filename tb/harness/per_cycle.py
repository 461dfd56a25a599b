"""Test harness around the generated systolic array: stream transfers decided in Verilog.

A cocotb driver that follows a valid/ready handshake from Python needs two waits per clock cycle
(write valid, then wait for the settled ready, since the array's ``a.ready`` depends on
``b.valid``). The harness ``tb_array`` instantiates the generated array unchanged, by its port
names (:mod:`tb.harness.ports`: native or AXI4-Stream), and keeps the handshakes in a few registers, so that the Python side waits once per cycle,
on the falling edge, where every register is settled in both simulators and nothing samples:

- ``a``/``b``: a one-entry holding register drives the array's ``valid``/``payload``; it is
  refilled from the harness inputs ``a_next``/``a_next_valid`` when empty or when its word is
  taken. So ``valid`` stays high and the payload stable until the transfer (the stream rules),
  and Python offers a word (or a gap, ``a_next_valid`` low) a cycle ahead.
- ``c``: ``c__ready`` comes from the harness input ``c_ready``; a transfer is copied into the
  register ``c_seen``.
- ``ab_seen``: the payloads the array took in its last ``b`` and ``a`` transfers, ``b`` above
  ``a`` (copied, like ``c_seen``, at the transfer's edge). One register for both, so that the
  per-cycle loop reads them with one simulator call.
- ``status`` (registered, about the rising edge just past): bit 0 ``a_took`` (the offered
  ``a_next`` was loaded), bit 1 ``b_took``, bit 2 ``a_fired`` (the array took the held ``a``
  word; ``ab_seen`` holds it), bit 3 ``b_fired`` (likewise), bit 4 ``c_fired``
  (``c_seen`` holds a new row).

The monitors of :mod:`tb.bench.driver` read the transfers from ``a_fired``/``b_fired``/``c_fired``,
that is from the handshake signals of the array itself, and the payloads from ``ab_seen`` and
``c_seen``, the words on the array's own ports at the transfer.
"""


from hdl.stream_codec import codec_for
from tb import sim
from tb.harness.ports import dut_instance

__all__ = ["TOP", "harness_files", "build_harness"]

TOP = "tb_array"


def harness_files(config, block="array"):
    """``{file name: text}``: the generated ``block`` (``"array"`` or ``"dotprod"``: the same
    streams) in Verilog with its sidecar, and the harness."""
    files = sim.generated_files(block, config)
    module = next(name for name in files if name.endswith(".v"))[:-2]
    codec = codec_for(block, config)
    aw, bw, cw = codec.a.width, codec.b.width, codec.c.width
    files[f"{TOP}.v"] = f"""\
// Test harness: the generated array with its stream handshakes kept in registers (tb/harness/per_cycle.py).
module {TOP} (
  input clk, input rst,
  input [{aw - 1}:0] a_next, input a_next_valid,
  input [{bw - 1}:0] b_next, input b_next_valid,
  input c_ready,
  output reg [{aw + bw - 1}:0] ab_seen,
  output reg [{cw - 1}:0] c_seen,
  output [4:0] status,
  output err
);
  reg [{aw - 1}:0] a_hold = 0;
  reg [{bw - 1}:0] b_hold = 0;
  reg a_hold_valid = 0, b_hold_valid = 0;
  reg a_took = 0, b_took = 0, a_fired = 0, b_fired = 0, c_fired = 0;
  wire a_ready, b_ready, c_valid;
  wire [{cw - 1}:0] c_payload;
{dut_instance(config, module, clk="clk", rst="rst", a=("a_hold", "a_hold_valid", "a_ready"),
              b=("b_hold", "b_hold_valid", "b_ready"), c=("c_payload", "c_valid", "c_ready"),
              err="err", block=block)}  wire a_fire = a_hold_valid & a_ready;
  wire b_fire = b_hold_valid & b_ready;
  wire a_load = !a_hold_valid | a_fire;
  wire b_load = !b_hold_valid | b_fire;
  wire c_fire = c_valid & c_ready;
  initial begin ab_seen = 0; c_seen = 0; end
  always @(posedge clk) begin
    if (rst) begin
      a_hold_valid <= 0; b_hold_valid <= 0;
      a_took <= 0; b_took <= 0; a_fired <= 0; b_fired <= 0; c_fired <= 0;
    end else begin
      a_took <= a_load & a_next_valid;
      b_took <= b_load & b_next_valid;
      if (a_load) begin a_hold <= a_next; a_hold_valid <= a_next_valid; end
      if (b_load) begin b_hold <= b_next; b_hold_valid <= b_next_valid; end
      a_fired <= a_fire;
      b_fired <= b_fire;
      c_fired <= c_fire;
      if (a_fire) ab_seen[{aw - 1}:0] <= a_hold;
      if (b_fire) ab_seen[{aw + bw - 1}:{aw}] <= b_hold;
      if (c_fire) c_seen <= c_payload;
    end
  end
  assign status = {{c_fired, b_fired, a_fired, b_took, a_took}};
endmodule
"""
    return files


def build_harness(config, simulator, block="array"):
    """Build the harness for ``block`` under ``config`` on ``simulator`` (shared by every test of
    the configuration)."""
    from dataclasses import asdict
    result = sim.build_verilog(harness_files(config, block), TOP, simulator,
                               f"{block}-{sim.config_key(config, block)}")
    return sim.Build(**{**asdict(result), "config": config, "block": block})
