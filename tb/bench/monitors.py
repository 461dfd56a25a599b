"""Monitors of the array benches: what went in on ``a``/``b`` becomes expected rows, what came out
on ``c`` becomes actual rows, both for one in-order :class:`tb.bench.scoreboard.Scoreboard`.

The transports of :mod:`tb.bench.driver` feed them: they append payload words (ints or binary
strings, MSB first, as read from the simulator) to the lists ``InputMonitor.a``/``InputMonitor.b``
(or ``InputMonitor.ab``) and ``OutputMonitor.words`` directly (plain list appends; the lists are
only ever cleared in place: the per-cycle loop stays cheap), and call
:meth:`InputMonitor.tile_end` at a tile's final transfer and :meth:`OutputMonitor.flush` whenever
they like (once per tile keeps the decoding vectorised).
"""

import numpy as np

from hdl.stream_codec import reference

__all__ = ["InputMonitor", "OutputMonitor"]


class InputMonitor:
    """Decodes each tile the array accepted, asks golden for its result, queues the rows.

    ``named_tiles`` (``[(name, A, B)]``) are the tiles the driver meant to send, in order; each
    accepted tile is also compared with the one sent (the values, the zero padding of an odd K
    and the ``last`` framing), and a difference is logged and counted.
    """

    def __init__(self, codec, named_tiles, board, log, name):
        self.codec = codec
        self.named_tiles = named_tiles
        self.board = board
        self.log = log
        self.name = name
        self.a = []             # words of the current tile, as accepted on a
        self.b = []             # and on b
        # Or both in one binary string per transfer, b's word above a's (the per-cycle harness's
        # ab_seen): split here, once per tile, not in the per-cycle loop.
        self.ab = []
        self.tiles = 0          # tiles accepted so far
        self.errors = 0         # accepted tiles that differ from the tiles sent

    def _error(self, message, *args):
        self.errors += 1
        if self.errors <= 5:
            self.log.error("%s: " + message, self.name, *args)

    def tile_end(self):
        """The tile's final transfer was accepted: decode ``a``/``b``, queue golden's rows."""
        t, codec, rows = self.tiles, self.codec, self.codec.config.rows
        self.tiles += 1
        if self.ab:
            chars = np.frombuffer("".join(self.ab).encode(), np.uint8).reshape(len(self.ab), -1)
            A, a_last = codec.unpack_a(chars[:, codec.b.width:])
            B, b_last = codec.unpack_b(chars[:, :codec.b.width])
        else:
            A, a_last = codec.unpack_a(self.a)
            B, b_last = codec.unpack_b(self.b)
        # Cleared in place: the transports hold the lists' append methods.
        self.a.clear()
        self.b.clear()
        self.ab.clear()
        if t >= len(self.named_tiles):
            self._error("tile %d accepted, but only %d were sent", t, len(self.named_tiles))
            return
        name, A_sent, B_sent = self.named_tiles[t]
        k = A_sent.shape[1]
        framing = [0] * (codec.transfers(k) - 1) + [1]
        if a_last.tolist() != framing or b_last.tolist() != framing:
            self._error("tile %d (%s): last flags on a %s, on b %s, expected %s", t, name,
                        a_last.tolist(), b_last.tolist(), framing)
        elif not (np.array_equal(A[:, :k], A_sent) and np.array_equal(B[:, :k], B_sent)
                  and not A[:, k:].any() and not B[:, k:].any()):
            self._error("tile %d (%s): the words accepted are not the tile sent", t, name)
        if A.shape[1] != B.shape[1]:
            return              # counted above; no K to compute a result for
        # From what the array accepted (an odd K's zero padding changes no result).
        C = reference(codec.config, A, B)
        last = (np.arange(rows) == rows - 1).astype(np.int64)
        for r, row in enumerate(np.column_stack([C, last])):
            self.board.expect(f"tile {t} ({name}) row {r}", row)

    def finish(self):
        """Mismatches on the input side at the end of a run: accepted tiles that differ from the
        tiles sent, plus ``rows`` per tile never accepted (its results are missing; the
        scoreboard never expected them)."""
        missing = len(self.named_tiles) - self.tiles
        if missing > 0:
            self.log.error("%s: %d of %d tiles were never accepted (first: tile %d)", self.name,
                           missing, len(self.named_tiles), self.tiles)
        return self.errors + max(missing, 0) * self.codec.config.rows


class OutputMonitor:
    """Decodes the ``c`` words the array sent and hands each row (values, then ``last``) to the
    scoreboard; keeps every row in output order (:meth:`rows`)."""

    def __init__(self, codec, board):
        self.codec = codec
        self.board = board
        self.words = []         # words taken from c, not yet decoded
        self._rows = []

    def flush(self):
        """Decode the words taken so far; returns how many rows that was."""
        if not self.words:
            return 0
        values, last = self.codec.unpack_c(self.words)
        self.words.clear()
        self._rows.append(values)
        for row in np.column_stack([values, last]):
            self.board.got(row)
        return len(values)

    def rows(self):
        """Every row decoded so far, in output order: ``(n, cols)`` int64."""
        cols = self.codec.config.cols
        return np.concatenate(self._rows) if self._rows else np.zeros((0, cols), np.int64)
