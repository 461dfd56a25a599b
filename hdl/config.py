"""One validated configuration that every hardware block reads.

All widths the RTL uses are derived here, from the parameters, so that the generator, the tests
and the synthesis reports agree on them.
"""

from dataclasses import dataclass, field, fields

from golden.sparq import DEFAULT_OPTIONS as _GOLDEN_DEFAULT_OPTIONS, LONE_WINDOW, WINDOWS
from golden.tags import NAIVE_WIDTHS

__all__ = ["SparqConfig", "Field", "FIELDS", "DATAPATHS", "ROUNDINGS", "WINDOW_OPTIONS", "WINDOW_BITS", "MAX_K",
           "MAX_PES", "MAX_SIDE", "INTERFACES", "BITS", "DEFAULT_OPTIONS", "WINDOW_SHIFTS",
           "NAIVE_WIDTHS", "STC_DATAPATHS", "STC_GROUP", "MAX_PAIRS"]

# NAIVE_WIDTHS (golden.tags): naive baselines ``a<N>w8``, N-bit activations (0..2**N - 1) times
# 8-bit weights, exact, on two N-bit x 8-bit multipliers; the baseline of the same activation
# width as a SPARQ window. The hardware has every one golden has.

#: PE datapaths. ``sparq``: two ``bits`` x 8b multipliers fed by the pair encoder; ``int8``: two
#: exact 8b x 8b multipliers (the A8W8 reference); ``a4w8``, ``a3w8``, ``a2w8``: two N-bit x 8b
#: multipliers fed with plain N-bit activations (naive N-bit, :data:`NAIVE_WIDTHS`).
DATAPATHS = ("sparq", "int8") + tuple(NAIVE_WIDTHS)

#: Port naming of the array's top level: ``native`` (Amaranth streams: ``clk``, ``rst``,
#: ``a__payload``/``a__valid``/``a__ready`` with ``last`` the payload's top bit) or ``axis``
#: (AXI4-Stream: ``aclk``, ``aresetn``, ``s_axis_a_tdata``/``tvalid``/``tready``/``tlast``, ...;
#: :class:`hdl.axis.AxisArray`).
INTERFACES = ("native", "axis")

#: Rounding of the bits dropped below the window (``truncate`` is the reference code's RAW mode).
ROUNDINGS = ("nearest-even", "truncate")

#: Window widths of the pair (both members non-zero) the hardware implements: every vSPARQ width of
#: the golden model (:data:`golden.sparq.LONE_WINDOW`), 4, 3 and 2.
BITS = tuple(LONE_WINDOW)

#: The allowed window positions (LSB bit index) per (bits, options), as in :data:`golden.sparq.WINDOWS`.
WINDOW_SHIFTS = {key: shifts for key, shifts in WINDOWS.items() if key[0] in BITS}

#: The option count ``options=None`` takes per window width (golden's: 4 -> 5, 3 -> 6, 2 -> 7).
DEFAULT_OPTIONS = {bits: _GOLDEN_DEFAULT_OPTIONS[bits] for bits in BITS}

#: The default window width, and the positions per option count of 4-bit windows.
WINDOW_BITS = 4
WINDOW_OPTIONS = {o: shifts for (b, o), shifts in WINDOW_SHIFTS.items() if b == WINDOW_BITS}

#: Datapaths with a 2:4 structured-sparse variant (``stc=True``), and the group length.
STC_DATAPATHS = ("sparq", "int8")
STC_GROUP = 4

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


@dataclass(frozen=True)
class Field:
    """What the project knows of one :class:`SparqConfig` field besides its type and default: the
    schema every consumer derives from (names, the ``sparq-rtl verilog`` flags and their help,
    the contract page's command lines, the sidecar, the block checks).

    Members
    -------
    blocks : tuple of str
        The blocks that take the field (:data:`hdl.blocks.BLOCKS` names); a non-default value on
        another block is refused (:func:`hdl.naming.check`), and so is its flag.
    metavar : str or None
        The flag's value in the help (``"R"``, ``"sparq|int8|..."``); None for a switch (a
        ``bool`` field, ``--flag`` sets it).
    help : str
        The flag's help text; the blocks that take it are appended by the command.
    tag : str or None
        The field's piece of the config tag, a format with ``{}`` for the value (``"-k{}"``,
        ``"x{}"``); a ``bool`` field's piece is the text itself (``"-stc"``), present when the
        field is set. A ``str`` field's piece appears only when its value is not the default
        (``-axis``); an ``int`` field's whenever the block takes the field. None: the field is
        part of the setting tag (:mod:`golden.tags`), not a piece of its own.
    strict : bool
        True: a value other than the default on a block that does not take the field is refused.
        False for the sizes a larger block hands down to its parts (an array builds its PEs and
        encoders from its own configuration, rows, cols and max_k included): a block ignores
        them.
    """
    blocks: tuple
    metavar: str
    help: str
    tag: str = None
    strict: bool = True

    @property
    def setting(self):
        """True for the fields the setting tag encodes (datapath, bits, options, rounding)."""
        return self.tag is None


# The block names the fields refer to (hdl.blocks is the table of the blocks themselves; a test
# checks that these agree with it).
_ALL_BLOCKS = ("window", "pair", "pe", "array", "dotprod")
_STREAM_BLOCKS = ("array", "dotprod")


def _field(default, blocks, metavar, help, tag=None, strict=True):
    return field(default=default, metadata={"sparq": Field(blocks, metavar, help, tag, strict)})


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
        ``"sparq"``, ``"int8"``, ``"a4w8"``, ``"a3w8"`` or ``"a2w8"`` (see :data:`DATAPATHS`).
    bits : int
        Window width of a pair whose members are both non-zero: 4, 3 or 2 (see :data:`BITS`).
        A lone activation (partner zero) gets the exact 8-bit value under 4-bit windows, a 6-bit
        window with 3 positions under 3-bit windows, a 4-bit window with 5 positions under 2-bit
        windows (``lone_bits``, ``lone_shifts``). Only meaningful for ``datapath="sparq"``; must be
        left at 4 for the baselines.
    options : int or None
        Number of allowed window positions: for ``bits=4`` 5 ({0..4}), 3 ({0,2,4}) or 2 ({0,4});
        for ``bits=3`` 6 ({0..5}); for ``bits=2`` 7 ({0..6}). ``None`` (the default) takes
        :data:`DEFAULT_OPTIONS` of ``bits`` and is stored as that number. Only meaningful for
        ``datapath="sparq"``; must be left at the default for the baselines.
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
    stc : bool
        ``True``: 2:4 structured-sparse weights (the sparse tensor engine's format, the golden
        model's ``stc=True``): weights arrive compressed, per output channel and aligned group of
        four reduction positions two 8-bit values and their 2-bit positions, and each PE takes a
        group of four per cycle (:class:`~hdl.stc_pe.StcProcessingElement`,
        :class:`~hdl.stc_array.StcArray`). Datapaths ``sparq`` and ``int8`` (the 2:4 baseline
        that multiplies the same two selected activations exactly); the PE and the array only.
    mul_pipe : bool
        ``True``: the PE's multiply stage is split over two register stages
        (:mod:`hdl.mul_stage`: for ``sparq`` a register after the two weight-selected half
        products, before their sum and the shift; for ``int8``/``a4w8`` between the two half
        products and their sum), one cycle more
        latency for a shorter critical path; the PE, the array and the dot-product unit (naming
        tag ``-pipe``).
    dsp_pack : bool
        ``True``: the dot-product unit computes the slot products of two columns with one
        multiply, the two selected weights packed on its wide operand
        (:class:`~hdl.packed_mul.PackedMultiplier`), so that a DSP block takes two SPARQ
        products; ``sparq`` with 4-bit windows and block ``dotprod`` only (naming tag ``-pack``).
    pairs : int
        Pairs of reduction positions the dot-product unit (:class:`hdl.dotprod.DotProduct`)
        takes per cycle (a chunk of ``2 * pairs`` positions), 1..:data:`MAX_PAIRS`, default 4.
        Only meaningful for block ``dotprod`` (:func:`hdl.naming.check` refuses another value on
        the other blocks).

    Every field is checked on construction: ``TypeError`` when an integer field is not an ``int``
    (``bool`` and ``5.0`` are refused), ``ValueError`` when a value is out of range; the message
    names the field and the value.

    Derived members (read-only properties): ``shifts``, ``lone_bits``, ``lone_shifts``,
    ``act_width``, ``mant_width``, ``shift_width``, ``k_per_transfer``, ``max_act_value``,
    ``acc_width``. What one block derives for itself lives with the block: the PE's latency and
    longest tile (:func:`hdl.pe.latency`, :func:`hdl.pe.max_pairs`, :func:`hdl.pe.max_products`),
    the dot-product unit's (:mod:`hdl.dotprod`).
    """

    # The fields in config-tag order (hdl.naming): the setting (datapath, bits, options,
    # rounding), the size, then the options. Each field's Field record is the schema: which blocks
    # take it, its sparq-rtl flag, its piece of the config tag.
    datapath: str = _field(
        "sparq", _ALL_BLOCKS, "|".join(DATAPATHS),
        "multiplier datapath (window and pair are sparq only; default sparq)")
    bits: int = _field(
        WINDOW_BITS, _ALL_BLOCKS, "|".join(map(str, BITS)),
        "window width of a pair (sparq; default 4)")
    options: int = _field(
        None, _ALL_BLOCKS, "|".join(str(o) for _, o in WINDOW_SHIFTS),
        "window positions: 4-bit 5 {0..4}, 3 {0,2,4}, 2 {0,4}; 3-bit 6 {0..5}; 2-bit 7 {0..6} "
        "(default 5, 6, 7 for 4, 3, 2 bits)")
    rounding: str = _field(
        "nearest-even", _ALL_BLOCKS, "|".join(ROUNDINGS),
        "rounding below the window (default nearest-even)")
    rows: int = _field(
        8, _STREAM_BLOCKS, "R", "array rows / dotprod output rows M (array: default 8; dotprod: 4)",
        tag="-{}", strict=False)
    cols: int = _field(
        8, _STREAM_BLOCKS, "C", "array columns / dotprod output columns N (array: default 8; "
        "dotprod: 4)", tag="x{}", strict=False)
    pairs: int = _field(
        4, ("dotprod",), "P", "pairs of reduction positions per cycle (default 4)", tag="p{}")
    max_k: int = _field(
        1152, ("pe", "array", "dotprod"), "K",
        "largest reduction length the accumulators hold (default 1152)", tag="-k{}",
        strict=False)
    stc: bool = _field(
        False, ("pe", "array"), None,
        "2:4 structured-sparse weights (datapath sparq or int8): weights arrive compressed, two "
        "values and their positions per group of four", tag="-stc")
    mul_pipe: bool = _field(
        False, ("pe", "array", "dotprod"), None,
        "split the multiply stage over two register stages: one cycle more latency, a shorter "
        "critical path", tag="-pipe")
    dsp_pack: bool = _field(
        False, ("dotprod",), None,
        "compute two columns' products with one multiply, their weights packed on its wide "
        "operand, so a DSP block takes two (sparq with 4-bit windows)", tag="-pack")
    skid: bool = _field(
        False, _STREAM_BLOCKS, None,
        "a skid buffer on each input stream: a.ready and b.ready become register outputs, "
        "independent of every input of the same cycle", tag="-skid")
    interface: str = _field(
        "native", _STREAM_BLOCKS, "|".join(INTERFACES),
        "port naming: native streams (default) or AXI4-Stream (aclk, aresetn, s_axis_a_t*, "
        "s_axis_b_t*, m_axis_c_t*)", tag="-{}")

    def __post_init__(self):
        if not isinstance(self.datapath, str) or self.datapath not in DATAPATHS:
            raise ValueError(f"datapath must be one of {', '.join(DATAPATHS)}, not {self.datapath!r}")
        if not isinstance(self.bits, int) or isinstance(self.bits, bool):
            raise TypeError(f"bits must be an integer, not {self.bits!r}")
        if self.bits not in BITS:
            raise ValueError(f"bits must be one of {', '.join(map(str, BITS))}, not {self.bits!r}")
        if self.options is None:
            # Stored as the number, so that SparqConfig(bits=3) == SparqConfig(bits=3, options=6).
            object.__setattr__(self, "options", DEFAULT_OPTIONS[self.bits])
        if not isinstance(self.options, int) or isinstance(self.options, bool):
            # 5.0 == 5 would pass the membership test below and end up in module names as "o5.0".
            raise TypeError(f"options must be an integer, not {self.options!r}")
        if (self.bits, self.options) not in WINDOW_SHIFTS:
            allowed = ", ".join(str(o) for (b, o) in WINDOW_SHIFTS if b == self.bits)
            raise ValueError(f"options must be one of {allowed} ({self.bits}-bit windows), not "
                             f"{self.options!r}")
        if not isinstance(self.rounding, str) or self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {self.rounding!r}")
        if self.datapath != "sparq" and (self.bits != WINDOW_BITS or self.options != 5
                                         or self.rounding != "nearest-even"):
            raise ValueError(
                f"bits, options and rounding apply to the sparq datapath only; datapath "
                f"{self.datapath!r} got bits={self.bits!r}, options={self.options!r}, "
                f"rounding={self.rounding!r}")
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
        for f in fields(self):
            if f.type in (bool, "bool") and not isinstance(getattr(self, f.name), bool):
                # 1 == True would make an equal but differently printed config.
                raise TypeError(f"{f.name} must be a bool, not {getattr(self, f.name)!r}")
        if self.stc and self.datapath not in STC_DATAPATHS:
            raise ValueError(f"stc (2:4 sparse weights) applies to datapath "
                             f"{' and '.join(STC_DATAPATHS)} only, not {self.datapath!r}")
        if self.dsp_pack and (self.datapath != "sparq" or self.bits != WINDOW_BITS):
            # The packing's field stride holds a 4-bit mantissa's product (hdl.packed_mul.FIELD).
            raise ValueError(f"dsp_pack applies to datapath 'sparq' with 4-bit windows only, not "
                             f"datapath {self.datapath!r} with bits={self.bits!r}")
        _check_int("pairs", self.pairs, 1, MAX_PAIRS)

    # -- derived widths ---------------------------------------------------------------------------

    @property
    def shifts(self):
        """Allowed window positions (bit index of the window's LSB)."""
        return WINDOW_SHIFTS[self.bits, self.options]

    @property
    def lone_bits(self):
        """Width of a lone activation's mantissa (partner zero): 8 (the exact value) for 4-bit
        windows, 6 for 3-bit, 4 for 2-bit (:data:`golden.sparq.LONE_WINDOW`)."""
        lone = LONE_WINDOW[self.bits]
        return ACT_WIDTH_8 if lone is None else lone[0]

    @property
    def lone_shifts(self):
        """Allowed positions of a lone activation's window: (0,) (exact) for 4-bit windows,
        (0, 1, 2) for 3-bit, (0, 1, 2, 3, 4) for 2-bit."""
        lone = LONE_WINDOW[self.bits]
        return (0,) if lone is None else WINDOWS[lone]

    @property
    def act_width(self):
        """Width of one activation at the array's input: 8, or N for a naive ``aNw8`` baseline."""
        return NAIVE_WIDTHS.get(self.datapath, ACT_WIDTH_8)

    @property
    def weight_width(self):
        return WEIGHT_WIDTH

    @property
    def mant_width(self):
        """Width of one multiplier's activation operand: ``bits`` (sparq), N (``aNw8``) or 8 (int8)."""
        if self.datapath == "sparq":
            return self.bits
        return self.act_width

    @property
    def shift_width(self):
        """Width of a binary shift amount 0..max(shifts)."""
        return max(self.shifts).bit_length()

    @property
    def k_per_transfer(self):
        """Reduction positions per stream transfer and PE cycle: 2 (a pair), 4 with ``stc`` (a
        group of four, of which at most two have non-zero weights)."""
        return STC_GROUP if self.stc else 2

    @property
    def max_act_value(self):
        """Largest activation at the input, 255 or ``2**N - 1`` for ``aNw8``; also a bound on the
        value any activation contributes to a product.

        For ``sparq`` every contribution ``mant << shift`` is at most 255: a 4-bit lone activation
        is exact (255), every other window tops out below 256 (3-bit lone, 6-bit window:
        ``63 << 2 = 252``; 2-bit lone, 4-bit window: ``15 << 4 = 240``; pair windows ``15 << 4``,
        ``7 << 5``, ``3 << 6``), although a lone mantissa has more bits than ``bits``
        (``hdl/tests/test_config.py`` checks this over all 65,536 pairs of every setting).
        """
        return (1 << self.act_width) - 1

    @property
    def acc_width(self):
        """Signed width of a PE's accumulator (the PE's and the array's; the dot-product unit
        sizes its own, :func:`hdl.dotprod.acc_width`) such that no tile the array accepts can
        overflow it.

        A tile carries at most :func:`hdl.pe.max_products` products (``max_k``, rounded up to
        whole transfers), each in [-128 * max_act, 127 * max_act], so every partial sum lies in
        [-P * 128 * max_act, P * 127 * max_act]; the most negative bound needs the most bits.
        """
        max_products = 2 * -(-self.max_k // self.k_per_transfer)     # hdl.pe.max_products
        bound = max_products * (1 << (WEIGHT_WIDTH - 1)) * self.max_act_value
        return bound.bit_length() + 1


#: The schema of the configuration fields: ``{name: Field}`` in config-tag order.
FIELDS = {f.name: f.metadata["sparq"] for f in fields(SparqConfig)}
