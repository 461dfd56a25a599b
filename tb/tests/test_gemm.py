"""A GEMM larger than the array through :func:`tb.gemm.array_gemm`: M and N not multiples of the
array's shape, K longer than ``max_k`` (split into chunks), odd K, on small arrays of the baseline
and SPARQ datapaths, and on dot-product units; the assembled C must equal the golden GEMM, and
every tile passes the bench's scoreboard."""

import numpy as np
import pytest

from hdl.config import SparqConfig
from hdl.stream_codec import reference
from tb import sim
from tb.gemm import array_gemm, k_chunks

#: (id, config, tests): a4w8 (4-bit activation lanes) on the burst harness, SPARQ with an odd
#: max_k (chunks of 8) on the per-cycle harness with stalls.
CASES = [
    ("a4w8-3x2-k10-burst", SparqConfig(datapath="a4w8", rows=3, cols=2, max_k=10), ("burst",)),
    ("sparq-o3-tr-2x3-k9", SparqConfig(options=3, rounding="truncate", rows=2, cols=3, max_k=9),
     ("full_rate", "stalled")),
]


def _check_gemm(simulator, config, tests, tmp_path, M, block="array"):
    # An M x 23 by 5 x 23 GEMM through tb.gemm.array_gemm: every test equal to golden, with the
    # tiles the tiler plans (K chunks x row and column blocks).
    sim.require(simulator)
    rng = np.random.default_rng(sim.seed_from_env())
    N, K = 5, 23
    A = rng.integers(0, config.max_act_value + 1, (M, K)) * (rng.random((M, K)) < 0.6)
    B = rng.integers(-128, 128, (N, K))
    results = array_gemm(config, simulator, A, B, tests=tests, work_dir=tmp_path, name="gemm",
                         block=block)
    chunks = len(k_chunks(config, K))
    blocks = -(-M // config.rows) * -(-N // config.cols)
    assert set(results) == set(tests)
    for test, result in results.items():
        assert result.failures == [] and result.passed, (test, result.failures)
        assert np.array_equal(result.C, reference(config, A, B)), test
        assert result.tiles == chunks * blocks


@pytest.mark.parametrize("simulator, config, tests", [
    pytest.param(s, c, t, id=f"{i}-{s}") for i, c, t in CASES for s in sim.selected_simulators()])
def test_gemm_larger_than_the_array(simulator, config, tests, tmp_path):
    _check_gemm(simulator, config, tests, tmp_path, M=7)   # 3 or 4 row blocks, 3 or 2 col blocks


def test_k_chunks():
    sparq = SparqConfig(rows=1, cols=1, max_k=9)
    assert k_chunks(sparq, 23) == [(0, 8), (8, 16), (16, 23)]       # even starts, at most 8
    assert k_chunks(sparq, 8) == [(0, 8)]
    assert k_chunks(SparqConfig(rows=1, cols=1, max_k=10), 23) == [(0, 10), (10, 20), (20, 23)]
    assert k_chunks(SparqConfig(datapath="int8", rows=1, cols=1, max_k=1), 3) == [(0, 1), (1, 2),
                                                                                  (2, 3)]
    assert k_chunks(SparqConfig(rows=1, cols=1, max_k=1), 1) == [(0, 1)]
    with pytest.raises(ValueError, match="K=2 cannot be split into pairs on an array of "
                                         "max_k=1"):
        k_chunks(SparqConfig(rows=1, cols=1, max_k=1), 2)


#: Dot-product units: SPARQ with max_k 9 (chunks of 8 positions, each tile padded to whole
#: transfers of 2P = 6), per-cycle with stalls; int8 on the burst harness.
DOT_CASES = [
    ("sparq-o5-tr-2x2p3-k9", SparqConfig(rounding="truncate", rows=2, cols=2, pairs=3, max_k=9),
     ("full_rate", "stalled")),
    ("int8-3x2p2-k10-burst", SparqConfig(datapath="int8", rows=3, cols=2, pairs=2, max_k=10),
     ("burst",)),
]


@pytest.mark.parametrize("simulator, config, tests", [
    pytest.param(s, c, t, id=f"{i}-{s}") for i, c, t in DOT_CASES
    for s in sim.selected_simulators()])
def test_gemm_on_the_dot_product_unit(simulator, config, tests, tmp_path):
    _check_gemm(simulator, config, tests, tmp_path, M=5, block="dotprod")
