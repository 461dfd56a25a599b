"""cocotb tests of the generated systolic array (``sparq-rtl verilog array``) and dot-product unit
(``sparq-rtl verilog dotprod``: the same streams; the block comes from ``SPARQ_BLOCK``).

Run by :func:`tb.array_runner.run_array` (for ``tb/tests/test_array.py``, :mod:`tb.gemm` and
``tb/speed.py``) through :func:`tb.sim.run`. Each test resets the harness and runs the tiles of
``SPARQ_TILES_FILE`` (an .npz from :func:`tb.tiles.save_tiles`) through
:func:`tb.bench.driver.run_tiles`, which checks every result row against golden, then reports the
record through :func:`tb.bench.environment.report` (the test fails on any mismatch).

- ``full_rate`` and ``stalled``: the per-cycle harness (:mod:`tb.harness.per_cycle`); ``stalled``
  with the stalls of ``SPARQ_STALLS`` (JSON, see :mod:`tb.bench.stalls`; default random gaps on
  ``a``/``b``, random ``c.ready`` and a long stall of every stream mid-tile).
- ``burst``: the burst harness (:mod:`tb.harness.burst`), full rate.

``SPARQ_OUTPUT_DIR``: each test also saves the result rows it received as ``<test>.npy``.
"""

import json
import os

import cocotb
from cocotb.clock import Clock

from tb import tiles
from tb.bench import environment
from tb.bench.driver import PERIOD, reset, run_tiles

#: The stalls of the ``stalled`` test when SPARQ_STALLS is unset.
DEFAULT_STALLS = {"a_gap": 0.2, "b_gap": 0.3, "c_stall": 0.4, "long": 150}


async def _run(dut, test, mode, stalls=None):
    config = environment.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    rng = environment.rng(test)
    cocotb.start_soon(Clock(dut.clk, PERIOD, unit="ns").start())
    await reset(dut, mode)
    result = await run_tiles(dut, config, named, dut._log, mode=mode, stalls=stalls, rng=rng,
                             name=test, block=environment.block())
    dut._log.info("%s: %d tiles, %d MACs checked in %d cycles, %.2f s (%.2f s CPU): "
                  "%.0f checked MACs/s", test, result["tiles"], result["macs"], result["cycles"],
                  result["seconds"], result["cpu_seconds"],
                  result["macs"] / max(result["seconds"], 1e-9))
    environment.report(test, result.pop("checked"), result.pop("mismatches"), **result)


@cocotb.test()
async def full_rate(dut):
    """The tiles back to back with every stream always valid/ready (next tile during the drain)."""
    await _run(dut, "full_rate", "per-cycle")


@cocotb.test()
async def stalled(dut):
    """The same tiles with random gaps on a and b, random c.ready and long stalls (SPARQ_STALLS)."""
    stalls = json.loads(os.environ.get("SPARQ_STALLS", "{}")) or DEFAULT_STALLS
    await _run(dut, "stalled", "per-cycle", stalls)


@cocotb.test()
async def burst(dut):
    """The tiles back to back at full rate through the burst harness (tb/harness/burst.py)."""
    await _run(dut, "burst", "burst")
