# amaranth: UnusedElaboratable=no
"""PairEncoder, exhaustively: all 65,536 activation pairs under every option and rounding.

Checked three ways: slot by slot against the golden model's and the authors' two-multiplier view;
per weight select against the vSPARQ values (h0, h1), which holds for any valid slot assignment;
and as the pair's contribution with weight pairs at the corners of the 8-bit range.
"""
# (The first line silences Amaranth's warning for components built only to inspect or to raise.)

import numpy as np
import pytest
from amaranth import Cat, Elaboratable, Module, Shape, Signal
from amaranth.sim import Simulator

import golden
from hdl.config import SparqConfig
from hdl.layouts import EncodedPair, encoded_pair_layout
from hdl.pair import PairEncoder

from .vectors import SETTINGS, setting_id, load_vectors

FIELDS = ("mant0", "shift0", "src0", "mant1", "shift1", "src1")

#: Encoders evaluated side by side per simulator step. One step per pair costs ~10 s for 65,536
#: pairs in amaranth.sim; 16 encoders per step bring that to ~1.5 s (measured), bit-exactly the
#: same component instances.
BANK = 16


class _EncoderBank(Elaboratable):
    """``BANK`` PairEncoders; encoder j sees ``a0 = base + j`` and the shared ``a1``. Its outputs
    are packed as an :data:`EncodedPair` at bits ``[16*j +: 16]`` of ``out``."""

    def __init__(self, config):
        self.config = config
        self.layout = encoded_pair_layout(config)
        self.base = Signal(8)
        self.a1 = Signal(8)
        self.out = Signal(BANK * self.layout.size)

    def elaborate(self, platform):
        m = Module()
        words = []
        for j in range(BANK):
            enc = m.submodules[f"enc{j}"] = PairEncoder(self.config)
            word = Signal(self.layout)
            m.d.comb += [enc.a0.eq(self.base + j), enc.a1.eq(self.a1)]
            m.d.comb += [getattr(word, f).eq(getattr(enc, f)) for f in FIELDS]
            words.append(word.as_value())
        m.d.comb += self.out.eq(Cat(*words))
        return m


def simulate_pairs(config):
    """{field: int64 array (65536,)} for pair i = (i // 256, i % 256), the vectors' order."""
    bank = _EncoderBank(config)
    size = bank.layout.size
    packed = np.zeros((256, 256), dtype=object)

    async def bench(ctx):
        # Combinational: a read after a write sees the settled outputs.
        for base in range(0, 256, BANK):
            ctx.set(bank.base, base)
            for a1 in range(256):
                ctx.set(bank.a1, a1)
                word = ctx.get(bank.out)
                for j in range(BANK):
                    packed[base + j, a1] = (word >> (size * j)) & ((1 << size) - 1)

    sim = Simulator(bank)
    sim.add_testbench(bench)
    sim.run()
    packed = packed.reshape(-1).astype(np.int64)
    out = {}
    for name, field in bank.layout:
        out[name] = (packed >> field.offset) & ((1 << Shape.cast(field.shape).width) - 1)
    return out


@pytest.fixture(scope="module", params=SETTINGS, ids=setting_id)
def simulated(request):
    bits, options, rounding = request.param
    config = SparqConfig(bits=bits, options=options, rounding=rounding)
    return config, simulate_pairs(config)


def all_pairs():
    i = np.arange(65536)
    return i // 256, i % 256


def slots(sim):
    mant = np.stack([sim["mant0"], sim["mant1"]], axis=-1)
    shift = np.stack([sim["shift0"], sim["shift1"]], axis=-1)
    src = np.stack([sim["src0"], sim["src1"]], axis=-1)
    return mant, shift, src


def test_pair_slots_match_golden_and_vectors(simulated):
    config, sim = simulated
    a0, a1 = all_pairs()
    mant, shift, src = slots(sim)
    kwargs = dict(bits=config.bits, options=config.options, rounding=config.rounding)

    ref_mant, ref_shift, ref_src = golden.pair_slots(a0, a1, **kwargs)
    for got, ref, what in ((mant, ref_mant, "mant"), (shift, ref_shift, "shift"),
                           (src, ref_src, "src")):
        bad = np.flatnonzero((got != ref).any(axis=-1))
        assert bad.size == 0, f"{what} differs from golden.pair_slots at pairs {bad[:8]}"

    vectors = load_vectors(config.bits, config.options, config.rounding)
    assert np.array_equal(np.stack([a0, a1], axis=-1), vectors["allpairs_a"])
    assert np.array_equal(mant, vectors["slot_mant"])
    assert np.array_equal(shift, vectors["slot_shift"])
    assert np.array_equal(src, vectors["slot_src"])


def test_pair_reconstructs_vsparq_values(simulated):
    # Independent of the slot assignment: the slots that select weight j must add up to h_j.
    config, sim = simulated
    a0, a1 = all_pairs()
    mant, shift, src = slots(sim)
    value = mant << shift
    h = np.stack([np.where(src == j, value, 0).sum(axis=-1) for j in (0, 1)], axis=-1)

    ref_h0, ref_h1 = golden.vsparq(a0, a1, bits=config.bits, options=config.options,
                                   rounding=config.rounding)
    assert np.array_equal(h, np.stack([ref_h0, ref_h1], axis=-1))
    assert np.array_equal(h, load_vectors(config.bits, config.options,
                                          config.rounding)["allpairs_h"])


WEIGHT_PAIRS = [(-128, -128), (-128, 127), (127, -128), (127, 127), (1, 0), (0, 1), (-1, 1),
                (0, 0), (3, -77)]


def test_pair_contribution(simulated):
    # What a PE computes: sum_j (mant_j * b[src_j]) << shift_j == h0*b0 + h1*b1.
    config, sim = simulated
    mant, shift, src = slots(sim)
    h = load_vectors(config.bits, config.options, config.rounding)["allpairs_h"].astype(np.int64)
    rng = np.random.default_rng(3)
    weight_pairs = WEIGHT_PAIRS + [tuple(rng.integers(-128, 128, 2)) for _ in range(8)]
    for b0, b1 in weight_pairs:
        b = np.array([b0, b1], dtype=np.int64)
        got = ((mant * b[src]) << shift).sum(axis=-1)
        assert np.array_equal(got, h[:, 0] * b0 + h[:, 1] * b1), (b0, b1)


def test_pair_output_ranges(simulated):
    config, sim = simulated
    top = (1 << config.bits) - 1
    assert sim["mant0"].max() <= top and sim["mant1"].max() <= top
    for f in ("shift0", "shift1"):
        assert set(np.unique(sim[f]).tolist()) <= set(config.shifts)


def test_pair_top_level_corners():
    # The encoder as its own top level (not inside the bank), on named corners.
    config = SparqConfig(options=5, rounding="nearest-even")
    dut = PairEncoder(config)
    pairs = [(0, 0), (0, 255), (255, 0), (1, 1), (127, 127), (31, 0), (0, 31), (31, 31),
             (255, 255), (16, 15), (248, 1)]
    got = []

    async def bench(ctx):
        for a0, a1 in pairs:
            ctx.set(dut.a0, a0)
            ctx.set(dut.a1, a1)
            got.append([ctx.get(getattr(dut, f)) for f in FIELDS])

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    a0, a1 = np.array(pairs).T
    mant, shift, src = golden.pair_slots(a0, a1, bits=4, options=5, rounding="nearest-even")
    ref = np.stack([mant[:, 0], shift[:, 0], src[:, 0], mant[:, 1], shift[:, 1], src[:, 1]], axis=-1)
    assert np.array_equal(np.array(got), ref)
    # Spot values from the spec: a lone 255 is exact (15 << 4 + 15); (127, 127) saturates to 120 each.
    assert got[1] == [15, 4, 1, 15, 0, 1] and got[2] == [15, 4, 0, 15, 0, 0]
    assert got[4] == [15, 3, 0, 15, 3, 1]


@pytest.mark.parametrize("setting", SETTINGS, ids=setting_id)
def test_encoded_pair_layout(setting):
    bits, options, rounding = setting
    layout = encoded_pair_layout(SparqConfig(bits=bits, options=options, rounding=rounding))
    if bits == 4:
        assert layout == EncodedPair
    n = bits
    assert [(name, field.offset, Shape.cast(field.shape).width) for name, field in layout] == [
        ("mant0", 0, n), ("shift0", n, 3), ("src0", n + 3, 1),
        ("mant1", n + 4, n), ("shift1", 2 * n + 4, 3), ("src1", 2 * n + 7, 1)]


def test_pair_ports():
    dut = PairEncoder(SparqConfig(options=3))
    assert [(n, m.flow.name, Shape.cast(m.shape).width)
            for n, m in dut.signature.members.items()] == [
        ("a0", "In", 8), ("a1", "In", 8), ("mant0", "Out", 4), ("shift0", "Out", 3),
        ("src0", "Out", 1), ("mant1", "Out", 4), ("shift1", "Out", 3), ("src1", "Out", 1)]


def test_pair_config_type():
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not 'sparq'$"):
        PairEncoder("sparq")
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not None$"):
        encoded_pair_layout(None)
