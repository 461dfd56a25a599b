# amaranth: UnusedElaboratable=no
"""SkidBuffer alone: every word through once and in order under random stalls on both sides,
full throughput, and a ``ready`` that no input of the same cycle can change."""

import random

import pytest
from amaranth import unsigned
from amaranth.lib import data
from amaranth.sim import Simulator

from hdl.skid import SkidBuffer

LAYOUT = data.StructLayout({"data": unsigned(11), "last": 1})


def run(words, *, p_valid, p_ready, seed, max_cycles=None):
    """Drive ``words`` through a SkidBuffer; returns (received words, stats).

    One testbench does both sides, cycle by cycle. Before it settles on the cycle's inputs it
    drives random values on ``i.valid``, ``i.payload`` and ``o.ready`` and checks that
    ``i.ready`` does not move (no combinational path into it).
    """
    dut = SkidBuffer(LAYOUT)
    rng = random.Random(seed)
    got, stats = [], {"cycles": 0, "probes": 0, "in_transfers": 0, "o_held": 0}
    max_cycles = max_cycles or 20 * len(words) + 100

    async def bench(ctx):
        sent = 0
        offering = False
        held = None                     # (payload) that o offered and nobody took
        for cycle in range(max_cycles):
            if len(got) == len(words):
                break
            if not offering and sent < len(words) and rng.random() < p_valid:
                offering = True         # once valid, held until the transfer (stream rule)
            ready_out = rng.random() < p_ready
            # Probe: i.ready must not depend on any input of this cycle.
            r0 = ctx.get(dut.i.ready)
            for _ in range(3):
                ctx.set(dut.i.valid, rng.getrandbits(1))
                ctx.set(dut.i.payload.as_value(), rng.getrandbits(12))
                ctx.set(dut.o.ready, rng.getrandbits(1))
                assert ctx.get(dut.i.ready) == r0, f"cycle {cycle}: i.ready moved with the inputs"
                stats["probes"] += 1
            ctx.set(dut.i.valid, offering)
            ctx.set(dut.i.payload.as_value(), words[sent] if offering else rng.getrandbits(12))
            ctx.set(dut.o.ready, ready_out)
            i_ready = ctx.get(dut.i.ready)
            o_valid = ctx.get(dut.o.valid)
            o_word = ctx.get(dut.o.payload.as_value())
            if held is not None:        # stream rule on o: valid and payload held until taken
                assert o_valid and o_word == held, f"cycle {cycle}: o dropped an offered word"
                stats["o_held"] += 1
            if o_valid and ready_out:
                got.append(o_word)
                held = None
            elif o_valid:
                held = o_word
            if offering and i_ready:
                sent += 1
                offering = False
                stats["in_transfers"] += 1
            await ctx.tick()
            stats["cycles"] += 1

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return got, stats


@pytest.mark.parametrize("p_valid, p_ready", [(0.5, 0.5), (0.9, 0.3), (0.3, 0.9), (1.0, 0.7),
                                              (0.8, 1.0)])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_word_once_in_order(p_valid, p_ready, seed):
    rng = random.Random(100 + seed)
    words = [rng.getrandbits(12) for _ in range(300)]
    got, stats = run(words, p_valid=p_valid, p_ready=p_ready, seed=seed)
    assert got == words                                  # no loss, no duplicate, in order
    assert stats["in_transfers"] == len(words)
    assert stats["probes"] > 0
    if p_ready < 1:
        assert stats["o_held"] > 0                      # the stall case was exercised


def test_full_throughput_and_latency_zero():
    # Both sides always willing: one word per cycle, each out in the cycle it goes in.
    words = list(range(50))
    got, stats = run(words, p_valid=1.0, p_ready=1.0, seed=0)
    assert got == words
    assert stats["cycles"] == len(words)


def test_output_never_starves_after_a_stall():
    # o stalled every other cycle, producer always valid: o transfers on every cycle it is ready
    # (the skid register covers the cycle i.ready is low), so the words take 2 cycles each.
    words = list(range(40))
    dut = SkidBuffer(LAYOUT)
    seen = []

    async def bench(ctx):
        sent = 0
        for cycle in range(200):
            if len(seen) == len(words):
                break
            ready_out = cycle % 2 == 1
            ctx.set(dut.i.valid, sent < len(words))
            ctx.set(dut.i.payload.as_value(), words[min(sent, len(words) - 1)])
            ctx.set(dut.o.ready, ready_out)
            if ready_out:
                assert ctx.get(dut.o.valid), f"cycle {cycle}: o idle while ready"
                seen.append(ctx.get(dut.o.payload.as_value()))
            if sent < len(words) and ctx.get(dut.i.ready):
                sent += 1
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    assert seen == words
