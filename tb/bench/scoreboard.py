"""In-order scoreboard: expected items from the reference model, actual items from the design.

An input monitor turns what the design accepted into expected items (:meth:`Scoreboard.expect`);
an output monitor hands over what the design produced (:meth:`Scoreboard.got`). Items are compared
in order as soon as both sides have one. A mismatch is logged with its tag, the expected and the
actual value and the differing positions (the first ``max_logged`` mismatches); the bench fails at
the end with the count (:meth:`Scoreboard.result`), which also counts missing and extra items.
"""

from collections import deque

import numpy as np

__all__ = ["Scoreboard"]


class Scoreboard:
    """Compares NumPy arrays in order.

    Members: ``checked`` (values compared), ``mismatches`` (items that differed, plus missing and
    extra items at the end), ``items`` (items compared).
    """

    def __init__(self, log, name, *, max_logged=10):
        self.log = log
        self.name = name
        self.max_logged = max_logged
        self._expected = deque()
        self._actual = deque()
        self.checked = 0
        self.items = 0
        self.mismatches = 0

    def expect(self, tag, value):
        self._expected.append((tag, np.asarray(value)))
        self._match()

    def got(self, value):
        self._actual.append(np.asarray(value))
        self._match()

    def _match(self):
        while self._expected and self._actual:
            (tag, expected), actual = self._expected.popleft(), self._actual.popleft()
            self.items += 1
            self.checked += expected.size
            if expected.shape != actual.shape or not np.array_equal(expected, actual):
                self.mismatches += 1
                if self.mismatches <= self.max_logged:
                    where = (np.flatnonzero(expected != actual).tolist()
                             if expected.shape == actual.shape else "shape")
                    self.log.error("%s mismatch at %s: expected %s, actual %s, differing at %s",
                                   self.name, tag, expected.tolist(), actual.tolist(), where)

    def result(self):
        """``(checked, mismatches)``, counting items left unmatched as mismatches (and logging them)."""
        if self._expected:
            self.log.error("%s: %d expected items never came out, first %s", self.name,
                           len(self._expected), self._expected[0][0])
        if self._actual:
            self.log.error("%s: %d unexpected extra items, first %s", self.name,
                           len(self._actual), self._actual[0].tolist())
        return self.checked, self.mismatches + len(self._expected) + len(self._actual)
