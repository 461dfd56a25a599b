"""The cocotb side of :mod:`tb.sim`: configuration, seed, reset and result reporting inside the
simulator.

:func:`tb.sim.run` passes these through the environment of the simulator process:
``SPARQ_CONFIG`` (the :class:`hdl.config.SparqConfig` as JSON), ``SPARQ_SEED``, ``SPARQ_RESULT``
(the file every cocotb test appends one JSON record to) and ``SPARQ_SIMULATOR``.
"""

import json
import logging
import os

import numpy as np

__all__ = ["PERIOD", "config", "block", "seed", "rng", "simulator", "reset", "report", "vectors",
           "fast_writer", "fast_reader"]

#: Clock period of the benches (ns).
PERIOD = 10

log = logging.getLogger("cocotb.sparq")

def config():
    """The :class:`hdl.config.SparqConfig` the design under test was generated for."""
    from hdl.config import SparqConfig
    return SparqConfig(**json.loads(os.environ["SPARQ_CONFIG"]))


def block():
    """The block of the design under test (``SPARQ_BLOCK``, set by :func:`tb.sim.run`; default
    ``array``)."""
    return os.environ.get("SPARQ_BLOCK") or "array"


def seed():
    return int(os.environ.get("SPARQ_SEED", "1"))


def rng(test_name):
    """A NumPy generator seeded from SPARQ_SEED and the test's name (tests get distinct streams)."""
    value = seed()
    log.info("%s: seed SPARQ_SEED=%d", test_name, value)
    return np.random.default_rng([value, *test_name.encode()])


def simulator():
    return os.environ.get("SPARQ_SIMULATOR", "")


def vectors(options, rounding, *, bits=4):
    """The vector file of a window setting, as a dict of arrays (honours SPARQ_VECTORS)."""
    from golden import vectors as golden_vectors
    return golden_vectors.load(bits, options, rounding)


async def reset(dut, idle):
    """The benches' reset: the inputs named in ``idle`` at 0, ``rst`` held for three rising edges
    of ``dut.clk`` (already running); returns on the falling edge where ``rst`` is released."""
    from cocotb.triggers import FallingEdge, RisingEdge

    for name in idle:
        getattr(dut, name).value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def report(test, checked, mismatches, **extra):
    """Append this test's record to SPARQ_RESULT and fail the test when anything mismatched.

    ``checked`` counts the values compared against the reference; a test that checked nothing
    fails too (a bench that compares nothing must not pass).
    """
    passed = mismatches == 0 and checked > 0
    record = {"test": test, "checked": int(checked), "mismatches": int(mismatches),
              "passed": passed, **extra}
    path = os.environ.get("SPARQ_RESULT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps(record) + "\n")
    log.info("%s: %d values checked, %d mismatches", test, checked, mismatches)
    assert checked > 0, f"{test}: nothing was checked"
    assert mismatches == 0, f"{test}: {mismatches} mismatches out of {checked} checked values"


# Per-cycle signal access for the array benches. The public ``handle.value`` path builds
# LogicArray objects and range-checks every access; on a bench that touches five signals per
# clock cycle that is about a third of the Python time. These go straight to the simulator
# handle (cocotb 2.1 internals; cocotb is pinned in pyproject.toml). Write only where nothing
# samples (the benches write on the falling edge): the write takes effect at once.
_NO_DELAY = 3      # cocotb.handle._GPISetAction.NO_DELAY


def fast_writer(handle):
    """A function ``write(int)`` depositing an unsigned value into ``handle`` immediately."""
    raw, width = handle._handle, len(handle)
    spec = f"0{width}b"
    if width <= 32:
        return lambda value: raw.set_signal_val_int(_NO_DELAY, value)
    return lambda value: raw.set_signal_val_binstr(_NO_DELAY, format(value, spec))


def fast_reader(handle):
    """A function ``read() -> int`` of a handle up to 64 bits wide (0/1 only, no X/Z)."""
    if len(handle) > 64:
        raise ValueError(f"fast_reader handles up to 64 bits, not {len(handle)}")
    return handle._handle.get_signal_val_long
