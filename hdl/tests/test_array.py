# amaranth: UnusedElaboratable=no
"""SystolicArray against the golden model, under random backpressure on a, b and c.

Each datapath is checked against its own reference: sparq -> golden.sparq_gemm (with the
config's bits, options and rounding), int8 -> golden.exact_gemm, aNw8 -> golden.exact_gemm of
the N-bit activations. Timing tests measure the latency and throughput the class docstring states.
"""

import numpy as np
import pytest

from amaranth import ClockDomain, Module
from amaranth.sim import Simulator

from hdl.array import SystolicArray
from hdl.config import SparqConfig
from hdl.stream_codec import ArrayCodec, reference

from .array_sim import random_tile, run_array
from hdl.pe import latency, max_pairs, max_products

# Small shapes keep amaranth.sim quick: a general one, a single row and a single column.
SHAPES = [(2, 3), (1, 4), (3, 1)]

DATAPATHS = [
    dict(datapath="sparq", options=5, rounding="nearest-even"),
    dict(datapath="sparq", options=3, rounding="truncate"),
    dict(datapath="sparq", options=2, rounding="nearest-even"),
    dict(datapath="int8"),
    dict(datapath="a4w8"),
]

#: The 3-bit and 2-bit windows and their naive baselines of the same width.
NARROW = [
    dict(datapath="sparq", bits=3, options=6, rounding="truncate"),
    dict(datapath="sparq", bits=2, options=7, rounding="nearest-even"),
    dict(datapath="a3w8"),
    dict(datapath="a2w8"),
]


def _dp_id(dp):
    return "-".join(str(v) for v in dp.values())


def _check(config, tiles, result):
    assert result.protocol_errors == []
    assert result.err == 0
    got = result.tiles(config)
    assert len(got) == len(tiles)
    for t, ((A, B), C) in enumerate(zip(tiles, got)):
        expected = reference(config, A, B)
        assert np.array_equal(C, expected), f"tile {t} (K={A.shape[1]}):\n{C}\n!=\n{expected}"


#: Input stage: the plain array and the one with skid buffers on a and b (``config.skid``).
SKID = pytest.mark.parametrize("skid", [False, True], ids=["native", "skid"])


@SKID
@pytest.mark.parametrize("dp", DATAPATHS, ids=_dp_id)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_random_tiles_with_stalls(dp, shape, skid):
    _random_tiles(dp, shape, skid)


def _random_tiles(dp, shape, skid):
    rows, cols = shape
    config = SparqConfig(rows=rows, cols=cols, max_k=40, skid=skid, **dp)
    rng = np.random.default_rng(rows * 10 + cols)
    # ReLU-like tiles (about half zeros) of odd and even K, K=1, the corners, K = max_k.
    plan = [("relu", 9), ("relu", 1), ("zeros", 6), ("max", 5), ("extremes", 8), ("relu", 40),
            ("uniform", 3), ("relu", 2)]
    tiles = [random_tile(config, rng, k, kind) for kind, k in plan]
    result = run_array(config, tiles, stall_a=0.3, stall_b=0.3, stall_c=0.4, seed=rows + cols)
    _check(config, tiles, result)


@pytest.mark.parametrize("dp", NARROW, ids=_dp_id)
@pytest.mark.parametrize("shape", [(2, 3), (3, 1)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_random_tiles_with_stalls_narrow(dp, shape):
    _random_tiles(dp, shape, False)


@pytest.mark.parametrize("dp", DATAPATHS + NARROW[:2], ids=_dp_id)
def test_random_tiles_with_stalls_mul_pipe(dp):
    # The split multiply stage (mul_pipe): the same tiles and stalls as above on one shape.
    config = SparqConfig(rows=2, cols=3, max_k=40, mul_pipe=True, **dp)
    rng = np.random.default_rng(23)
    plan = [("relu", 9), ("relu", 1), ("max", 5), ("extremes", 8), ("relu", 40), ("relu", 2)]
    tiles = [random_tile(config, rng, k, kind) for kind, k in plan]
    result = run_array(config, tiles, stall_a=0.3, stall_b=0.3, stall_c=0.4, seed=5)
    _check(config, tiles, result)


@SKID
@pytest.mark.parametrize("dp", DATAPATHS[:1] + DATAPATHS[3:] + NARROW, ids=_dp_id)
def test_back_to_back_without_stalls(dp, skid):
    # Tiles shorter and longer than the drain period, streams never stalled.
    config = SparqConfig(rows=3, cols=2, max_k=64, skid=skid, **dp)
    rng = np.random.default_rng(5)
    tiles = [random_tile(config, rng, k) for k in (1, 2, 3, 30, 31, 4, 64, 1, 1)]
    _check(config, tiles, run_array(config, tiles))


@SKID
def test_heavy_output_backpressure(skid):
    # c rarely ready: tiles pile up behind the drain; nothing may be lost or duplicated.
    config = SparqConfig(rows=2, cols=2, max_k=16, skid=skid)
    rng = np.random.default_rng(9)
    tiles = [random_tile(config, rng, k) for k in (5, 1, 16, 2, 7, 3)]
    _check(config, tiles, run_array(config, tiles, stall_c=0.85, stall_a=0.1, seed=3))


# -- accumulator width ----------------------------------------------------------------------------

def _min_signed_width(lo, hi):
    # Smallest w with -2**(w-1) <= lo and hi <= 2**(w-1) - 1, found by search (not by formula).
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


#: Largest input activation per datapath (the spec: 8-bit, or N-bit for the naive baselines).
AMAX = {"sparq": 255, "int8": 255, "a4w8": 15, "a3w8": 7, "a2w8": 3}

#: Datapaths of the accumulator tests: every datapath, and SPARQ under every window width.
ACC_DATAPATHS = [dict(datapath="sparq"), dict(datapath="sparq", bits=3),
                 dict(datapath="sparq", bits=2), dict(datapath="int8"), dict(datapath="a4w8"),
                 dict(datapath="a3w8"), dict(datapath="a2w8")]


@pytest.mark.parametrize("dp", ACC_DATAPATHS, ids=_dp_id)
@pytest.mark.parametrize("max_k", [1, 2, 63, 64, 576, 1152, 4096])
def test_acc_width_is_minimal(dp, max_k):
    config = SparqConfig(max_k=max_k, **dp)
    amax = AMAX[config.datapath]
    # The fullest tile the array accepts: ceil(max_k / 2) pairs, both members non-zero (an odd
    # max_k's padding slot is not checked to be zero).
    room = max_k + max_k % 2
    assert max_products(config) == room
    assert config.acc_width == _min_signed_width(-room * 128 * amax, room * 127 * amax)


@pytest.mark.parametrize("dp", [ACC_DATAPATHS[0], ACC_DATAPATHS[3]], ids=_dp_id)
def test_full_room_of_an_odd_max_k_does_not_overflow(dp):
    # max_k 63 accepts 32 pairs; a tile that fills the 64th slot with max x -128 (outside the
    # contract: K > max_k) still sums exactly, and raises no err (the array cannot see K).
    config = SparqConfig(rows=2, cols=2, max_k=63, **dp)
    amax = AMAX[config.datapath]
    A, B = np.full((2, 64), amax), np.full((2, 64), -128)
    assert ArrayCodec(config).transfers(64) == max_pairs(config) == 32
    result = run_array(config, [(A, B)])
    assert result.err == 0
    C = result.tiles(config)[0]
    assert np.array_equal(C, reference(config, A, B))
    assert C.min() >= -(1 << (config.acc_width - 1))


#: The value of activation 255 under each window width (nearest-even), from the spec: in a pair
#: of two 255s (5opt: 15 << 4 = 240, saturated; 3-bit 6opt: 7 << 5 = 224; 2-bit 7opt: 3 << 6 =
#: 192), and alone (4-bit: exact 255; 3-bit: 6-bit 3opt window 63 << 2 = 252; 2-bit: 4-bit 5opt
#: window 15 << 4 = 240).
PAIRED_255 = {4: 240, 3: 224, 2: 192}
LONE_255 = {4: 255, 3: 252, 2: 240}


@pytest.mark.parametrize("dp", ACC_DATAPATHS, ids=_dp_id)
@pytest.mark.parametrize("max_k", [64, 63])
def test_worst_case_accumulation(dp, max_k):
    """All activations at their maximum, all weights -128, K = max_k: the most negative sum."""
    config = SparqConfig(rows=2, cols=2, max_k=max_k, **dp)
    datapath = config.datapath
    amax = AMAX[datapath]
    A = np.full((2, max_k), amax)
    B = np.full((2, max_k), -128)
    # Also the most positive sum (weights 127) in the second tile; and for sparq, lone 255s
    # (every other activation 0), whose wider lone window gives the largest single values.
    lone = np.tile([amax, 0], max_k)[:max_k].reshape(1, -1).repeat(2, axis=0)
    tiles = [(A, B), (A, np.full((2, max_k), 127)), (lone, B)]
    result = run_array(config, tiles, stall_a=0.2, stall_c=0.2)
    _check(config, tiles, result)
    C = result.tiles(config)
    # The sums stated from the spec: int8 and aNw8 are exact; in sparq a pair of two 255s is
    # windowed and an odd K's padded last pair (255, 0) is a lone activation.
    pairs = (max_k + 1) // 2
    if datapath == "sparq":
        per_element = ([PAIRED_255[config.bits]] * (max_k - max_k % 2)
                       + [LONE_255[config.bits]] * (max_k % 2))
        lone_sum = LONE_255[config.bits] * pairs
    else:
        per_element = [amax] * max_k
        lone_sum = amax * pairs
    assert (C[0] == -128 * sum(per_element)).all()
    assert (C[1] == 127 * sum(per_element)).all()
    assert (C[2] == -128 * lone_sum).all()
    # All within the signed acc_width range (which test_acc_width_is_minimal pins to the bound).
    assert -(1 << (config.acc_width - 1)) <= -128 * max_k * amax


# -- the err flag ---------------------------------------------------------------------------------

def _framed(config, rng, pairs, a_last, b_last):
    a = [rng.integers(0, 256, (config.rows, 2)) for _ in range(pairs)]
    b = [rng.integers(-128, 128, (config.cols, 2)) for _ in range(pairs)]
    return [(a[i], b[i], a_last[i], b_last[i]) for i in range(pairs)]


def _lasts(pairs):
    return [int(i == pairs - 1) for i in range(pairs)]


def test_err_clear_for_a_full_length_tile():
    config = SparqConfig(rows=2, cols=2, max_k=8)          # max_pairs = 4
    rng = np.random.default_rng(1)
    tiles = [random_tile(config, rng, 8), random_tile(config, rng, 7)]
    result = run_array(config, tiles, stall_a=0.2, stall_c=0.2)
    _check(config, tiles, result)                            # asserts err == 0


def test_err_on_too_long_tile_and_sticky():
    config = SparqConfig(rows=2, cols=2, max_k=8)          # max_pairs = 4
    rng = np.random.default_rng(2)
    long_tile = _framed(config, rng, 5, _lasts(5), _lasts(5))
    good_tile = _framed(config, rng, 2, _lasts(2), _lasts(2))
    result = run_array(config, [None, None], transfers=long_tile + good_tile, extra_cycles=5)
    assert result.err == 1
    assert result.protocol_errors == []


def test_err_on_odd_k_one_over_the_limit():
    # max_k = 7 allows 4 pairs (the 4th padded); 5 pairs is one too many.
    config = SparqConfig(rows=1, cols=2, max_k=7)
    rng = np.random.default_rng(3)
    ok = run_array(config, [None], transfers=_framed(config, rng, 4, _lasts(4), _lasts(4)))
    assert ok.err == 0
    bad = run_array(config, [None], transfers=_framed(config, rng, 5, _lasts(5), _lasts(5)))
    assert bad.err == 1


@pytest.mark.parametrize("which", ["a_only", "b_only"])
def test_err_on_mismatched_last(which):
    config = SparqConfig(rows=2, cols=1, max_k=16)
    rng = np.random.default_rng(4)
    a_last = [0, 1, 0, 0, 1] if which == "a_only" else [0, 0, 0, 0, 1]
    b_last = [0, 0, 0, 0, 1] if which == "a_only" else [0, 1, 0, 0, 1]
    tiles = [None] * (2 if which == "a_only" else 1)
    result = run_array(config, tiles, transfers=_framed(config, rng, 5, a_last, b_last),
                       extra_cycles=5)
    assert result.err == 1


def test_err_cleared_by_reset_then_normal_operation():
    config = SparqConfig(rows=1, cols=2, max_k=2)          # max_pairs = 1
    dut = SystolicArray(config)
    top = Module()
    top.domains.sync = cd = ClockDomain()
    top.submodules.dut = dut
    codec = ArrayCodec(config)
    seen = {}

    async def send(ctx, a_pairs, b_pairs, last):
        ctx.set(dut.a.payload.as_value(), codec.a.pack(a_pairs[None], [last])[0])
        ctx.set(dut.b.payload.as_value(), codec.b.pack(b_pairs[None], [last])[0])
        ctx.set(dut.a.valid, 1)
        ctx.set(dut.b.valid, 1)
        await ctx.tick().until(dut.a.ready)
        ctx.set(dut.a.valid, 0)
        ctx.set(dut.b.valid, 0)

    async def bench(ctx):
        zero_a, zero_b = np.zeros((1, 2), int), np.zeros((2, 2), int)
        ctx.set(dut.c.ready, 1)
        await send(ctx, zero_a, zero_b, 0)                 # two transfers: one too many
        await send(ctx, zero_a, zero_b, 1)
        await ctx.tick().repeat(12)
        seen["err_before"] = ctx.get(dut.err)
        ctx.set(cd.rst, 1)
        await ctx.tick()
        ctx.set(cd.rst, 0)
        seen["err_after"] = ctx.get(dut.err)
        # A legal one-pair tile after the reset: C = [3*5 + 2*7, 3*-1 + 2*-128].
        await send(ctx, np.array([[3, 2]]), np.array([[5, 7], [-1, -128]]), 1)
        word, = await ctx.tick().sample(dut.c.payload.as_value()).until(dut.c.valid)
        values, last = codec.unpack_c([int(word)])
        seen["row"] = (values[0].tolist(), int(last[0]))
        seen["err_end"] = ctx.get(dut.err)

    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen["err_before"] == 1
    assert seen["err_after"] == 0
    assert seen["row"] == ([3 * 5 + 2 * 7, 3 * -1 + 2 * -128], 1)
    assert seen["err_end"] == 0


# -- timing: the docstring's formulas, and the throughput requirement --------------------------------

@pytest.mark.parametrize("mul_pipe", [False, True], ids=["one-stage", "pipe"])
@SKID
@pytest.mark.parametrize("shape", [(2, 3), (3, 1), (1, 1)])
@pytest.mark.parametrize("k", [2, 30])
def test_latency_and_period_formulas(shape, k, skid, mul_pipe):
    rows, cols = shape
    config = SparqConfig(rows=rows, cols=cols, max_k=64, skid=skid, mul_pipe=mul_pipe)
    # e: the PEs' multiply stages (1; 2 with mul_pipe); every formula below has + e where the
    # docstring's one-stage figures have + 1.
    e = latency(config)
    rng = np.random.default_rng(6)
    tiles = [random_tile(config, rng, k) for _ in range(4)]
    result = run_array(config, tiles)
    _check(config, tiles, result)
    P = (k + 1) // 2
    T = max(P, 2 * rows + cols + 1 + e)
    # Last input transfer of a tile -> its first output transfer: rows + cols + 1 + e cycles; with
    # skid buffers, tiles after the first wait T - P cycles more in the buffer (none for P >= T).
    firsts = result.out_cycles[::rows]
    latency = [rows + cols + 1 + e] + [(T - P if skid else 0) + rows + cols + 1 + e] * 3
    assert [f - l for f, l in zip(firsts, result.last_in_cycles)] == latency
    # First input -> first output: P + rows + cols + e cycles.
    assert result.cycle_first_out - result.cycle_first_in == P + rows + cols + e
    # Result rows of a tile on consecutive cycles.
    assert all(result.out_cycles[t * rows + rows - 1] - result.out_cycles[t * rows] == rows - 1
               for t in range(4))
    # Back to back: one tile every T = max(P, 2*rows + cols + 1 + e) cycles; with skid buffers the
    # final transfers of tiles 0 and 1 are P apart (the buffers take tile 1's early).
    periods = np.diff(result.last_in_cycles).tolist()
    assert periods == [P if skid else T] + [T] * 2, periods
    # The output side is the same in both modes: first outputs T cycles apart.
    assert np.diff(firsts).tolist() == [T] * 3


def test_throughput_8x8_k576():
    """The requirement: 8x8, K = 576, back-to-back tiles, unstalled: PEs busy >= 90 %.

    Busy fraction = pair-cycles of work (N * 288) over the cycles from the first input transfer
    to the last output transfer, fill and final drain included.
    """
    config = SparqConfig(rows=8, cols=8, max_k=576)
    rng = np.random.default_rng(576)
    n = 3
    tiles = [random_tile(config, rng, 576) for _ in range(n)]
    result = run_array(config, tiles)
    _check(config, tiles, result)
    span = result.cycle_last_out - result.cycle_first_in + 1
    busy = n * 288 / span
    print(f"8x8 K=576, {n} tiles: {n * 288} pair-cycles in {span} cycles, PE busy {busy:.1%}")
    assert busy >= 0.90
    # In steady state the input never waits: tiles start exactly P = 288 cycles apart.
    assert (np.diff(result.last_in_cycles) == 288).all()


@pytest.mark.parametrize("skid", [False, True], ids=["native", "skid"])
def test_input_ready_paths(skid):
    """With skid buffers, a.ready and b.ready move with no input of the same cycle; without,
    a.ready follows b.valid (the documented combinational path)."""
    config = SparqConfig(rows=2, cols=2, max_k=8, skid=skid)
    dut = SystolicArray(config)
    rng = np.random.default_rng(11)
    moved = []

    async def bench(ctx):
        for cycle in range(200):
            ready = (ctx.get(dut.a.ready), ctx.get(dut.b.ready))
            for _ in range(4):
                ctx.set(dut.a.valid, int(rng.integers(2)))
                ctx.set(dut.b.valid, int(rng.integers(2)))
                ctx.set(dut.a.payload.as_value(), int(rng.integers(1 << 32)) | (
                    int(rng.integers(2)) << 32))
                ctx.set(dut.b.payload.as_value(), int(rng.integers(1 << 32)) | (
                    int(rng.integers(2)) << 32))
                ctx.set(dut.c.ready, int(rng.integers(2)))
                if (ctx.get(dut.a.ready), ctx.get(dut.b.ready)) != ready:
                    moved.append(cycle)
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    if skid:
        assert moved == []
    else:
        assert moved


def test_array_rejects_non_config():
    with pytest.raises(TypeError, match=r"config must be a SparqConfig, not None"):
        SystolicArray(None)


# -- heavier sweeps (make test-slow) ----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("dp", DATAPATHS + NARROW + [
                                            dict(datapath="sparq", bits=3, options=6),
                                            dict(datapath="sparq", bits=2, options=7,
                                                 rounding="truncate"),
                                            dict(datapath="sparq", options=5, rounding="truncate"),
                                            dict(datapath="sparq", options=3, rounding="nearest-even"),
                                            dict(datapath="sparq", options=2, rounding="truncate")],
                         ids=_dp_id)
@pytest.mark.parametrize("shape", [(4, 4), (8, 8), (5, 2)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_larger_arrays(dp, shape):
    rows, cols = shape
    config = SparqConfig(rows=rows, cols=cols, max_k=96, **dp)
    rng = np.random.default_rng(1000 + rows * 10 + cols)
    kinds = ["relu", "relu", "uniform", "extremes", "zeros", "max"]
    tiles = [random_tile(config, rng, int(rng.integers(1, 97)), kinds[t % len(kinds)])
             for t in range(12)]
    result = run_array(config, tiles, stall_a=0.25, stall_b=0.35, stall_c=0.5, seed=rows * cols)
    _check(config, tiles, result)
