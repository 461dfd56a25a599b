# amaranth: UnusedElaboratable=no
"""ProcessingElement: the pair product exhaustively over one slot, accumulation, drain, framing.

Expected values come from the spec's slot formula ``(mant * b[src]) << shift`` (sparq) or the
plain products (int8, a4w8), computed with NumPy, never from the RTL.
"""

import numpy as np
import pytest
from amaranth import Cat, Elaboratable, Module, Signal
from amaranth.sim import Simulator

from hdl.config import SparqConfig
from hdl.layouts import operand_layout
from hdl.pe import ProcessingElement, latency


def _field_packer(layout):
    # Pack named integer fields into the raw bits of a StructLayout value.
    def pack(**values):
        word = 0
        for name, value in values.items():
            f = layout[name]
            word |= (int(value) & ((1 << f.width) - 1)) << f.offset
        return word
    return pack


def _pack_pair(values, width):
    return (int(values[0]) & ((1 << width) - 1)) | ((int(values[1]) & ((1 << width) - 1)) << width)


def _signed(v, width):
    return v - (1 << width) if v >> (width - 1) else v


#: PEs simulated side by side per clock cycle by :func:`run_products`. One PE per cycle costs
#: about 120 us of CPU per pair in amaranth.sim (most of it the per-cycle overhead of the
#: simulator and the testbench); 16 PEs per cycle bring that to about 40 us per pair (measured
#: on int8, 65,536 pairs: 7.9 s -> 2.6 s of CPU), with bit-exactly the same component.
BANK = 16


class _PEBank(Elaboratable):
    """``BANK`` ProcessingElements of one configuration, fed from one wide word each cycle:
    PE j takes its ``a_in`` from bits ``[aw*j +: aw]`` of ``a``, its ``b_in`` from ``b``
    likewise, ``valid_in = last_in = 1`` (every pair is a one-pair tile), and its ``result`` is
    bits ``[rw*j +: rw]`` of ``result``. The PEs share nothing but the clock."""

    def __init__(self, config):
        self.config = config
        self.pes = [ProcessingElement(config) for _ in range(BANK)]
        first = self.pes[0]
        self.aw, self.bw = len(first.a_in.as_value()), len(first.b_in.as_value())
        self.rw = len(first.result)
        self.a = Signal(BANK * self.aw)
        self.b = Signal(BANK * self.bw)
        self.result = Signal(BANK * self.rw)

    def elaborate(self, platform):
        m = Module()
        for j, pe in enumerate(self.pes):
            m.submodules[f"pe{j}"] = pe
            m.d.comb += [pe.valid_in.eq(1), pe.last_in.eq(1),
                         pe.a_in.as_value().eq(self.a.word_select(j, self.aw)),
                         pe.b_in.as_value().eq(self.b.word_select(j, self.bw))]
        m.d.comb += self.result.eq(Cat(pe.result for pe in self.pes))
        return m


def _bank_words(words, width):
    # Pack a list of per-PE words, BANK to a wide word (zero-padded at the end).
    words = list(words) + [0] * (-len(words) % BANK)
    return [sum(int(w) << (width * j) for j, w in enumerate(words[i:i + BANK]))
            for i in range(0, len(words), BANK)]


def run_products(config, a_words, b_words):
    """Feed pair i (raw operand word ``a_words[i]``, weight word ``b_words[i]``) as its own
    one-pair tile (valid and last high) through a PE; return each pair's captured result
    (signed). The pairs go through :data:`BANK` PEs side by side, BANK pairs per cycle."""
    n = len(a_words)
    bank = _PEBank(config)
    a_bank, b_bank = _bank_words(a_words, bank.aw), _bank_words(b_words, bank.bw)
    steps = len(a_bank)
    packed = []

    async def bench(ctx):
        depth = 1 + latency(config)
        for i in range(steps + depth):
            if i < steps:
                ctx.set(bank.a, a_bank[i])
                ctx.set(bank.b, b_bank[i])
            await ctx.tick()
            if i >= depth:
                # Step i-depth: operands registered depth edges ago, product (pe_latency stages)
                # since, and its sum captured into result at this edge.
                packed.append(ctx.get(bank.result))

    sim = Simulator(bank)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    rw = bank.rw
    out = np.array([_signed((word >> (rw * j)) & ((1 << rw) - 1), rw)
                    for word in packed for j in range(BANK)], dtype=np.int64)
    return out[:n]


def _exhaustive_slot_cases(config, slot, rng):
    # Slot `slot`: every mantissa x weight x allowed shift x weight select (both selects for
    # every case); the other slot and the unused weight random.
    shifts = np.array(config.shifts)
    mant, weight, shift, src = (g.reshape(-1) for g in np.meshgrid(
        np.arange(1 << config.mant_width), np.arange(-128, 128), shifts, np.arange(2),
        indexing="ij"))
    n = mant.size
    other_weight = rng.integers(-128, 128, n)
    b = np.where(src[:, None] == 0, np.stack([weight, other_weight], 1),
                 np.stack([other_weight, weight], 1))
    o_mant = rng.integers(0, 1 << config.mant_width, n)
    o_shift = rng.choice(shifts, n)
    o_src = rng.integers(0, 2, n)
    slots = {slot: (mant, shift, src), 1 - slot: (o_mant, o_shift, o_src)}
    return slots, b


#: The multiply stage in one cycle and split over two (``mul_pipe``, hdl.mul_stage).
PIPE = pytest.mark.parametrize("mul_pipe", [False, True], ids=["one-stage", "pipe"])


@pytest.mark.parametrize("bits, options, mul_pipe", [
    (4, 5, False), (4, 3, False), (4, 2, False), (3, 6, False), (2, 7, False),
    (4, 5, True), (3, 6, True), (2, 7, True),
    pytest.param(4, 3, True, marks=pytest.mark.slow), pytest.param(4, 2, True, marks=pytest.mark.slow)])
@pytest.mark.parametrize("slot", [0, 1])
def test_sparq_product_exhaustive_slot(bits, options, mul_pipe, slot):
    config = SparqConfig(bits=bits, options=options, max_k=64, mul_pipe=mul_pipe)
    rng = np.random.default_rng(100 * options + slot)
    slots, b = _exhaustive_slot_cases(config, slot, rng)
    pack = _field_packer(operand_layout(config))
    a_words = [pack(mant0=slots[0][0][i], shift0=slots[0][1][i], src0=slots[0][2][i],
                    mant1=slots[1][0][i], shift1=slots[1][1][i], src1=slots[1][2][i])
               for i in range(len(b))]
    b_words = [_pack_pair(b[i], 8) for i in range(len(b))]

    got = run_products(config, a_words, b_words)

    idx = np.arange(len(b))
    # Every (mantissa, weight, shift) meets both weight selects.
    assert len(b) == (1 << bits) * 256 * len(config.shifts) * 2
    assert np.bincount(slots[slot][2]).tolist() == [len(b) // 2] * 2
    expected = sum((slots[j][0] * b[idx, slots[j][2]]) << slots[j][1] for j in (0, 1))
    assert np.array_equal(got, expected), np.flatnonzero(got != expected)[:10]


@PIPE
def test_int8_product_exhaustive_slot(mul_pipe):
    # Element 0: all 65,536 activation x weight combinations; element 1 random.
    config = SparqConfig(datapath="int8", max_k=64, mul_pipe=mul_pipe)
    rng = np.random.default_rng(8)
    a0, b0 = (g.reshape(-1) for g in np.meshgrid(np.arange(256), np.arange(-128, 128), indexing="ij"))
    a1 = rng.integers(0, 256, a0.size)
    b1 = rng.integers(-128, 128, a0.size)
    got = run_products(config, [_pack_pair(p, 8) for p in zip(a0, a1)],
                       [_pack_pair(p, 8) for p in zip(b0, b1)])
    assert np.array_equal(got, a0 * b0 + a1 * b1)


@PIPE
@pytest.mark.parametrize("datapath", ["a4w8", "a3w8", "a2w8"])
def test_naive_product_exhaustive_slot(datapath, mul_pipe):
    config = SparqConfig(datapath=datapath, max_k=64, mul_pipe=mul_pipe)
    w = config.act_width
    rng = np.random.default_rng(w)
    a0, b0 = (g.reshape(-1) for g in np.meshgrid(np.arange(1 << w), np.arange(-128, 128),
                                                 indexing="ij"))
    a1 = rng.integers(0, 1 << w, a0.size)
    b1 = rng.integers(-128, 128, a0.size)
    got = run_products(config, [_pack_pair(p, w) for p in zip(a0, a1)],
                       [_pack_pair(p, 8) for p in zip(b0, b1)])
    assert np.array_equal(got, a0 * b0 + a1 * b1)


def _random_operand(config, rng):
    # (raw operand word, its pair product given weights b) as a function of b.
    if config.datapath == "sparq":
        pack = _field_packer(operand_layout(config))
        top = 1 << config.mant_width
        f = dict(mant0=rng.integers(0, top), shift0=rng.choice(config.shifts), src0=rng.integers(0, 2),
                 mant1=rng.integers(0, top), shift1=rng.choice(config.shifts), src1=rng.integers(0, 2))
        return pack(**f), lambda b: sum((int(f[f"mant{j}"]) * int(b[f[f"src{j}"]])) << int(f[f"shift{j}"])
                                        for j in (0, 1))
    a = rng.integers(0, config.max_act_value + 1, 2)
    return _pack_pair(a, config.act_width), lambda b: int(a[0]) * int(b[0]) + int(a[1]) * int(b[1])


@PIPE
@pytest.mark.parametrize("kwargs", [
    dict(datapath="sparq"), dict(datapath="sparq", bits=3), dict(datapath="sparq", bits=2),
    dict(datapath="int8"), dict(datapath="a4w8"), dict(datapath="a3w8"), dict(datapath="a2w8")],
    ids=lambda k: "-".join(str(v) for v in k.values()))
def test_accumulate_bubbles_and_drain(kwargs, mul_pipe):
    """Random tiles back to back with bubbles; results captured on last, acc restarts at once;
    drain shifts load drain_in only outside capture cycles."""
    config = SparqConfig(**kwargs, max_k=64, mul_pipe=mul_pipe)
    rng = np.random.default_rng(7)
    dut = ProcessingElement(config)
    width = config.acc_width

    # A schedule of cycles: (valid, last, a_word, b_word, product, drain, drain_in).
    schedule = []
    for _ in range(40):
        length = int(rng.integers(1, 9))
        for i in range(length):
            while rng.random() < 0.3:       # a bubble: garbage operands, valid low
                schedule.append((0, int(rng.integers(0, 2)), int(rng.integers(0, 1 << 16)),
                                 int(rng.integers(0, 1 << 16)), 0,
                                 int(rng.integers(0, 2)), int(rng.integers(-1000, 1000))))
            word, product = _random_operand(config, rng)
            b = rng.integers(-128, 128, 2)
            schedule.append((1, int(i == length - 1), word, _pack_pair(b, 8), product(b),
                             int(rng.integers(0, 2)), int(rng.integers(-1000, 1000))))

    # Reference model of the spec'd behaviour, cycle by cycle (operands and then the product are
    # registered, so cycle t's pair acts on acc/result at the edge ending cycle t+1+pe_latency).
    depth = 1 + latency(config)
    tail = [(0, 0, 0, 0, 0, 0, 0)] * depth
    expected = []
    captures = []
    acc = result = 0
    prev = [(0, 0, 0)] * depth
    for valid, last, _, _, product, drain, drain_in in schedule + tail:
        p_valid, p_last, p_product = prev[0]
        captures.append(int(p_valid and p_last))
        if p_valid and p_last:
            result, acc = acc + p_product, 0        # capture wins over a drain shift
        else:
            if p_valid:
                acc += p_product
            if drain:
                result = drain_in
        expected.append(result)
        prev = prev[1:] + [(valid, last, product)]

    got = []
    got_captures = []

    async def bench(ctx):
        a_in, b_in = dut.a_in.as_value(), dut.b_in.as_value()
        for valid, last, a_word, b_word, _, drain, drain_in in schedule + tail:
            ctx.set(dut.valid_in, valid)
            ctx.set(dut.last_in, last)
            ctx.set(a_in, a_word & ((1 << len(a_in)) - 1))
            ctx.set(b_in, b_word & ((1 << len(b_in)) - 1))
            ctx.set(dut.drain, drain)
            ctx.set(dut.drain_in, drain_in)
            got_captures.append(ctx.get(dut.capture))
            await ctx.tick()
            got.append(ctx.get(dut.result))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert got == expected
    assert got_captures == captures
    assert all(-(1 << (width - 1)) <= v < (1 << (width - 1)) for v in got)


def test_pe_rejects_non_config():
    with pytest.raises(TypeError, match=r"config must be a SparqConfig, not 'sparq'"):
        ProcessingElement("sparq")
