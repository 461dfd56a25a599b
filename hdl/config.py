"""One validated configuration that every hardware block reads.

All widths the RTL uses are derived here, from the parameters, so that the generator, the tests
and the synthesis reports agree on them.
"""

from dataclasses import dataclass, field

__all__ = ["SparqConfig", "DATAPATHS", "ROUNDINGS", "WINDOW_OPTIONS", "WINDOW_BITS"]

#: PE datapaths. ``sparq``: two 4b x 8b multipliers fed by the pair encoder; ``int8``: two exact
#: 8b x 8b multipliers (the A8W8 reference); ``a4w8``: two 4b x 8b multipliers fed with plain 4-bit
#: activations (naive 4-bit).
DATAPATHS = ("sparq", "int8", "a4w8")

#: Rounding of the bits dropped below the window (``truncate`` is the reference code's RAW mode).
ROUNDINGS = ("nearest-even", "truncate")

#: The hardware implements 4-bit windows; the allowed window positions (LSB bit index) per option count.
WINDOW_BITS = 4
WINDOW_OPTIONS = {5: (0, 1, 2, 3, 4), 3: (0, 2, 4), 2: (0, 4)}

WEIGHT_WIDTH = 8          # signed weights, -128..127
ACT_WIDTH_8 = 8           # unsigned activations, 0..255


def _check_int(name, value, minimum):
    # bool is an int subclass; True as a row count is a bug, not a 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")


@dataclass(frozen=True)
class SparqConfig:
    """Parameters of a SPARQ datapath or array, validated on construction.

    Parameters
    ----------
    datapath : str
        ``"sparq"``, ``"int8"`` or ``"a4w8"`` (see :data:`DATAPATHS`).
    options : int
        Number of allowed 4-bit window positions: 5 ({0..4}), 3 ({0,2,4}) or 2 ({0,4}).
        Only meaningful for ``datapath="sparq"``; must be left at 5 for the baselines.
    rounding : str
        ``"nearest-even"`` or ``"truncate"``. Only meaningful for ``sparq``; must be left at
        ``"nearest-even"`` for the baselines.
    rows, cols : int
        Array shape: ``rows`` activation rows by ``cols`` weight rows (output channels).
    max_k : int
        Largest reduction length the accumulators are sized for.

    Derived members (read-only properties): ``shifts``, ``act_width``, ``mant_width``,
    ``shift_width``, ``max_pairs``, ``acc_width``.
    """

    datapath: str = "sparq"
    options: int = 5
    rounding: str = "nearest-even"
    rows: int = 8
    cols: int = 8
    max_k: int = 1152

    def __post_init__(self):
        if not isinstance(self.datapath, str) or self.datapath not in DATAPATHS:
            raise ValueError(f"datapath must be one of {', '.join(DATAPATHS)}, not {self.datapath!r}")
        if isinstance(self.options, bool) or self.options not in WINDOW_OPTIONS:
            raise ValueError(f"options must be one of 5, 3, 2 (4-bit windows), not {self.options!r}")
        if not isinstance(self.rounding, str) or self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {self.rounding!r}")
        if self.datapath != "sparq" and (self.options != 5 or self.rounding != "nearest-even"):
            raise ValueError(
                f"options and rounding apply to the sparq datapath only; datapath {self.datapath!r} "
                f"got options={self.options!r}, rounding={self.rounding!r}")
        _check_int("rows", self.rows, 1)
        _check_int("cols", self.cols, 1)
        _check_int("max_k", self.max_k, 1)

    # -- derived widths ---------------------------------------------------------------------------

    @property
    def shifts(self):
        """Allowed window positions (bit index of the window's LSB)."""
        return WINDOW_OPTIONS[self.options]

    @property
    def act_width(self):
        """Width of one activation at the array's input: 8, or 4 for the naive ``a4w8`` baseline."""
        return 4 if self.datapath == "a4w8" else ACT_WIDTH_8

    @property
    def weight_width(self):
        return WEIGHT_WIDTH

    @property
    def mant_width(self):
        """Width of one multiplier's activation operand: 4 (sparq, a4w8) or 8 (int8)."""
        return ACT_WIDTH_8 if self.datapath == "int8" else WINDOW_BITS

    @property
    def shift_width(self):
        """Width of a binary shift amount 0..max(shifts)."""
        return max(self.shifts).bit_length()

    @property
    def max_pairs(self):
        """Pairs (cycles of one PE) in the longest tile: ceil(max_k / 2); odd K pairs the last with 0."""
        return (self.max_k + 1) // 2

    @property
    def max_act_value(self):
        """Largest value an activation contributes to a product (a lone SPARQ activation is exact)."""
        return (1 << self.act_width) - 1

    @property
    def acc_width(self):
        """Signed accumulator width such that no input of length <= max_k can overflow.

        Each of the K products lies in [-128 * max_act, 127 * max_act], so every partial sum lies in
        [-K * 128 * max_act, K * 127 * max_act]; the most negative bound needs the most bits.
        """
        bound = self.max_k * (1 << (WEIGHT_WIDTH - 1)) * self.max_act_value
        return bound.bit_length() + 1
