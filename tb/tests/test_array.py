"""The generated systolic array on Icarus and Verilator against golden, tile by tile.

Every configuration runs the named corner tiles (K=1, all-zero, odd K, all-max activations with
-128/127 weights, K = max_k with the most negative and the largest sums, K = max_k ReLU-like) and
``SPARQ_TILES`` (default 12) ReLU-like tiles of random K, back to back: once at full rate and once
with random gaps on ``a``/``b``, random ``c.ready`` and a long stall of every stream mid-tile (the
cocotb side: ``tb/bench/array.py``). The default ``make test`` set covers every option, both
roundings, 4-, 3- and 2-bit windows, the int8 and naive baselines and square, non-square and 1xN
shapes; ``-m slow`` adds the full cross of the SPARQ settings. 2:4 arrays (``stc=True``) get
2:4-pruned weights and corner tiles with groups of 0, 1 and 2 non-zero weights
(:func:`tb.tiles.corner_tiles`).
"""

import pytest

from hdl.config import SparqConfig
from tb import sim
from hdl.naming import config_tag
from tb.array_runner import run_array, run_standard, simulator_params, standard_tiles

ICARUS, VERILATOR = ("icarus",), ("verilator",)
BOTH = ICARUS + VERILATOR

#: (config, simulators) run by `make test`: every option and rounding, every datapath, square,
#: non-square and 1xN shapes. Icarus runs an 8x8 array at about a hundred cycles per second, so
#: the 8x8 array with K up to 1152 runs on Verilator here and on Icarus under -m slow; Icarus
#: gets an 8x8 array with max_k 48 instead.
MAIN = [
    (SparqConfig(), VERILATOR),
    (SparqConfig(max_k=48), ICARUS),
    (SparqConfig(options=3, rounding="truncate", rows=3, cols=5, max_k=64), BOTH),
    (SparqConfig(options=2, rows=1, cols=6, max_k=40), BOTH),
    (SparqConfig(datapath="int8", rows=2, cols=3, max_k=48), BOTH),
    (SparqConfig(datapath="a4w8", rows=4, cols=1, max_k=33), BOTH),
    # The AXI4-Stream top level (hdl/axis.py) through the same harness (tb/harness/ports.py).
    (SparqConfig(options=3, rounding="truncate", rows=3, cols=5,
                 max_k=64, interface="axis"), BOTH),
    # Skid buffers on a and b (hdl/skid.py), natively and in the AXI4-Stream wrapper.
    (SparqConfig(datapath="int8", rows=2, cols=3, max_k=48, skid=True), BOTH),
    (SparqConfig(rows=2, cols=2, max_k=40, skid=True,
                 interface="axis"), BOTH),
    # 3-bit and 2-bit windows (odd max_k: the padded last pair is a lone activation), and the
    # naive baselines of the same widths.
    (SparqConfig(bits=3, rounding="truncate", rows=2, cols=3, max_k=40),
                 BOTH),
    (SparqConfig(bits=2, rows=3, cols=2, max_k=33), BOTH),
    (SparqConfig(datapath="a3w8", rows=2, cols=2, max_k=24), ICARUS),
    (SparqConfig(datapath="a2w8", rows=1, cols=3, max_k=19), ICARUS),
    # 2:4 structured-sparse weights (hdl/stc_array.py): SPARQ and the int8 2:4 baseline, K not a
    # multiple of 4 (max_k 42 and 41).
    (SparqConfig(stc=True, rows=3, cols=2, max_k=42), BOTH),
    (SparqConfig(datapath="int8", stc=True, rows=2, cols=3, max_k=41), BOTH),
    # The split multiply stage in the PEs (mul_pipe, hdl/mul_stage.py).
    (SparqConfig(options=2, rounding="truncate", rows=3, cols=2,
                 max_k=48, mul_pipe=True), BOTH),
]

#: Under -m slow: the full cross of SPARQ settings (options x rounding) on a non-square array, the
#: baselines at 8x8, and the 8x8 K=1152 array on Icarus.
SLOW = [(SparqConfig(options=o, rounding=r, rows=4, cols=3, max_k=96),
                     BOTH) for o in (5, 3, 2) for r in ("nearest-even", "truncate")]
SLOW += [(SparqConfig(bits=b, rounding=r, rows=4, cols=3, max_k=96),
                      BOTH) for b, o in ((3, 6), (2, 7)) for r in ("nearest-even", "truncate")]
SLOW += [(SparqConfig(datapath="a3w8"), BOTH),
         (SparqConfig(datapath="a2w8"), BOTH),
         (SparqConfig(bits=3), VERILATOR),
         (SparqConfig(bits=2, rounding="truncate"), VERILATOR)]
SLOW += [(SparqConfig(options=o, rounding=r, rows=4, cols=3,
                      max_k=97, stc=True), BOTH)
         for o in (5, 3, 2) for r in ("nearest-even", "truncate")]
SLOW += [(SparqConfig(stc=True), VERILATOR),
         (SparqConfig(datapath="int8", stc=True), VERILATOR),
         (SparqConfig(stc=True, rows=2, cols=2, max_k=40,
                      skid=True, interface="axis"), BOTH)]
SLOW += [(SparqConfig(datapath="int8"), BOTH),
         (SparqConfig(datapath="a4w8"), BOTH),
         (SparqConfig(), ICARUS),
         (SparqConfig(rows=4, cols=4, max_k=96, mul_pipe=True), BOTH),
         (SparqConfig(datapath="int8", rows=2, cols=3, max_k=48, mul_pipe=True),
                      BOTH),
         (SparqConfig(datapath="a4w8", rows=4, cols=1, max_k=33,
                      mul_pipe=True), BOTH)]


@pytest.mark.parametrize("simulator, config", simulator_params("array", MAIN))
def test_array(simulator, config):
    run_standard(config, simulator)


@pytest.mark.slow
@pytest.mark.parametrize("simulator, config", simulator_params("array", SLOW))
def test_array_slow(simulator, config):
    run_standard(config, simulator)


#: The burst harness (tb/harness/burst.py, used by `make bench-sim`) on its own tiles: Icarus in
#: `make test` (its build is cheap), Verilator under -m slow (the benchmark runs it too).
BURST = [SparqConfig(options=3, rounding="truncate", rows=3, cols=5, max_k=64),
         SparqConfig(options=3, rounding="truncate", rows=3, cols=5, max_k=64, interface="axis")]


@pytest.mark.parametrize("simulator, config", [
    pytest.param(s, c, id=f"{config_tag('array', c)}-{s}",
                 marks=() if s == "icarus" else (pytest.mark.slow,))
    for c in BURST for s in sim.selected_simulators()])
def test_array_burst(simulator, config):
    sim.require(simulator)
    seed = sim.seed_from_env()
    named = standard_tiles(config, seed)
    (record,) = run_array(config, simulator, named, seed=seed, burst=True)
    assert record["tiles"] == len(named)
    assert record["checked"] == len(named) * config.rows * (config.cols + 1)
