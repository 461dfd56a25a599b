"""The hardware settings and their conformance vector files (4-bit windows only)."""

from golden import vectors
from hdl.config import ROUNDINGS, WINDOW_OPTIONS

__all__ = ["SETTINGS", "setting_id", "load_vectors"]

#: Every (options, rounding) the window selector and pair encoder are built for.
SETTINGS = [(options, rounding) for options in WINDOW_OPTIONS for rounding in ROUNDINGS]


def setting_id(setting):
    options, rounding = setting
    return f"o{options}-{rounding}"


def load_vectors(options, rounding):
    """The authors' vectors of one hardware setting (``vectors_bg4_opt<o>_<raw|round>.npz``)."""
    return vectors.load(4, options, rounding)

