"""The ASIC flow (asic-osu018 and --liberty) on small designs: area against the Liberty's own cell
areas (read with the independent ``libparse``, the energy tier's Liberty parser), the mapped
netlist kept, provenance and timing recorded, the key following the library."""

import json
from pathlib import Path

import pytest

from synth.cells import osu018
from synth.flow import Source, cache_key, run_one
from synth.targets import TARGETS

TINY_LIB = Path(__file__).parent / "data" / "tiny.lib"

#: A registered 4x4 multiply-accumulate (8-bit accumulator with synchronous reset): adders,
#: an array of AND gates, flip-flops with an enable turned into gates.
MAC4 = """
module mac4(input clk, input rst, input en, input [3:0] a, input [3:0] b, output reg [7:0] acc);
  always @(posedge clk)
    if (rst) acc <= 8'd0;
    else if (en) acc <= acc + a * b;
endmodule
"""


def _cells(liberty):
    from libparse import LibertyParser
    with open(liberty) as stream:
        parser = LibertyParser(stream)
    return {cell.args[0]: {child.id: child.value for child in cell.children}
            for cell in parser.ast.children if cell.id == "cell"}


def _areas(liberty):
    return {name: float(attrs["area"]) for name, attrs in _cells(liberty).items()}


def _flip_flops(liberty):
    return {name for name, attrs in _cells(liberty).items() if "ff" in attrs}


@pytest.fixture(scope="module")
def mac4(tmp_path_factory):
    out = tmp_path_factory.mktemp("asic")
    return run_one(Source("mac4", "mac4", MAC4, {"name": "mac4"}), TARGETS["asic-osu018"], out)


def test_area_is_the_sum_of_the_liberty_cell_areas(mac4):
    areas = _areas(osu018().liberty)
    cells = mac4["cells"]
    assert cells and set(cells) <= set(areas)
    expected = sum(areas[c] * n for c, n in cells.items())
    assert mac4["metrics"]["area"] == pytest.approx(expected, rel=1e-9)
    ffs = _flip_flops(osu018().liberty)
    assert mac4["metrics"]["ffs"] == sum(n for c, n in cells.items() if c in ffs) == 8
    seq = sum(areas[c] * n for c, n in cells.items() if c in ffs)
    assert mac4["metrics"]["sequential_area"] == pytest.approx(seq)
    assert mac4["metrics"]["ff_share"] == pytest.approx(seq / expected, abs=1e-4)


def test_mapped_netlist_is_kept_and_timed(mac4):
    netlist = Path(mac4["netlist"])
    assert netlist.is_file() and "DFFPOSX1" in netlist.read_text()
    t = mac4["timing"]
    assert t["period_ns"] == TARGETS["asic-osu018"].period_ns
    # A path ends at a flip-flop's D pin or an output, starts at a flip-flop or an input.
    assert t["path_cells"] and t["arrival_ns"] > 0
    assert mac4["metrics"]["fmax_mhz"] == pytest.approx(1000 / (t["period_ns"] - t["slack_ns"]),
                                                        rel=1e-3)
    assert mac4["constraints"]["wire_load"].startswith("none")


def test_library_provenance_is_recorded_and_keyed(mac4):
    lib = osu018()
    assert mac4["library"] == lib.provenance == mac4["tools"]["cells"]["provenance"]
    assert lib.sha256[:16] in mac4["tools"]["cells"]["version"]
    assert mac4["library"]["package"].startswith("qflow-tech-osu018 ")
    assert mac4["tools"]["opensta"]["version"]
    source = Source("mac4", "mac4", MAC4, {"name": "mac4"})
    assert cache_key(source, TARGETS["asic-osu018"]) == mac4["key"]
    assert cache_key(source, TARGETS["liberty"], liberty=TINY_LIB) != mac4["key"]


def test_user_library_goes_through_the_same_flow(tmp_path):
    # tiny.lib has areas and no timing: area only, timing null, its own inverter drives inputs.
    r = run_one(Source("mac4", "mac4", MAC4, {"name": "mac4"}), TARGETS["liberty"], tmp_path,
                liberty=TINY_LIB)
    areas = _areas(TINY_LIB)
    assert r["metrics"]["area"] == pytest.approx(sum(areas[c] * n for c, n in r["cells"].items()))
    assert r["timing"] is None and "fmax_mhz" not in r["metrics"]
    assert r["constraints"]["abc_delay_ps"] is None and "-constr" not in r["script"]
    assert r["library"]["name"] == "user" and Path(r["netlist"]).is_file()
    assert json.loads((tmp_path / "json" / "mac4.liberty.json").read_text()) == r
