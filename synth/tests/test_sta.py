"""Static timing: OpenSTA's worst path on hand-built cell netlists against the Liberty's own tables,
and the report reader on OpenSTA's text.

The chain is register -> N inverters -> register, written directly in OSU 0.18 um cells. Its
delay is worked out here independently of OpenSTA: the launching flip-flop's CLK->Q table at a
zero clock slew (the ideal clock) and its load, then each inverter's cell_rise/cell_fall table at
the slew the stage before produced and the load it drives (the next pin's capacitance; no wire
load), bilinear interpolation with linear extrapolation outside the table, both edges carried
through and the later arrival taken. The tables are read with Yosys's ``libparse`` (the energy
tier's ``lln-libparse``).
"""

import itertools

import numpy as np
import pytest

from synth.cells import osu018
from synth.sta import TimingReport, parse_report, run_sta, sta_script
from synth.tools import SynthError

#: OpenSTA and this test interpolate the same tables; they differ in rounding (4 digits printed)
#: and in which pin capacitance (rise/fall) they take: 0.03 % at most measured, 0.1 % allowed.
TOLERANCE = 0.001


@pytest.fixture(scope="module")
def lib():
    from libparse import LibertyParser
    cells = osu018()
    with open(cells.liberty) as stream:
        parser = LibertyParser(stream)
    return cells, parser


def _children(node, kind):
    return [child for child in node.children if child.id == kind]


def _value(node, name):
    return next(child.value for child in node.children if child.id == name)


def _cell(parser, name):
    for cell in _children(parser.ast, "cell"):
        if cell.args[0] == name:
            return cell
    raise KeyError(name)


def _pin(cell, name):
    for pin in _children(cell, "pin"):
        if pin.args[0] == name:
            return pin
    raise KeyError(name)


def _floats(value):
    return [float(x) for x in str(value).strip('"').split(",")]


def _lookup(table, load, slew):
    """The table's value at (output load, input slew): bilinear, extrapolated linearly."""
    args = {child.id: list(child.args) for child in table.children}
    caps = np.array(_floats(args["index_1"][0]))
    slews = np.array(_floats(args["index_2"][0]))
    values = np.array([_floats(row) for row in args["values"]], dtype=float)

    def bracket(axis, x):
        i = int(np.clip(np.searchsorted(axis, x) - 1, 0, len(axis) - 2))
        return i, (x - axis[i]) / (axis[i + 1] - axis[i])

    i, u = bracket(caps, load)
    j, v = bracket(slews, slew)
    return ((1 - u) * (1 - v) * values[i, j] + u * (1 - v) * values[i + 1, j]
            + (1 - u) * v * values[i, j + 1] + u * v * values[i + 1, j + 1])


def _arc(cell, out_pin, related):
    for timing in _children(_pin(cell, out_pin), "timing"):
        if _value(timing, "related_pin").strip('"') == related:
            return {g.id: g for g in timing.children if len(g.children)}
    raise KeyError((out_pin, related))


def _hand_delay(library, n):
    """Latest arrival at the capturing flip-flop's D pin, ns, of the chain with ``n`` inverters."""
    inv, dff = _cell(library, "INVX1"), _cell(library, "DFFPOSX1")
    inv_cap = float(_value(_pin(inv, "A"), "capacitance"))
    d_cap = float(_value(_pin(dff, "D"), "capacitance"))
    loads = [inv_cap] * n + [d_cap]         # what the flip-flop and each inverter drive
    clk_q = _arc(dff, "Q", "CLK")
    # (arrival, slew) per output edge after the launching flip-flop.
    state = {edge: (_lookup(clk_q[f"cell_{edge}"], loads[0], 0.0),
                    _lookup(clk_q[f"{edge}_transition"], loads[0], 0.0))
             for edge in ("rise", "fall")}
    a_to_y = _arc(inv, "Y", "A")
    for k in range(n):
        state = {out: (state[inp][0] + _lookup(a_to_y[f"cell_{out}"], loads[k + 1], state[inp][1]),
                       _lookup(a_to_y[f"{out}_transition"], loads[k + 1], state[inp][1]))
                 for inp, out in (("rise", "fall"), ("fall", "rise"))}
    return max(arrival for arrival, _ in state.values())


def _chain(n):
    """Verilog of register -> n INVX1 -> register in OSU 0.18 um cells, ports clk, d, q."""
    nets = [f"n{k}" for k in range(n + 1)]
    lines = ["module chain(clk, d, q);", "  input clk, d;", "  output q;",
             "  wire " + ", ".join(nets) + ";",
             "  DFFPOSX1 launch (.CLK(clk), .D(d), .Q(n0));"]
    lines += [f"  INVX1 inv{k} (.A(n{k}), .Y(n{k + 1}));" for k in range(n)]
    lines += [f"  DFFPOSX1 capture (.CLK(clk), .D(n{n}), .Q(q));", "endmodule", ""]
    return "\n".join(lines)


def _time_chain(tmp_path, n, period=5.0):
    cells = osu018()
    work = tmp_path / f"chain{n}"
    work.mkdir()
    (work / "chain.v").write_text(_chain(n))
    report, _ = run_sta(work / "chain.v", cells.liberty, "chain", work, period_ns=period)
    return report


@pytest.mark.parametrize("n", [1, 4, 12])
def test_chain_path_matches_the_liberty_tables(tmp_path, lib, n):
    _, library = lib
    report = _time_chain(tmp_path, n)
    assert report.startpoint.startswith("launch ") and report.endpoint.startswith("capture ")
    assert report.cells == ("DFFPOSX1",) + ("INVX1",) * n + ("DFFPOSX1",)
    expected = _hand_delay(library, n)
    assert report.arrival_ns == pytest.approx(expected, rel=TOLERANCE), (report, expected)
    # The period the path allows is the arrival plus the capture flip-flop's setup time.
    assert report.arrival_ns < report.min_period_ns < report.arrival_ns + 0.5
    assert report.fmax_mhz == pytest.approx(1000 / report.min_period_ns)


def test_chain_delay_grows_with_its_length_and_wns_follows_the_period(tmp_path):
    arrivals = [_time_chain(tmp_path, n).arrival_ns for n in (0, 2, 6, 20)]
    assert all(b > a for a, b in itertools.pairwise(arrivals)), arrivals
    long = _time_chain(tmp_path, 40, period=0.5)
    assert long.slack_ns < 0 and long.wns_ns == long.slack_ns
    assert long.min_period_ns == pytest.approx(0.5 - long.slack_ns)


def test_combinational_design_is_timed_on_a_virtual_clock(tmp_path):
    cells = osu018()
    (tmp_path / "c.v").write_text("module c(a, y);\n  input a;\n  output y;\n  wire m;\n"
                                  "  INVX1 i0 (.A(a), .Y(m));\n  INVX1 i1 (.A(m), .Y(y));\n"
                                  "endmodule\n")
    report, script = run_sta(tmp_path / "c.v", cells.liberty, "c", tmp_path, period_ns=2.0)
    assert "create_clock -name clk -period 2.0\n" in script
    assert report.startpoint.startswith("a ") and report.endpoint.startswith("y ")
    assert report.cells == ("INVX1", "INVX1")


_REPORT = """\
Startpoint: _1_ (rising edge-triggered flip-flop clocked by clk)
Endpoint: _2_ (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: max

    Delay      Time   Description
-----------------------------------------------------------
   0.0000    0.0000   clock clk (rise edge)
   0.0000    0.0000   clock network delay (ideal)
   0.0000    0.0000 ^ _1_/CLK (DFFPOSX1)
   0.2000    0.2000 v _1_/Q (DFFPOSX1)
   0.0500    0.2500 ^ _3_/Y (INVX1)
   0.0000    0.2500 ^ _2_/D (DFFPOSX1)
             0.2500   data arrival time

   1.0000    1.0000   clock clk (rise edge)
   0.0000    1.0000   clock network delay (ideal)
   0.0000    1.0000   clock reconvergence pessimism
             1.0000 ^ _2_/CLK (DFFPOSX1)
  -0.1000    0.9000   library setup time
             0.9000   data required time
-----------------------------------------------------------
             0.9000   data required time
            -0.2500   data arrival time
-----------------------------------------------------------
             0.6500   slack (MET)
"""


def test_report_reader_on_openstas_text():
    r = parse_report(_REPORT, 1.0)
    assert isinstance(r, TimingReport)
    assert (r.arrival_ns, r.required_ns, r.slack_ns) == (0.25, 0.9, 0.65)
    assert r.min_period_ns == pytest.approx(0.35) and r.fmax_mhz == pytest.approx(1000 / 0.35)
    assert r.wns_ns == 0.0 and r.cells == ("DFFPOSX1", "INVX1", "DFFPOSX1")
    assert r.stages[1].pin == "_1_/Q" and r.stages[1].edge == "v"
    violated = _REPORT.replace("0.6500   slack (MET)", "-0.0500   slack (VIOLATED)")
    assert parse_report(violated, 1.0).wns_ns == -0.05


def test_report_without_a_path_or_slack_is_an_error():
    with pytest.raises(SynthError, match="no constrained path"):
        parse_report("No paths found.\n", 1.0)
    with pytest.raises(SynthError, match="lacks slack"):
        parse_report(_REPORT.replace("slack (MET)", "slack?"), 1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"period_ns": 0}, "period_ns must be a positive number, not 0"),
    ({"period_ns": "5"}, "period_ns must be a positive number, not '5'"),
    ({"input_delay_ns": -1}, "input_delay_ns must be a non-negative number, not -1"),
    ({"load_pf": -0.1}, "load_pf must be a non-negative number, not -0.1"),
])
def test_bad_timing_parameters_are_named(kwargs, message):
    with pytest.raises(SynthError, match=message):
        sta_script("n.v", "c.lib", "top", **kwargs)
