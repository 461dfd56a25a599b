"""The array's payload codec against the RTL's own layouts, and the one tile reference.

The codec's words are compared with the integers Amaranth builds from ``a_layout``, ``b_layout``
and ``c_layout`` (``Layout.const(...).as_value().value`` and ``Layout.from_bits``), for every
datapath (a4w8 has 4-bit activation fields) and for 1x1, odd and wide (more than 64-bit) shapes.
"""

import numpy as np
import pytest

import golden
from hdl.array import a_layout, b_layout, c_layout
from hdl.config import SparqConfig
from hdl.stream_codec import ArrayCodec, PayloadCodec, ProcessingElementCodec, reference

CONFIGS = [
    SparqConfig(rows=1, cols=1, max_k=4),
    SparqConfig(options=3, rounding="truncate", rows=3, cols=5, max_k=33),
    SparqConfig(datapath="int8", rows=3, cols=5, max_k=64),
    SparqConfig(datapath="int8", rows=1, cols=1, max_k=1),
    SparqConfig(datapath="a4w8", rows=1, cols=1, max_k=7),
    SparqConfig(datapath="a4w8", rows=3, cols=5, max_k=1152),
    SparqConfig(),                                   # 8x8: 129-bit a and b words
    SparqConfig(bits=3, rounding="truncate", rows=2, cols=3, max_k=9),
    SparqConfig(bits=2, rows=3, cols=2, max_k=9),
    SparqConfig(datapath="a3w8", rows=2, cols=2, max_k=9),
    SparqConfig(datapath="a2w8", rows=1, cols=3, max_k=9),
]
IDS = [f"{c.datapath}-b{c.bits}-{c.rows}x{c.cols}-k{c.max_k}" for c in CONFIGS]
STREAMS = {"a": a_layout, "b": b_layout, "c": c_layout}


def _random_values(codec, rng, n):
    values = rng.integers(codec.min, codec.max + 1, (n, *codec.lanes), dtype=np.int64)
    # The extremes of the element range on the first transfers (sign bits, all ones).
    values[0].flat[:] = codec.min
    if n > 1:
        values[1].flat[:] = codec.max
    return values


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("stream", "abc")
def test_words_are_the_layouts_constants(config, stream):
    layout = STREAMS[stream](config)
    codec = getattr(ArrayCodec(config), stream)
    rng = np.random.default_rng(config.rows * 100 + config.cols)
    values = _random_values(codec, rng, 6)
    last = np.array([0, 1, 1, 0, 0, 1])
    words = codec.pack(values, last)
    assert codec.width == layout.size
    for v, l, word in zip(values, last, words):
        expected = layout.const({"data": v.tolist(), "last": int(l)}).as_value().value
        assert word == expected, (v.tolist(), l)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("stream", "abc")
def test_unpack_reads_what_the_layouts_read(config, stream):
    # Any bit pattern (random words over the whole width): the codec's values and last are the
    # ones Amaranth's view of the layout gives, signed fields negative where their top bit is set.
    layout = STREAMS[stream](config)
    codec = getattr(ArrayCodec(config), stream)
    rng = np.random.default_rng(7)
    words = [int.from_bytes(rng.bytes((layout.size + 7) // 8), "little") % (1 << layout.size)
             for _ in range(5)] + [0, (1 << layout.size) - 1]
    values, last = codec.unpack(words)
    for word, v, l in zip(words, values, last):
        view = layout.from_bits(word)
        expected = np.array(
            [[view["data"][r][e] for e in range(codec.lanes[1])] for r in range(codec.lanes[0])]
            if len(codec.lanes) == 2 else [view["data"][c] for c in range(codec.lanes[0])])
        assert np.array_equal(v, expected) and l == view["last"]
    assert codec.pack(values, last) == words
    # Binary strings, MSB first, as a simulator shows the payload, give the same.
    strings = [format(w, f"0{layout.size}b") for w in words]
    v2, l2 = codec.unpack(strings)
    assert np.array_equal(v2, values) and np.array_equal(l2, last)
    # And their characters as columns of a wider (n, 3 + width) array, as cut from a harness
    # register that holds two payloads.
    chars = np.frombuffer("".join("101" + w for w in strings).encode(), np.uint8).reshape(7, -1)
    v3, l3 = codec.unpack(chars[:, 3:])
    assert np.array_equal(v3, values) and np.array_equal(l3, last)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
@pytest.mark.parametrize("k", [1, 2, 3, 5, 16])
def test_tile_round_trip_pads_odd_k_and_frames_last(config, k):
    codec = ArrayCodec(config)
    rng = np.random.default_rng(k)
    A = rng.integers(0, config.max_act_value + 1, (config.rows, k))
    B = rng.integers(-128, 128, (config.cols, k))
    words_a, words_b = codec.pack_a(A), codec.pack_b(B)
    assert len(words_a) == len(words_b) == codec.transfers(k) == (k + 1) // 2
    A2, last_a = codec.unpack_a(words_a)
    B2, last_b = codec.unpack_b(words_b)
    assert A2.shape == (config.rows, 2 * codec.transfers(k))
    assert np.array_equal(A2[:, :k], A) and not A2[:, k:].any()     # odd K: padded with zeros
    assert np.array_equal(B2[:, :k], B) and not B2[:, k:].any()
    assert last_a.tolist() == last_b.tolist() == [0] * ((k - 1) // 2) + [1]
    C = reference(config, A, B)
    words_c = codec.pack_c(C)
    values, last_c = codec.unpack_c(words_c)
    assert np.array_equal(values, C) and last_c.tolist() == [0] * (config.rows - 1) + [1]
    # The same words as the transfer-level codec of the layout, built from pairs by hand.
    pairs = np.zeros((codec.transfers(k), config.rows, 2), np.int64)
    for i in range(k):
        pairs[i // 2, :, i % 2] = A[:, i]
    assert codec.a.pack(pairs, last_a) == words_a


def test_bit_order_is_the_documented_one():
    # The contract as README and the sidecar state it, by hand: row r element e at
    # [(2r+e)*w +: w], last on top; b two's complement bytes; c signed acc_width fields.
    config = SparqConfig(rows=2, cols=1, max_k=4)
    codec = ArrayCodec(config)
    first, second = codec.pack_a(np.array([[1, 2, 3, 4], [5, 6, 7, 8]]))
    assert first == 1 | 2 << 8 | 5 << 16 | 6 << 24
    assert second == 3 | 4 << 8 | 7 << 16 | 8 << 24 | 1 << 32
    (word,) = codec.pack_b(np.array([[-1, -128]]))
    assert word == 0xFF | 0x80 << 8 | 1 << 16
    a4 = ArrayCodec(SparqConfig(datapath="a4w8", rows=2, cols=1))
    assert a4.a.field_width == 4 and a4.a.width == 2 * 2 * 4 + 1
    assert a4.a.offsets.tolist() == [[0, 4], [8, 12]] and a4.a.last_offset == 16
    (word,) = a4.pack_a(np.array([[0xA, 0x5], [0x3, 0xF]]))
    assert word == 0xA | 0x5 << 4 | 0x3 << 8 | 0xF << 12 | 1 << 16
    wide = SparqConfig(rows=1, cols=2, max_k=2)
    w = wide.acc_width
    value = ((-5) & ((1 << w) - 1)) | (7 << w) | (1 << 2 * w)
    assert ArrayCodec(wide).pack_c(np.array([[-5, 7]])) == [value]
    values, last = ArrayCodec(wide).unpack_c([format(value, f"0{2 * w + 1}b")])
    assert values.tolist() == [[-5, 7]] and last.tolist() == [1]


def test_bad_words_and_values_are_refused():
    config = SparqConfig(rows=1, cols=2, max_k=2)
    codec = ArrayCodec(config)
    width = codec.c.width
    with pytest.raises(ValueError, match="X/Z"):
        codec.unpack_c(["x" * width])
    with pytest.raises(ValueError, match="X/Z"):
        codec.unpack_c(["0" * (width - 1)])
    with pytest.raises(ValueError, match="X/Z"):
        codec.unpack_c(np.full((1, width), ord("z"), np.uint8))
    with pytest.raises(ValueError, match=r"0\.\.2\*\*"):
        codec.unpack_c([1 << width])
    with pytest.raises(ValueError, match=r"0\.\.2\*\*"):
        codec.unpack_c([-1])
    with pytest.raises(ValueError, match=r"-128\.\.127"):
        codec.pack_b(np.array([[128], [0]]))
    with pytest.raises(ValueError, match=r"0\.\.255"):
        codec.pack_a(np.array([[-1]]))
    with pytest.raises(ValueError, match=r"0\.\.15"):
        ArrayCodec(SparqConfig(datapath="a4w8", rows=1, cols=1)).pack_a(np.array([[16]]))
    with pytest.raises(ValueError, match=r"shape \(1, K >= 1\)"):
        codec.pack_a(np.zeros((2, 3), np.int64))
    with pytest.raises(TypeError, match="SparqConfig"):
        ArrayCodec(None)
    with pytest.raises(TypeError, match="StructLayout of data and last"):
        PayloadCodec(c_layout(config)["data"].shape)
    values, last = codec.unpack_c([])
    assert values.shape == (0, 2) and last.shape == (0,)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_reference_is_the_datapaths_golden(config):
    rng = np.random.default_rng(3)
    A = rng.integers(0, config.max_act_value + 1, (config.rows, 9))
    B = rng.integers(-128, 128, (config.cols, 9))
    if config.datapath == "sparq":
        expected = golden.sparq_gemm(A, B, bits=config.bits, options=config.options,
                                     rounding=config.rounding)
    else:
        expected = golden.exact_gemm(A, B)
    C = reference(config, A, B)
    assert C.dtype == np.int64 and np.array_equal(C, expected)


def test_reference_refuses_values_outside_the_datapath():
    with pytest.raises(ValueError, match=r"A must lie in 0\.\.15 for datapath 'a4w8', not 0\.\.16"):
        reference(SparqConfig(datapath="a4w8"), np.array([[0, 16]]), np.zeros((1, 2), np.int64))
    with pytest.raises(ValueError, match=r"B must lie in -128\.\.127"):
        reference(SparqConfig(), np.zeros((1, 2), np.int64), np.array([[0, 128]]))
    with pytest.raises(TypeError, match="integer array"):
        reference(SparqConfig(), np.zeros((1, 2)), np.zeros((1, 2), np.int64))
    with pytest.raises(ValueError, match=r"A must lie in 0\.\.3 for datapath 'a2w8', not 0\.\.4"):
        reference(SparqConfig(datapath="a2w8"), np.array([[0, 4]]), np.zeros((1, 2), np.int64))


# -- the dot-product unit's codec (hdl.dotprod layouts) ---------------------------------------------

from hdl import dotprod                                        # noqa: E402
from hdl.stream_codec import DotProductCodec, codec_for         # noqa: E402

DOT_CONFIGS = [
    SparqConfig(rows=1, cols=1, pairs=1, max_k=3),
    SparqConfig(options=2, rounding="truncate", rows=2, cols=3, pairs=3, max_k=40),
    SparqConfig(datapath="a4w8", rows=3, cols=2, pairs=2, max_k=9),
    SparqConfig(datapath="int8", rows=4, cols=4, pairs=4),     # the default unit: 257-bit a and b
]
DOT_IDS = [f"{c.datapath}-{c.rows}x{c.cols}p{c.pairs}-k{c.max_k}" for c in DOT_CONFIGS]
DOT_STREAMS = {"a": dotprod.a_layout, "b": dotprod.b_layout, "c": dotprod.c_layout}


@pytest.mark.parametrize("config", DOT_CONFIGS, ids=DOT_IDS)
@pytest.mark.parametrize("stream", "abc")
def test_dotprod_words_are_the_layouts_constants(config, stream):
    layout = DOT_STREAMS[stream](config)
    codec = getattr(DotProductCodec(config), stream)
    values = _random_values(codec, np.random.default_rng(config.pairs), 5)
    last = np.array([1, 0, 1, 0, 1])
    assert codec.width == layout.size
    for v, l, word in zip(values, last, codec.pack(values, last)):
        assert word == layout.const({"data": v.tolist(), "last": int(l)}).as_value().value
    # And back, as Amaranth's view of the layout reads each word.
    words = codec.pack(values, last)
    back, back_last = codec.unpack(words)
    assert np.array_equal(back, values) and np.array_equal(back_last, last)
    for word, v in zip(words, values):
        view = layout.from_bits(word)
        if stream == "c":
            assert [view["data"][n] for n in range(config.cols)] == v.tolist()
        else:
            assert [[[view["data"][r][j][e] for e in range(2)] for j in range(config.pairs)]
                    for r in range(codec.lanes[0])] == v.tolist()


@pytest.mark.parametrize("config, k", [
    pytest.param(c, k, id=f"{i}-k{k}") for c, i in zip(DOT_CONFIGS, DOT_IDS)
    for k in (1, 2, 3, 7, 8, 13) if k <= c.max_k])
def test_dotprod_tile_round_trip(config, k):
    # Transfer t, pair j, element e carries position 2P*t + 2j + e; K padded with zeros to a
    # whole number of transfers; last on the final transfer only.
    codec = codec_for("dotprod", config)
    P = config.pairs
    rng = np.random.default_rng(k)
    A = rng.integers(0, config.max_act_value + 1, (config.rows, k))
    B = rng.integers(-128, 128, (config.cols, k))
    words_a, words_b = codec.pack_a(A), codec.pack_b(B)
    S = -(-k // (2 * P))
    assert len(words_a) == len(words_b) == codec.transfers(k) == dotprod.steps(config, k) == S
    by_hand = np.zeros((S, config.rows, P, 2), np.int64)
    for i in range(k):
        by_hand[i // (2 * P), :, (i % (2 * P)) // 2, i % 2] = A[:, i]
    assert codec.a.pack(by_hand, np.arange(S) == S - 1) == words_a
    A2, last_a = codec.unpack_a(words_a)
    B2, last_b = codec.unpack_b(words_b)
    assert A2.shape == (config.rows, 2 * P * S)
    assert np.array_equal(A2[:, :k], A) and not A2[:, k:].any()
    assert np.array_equal(B2[:, :k], B) and not B2[:, k:].any()
    assert last_a.tolist() == last_b.tolist() == [0] * (S - 1) + [1]


def test_codec_for():
    assert type(codec_for("array", SparqConfig(rows=1, cols=1))) is ArrayCodec
    assert ArrayCodec(SparqConfig(rows=1, cols=1)).transfers(5) == 3
    with pytest.raises(ValueError, match=r"^block must be one of array, dotprod, not 'pe'$"):
        codec_for("pe", SparqConfig())


PE_CONFIGS = [SparqConfig(), SparqConfig(options=3, rounding="truncate"), SparqConfig(bits=3),
              SparqConfig(bits=2, rounding="truncate"), SparqConfig(datapath="int8"),
              SparqConfig(datapath="a4w8"), SparqConfig(datapath="a3w8"),
              SparqConfig(datapath="a2w8"), SparqConfig(mul_pipe=True)]


@pytest.mark.parametrize("config", PE_CONFIGS, ids=lambda c: f"{c.datapath}-b{c.bits}-o{c.options}")
def test_pe_words_are_the_layouts_constants(config):
    # The PE's operand words are the constants Amaranth builds from operand_layout/weight_layout,
    # with the sparq fields of golden.pair_slots (the reference's slot view); an odd K pads with 0.
    from hdl.layouts import operand_layout, weight_layout
    codec = ProcessingElementCodec(config)
    rng = np.random.default_rng(config.bits * 10 + config.options)
    k = 11
    a = rng.integers(0, config.max_act_value + 1, (1, k))
    a[0, :2] = config.max_act_value
    b = rng.integers(-128, 128, (1, k))
    b[0, :2] = (-128, 127)
    words_a, words_b = codec.pack_a(a), codec.pack_b(b)
    assert len(words_a) == len(words_b) == 6
    pa = np.zeros(12, dtype=np.int64)
    pa[:k] = a[0]
    pb = np.zeros(12, dtype=np.int64)
    pb[:k] = b[0]
    op, wl = operand_layout(config), weight_layout(config)
    for i in range(6):
        a0, a1 = int(pa[2 * i]), int(pa[2 * i + 1])
        if config.datapath == "sparq":
            mant, shift, src = golden.pair_slots(np.array([a0], np.uint8), np.array([a1], np.uint8),
                                                 bits=config.bits, options=config.options,
                                                 rounding=config.rounding)
            fields = {f"{n}{j}": int(v[0, j]) for j in (0, 1)
                      for n, v in (("mant", mant), ("shift", shift), ("src", src))}
        else:
            fields = [a0, a1]
        assert words_a[i] == op.const(fields).as_value().value, i
        assert words_b[i] == wl.const([int(pb[2 * i]), int(pb[2 * i + 1])]).as_value().value, i


def test_pe_codec_refuses_bad_tiles():
    codec = ProcessingElementCodec(SparqConfig(datapath="a4w8"))
    with pytest.raises(ValueError, match=r"^a PE tile operand must lie in 0\.\.15, not 0\.\.16$"):
        codec.pack_a(np.array([[0, 16]]))
    with pytest.raises(ValueError, match=r"^a PE tile operand must lie in -128\.\.127, not -129\.\.0$"):
        codec.pack_b(np.array([[-129, 0]]))
    with pytest.raises(ValueError, match=r"^a PE tile operand must have shape \(1, K >= 1\), not \(2, 3\)$"):
        codec.pack_a(np.zeros((2, 3), dtype=int))
    with pytest.raises(TypeError, match=r"^a PE tile operand must be an integer array, not float64$"):
        codec.pack_b(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"^ProcessingElementCodec: the 2:4 PE \(stc=True\) takes raw groups"):
        ProcessingElementCodec(SparqConfig(stc=True))
    with pytest.raises(TypeError, match=r"^config must be a SparqConfig, not 4$"):
        ProcessingElementCodec(4)
