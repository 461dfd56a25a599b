"""Switching activity: per-net rising and falling transition counts, read from a VCD file.

:func:`toggle_counts` reads a VCD with ``pywellen`` (the Rust ``wellen`` waveform library: a
3,500-cycle PE run's 1.4 million changes stream in seconds, where the pure-Python ``pyvcd``
tokenizer took minutes) and counts, for every bit of every variable in one scope, its 0->1 and
1->0 transitions. A change into or out of ``x``/``z`` is not a transition (it has no defined
energy); the first value of a variable is its initial state, not a transition. Variables that
share one signal (aliases) get the same counts.
"""

from dataclasses import dataclass

__all__ = ["Activity", "toggle_counts", "VcdError"]


class VcdError(ValueError):
    """The VCD file lacks the scope asked for, or cannot be read."""


@dataclass
class Activity:
    """``rises``/``falls``: name -> list of counts per bit (bit 0 first) for every variable of the
    scope; ``first_time``/``last_time``: the first and last time stamps of a change (in the file's
    units); ``timescale``."""
    rises: dict
    falls: dict
    first_time: int
    last_time: int
    timescale: str

    def total(self):
        """All transitions of all variables."""
        return sum(map(sum, self.rises.values())) + sum(map(sum, self.falls.values()))


def _as_int(value):
    # pywellen gives an int when the value has no x/z, else the string of its digits.
    if isinstance(value, int):
        return value
    text = str(value).lower()
    if any(c in text for c in "xz"):
        return None
    return int(text, 2) if text else 0


def _count_bits(mask, counts):
    # One more transition for every bit set in mask (bit 0 is counts[0]).
    i = 0
    while mask:
        if mask & 1:
            counts[i] += 1
        mask >>= 1
        i += 1


def toggle_counts(path, scope):
    """Count transitions of every variable declared directly in ``scope`` (dotted, e.g.
    ``energy_tb.dut``) of the VCD file ``path``. Returns an :class:`Activity`; :class:`VcdError`
    naming the scope and the scopes present when it has no variables."""
    from pywellen import Waveform   # (the energy tier's waveform reader)

    try:
        wave = Waveform(str(path))
    except Exception as exc:     # wellen reports a parse error as its own exception type
        raise VcdError(f"{path}: not a VCD file wellen reads ({exc})") from exc
    prefix = scope + "."
    by_signal = {}               # signal key -> (width, [names])
    chosen, scopes = [], set()
    for var in wave.all_vars():
        full = var.full_name
        scopes.add(full.rsplit(".", 1)[0] if "." in full else "")
        if not full.startswith(prefix) or "." in full[len(prefix):]:
            continue
        # A change names its signal by a SignalId; the id's text is the only stable key wellen's
        # Python API offers for it (the objects are created anew for every change).
        key = str(var.signal_ref)
        entry = by_signal.get(key)
        if entry is None:
            by_signal[key] = entry = (var.bitwidth or 1, [])
            chosen.append(var)
        entry[1].append(var.name)
    if not by_signal:
        raise VcdError(f"scope {scope!r} has no variables in {path} "
                       f"(scopes: {', '.join(sorted(s for s in scopes if s)) or 'none'})")
    prev = dict.fromkeys(by_signal)
    rises = {k: [0] * w for k, (w, _) in by_signal.items()}
    falls = {k: [0] * w for k, (w, _) in by_signal.items()}
    times = []

    def change(time, signal, value):
        key = str(signal)
        new = _as_int(value)
        old = prev[key]
        prev[key] = new
        if not times:
            times.extend((time, time))
        times[1] = time
        if old is None or new is None or old == new:
            return
        _count_bits((old ^ new) & new, rises[key])
        _count_bits((old ^ new) & old, falls[key])

    try:
        wave.stream_changes(change, chosen)
    except KeyError as exc:
        raise VcdError(f"{path}: a change names signal {exc} that no variable of {scope!r} "
                       f"has (wellen's signal ids changed meaning?)") from None
    out_r, out_f = {}, {}
    for key, (_, names) in by_signal.items():
        for name in names:
            out_r[name], out_f[name] = rises[key], falls[key]
    first = times[0] if times else 0
    last = times[-1] if times else 0
    return Activity(out_r, out_f, first, last, str(wave.timescale))
