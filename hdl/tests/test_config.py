"""SparqConfig validation: every message, the limits and their boundaries."""

import numpy as np
import pytest

import golden
from hdl import config as config_module
from hdl.config import MAX_K, MAX_PES, MAX_SIDE, WINDOW_SHIFTS, SparqConfig
from hdl import pe


def test_limits():
    assert (MAX_K, MAX_PES, MAX_SIDE) == (1 << 20, 1024, 64)


@pytest.mark.parametrize("kwargs", [
    dict(max_k=MAX_K), dict(rows=32, cols=32), dict(rows=16, cols=64), dict(rows=64, cols=16),
    dict(rows=1, cols=64), dict(rows=64, cols=1), dict(rows=1, cols=1, max_k=1),
])
def test_boundaries_are_accepted(kwargs):
    config = SparqConfig(**kwargs)
    assert all(getattr(config, k) == v for k, v in kwargs.items())


def test_largest_accumulator():
    # The most negative sum at max_k = 2**20 is -2**20 * 128 * 255, which needs 36 signed bits.
    assert SparqConfig(max_k=MAX_K).acc_width == 36
    assert SparqConfig(datapath="int8", max_k=MAX_K).acc_width == 36
    assert SparqConfig(datapath="a4w8", max_k=MAX_K).acc_width == 32
    assert SparqConfig(bits=3, max_k=MAX_K).acc_width == 36
    assert SparqConfig(datapath="a3w8", max_k=MAX_K).acc_width == 31
    assert SparqConfig(datapath="a2w8", max_k=MAX_K).acc_width == 30
    assert -MAX_K * 128 * 255 >= -(1 << 35)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(options=5.0), TypeError, "options must be an integer, not 5.0"),
    (dict(options=True), TypeError, "options must be an integer, not True"),
    (dict(options="5"), TypeError, "options must be an integer, not '5'"),
    (dict(options=4), ValueError, "options must be one of 5, 3, 2 (4-bit windows), not 4"),
    (dict(datapath="int8", options=3.0), TypeError, "options must be an integer, not 3.0"),
    (dict(bits=3, options=5), ValueError, "options must be one of 6 (3-bit windows), not 5"),
    (dict(bits=2, options=6), ValueError, "options must be one of 7 (2-bit windows), not 6"),
    (dict(bits=6), ValueError, "bits must be one of 4, 3, 2, not 6"),
    (dict(bits=8), ValueError, "bits must be one of 4, 3, 2, not 8"),
    (dict(bits=3.0), TypeError, "bits must be an integer, not 3.0"),
    (dict(bits=True), TypeError, "bits must be an integer, not True"),
    (dict(datapath="a3w8", bits=3), ValueError,
     "bits, options and rounding apply to the sparq datapath only; datapath 'a3w8' got bits=3, "
     "options=6, rounding='nearest-even'"),
    (dict(datapath="a5w8"), ValueError,
     "datapath must be one of sparq, int8, a4w8, a3w8, a2w8, not 'a5w8'"),
    (dict(rows=2.0), TypeError, "rows must be an integer, not 2.0"),
    (dict(cols=True), TypeError, "cols must be an integer, not True"),
    (dict(max_k=64.0), TypeError, "max_k must be an integer, not 64.0"),
    (dict(skid=1), TypeError, "skid must be a bool, not 1"),
    (dict(skid="yes"), TypeError, "skid must be a bool, not 'yes'"),
    (dict(mul_pipe=1), TypeError, "mul_pipe must be a bool, not 1"),
    (dict(mul_pipe="on"), TypeError, "mul_pipe must be a bool, not 'on'"),
    (dict(pairs=4.0), TypeError, "pairs must be an integer, not 4.0"),
    (dict(pairs=True), TypeError, "pairs must be an integer, not True"),
    (dict(pairs=0), ValueError, "pairs must be at least 1, not 0"),
    (dict(pairs=33), ValueError, "pairs must be at most 32, not 33"),
    (dict(rows=0), ValueError, "rows must be at least 1, not 0"),
    (dict(max_k=0), ValueError, "max_k must be at least 1, not 0"),
    (dict(max_k=MAX_K + 1), ValueError, "max_k must be at most 1048576, not 1048577"),
    (dict(max_k=2 ** 64), ValueError, "max_k must be at most 1048576, not 18446744073709551616"),
    (dict(rows=1000, cols=1000), ValueError,
     "rows * cols must be at most 1024 PEs (elaboration time and memory grow with the array), "
     "not 1000 x 1000 = 1000000"),
    (dict(rows=25, cols=41), ValueError,
     "rows * cols must be at most 1024 PEs (elaboration time and memory grow with the array), "
     "not 25 x 41 = 1025"),
    (dict(rows=65, cols=1), ValueError, "rows must be at most 64, not 65"),
    (dict(rows=2, cols=65), ValueError, "cols must be at most 64, not 65"),
    (dict(rows=-1, cols=10 ** 6), ValueError, "rows must be at least 1, not -1"),
])
def test_error_message(kwargs, error, message):
    with pytest.raises(error) as info:
        SparqConfig(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("bits, options", [(4, 5), (3, 6), (2, 7)])
def test_options_default_per_bits(bits, options):
    assert SparqConfig(bits=bits).options == options
    assert SparqConfig(bits=bits) == SparqConfig(bits=bits, options=options)


@pytest.mark.parametrize("bits, options, mant, lone_bits, lone_shifts", [
    (4, 5, 4, 8, (0,)), (4, 2, 4, 8, (0,)), (3, 6, 3, 6, (0, 1, 2)), (2, 7, 2, 4, (0, 1, 2, 3, 4))])
def test_widths_per_bits(bits, options, mant, lone_bits, lone_shifts):
    config = SparqConfig(bits=bits, options=options)
    assert (config.mant_width, config.lone_bits, config.lone_shifts) == (mant, lone_bits, lone_shifts)
    assert config.shifts == golden.sparq.WINDOWS[bits, options]
    assert config.shift_width == 3 and config.act_width == 8 and config.max_act_value == 255


@pytest.mark.parametrize("datapath, width", [("a4w8", 4), ("a3w8", 3), ("a2w8", 2), ("int8", 8)])
def test_naive_widths(datapath, width):
    config = SparqConfig(datapath=datapath)
    assert config.act_width == config.mant_width == width
    assert config.max_act_value == (1 << width) - 1


@pytest.mark.parametrize("bits, options", list(WINDOW_SHIFTS))
@pytest.mark.parametrize("rounding", ["nearest-even", "truncate"])
def test_max_act_value_bounds_every_contribution(bits, options, rounding):
    # acc_width rests on |h| <= max_act_value for every activation's contribution and every
    # multiplier slot's mant << shift: checked over all 65,536 pairs. A lone mantissa has more
    # bits than the window (6 under 3-bit windows), but its value stays below 256.
    config = SparqConfig(bits=bits, options=options, rounding=rounding)
    i = np.arange(65536)
    a0, a1 = i // 256, i % 256
    h0, h1 = golden.vsparq(a0, a1, bits=bits, options=options, rounding=rounding)
    mant, shift, _ = golden.pair_slots(a0, a1, bits=bits, options=options, rounding=rounding)
    largest = max(h0.max(), h1.max(), (mant << shift).max())
    assert largest <= config.max_act_value
    # The mantissas fit the bits-wide multiplier operand, the shifts the allowed set.
    assert mant.max() <= (1 << config.mant_width) - 1
    assert set(np.unique(shift).tolist()) <= set(config.shifts)
    # The largest contribution: 255 (exact lone value) for 4-bit, 252 (6-bit lone window,
    # 63 << 2) for 3-bit, 240 (4-bit lone window, 15 << 4) for 2-bit.
    assert largest == {4: 255, 3: 252, 2: 240}[bits]


def test_limits_are_exported():
    assert {"MAX_K", "MAX_PES", "MAX_SIDE"} <= set(config_module.__all__)


def test_pe_latency():
    assert pe.latency(SparqConfig()) == 1
    assert pe.latency(SparqConfig(mul_pipe=True)) == 2
