"""Window selectors and pair encoders, every setting, exhaustively, on Icarus and Verilator.

All 256 activations (window) and all 65,536 pairs (pair encoder) for every window setting
(4-bit with options 5/3/2, 3-bit with 6, 2-bit with 7) and both roundings, checked against
:mod:`golden` and the authors' vectors ``bg4``, ``bg3``, ``bg2`` (see ``tb/bench/encoders.py``).
One build per simulator holds all twenty generated modules (``tb/harness/encoders.py``).
"""

import json

import pytest

from tb import sim
from tb.harness import encoders


@pytest.mark.parametrize("simulator", sim.selected_simulators())
def test_window_and_pair_exhaustive(simulator):
    sim.require(simulator)
    build, fields = encoders.build_suite(simulator)
    records = sim.run(build, "tb.bench.encoders", env={"SPARQ_FIELDS": json.dumps(fields)},
                      design=f"window-* and pair-* of {len(encoders.SETTINGS)} settings",
                      label="exhaustive: 256 activations, 65,536 pairs each")
    (record,) = records
    per = record["instances"]
    # Every setting of both blocks was swept completely.
    assert len(per) == 2 * len(encoders.SETTINGS) == 20
    # Every window width's vectors (bg4, bg3, bg2) took part.
    assert {name.split("_sparq_b")[1][0] for name in per} == {"4", "3", "2"}
    for name, counts in per.items():
        assert counts["inputs"] == (256 if "window" in name else 65536), name
