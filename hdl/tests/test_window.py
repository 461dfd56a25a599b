# amaranth: UnusedElaboratable=no
"""WindowSelector, exhaustively: all 256 activations under every option and rounding."""

# (The first line silences Amaranth's warning for components built only to inspect or to raise.)

import numpy as np
import pytest
from amaranth import Shape
from amaranth.sim import Simulator

import golden
from hdl.config import SparqConfig
from hdl.window import WindowSelector

from .vectors import SETTINGS, setting_id, load_vectors


def simulate_window(config):
    """(mant, shift) of the simulated selector for x = 0..255, as int64 arrays."""
    dut = WindowSelector(config)
    mant = np.zeros(256, np.int64)
    shift = np.zeros(256, np.int64)

    async def bench(ctx):
        # Combinational: a read after a write sees the settled outputs, no clock needed.
        for x in range(256):
            ctx.set(dut.x, x)
            mant[x] = ctx.get(dut.mant)
            shift[x] = ctx.get(dut.shift)

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return mant, shift


@pytest.mark.parametrize("setting", SETTINGS, ids=setting_id)
def test_window_exhaustive(setting):
    options, rounding = setting
    config = SparqConfig(options=options, rounding=rounding)
    mant, shift = simulate_window(config)
    x = np.arange(256)

    # Against the golden model.
    ref_mant, ref_shift = golden.bsparq(x, bits=4, options=options, rounding=rounding)
    assert np.array_equal(mant, ref_mant), np.flatnonzero(mant != ref_mant)
    assert np.array_equal(shift, ref_shift), np.flatnonzero(shift != ref_shift)

    # Against the authors' kernel directly.
    vectors = load_vectors(options, rounding)
    assert np.array_equal(mant, vectors["both_mant_all"])
    assert np.array_equal(shift, vectors["both_shift_all"])
    assert np.array_equal(mant << shift, vectors["both_h_all"])

    # Port ranges: a 4-bit mantissa, a shift the option allows.
    assert mant.max() <= 15
    assert set(shift.tolist()) <= set(config.shifts)


def test_window_named_corners():
    # The spec's own examples (5opt round): 127 saturates at 15 << 3 = 120; 3opt moves to s = 4.
    mant, shift = simulate_window(SparqConfig(options=5, rounding="nearest-even"))
    assert (mant[127], shift[127]) == (15, 3)
    assert (mant[0], shift[0]) == (0, 0)
    assert all((mant[x], shift[x]) == (x, 0) for x in range(16))
    # The spec's saturating inputs: rounding would carry out of the window, the result stays at
    # 15 << s, below x.
    for x in (31, 62, 63, *range(124, 128), *range(248, 256)):
        assert mant[x] == 15 and (15 << shift[x]) < x, x
    mant, shift = simulate_window(SparqConfig(options=3, rounding="nearest-even"))
    assert (mant[127], shift[127]) == (8, 4)


def test_window_ports():
    dut = WindowSelector(SparqConfig(options=2))
    members = dut.signature.members
    assert [(n, m.flow.name, Shape.cast(m.shape).width) for n, m in members.items()] == [
        ("x", "In", 8), ("mant", "Out", 4), ("shift", "Out", 3)]


def test_window_config_type():
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not 5$"):
        WindowSelector(5)
