"""The cocotb driver of the generated systolic array and dot-product unit: tiles in, every result
row checked.

:func:`run_tiles` packs the tiles with the block's codec (:func:`hdl.stream_codec.codec_for`:
:class:`~hdl.stream_codec.ArrayCodec` or :class:`~hdl.stream_codec.DotProductCodec`; both blocks
have the same streams and framing, a transfer carrying 2 or ``2 * pairs`` reduction positions),
runs them through
one of two transports (the ``mode``), each with its own Verilog harness around the unchanged
generated array, and returns the run's record:

- ``per-cycle`` (:mod:`tb.harness.per_cycle`): one Python wait per clock cycle, on the falling edge,
  where the registered handshake status of the rising edge just past is read and the next word
  (or a gap) is offered; gaps on ``a``/``b`` and ``c.ready`` follow a :class:`tb.bench.stalls.StallPlan`.
  The input monitor reads the payloads the array took from the harness (``ab_seen``).
- ``burst`` (:mod:`tb.harness.burst`): full rate only; Python loads banks of transfers into the
  harness's memories and waits for an event, not for every clock (the benchmark's transport).

Checking, in both: the input monitor (:class:`tb.bench.monitors.InputMonitor`) decodes each tile the
array accepted, asks :func:`hdl.stream_codec.reference` (golden) for its result and queues the
expected rows; the output monitor (:class:`tb.bench.monitors.OutputMonitor`) decodes every ``c`` row;
an in-order :class:`tb.bench.scoreboard.Scoreboard` compares them (values and ``last``). A run fails
(``mismatches`` in the record) for a mismatch, a missing or extra row, a tile never accepted, a
tile accepted other than sent, ``a`` and ``b`` transferring in different cycles (not with
``config.skid``: the skid buffers take ``a`` and ``b`` independently, and the per-cycle transport
pairs their words in order), ``err`` set, and a timeout.
"""

import os
import time
from collections import deque

import numpy as np
from cocotb.triggers import ClockCycles, FallingEdge, First, RisingEdge, Timer
from cocotb.utils import get_sim_time

from hdl.stream_codec import codec_for
from tb import tiles
from tb.bench import environment
from tb.bench.monitors import InputMonitor, OutputMonitor
from tb.bench.scoreboard import Scoreboard
from tb.bench.stalls import StallPlan

__all__ = ["MODES", "reset", "run_tiles"]

MODES = ("per-cycle", "burst")

#: The harness inputs of each mode held idle through reset.
_IDLE = {"per-cycle": ("a_next_valid", "b_next_valid", "c_ready"),
         "burst": ("go", "c_clear", "count")}

#: Clock period of the benches (ns).
PERIOD = environment.PERIOD


async def reset(dut, mode):
    """:func:`tb.bench.environment.reset` with the mode's harness inputs idle."""
    await environment.reset(dut, _IDLE[mode])


async def run_tiles(dut, config, named_tiles, log, *, mode="per-cycle", stalls=None, rng=None,
                    name="array", block="array"):
    """Drive ``named_tiles`` (``[(name, A, B)]``) through ``block`` (``"array"`` or ``"dotprod"``)
    after :func:`reset`; check every result row. ``stalls``: per-cycle mode only, see :mod:`tb.bench.stalls`; drawn from ``rng``
    (default :func:`tb.bench.environment.rng` of ``name``).

    Returns the record: ``checked`` (values compared), ``mismatches``, ``macs`` (multiply-
    accumulates whose results were compared, 0 unless everything matched), ``cycles``,
    ``seconds``/``cpu_seconds`` (the drive loop), ``tiles``, ``transfers`` (words sent on ``a``),
    ``timed_out``, ``problem`` (why the run failed in one line, e.g. ``"deadlock: no progress,
    stopped after 2,412 cycles; 19 of 20 tiles were never accepted"``; empty when it passed).
    With ``SPARQ_OUTPUT_DIR`` set, the result rows received are saved there as
    ``<name>.npy`` (rows x cols int64, in output order).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "burst" and stalls:
        raise ValueError("the burst transport runs at full rate: no stalls")
    tiles.check_tiles(config, [(a, b) for _, a, b in named_tiles])
    codec = codec_for(block, config)
    a_words = [w for _, a, _ in named_tiles for w in codec.pack_a(a)]
    b_words = [w for _, _, b in named_tiles for w in codec.pack_b(b)]
    board = Scoreboard(log, name)
    inputs = InputMonitor(codec, named_tiles, board, log, name)
    outputs = OutputMonitor(codec, board)
    rows_total = config.rows * len(named_tiles)
    if mode == "per-cycle":
        plan = StallPlan(stalls or {}, environment.rng(name) if rng is None else rng,
                         [codec.transfers(a.shape[1]) for _, a, _ in named_tiles], rows_total,
                         rows=config.rows, cols=config.cols)
        transport = _per_cycle(dut, codec, a_words, b_words, plan, inputs, outputs, rows_total,
                               log, name)
    else:
        transport = _burst(dut, codec, a_words, b_words, inputs, outputs, rows_total, log, name)
    start, cpu_start = time.perf_counter(), time.process_time()
    cycles, pairing_errors, timed_out = await transport
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    outputs.flush()

    err = int(dut.err.value)
    if err:
        log.error("%s: err is set after legal input", name)
    checked, mismatches = board.result()
    wrong_rows = mismatches
    input_errors = inputs.errors
    mismatches += inputs.finish() + err + pairing_errors + int(timed_out)
    problem = _problem(timed_out, cycles, len(named_tiles) - inputs.tiles, len(named_tiles),
                       input_errors, wrong_rows, err, pairing_errors)
    folder = os.environ.get("SPARQ_OUTPUT_DIR")
    if folder:
        # Every result row, in output order, for checks on the Python side (tb.gemm).
        np.save(os.path.join(folder, f"{name}.npy"), outputs.rows())
    macs = sum(config.rows * config.cols * a.shape[1] for _, a, _ in named_tiles)
    return {"checked": checked, "mismatches": mismatches, "macs": macs if mismatches == 0 else 0,
            "cycles": cycles, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "tiles": len(named_tiles), "transfers": len(a_words), "timed_out": timed_out,
            "problem": problem}


def _problem(timed_out, cycles, missing, sent, input_errors, wrong_rows, err, pairing_errors):
    # Why a run failed, in one line for the summary and the failure message ("" when it passed):
    # a deadlock first, since the missing tiles and rows follow from it.
    parts = []
    if timed_out:
        parts.append(f"deadlock: no progress, stopped after {cycles:,} cycles")
    if missing > 0:
        parts.append(f"{missing} of {sent} tiles were never accepted")
    if input_errors:
        parts.append(f"{input_errors} accepted tiles differ from the tiles sent")
    if wrong_rows:
        parts.append(f"{wrong_rows} result rows differ from golden, missing or extra")
    if err:
        parts.append("err set after legal input")
    if pairing_errors:
        parts.append("a and b transferred in different cycles")
    return "; ".join(parts)


def _binstr_reader(handle):
    # The payload as a binary string (MSB first) straight from the simulator handle, like
    # tb.bench.environment.fast_reader for words of any width (skips building a LogicArray per read).
    return handle._handle.get_signal_val_binstr


async def _per_cycle(dut, codec, a_words, b_words, plan, inputs, outputs, rows_total, log, name):
    """The per-cycle transport (see the module docstring); returns ``(cycles, pairing errors,
    timed out)``. Its loop runs once per clock: keep it to list appends and int tests."""
    write_a, write_a_valid = environment.fast_writer(dut.a_next), environment.fast_writer(dut.a_next_valid)
    write_b, write_b_valid = environment.fast_writer(dut.b_next), environment.fast_writer(dut.b_next_valid)
    write_c_ready, read_status = environment.fast_writer(dut.c_ready), environment.fast_reader(dut.status)
    read_ab_seen, read_c_seen = _binstr_reader(dut.ab_seen), _binstr_reader(dut.c_seen)
    take_ab, take_c = inputs.ab.append, outputs.words.append
    # Position of a's last bit in ab_seen's binary string (MSB first: b's word, then a's word).
    a_last_at = codec.b.width + codec.a.width - 1 - codec.a.last_offset
    rows = codec.config.rows
    edge = FallingEdge(dut.clk)
    a_gaps, b_gaps, c_random, long = plan.a_gaps, plan.b_gaps, plan.c_ready, plan.long
    c_mask = len(c_random) - 1
    # With skid buffers a and b transfer independently: their words are paired in order.
    skid = codec.config.skid
    a_queue, b_queue = deque(), deque()
    b_width = codec.b.width

    n = len(a_words)
    ia = ib = 0                        # next word to offer on a / b
    a_wait, b_wait = a_gaps[0], b_gaps[0]
    a_offer = b_offer = -1             # what a_next_valid / b_next_valid show
    c_ready = c_shown = -1
    rows_seen = 0
    c_long_left = 0
    cycle = 0
    pairing_errors = 0
    timed_out = False
    while rows_seen < rows_total:
        await edge
        status = read_status()
        if status & 1:                 # the offered a word was loaded: offer the next
            ia += 1
            a_wait = a_gaps[ia]
        if status & 2:
            ib += 1
            b_wait = b_gaps[ib]
        a_fire, b_fire = status & 4, status & 8
        if skid:
            if a_fire or b_fire:
                words = read_ab_seen()
                if a_fire:
                    a_queue.append(words[b_width:])
                if b_fire:
                    b_queue.append(words[:b_width])
                while a_queue and b_queue:
                    words = b_queue.popleft() + a_queue.popleft()
                    take_ab(words)
                    if words[a_last_at] == "1":
                        inputs.tile_end()
        elif a_fire:
            # The pair the array took (b's word taken in the same cycle; a b transfer alone is
            # a pairing error, counted below).
            words = read_ab_seen()
            take_ab(words)
            if words[a_last_at] == "1":
                inputs.tile_end()
        if not skid and bool(a_fire) != bool(b_fire):
            # The array takes a and b together; a transfer on one alone breaks the contract.
            pairing_errors += 1
            if pairing_errors <= 5:
                log.error("%s: cycle %d: a transfer %s but b transfer %s", name, cycle,
                          bool(a_fire), bool(b_fire))
        if status & 16:
            take_c(read_c_seen())
            rows_seen += 1
            if rows_seen % rows == 0:
                outputs.flush()
            if rows_seen == plan.c_long_row:
                c_long_left = long
        # Offer the next words (or a gap) for the coming rising edge. The a and b blocks are
        # written out twice on purpose: a shared function would cost two calls per clock cycle.
        if a_wait or ia >= n:
            a_wait = max(a_wait - 1, 0)
            if a_offer != 0:
                write_a_valid(0)
                a_offer = 0
        else:
            if status & 1 or a_offer != 1:
                write_a(a_words[ia])
            if a_offer != 1:
                write_a_valid(1)
                a_offer = 1
        if b_wait or ib >= n:
            b_wait = max(b_wait - 1, 0)
            if b_offer != 0:
                write_b_valid(0)
                b_offer = 0
        else:
            if status & 2 or b_offer != 1:
                write_b(b_words[ib])
            if b_offer != 1:
                write_b_valid(1)
                b_offer = 1
        if c_long_left:
            c_long_left -= 1
            c_ready = 0
        else:
            c_ready = c_random[cycle & c_mask]
        if c_ready != c_shown:
            write_c_ready(c_ready)
            c_shown = c_ready
        cycle += 1
        if cycle > plan.cycle_bound:
            log.error("%s: timeout after %d cycles: %d/%d tiles accepted, %d/%d result rows",
                      name, cycle, inputs.tiles, len(inputs.named_tiles), rows_seen, rows_total)
            timed_out = True
            break
    await edge
    return cycle, pairing_errors, timed_out


async def _burst(dut, codec, a_words, b_words, inputs, outputs, rows_total, log, name):
    """The burst transport (see the module docstring); returns ``(cycles, pairing errors,
    timed out)``.

    Its input monitor takes each bank's words from the driver's list once the harness has
    consumed the bank (``idle``), checked in order by the harness's own indices; reading every
    accepted word back from the bus would need a Python wait per transfer, the cost this
    transport exists to avoid. ``pair_err`` still checks that ``a`` and ``b`` transferred
    together, and the per-cycle transport reads the bus itself.
    """
    config = codec.config
    depth, cdepth = len(dut.a_mem), len(dut.c_mem)
    n = len(a_words)
    a_last_offset = codec.a.last_offset
    write_a = [environment.fast_writer(dut.a_mem[i]) for i in range(depth)]
    write_b = [environment.fast_writer(dut.b_mem[i]) for i in range(depth)]
    read_c = [_binstr_reader(dut.c_mem[j]) for j in range(cdepth)]
    write_count, write_go = environment.fast_writer(dut.count), environment.fast_writer(dut.go)
    write_clear = environment.fast_writer(dut.c_clear)
    read_count, read_idle = environment.fast_reader(dut.c_count), environment.fast_reader(dut.idle)
    falling = FallingEdge(dut.clk)
    # One wait lasts at most a bank at full rate plus the drain of the tiles in the grid (a
    # tile's final transfer waits for the previous tile to leave), with a wide margin.
    wait_ns = PERIOD * (depth + 4 * (2 * config.rows + config.cols + 8) + 100)
    state = {"clear": 0}

    def take_rows():
        # Output monitor: the rows the harness took from c since the last clear (call at most
        # once per falling edge: the clear takes effect at the next rising edge).
        count = read_count()
        if not count:
            return 0
        outputs.words.extend(read_c[j]() for j in range(count))
        state["clear"] ^= 1
        write_clear(state["clear"])
        return outputs.flush()

    go = 0
    rows_seen = 0
    timed_out = False
    sim_start = get_sim_time("ns")
    for first in range(0, n, depth):
        chunk = range(first, min(first + depth, n))
        for j, i in enumerate(chunk):
            write_a[j](a_words[i])
            write_b[j](b_words[i])
        write_count(len(chunk))
        go ^= 1
        write_go(go)
        await falling            # the harness started the bank at the rising edge between
        while True:
            rows_seen += take_rows()
            if read_idle():
                break
            # idle and c_full change only at rising edges, after these reads: no missed event.
            limit = Timer(wait_ns, "ns")
            if await First(RisingEdge(dut.idle), RisingEdge(dut.c_full), limit) is limit:
                timed_out = True
                break
            await falling
        if timed_out:
            log.error("%s: timeout: bank at transfer %d not consumed, %d/%d result rows", name,
                      first, rows_seen, rows_total)
            break
        for i in chunk:          # input monitor: the whole bank went in, in order
            inputs.a.append(a_words[i])
            inputs.b.append(b_words[i])
            if (a_words[i] >> a_last_offset) & 1:
                inputs.tile_end()
        await falling            # a clear written above takes effect before the next read
    limit = 4 * (2 * config.rows + config.cols + 8) * len(inputs.named_tiles) + 100
    waited = 0
    while not timed_out and rows_seen < rows_total:
        if waited >= limit:
            log.error("%s: timeout: %d/%d result rows", name, rows_seen, rows_total)
            timed_out = True
            break
        await ClockCycles(dut.clk, config.rows)
        await falling
        waited += config.rows + 1
        rows_seen += take_rows()
    cycles = int((get_sim_time("ns") - sim_start) // PERIOD)
    pairing_errors = int(dut.pair_err.value)
    if pairing_errors:
        log.error("%s: a and b transferred in different cycles", name)
    return cycles, pairing_errors, timed_out
