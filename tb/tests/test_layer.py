"""A real layer through the array: a quantized 3x3 convolution, 64 -> 32 channels, 8x8, padding 1.

The activations come from a natural image (see ``tb/layer.py``); the layer's GEMM (2 images x 64
positions = 128 rows, 32 output channels, K = 576) runs tile by tile through the generated 8x8
SPARQ array on Verilator with :func:`tb.gemm.array_gemm` (64 tiles, back to back at full rate and
again with stalls). Each tile is checked against golden's GEMM on the fly by the bench's
scoreboard, the assembled GEMM against golden's, and the accumulators, back in (N, O, H, W)
order, must equal ``golden.sparq_conv2d(...).acc`` exactly.
"""

import numpy as np
import pytest

import golden
from hdl.config import SparqConfig
from tb import layer, sim
from golden.tiling import conv_as_gemm, gemm_to_conv
from tb.gemm import array_gemm


@pytest.mark.parametrize("simulator", [s for s in sim.selected_simulators() if s == "verilator"])
def test_conv_layer_on_array(simulator, tmp_path):
    sim.require(simulator)
    config = SparqConfig()                         # the default 8x8 array, 5opt, nearest-even
    xq, wq, delta_x, delta_w = layer.layer_inputs()
    expected = golden.sparq_conv2d(xq, wq, delta_x, delta_w, padding=1,
                                   options=config.options, rounding=config.rounding).acc
    A, B, shape = conv_as_gemm(xq, wq, padding=1)                       # (N*8*8, 576), (32, 576)
    results = array_gemm(config, simulator, A, B,
                         tests=("full_rate", "stalled"), work_dir=tmp_path, name="conv",
                         label="3x3 conv 64->32 on 8x8 (natural image)")
    assert set(results) == {"full_rate", "stalled"}
    for test, result in results.items():
        assert result.failures == [] and result.differ == 0, (test, result.failures)
        assert result.tiles == 64 and result.transfers == 64 * 288
        acc = gemm_to_conv(result.C, shape)
        bad = np.flatnonzero(acc != expected)
        assert bad.size == 0, (f"{test}: {bad.size} of {acc.size} accumulators differ from "
                               f"golden.sparq_conv2d, first at flat index {bad[:5].tolist()}: "
                               f"{acc.ravel()[bad[:5]].tolist()} != {expected.ravel()[bad[:5]].tolist()}")
    # The layer really is sparse and uses the whole range (a real input, not noise or zeros).
    assert 0.3 < (xq == 0).mean() < 0.7 and xq.max() == 255


# 256 tiles, about 27 s of CPU: -m slow. In `make test` the same path (a conv layer larger than
# the array, im2col, golden.tiling's blocks, every accumulator against golden.sparq_conv2d) runs
# with test_conv_layer_on_array above (64 tiles, full rate and stalled), and the tiler on the
# burst harness with partial tiles and K in chunks in tb/tests/test_gemm.py.
@pytest.mark.slow(reason="the same layer path runs in make test: test_conv_layer_on_array; the "
                         "tiler on the burst harness: tb/tests/test_gemm.py")
@pytest.mark.parametrize("simulator", [s for s in sim.selected_simulators() if s == "verilator"])
def test_conv_64_to_64_on_16x16_maps_through_the_tiler(simulator, tmp_path):
    # A layer larger than the array in every direction: 256 output pixels x 64 channels, K = 576,
    # tiled by golden.tiling (32 x 8 blocks) and run on the burst harness of the 8x8 array.
    sim.require(simulator)
    config = SparqConfig()
    xq, wq, delta_x, delta_w = layer.layer_inputs(size=16, c_out=64, images=1)
    assert xq.shape == (1, 64, 16, 16) and wq.shape == (64, 64, 3, 3)
    expected = golden.sparq_conv2d(xq, wq, delta_x, delta_w, padding=1).acc
    A, B, shape = conv_as_gemm(xq, wq, padding=1)
    (result,) = array_gemm(config, simulator, A, B, tests=("burst",), work_dir=tmp_path,
                           name="conv16", label="3x3 conv 64->64 on 16x16 (tiler)").values()
    assert result.failures == [] and result.differ == 0, result.failures
    assert result.tiles == 32 * 8
    acc = gemm_to_conv(result.C, shape)
    assert np.array_equal(acc, expected), np.flatnonzero(acc != expected)[:5]
    assert 0.3 < (xq == 0).mean() < 0.7


# 20 s on Verilator: -m slow; the 2:4 array's own benches (tb/tests/test_array.py, -stc entries) stay in
# the default set.
@pytest.mark.slow
@pytest.mark.parametrize("simulator", [s for s in sim.selected_simulators() if s == "verilator"])
def test_conv_layer_with_2to4_weights_on_the_2to4_array(simulator, tmp_path):
    # The same layer with its weights 2:4-pruned along SPARQ's reduction order (four input
    # channels of one tap per group), on the 8x8 2:4 SPARQ array (burst harness), checked against
    # golden's conv with stc=True; K = 576 is 144 groups per tile.
    sim.require(simulator)
    from golden.sparse import prune_conv_2to4
    config = SparqConfig(stc=True)
    xq, wq, delta_x, delta_w = layer.layer_inputs(images=1)     # one image: 32 tiles
    wq = prune_conv_2to4(wq)
    expected = golden.sparq_conv2d(xq, wq, delta_x, delta_w, padding=1, stc=True).acc
    A, B, shape = conv_as_gemm(xq, wq, padding=1)
    (result,) = array_gemm(config, simulator, A, B, tests=("burst",), work_dir=tmp_path,
                           name="conv-stc", label="3x3 conv 64->32 on 8x8, 2:4 weights").values()
    assert result.failures == [] and result.differ == 0, result.failures
    assert result.tiles == 32 and result.transfers == 32 * 144
    acc = gemm_to_conv(result.C, shape)
    assert np.array_equal(acc, expected), np.flatnonzero(acc != expected)[:5]
    # The 2:4 result is not the dense one: the pairing really differs.
    dense = golden.sparq_conv2d(xq, wq, delta_x, delta_w, padding=1).acc
    assert not np.array_equal(acc, dense)
