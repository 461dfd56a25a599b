"""cocotb tests of the generated systolic array (``sparq-rtl verilog array``).

Run by ``tb/test_array.py``, ``tb/test_layer.py`` and ``tb/bench.py`` through :func:`tb.sim.run`.

The bench drives stream ``a`` and ``b`` with whole tiles (one payload word per transfer, packed
with NumPy beforehand) and takes stream ``c``, in one coroutine that does, every clock cycle:
after the rising edge, write ``valid``/``payload`` of ``a`` and ``b`` and ``c.ready``; in the
read-only phase of the same cycle, read ``a.ready``, ``b.ready`` and ``c.valid`` (settled, so
ready may depend on valid, as it does in the array) and note the transfers the next edge will make.

Stream rules kept by the driver: ``valid`` stays high and the payload stable until the transfer;
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
from cocotb.triggers import ReadOnly, RisingEdge

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
    dut.a__valid.value = 0
    dut.b__valid.value = 0
    dut.c__ready.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
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

    def rows_out(binstrs):
        values, last = tiles.decode_c(config, binstrs)
        for v, l in zip(values, last):
            board.got(np.append(v, l))

    clk = dut.clk
    a_valid_h, a_ready_h, a_payload_h = dut.a__valid, dut.a__ready, dut.a__payload
    b_valid_h, b_ready_h, b_payload_h = dut.b__valid, dut.b__ready, dut.b__payload
    c_valid_h, c_ready_h, c_payload_h = dut.c__valid, dut.c__ready, dut.c__payload
    edge, settled = RisingEdge(clk), ReadOnly()

    ia = ib = 0                        # next word to offer on a / b
    a_wait, b_wait = a_gaps[0], b_gaps[0]
    a_valid = b_valid = c_ready = 0
    a_shown = b_shown = c_shown = -1   # last value written to each valid/ready
    rows_seen = 0
    c_long_left = 0
    c_random = rng.random(1 << 16) >= c_stall
    cycle = 0
    pairing_errors = 0
    # Generous bound: every transfer, every gap and stall, the drain of every tile, twice.
    limit = 2 * (n + sum(a_gaps) + sum(b_gaps) + 4 * long
                 + len(named_tiles) * (2 * config.rows + config.cols + 8)
                 + (rows_total * 4 if c_stall else 0) + 100)
    start = time.perf_counter()
    while rows_seen < rows_total:
        await edge
        if not a_valid and ia < n:
            if a_wait:
                a_wait -= 1
            else:
                a_valid = 1
                a_payload_h.value = a_words[ia]
        if not b_valid and ib < n:
            if b_wait:
                b_wait -= 1
            else:
                b_valid = 1
                b_payload_h.value = b_words[ib]
        if c_long_left:
            c_long_left -= 1
            c_ready = 0
        else:
            c_ready = 1 if not c_stall else int(c_random[cycle & 0xFFFF])
        if a_valid != a_shown:
            a_valid_h.value = a_shown = a_valid
        if b_valid != b_shown:
            b_valid_h.value = b_shown = b_valid
        if c_ready != c_shown:
            c_ready_h.value = c_shown = c_ready
        await settled
        a_go = a_valid and int(a_ready_h.value)
        b_go = b_valid and int(b_ready_h.value)
        if a_go != b_go:
            # The array takes a and b together; a transfer on one alone breaks the contract.
            pairing_errors += 1
            if pairing_errors <= 5:
                log.error("%s: cycle %d: a transfer %s but b transfer %s", name, cycle,
                          bool(a_go), bool(b_go))
        if a_go:
            accepted.append(ia)
            last = a_words[ia] >> (2 * config.rows * config.act_width)
            ia += 1
            a_valid = 0
            a_wait = a_gaps[ia]
            if last:
                tile_accepted()
        if b_go:
            ib += 1
            b_valid = 0
            b_wait = b_gaps[ib]
        if c_ready and int(c_valid_h.value):
            out_rows.append(str(c_payload_h.value))
            rows_seen += 1
            if len(out_rows) == config.rows:
                rows_out(out_rows)
                out_rows.clear()
            if rows_seen == c_long_row:
                c_long_left = long
        cycle += 1
        if cycle > limit:
            log.error("%s: timeout after %d cycles: %d/%d a/b transfers, %d/%d result rows",
                      name, cycle, ia, n, rows_seen, rows_total)
            break
    seconds = time.perf_counter() - start
    if out_rows:
        rows_out(out_rows)
    await edge
    await settled
    err = int(dut.err.value)
    if err:
        log.error("%s: err is set after legal input", name)
    checked, mismatches = board.result()
    macs = sum(config.rows * config.cols * a.shape[1] for _, a, _ in named_tiles)
    return {"checked": checked, "mismatches": mismatches + err + pairing_errors,
            "macs": macs if mismatches == 0 else 0, "cycles": cycle, "seconds": seconds,
            "tiles": len(named_tiles)}


async def _tiles(dut, test, stalls):
    config = harness.config()
    named = tiles.load_tiles(os.environ["SPARQ_TILES_FILE"])
    rng = harness.rng(test)
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    await reset(dut)
    result = await run_tiles(dut, config, named, stalls, rng, dut._log, name=test)
    dut._log.info("%s: %d tiles, %d MACs checked in %d cycles, %.2f s: %.0f checked MACs/s",
                  test, result["tiles"], result["macs"], result["cycles"], result["seconds"],
                  result["macs"] / max(result["seconds"], 1e-9))
    harness.report(test, result["checked"], result["mismatches"], macs=result["macs"],
                   cycles=result["cycles"], seconds=result["seconds"], tiles=result["tiles"])


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
