"""The generated dot-product unit (``sparq-rtl verilog dotprod``) on Icarus and Verilator against
golden, tile by tile, through the array's driver, harnesses and cocotb tests (the unit has the
same streams; ``tb/bench/array.py`` reads the block from the build).

Every configuration runs the array's named corner tiles (K=1, all-zero, odd K, all-max activations
with -128/127 weights, K = max_k with the most negative and the largest sums, K = max_k ReLU-like),
the chunk corners of :func:`tb.tiles.chunk_tiles` (K = 2P, 2P + 1, 4P - 2, max_k - 1: K not a
multiple of 2P, odd and even) and ``SPARQ_TILES`` (default 12) ReLU-like tiles of random K, back
to back: once at full rate and once with random gaps on ``a``/``b``, random ``c.ready`` and a long
stall of every stream mid-tile. The default set covers every datapath, both roundings, every
option, 3-bit and 2-bit windows, the default 4x4p4 shape (K up to 1152 under ``-m slow``), skid
buffers, the split multiply stage, the packed products and the AXI4-Stream top level, on both simulators
(some entries on one); ``-m slow`` adds the full cross of 4-bit SPARQ settings, the a3w8/a2w8 baselines and the other
simulator.
"""

import pytest

from hdl.config import SparqConfig
from tb import sim
from tb.array_runner import run_array, run_standard, simulator_params, standard_tiles

ICARUS, VERILATOR = ("icarus",), ("verilator",)
BOTH = ICARUS + VERILATOR

#: (config, simulators) of the default set (test ids: the config tag and the simulator).
MAIN = [
    (SparqConfig(rows=4, cols=4, pairs=4, max_k=44), ICARUS),
    (SparqConfig(options=3, rounding="truncate", rows=2, cols=3,
                 pairs=3, max_k=40), BOTH),
    (SparqConfig(options=2, rows=1, cols=2, pairs=2, max_k=17),
                 ICARUS),
    (SparqConfig(datapath="int8", rows=2, cols=2, pairs=4, max_k=33), BOTH),
    (SparqConfig(datapath="a4w8", rows=3, cols=1, pairs=2, max_k=21),
                 VERILATOR),
    # 3-bit and 2-bit windows (lone windows split over both slots).
    (SparqConfig(bits=3, rows=2, cols=2, pairs=3, max_k=27), ICARUS),
    (SparqConfig(bits=2, rounding="truncate", rows=2, cols=1,
                 pairs=2, max_k=19), VERILATOR),
    # AXI4-Stream top level (hdl/axis.py), with and without skid buffers (hdl/skid.py).
    (SparqConfig(rounding="truncate", rows=2, cols=2, pairs=2,
                 max_k=24, interface="axis"), BOTH),
    (SparqConfig(datapath="int8", rows=2, cols=3, pairs=2, max_k=20,
                 skid=True, interface="axis"), BOTH),
    # The split multiply stage (mul_pipe): one cycle more latency, the same results.
    (SparqConfig(rows=2, cols=2, pairs=2, max_k=24,
                 mul_pipe=True), BOTH),
    (SparqConfig(datapath="int8", rows=2, cols=1, pairs=3, max_k=19,
                 mul_pipe=True, skid=True), ICARUS),
    # Two columns' products from one multiply (dsp_pack), 3 columns: a packed pair and a lone lane.
    (SparqConfig(rows=2, cols=3, pairs=2, max_k=22,
                 dsp_pack=True), VERILATOR),
    (SparqConfig(options=3, rounding="truncate", rows=2,
                 cols=3, pairs=2, max_k=22, mul_pipe=True,
                 dsp_pack=True), ICARUS),
]

#: Under -m slow: every SPARQ option and rounding at 3x2p3, the baselines at 4x4p4 K 1152, and
#: the default set's single-simulator entries on the other simulator.
SLOW = [(SparqConfig(options=o, rounding=r, rows=3, cols=2,
                     pairs=3, max_k=50), BOTH)
        for o in (5, 3, 2) for r in ("nearest-even", "truncate")]
SLOW += [(SparqConfig(datapath=d, rows=4, cols=4, pairs=4), BOTH)
         for d in ("int8", "a4w8")]
SLOW += [(SparqConfig(rows=4, cols=4, pairs=4), VERILATOR)]
SLOW += [(SparqConfig(datapath=d, rows=2, cols=2, pairs=2, max_k=30), BOTH)
         for d in ("a3w8", "a2w8")]
SLOW += [(SparqConfig(options=2, rows=1, cols=2, pairs=2, max_k=17),
                      VERILATOR),
         (SparqConfig(datapath="a4w8", rows=3, cols=1, pairs=2, max_k=21),
                      ICARUS)]


@pytest.mark.parametrize("simulator, config", simulator_params("dotprod", MAIN))
def test_dotprod(simulator, config):
    run_standard(config, simulator, block="dotprod")


@pytest.mark.slow
@pytest.mark.parametrize("simulator, config", simulator_params("dotprod", SLOW))
def test_dotprod_slow(simulator, config):
    run_standard(config, simulator, block="dotprod")


@pytest.mark.parametrize("simulator", [
    pytest.param(s, marks=() if s == "icarus" else (pytest.mark.slow,))
    for s in sim.selected_simulators()])
def test_dotprod_burst(simulator):
    # The burst harness (full rate, the benchmark's transport) drives the unit too: Icarus in
    # the default set, Verilator under -m slow (as the array's burst test).
    sim.require(simulator)
    config = SparqConfig(options=3, rows=2, cols=2, pairs=2, max_k=24)
    seed = sim.seed_from_env()
    named = standard_tiles(config, seed, block="dotprod")
    (record,) = run_array(config, simulator, named, seed=seed, burst=True, block="dotprod")
    assert record["tiles"] == len(named)
    assert record["checked"] == len(named) * config.rows * (config.cols + 1)
