"""Figures read from `stat -json` records, target and design name resolution, baselines, and the
report's ratios: pure Python, no tools."""

import pytest

from synth.baseline import compare, make_baseline, merge_baseline
from synth.designs import DEFAULT_DESIGNS, parse_design, resolve
from synth.report import goal_rows
from synth.targets import TARGETS, cell_metrics, resolve_targets
from synth.tools import SynthError


def _stat(cells, **extra):
    return {"num_cells": sum(cells.values()), "num_cells_by_type": cells, **extra}


def test_ice40_counts_luts_carries_and_every_ff_kind():
    m = cell_metrics("ice40", _stat({"SB_LUT4": 10, "SB_CARRY": 4, "SB_DFF": 2, "SB_DFFESR": 3,
                                     "SB_DFFSS": 1}))
    assert (m["luts"], m["carries"], m["ffs"], m["dsps"], m["cells"]) == (10, 4, 6, 0, 20)


def test_ecp5_carry_cell_counts_as_two_luts():
    m = cell_metrics("ecp5", _stat({"LUT4": 7, "CCU2C": 3, "TRELLIS_FF": 5, "MULT18X18D": 2,
                                    "PFUMX": 1}))
    assert (m["luts"], m["lut4"], m["ccu2c"], m["ffs"], m["dsps"], m["muxes"]) == (13, 7, 3, 5, 2, 1)


def test_xc7_and_gowin():
    m = cell_metrics("xc7", _stat({"LUT2": 3, "LUT6": 4, "CARRY4": 2, "FDRE": 5, "FDSE": 1,
                                   "DSP48E1": 1, "MUXF7": 1}))
    assert (m["luts"], m["carries"], m["ffs"], m["dsps"], m["muxes"]) == (7, 2, 6, 1, 1)
    g = cell_metrics("gowin", _stat({"LUT4": 5, "LUT1": 1, "ALU": 4, "DFFR": 3, "MULT9X9": 2,
                                     "MUX2_LUT5": 1}))
    assert (g["luts"], g["alus"], g["ffs"], g["dsps"], g["muxes"]) == (10, 4, 3, 2, 1)


def test_generic_reads_both_estimates():
    logic = _stat({"$_XOR_": 4, "$_SDFFE_PP0P_": 2}, estimated_num_transistors="48+")
    full = _stat({"$_XOR_": 4, "$_MUX_": 2, "$_DFF_P_": 2}, estimated_num_transistors="104")
    m = cell_metrics("generic", full, logic)
    assert m == {"transistors": 48, "transistors_ff": 104, "cells": 6, "gates": 4, "ffs": 2}


def test_generic_refuses_an_incomplete_estimate():
    logic = _stat({"$_XOR_": 1}, estimated_num_transistors="12")
    with pytest.raises(SynthError, match=r"uncounted .* cells \['\$_XOR_', '\$foo'\]"):
        cell_metrics("generic", _stat({"$_XOR_": 1, "$foo": 1},
                                      estimated_num_transistors="12+"), logic)


def test_asic_area_and_flip_flop_share():
    m = cell_metrics("asic", _stat({"NAND2": 2, "DFF": 1}, area=9.0, sequential_area=6.0),
                     sequential={"DFF"})
    assert (m["area"], m["sequential_area"], m["ffs"]) == (9.0, 6.0, 1)
    assert m["ff_share"] == pytest.approx(6.0 / 9.0, abs=1e-4)


def test_targets_resolve():
    assert [t.name for t in resolve_targets(["ice40", "generic", "ice40"])] == ["ice40", "generic"]
    assert "liberty" in [t.name for t in resolve_targets(None, liberty="x.lib")]
    assert "liberty" not in [t.name for t in resolve_targets(None)]
    with pytest.raises(SynthError, match=r"^unknown target 'ice41' \(known: generic, liberty"):
        resolve_targets(["ice41"])
    with pytest.raises(SynthError, match="target 'liberty' needs --liberty FILE"):
        resolve_targets(["liberty"])


def test_design_names():
    d = parse_design("array-sparq-b4-o3-tr-4x2-k64")
    c = d.config
    assert (d.block, c.rows, c.cols, c.options, c.rounding, c.max_k, c.datapath) == \
        ("array", 4, 2, 3, "truncate", 64, "sparq")
    assert d.macs_per_cycle == 16 and d.scale == "array4x2" and d.variant == "sparq-b4-o3-tr"
    assert parse_design("pe-a4w8-k1152").config.act_width == 4
    assert parse_design("window-sparq-b4-o2-ne").macs_per_cycle == 0
    pipe = parse_design("array-int8-3x2-k64-pipe")
    assert (pipe.variant, pipe.scale, pipe.macs_per_cycle) == ("int8-pipe", "array3x2", 12)
    assert pipe.describe()["mul_pipe"] is True
    assert "mul_pipe" not in parse_design("pe-int8-k1152").describe()
    # Encoders of 10 SPARQ settings, PEs and 4x4, 8x8 arrays of 14 datapath settings (62 dense
    # designs); 13 of 2:4 weights (4 PEs, 8 arrays, the dense int8 2x4 array); the 4x4p4
    # dot-product unit of the 14 datapath settings.
    assert len(DEFAULT_DESIGNS) == 89 and len(set(DEFAULT_DESIGNS)) == 89
    dot = parse_design("dotprod-int8-4x4p4-k1152")
    assert (dot.block, dot.scale, dot.macs_per_cycle) == ("dotprod", "dotprod4x4p4", 2 * 4 * 4 * 4)
    assert dot.describe()["pairs"] == 4 and dot.describe()["acc_width"] == 27
    assert "dotprod-sparq-b4-o5-ne-4x4p4-k1152" in DEFAULT_DESIGNS
    assert [d.name for d in resolve(["pe-*"])] == [
        "pe-sparq-b4-o5-ne-k1152", "pe-sparq-b4-o5-tr-k1152", "pe-sparq-b4-o3-ne-k1152",
        "pe-sparq-b4-o3-tr-k1152", "pe-sparq-b4-o2-ne-k1152", "pe-sparq-b4-o2-tr-k1152",
        "pe-sparq-b3-o6-ne-k1152", "pe-sparq-b3-o6-tr-k1152", "pe-sparq-b2-o7-ne-k1152",
        "pe-sparq-b2-o7-tr-k1152", "pe-int8-k1152", "pe-a4w8-k1152", "pe-a3w8-k1152",
        "pe-a2w8-k1152", "pe-sparq-b4-o5-ne-k1152-stc", "pe-sparq-b4-o3-ne-k1152-stc",
        "pe-sparq-b4-o2-ne-k1152-stc", "pe-int8-k1152-stc"]
    narrow = parse_design("array-sparq-b2-o7-tr-2x2-k1152")
    assert (narrow.config.bits, narrow.config.options, narrow.variant) == (2, 7, "sparq-b2-o7-tr")
    assert narrow.describe()["bits"] == 2 and "bits" not in d.describe()
    assert parse_design("pe-a2w8-k1152").config.act_width == 2
    stc = parse_design("array-int8-2x2-k1152-stc")
    assert stc.scale == "array2x2-stc" and stc.macs_per_cycle == 8
    assert stc.positions_per_cycle == 16 == parse_design("array-int8-2x4-k1152").positions_per_cycle


@pytest.mark.parametrize("name, message", [
    ("pe-int9", "not a design name: 'pe-int9' (expected "),
    ("window-int8", "design 'window-int8': block 'window' exists for datapath 'sparq' only, not "
                    "'int8' (see --list)"),
    ("pe-sparq-b4-o4-ne-k1152", "design 'pe-sparq-b4-o4-ne-k1152': no SPARQ setting with bits=4, "
                                "options=4"),
    ("pe-sparq-b3-o5-ne-k1152", "design 'pe-sparq-b3-o5-ne-k1152': no SPARQ setting with bits=3, "
                                "options=5"),
    ("array-int8-0x4-k1152", "design 'array-int8-0x4-k1152': rows must be at least 1, not 0"),
    ("pair-sparq-b4-o5-ne-k8", "design 'pair-sparq-b4-o5-ne-k8' is not a canonical design name; "
                               "did you mean 'pair-sparq-b4-o5-ne'? (see --list)"),
    ("pe-int8", "design 'pe-int8' is not a canonical design name; did you mean 'pe-int8-k1152'?"),
    ("nothing-*", "unknown design 'nothing-*': the pattern matches no design of the default set"),
])
def test_bad_design_names(name, message):
    with pytest.raises(SynthError) as info:
        resolve([name])
    assert str(info.value).startswith(message)


def _result(scale, variant, target, **metrics):
    return {"design": {"name": f"{scale}-{variant}", "scale": scale, "variant": variant},
            "target": target, "status": "ok", "metrics": metrics}


def test_goal_ratios_and_verdicts():
    results = [_result("pe", "int8", "generic", transistors=1000),
               _result("pe", "a4w8", "generic", transistors=600),
               _result("pe", "sparq-b4-o5-ne", "generic", transistors=740),
               _result("pe", "sparq-b4-o3-ne", "generic", transistors=710),
               _result("pe", "int8", "ice40-pnr", fmax_mhz=40.0),
               _result("pe", "sparq-b4-o5-ne", "ice40-pnr", fmax_mhz=39.0)]
    rows = {r[0]: r for r in goal_rows(results)}
    assert rows["transistors, 5opt / int8"][1] == pytest.approx(0.74)
    assert rows["transistors, 5opt / int8"][4] is True
    assert rows["transistors, 3opt / int8"][4] is False          # 0.71 > 0.70
    assert rows["transistors, 5opt / a4w8"][1] == pytest.approx(740 / 600)
    assert rows["transistors, 5opt / a4w8"][4] is False          # 1.23 > 1.15
    assert rows["iCE40 Fmax, 5opt / int8"][1] == pytest.approx(39 / 40)
    assert rows["iCE40 Fmax, 5opt / int8"][4] is False           # slower than int8
    assert rows["transistors, 2opt / int8"][1] is None            # not measured: no verdict


def test_headline_compares_each_window_width_with_its_naive_baseline(tmp_path):
    # A 3-bit SPARQ PE is compared with int8 and a3w8, a 2-bit one with a2w8, in the same table.
    from synth.report import _headline, _index
    from synth.targets import TARGETS
    results = [_result("pe", "int8", "generic", transistors=1000),
               _result("pe", "a4w8", "generic", transistors=600),
               _result("pe", "a3w8", "generic", transistors=500),
               _result("pe", "a2w8", "generic", transistors=400),
               _result("pe", "sparq-b4-o5-ne", "generic", transistors=750),
               _result("pe", "sparq-b3-o6-ne", "generic", transistors=650),
               _result("pe", "sparq-b2-o7-ne", "generic", transistors=600)]
    text = "\n".join(_headline(_index(results), [TARGETS["generic"]]))
    assert ("| generic | transistors (logic) | 1,000 | 600 | 500 | 400 | 750 (0.75, 1.25) | "
            "650 (0.65, 1.30) | 600 (0.60, 1.50) |") in text
    assert "| target | figure | int8 | a4w8 | a3w8 | a2w8 | sparq-b4-o5-ne |" in text


def test_headline_compares_the_split_stage_with_split_baselines(tmp_path):
    # A -pipe SPARQ PE is compared with int8-pipe and a4w8-pipe, not with the one-stage designs;
    # without a4w8-pipe there is no a4w8 ratio.
    from synth.report import _headline, _index
    from synth.targets import TARGETS
    results = [_result("pe", "int8", "generic", transistors=1000),
               _result("pe", "a4w8", "generic", transistors=600),
               _result("pe", "int8-pipe", "generic", transistors=1200),
               _result("pe", "sparq-b4-o5-ne", "generic", transistors=750),
               _result("pe", "sparq-b4-o5-ne-pipe", "generic", transistors=900)]
    text = "\n".join(_headline(_index(results), [TARGETS["generic"]]))
    assert "| target | figure | int8 | a4w8 | int8-pipe | sparq-b4-o5-ne | sparq-b4-o5-ne-pipe |" in text
    assert ("| generic | transistors (logic) | 1,000 | 600 | 1,200 | 750 (0.75, 1.25) | "
            "900 (0.75, -) |") in text


def test_baseline_compare_directions():
    assert compare("luts", 103, 100, 0.03) == (True, pytest.approx(0.03))
    assert compare("luts", 104, 100, 0.03)[0] is False
    assert compare("luts", 96, 100, 0.03)[0] is True              # a small improvement passes
    assert compare("luts", 10, 100, 0.03)[0] is False             # a collapsed netlist fails
    assert compare("luts", 94, 100, 0.03)[0] is False             # beyond the 5 % improvement
    assert compare("luts", 10, 100, 0.03, 0.95)[0] is True        # its own tolerance
    assert compare("fmax_mhz", 120, 100, 0.10)[0] is True         # Fmax +20 %: within 25 %
    assert compare("fmax_mhz", 130, 100, 0.10)[0] is False
    assert compare("ffs", 99, 100, 0.0)[0] is False               # counts are exact both ways
    assert compare("fmax_mhz", 89, 100, 0.10)[0] is False
    assert compare("fmax_mhz", 91, 100, 0.10)[0] is True
    assert compare("dsps", 1, 0, 0.0)[0] is False


def test_make_baseline_keeps_toleranced_figures_of_good_runs():
    results = [_result("pe", "int8", "ice40", luts=10, cells=12), None,
               {**_result("pe", "int8", "ice40-pnr"), "status": "does-not-fit"}]
    doc = make_baseline(results, versions={"yosys": {"version": "Yosys 0.70"}}, seed=1,
                        command="c")
    assert doc["figures"] == {"pe-int8.ice40": {"luts": 10}}
    assert TARGETS["ice40"].primary in doc["tolerance"]


def test_merge_baseline(tmp_path):
    path = tmp_path / "b.json"
    v = {"yosys": {"version": "Yosys 0.70"}}
    first = make_baseline([_result("pe", "int8", "ice40", luts=10)], versions=v, seed=1, command="a")
    assert merge_baseline(path, first) == first                       # nothing stored yet
    path.write_text(__import__("json").dumps(first))
    second = make_baseline([_result("pe", "a4w8", "ice40", luts=7),
                            _result("pe", "int8", "ice40", luts=11)], versions=v, seed=1, command="b")
    merged = merge_baseline(path, second)
    assert merged["figures"] == {"pe-a4w8.ice40": {"luts": 7}, "pe-int8.ice40": {"luts": 11}}
    assert merged["commands"] == ["a", "b"]
    other = make_baseline([_result("pe", "a4w8", "ice40", luts=7)],
                          versions={"yosys": {"version": "Yosys 0.71"}}, seed=1, command="c")
    assert merge_baseline(path, other) == other                       # another Yosys: a new baseline
