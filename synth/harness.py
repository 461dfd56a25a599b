"""A registered, serializing harness for place and route.

nextpnr reports Fmax for register-to-register paths only, and the iCE40 UP5K sg48 package has 39
I/O pins, fewer than an array has port bits. The harness therefore needs four pins whatever the
design (``clk``, ``si``, ``load``, ``so``):

- every design input (``rst`` included) is a bit of one input shift register fed from ``si``;
- every design output is captured in a register each cycle; ``load`` (registered) copies the
  captures into an output shift register that drains to ``so``.

So every path through the design runs from a flip-flop to a flip-flop, and no input is constant,
so synthesis cannot simplify the design under test. The harness adds flip-flops and one 2:1 mux
per output bit; the area figures of the reports come from the design alone, not from the harness.
"""

from hdl.generate import module_ports

__all__ = ["HARNESS_TOP", "module_ports", "harness_verilog"]

HARNESS_TOP = "sparq_harness"


def _shift(reg, width, new):
    return new if width == 1 else f"{{{reg}[{width - 2}:0], {new}}}"


def harness_verilog(text, module, *, clock="clk"):
    """Verilog of :data:`HARNESS_TOP` instantiating ``module`` (defined in ``text``)."""
    ports = module_ports(text, module)
    inputs = [(n, w) for n, d, w in ports if d == "input" and n != clock]
    outputs = [(n, w) for n, d, w in ports if d == "output"]
    if not outputs:
        raise ValueError(f"module {module!r} has no outputs")
    n_in = max(1, sum(w for _, w in inputs))
    n_out = sum(w for _, w in outputs)
    conns = []
    if any(n == clock for n, _, _ in ports):
        conns.append(f".{clock}({clock})")
    pos = 0
    for name, width in inputs:
        conns.append(f".{name}(in_sr[{pos + width - 1}:{pos}])")
        pos += width
    pos = 0
    for name, width in outputs:
        conns.append(f".{name}(dut_out[{pos + width - 1}:{pos}])")
        pos += width
    joined = ",\n    ".join(conns)
    return f"""// Registered, serializing place-and-route harness around {module}:
// {sum(w for _, w in inputs)} input bits from a shift register, {n_out} output bits captured and shifted out.
module {HARNESS_TOP} (clk, si, load, so);
  input clk;
  input si;
  input load;
  output so;
  reg [{n_in - 1}:0] in_sr;
  reg load_r;
  reg [{n_out - 1}:0] cap;
  reg [{n_out - 1}:0] out_sr;
  wire [{n_out - 1}:0] dut_out;
  always @(posedge clk) begin
    in_sr <= {_shift("in_sr", n_in, "si")};
    load_r <= load;
    cap <= dut_out;
    out_sr <= load_r ? cap : {_shift("out_sr", n_out, "1'b0")};
  end
  assign so = out_sr[{n_out - 1}];
  {module} u_dut (
    {joined}
  );
endmodule
"""
