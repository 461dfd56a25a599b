"""cocotb tests of the generated systolic array (``sparq-rtl verilog array``).

Run by ``tb/test_array.py``, ``tb/test_layer.py`` and ``tb/bench.py`` through :func:`tb.sim.run`.

The bench runs on the harness of :mod:`tb.array_harness` (the generated array unchanged inside):
it offers whole tiles, one payload word per transfer (packed with NumPy beforehand), and waits
once per clock cycle, on the falling edge, where it reads the registered handshake status of the
rising edge just past and writes what to offer next.

Stream rules kept by the harness: ``valid`` stays high and the payload stable until the transfer;
gaps between transfers and ``c.ready`` are random per the stall settings, including one long stall
of every stream in the middle of a tile.

Checking: an input monitor collects the ``a``/``b`` words the design accepted; when a tile's final
transfer (``last``) is accepted it decodes the tile with NumPy, asks :func:`tb.tiles.reference`
(golden) for ``C`` and queues the expected rows; the output monitor decodes every ``c`` transfer
and an in-order :class:`tb.scoreboard.Scoreboard` compares row by row (values and ``last``). At the
end: every row came out, ``err`` stayed low, and the mismatch count is zero.

Environment: ``SPARQ_TILES_FILE`` (.npz from :func:`tb.tiles.save_tiles`), ``SPARQ_STALLS``
(JSON: ``a_gap``, ``b_gap`` probability of an idle cycle before a transfer, ``c_stall``
probability of ``c.ready`` low, ``long`` the long stall's length in cycles; all 0 for full speed).
"""

import json
import os
import time

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, First, RisingEdge
from cocotb.utils import get_sim_time

from tb import harness, tiles
from tb.scoreboard import Scoreboard

__all__ = ["run_tiles"]


def _gaps(rng, count, probability, long_at, long_cycles):
    """Idle cycles before each of ``count`` transfers (geometric), one long gap at ``long_at``."""
    if probability > 0:
        gaps = rng.geometric(1 - probability, size=count) - 1
    else:
        gaps = np.zeros(count, dtype=np.int64)
    if long_at is not None and 0 <= long_at < count:
        gaps[long_at] += long_cycles
    return gaps.tolist()


async def reset(dut):
    dut.a_next_valid.value = 0
    dut.b_next_valid.value = 0
    dut.c_ready.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def run_tiles(dut, config, named_tiles, stalls, rng, log, *, name="array"):
    """Drive ``named_tiles`` through the array and check every result row. Returns a dict with
    ``checked`` (result values compared), ``mismatches``, ``macs`` (multiply-accumulates whose
    results were compared), ``cycles``, ``seconds`` (wall time of the drive loop)."""
    tiles.check_tiles(config, [(a, b) for _, a, b in named_tiles])
    a_words, b_words, tile_of = [], [], []
    for t, (_, a, b) in enumerate(named_tiles):
        a_words += tiles.pack_a(config, a)
        b_words += tiles.pack_b(config, b)
        tile_of += [t] * ((a.shape[1] + 1) // 2)
    n = len(a_words)
    rows_total = config.rows * len(named_tiles)

    # One long stall of each stream mid-tile: a in the first tile long enough, b in another.
    long = int(stalls.get("long", 0))
    # Transfers that are neither the first of their tile: where a stall is "mid-tile".
    mid = [i for i in range(1, n) if tile_of[i] == tile_of[i - 1]]
    a_long = mid[len(mid) // 3] if long and mid else None
    b_long = mid[2 * len(mid) // 3] if long and mid else None
    a_gaps = _gaps(rng, n + 1, stalls.get("a_gap", 0.0), a_long, long)
    b_gaps = _gaps(rng, n + 1, stalls.get("b_gap", 0.0), b_long, long)
    c_stall = float(stalls.get("c_stall", 0.0))
    c_long_row = rows_total // 2 if long else None

    board = Scoreboard(log, name)
    accepted = []          # a/b word indices of the current tile, as accepted
    expected_tile = [0]

    def tile_accepted():
        # Input monitor: decode what the design took, ask golden, queue the expected rows.
        t = expected_tile[0]
        a, a_last = tiles.unpack_a(config, [a_words[i] for i in accepted])
        b, b_last = tiles.unpack_b(config, [b_words[i] for i in accepted])
        _, a_sent, b_sent = named_tiles[t]
        k = a_sent.shape[1]
        # The driver's own packing, checked once: the bus carried the tile (zero-padded to 2P).
        assert np.array_equal(a[:, :k], a_sent) and not a[:, k:].any(), f"tile {t}: a packing"
        assert np.array_equal(b[:, :k], b_sent) and not b[:, k:].any(), f"tile {t}: b packing"
        assert a_last[-1] == 1 and not a_last[:-1].any() and np.array_equal(a_last, b_last)
        c = tiles.reference(config, a[:, :k], b[:, :k])
        for r in range(config.rows):
            board.expect(f"tile {t} ({named_tiles[t][0]}) row {r}",
                         np.append(c[r], int(r == config.rows - 1)))
        accepted.clear()
        expected_tile[0] += 1

    out_rows = []
    all_rows = []

    def rows_out(binstrs):
        values, last = tiles.decode_c(config, binstrs)
        all_rows.append(values)
        for v, l in zip(values, last):
            board.got(np.append(v, l))

    # The harness (tb/array_harness.py) keeps the handshakes in registers: one wait per cycle,
    # on the falling edge, where every register is settled and nothing samples.
    write_a, write_a_valid = harness.fast_writer(dut.a_next), harness.fast_writer(dut.a_next_valid)
    write_b, write_b_valid = harness.fast_writer(dut.b_next), harness.fast_writer(dut.b_next_valid)
    write_c_ready, read_status = harness.fast_writer(dut.c_ready), harness.fast_reader(dut.status)
    c_seen_h = dut.c_seen
    edge = FallingEdge(dut.clk)

    ia = ib = 0                        # next word to offer on a / b
    fa = fb = 0                        # words the array has taken on a / b
    a_wait, b_wait = a_gaps[0], b_gaps[0]
    a_offer = b_offer = -1             # what a_next_valid / b_next_valid show
    c_ready = c_shown = -1
    rows_seen = 0
    c_long_left = 0
    c_random = (rng.random(1 << 16) >= c_stall).astype(int).tolist()
    cycle = 0
    pairing_errors = 0
    a_top = 2 * config.rows * config.act_width
    # Generous bound: every transfer, every gap and stall, the drain of every tile, twice.
    limit = 2 * (n + sum(a_gaps) + sum(b_gaps) + 4 * long
                 + len(named_tiles) * (2 * config.rows + config.cols + 8)
                 + (rows_total * 4 if c_stall else 0) + 100)
    start, cpu_start = time.perf_counter(), time.process_time()
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
        if bool(a_fire) != bool(b_fire):
            # The array takes a and b together; a transfer on one alone breaks the contract.
            pairing_errors += 1
            if pairing_errors <= 5:
                log.error("%s: cycle %d: a transfer %s but b transfer %s", name, cycle,
                          bool(a_fire), bool(b_fire))
        if a_fire:
            accepted.append(fa)
            fa += 1
            if a_words[fa - 1] >> a_top:
                tile_accepted()
        if b_fire:
            fb += 1
        if status & 16:
            out_rows.append(str(c_seen_h.value))
            rows_seen += 1
            if len(out_rows) == config.rows:
                rows_out(out_rows)
                out_rows.clear()
            if rows_seen == c_long_row:
                c_long_left = long
        # Offer the next words (or a gap) for the coming rising edge.
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
            c_ready = c_random[cycle & 0xFFFF]
        if c_ready != c_shown:
            write_c_ready(c_ready)
            c_shown = c_ready
        cycle += 1
        if cycle > limit:
            log.error("%s: timeout after %d cycles: %d/%d a/b transfers, %d/%d result rows",
                      name, cycle, fa, n, rows_seen, rows_total)
            break
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if out_rows:
        rows_out(out_rows)
    await edge
    return _record(dut, config, named_tiles, log, name, board, all_rows, pairing_errors,
                   cycle, seconds, cpu_seconds)


def _record(dut, config, named_tiles, log, name, board, all_rows, pairing_errors, cycles,
            seconds, cpu_seconds):
    """End of a run, shared by both harnesses: ``err`` must be low after legal input, the result
    rows are saved on request, and the run's record (counts and times) is returned."""
    err = int(dut.err.value)
    if err:
        log.error("%s: err is set after legal input", name)
    checked, mismatches = board.result()
    folder = os.environ.get("SPARQ_OUTPUT_DIR")
    if folder:
        # Every result row, in output order, for checks on the Python side (the layer test).
        np.save(os.path.join(folder, f"{name}.npy"),
                np.concatenate(all_rows) if all_rows else np.zeros((0, config.cols), np.int64))
    macs = sum(config.rows * config.cols * a.shape[1] for _, a, _ in named_tiles)
    return {"checked": checked, "mismatches": mismatches + err + pairing_errors,
            "macs": macs if mismatches == 0 else 0, "cycles": cycles, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "tiles": len(named_tiles)}


async def _tiles(dut, test, stalls):
    config = harness.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    rng = harness.rng(test)
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    await reset(dut)
    result = await run_tiles(dut, config, named, stalls, rng, dut._log, name=test)
    dut._log.info("%s: %d tiles, %d MACs checked in %d cycles, %.2f s (%.2f s CPU): "
                  "%.0f checked MACs/s", test, result["tiles"], result["macs"], result["cycles"],
                  result["seconds"], result["cpu_seconds"],
                  result["macs"] / max(result["seconds"], 1e-9))
    harness.report(test, result["checked"], result["mismatches"], macs=result["macs"],
                   cycles=result["cycles"], seconds=result["seconds"], tiles=result["tiles"],
                   cpu_seconds=result["cpu_seconds"])


@cocotb.test()
async def full_rate(dut):
    """The tiles back to back with every stream always valid/ready (next tile during the drain)."""
    await _tiles(dut, "full_rate", {})


@cocotb.test()
async def stalled(dut):
    """The same tiles with random gaps on a and b, random c.ready and long stalls (SPARQ_STALLS)."""
    stalls = json.loads(os.environ.get("SPARQ_STALLS", "{}"))
    if not stalls:
        stalls = {"a_gap": 0.2, "b_gap": 0.3, "c_stall": 0.4, "long": 150}
    await _tiles(dut, "stalled", stalls)


async def run_tiles_burst(dut, config, named_tiles, log, *, name="burst"):
    """The tiles at full rate through the burst harness (:mod:`tb.array_burst`): Python loads a
    bank of transfers and waits until it is consumed or the result memory is full, not for every
    clock. Same checks and result dict as :func:`run_tiles` (without stalls)."""
    tiles.check_tiles(config, [(a, b) for _, a, b in named_tiles])
    a_words, b_words = [], []
    for _, a, b in named_tiles:
        a_words += tiles.pack_a(config, a)
        b_words += tiles.pack_b(config, b)
    n = len(a_words)
    rows_total = config.rows * len(named_tiles)
    a_top = 2 * config.rows * config.act_width
    depth, cdepth = len(dut.a_mem), len(dut.c_mem)

    board = Scoreboard(log, name)
    accepted = []
    expected_tile = [0]
    all_rows = []

    def tile_accepted():
        # Input monitor, as in run_tiles: decode what went in, golden, queue the expected rows.
        t = expected_tile[0]
        a, _ = tiles.unpack_a(config, [a_words[i] for i in accepted])
        b, _ = tiles.unpack_b(config, [b_words[i] for i in accepted])
        k = named_tiles[t][1].shape[1]
        c = tiles.reference(config, a[:, :k], b[:, :k])
        for r in range(config.rows):
            board.expect(f"tile {t} ({named_tiles[t][0]}) row {r}",
                         np.append(c[r], int(r == config.rows - 1)))
        accepted.clear()
        expected_tile[0] += 1

    write_a = [harness.fast_writer(dut.a_mem[i]) for i in range(depth)]
    write_b = [harness.fast_writer(dut.b_mem[i]) for i in range(depth)]
    c_rows = [dut.c_mem[j] for j in range(cdepth)]
    write_count, write_go = harness.fast_writer(dut.count), harness.fast_writer(dut.go)
    write_clear = harness.fast_writer(dut.c_clear)
    read_count, read_idle = harness.fast_reader(dut.c_count), harness.fast_reader(dut.idle)
    falling = FallingEdge(dut.clk)
    state = {"clear": 0}

    def take_rows():
        # Output monitor: the rows the harness took from c since the last clear (call at most
        # once per falling edge: the clear takes effect at the next rising edge).
        count = read_count()
        if not count:
            return 0
        values, last = tiles.decode_c(config, [str(c_rows[j].value) for j in range(count)])
        all_rows.append(values)
        for v, l in zip(values, last):
            board.got(np.append(v, l))
        state["clear"] ^= 1
        write_clear(state["clear"])
        return count

    go = 0
    rows_seen = 0
    start, cpu_start = time.perf_counter(), time.process_time()
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
            await First(RisingEdge(dut.idle), RisingEdge(dut.c_full))
            await falling
        for i in chunk:          # input monitor: the whole bank went in, in order
            accepted.append(i)
            if a_words[i] >> a_top:
                tile_accepted()
        await falling            # a clear written above takes effect before the next read
    limit = 4 * (2 * config.rows + config.cols + 8) * len(named_tiles) + 100
    waited = 0
    while rows_seen < rows_total and waited < limit:
        await ClockCycles(dut.clk, config.rows)
        await falling
        waited += config.rows + 1
        rows_seen += take_rows()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    cycles = int((get_sim_time("ns") - sim_start) // 10)
    if rows_seen < rows_total:
        log.error("%s: timeout: %d/%d result rows", name, rows_seen, rows_total)
    pairing_errors = int(dut.pair_err.value)
    if pairing_errors:
        log.error("%s: a and b transferred in different cycles", name)
    return _record(dut, config, named_tiles, log, name, board, all_rows, pairing_errors,
                   cycles, seconds, cpu_seconds)


@cocotb.test()
async def burst(dut):
    """The tiles back to back at full rate through the burst harness (tb/array_burst.py)."""
    config = harness.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.go.value = 0
    dut.c_clear.value = 0
    dut.count.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await FallingEdge(dut.clk)
    result = await run_tiles_burst(dut, config, named, dut._log)
    dut._log.info("burst: %d tiles, %d MACs checked in %d cycles, %.2f s (%.2f s CPU): "
                  "%.0f checked MACs/s", result["tiles"], result["macs"], result["cycles"],
                  result["seconds"], result["cpu_seconds"],
                  result["macs"] / max(result["seconds"], 1e-9))
    harness.report("burst", result["checked"], result["mismatches"], macs=result["macs"],
                   cycles=result["cycles"], seconds=result["seconds"], tiles=result["tiles"],
                   cpu_seconds=result["cpu_seconds"])
