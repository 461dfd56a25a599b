"""Gate-level simulation of a mapped dot-product unit netlist (:mod:`hdl.dotprod`) on Icarus.

The unit has valid/ready streams ``a``, ``b`` (operands) and ``c`` (result rows). The plain-Verilog
testbench holds ``a`` and ``b`` valid with the next words of the tiles (packed by
:class:`hdl.stream_codec.DotProductCodec`, the codec every driver of the unit uses) while any
remain, keeps ``c__ready`` high, and at the end of each clock's low phase samples which streams
transfer at the coming rising edge: a transferred word is replaced by the next one at the
following falling edge, and every ``c`` word transferred is written to a file. The words are
unpacked by the codec and every tile's rows are compared with golden
(:func:`hdl.stream_codec.reference`); a mismatch raises
:class:`~energy.gatesim.GateSimError` naming the tile. Modes and dumping as in
:mod:`energy.gatesim`.
"""


import numpy as np

from hdl.stream_codec import DotProductCodec, reference

from .gatesim import GateSimError, SimResult, prepare, run_icarus

__all__ = ["simulate_dotprod"]

_TB = """\
`timescale 1ns/10ps
module energy_tb;
  localparam N = {n};
  reg clk = 1'b0;
  reg rst = 1'b1;
  reg [{wa}-1:0] amem [0:N-1];
  reg [{wb}-1:0] bmem [0:N-1];
  reg [{wa}-1:0] a_payload = {{{wa}{{1'b0}}}};
  reg [{wb}-1:0] b_payload = {{{wb}{{1'b0}}}};
  reg a_valid = 1'b0, b_valid = 1'b0;
  wire a_ready, b_ready, c_valid, err;
  wire [{wc}-1:0] c_payload;
  reg fire_a = 1'b0, fire_b = 1'b0, running = 1'b0;
  integer ia = 0, ib = 0, nc = 0, idle = 0, fd;
  {top} dut (.clk(clk), .rst(rst), .a__payload(a_payload), .a__valid(a_valid),
    .a__ready(a_ready), .b__payload(b_payload), .b__valid(b_valid), .b__ready(b_ready),
    .c__payload(c_payload), .c__valid(c_valid), .c__ready(1'b1), .err(err));
  always #({half}) clk = ~clk;
  // End of the low phase: what transfers at the coming rising edge.
  always @(negedge clk) begin
    #({sample});
    fire_a = a_valid & a_ready;
    fire_b = b_valid & b_ready;
    if (running && c_valid) begin
      $fdisplay(fd, "%b", c_payload);
      nc = nc + 1;
    end
  end
  initial begin
    $readmemh("a.hex", amem);
    $readmemh("b.hex", bmem);
    fd = $fopen("results.txt", "w");
    repeat (3) @(posedge clk);
    @(negedge clk);
    rst = 1'b0;
    running = 1'b1;
    $dumpfile("activity.vcd");
    $dumpvars(1, energy_tb.dut);
    a_payload = amem[0]; b_payload = bmem[0]; a_valid = 1'b1; b_valid = 1'b1;
    while (nc < {rows_out} && idle < {timeout}) begin
      @(negedge clk);
      idle = idle + 1;
      if (fire_a) begin
        ia = ia + 1;
        if (ia < N) a_payload = amem[ia]; else a_valid = 1'b0;
      end
      if (fire_b) begin
        ib = ib + 1;
        if (ib < N) b_payload = bmem[ib]; else b_valid = 1'b0;
      end
    end
    repeat (2) @(negedge clk);
    $fdisplay(fd, "cycles %0d err %b", idle + 2, err);
    $dumpflush;
    $fclose(fd);
    $finish;
  end
endmodule
"""


def simulate_dotprod(netlist_v, netlist, cells_v, config, workload, workdir, *,
                     mode="zero-delay", period_ns=20.0, timeout=None):
    """Simulate the dot-product unit netlist on ``workload`` (tiles of ``config.rows x K``
    activations and ``config.cols x K`` weights); check every tile against golden. Returns a
    :class:`~energy.gatesim.SimResult` (``results``: the result rows, ``cycles`` from the end of
    reset to the end of the run)."""
    workdir = prepare(workdir, cells_v, mode, period_ns)
    codec = DotProductCodec(config)
    a_words, b_words = [], []
    for a, b in workload.tiles:
        a_words += codec.pack_a(a)
        b_words += codec.pack_b(b)
    widths = {name: len(bits) for name, (_, bits) in netlist.ports.items()}
    for port, width in (("a__payload", codec.a.width), ("b__payload", codec.b.width),
                        ("c__payload", codec.c.width)):
        if widths.get(port) != width:
            raise GateSimError(f"{netlist.top}: port {port} is {widths.get(port)} bits, the "
                               f"codec's payload {width}")
    for name, words, width in (("a", a_words, codec.a.width), ("b", b_words, codec.b.width)):
        digits = (width + 3) // 4
        (workdir / f"{name}.hex").write_text("".join(f"{w:0{digits}x}\n" for w in words))
    rows_out = len(workload.tiles) * config.rows
    (workdir / "energy_tb.v").write_text(_TB.format(
        n=len(a_words), wa=codec.a.width, wb=codec.b.width, wc=codec.c.width, top=netlist.top,
        half=period_ns / 2, sample=period_ns / 2 - min(0.5, period_ns / 8), rows_out=rows_out,
        timeout=4 * (len(a_words) + rows_out) + 50))
    commands, seconds, cpu = run_icarus(workdir, netlist_v, cells_v, mode, timeout)
    lines = (workdir / "results.txt").read_text().split("\n")
    words = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("cycles")]
    footer = next((ln for ln in lines if ln.startswith("cycles")), None)
    if footer is None or len(words) != rows_out:
        raise GateSimError(f"the gate-level unit sent {len(words)} result rows of {rows_out} "
                           f"({mode}, {workdir})")
    cycles, err = int(footer.split()[1]), footer.split()[3]
    if err != "0":
        raise GateSimError(f"the gate-level unit raised err ({mode}, {workdir})")
    values, last = codec.unpack_c(words)
    for t, (a, b) in enumerate(workload.tiles):
        got = values[t * config.rows:(t + 1) * config.rows]
        want = reference(config, a, b)
        if not np.array_equal(got, want) or not (last[(t + 1) * config.rows - 1] == 1
                                                 and last[t * config.rows:(t + 1) * config.rows - 1].sum() == 0):
            raise GateSimError(f"tile {t}: the gate-level unit's rows differ from golden "
                               f"({mode}, {workdir})")
    return SimResult(workdir / "activity.vcd", cycles, values.tolist(), commands, seconds, cpu,
                     float(period_ns))
