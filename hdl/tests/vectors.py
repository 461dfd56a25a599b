"""The hardware settings and their conformance vector files (4-, 3- and 2-bit windows)."""

from golden import vectors
from hdl.config import ROUNDINGS, WINDOW_SHIFTS

__all__ = ["SETTINGS", "setting_id", "load_vectors"]

#: Every (bits, options, rounding) the window selector and pair encoder are built for.
SETTINGS = [(bits, options, rounding) for bits, options in WINDOW_SHIFTS for rounding in ROUNDINGS]


def setting_id(setting):
    bits, options, rounding = setting
    return f"b{bits}-o{options}-{rounding}"


def load_vectors(bits, options, rounding):
    """The authors' vectors of one hardware setting (``vectors_bg<b>_opt<o>_<raw|round>.npz``)."""
    return vectors.load(bits, options, rounding)
