"""Area by part (synth.breakdown): parts named from the hierarchy, own areas from Yosys'
hierarchical totals, and a real mapping whose parts add up to the whole."""

import pytest

from synth.breakdown import breakdown, kept_modules, own_areas, part_of, markdown
from synth.cells import osu018
from synth.targets import TARGETS


def test_parts_are_named_by_the_first_component_below_the_top():
    assert part_of("dut") == "rest"
    assert part_of("\\dut.encoder3") == "encoders"
    assert part_of("dut.encoder3.window1") == "encoders"
    assert part_of("dut.pe_2_7") == "PEs"
    assert part_of("dut.array.pe_0_1") == "PEs"         # inside the AXI4-Stream wrapper
    assert part_of("dut.array") == "rest"
    assert part_of("dut.array.skid_a") == "skid"
    with pytest.raises(ValueError, match="not below top 'dut'"):
        part_of("other.pe_0_0")


def test_own_area_subtracts_the_instantiated_modules():
    # Yosys' area of a module includes its submodules (listed by name among its cell types).
    modules = {"\\dut": {"area": 100.0, "num_cells_by_type": {"INVX1": 3, "dut.enc": 2}},
               "\\dut.enc": {"area": 30.0, "num_cells_by_type": {"NAND2X1": 1, "dut.enc.w": 1}},
               "\\dut.enc.w": {"area": 12.0, "num_cells_by_type": {"NOR2X1": 2}}}
    assert own_areas(modules) == {"\\dut": 40.0, "\\dut.enc": 18.0, "\\dut.enc.w": 12.0}


def test_kept_modules_are_the_parts():
    text = ("module dut(clk);\nendmodule\nmodule \\dut.encoder0 (a);\nendmodule\n"
            "module \\dut.encoder0.window0 (x);\nendmodule\nmodule \\dut.pe_0_0 (clk);\nendmodule\n")
    assert kept_modules(text) == ["dut.encoder0", "dut.encoder0.window0", "dut.pe_0_0"]


def test_a_small_array_adds_up(tmp_path):
    target = TARGETS["asic-osu018"]
    row = breakdown("array-sparq-b4-o5-ne-1x2-k8", tmp_path, osu018(),
                    delay_ps=target.period_ns * 1000)
    parts = row["parts"]
    assert parts["encoders"] > 0 and parts["PEs"] > 0 and parts["rest"] > 0
    assert parts["skid"] == 0
    assert abs(sum(parts.values()) - row["total_um2"]) < 1.0
    # One encoder (one row) against two PEs: the PEs hold far more.
    assert parts["PEs"] > 4 * parts["encoders"]
    table = markdown([row], {row["design"]: row["total_um2"]})
    assert "`array-sparq-b4-o5-ne-1x2-k8`" in table and "(+0.0 %)" in table
