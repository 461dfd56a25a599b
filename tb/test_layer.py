"""A real layer through the array: a quantized 3x3 convolution, 64 -> 32 channels, 8x8, padding 1.

The activations come from a natural image (see ``tb/layer.py``); the layer's GEMM (2 images x 64
positions = 128 rows, 32 output channels, K = 576) runs tile by tile through the generated 8x8
SPARQ array on Verilator (64 tiles, back to back at full rate and again with stalls), and the
assembled integer accumulators must equal ``golden.sparq_conv2d(...).acc`` exactly. Each tile is
also checked against golden's GEMM on the fly by the bench's scoreboard.
"""

import numpy as np
import pytest

import golden
from hdl.config import SparqConfig
from tb import layer, sim
from tb.array_runner import run_array


@pytest.mark.parametrize("simulator", [s for s in sim.selected_simulators() if s == "verilator"])
def test_conv_layer_on_array(simulator, tmp_path):
    sim.require(simulator)
    config = SparqConfig()                         # the default 8x8 array, 5opt, nearest-even
    xq, wq, delta_x, delta_w = layer.layer_inputs()
    expected = golden.sparq_conv2d(xq, wq, delta_x, delta_w, padding=1,
                                   options=config.options, rounding=config.rounding).acc
    named, where = layer.conv_tiles(config, xq, wq)
    records = run_array(config, simulator, named, output_dir=tmp_path,
                        label="3x3 conv 64->32 on 8x8 (natural image)")
    assert {r["test"] for r in records} == {"full_rate", "stalled"}
    for test in ("full_rate", "stalled"):
        acc = layer.assemble(config, np.load(tmp_path / f"{test}.npy"), where, expected.shape)
        bad = np.flatnonzero(acc != expected)
        assert bad.size == 0, (f"{test}: {bad.size} of {acc.size} accumulators differ from "
                               f"golden.sparq_conv2d, first at flat index {bad[:5].tolist()}: "
                               f"{acc.ravel()[bad[:5]].tolist()} != {expected.ravel()[bad[:5]].tolist()}")
    # The layer really is sparse and uses the whole range (a real input, not noise or zeros).
    assert 0.3 < (xq == 0).mean() < 0.7 and xq.max() == 255
