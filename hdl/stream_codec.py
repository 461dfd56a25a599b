"""The stream contract of the systolic array and of the dot-product unit in NumPy: payload words
of ``a``, ``b``, ``c``, and the result a tile must give.

:class:`ArrayCodec` packs tiles into the payload words of the array's streams and unpacks words
back into values. Where each value sits is not stated here: it is read once from the RTL's own
payload layouts (:func:`hdl.array.a_layout`, :func:`~hdl.array.b_layout`,
:func:`~hdl.array.c_layout`, Amaranth ``lib.data`` layouts), by walking them to the bit offset of
every ``data[...]`` element and of ``last``. The codec therefore follows the layouts if they ever
change, and the tests compare its words with the integers Amaranth itself builds from the layouts.

:class:`DotProductCodec` does the same for the dot-product unit (:mod:`hdl.dotprod`), from its
layouts; :func:`codec_for` picks the codec of a block. :func:`reference` is the golden result of
one tile for a configuration's datapath.

Every driver of the array (the Amaranth simulation in ``hdl/tests``, the cocotb benches in ``tb``,
the hardware-in-the-loop run in ``evaluation``) packs and checks through these two, so the payload
format and the reference arithmetic are written once.
"""

import numpy as np
from amaranth import Shape
from amaranth.lib import data

import golden
from golden.sparse import compress_2to4, check_2to4, expand_2to4

from .array import a_layout, b_layout, c_layout
from .config import SparqConfig
from .layouts import operand_layout, weight_layout

__all__ = ["PayloadCodec", "FieldsCodec", "ArrayCodec", "DotProductCodec", "ProcessingElementCodec",
           "CODECS", "codec_for", "reference"]


def _leaves(shape, offset=0, index=()):
    # (index, bit offset, Shape) of every element of a tree of ArrayLayouts (and StructLayouts,
    # whose field names join the index as strings) over plain shapes.
    if isinstance(shape, data.ArrayLayout):
        for i in range(shape.length):
            field = shape[i]
            yield from _leaves(field.shape, offset + field.offset, index + (i,))
    elif isinstance(shape, data.StructLayout):
        for name, field in shape:
            yield from _leaves(field.shape, offset + field.offset, index + (name,))
    elif isinstance(shape, data.Layout):
        raise TypeError(f"payload data must be arrays of plain shapes, not {shape!r}")
    else:
        yield index, offset, Shape.cast(shape)


class PayloadCodec:
    """Words of one stream whose payload is ``StructLayout({"data": <array>, "last": 1})``, the
    array an ``ArrayLayout`` (possibly nested) of one plain shape.

    Built from the layout: ``lanes`` (the index shape of ``data``, e.g. ``(rows, 2)``),
    ``field_width`` and ``signed`` (the element shape, the same for every element), ``offsets``
    (int array of shape ``lanes``: bit offset of each element in the word), ``last_offset`` and
    ``width`` (the payload's bits). A word is a Python int (payloads may be wider than 64 bits).

    ``field``: for data whose elements are structures (the 2:4 array's compressed weights), the
    codec of one structure field: only the elements under that field name, indexed without it.
    """

    def __init__(self, layout, field=None):
        if (not isinstance(layout, data.StructLayout)
                or set(dict(layout.members)) != {"data", "last"}):
            raise TypeError(f"payload layout must be a StructLayout of data and last, "
                            f"not {layout!r}")
        if Shape.cast(layout["last"].shape).width != 1:
            raise TypeError(f"last must be 1 bit wide, not {layout['last'].shape!r}")
        self.layout = layout
        self.width = layout.size
        self.last_offset = layout["last"].offset
        leaves = list(_leaves(layout["data"].shape, layout["data"].offset))
        if field is not None:
            leaves = [(tuple(i for i in index if i != field), offset, shape)
                      for index, offset, shape in leaves if field in index]
            if not leaves:
                raise TypeError(f"payload data has no field {field!r}")
        if any(isinstance(i, str) for index, _, _ in leaves for i in index):
            raise TypeError("payload data elements are structures: give the field to code")
        shapes = {s for _, _, s in leaves}
        if len(shapes) != 1:
            raise TypeError(f"payload data elements must share one shape, not "
                            f"{sorted(map(repr, shapes))}")
        (shape,) = shapes
        if not 1 <= shape.width <= 63:
            raise TypeError(f"payload elements of {shape.width} bits do not fit int64 values")
        self.field_width, self.signed = shape.width, shape.signed
        self.lanes = tuple(int(n) + 1 for n in np.max([i for i, _, _ in leaves], axis=0))
        if len(leaves) != np.prod(self.lanes):
            raise TypeError(f"payload data must be a full array, not {layout['data'].shape!r}")
        self.offsets = np.zeros(self.lanes, dtype=np.int64)
        for i, offset, _ in leaves:
            self.offsets[i] = offset
        # Bit positions of every element's bits, element by element: (elements, field_width).
        self._columns = self.offsets.reshape(-1, 1) + np.arange(self.field_width)
        self._nbytes = (self.width + 7) // 8
        # Elements of 1, 2 or 4 whole aligned bytes are read from the word's bytes directly.
        self._byte_columns = None
        if self.field_width in (8, 16, 32) and not (self.offsets % 8).any():
            self._byte_columns = (self.offsets.reshape(-1, 1) // 8
                                  + np.arange(self.field_width // 8))
        if self.signed:
            self.min, self.max = -(1 << (shape.width - 1)), (1 << (shape.width - 1)) - 1
        else:
            self.min, self.max = 0, (1 << shape.width) - 1

    def pack(self, values, last):
        """Words of ``n`` transfers: ``values`` integers of shape ``(n, *lanes)``, ``last`` ``n``
        flags. Returns a list of ``n`` ints. Raises ValueError for a value outside the element's
        range (signed elements are written in two's complement)."""
        values = np.asarray(values)
        last = np.asarray(last).reshape(-1)
        n = len(last)
        if values.shape != (n, *self.lanes):
            raise ValueError(f"values must have shape {(n, *self.lanes)}, not {values.shape}")
        if not np.issubdtype(values.dtype, np.integer):
            raise TypeError(f"values must be integers, not {values.dtype}")
        if values.size and (values.min() < self.min or values.max() > self.max):
            raise ValueError(f"payload elements must lie in {self.min}..{self.max}, not "
                             f"{values.min()}..{values.max()}")
        # Each element's bits, LSB first: two's complement bytes of int64, unpacked.
        raw = values.reshape(n, self.offsets.size).astype("<i8").view(np.uint8).reshape(n, -1, 8)
        element_bits = np.unpackbits(raw, axis=-1, bitorder="little")[:, :, :self.field_width]
        bits = np.zeros((n, self._nbytes * 8), dtype=np.uint8)
        bits[:, self._columns] = element_bits
        bits[:, self.last_offset] = last != 0
        return self._to_ints(bits)

    def _to_ints(self, bits):
        buffer = np.packbits(bits, axis=1, bitorder="little").tobytes()
        step = self._nbytes
        return [int.from_bytes(buffer[i:i + step], "little") for i in range(0, len(buffer), step)]

    def raw(self, words):
        """``(n, ceil(width/8))`` uint8 array, the little-endian bytes of each of ``words``: ints,
        or binary strings MSB first as a simulator shows a signal (``str(handle.value)``), or those
        strings' characters as an ``(n, width)`` uint8 array (columns cut from wider strings).
        Raises ValueError for a string holding anything but 0/1 (X, Z) or of the wrong width, or
        for an int outside 0..2**width-1."""
        if isinstance(words, np.ndarray) and words.dtype == np.uint8 and words.ndim == 2:
            return self._raw_from_chars(words)
        words = list(words)
        n = len(words)
        if n and isinstance(words[0], str):
            text = "".join(words).encode()
            if len(text) != n * self.width:
                raise ValueError(f"payload holds X/Z or is not {self.width} bits wide: {words[:1]}")
            return self._raw_from_chars(np.frombuffer(text, dtype=np.uint8).reshape(n, -1))
        try:
            raw = b"".join(int(w).to_bytes(self._nbytes, "little") for w in words)
        except OverflowError:
            raise ValueError(f"payload words must be integers in 0..2**{self.width}-1") from None
        raw = np.frombuffer(raw, dtype=np.uint8).reshape(n, self._nbytes)
        if self.width % 8 and n and (raw[:, -1] >> (self.width % 8)).any():
            raise ValueError(f"payload words must be integers in 0..2**{self.width}-1")
        return raw

    def _raw_from_chars(self, chars):
        n = len(chars)
        if chars.shape[1] != self.width or ((chars != ord("0")) & (chars != ord("1"))).any():
            raise ValueError(f"payload holds X/Z or is not {self.width} bits wide: "
                             f"{bytes(chars[:1].ravel()).decode(errors='replace')!r}")
        bits = np.zeros((n, self._nbytes * 8), dtype=np.uint8)
        bits[:, :self.width] = (chars - ord("0"))[:, ::-1]
        return np.packbits(bits, axis=1, bitorder="little")

    def unpack(self, words):
        """Inverse of :meth:`pack`: ``(values int64 (n, *lanes), last int64 (n,))`` of ``words``
        (ints or binary strings, see :meth:`raw`); signed elements come out negative."""
        raw = self.raw(words)
        n = len(raw)
        last = (raw[:, self.last_offset // 8] >> (self.last_offset % 8)) & 1
        if self._byte_columns is not None:
            # Whole bytes (the 8-bit elements): one gather and a view, no bit matrix.
            dtype = f"<{'i' if self.signed else 'u'}{self.field_width // 8}"
            values = np.ascontiguousarray(raw[:, self._byte_columns]).view(dtype)
        else:
            bits = np.unpackbits(raw, axis=1, bitorder="little")
            element_bits = bits[:, self._columns]                  # (n, elements, field_width)
            full = np.zeros((n, element_bits.shape[1], 64), dtype=np.uint8)
            full[:, :, :self.field_width] = element_bits
            if self.signed:                                       # sign extension to 64 bits
                full[:, :, self.field_width:] = element_bits[:, :, -1:]
            values = np.packbits(full, axis=-1, bitorder="little").view("<i8")
        return values.reshape(n, *self.lanes).astype(np.int64), last.astype(np.int64)


class FieldsCodec:
    """Words of one stream whose data elements are structures: one :class:`PayloadCodec` per
    field (``fields``, by name), all over the same words. ``width`` and ``last_offset`` as a
    PayloadCodec's; :meth:`pack` and :meth:`unpack` take and give ``{field: values}``."""

    def __init__(self, layout, names):
        self.fields = {name: PayloadCodec(layout, field=name) for name in names}
        first = next(iter(self.fields.values()))
        self.layout, self.width, self.last_offset = layout, first.width, first.last_offset

    def pack(self, values, last):
        """Words of ``n`` transfers: ``values`` ``{field: integers (n, *lanes)}``."""
        if set(values) != set(self.fields):
            raise ValueError(f"values must give the fields {sorted(self.fields)}, not "
                             f"{sorted(values)}")
        words = [0] * len(np.asarray(last).reshape(-1))
        for name, codec in self.fields.items():
            # Every field codec sets the same last bit; the fields' bits are disjoint.
            words = [w | v for w, v in zip(words, codec.pack(values[name], last))]
        return words

    def unpack(self, words):
        """``({field: values int64 (n, *lanes)}, last int64 (n,))`` of ``words``."""
        words = words if isinstance(words, np.ndarray) else list(words)
        out = {name: codec.unpack(words) for name, codec in self.fields.items()}
        last = next(iter(out.values()))[1]
        return {name: values for name, (values, _) in out.items()}, last


class ArrayCodec:
    """Payload words of a :class:`~hdl.array.SystolicArray`'s streams for ``config``, tile by tile.

    A tile is ``A`` (rows x K activations, 0..``config.max_act_value``) and ``B`` (cols x K
    weights, -128..127); on ``a`` and ``b`` it is ``ceil(K/2)`` transfers, transfer ``i`` carrying
    reduction positions ``2i`` and ``2i+1``, an odd K padded with activation 0 and weight 0, and
    ``last`` set on the final transfer only. On ``c`` a tile is ``rows`` transfers, row ``r``
    carrying ``C[r, 0..cols-1]`` (signed), ``last`` on the final row.

    With ``config.stc`` (the 2:4 array, :class:`~hdl.stc_array.StcArray`): transfer ``i``
    carries the aligned group of positions ``4i..4i+3`` (a K that is not a multiple of 4 padded
    with zeros); ``A`` goes as is, ``B`` (2:4 sparse, checked) compressed by
    :func:`golden.sparse.compress_2to4` into each column's two values and positions, and
    :meth:`unpack_b` expands the words back into the dense ``B``.

    Members ``a``, ``b``, ``c``: the :class:`PayloadCodec` of each stream (``b`` a
    :class:`FieldsCodec` of ``value`` and ``pos`` with ``stc``), for transfer-level words (any
    ``last`` framing).
    """

    #: The block whose streams these are (:data:`hdl.naming.BLOCKS`).
    block = "array"

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        self.config = config
        layouts = self._layouts(config)
        self.a = PayloadCodec(layouts[0])
        if config.stc:
            self.b = FieldsCodec(layouts[1], ("value", "pos"))
            b_codecs = self.b.fields
        else:
            self.b = PayloadCodec(layouts[1])
            b_codecs = {"b": self.b}
        self.c = PayloadCodec(layouts[2])
        # The tile-level methods below read the data as (rows | cols) x (reduction positions of
        # one transfer, in order); the compressed 2:4 weights as cols x (the group's two values
        # or positions).
        chunk = self._chunk(config)
        b_lanes = (config.cols, 2) if config.stc else (config.cols, *chunk)
        expected = {"a": (self.a, (config.rows, *chunk)), "c": (self.c, (config.cols,))}
        expected |= {name: (codec, b_lanes) for name, codec in b_codecs.items()}
        for name, (codec, lanes) in expected.items():
            if codec.lanes != lanes:
                raise TypeError(f"payload {name} has lanes {codec.lanes}, not {lanes}")
        #: Reduction positions one transfer of ``a``/``b`` carries (2 for the array, 4 for the
        #: 2:4 array).
        self.positions = int(np.prod(chunk))

    @staticmethod
    def _layouts(config):
        return a_layout(config), b_layout(config), c_layout(config)

    @staticmethod
    def _chunk(config):
        # Index shape of one row's reduction positions in a transfer: one pair, or with stc one
        # group of four.
        return (config.k_per_transfer,)

    def transfers(self, k):
        """Transfers of a tile of reduction length ``k``: ``ceil(k / positions)``."""
        return -(-k // self.positions)

    def _pack_tile(self, codec, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] != codec.lanes[0] or x.shape[1] < 1:
            raise ValueError(f"a tile operand must have shape ({codec.lanes[0]}, K >= 1), "
                             f"not {x.shape}")
        lanes, k = x.shape
        p = self.transfers(k)
        padded = np.zeros((lanes, self.positions * p), dtype=x.dtype)
        padded[:, :k] = x
        return codec.pack(np.moveaxis(padded.reshape(lanes, p, *codec.lanes[1:]), 1, 0),
                          np.arange(p) == p - 1)

    @staticmethod
    def _unpack_tile(codec, words):
        values, last = codec.unpack(words)
        return np.moveaxis(values, 0, 1).reshape(codec.lanes[0], -1), last

    def pack_a(self, A):
        """Words of ``a`` for one tile: ``A`` rows x K -> :meth:`transfers` ints."""
        return self._pack_tile(self.a, A)

    def pack_b(self, B):
        """Words of ``b`` for one tile: ``B`` cols x K -> :meth:`transfers` ints; with ``stc``
        ints of compressed groups (ValueError naming the output channel and group when ``B`` is
        not 2:4 sparse)."""
        if not self.config.stc:
            return self._pack_tile(self.b, B)
        B = np.asarray(B)
        cols = self.config.cols
        if B.ndim != 2 or B.shape[0] != cols or B.shape[1] < 1:
            raise ValueError(f"a tile operand must have shape ({cols}, K >= 1), not {B.shape}")
        values, positions = compress_2to4(B)                # (cols, G, 2) each
        p = values.shape[1]
        return self.b.pack({"value": values.transpose(1, 0, 2), "pos": positions.transpose(1, 0, 2)},
                           np.arange(p) == p - 1)

    def unpack_a(self, words):
        """``(A rows x (positions * n) int64, last (n,))`` of ``n`` words of ``a`` (ints or
        binary strings); the zero padding past K is in the final columns."""
        return self._unpack_tile(self.a, words)

    def unpack_b(self, words):
        """``(B cols x (positions * n) int64, last (n,))`` of ``n`` words of ``b``; with ``stc``
        the dense ``B`` cols x 4n expanded from the compressed groups
        (:func:`golden.sparse.expand_2to4`: ValueError for two non-zero values at one position)."""
        if not self.config.stc:
            return self._unpack_tile(self.b, words)
        fields, last = self.b.unpack(words)
        values, positions = (fields[f].transpose(1, 0, 2) for f in ("value", "pos"))
        return expand_2to4(values, positions, 4 * values.shape[1]), last

    def pack_c(self, C):
        """Words of ``c`` for one tile's result ``C`` (rows x cols): ``rows`` ints, last on the
        final row (what the array must send)."""
        C = np.asarray(C)
        rows = self.config.rows
        if C.shape != (rows, self.config.cols):
            raise ValueError(f"C must have shape ({rows}, {self.config.cols}), not {C.shape}")
        return self.c.pack(C, np.arange(rows) == rows - 1)

    def unpack_c(self, words):
        """``(values n x cols int64, last (n,))`` of ``n`` words of ``c`` (ints or binary
        strings, MSB first; ValueError for X/Z or a wrong width)."""
        return self.c.unpack(words)


class DotProductCodec(ArrayCodec):
    """Payload words of a :class:`~hdl.dotprod.DotProduct`'s streams for ``config``, tile by tile.

    The same tile-level interface as :class:`ArrayCodec`, with the offsets read from the unit's
    layouts (:func:`hdl.dotprod.a_layout`, :func:`~hdl.dotprod.b_layout`,
    :func:`~hdl.dotprod.c_layout`): on ``a`` and ``b`` a tile is ``ceil(K / (2 * pairs))``
    transfers, transfer ``t`` carrying reduction positions ``2*pairs*t .. 2*pairs*t + 2*pairs -
    1`` of every row (lanes ``(rows | cols, pairs, 2)``), positions past K padded with activation
    0 and weight 0; ``c`` is as the array's (``rows`` transfers, one result row each, ``last`` on
    the final row), its elements ``hdl.dotprod.acc_width`` bits wide.
    """

    block = "dotprod"

    @staticmethod
    def _layouts(config):
        from . import dotprod
        return dotprod.a_layout(config), dotprod.b_layout(config), dotprod.c_layout(config)

    @staticmethod
    def _chunk(config):
        return (config.pairs, 2)


class ProcessingElementCodec:
    """Operand words of a :class:`~hdl.pe.ProcessingElement` for one 1 x K tile, pair by pair.

    The PE has no stream: every cycle it registers one activation operand ``a_in``
    (:func:`hdl.layouts.operand_layout`) and one weight pair ``b_in``
    (:func:`hdl.layouts.weight_layout`).
    A tile ``a`` (1 x K activations, 0..``config.max_act_value``) and ``b`` (1 x K weights,
    -128..127) is ``ceil(K/2)`` cycles, cycle ``i`` carrying reduction positions ``2i`` and
    ``2i+1`` (an odd K padded with activation 0 and weight 0), as on the array's streams. The
    ``sparq`` operand is the encoded pair of :func:`golden.pair_slots` (the reference's slot view,
    what the array's pair encoder gives the PE); the other datapaths' is the raw pair. Bit offsets
    are read from the layouts, as :class:`PayloadCodec` reads the array's. Not for the 2:4 PE
    (``config.stc``: its operand is a raw group of four, encoded inside the PE).
    """

    block = "pe"

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        if config.stc:
            raise ValueError("ProcessingElementCodec: the 2:4 PE (stc=True) takes raw groups of "
                             "four, not pairs")
        self.config = config
        a, b = operand_layout(config), weight_layout(config)
        #: ``{field: (bit offset, width)}`` of ``a_in``: ``mant0``.. ``src1`` for sparq, the
        #: pair elements ``0`` and ``1`` otherwise; of ``b_in``: the elements ``0`` and ``1``.
        if config.datapath == "sparq":
            self.a_fields = {name: (a[name].offset, Shape.cast(a[name].shape).width)
                             for name, _ in a}
        else:
            self.a_fields = {i: (a[i].offset, Shape.cast(a[i].shape).width) for i in (0, 1)}
        self.b_fields = {i: (b[i].offset, Shape.cast(b[i].shape).width) for i in (0, 1)}

    @staticmethod
    def _pairs(x, lo, hi):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] != 1 or x.shape[1] < 1:
            raise ValueError(f"a PE tile operand must have shape (1, K >= 1), not {x.shape}")
        if not np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            raise TypeError(f"a PE tile operand must be an integer array, not {x.dtype}")
        if x.min() < lo or x.max() > hi:
            raise ValueError(f"a PE tile operand must lie in {lo}..{hi}, not {x.min()}..{x.max()}")
        k = x.shape[1]
        padded = np.zeros(2 * (-(-k // 2)), dtype=np.int64)
        padded[:k] = x[0]
        return padded[0::2], padded[1::2]

    @staticmethod
    def _pack(fields, values):
        word = np.zeros(len(next(iter(values.values()))), dtype=np.int64)
        for name, (offset, width) in fields.items():
            word |= (np.asarray(values[name], dtype=np.int64) & ((1 << width) - 1)) << offset
        return word.tolist()

    def pack_a(self, a):
        """``a_in`` words (ints) of the tile's activations ``a`` (1 x K)."""
        config = self.config
        a0, a1 = self._pairs(a, 0, config.max_act_value)
        if config.datapath != "sparq":
            return self._pack(self.a_fields, {0: a0, 1: a1})
        mant, shift, src = golden.pair_slots(a0.astype(np.uint8), a1.astype(np.uint8),
                                             bits=config.bits, options=config.options,
                                             rounding=config.rounding)
        return self._pack(self.a_fields, {f"{name}{j}": field[:, j] for j in (0, 1)
                                          for name, field in (("mant", mant), ("shift", shift),
                                                              ("src", src))})

    def pack_b(self, b):
        """``b_in`` words (ints) of the tile's weights ``b`` (1 x K)."""
        b0, b1 = self._pairs(b, -128, 127)
        return self._pack(self.b_fields, {0: b0, 1: b1})


#: The codec class of each stream block.
CODECS = {"array": ArrayCodec, "dotprod": DotProductCodec}


def codec_for(block, config):
    """The codec of ``block``'s streams (``"array"`` or ``"dotprod"``) for ``config``."""
    if block not in CODECS:
        raise ValueError(f"block must be one of {', '.join(CODECS)}, not {block!r}")
    return CODECS[block](config)


def reference(config, A, B):
    """The golden result of one tile for ``config``'s datapath: ``C = A . B^T`` (rows x cols int64),
    for the array and the dot-product unit alike (both compute golden's pairs).

    ``sparq``: :func:`golden.sparq_gemm` with the configuration's bits, options, rounding and
    ``stc``; ``int8`` and ``aNw8``: :func:`golden.exact_gemm` (with ``stc``, ``B`` must be 2:4
    sparse: ValueError naming the output channel and group otherwise). ``A`` must hold integers in
    0..``config.max_act_value`` (0..15 for ``a4w8``, 0..7 for ``a3w8``, 0..3 for ``a2w8``) and ``B`` in -128..127 (ValueError
    otherwise); any integer dtype. Any number of rows and columns (a whole GEMM, not only a tile).
    """
    A, B = np.asarray(A), np.asarray(B)
    for name, x, lo, hi in (("A", A, 0, config.max_act_value), ("B", B, -128, 127)):
        if not np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
            raise TypeError(f"{name} must be an integer array, not {x.dtype}")
        if x.size and (x.min() < lo or x.max() > hi):
            raise ValueError(f"{name} must lie in {lo}..{hi} for datapath {config.datapath!r}, "
                             f"not {x.min()}..{x.max()}")
    # In range: the narrow dtypes take golden's fast paths (no second range scan, pair table view).
    A, B = A.astype(np.uint8, copy=False), B.astype(np.int8, copy=False)
    if config.stc:
        check_2to4(B)
    if config.datapath == "sparq":
        return golden.sparq_gemm(A, B, bits=config.bits, options=config.options,
                                 rounding=config.rounding, stc=config.stc)
    return golden.exact_gemm(A, B)
