"""Energy per MAC: PEs and arrays at the PE's energy per µm², dot-product units at the measured
units' against their adder-tree levels (docs/estimates.md)."""

import pytest

from estimate.energy_model import _along, energy_per_mac, tree_levels
from hdl.config import SparqConfig

# Made-up energy data: one datapath, a flat zero sweep (ratio 1), a PE of 2 pJ per cycle and
# 1,000 µm², units of 1 and 3 tree levels at 2.0 and 3.0 pJ per cycle and 1,000 µm².
DATA = {"datapaths": {"int8": {"design": "pe", "area_um2": 1000.0, "mode": "specify",
                               "zeros": 0.5, "pj_per_cycle": 2.0,
                               "sweep": [[0.0, 1.0, "zero-delay"], [0.9, 1.0, "zero-delay"]]}},
        "units": {"datapaths": {"int8": [
            {"design": "u1", "tree_levels": 1, "area_um2": 1000.0, "zeros": 0.5,
             "pj_per_cycle": 2.0},
            {"design": "u4", "tree_levels": 3, "area_um2": 1000.0, "zeros": 0.5,
             "pj_per_cycle": 3.0}]}}}


def test_tree_levels_of_the_units():
    assert [tree_levels(SparqConfig(pairs=p)) for p in (1, 2, 4, 8)] == [1, 2, 3, 4]


def test_line_through_the_points_extended_beyond_them():
    assert _along(2, [1, 3], [2.0, 3.0]) == 2.5
    assert _along(4, [1, 3], [2.0, 3.0]) == 3.5
    assert _along(0, [1, 3], [2.0, 3.0]) == 1.5
    assert _along(7, [1], [2.0]) == 2.0


def test_units_take_the_units_density_at_their_tree_levels():
    # 2 pairs (2 levels): halfway, 2.5 pJ per cycle for 1,000 µm², over 2x2 outputs x 4
    # positions = 16 MACs per cycle
    unit = SparqConfig(datapath="int8", rows=2, cols=2, pairs=2)
    assert energy_per_mac("dotprod", unit, 1000.0, 0.5, DATA) == pytest.approx(2.5 / 16)
    eight = SparqConfig(datapath="int8", rows=1, cols=1, pairs=8)        # 4 levels: extended
    assert energy_per_mac("dotprod", eight, 1000.0, 0.5, DATA) == pytest.approx(3.5 / 16)


def test_pes_and_arrays_take_the_pe_density_and_units_without_unit_data_too():
    pe = SparqConfig(datapath="int8")
    assert energy_per_mac("pe", pe, 1000.0, 0.5, DATA) == pytest.approx(2.0 / 2)
    bare = {"datapaths": DATA["datapaths"]}
    unit = SparqConfig(datapath="int8", rows=2, cols=2, pairs=2)
    assert energy_per_mac("dotprod", unit, 1000.0, 0.5, bare) == pytest.approx(2.0 / 16)
