"""The generated processing element on Icarus and Verilator: tiles with bubbles and drain shifts.

The cocotb side is ``tb/bench/pe.py``. Each configuration runs the named corner tiles (K=1, all
zero, odd K, all-max activations with -128/127 weights, K = max_k with the most negative and the
largest sums) and ``SPARQ_TILES`` ReLU-like tiles of random K through one PE.
"""

import dataclasses

import pytest

from hdl.config import SparqConfig
from tb import sim, tiles
from tb.array_runner import standard_tiles

#: (id, config, simulators in `make test`); the rest run under -m slow. A Verilator build costs
#: seconds, an Icarus build almost nothing: the baselines run on Icarus in `make test`.
CONFIGS = [
    ("sparq-b4-o3-tr-k64", SparqConfig(options=3, rounding="truncate", max_k=64), sim.SIMULATORS),
    ("int8-k33", SparqConfig(datapath="int8", max_k=33), ("icarus",)),
    ("a4w8-k16", SparqConfig(datapath="a4w8", max_k=16), ("icarus",)),
    # 3-bit and 2-bit windows (the lone windows' wider mantissas split over the two slots) and
    # the naive baselines of the same widths; Verilator under -m slow.
    ("sparq-b3-o6-ne-k33", SparqConfig(bits=3, max_k=33), sim.SIMULATORS),
    ("sparq-b2-o7-tr-k40", SparqConfig(bits=2, rounding="truncate", max_k=40), ("icarus",)),
    ("sparq-b3-o6-tr-k64", SparqConfig(bits=3, rounding="truncate", max_k=64), ()),
    ("sparq-b2-o7-ne-k63", SparqConfig(bits=2, max_k=63), ()),
    ("a3w8-k17", SparqConfig(datapath="a3w8", max_k=17), ("icarus",)),
    ("a2w8-k16", SparqConfig(datapath="a2w8", max_k=16), ()),
    # The split multiply stage (mul_pipe, hdl/mul_stage.py): sparq on both simulators, the
    # baselines' own split on Icarus (Verilator under -m slow).
    ("sparq-b4-o5-ne-k64-pipe", SparqConfig(max_k=64, mul_pipe=True), sim.SIMULATORS),
    ("int8-k33-pipe", SparqConfig(datapath="int8", max_k=33, mul_pipe=True), ("icarus",)),
    ("a4w8-k16-pipe", SparqConfig(datapath="a4w8", max_k=16, mul_pipe=True), ()),
]


def _params():
    out = []
    for name, config, fast in CONFIGS:
        for s in sim.selected_simulators():
            marks = () if s in fast else (pytest.mark.slow,)
            out.append(pytest.param(s, config, id=f"{name}-{s}", marks=marks))
    return out


@pytest.mark.parametrize("simulator, config", _params())
def test_pe(simulator, config):
    sim.require(simulator)
    seed = sim.seed_from_env()
    one = dataclasses.replace(config, rows=1, cols=1)     # tiles of 1 x K for one PE
    named = standard_tiles(one, seed)
    tiles.check_tiles(one, [(a, b) for _, a, b in named])
    build = sim.build("pe", config, simulator)
    path = build.directory / "runs" / f"pe-tiles-{simulator}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    tiles.save_tiles(path, named)
    (record,) = sim.run(build, "tb.bench.pe", seed=seed, env={"SPARQ_TILES_FILE": str(path)},
                        label=f"{len(named)} tiles with bubbles and drain shifts")
    assert record["tiles"] == len(named) and record["captures"] == len(named)
    assert record["drains"] > 0
