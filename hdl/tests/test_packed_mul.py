# amaranth: UnusedElaboratable=no
"""PackedMultiplier: K products of one mantissa from one wide multiply, bit-exact.

The expected products are the plain integer products ``mant * weight`` (NumPy), never the
packing arithmetic. ``make test``: every mantissa x every weight of each lane against the corner
weights of the other lanes (where the borrows between fields are extreme), and random vectors
for 3 and 4 lanes; ``-m slow``: all 16 x 65,536 inputs of two lanes.
"""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hdl.packed_mul import FIELD, MAX_LANES, PackedMultiplier, packed_width

CORNERS = np.array([-128, -127, -1, 0, 1, 127])


def run(lanes, mants, weights, packed=True):
    """Products of the simulated multiplier, shape (n, lanes); ``weights`` shape (n, lanes)."""
    dut = PackedMultiplier(lanes, packed=packed)
    words = [sum((int(w) & 0xFF) << (8 * i) for i, w in enumerate(row)) for row in weights]
    out = np.zeros((len(mants), lanes), np.int64)

    async def bench(ctx):
        w, p = dut.weights.as_value(), dut.products.as_value()
        for n, (mant, word) in enumerate(zip(mants, words)):
            ctx.set(dut.mant, int(mant))
            ctx.set(w, word)
            raw = ctx.get(p)
            for i in range(lanes):
                field = (raw >> (FIELD * i)) & ((1 << FIELD) - 1)
                out[n, i] = field - (1 << FIELD) if field >> (FIELD - 1) else field

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return out


def _check(lanes, mants, weights, packed=True):
    got = run(lanes, mants, weights, packed)
    expected = np.asarray(mants)[:, None] * np.asarray(weights)
    bad = np.flatnonzero((got != expected).any(axis=1))
    assert bad.size == 0, (f"{bad.size} mismatches, first: mant {mants[bad[0]]} weights "
                           f"{weights[bad[0]].tolist()} -> {got[bad[0]].tolist()}, expected "
                           f"{expected[bad[0]].tolist()}")


@pytest.mark.parametrize("lane", [0, 1])
def test_two_lanes_each_lane_exhaustive_against_corners(lane):
    # Lane `lane`: all 16 x 256 mantissa-weight pairs, the other lane at every corner weight.
    mant, w, other = (g.reshape(-1) for g in np.meshgrid(np.arange(16), np.arange(-128, 128),
                                                          CORNERS, indexing="ij"))
    weights = np.stack([w, other] if lane == 0 else [other, w], axis=1)
    assert len(weights) == 16 * 256 * len(CORNERS)
    _check(2, mant, weights)


@pytest.mark.parametrize("packed", [True, False], ids=["packed", "separate"])
@pytest.mark.parametrize("lanes", [1, 3, 4])
def test_other_lane_counts_corners_and_random(lanes, packed):
    rng = np.random.default_rng(lanes)
    corner = np.array(np.meshgrid(*[CORNERS[[0, 2, 3, 5]]] * lanes, indexing="ij")).reshape(lanes, -1).T
    mants = np.concatenate([np.full(len(corner), 15), np.full(len(corner), 1),
                            rng.integers(0, 16, 3000)])
    weights = np.concatenate([corner, corner, rng.integers(-128, 128, (3000, lanes))])
    _check(lanes, mants, weights, packed)


@pytest.mark.slow
def test_two_lanes_exhaustive():
    # All 16 x 256 x 256 inputs of two lanes (about 1,048,576 vectors, a minute or two).
    mant, w0, w1 = (g.reshape(-1) for g in np.meshgrid(np.arange(16), np.arange(-128, 128),
                                                        np.arange(-128, 128), indexing="ij"))
    _check(2, mant, np.stack([w0, w1], axis=1))


def test_widths():
    # The most negative packed value (every weight -128) fits; one bit less would not.
    for lanes in range(1, MAX_LANES + 1):
        low = -128 * sum(1 << (FIELD * i) for i in range(lanes))
        width = packed_width(lanes)
        assert -(1 << (width - 1)) <= low < -(1 << (width - 2))
    assert [packed_width(k) for k in (1, 2, 3)] == [8, 21, 33]


@pytest.mark.parametrize("lanes, error, message", [
    (0, ValueError, "lanes must be in 1..4, not 0"),
    (5, ValueError, "lanes must be in 1..4, not 5"),
    (2.0, TypeError, "lanes must be an integer, not 2.0"),
    (True, TypeError, "lanes must be an integer, not True"),
])
def test_bad_lanes(lanes, error, message):
    with pytest.raises(error) as info:
        PackedMultiplier(lanes)
    assert str(info.value) == message


def test_bad_packed():
    with pytest.raises(TypeError) as info:
        PackedMultiplier(2, packed=1)
    assert str(info.value) == "packed must be a bool, not 1"
