"""Design and module names: every parameter encoded, one name per design, read back exactly."""

import pytest

from hdl.config import DATAPATHS, ROUNDINGS, WINDOW_SHIFTS, SparqConfig
from hdl.naming import BLOCKS, design_name, module_name, parse_design_name


def _configs():
    for d in DATAPATHS:
        if d == "sparq":
            for b, o in WINDOW_SHIFTS:
                for r in ROUNDINGS:
                    yield SparqConfig(bits=b, options=o, rounding=r, rows=3, cols=5, max_k=77)
        else:
            yield SparqConfig(datapath=d, rows=1, cols=16, max_k=1)


@pytest.mark.parametrize("block", BLOCKS)
def test_names_round_trip(block):
    seen = set()
    for config in _configs():
        if block in ("window", "pair") and config.datapath != "sparq":
            continue
        name = design_name(block, config)
        assert name not in seen
        seen.add(name)
        back_block, back = parse_design_name(name)
        assert back_block == block
        # The fields the block depends on come back; the others stay at their defaults.
        assert design_name(block, back) == name
        assert module_name(block, config) == "sparq_" + name.replace("-", "_")


def test_examples_3_and_2_bit():
    b3 = SparqConfig(bits=3, rounding="truncate")
    assert design_name("array", b3) == "array-sparq-b3-o6-tr-8x8-k1152"
    assert parse_design_name("array-sparq-b3-o6-tr-8x8-k1152") == ("array", b3)
    assert parse_design_name("pair-sparq-b2-o7-ne") == ("pair", SparqConfig(bits=2, options=7))
    assert design_name("pe", SparqConfig(datapath="a3w8")) == "pe-a3w8-k1152"
    assert parse_design_name("pe-a3w8-k1152") == ("pe", SparqConfig(datapath="a3w8"))
    assert parse_design_name("array-a2w8-2x2-k8") == (
        "array", SparqConfig(datapath="a2w8", rows=2, cols=2, max_k=8))
    assert module_name("pe", SparqConfig(bits=2)) == "sparq_pe_sparq_b2_o7_ne_k1152"


def test_examples():
    assert design_name("array", SparqConfig()) == "array-sparq-b4-o5-ne-8x8-k1152"
    assert module_name("array", SparqConfig()) == "sparq_array_sparq_b4_o5_ne_8x8_k1152"
    assert design_name("pe", SparqConfig(datapath="int8")) == "pe-int8-k1152"
    assert design_name("window", SparqConfig(options=3, rounding="truncate")) == \
        "window-sparq-b4-o3-tr"

    axis = SparqConfig(interface="axis")
    assert design_name("array", axis) == "array-sparq-b4-o5-ne-8x8-k1152-axis"
    assert module_name("array", axis) == "sparq_array_sparq_b4_o5_ne_8x8_k1152_axis"
    assert parse_design_name("array-int8-2x2-k8-axis") == (
        "array", SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, interface="axis"))

    skid = SparqConfig(rows=2, cols=2, skid=True)
    assert design_name("array", skid) == "array-sparq-b4-o5-ne-2x2-k1152-skid"
    assert module_name("array", skid) == "sparq_array_sparq_b4_o5_ne_2x2_k1152_skid"
    both = SparqConfig(rows=2, cols=2, skid=True, interface="axis")
    assert design_name("array", both) == "array-sparq-b4-o5-ne-2x2-k1152-skid-axis"
    assert module_name("array", both) == "sparq_array_sparq_b4_o5_ne_2x2_k1152_skid_axis"
    assert parse_design_name("array-int8-2x2-k8-skid") == (
        "array", SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, skid=True))
    pipe = SparqConfig(mul_pipe=True)
    assert design_name("pe", pipe) == "pe-sparq-b4-o5-ne-k1152-pipe"
    assert module_name("pe", pipe) == "sparq_pe_sparq_b4_o5_ne_k1152_pipe"
    assert parse_design_name("pe-int8-k1152-pipe") == ("pe", SparqConfig(datapath="int8",
                                                                         mul_pipe=True))
    assert parse_design_name("array-a4w8-2x2-k8-pipe-skid-axis") == (
        "array", SparqConfig(datapath="a4w8", rows=2, cols=2, max_k=8, mul_pipe=True, skid=True,
                             interface="axis"))
    assert design_name("dotprod", SparqConfig(rows=2, cols=2, pairs=2, mul_pipe=True, skid=True)) \
        == "dotprod-sparq-b4-o5-ne-2x2p2-k1152-pipe-skid"
    assert parse_design_name("dotprod-int8-4x4p4-k64-pipe-axis") == (
        "dotprod", SparqConfig(datapath="int8", rows=4, cols=4, pairs=4, max_k=64, mul_pipe=True,
                               interface="axis"))
    packed = SparqConfig(rows=2, cols=2, pairs=2, mul_pipe=True, dsp_pack=True)
    assert design_name("dotprod", packed) == "dotprod-sparq-b4-o5-ne-2x2p2-k1152-pipe-pack"
    assert parse_design_name("dotprod-sparq-b4-o5-ne-2x2p2-k1152-pipe-pack") == ("dotprod", packed)
    assert parse_design_name("array-int8-2x2-k8-skid-axis") == (
        "array", SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, skid=True,
                             interface="axis"))


@pytest.mark.parametrize("name, message", [
    ("pe-int9", "not a design name: 'pe-int9'"),
    ("array-int8-8x8", "design 'array-int8-8x8' is not a canonical design name; did you mean "
                       "'array-int8-8x8-k1152'?"),
    ("pe-int8-4x4-k16", "design 'pe-int8-4x4-k16' is not a canonical design name; did you mean "
                        "'pe-int8-k16'?"),
    ("window-a4w8", "design 'window-a4w8': block 'window' exists for datapath 'sparq' only"),
    ("pe-sparq-b2-o5-ne-k8", "design 'pe-sparq-b2-o5-ne-k8': no SPARQ setting with bits=2, "
                             "options=5; known: "),
    ("pe-a5w8-k8", "not a design name: 'pe-a5w8-k8'"),
    ("array-int8-0x1-k8", "design 'array-int8-0x1-k8': rows must be at least 1, not 0"),
    ("pe-int8-k8-axis", "design 'pe-int8-k8-axis': interface 'axis' applies to blocks array and dotprod "
                        "only, not 'pe'"),
    ("pe-int8-k8-skid", "design 'pe-int8-k8-skid': skid applies to blocks array and dotprod only, not 'pe'"),
    ("array-int8-2x2-k8-axis-skid", "not a design name: 'array-int8-2x2-k8-axis-skid'"),
    ("array-int8-2x2-k8-skid-pipe", "not a design name: 'array-int8-2x2-k8-skid-pipe'"),
    ("array-sparq-b4-o5-ne-2x2-k8-pack", "design 'array-sparq-b4-o5-ne-2x2-k8-pack': dsp_pack "
                                         "applies to block dotprod only, not 'array'"),
    ("dotprod-int8-2x2p2-k8-pack", "design 'dotprod-int8-2x2p2-k8-pack': dsp_pack applies to "
                                   "datapath 'sparq' with 4-bit windows only, not datapath "
                                   "'int8' with bits=4"),
    ("dotprod-sparq-b4-o5-ne-2x2p2-k8-pack-pipe", "not a design name: "
                                                  "'dotprod-sparq-b4-o5-ne-2x2p2-k8-pack-pipe'"),
    ("window-sparq-b4-o5-ne-pipe", "design 'window-sparq-b4-o5-ne-pipe': mul_pipe applies to "
                                   "blocks pe, array and dotprod only, not 'window'"),
    ("array-int8-2x2p8-k8", "design 'array-int8-2x2p8-k8': pairs applies to block dotprod only, "
                            "not 'array' (pairs=8)"),
    ("array-int8-2x2p4-k8", "design 'array-int8-2x2p4-k8' is not a canonical design name; did "
                            "you mean 'array-int8-2x2-k8'?"),
    ("dotprod-int8-4x4-k8", "design 'dotprod-int8-4x4-k8' is not a canonical design name; did "
                            "you mean 'dotprod-int8-4x4p4-k8'?"),
    ("dotprod-int8-4x4p0-k8", "design 'dotprod-int8-4x4p0-k8': pairs must be at least 1, not 0"),
    ("dotprod-int8-32x32p2-k8", "design 'dotprod-int8-32x32p2-k8': rows * cols * pairs must be "
                                "at most 1024 pair multipliers, not 32 x 32 x 2 = 2048"),
])
def test_bad_design_names(name, message):
    with pytest.raises(ValueError) as info:
        parse_design_name(name)
    assert str(info.value).startswith(message)


def test_dotprod_names():
    config = SparqConfig(rows=4, cols=4, pairs=4)
    assert design_name("dotprod", config) == "dotprod-sparq-b4-o5-ne-4x4p4-k1152"
    assert module_name("dotprod", config) == "sparq_dotprod_sparq_b4_o5_ne_4x4p4_k1152"
    assert parse_design_name("dotprod-int8-2x3p8-k100-skid-axis") == (
        "dotprod", SparqConfig(datapath="int8", rows=2, cols=3, pairs=8, max_k=100, skid=True,
                               interface="axis"))
    for block in ("window", "pe", "array"):
        with pytest.raises(ValueError, match=rf"^pairs applies to block dotprod only, not "
                                             rf"'{block}' \(pairs=2\)$"):
            design_name(block, SparqConfig(pairs=2))
