# amaranth: UnusedElaboratable=no
"""DotProduct against the golden model in the Amaranth simulator: every datapath, option and
rounding, random backpressure, the corners (K = 1, odd K, K not a multiple of 2P, the all-max x
-128 worst case at max_k and at the unit's full capacity), back-to-back tiles, the error flag, the
stated latency and throughput, and the widths."""

import numpy as np
import pytest

from hdl import dotprod
from hdl.config import SparqConfig
from hdl.stream_codec import DotProductCodec, reference

from .array_sim import random_tile, run_array

DATAPATHS = [
    dict(datapath="sparq", options=5, rounding="nearest-even"),
    dict(datapath="sparq", options=5, rounding="truncate"),
    dict(datapath="sparq", options=3, rounding="truncate"),
    dict(datapath="sparq", options=3, rounding="nearest-even"),
    dict(datapath="sparq", options=2, rounding="nearest-even"),
    dict(datapath="sparq", options=2, rounding="truncate"),
    dict(datapath="int8"),
    dict(datapath="a4w8"),
]
#: 3-bit and 2-bit windows (the lone windows split over both slots) and their naive baselines.
NARROW = [
    dict(datapath="sparq", bits=3, options=6, rounding="nearest-even"),
    dict(datapath="sparq", bits=2, options=7, rounding="truncate"),
    dict(datapath="a3w8"),
    dict(datapath="a2w8"),
]


def _dp_id(dp):
    return "-".join(str(v) for v in dp.values())


def _run(config, tiles, **kwargs):
    return run_array(config, tiles, block="dotprod", **kwargs)


def _check(config, tiles, result):
    assert result.protocol_errors == []
    assert result.err == 0
    got = result.tiles(config)
    assert len(got) == len(tiles)
    for t, ((A, B), C) in enumerate(zip(tiles, got)):
        expected = reference(config, A, B)
        assert np.array_equal(C, expected), f"tile {t} (K={A.shape[1]}):\n{C}\n!=\n{expected}"


#: The split multiply stage (mul_pipe) on every kind of slot product: sparq 4-, 3- and 2-bit
#: windows (their lone windows too) and the baselines' split plain products.
PIPED = [DATAPATHS[0], DATAPATHS[3], DATAPATHS[6], DATAPATHS[7]] + NARROW[:2]


@pytest.mark.parametrize("dp, skid, pipe",
                         [pytest.param(dp, False, False, id=f"{_dp_id(dp)}-native")
                          for dp in DATAPATHS]
                         + [pytest.param(dp, True, False, id=f"{_dp_id(dp)}-skid")
                            for dp in (DATAPATHS[0], DATAPATHS[6])]
                         + [pytest.param(dp, False, False, id=f"{_dp_id(dp)}-native")
                            for dp in NARROW]
                         + [pytest.param(dp, False, True, id=f"{_dp_id(dp)}-pipe")
                            for dp in PIPED]
                         + [pytest.param(DATAPATHS[0], True, True, id="sparq-pipe-skid")])
def test_random_tiles_with_stalls(dp, skid, pipe, pack=False):
    # 2 x 3 outputs, 3 pairs (6 positions) per cycle; max_k 40 is not a multiple of 6.
    config = SparqConfig(rows=2, cols=3, pairs=3, max_k=40, skid=skid, mul_pipe=pipe,
                         dsp_pack=pack, **dp)
    rng = np.random.default_rng(7)
    # K = 1, odd K, K a multiple of 2P, K not a multiple of 2P (odd and even), K = max_k.
    plan = [("relu", 9), ("relu", 1), ("zeros", 6), ("max", 5), ("extremes", 12), ("relu", 40),
            ("uniform", 3), ("relu", 2), ("uniform", 8), ("relu", 13)]
    tiles = [random_tile(config, rng, k, kind) for kind, k in plan]
    result = _run(config, tiles, stall_a=0.3, stall_b=0.3, stall_c=0.4, seed=5)
    _check(config, tiles, result)


@pytest.mark.parametrize("dp", DATAPATHS[:6], ids=_dp_id)
@pytest.mark.parametrize("pipe", [False, True], ids=["one-stage", "pipe"])
def test_packed_products(dp, pipe):
    # dsp_pack: two columns' products from one multiply (3 columns: a pair and a lone lane),
    # every 4-bit option and rounding, the same tiles and stalls as above.
    test_random_tiles_with_stalls(dp, skid=False, pipe=pipe, pack=True)


@pytest.mark.parametrize("dp", [DATAPATHS[0]] + DATAPATHS[-2:], ids=_dp_id)
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 4, 4), (3, 1, 2)], ids=lambda s: "x".join(map(str, s)))
def test_shapes_full_rate(dp, shape):
    rows, cols, pairs = shape
    config = SparqConfig(rows=rows, cols=cols, pairs=pairs, max_k=24, **dp)
    rng = np.random.default_rng(rows * 100 + cols * 10 + pairs)
    tiles = [random_tile(config, rng, k, kind) for kind, k in
             [("relu", 24), ("relu", 1), ("extremes", 7), ("uniform", 2 * pairs + 1)]]
    _check(config, tiles, _run(config, tiles))


@pytest.mark.parametrize("dp, pipe", [pytest.param(dp, False, id=_dp_id(dp))
                                      for dp in DATAPATHS[:1] + DATAPATHS[-2:] + NARROW]
                         + [pytest.param(dp, True, id=f"{_dp_id(dp)}-pipe")
                            for dp in DATAPATHS[:1] + DATAPATHS[-2:-1] + NARROW[:2]]
                         + [pytest.param(dict(DATAPATHS[0], dsp_pack=True), pipe,
                                         id=f"{_dp_id(DATAPATHS[0])}-pack{'-pipe' * pipe}")
                            for pipe in (False, True)])
def test_worst_case_sums_at_max_k(dp, pipe):
    # All-max activations against -128 (the most negative sum) and 127 (the largest), at max_k,
    # exact in acc_width bits: no overflow. max_k 45 is odd and not a multiple of 2P = 8.
    config = SparqConfig(rows=2, cols=2, pairs=4, max_k=45, mul_pipe=pipe, **dp)
    top = config.max_act_value
    tiles = [(np.full((2, 45), top), np.full((2, 45), w)) for w in (-128, 127)]
    result = _run(config, tiles)
    _check(config, tiles, result)
    C = result.tiles(config)[0]
    # sparq: each member of a pair of two 255s saturates at its window's top, (2**bits - 1) <<
    # max(shifts) (4-bit: 15 << 4 = 240; 3-bit: 7 << 5 = 224; 2-bit: 3 << 6 = 192); the odd 45th
    # element meets a zero partner and gets the lone window: exact 255 under 4-bit windows, else
    # its top (3-bit: 63 << 2 = 252; 2-bit: 15 << 4 = 240). The baselines: 45 exact products.
    if config.datapath == "sparq":
        pair_top = ((1 << config.bits) - 1) << max(config.shifts)
        lone_top = 255 if config.bits == 4 else ((1 << config.lone_bits) - 1) << max(config.lone_shifts)
        per_row = 44 * pair_top + lone_top
    else:
        per_row = 45 * top
    assert (C == -128 * per_row).all()
    # The result fills the accumulator: one bit fewer would not hold it.
    assert -(1 << (dotprod.acc_width(config) - 2)) > C.min() >= -(1 << (dotprod.acc_width(config) - 1))


def test_worst_case_at_full_capacity():
    # max_k 9 with 2P = 8: the longest legal tile is 2 transfers, 16 positions. Fill every one of
    # them (what a host that does not zero the padding could send): the accumulator, sized for
    # the capacity, still holds the sum and err stays low.
    config = SparqConfig(datapath="int8", rows=1, cols=1, pairs=4, max_k=9)
    assert dotprod.max_steps(config) == 2 and dotprod.capacity(config) == 16
    codec = DotProductCodec(config)
    a = np.full((2, 1, 4, 2), 255)
    b = np.full((2, 1, 4, 2), -128)
    transfers = [(a[i], b[i], i == 1, i == 1) for i in range(2)]
    result = _run(config, [None], transfers=transfers)
    assert result.err == 0
    assert result.rows == [([-16 * 255 * 128], 1)]
    assert dotprod.acc_width(config) == (16 * 255 * 128).bit_length() + 1
    assert codec.c.field_width == dotprod.acc_width(config)


def test_acc_width_formula():
    # Equal to the array's when max_k is a multiple of 2P; sized for the capacity otherwise.
    for max_k in (1152, 576, 8, 16):
        config = SparqConfig(max_k=max_k, pairs=4)
        assert dotprod.acc_width(config) == config.acc_width
    config = SparqConfig(max_k=1025, pairs=4)                 # capacity 1032
    assert dotprod.capacity(config) == 1032
    assert dotprod.acc_width(config) == (1032 * 128 * 255).bit_length() + 1
    assert dotprod.acc_width(SparqConfig(datapath="a4w8", max_k=1152)) == \
        (1152 * 128 * 15).bit_length() + 1


def test_err_on_too_long_tile_and_framing():
    config = SparqConfig(datapath="int8", rows=1, cols=2, pairs=2, max_k=8)   # 2 transfers max
    zeros_a, zeros_b = np.zeros((1, 2, 2), int), np.zeros((2, 2, 2), int)
    ok = _run(config, [None], transfers=[(zeros_a, zeros_b, i == 1, i == 1) for i in range(2)])
    assert ok.err == 0
    long = _run(config, [None], transfers=[(zeros_a, zeros_b, i == 2, i == 2) for i in range(3)])
    assert long.err == 1
    framing = _run(config, [None], transfers=[(zeros_a, zeros_b, True, False),
                                             (zeros_a, zeros_b, True, True)],
                   max_cycles=200)
    assert framing.err == 1


@pytest.mark.parametrize("pipe, L", [(False, 3), (True, 4)], ids=["one-stage", "pipe"])
@pytest.mark.parametrize("skid", [False, True], ids=["native", "skid"])
@pytest.mark.parametrize("k", [1, pytest.param(8, marks=pytest.mark.slow(
    reason="one transfer per tile (S = 1) as k = 1, which runs in make test: the same cycle "
           "counts")), 40, 57])
def test_latency_and_back_to_back_period(k, skid, pipe, L):
    # The docstring's formulas, L = 3 (4 with mul_pipe): last input transfer -> first output L
    # cycles (with skid buffers, tiles after the first wait T - S more in the buffers); back to
    # back one tile every T = max(S, rows + L) cycles.
    config = SparqConfig(rows=4, cols=4, pairs=4, max_k=64, mul_pipe=pipe, skid=skid)
    rng = np.random.default_rng(k)
    tiles = [random_tile(config, rng, k) for _ in range(4)]
    result = _run(config, tiles)
    _check(config, tiles, result)
    S = dotprod.steps(config, k)
    assert dotprod.latency(config) == L
    T = dotprod.tile_period(config, k)
    assert T == max(S, 4 + L)
    firsts = result.out_cycles[::4]
    latency = [L] + [(T - S if skid else 0) + L] * 3
    assert [f - l for f, l in zip(firsts, result.last_in_cycles)] == latency
    # First input -> first output: S + L - 1 cycles.
    assert result.cycle_first_out - result.cycle_first_in == S + L - 1
    # Final transfers T apart (with skid buffers tiles 0 and 1 are S apart: the buffers take
    # tile 1's final word early); first outputs T apart in both modes.
    assert np.diff(result.last_in_cycles).tolist() == [S if skid else T] + [T] * 2
    assert np.diff(firsts).tolist() == [T] * 3
    # The rows of a tile leave on consecutive cycles.
    assert np.diff(result.out_cycles[:4]).tolist() == [1, 1, 1]


def test_describe_states_the_formulas():
    config = SparqConfig(rows=4, cols=4, pairs=4)
    doc = dotprod.DotProduct(config).describe()
    assert "one tile every max(S, rows + 3) = max(S, 7) cycles" in doc["throughput"]
    assert "128 multiply-accumulates" in doc["throughput"]
    assert "3 cycles" in doc["latency"]
    assert "bit 256" in doc["ports"]["a__payload"]            # 4 rows x 4 pairs x 2 x 8 bits
    assert "skid" in dotprod.DotProduct(SparqConfig(skid=True)).describe()["summary"]
    piped = dotprod.DotProduct(SparqConfig(rows=4, cols=4, pairs=4, mul_pipe=True)).describe()
    assert "one tile every max(S, rows + 4) = max(S, 8) cycles" in piped["throughput"]
    assert "first output transfer: 4 cycles" in piped["latency"]
    assert "first input to first output: S + 3 cycles" in piped["latency"]
    assert "split over two cycles (half products | sum, shift and adder tree)" in piped["summary"]
    packed = dotprod.DotProduct(SparqConfig(mul_pipe=True, dsp_pack=True)).describe()
    assert "split over two cycles (products | shift and adder tree)" in packed["summary"]
    int8 = dotprod.DotProduct(SparqConfig(datapath="int8", mul_pipe=True)).describe()
    assert "split over two cycles (half products | sum and adder tree)" in int8["summary"]


def test_config_errors():
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not None$"):
        dotprod.DotProduct(None)
    with pytest.raises(TypeError, match=r"^dsp_pack must be a bool, not 1$"):
        SparqConfig(dsp_pack=1)
    with pytest.raises(ValueError, match=r"^dsp_pack applies to datapath 'sparq' with 4-bit "
                                         r"windows only, not datapath 'int8' with bits=4$"):
        SparqConfig(datapath="int8", dsp_pack=True)
    with pytest.raises(ValueError, match=r"^dsp_pack applies to datapath 'sparq' with 4-bit "
                                         r"windows only, not datapath 'sparq' with bits=3$"):
        SparqConfig(bits=3, dsp_pack=True)


def test_packed_unit_has_one_multiply_per_two_columns():
    # 2 rows x 2 pairs x 2 slots x ceil(3 / 2) column groups = 16 multipliers, one of them
    # with one lane per (row, pair, slot); the describe() line says so.
    config = SparqConfig(rows=2, cols=3, pairs=2, dsp_pack=True)
    from amaranth.hdl import Fragment
    fragment = Fragment.get(dotprod.DotProduct(config), None)
    names = [name for _, name, _ in fragment.subfragments if name.startswith("pack_")]
    assert len(names) == 2 * 2 * 2 * 2
    assert "2 columns from one multiply" in dotprod.DotProduct(config).describe()["summary"]
