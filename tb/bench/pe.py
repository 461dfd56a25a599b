"""cocotb tests of the generated processing element (``sparq-rtl verilog pe``).

Run by ``tb/tests/test_pe.py``. The PE has no handshake: every cycle it registers one operand pair
(``a_in``: the encoded pair for ``sparq``, the raw pair otherwise), one weight pair (``b_in``) and
``valid_in``/``last_in``; a tile's sum is loaded into ``result`` at the edge that ends the cycle in
which ``capture`` is high; ``drain`` (when no capture) loads ``drain_in`` into ``result``.

The bench writes on the falling edge and reads there (one wait per cycle). Stimulus: the tiles of
``SPARQ_TILES_FILE`` (1 x K each) back to back, with random bubbles (``valid_in`` low) and, between
captures, random drain shifts of random values. The sparq operand is encoded with
:func:`golden.pair_slots` (the reference's slot view). Input monitor: the pairs driven with
``valid_in`` high, per tile, go to golden (:func:`hdl.stream_codec.reference`); output monitor:
``result`` after every capture and after every drain; an in-order scoreboard compares them (a
tile's expected sum is released to it at the tile's capture, so drains in between keep their
order).
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, RisingEdge

import golden
from hdl.stream_codec import reference
from tb import tiles
from tb.bench import environment
from tb.bench.scoreboard import Scoreboard


def operand_words(config, a):
    """``a_in`` words for the pairs of one 1 x K tile (zero-padded to an even K)."""
    k = a.shape[1]
    pairs = (k + 1) // 2
    padded = np.zeros(2 * pairs, dtype=np.int64)
    padded[:k] = a[0]
    a0, a1 = padded[0::2], padded[1::2]
    if config.datapath != "sparq":
        return (a0 | (a1 << config.act_width)).tolist()
    mant, shift, src = golden.pair_slots(a0.astype(np.uint8), a1.astype(np.uint8),
                                         bits=config.bits, options=config.options,
                                         rounding=config.rounding)
    sw, n = config.shift_width, config.bits
    # Fields from bit 0: mant0 (n), shift0 (sw), src0 (1), mant1, shift1, src1 (the PE's layout).
    slot = [mant[:, j] | (shift[:, j] << n) | (src[:, j] << (n + sw)) for j in (0, 1)]
    return (slot[0] | (slot[1] << (n + 1 + sw))).astype(np.int64).tolist()


def weight_words(b):
    k = b.shape[1]
    pairs = (k + 1) // 2
    padded = np.zeros(2 * pairs, dtype=np.int64)
    padded[:k] = b[0]
    u = padded & 0xFF
    return (u[0::2] | (u[1::2] << 8)).tolist()


@cocotb.test()
async def tiles_with_bubbles_and_drain(dut):
    config = environment.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    rng = environment.rng("pe")
    log = dut._log
    board = Scoreboard(log, "pe")
    aw = config.acc_width

    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.valid_in.value = 0
    dut.last_in.value = 0
    dut.drain.value = 0
    dut.drain_in.value = 0
    dut.a_in.value = 0
    dut.b_in.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0

    # Every pair of every tile, in order, with the index of its tile.
    pairs = []
    for t, (_, a, b) in enumerate(named):
        ops, ws = operand_words(config, a), weight_words(b)
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
