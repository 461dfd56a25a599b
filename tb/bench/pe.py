"""cocotb tests of the generated processing element (``sparq-rtl verilog pe``).

Run by ``tb/tests/test_pe.py``. The PE has no handshake: every cycle it registers one operand pair
(``a_in``: the encoded pair for ``sparq``, the raw pair otherwise), one weight pair (``b_in``) and
``valid_in``/``last_in``; a tile's sum is loaded into ``result`` at the edge that ends the cycle in
which ``capture`` is high; ``drain`` (when no capture) loads ``drain_in`` into ``result``.

The bench writes on the falling edge and reads there (one wait per cycle). Stimulus: the tiles of
``SPARQ_TILES_FILE`` (1 x K each) back to back, with random bubbles (``valid_in`` low) and, between
captures, random drain shifts of random values. Operand and weight words come from
:class:`hdl.stream_codec.ProcessingElementCodec` (the sparq operand is the encoded pair of
:func:`golden.pair_slots`, the reference's slot view, at the bit offsets of the PE's layouts); the
reset is :func:`tb.bench.environment.reset`, the array bench's. Input monitor: the pairs driven with
``valid_in`` high, per tile, go to golden (:func:`hdl.stream_codec.reference`); output monitor:
``result`` after every capture and after every drain; an in-order scoreboard compares them (a
tile's expected sum is released to it at the tile's capture, so drains in between keep their
order).
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

from hdl.stream_codec import ProcessingElementCodec, reference
from tb import tiles
from tb.bench import environment
from tb.bench.scoreboard import Scoreboard


@cocotb.test()
async def tiles_with_bubbles_and_drain(dut):
    config = environment.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    rng = environment.rng("pe")
    log = dut._log
    board = Scoreboard(log, "pe")
    aw = config.acc_width

    cocotb.start_soon(Clock(dut.clk, environment.PERIOD, unit="ns").start())
    await environment.reset(dut, ("valid_in", "last_in", "drain", "drain_in", "a_in", "b_in"))

    # Every pair of every tile, in order, with the index of its tile.
    pairs = []
    codec = ProcessingElementCodec(config)
    for t, (_, a, b) in enumerate(named):
        ops, ws = codec.pack_a(a), codec.pack_b(b)
        pairs += [(t, o, w, i == len(ops) - 1) for i, (o, w) in enumerate(zip(ops, ws))]
    bubbles = (rng.random(len(pairs) + 1) < 0.25).tolist()
    write_a, write_b = environment.fast_writer(dut.a_in), environment.fast_writer(dut.b_in)
    write_valid, write_last = environment.fast_writer(dut.valid_in), environment.fast_writer(dut.last_in)
    write_drain, write_drain_in = environment.fast_writer(dut.drain), environment.fast_writer(dut.drain_in)
    edge = FallingEdge(dut.clk)

    i = 0
    pending = []
    read_result = False
    idle = 0
    captures = drains = 0
    while i < len(pairs) or idle < 6:
        capture = int(dut.capture.value)
        if read_result:
            # The edge just past loaded a tile's sum or a drained value into result.
            raw = int(dut.result.value)
            board.got([raw - (1 << aw) if raw >> (aw - 1) else raw])
        read_result = bool(capture)
        if capture:
            captures += 1
            if pending:
                board.expect(*pending.pop(0))
            else:
                board.mismatches += 1
                log.error("pe: capture with no tile finished")
        drain = 0
        if not capture and rng.random() < 0.1:
            # A drain shift: result takes drain_in at the coming edge (no capture in this cycle).
            value = int(rng.integers(-(1 << (aw - 1)), 1 << (aw - 1)))
            write_drain_in(value & ((1 << aw) - 1))
            board.expect(f"drain of {value}", [value])
            drain = read_result = 1
            drains += 1
        write_drain(drain)
        if i < len(pairs) and not bubbles[i]:
            t, operand, weight, last = pairs[i]
            write_a(operand)
            write_b(weight)
            write_valid(1)
            write_last(int(last))
            if last:
                # Input monitor: the tile's pairs went in with valid high; golden gives its sum.
                # Released to the scoreboard at its capture (a drain may come out first).
                name, a, b = named[t]
                pending.append((f"tile {t} ({name})", reference(config, a, b)[0]))
            i += 1
            idle = 0
        else:
            if i < len(pairs):
                bubbles[i] = False          # one bubble, then the pair
            write_valid(0)
            write_last(0)
            idle += i >= len(pairs)
        await edge
    if read_result:
        # A drain (or capture) issued in the last cycle: its value is on result now.
        raw = int(dut.result.value)
        board.got([raw - (1 << aw) if raw >> (aw - 1) else raw])
    checked, mismatches = board.result()
    if pending:
        log.error("pe: %d tiles never captured, first %s", len(pending), pending[0][0])
    mismatches += len(pending)
    log.info("pe: %d tiles, %d captures, %d drains", len(named), captures, drains)
    environment.report("pe", checked, mismatches, tiles=len(named), captures=captures,
                       drains=drains)
