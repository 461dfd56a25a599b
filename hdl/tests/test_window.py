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


def simulate_window(config, *, lone=False):
    """(mant, shift) of the simulated selector for x = 0..255, as int64 arrays."""
    dut = WindowSelector(config, lone=lone)
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
    bits, options, rounding = setting
    config = SparqConfig(bits=bits, options=options, rounding=rounding)
    mant, shift = simulate_window(config)
    x = np.arange(256)

    # Against the golden model.
    ref_mant, ref_shift = golden.bsparq(x, bits=bits, options=options, rounding=rounding)
    assert np.array_equal(mant, ref_mant), np.flatnonzero(mant != ref_mant)
    assert np.array_equal(shift, ref_shift), np.flatnonzero(shift != ref_shift)

    # Against the authors' kernel directly.
    vectors = load_vectors(bits, options, rounding)
    assert np.array_equal(mant, vectors["both_mant_all"])
    assert np.array_equal(shift, vectors["both_shift_all"])
    assert np.array_equal(mant << shift, vectors["both_h_all"])

    # Port ranges: a bits-wide mantissa, a shift the option allows.
    assert mant.max() <= (1 << bits) - 1
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


@pytest.mark.parametrize("bits", [3, 2])
@pytest.mark.parametrize("rounding", ["nearest-even", "truncate"])
def test_lone_window_exhaustive(bits, rounding):
    # The lone window inside the pair encoder: 6-bit 3opt under 3-bit windows, 4-bit 5opt under
    # 2-bit windows, against golden's window of that width and the vectors' lone values.
    config = SparqConfig(bits=bits, rounding=rounding)
    lone_bits, lone_options = {3: (6, 3), 2: (4, 5)}[bits]
    mant, shift = simulate_window(config, lone=True)
    ref_mant, ref_shift = golden.bsparq(np.arange(256), bits=lone_bits, options=lone_options,
                                        rounding=rounding)
    assert np.array_equal(mant, ref_mant) and np.array_equal(shift, ref_shift)
    vectors = load_vectors(bits, config.options, rounding)
    assert np.array_equal(mant << shift, vectors["solo_h_all"])
    dut = WindowSelector(config, lone=True)
    assert [Shape.cast(m.shape).width for m in dut.signature.members.values()] == [
        8, lone_bits, max(config.lone_shifts).bit_length()]


def test_lone_window_needs_a_lone_window():
    with pytest.raises(ValueError, match=r"^lone=True needs a lone window; under 4-bit windows "
                                         r"a lone activation is exact$"):
        WindowSelector(SparqConfig(), lone=True)
    with pytest.raises(TypeError, match=r"^lone must be a bool, not 1$"):
        WindowSelector(SparqConfig(bits=3), lone=1)


@pytest.mark.parametrize("bits, options, mant_width", [(4, 2, 4), (3, 6, 3), (2, 7, 2)])
def test_window_ports_per_bits(bits, options, mant_width):
    dut = WindowSelector(SparqConfig(bits=bits, options=options))
    assert [(n, Shape.cast(m.shape).width) for n, m in dut.signature.members.items()] == [
        ("x", 8), ("mant", mant_width), ("shift", 3)]


def test_window_ports():
    dut = WindowSelector(SparqConfig(options=2))
    members = dut.signature.members
    assert [(n, m.flow.name, Shape.cast(m.shape).width) for n, m in members.items()] == [
        ("x", "In", 8), ("mant", "Out", 4), ("shift", "Out", 3)]


def test_window_config_type():
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not 5$"):
        WindowSelector(5)
