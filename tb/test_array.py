"""The generated systolic array on Icarus and Verilator against golden, tile by tile.

Every configuration runs the named corner tiles (K=1, all-zero, odd K, all-max activations with
-128/127 weights, K = max_k with the most negative and the largest sums, K = max_k ReLU-like) and
``SPARQ_TILES`` (default 12) ReLU-like tiles of random K, back to back: once at full rate and once
with random gaps on ``a``/``b``, random ``c.ready`` and a long stall of every stream mid-tile (the
cocotb side: ``tb/array_tests.py``). The default ``make test`` set covers every option, both
roundings, all three datapaths and square, non-square and 1xN shapes; ``-m slow`` adds the full
cross of the SPARQ settings.
"""

import pytest

from hdl.config import SparqConfig
from tb import sim
from tb.array_runner import run_array, standard_tiles

#: (id, config) run by `make test`: every option and rounding, every datapath, several shapes.
MAIN = [
    ("sparq-o5-ne-8x8", SparqConfig()),
    ("sparq-o3-tr-3x5", SparqConfig(options=3, rounding="truncate", rows=3, cols=5, max_k=64)),
    ("sparq-o2-ne-1x6", SparqConfig(options=2, rows=1, cols=6, max_k=40)),
    ("int8-2x3", SparqConfig(datapath="int8", rows=2, cols=3, max_k=48)),
    ("a4w8-4x1-oddk", SparqConfig(datapath="a4w8", rows=4, cols=1, max_k=33)),
]

#: The rest of the SPARQ settings (options x rounding) on a non-square array, under -m slow.
SLOW = [(f"sparq-o{o}-{r[:2]}-4x3", SparqConfig(options=o, rounding=r, rows=4, cols=3, max_k=96))
        for o in (5, 3, 2) for r in ("nearest-even", "truncate")]
SLOW += [("int8-8x8", SparqConfig(datapath="int8")), ("a4w8-8x8", SparqConfig(datapath="a4w8"))]


def _run(simulator, config):
    sim.require(simulator)
    seed = sim.seed_from_env()
    named = standard_tiles(config, seed)
    records = run_array(config, simulator, named, seed=seed)
    assert {r["test"] for r in records} == {"full_rate", "stalled"}
    for r in records:
        # Every tile's every result value was compared.
        assert r["tiles"] == len(named)
        assert r["checked"] == len(named) * config.rows * (config.cols + 1)   # values and last


@pytest.mark.parametrize("simulator", sim.selected_simulators())
@pytest.mark.parametrize("config", [c for _, c in MAIN], ids=[i for i, _ in MAIN])
def test_array(simulator, config):
    _run(simulator, config)


@pytest.mark.slow
@pytest.mark.parametrize("simulator", sim.selected_simulators())
@pytest.mark.parametrize("config", [c for _, c in SLOW], ids=[i for i, _ in SLOW])
def test_array_slow(simulator, config):
    _run(simulator, config)
