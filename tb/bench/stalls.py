"""Stall plans for the array benches: when the producers of ``a``/``b`` leave gaps and when the
consumer of ``c`` is not ready.

A plan is drawn once, before the clock starts, so the per-cycle loop only indexes lists. Settings
(the ``SPARQ_STALLS`` JSON of :mod:`tb.bench.array`): ``a_gap``, ``b_gap`` the probability of an
idle cycle before each transfer (geometric gaps), ``c_stall`` the probability of ``c.ready`` low
in a cycle, ``long`` the length in cycles of one long stall of each stream: ``a`` a third of the
way through the run and ``b`` two thirds, both in the middle of a tile, ``c`` at the middle
result row. All 0 (an empty dict) is full rate.
"""

import numpy as np

__all__ = ["KEYS", "gaps", "StallPlan"]

KEYS = ("a_gap", "b_gap", "c_stall", "long")

#: The ``c.ready`` pattern repeats every this many cycles (the loop indexes it with a mask).
C_PERIOD = 1 << 16


def gaps(rng, count, probability, long_at=None, long_cycles=0):
    """Idle cycles before each of ``count`` transfers (geometric with ``probability`` of one more
    idle cycle), plus ``long_cycles`` before transfer ``long_at``. A list of ints."""
    if probability > 0:
        out = rng.geometric(1 - probability, size=count) - 1
    else:
        out = np.zeros(count, dtype=np.int64)
    if long_at is not None and 0 <= long_at < count:
        out[long_at] += long_cycles
    return out.tolist()


class StallPlan:
    """Gaps and ``c.ready`` for a run of tiles of ``pairs[t]`` transfers each (``rows_total``
    result rows), drawn from ``rng`` per ``stalls`` (see the module docstring).

    Members: ``a_gaps``, ``b_gaps`` (``n + 1`` idle-cycle counts, one before each transfer and a
    spare), ``c_ready`` (:data:`C_PERIOD` values 0/1, ``c.ready`` in cycle ``i % C_PERIOD``),
    ``long`` (cycles), ``c_long_row`` (the result row after which ``c.ready`` is held low for
    ``long`` cycles, or None), ``cycle_bound`` (a generous bound on the cycles the run needs).
    """

    def __init__(self, stalls, rng, pairs, rows_total, *, rows, cols):
        unknown = set(stalls) - set(KEYS)
        if unknown:
            raise ValueError(f"stall settings are {', '.join(KEYS)}, not {sorted(unknown)}")
        tile_of = np.repeat(np.arange(len(pairs)), pairs)
        n = len(tile_of)
        self.long = int(stalls.get("long", 0))
        # Transfers that are not the first of their tile: where a stall is "mid-tile".
        mid = np.flatnonzero(tile_of[1:] == tile_of[:-1]) + 1
        a_long = int(mid[len(mid) // 3]) if self.long and len(mid) else None
        b_long = int(mid[2 * len(mid) // 3]) if self.long and len(mid) else None
        self.a_gaps = gaps(rng, n + 1, stalls.get("a_gap", 0.0), a_long, self.long)
        self.b_gaps = gaps(rng, n + 1, stalls.get("b_gap", 0.0), b_long, self.long)
        c_stall = float(stalls.get("c_stall", 0.0))
        self.c_ready = (rng.random(C_PERIOD) >= c_stall).astype(int).tolist()
        self.c_long_row = rows_total // 2 if self.long else None
        # Every transfer, every gap and stall, the drain of every tile, twice.
        self.cycle_bound = 2 * (n + sum(self.a_gaps) + sum(self.b_gaps) + 4 * self.long
                                + len(pairs) * (2 * rows + cols + 8)
                                + (rows_total * 4 if c_stall else 0) + 100)
