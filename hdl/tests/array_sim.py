"""Drive a :class:`~hdl.array.SystolicArray` in the Amaranth simulator: tiles in, result rows out.

The stream payloads are packed and unpacked by :class:`hdl.stream_codec.ArrayCodec`, whose bit
offsets come from the array's own payload layouts (``hdl/tests/test_stream_codec.py`` checks them
against the layouts and against the documented bit order); the tests here check the arithmetic,
the framing and the stream behaviour of the design.
"""

import random
from dataclasses import dataclass, field

import numpy as np
from amaranth.sim import Simulator

from hdl.array import SystolicArray
from hdl.dotprod import DotProduct
from hdl.stc_array import StcArray
from hdl.stream_codec import codec_for

__all__ = ["random_tile", "SimResult", "run_array"]


def random_tile(config, rng, k, kind="relu"):
    """A tile (A, B) of reduction length ``k``: A (rows, k) activations, B (cols, k) weights.

    kind: ``relu`` (about half zeros, the rest spread over the range), ``zeros``, ``max``
    (activations at their maximum, weights -128), ``extremes`` (activations 0 or max, weights
    -128 or 127), ``uniform``.
    """
    amax = config.max_act_value
    shape_a, shape_b = (config.rows, k), (config.cols, k)
    if kind == "relu":
        A = rng.integers(0, amax + 1, shape_a) * (rng.random(shape_a) < 0.5)
        B = rng.integers(-128, 128, shape_b)
    elif kind == "zeros":
        A = np.zeros(shape_a, np.int64)
        B = rng.integers(-128, 128, shape_b)
    elif kind == "max":
        A = np.full(shape_a, amax)
        B = np.full(shape_b, -128)
    elif kind == "extremes":
        A = rng.choice([0, amax], shape_a)
        B = rng.choice([-128, 127], shape_b)
    elif kind == "uniform":
        A = rng.integers(0, amax + 1, shape_a)
        B = rng.integers(-128, 128, shape_b)
    else:
        raise ValueError(f"unknown tile kind {kind!r}")
    return A.astype(np.int64), B.astype(np.int64)


@dataclass
class SimResult:
    rows: list = field(default_factory=list)        # [(row values, last)] in arrival order
    cycle_first_in: int = None                       # cycle of the first a/b transfer
    cycle_last_in: int = None
    cycle_first_out: int = None
    cycle_last_out: int = None
    out_cycles: list = field(default_factory=list)   # cycle of every c transfer
    last_in_cycles: list = field(default_factory=list)
    err: int = 0
    cycles: int = 0
    protocol_errors: list = field(default_factory=list)   # stream rule violations seen on c

    def tiles(self, config):
        """The output rows grouped into (rows, cols) tiles, checking the ``last`` framing."""
        n = config.rows
        assert len(self.rows) % n == 0, f"{len(self.rows)} rows is not a whole number of tiles"
        out = []
        for t in range(len(self.rows) // n):
            chunk = self.rows[t * n:(t + 1) * n]
            lasts = [last for _, last in chunk]
            assert lasts == [0] * (n - 1) + [1], f"tile {t}: last flags {lasts}"
            out.append(np.array([row for row, _ in chunk], np.int64))
        return out


def run_array(config, tiles, *, stall_a=0.0, stall_b=0.0, stall_c=0.0, seed=0, transfers=None,
              extra_cycles=0, max_cycles=None, block="array"):
    """Simulate ``tiles`` [(A, B)] back to back; returns a :class:`SimResult`.

    ``stall_*``: probability that the producer of a/b withholds valid, or the consumer of c
    withholds ready, in a given cycle (independent, seeded). ``transfers`` overrides the framed
    transfer list [(a_pairs, b_pairs, a_last, b_last)] (for error tests). ``extra_cycles``: cycles
    to keep the simulation running after the last input transfer (for tests with no outputs).
    ``block``: ``"array"`` (:class:`~hdl.array.SystolicArray`) or ``"dotprod"``
    (:class:`~hdl.dotprod.DotProduct`, whose streams follow the same rules).
    """
    if block == "dotprod":
        dut = DotProduct(config)
    else:
        dut = StcArray(config) if config.stc else SystolicArray(config)
    codec = codec_for(block, config)
    if transfers is None:
        a_words = [w for A, _ in tiles for w in codec.pack_a(A)]
        b_words = [w for _, B in tiles for w in codec.pack_b(B)]
    else:
        a_words = codec.a.pack(np.stack([a for a, _, _, _ in transfers]),
                               [last for _, _, last, _ in transfers])
        bs = [b for _, b, _, _ in transfers]
        # (2:4 arrays: each b is {field: values}, see hdl.stream_codec.FieldsCodec.)
        b_values = ({f: np.stack([b[f] for b in bs]) for f in bs[0]} if isinstance(bs[0], dict)
                    else np.stack(bs))
        b_words = codec.b.pack(b_values, [last for _, _, _, last in transfers])
    expected_rows = len(tiles) * config.rows
    if max_cycles is None:
        # Generous for any stall rate the tests use, small enough that a hang fails quickly.
        max_cycles = 1000 + 20 * (len(a_words) + expected_rows) * (config.rows + config.cols)
    res = SimResult()
    now = [0]
    rnd = random.Random(seed)
    rnd_a, rnd_b, rnd_c = (random.Random(rnd.random()) for _ in range(3))

    async def clock(ctx):
        async for _ in ctx.tick():
            now[0] += 1

    async def monitor_c(ctx):
        # Stream rule: once c.valid is high it stays high, with a stable payload, until taken.
        held = None
        async for _clk, _rst, valid, ready, word in ctx.tick().sample(dut.c.valid, dut.c.ready,
                                                           dut.c.payload.as_value()):
            if held is not None and (not valid or int(word) != held):
                res.protocol_errors.append((now[0], int(valid), int(word), held))
            held = int(word) if valid and not ready else None

    async def produce(ctx, stream, payloads, rng, stall, record):
        # record: the stream whose transfers time the inputs (a; b transfers in the same cycles).
        last_offset = codec.a.last_offset
        for payload in payloads:
            while rng.random() < stall:
                await ctx.tick()
            ctx.set(stream.payload.as_value(), payload)
            ctx.set(stream.valid, 1)
            await ctx.tick().until(stream.ready)
            if record:
                if res.cycle_first_in is None:
                    res.cycle_first_in = now[0]
                res.cycle_last_in = now[0]
                if (payload >> last_offset) & 1:
                    res.last_in_cycles.append(now[0])
            ctx.set(stream.valid, 0)

    async def produce_a(ctx):
        await produce(ctx, dut.a, a_words, rnd_a, stall_a, True)

    async def produce_b(ctx):
        await produce(ctx, dut.b, b_words, rnd_b, stall_b, False)

    c_words = []

    async def consume_c(ctx):
        for _ in range(expected_rows):
            while rnd_c.random() < stall_c:
                await ctx.tick()
            ctx.set(dut.c.ready, 1)
            word, = await ctx.tick().sample(dut.c.payload.as_value()).until(dut.c.valid)
            ctx.set(dut.c.ready, 0)
            c_words.append(int(word))
            res.out_cycles.append(now[0])
        if extra_cycles:
            await ctx.tick().repeat(extra_cycles)
        res.err = ctx.get(dut.err)
        res.cycles = now[0]

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_process(clock)
    sim.add_process(monitor_c)
    sim.add_testbench(produce_a)
    sim.add_testbench(produce_b)
    sim.add_testbench(consume_c)
    # Run until every testbench is done (advance() is False), or give up after max_cycles.
    while sim.advance() and now[0] < max_cycles:
        pass
    values, last = codec.unpack_c(c_words)
    res.rows = list(zip(values.tolist(), last.tolist()))
    assert len(res.rows) == expected_rows, (
        f"only {len(res.rows)} of {expected_rows} result rows within {max_cycles} cycles")
    if res.out_cycles:
        res.cycle_first_out, res.cycle_last_out = res.out_cycles[0], res.out_cycles[-1]
    return res
