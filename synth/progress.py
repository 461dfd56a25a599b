"""Progress of a synthesis run: runs done / running / failed / left, elapsed and estimated time.

Two forms, chosen by whether the output is a terminal:

- a terminal gets one live line, redrawn every second: the counts, the runs in progress with
  their design, target and seconds so far, the elapsed time and the estimated time left;
- anything else (a log, CI) gets one plain line per finished run with the same counts, and
  nothing in between, so a log reads top to bottom.

The time left scales the estimate of the runs not yet finished by how the finished ones compared
with their own estimates (a loaded machine runs slower than the table says).
"""

import sys
import threading
import time

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds):
    """``m:ss`` (or ``h:mm:ss``) of a duration in seconds."""
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Track ``total`` runs whose estimated seconds are ``estimates`` (one per job index).

    Call :meth:`started` and :meth:`finished` from any thread, :meth:`close` at the end.
    ``stream`` defaults to stderr; ``live`` defaults to whether it is a terminal.
    """

    def __init__(self, estimates, *, workers, stream=None, live=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.estimates = list(estimates)
        self.workers = max(1, workers)
        self.total = len(self.estimates)
        self.done = self.failed = 0
        self.running = {}                 # job index -> (label, start time)
        self.spent_estimate = 0.0         # estimated seconds of the finished runs
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        if self.live:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()

    # -- events ------------------------------------------------------------------------------------

    def started(self, i, label):
        with self._lock:
            self.running[i] = (label, time.monotonic())

    def finished(self, i, label, state, failed=False):
        with self._lock:
            self.running.pop(i, None)
            self.done += 1
            self.failed += bool(failed)
            self.spent_estimate += self.estimates[i]
            line = f"[{self.done}/{self.total}] {label}: {state}; {self._counts()}"
            if self.live:
                self._write_live(line, final=True)
            else:
                print(line, file=self.stream, flush=True)

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            with self._lock:
                self.stream.write("\r\033[K")
                self.stream.flush()

    # -- text ----------------------------------------------------------------------------------------

    def eta(self):
        """Estimated seconds left, or None before anything finished."""
        elapsed = time.monotonic() - self.start
        left = sum(self.estimates) - self.spent_estimate
        if self.done == 0 or self.spent_estimate <= 0:
            return left / self.workers
        # Wall seconds per estimated second so far (covers load and the worker count).
        return left * elapsed / self.spent_estimate

    def _counts(self):
        left = self.total - self.done - len(self.running)
        elapsed = time.monotonic() - self.start
        return (f"done {self.done}, running {len(self.running)}, failed {self.failed}, "
                f"left {left}; elapsed {format_seconds(elapsed)}, "
                f"about {format_seconds(self.eta())} left")

    def _now_running(self):
        now = time.monotonic()
        return ", ".join(f"{label} {now - t0:.0f} s" for label, t0 in self.running.values())

    def _write_live(self, text, final=False):
        # Clear the live line, write a finished run's line for good, then the live line again.
        self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        if final:
            self.stream.write(self._live_line())
        self.stream.flush()

    def _live_line(self):
        running = self._now_running()
        return (f"[{self.done}/{self.total}] {self._counts()}"
                + (f" | running: {running}" if running else ""))[:200]

    def _tick(self):
        while not self._stop.wait(1.0):
            with self._lock:
                self.stream.write("\r\033[K" + self._live_line())
                self.stream.flush()
