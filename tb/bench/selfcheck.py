"""cocotb tests that misbehave on purpose, for the checks of :func:`tb.sim.run` (tb/tests/test_reporting.py).

``writes_record`` compares one value and reports it; ``writes_nothing`` passes in cocotb's eyes
but writes no record, like a test that returned early by mistake. A run of both must fail.
"""

import cocotb
from cocotb.triggers import Timer

from tb.bench import environment


@cocotb.test()
async def writes_record(dut):
    """Drives the window selector's input once and checks one output bit against 0 <= mant."""
    dut.x.value = 0
    await Timer(1, unit="ns")
    environment.report("writes_record", checked=1, mismatches=int(int(dut.mant.value) != 0))


@cocotb.test()
async def writes_nothing(dut):
    """Returns without a record."""
    await Timer(1, unit="ns")
