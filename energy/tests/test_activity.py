"""Transition counts from a VCD file written by hand."""

import pytest

from energy.activity import VcdError, toggle_counts

VCD = """$timescale 1ns $end
$scope module tb $end
$var wire 1 ! clk $end
$scope module dut $end
$var wire 1 " a $end
$var wire 3 # v [2:0] $end
$var wire 1 $ b $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0"
b000 #
x$
0!
$end
#5
1"
b101 #
1$
1!
#10
0"
b110 #
0$
#15
b1x0 #
x$
#20
b010 #
1$
"""


def test_counts_rises_and_falls_per_bit_and_ignores_x(tmp_path):
    path = tmp_path / "t.vcd"
    path.write_text(VCD)
    act = toggle_counts(path, "tb.dut")
    assert set(act.rises) == {"a", "v", "b"}
    assert act.rises["a"] == [1] and act.falls["a"] == [1]
    # v: 000 -> 101 -> 110 -> 1x0 (unknown) -> 010: bit0 up, down; bit1 up; bit2 up
    assert act.rises["v"] == [1, 1, 1] and act.falls["v"] == [1, 0, 0]
    # b: x -> 1 -> 0 -> x -> 1: only 1 -> 0 counts
    assert act.rises["b"] == [0] and act.falls["b"] == [1]
    assert act.total() == 2 + 4 + 1
    assert (act.first_time, act.last_time) == (0, 20)


def test_missing_scope_is_named(tmp_path):
    path = tmp_path / "t.vcd"
    path.write_text(VCD)
    with pytest.raises(VcdError, match=r"scope 'tb.nope' has no variables .* \(scopes: tb, tb.dut\)"):
        toggle_counts(path, "tb.nope")
