"""The 2:4 structured-sparse PE and array (``SparqConfig(stc=True)``), in the Amaranth simulator.

Configuration, names, command line, lint, the compressed stream's codec against the RTL's own
layouts, and the array against ``golden.sparq_gemm(..., stc=True)`` (sparq) and the exact GEMM
(int8) with random stalls, corner groups (0, 1 and 2 non-zero weights), K not a multiple of 4,
the worst-case sums, ``err`` and the latency formulas.
"""

import json

import numpy as np
import pytest

import golden
from golden.sparse import compress_2to4, expand_2to4, prune_2to4
from hdl import cli, generate
from hdl.array import a_layout, b_layout
from hdl.config import SparqConfig
from hdl.lint import lint as verilator_lint
from hdl.naming import config_tag, design_name, module_name, parse_design_name
from hdl.stream_codec import ArrayCodec, reference
from hdl.tests.array_sim import run_array
from hdl.pe import max_pairs, max_products

SPARQ = SparqConfig(stc=True, rows=2, cols=3, max_k=40)
INT8 = SparqConfig(datapath="int8", stc=True, rows=3, cols=2, max_k=41)


def _min_signed_width(lo, hi):
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi < (1 << (w - 1))):
        w += 1
    return w


def _sparse_weights(rng, shape, kinds=(0, 1, 2)):
    """2:4 weights whose groups hold a random choice of 0, 1 or 2 non-zero weights at random
    positions, values over the whole range (-128 and 127 included)."""
    n, k = shape
    g = -(-k // 4)
    W = np.zeros((n, 4 * g), np.int64)
    for o in range(n):
        for j in range(g):
            count = int(rng.choice(kinds))
            where = rng.choice(4, size=count, replace=False)
            W[o, 4 * j + where] = rng.choice([-128, 127, *rng.integers(-128, 128, 4)],
                                             size=count)
            W[o, 4 * j + where] = np.where(W[o, 4 * j + where] == 0, 1, W[o, 4 * j + where])
    return W[:, :k]


def _relu(rng, shape, zeros=0.5):
    return rng.integers(1, 256, shape) * (rng.random(shape) >= zeros)


def _check(config, tiles, result):
    assert result.err == 0
    assert result.protocol_errors == []
    got = result.tiles(config)
    assert len(got) == len(tiles)
    for t, ((A, B), C) in enumerate(zip(tiles, got)):
        expected = reference(config, A, B)
        assert np.array_equal(C, expected), (t, C.tolist(), expected.tolist())


# -- configuration, names, command --------------------------------------------------------------

def test_config_stc_is_checked():
    with pytest.raises(TypeError, match=r"stc must be a bool, not 1"):
        SparqConfig(stc=1)
    with pytest.raises(ValueError, match=r"stc \(2:4 sparse weights\) applies to datapath sparq "
                                         r"and int8 only, not 'a4w8'"):
        SparqConfig(datapath="a4w8", stc=True)


@pytest.mark.parametrize("datapath", ["sparq", "int8"])
@pytest.mark.parametrize("max_k", [1, 2, 3, 4, 5, 6, 7, 8, 9, 63, 1152])
def test_stc_widths_follow_the_fullest_2to4_tile(datapath, max_k):
    config = SparqConfig(datapath=datapath, stc=True, max_k=max_k)
    # The densest legal 2:4 row of length max_k: two non-zero weights in every group of four;
    # the array accepts ceil(max_k / 4) groups of two values whatever their positions, so it is
    # sized for that room (equal when max_k % 4 is 0, 2 or 3).
    densest = int(np.resize([1, 1, 0, 0], max_k).sum())
    room = 2 * -(-max_k // 4)
    assert max_pairs(config) == -(-max_k // 4)
    assert max_products(config) == room >= densest
    assert config.acc_width == _min_signed_width(-room * 128 * 255, room * 127 * 255)


def test_names_round_trip():
    cases = [("array", SparqConfig(stc=True, rows=2, cols=2, max_k=16)),
             ("array", SparqConfig(datapath="int8", stc=True, skid=True, interface="axis")),
             ("pe", SparqConfig(stc=True, options=3, rounding="truncate"))]
    assert design_name(*cases[0]) == "array-sparq-b4-o5-ne-2x2-k16-stc"
    assert module_name(*cases[1]) == "sparq_array_int8_8x8_k1152_stc_skid_axis"
    assert config_tag(*cases[2]) == "sparq-b4-o3-tr-k1152-stc"
    for block, config in cases:
        assert parse_design_name(design_name(block, config)) == (block, config)
    with pytest.raises(ValueError, match=r"stc applies to blocks pe and array only, not 'pair'"):
        design_name("pair", SparqConfig(stc=True))


def test_cli_generates_and_refuses(tmp_path, capsys):
    path = tmp_path / "s.v"
    assert cli.main(["verilog", "array", "--stc", "--rows", "2", "--cols", "2", "--max-k", "9",
                     "-o", str(path)]) == 0
    config = SparqConfig(stc=True, rows=2, cols=2, max_k=9)
    assert path.read_text() == generate.verilog("array", config)
    doc = json.loads(path.with_suffix(".json").read_text())
    assert doc["parameters"]["stc"] is True and doc["parameters"]["max_pairs"] == 3
    assert doc["design"] == "array-sparq-b4-o5-ne-2x2-k9-stc"
    capsys.readouterr()
    assert cli.main(["verilog", "window", "--stc", "-o", str(tmp_path / "w.v")]) == 2
    assert capsys.readouterr().err == ("sparq-rtl: error: --stc applies to block pe and array "
                                       "only, not 'window'\n")
    assert cli.main(["verilog", "pe", "--stc", "--datapath", "a4w8", "-o",
                     str(tmp_path / "p.v")]) == 2
    assert "not 'a4w8'" in capsys.readouterr().err


def test_generation_is_deterministic(uncached_generation):
    config = SparqConfig(stc=True, rows=2, cols=2, max_k=8)
    assert generate.verilog("array", config) == generate.verilog("array", config)


LINT = [("pe", SparqConfig(stc=True)), ("pe", SparqConfig(datapath="int8", stc=True)),
        ("array", SparqConfig(stc=True, rows=2, cols=3, max_k=64)),
        ("array", SparqConfig(datapath="int8", stc=True, rows=2, cols=3, max_k=64)),
        ("array", SparqConfig(stc=True, rows=2, cols=2, max_k=8, skid=True, interface="axis"))]


@pytest.mark.parametrize("block,config", LINT, ids=[design_name(b, c) for b, c in LINT])
def test_lint_clean(block, config, tmp_path):
    module = generate.default_name(block, config)
    path = tmp_path / f"{module}.v"
    path.write_text(generate.verilog(block, config))
    result = verilator_lint(path, module)
    assert result.returncode == 0, result.stderr
    assert "%Warning" not in result.stderr and "%Error" not in result.stderr, result.stderr


# -- the compressed stream --------------------------------------------------------------------------

@pytest.mark.parametrize("config", [SPARQ, INT8], ids=["sparq", "int8"])
def test_b_words_are_the_layouts_constants(config):
    codec = ArrayCodec(config)
    layout = b_layout(config)
    rng = np.random.default_rng(5)
    B = _sparse_weights(rng, (config.cols, 13))
    words = codec.pack_b(B)
    values, positions = compress_2to4(B)
    assert len(words) == codec.transfers(13) == 4
    for g, word in enumerate(words):
        data = [{"value": values[c, g].tolist(), "pos": positions[c, g].tolist()}
                for c in range(config.cols)]
        expected = layout.const({"data": data, "last": int(g == 3)}).as_value().value
        assert word == expected
        view = layout.from_bits(word)
        assert [view["data"][c]["value"][1] for c in range(config.cols)] == values[:, g, 1].tolist()
    B2, last = codec.unpack_b(words)
    assert np.array_equal(B2[:, :13], B) and not B2[:, 13:].any()
    assert last.tolist() == [0, 0, 0, 1]
    # a: four activations per row per transfer, the layout's own constants.
    A = _relu(rng, (config.rows, 13))
    a_words = codec.pack_a(A)
    Ap = np.zeros((config.rows, 16), np.int64)
    Ap[:, :13] = A
    for g, word in enumerate(a_words):
        rows = Ap[:, 4 * g:4 * g + 4].tolist()
        assert word == a_layout(config).const({"data": rows, "last": int(g == 3)}).as_value().value


def test_pack_b_rejects_a_dense_group():
    B = np.zeros((3, 10), np.int64)
    B[2, 4:7] = [1, -2, 3]
    with pytest.raises(ValueError, match=r"B is not 2:4 sparse: output channel 2, group 1 "
                                         r"\(columns 4..7\) has 3 non-zero weights, at most 2"):
        ArrayCodec(SPARQ).pack_b(B)
    with pytest.raises(ValueError, match=r"output channel 2, group 1"):
        reference(INT8, np.zeros((3, 10), np.int64), B)


def test_expand_rejects_what_no_2to4_matrix_gives():
    values = np.array([[[5, 7]]])
    with pytest.raises(ValueError, match=r"output channel 0, group 0: two non-zero values at "
                                         r"position 2"):
        expand_2to4(values, np.array([[[2, 2]]]), 4)
    with pytest.raises(ValueError, match=r"a non-zero weight at column 3, beyond K=3"):
        expand_2to4(values, np.array([[[0, 3]]]), 3)
    # A padding slot (value 0) may sit anywhere, even on the other slot's position.
    assert expand_2to4(np.array([[[5, 0]]]), np.array([[[1, 1]]]), 4).tolist() == [[0, 5, 0, 0]]


def test_compress_expand_and_prune():
    rng = np.random.default_rng(9)
    for k in (1, 2, 3, 4, 5, 11, 64):
        B = _sparse_weights(rng, (5, k))
        values, positions = compress_2to4(B)
        assert values.shape == positions.shape == (5, -(-k // 4), 2)
        assert np.array_equal(expand_2to4(values, positions, k), B)
        # Slot 0 holds the first non-zero weight of the group, as golden pairs them.
        both = (values != 0).all(axis=2)
        assert (positions[both][:, 0] < positions[both][:, 1]).all()
    W = np.array([[1, -9, 3, 9, -128, 0, 0, 127, 5]], np.int8)
    assert prune_2to4(W).tolist() == [[0, -9, 0, 9, -128, 0, 0, 127, 5]]
    # Pruned random weights are legal and keep the two largest magnitudes.
    P = prune_2to4(rng.integers(-128, 128, (4, 30)))
    golden.sparse.check_2to4(P)


# -- the array ----------------------------------------------------------------------------------------

def _tiles(config, rng):
    top = config.max_k
    return [
        (_relu(rng, (config.rows, 1)), _sparse_weights(rng, (config.cols, 1), (1,))),    # K=1
        (_relu(rng, (config.rows, 7)), _sparse_weights(rng, (config.cols, 7))),          # odd K
        (_relu(rng, (config.rows, 6), 0.0), _sparse_weights(rng, (config.cols, 6), (0,))),
        (_relu(rng, (config.rows, 8), 0.0), _sparse_weights(rng, (config.cols, 8), (1,))),
        (_relu(rng, (config.rows, 8), 0.3), _sparse_weights(rng, (config.cols, 8), (2,))),
        (np.zeros((config.rows, 12), np.int64), _sparse_weights(rng, (config.cols, 12))),
        (_relu(rng, (config.rows, top)), _sparse_weights(rng, (config.cols, top))),
        *[(_relu(rng, (config.rows, k)), _sparse_weights(rng, (config.cols, k)))
          for k in rng.integers(1, top + 1, 6)],
    ]


CONFIGS = [SPARQ, INT8,
           SparqConfig(stc=True, options=3, rounding="truncate", rows=2, cols=2, max_k=22),
           SparqConfig(stc=True, options=2, rows=1, cols=3, max_k=17),
           SparqConfig(stc=True, rows=2, cols=2, max_k=16, skid=True),
           # 3-bit and 2-bit windows (the pair encoder's lone windows) and the split multiply
           # stage, on the same 2:4 PE.
           SparqConfig(stc=True, bits=3, rows=2, cols=2, max_k=19),
           SparqConfig(stc=True, bits=2, rounding="truncate", rows=2, cols=1, max_k=18),
           SparqConfig(stc=True, rows=2, cols=2, max_k=21, mul_pipe=True),
           SparqConfig(datapath="int8", stc=True, rows=1, cols=2, max_k=15, mul_pipe=True)]


@pytest.mark.parametrize("config", CONFIGS, ids=[config_tag("array", c) for c in CONFIGS])
def test_array_equals_golden_with_stalls(config):
    rng = np.random.default_rng(config.max_k)
    tiles = _tiles(config, rng)
    _check(config, tiles, run_array(config, tiles))
    _check(config, tiles, run_array(config, tiles, stall_a=0.3, stall_b=0.2, stall_c=0.4, seed=3))


def test_the_check_can_fail():
    # The 2:4 pairing differs from the dense one: a sparse tile whose dense SPARQ result differs
    # from its 2:4 result, and the array gives the 2:4 one.
    A = np.array([[200, 100, 37, 0]])
    B = np.array([[3, 0, 5, 0], [0, 7, 0, 0], [1, 0, 0, 0]])
    config = SparqConfig(stc=True, rows=1, cols=3, max_k=4)
    (C,) = run_array(config, [(A, B)]).tiles(config)
    dense = golden.sparq_gemm(A, B)
    assert not np.array_equal(C, dense)
    # Column 0 pairs (200, 37): both windowed; column 1: 100 lone, exact; column 2: 200 lone.
    h = golden.bsparq(np.array([200, 37]))
    assert C.tolist() == [[int(((h[0] << h[1]) * [3, 5]).sum()), 700, 200]]


def test_padding_positions_are_ignored():
    # Padding slots (value 0) pointing at non-zero activations: the partner stays lone (exact).
    config = SparqConfig(stc=True, rows=2, cols=2, max_k=8)
    rng = np.random.default_rng(4)
    A = _relu(rng, (2, 8), 0.0)
    B = _sparse_weights(rng, (2, 8), (0, 1))
    values, positions = compress_2to4(B)
    positions = np.where(values == 0, rng.integers(0, 4, positions.shape), positions)
    codec = ArrayCodec(config)
    transfers = []
    for g in range(2):
        transfers.append((A[:, 4 * g:4 * g + 4], {"value": values[:, g], "pos": positions[:, g]},
                          int(g == 1), int(g == 1)))
    result = _run_transfers(config, transfers, tiles=1)
    assert result.err == 0
    (C,) = result.tiles(config)
    assert np.array_equal(C, reference(config, A, B))
    assert codec.transfers(8) == 2


def _run_transfers(config, transfers, tiles, extra_cycles=0):
    return run_array(config, [None] * tiles, transfers=transfers, extra_cycles=extra_cycles)


@pytest.mark.parametrize("datapath", ["sparq", "int8"])
@pytest.mark.parametrize("max_k", [16, 17, 19])
def test_worst_case_accumulation(datapath, max_k):
    """All activations 255, the densest 2:4 weights at -128 (then 127), K = max_k."""
    config = SparqConfig(datapath=datapath, stc=True, rows=2, cols=2, max_k=max_k)
    A = np.full((2, max_k), 255)
    pattern = np.resize([1, 1, 0, 0], max_k)
    tiles = [(A, np.tile(-128 * pattern, (2, 1))), (A, np.tile(127 * pattern, (2, 1)))]
    result = run_array(config, tiles, stall_a=0.2, stall_c=0.2)
    _check(config, tiles, result)
    C = result.tiles(config)
    # From the spec: two 255s in a pair are windowed to 240 (5opt, nearest-even, saturated); a
    # final group with one position has a lone 255, exact. int8 is exact.
    if datapath == "sparq":
        per = [240] * (2 * (max_k // 4)) + ([255] if max_k % 4 == 1 else [240] * min(max_k % 4, 2))
    else:
        per = [255] * int(pattern.sum())
    assert len(per) == int(pattern.sum()) <= max_products(config)
    assert (C[0] == -128 * sum(per)).all() and (C[1] == 127 * sum(per)).all()
    assert -(1 << (config.acc_width - 1)) <= -128 * 255 * max_products(config)


def _transfer(config, rng, last, pos=None):
    values = rng.integers(1, 128, (config.cols, 2))
    positions = np.array([[0, 1]] * config.cols) if pos is None else pos
    return (rng.integers(0, 256, (config.rows, 4)), {"value": values, "pos": positions},
            last, last)


def test_err_on_duplicate_position_and_too_long_tile():
    config = SparqConfig(stc=True, rows=1, cols=2, max_k=8)        # max_pairs = 2
    rng = np.random.default_rng(1)
    ok = _run_transfers(config, [_transfer(config, rng, 0), _transfer(config, rng, 1)], 1)
    assert ok.err == 0
    dup = _transfer(config, rng, 1, pos=np.array([[0, 1], [3, 3]]))
    assert _run_transfers(config, [_transfer(config, rng, 0), dup], 1).err == 1
    long = [_transfer(config, rng, 0), _transfer(config, rng, 0), _transfer(config, rng, 1)]
    assert _run_transfers(config, long, 1, extra_cycles=4).err == 1


@pytest.mark.parametrize("shape", [(2, 3), (1, 1)])
@pytest.mark.parametrize("k", [4, 61])
def test_latency_and_period_formulas(shape, k):
    rows, cols = shape
    config = SparqConfig(stc=True, rows=rows, cols=cols, max_k=64)
    rng = np.random.default_rng(6)
    tiles = [(_relu(rng, (rows, k)), _sparse_weights(rng, (cols, k))) for _ in range(3)]
    result = run_array(config, tiles)
    _check(config, tiles, result)
    P = -(-k // 4)
    T = max(P, 2 * rows + cols + 2)
    firsts = result.out_cycles[::rows]
    assert [f - l for f, l in zip(firsts, result.last_in_cycles)] == [rows + cols + 2] * 3
    assert result.cycle_first_out - result.cycle_first_in == P + rows + cols + 1
    assert np.diff(result.last_in_cycles).tolist() == [T] * 2


def test_error_messages():
    from hdl.stc_array import StcArray
    from hdl.stream_codec import FieldsCodec, PayloadCodec
    with pytest.raises(ValueError, match=r"^StcArray needs a configuration with stc=True, not "
                                         r"stc=False$"):
        StcArray(SparqConfig())
    layout = b_layout(SPARQ)
    with pytest.raises(TypeError, match=r"^payload data elements are structures: give the field "
                                        r"to code$"):
        PayloadCodec(layout)
    with pytest.raises(TypeError, match=r"^payload data has no field 'weight'$"):
        PayloadCodec(layout, field="weight")
    with pytest.raises(ValueError, match=r"^values must give the fields \['pos', 'value'\], not "
                                         r"\['value'\]$"):
        FieldsCodec(layout, ("value", "pos")).pack({"value": np.zeros((1, 3, 2), int)}, [1])
    with pytest.raises(ValueError, match=r"^output channel 0, group 0: positions must lie in "
                                         r"0..3, not \[4, 0\]$"):
        expand_2to4(np.array([[[1, 0]]]), np.array([[[4, 0]]]), 4)
    with pytest.raises(ValueError, match=r"^K=9 needs 3 groups, not 2$"):
        expand_2to4(np.zeros((1, 2, 2), int), np.zeros((1, 2, 2), int), 9)
    with pytest.raises(ValueError, match=r"^values and positions must have the same shape"):
        expand_2to4(np.zeros((1, 2, 2), int), np.zeros((2, 2, 2), int), 8)
    with pytest.raises(ValueError, match=r"^a tile operand must have shape \(3, K >= 1\), not "
                                         r"\(2, 4\)$"):
        ArrayCodec(SPARQ).pack_b(np.zeros((2, 4), int))
    with pytest.raises(ValueError, match=r"^W must be 2-D \(output channels, K\), got shape \(4,\)$"):
        prune_2to4(np.zeros(4))

