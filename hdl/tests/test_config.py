"""SparqConfig validation: every message, the limits and their boundaries."""

import pytest

from hdl import config as config_module
from hdl.config import MAX_K, MAX_PES, MAX_SIDE, SparqConfig


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
    assert -MAX_K * 128 * 255 >= -(1 << 35)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(options=5.0), TypeError, "options must be an integer, not 5.0"),
    (dict(options=True), TypeError, "options must be an integer, not True"),
    (dict(options="5"), TypeError, "options must be an integer, not '5'"),
    (dict(options=4), ValueError, "options must be one of 5, 3, 2 (4-bit windows), not 4"),
    (dict(datapath="int8", options=3.0), TypeError, "options must be an integer, not 3.0"),
    (dict(rows=2.0), TypeError, "rows must be an integer, not 2.0"),
    (dict(cols=True), TypeError, "cols must be an integer, not True"),
    (dict(max_k=64.0), TypeError, "max_k must be an integer, not 64.0"),
    (dict(skid=1), TypeError, "skid must be a bool, not 1"),
    (dict(skid="yes"), TypeError, "skid must be a bool, not 'yes'"),
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


def test_limits_are_exported():
    assert {"MAX_K", "MAX_PES", "MAX_SIDE"} <= set(config_module.__all__)
