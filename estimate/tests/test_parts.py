"""Part counts against the structure of the hardware: the register bits the parts count are the
flip-flops Yosys reports, and a block's parts are its sub-blocks' parts plus its own edges."""

import json

import pytest

from estimate.fit import MEASURED
from estimate.parts import PARTS, accumulate_features, parts, timing_features
from hdl.config import SparqConfig
from hdl.naming import parse_design_name


def _pe_ff_bits(p):
    # operand/weight/product registers and half products, plus accumulator and shadow register
    return p["reg"] + p["pipe"] + 2 * p["acc"]


def test_pe_register_bits_are_the_measured_flip_flops():
    """Every PE of the stored measured set (Yosys' flip-flop count on iCE40 or ASIC cells)."""
    records = json.loads(MEASURED.read_text())["records"]
    checked = 0
    for r in records:
        if r["design"].startswith("pe-") and "ffs" in r["metrics"]:
            p = parts(*parse_design_name(r["design"]))
            assert _pe_ff_bits(p) == r["metrics"]["ffs"], r
            checked += 1
    assert checked >= 10


def test_pe_int8_counts_by_hand():
    # int8: two 8b x 8b products (64 partial-product bits each), 16-bit products
    # (range +-128*255 -> 16 bits signed), a 17-bit pair adder, a 27-bit accumulator (max_k 1152)
    p = parts("pe", SparqConfig(datapath="int8"))
    assert p["mul_plain"] == 128 and p["mul_rows"] == 0 and p["shift"] == 0
    assert p["adder"] == 17 and p["acc"] == 27
    assert p["reg"] == 16 + 16 + 2 * 16 + 4


def test_sparq_shifter_grows_with_the_positions():
    # 4b x 8b slot products shifted to one of 5, 3 or 2 positions: (4 + 8) x (positions - 1) inputs
    for options, inputs in ((5, 4), (3, 2), (2, 1)):
        p = parts("pe", SparqConfig(options=options))
        assert p["shift"] == 2 * 12 * inputs and p["mul_rows"] == 2 * 4 * 8 and p["wsel"] == 16


def test_array_is_its_pes_encoders_and_edges():
    c = SparqConfig(rows=3, cols=2)
    array, pe, enc = parts("array", c), parts("pe", c), parts("pair", c)
    for part in ("mul_rows", "shift", "wsel", "acc", "adder"):
        assert array[part] == 6 * pe[part]
    assert array["encoder"] == 3 * enc["encoder"] == 3
    assert array["window"] == 3 * 2
    # input register (3 rows x 2 x 8 bits, 2 columns x 16 bits, valid and last), row skew
    # (encoded operand 16 bits + valid + last, delays 0+1+2), column skew (16 bits, delays 0+1)
    assert array["reg"] - 6 * pe["reg"] == (48 + 32 + 2) + 18 * 3 + 16 * 1
    assert array["stream"] == 1


def test_dotprod_tree_and_encoders():
    c = SparqConfig(rows=2, cols=3, pairs=2)
    p = parts("dotprod", c)
    assert p["encoder"] == 2 * 2                    # each row's pairs encoded once
    assert p["mul_rows"] == 2 * 3 * 2 * 2 * 4 * 8   # M x N x P pairs, 2 slots of 4b x 8b
    # 4 products of 16 bits: two adders of 17 bits, one of 18, per output
    assert p["adder"] == 6 * (2 * 17 + 18)


def test_summed_baseline_products_are_counted_apart():
    # A baseline unit's products go into its trees unregistered: their partial-product bits are
    # counted again as mul_comb (2x2 outputs x 2 pairs x 2 slots of 8b x 8b). Not in a PE (its
    # products are registered), not with the split stage (the half products are), not in SPARQ.
    unit = parts("dotprod", SparqConfig(datapath="int8", rows=2, cols=2, pairs=2))
    assert unit["mul_comb"] == unit["mul_plain"] == 2 * 2 * 2 * 2 * 64
    for block, config in (("pe", SparqConfig(datapath="int8")),
                          ("array", SparqConfig(datapath="a4w8", rows=2, cols=2)),
                          ("dotprod", SparqConfig(datapath="int8", mul_pipe=True)),
                          ("dotprod", SparqConfig())):
        assert parts(block, config)["mul_comb"] == 0, (block, config)


def test_pipe_adds_half_product_registers():
    plain, split = parts("pe", SparqConfig(datapath="int8")), \
        parts("pe", SparqConfig(datapath="int8", mul_pipe=True))
    assert split["pipe"] == 2 * 2 * (4 + 8) and plain["pipe"] == 0
    assert split["mul_plain"] == plain["mul_plain"]          # same partial-product bits, split


def test_every_part_is_counted_and_non_negative():
    for name in ("window-sparq-b3-o6-tr", "pair-sparq-b2-o7-ne", "pe-a2w8-k64",
                 "array-sparq-b4-o3-ne-2x4-k1152-stc-pipe-skid-axis",
                 "dotprod-sparq-b4-o5-ne-3x5p3-k100-pipe-pack"):
        p = parts(*parse_design_name(name))
        assert set(p) == set(PARTS) and min(p.values()) >= 0 and max(p.values()) > 0


def test_timing_features_of_the_split_stage():
    f = timing_features("pe", SparqConfig(datapath="int8"))
    g = timing_features("pe", SparqConfig(datapath="int8", mul_pipe=True))
    assert f["mul_levels"] == 3 and g["mul_levels"] == 1.5


def test_accumulate_features_follow_the_accumulator():
    from hdl.dotprod import acc_width
    pe = SparqConfig(datapath="a4w8")
    assert accumulate_features("pe", pe) == {"acc_const": 1.0, "acc_width": float(pe.acc_width),
                                             "pair_add": 1.0}
    unit = SparqConfig(datapath="a4w8", rows=1, cols=2, pairs=1)
    f = accumulate_features("dotprod", unit)
    assert f["acc_width"] == acc_width(unit) and f["pair_add"] == 0.0
    with pytest.raises(ValueError, match="block 'window' has no clock"):
        accumulate_features("window", SparqConfig())


def test_tree_width_is_the_product_width_plus_the_levels():
    a4 = timing_features("dotprod", SparqConfig(datapath="a4w8", rows=1, cols=2, pairs=1))
    i8 = timing_features("dotprod", SparqConfig(datapath="int8", rows=1, cols=2, pairs=1))
    assert a4["tree_levels"] == 1 and i8["tree_width"] - a4["tree_width"] == 4
    assert timing_features("pe", SparqConfig())["tree_width"] == 0


def test_bad_block_is_refused():
    with pytest.raises(ValueError, match="block must be one of"):
        parts("tile", SparqConfig())
    with pytest.raises(TypeError, match="config must be a SparqConfig"):
        parts("pe", {"datapath": "int8"})
