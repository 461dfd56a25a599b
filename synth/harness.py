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

import re

__all__ = ["HARNESS_TOP", "module_ports", "harness_verilog"]

HARNESS_TOP = "sparq_harness"

_PORT_DECL = re.compile(r"^\s*(input|output|inout)\s+(?:wire\s+|reg\s+)?(?:signed\s+)?"
                        r"(?:\[(\d+):(\d+)\]\s*)?([A-Za-z_][A-Za-z0-9_$]*)\s*;", re.M)


def module_ports(text, module):
    """``[(name, direction, width)]`` of ``module`` in Verilog ``text``, in declaration order."""
    start = re.search(rf"^module {re.escape(module)}\s*\(", text, re.M)
    if start is None:
        raise ValueError(f"the Verilog has no module {module!r}")
    end = text.index("endmodule", start.end())
    ports = []
    for m in _PORT_DECL.finditer(text, start.end(), end):
        if m.group(1) == "inout":
            raise ValueError(f"module {module!r} has an inout port {m.group(4)!r}")
        msb, lsb = int(m.group(2) or 0), int(m.group(3) or 0)
        ports.append((m.group(4), m.group(1), abs(msb - lsb) + 1))
    if not ports:
        raise ValueError(f"module {module!r} has no ports")
    return ports


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
