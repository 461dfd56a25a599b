"""Reading a gate-level netlist's connectivity back through Yosys (cells of tiny.lib)."""

from pathlib import Path

from energy.liberty import read_liberty
from energy.netgraph import fanout, read_netlist

DATA = Path(__file__).parent / "data"

NETLIST = """\
module top(clk, a, q, y);
  input clk;
  input a;
  output q;
  output y;
  wire n1;
  wire n2;
  INV u1 (.A(a), .Y(n1));
  assign n2 = n1;
  INV u2 (.A(n2), .Y(y));
  DFF r (.CLK(clk), .D(n1), .Q(q));
endmodule
"""


def test_cells_pins_ports_and_aliases(tmp_path):
    (tmp_path / "n.v").write_text(NETLIST)
    net = read_netlist(tmp_path / "n.v", "top", DATA / "tiny.lib", tmp_path / "work")
    pins = {i.name: (i.cell, i.pins) for i in net.instances}
    assert set(pins) == {"u1", "u2", "r"}
    # n1 and its alias n2 are one net: u1 drives it, u2 and the flip-flop's D read it.
    n1 = pins["u1"][1]["Y"]
    assert pins["u2"][1]["A"] == n1 and pins["r"][1]["D"] == n1
    assert pins["r"][1]["CLK"] == net.ports["clk"][1][0]
    assert net.ports["y"][0] == "output" and net.ports["a"][0] == "input"
    caps, count = fanout(net, read_liberty(DATA / "tiny.lib"))
    assert count[n1] == 2 and abs(caps[n1] - 0.02) < 1e-12     # INV.A 0.01 + DFF.D 0.01
