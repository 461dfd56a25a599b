"""One validated configuration that every hardware block reads.

All widths the RTL uses are derived here, from the parameters, so that the generator, the tests
and the synthesis reports agree on them.
"""

from dataclasses import dataclass

__all__ = ["SparqConfig", "DATAPATHS", "ROUNDINGS", "WINDOW_OPTIONS", "WINDOW_BITS", "MAX_K",
           "MAX_PES", "MAX_SIDE", "INTERFACES", "MAX_PAIRS"]

#: PE datapaths. ``sparq``: two 4b x 8b multipliers fed by the pair encoder; ``int8``: two exact
#: 8b x 8b multipliers (the A8W8 reference); ``a4w8``: two 4b x 8b multipliers fed with plain 4-bit
#: activations (naive 4-bit).
DATAPATHS = ("sparq", "int8", "a4w8")

#: Port naming of the array's top level: ``native`` (Amaranth streams: ``clk``, ``rst``,
#: ``a__payload``/``a__valid``/``a__ready`` with ``last`` the payload's top bit) or ``axis``
#: (AXI4-Stream: ``aclk``, ``aresetn``, ``s_axis_a_tdata``/``tvalid``/``tready``/``tlast``, ...;
#: :class:`hdl.axis.AxisArray`).
INTERFACES = ("native", "axis")

#: Rounding of the bits dropped below the window (``truncate`` is the reference code's RAW mode).
ROUNDINGS = ("nearest-even", "truncate")

#: The hardware implements 4-bit windows; the allowed window positions (LSB bit index) per option count.
WINDOW_BITS = 4
WINDOW_OPTIONS = {5: (0, 1, 2, 3, 4), 3: (0, 2, 4), 2: (0, 4)}

WEIGHT_WIDTH = 8          # signed weights, -128..127
ACT_WIDTH_8 = 8           # unsigned activations, 0..255

#: Largest ``max_k``: 2**20 = 1,048,576, far beyond any layer's reduction (a 3x3 convolution over
#: 2,048 channels is K = 18,432). It keeps the accumulator at most 36 bits (``acc_width`` of
#: ``-2**20 * 128 * 255``), every result and partial sum exact in the golden model's float64
#: product (below 2**53), and the module names and port widths of a sane size.
MAX_K = 1 << 20

#: Largest array, ``rows * cols`` PEs: 1,024 (32 x 32). Elaboration time and memory grow with the
#: number of PEs: generating a 32 x 32 array (11 MB of Verilog) takes about 40 s of CPU and 0.7 GB
#: on the 2-core development machine, so 1000 x 1000, a thousand times as many PEs, would not
#: finish in any useful time or memory.
MAX_PES = 1024

#: Largest ``rows`` and largest ``cols``: 64. The edge skew registers grow with the square of each
#: side (row r is delayed r cycles, column c by c), so a thin array costs more than its PE count
#: says: 1 x 256 (256 PEs, 32,640 skew registers) takes 52 s of CPU and 1.2 GB, more than 32 x 32.
#: With both limits the costliest shapes allowed, 16 x 64 and 64 x 16, take about what 32 x 32
#: takes (16 x 64: 39 s of CPU, 0.74 GB).
MAX_SIDE = 64

#: Largest ``pairs`` of the dot-product unit (:mod:`hdl.dotprod`): 32 pairs, a chunk of 64
#: reduction positions per cycle, twice the widest Tensor-Core-like step the unit models (the
#: block's size limit, ``rows * cols * pairs`` pair multipliers, is checked by
#: :func:`hdl.naming.check`).
MAX_PAIRS = 32


def _check_int(name, value, minimum, maximum=None):
    # bool is an int subclass; True as a row count is a bug, not a 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, not {value!r}")


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
        Array shape: ``rows`` activation rows by ``cols`` weight rows (output channels); each
        1..:data:`MAX_SIDE`, and at most :data:`MAX_PES` PEs in all.
    max_k : int
        Largest reduction length the accumulators are sized for, 1..:data:`MAX_K`.
    interface : str
        The array's port naming, ``"native"`` or ``"axis"`` (see :data:`INTERFACES`); the array
        only (:mod:`hdl.generate` refuses ``"axis"`` for the other blocks).
    skid : bool
        ``True``: a :class:`~hdl.skid.SkidBuffer` on each input stream of the array, so that
        ``a.ready`` and ``b.ready`` are register outputs (no combinational path from any input);
        the array only, like ``interface``.
    pairs : int
        Pairs of reduction positions the dot-product unit (:class:`hdl.dotprod.DotProduct`)
        takes per cycle (a chunk of ``2 * pairs`` positions), 1..:data:`MAX_PAIRS`, default 4.
        Only meaningful for block ``dotprod`` (:func:`hdl.naming.check` refuses another value on
        the other blocks).

    Every field is checked on construction: ``TypeError`` when an integer field is not an ``int``
    (``bool`` and ``5.0`` are refused), ``ValueError`` when a value is out of range; the message
    names the field and the value.

    Derived members (read-only properties): ``shifts``, ``act_width``, ``mant_width``,
    ``shift_width``, ``max_pairs``, ``acc_width``.
    """

    datapath: str = "sparq"
    options: int = 5
    rounding: str = "nearest-even"
    rows: int = 8
    cols: int = 8
    max_k: int = 1152
    interface: str = "native"
    skid: bool = False
    pairs: int = 4

    def __post_init__(self):
        if not isinstance(self.datapath, str) or self.datapath not in DATAPATHS:
            raise ValueError(f"datapath must be one of {', '.join(DATAPATHS)}, not {self.datapath!r}")
        if not isinstance(self.options, int) or isinstance(self.options, bool):
            # 5.0 == 5 would pass the membership test below and end up in module names as "o5.0".
            raise TypeError(f"options must be an integer, not {self.options!r}")
        if self.options not in WINDOW_OPTIONS:
            raise ValueError(f"options must be one of 5, 3, 2 (4-bit windows), not {self.options!r}")
        if not isinstance(self.rounding, str) or self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {self.rounding!r}")
        if self.datapath != "sparq" and (self.options != 5 or self.rounding != "nearest-even"):
            raise ValueError(
                f"options and rounding apply to the sparq datapath only; datapath {self.datapath!r} "
                f"got options={self.options!r}, rounding={self.rounding!r}")
        _check_int("rows", self.rows, 1)
        _check_int("cols", self.cols, 1)
        if self.rows * self.cols > MAX_PES:
            raise ValueError(f"rows * cols must be at most {MAX_PES} PEs (elaboration time and "
                             f"memory grow with the array), not {self.rows} x {self.cols} = "
                             f"{self.rows * self.cols}")
        _check_int("rows", self.rows, 1, MAX_SIDE)
        _check_int("cols", self.cols, 1, MAX_SIDE)
        _check_int("max_k", self.max_k, 1, MAX_K)
        if not isinstance(self.interface, str) or self.interface not in INTERFACES:
            raise ValueError(f"interface must be one of {', '.join(INTERFACES)}, not "
                             f"{self.interface!r}")
        if not isinstance(self.skid, bool):
            # 1 == True would make an equal but differently printed config.
            raise TypeError(f"skid must be a bool, not {self.skid!r}")
        _check_int("pairs", self.pairs, 1, MAX_PAIRS)

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
