"""Tiles for the systolic array: validation, stimulus, stream payload packing, reference results.

A tile is ``(A, B)``: ``A`` is ``rows x K`` activations (uint8, ``0..max_act_value``), ``B`` is
``cols x K`` weights (int8); the array computes ``C = A . B^T`` (``rows x cols``) under the
configured datapath. Everything here is NumPy and runs on both sides of a cocotb run: the pytest
side makes and validates the tiles (so a bad one fails before any simulation), the cocotb side
packs them into stream payloads, decodes what the design accepted, and asks :func:`reference`.

Payload bit order (the contract): ``a`` row ``r`` element ``e`` at ``[(2r+e)*act_width +:
act_width]``, ``last`` on top; ``b`` column ``c`` element ``e`` at ``[(2c+e)*8 +: 8]``, ``last`` on
top; ``c`` column ``c`` at ``[c*acc_width +: acc_width]`` (signed), ``last`` on top.
"""

import numpy as np

import golden

__all__ = ["check_tiles", "reference", "pack_a", "pack_b", "unpack_a", "unpack_b", "decode_c",
           "relu_activations", "corner_tiles", "random_tiles", "save_tiles", "load_tiles"]


def check_tiles(config, tiles):
    """Raise ValueError/TypeError, naming the tile and the value, unless every tile fits ``config``."""
    if len(tiles) == 0:
        raise ValueError("tiles must hold at least one (A, B) tile, not 0")
    for t, (a, b) in enumerate(tiles):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim != 2 or a.shape[0] != config.rows:
            raise ValueError(f"tile {t}: A must have shape (rows={config.rows}, K), not {a.shape}")
        if b.ndim != 2 or b.shape[0] != config.cols:
            raise ValueError(f"tile {t}: B must have shape (cols={config.cols}, K), not {b.shape}")
        k = a.shape[1]
        if b.shape[1] != k:
            raise ValueError(f"tile {t}: A has K={k} but B has K={b.shape[1]}")
        if k < 1:
            raise ValueError(f"tile {t}: K must be at least 1, not {k}")
        if k > config.max_k:
            raise ValueError(f"tile {t}: K={k} is above the array's max_k={config.max_k} "
                             f"(its accumulators are sized for max_k; generate a larger array)")
        if not np.issubdtype(a.dtype, np.integer) or not np.issubdtype(b.dtype, np.integer):
            raise TypeError(f"tile {t}: A and B must be integer arrays, not {a.dtype}, {b.dtype}")
        if a.size and (a.min() < 0 or a.max() > config.max_act_value):
            raise ValueError(f"tile {t}: activations must lie in 0..{config.max_act_value} for "
                             f"datapath {config.datapath!r}, not {a.min()}..{a.max()}")
        if b.size and (b.min() < -128 or b.max() > 127):
            raise ValueError(f"tile {t}: weights must lie in -128..127, not {b.min()}..{b.max()}")


def reference(config, a, b):
    """``C = A . B^T`` under ``config``'s datapath, from :mod:`golden` (int64, rows x cols)."""
    a = np.asarray(a, dtype=np.uint8)
    b = np.asarray(b, dtype=np.int8)
    if config.datapath == "sparq":
        return golden.sparq_gemm(a, b, options=config.options, rounding=config.rounding)
    return golden.exact_gemm(a, b)     # int8, and a4w8 with its 0..15 activations


def _pairs(x, pairs):
    # (n, K) -> (pairs, n, 2), zero-padded to an even K.
    n, k = x.shape
    padded = np.zeros((n, 2 * pairs), dtype=x.dtype)
    padded[:, :k] = x
    return padded.reshape(n, pairs, 2).transpose(1, 0, 2)


def _words(fields, width, count, last):
    # fields: (P, count) unsigned ints < 2**width, field i at bit i*width; last bit on top.
    fields = np.asarray(fields, dtype=np.uint64)
    if width == 4:
        packed = (fields[:, 0::2] | (fields[:, 1::2] << 4)).astype(np.uint8)
    else:
        packed = fields.astype(np.uint8)
    top = count * width
    return [int.from_bytes(row.tobytes(), "little") | (int(l) << top)
            for row, l in zip(packed, last)]


def pack_a(config, a):
    """Payload ints of stream ``a`` for one tile (``ceil(K/2)`` transfers, last on the final one)."""
    pairs = (a.shape[1] + 1) // 2
    fields = _pairs(np.asarray(a, dtype=np.uint8), pairs).reshape(pairs, -1)
    last = np.arange(pairs) == pairs - 1
    return _words(fields, config.act_width, 2 * config.rows, last)


def pack_b(config, b):
    """Payload ints of stream ``b`` for one tile (two's complement bytes)."""
    pairs = (b.shape[1] + 1) // 2
    fields = _pairs(np.asarray(b, dtype=np.int8).view(np.uint8), pairs).reshape(pairs, -1)
    last = np.arange(pairs) == pairs - 1
    return _words(fields, 8, 2 * config.cols, last)


def _unpack(words, width, count):
    nbytes = (count * width + 1 + 7) // 8
    raw = np.frombuffer(b"".join(w.to_bytes(nbytes, "little") for w in words), dtype=np.uint8)
    raw = raw.reshape(len(words), nbytes)
    bits = np.unpackbits(raw, axis=1, bitorder="little")
    last = bits[:, count * width]
    fields = bits[:, :count * width].reshape(len(words), count, width).astype(np.int64)
    return fields @ (1 << np.arange(width, dtype=np.int64)), last


def unpack_a(config, words):
    """Inverse of :func:`pack_a` for the transfers of one tile: ``(A rows x 2P, last bits)``."""
    fields, last = _unpack(words, config.act_width, 2 * config.rows)
    a = fields.reshape(len(words), config.rows, 2).transpose(1, 0, 2).reshape(config.rows, -1)
    return a.astype(np.uint8), last


def unpack_b(config, words):
    """Inverse of :func:`pack_b`: ``(B cols x 2P as int8, last bits)``."""
    fields, last = _unpack(words, 8, 2 * config.cols)
    b = fields.reshape(len(words), config.cols, 2).transpose(1, 0, 2).reshape(config.cols, -1)
    return b.astype(np.uint8).view(np.int8), last


def decode_c(config, binstrs):
    """Rows of stream ``c`` from binary strings (MSB first): ``(values rows x cols int64, last)``."""
    width = config.cols * config.acc_width + 1
    text = "".join(binstrs).encode()
    if len(text) != width * len(binstrs) or set(text) - {ord("0"), ord("1")}:
        raise ValueError(f"c payload holds X/Z or has the wrong width: {binstrs[:1]}")
    bits = (np.frombuffer(text, dtype=np.uint8).reshape(len(binstrs), width) - ord("0"))[:, ::-1]
    aw = config.acc_width
    fields = bits[:, :config.cols * aw].reshape(len(binstrs), config.cols, aw).astype(object)
    weights = np.array([1 << i for i in range(aw)], dtype=object)
    values = (fields * weights).sum(axis=2)
    values = np.where(fields[:, :, aw - 1] == 1, values - (1 << aw), values)
    return values.astype(np.int64), bits[:, -1].astype(np.int64)


# -- stimulus --------------------------------------------------------------------------------------

def relu_activations(rng, shape, max_value, zero_fraction=0.55):
    """Activations shaped like a ReLU layer's quantized output: a fraction ``zero_fraction`` of
    exact zeros, the rest from a half-normal law whose tail reaches ``max_value`` (rarely)."""
    x = np.abs(rng.standard_normal(shape)) * (max_value / 3.5)
    x = np.clip(np.rint(x), 1, max_value)
    x[rng.random(shape) < zero_fraction] = 0
    return x.astype(np.uint8)


def random_weights(rng, shape):
    """Weights like a quantized conv layer's: mostly small, some at the extremes -128 and 127."""
    w = np.clip(np.rint(rng.standard_normal(shape) * 40), -128, 127)
    extremes = rng.random(shape) < 0.05
    w[extremes] = rng.choice([-128, 127], size=int(extremes.sum()))
    return w.astype(np.int8)


def corner_tiles(config, rng):
    """Named corner tiles: ``[(name, A, B)]`` for the configuration's shape and max_k."""
    r, c, kmax, top = config.rows, config.cols, config.max_k, config.max_act_value
    full = lambda k: np.full((r, k), top, dtype=np.uint8)
    odd = min(kmax, 7) if kmax >= 3 else 1
    out = [
        ("K=1", relu_activations(rng, (r, 1), top, 0.2), random_weights(rng, (c, 1))),
        ("all-zero activations", np.zeros((r, min(kmax, 16)), np.uint8),
         random_weights(rng, (c, min(kmax, 16)))),
        (f"odd K={odd}", relu_activations(rng, (r, odd), top), random_weights(rng, (c, odd))),
        (f"all-{top}, weights +-128/127", full(min(kmax, 9)),
         rng.choice(np.array([-128, 127], np.int8), size=(c, min(kmax, 9)))),
        (f"K=max_k={kmax}, all-{top} x -128 (most negative sum)", full(kmax),
         np.full((c, kmax), -128, np.int8)),
        (f"K=max_k={kmax}, all-{top} x 127 (largest sum)", full(kmax),
         np.full((c, kmax), 127, np.int8)),
        (f"K=max_k={kmax}, ReLU-like", relu_activations(rng, (r, kmax), top),
         random_weights(rng, (c, kmax))),
    ]
    return out


def random_tiles(config, rng, count, *, max_k=None):
    """``count`` ReLU-like tiles of random K in 1..min(max_k, config.max_k): ``[(name, A, B)]``."""
    kmax = min(max_k or config.max_k, config.max_k)
    out = []
    for i in range(count):
        k = int(rng.integers(1, kmax + 1))
        zeros = float(rng.uniform(0.3, 0.8))
        out.append((f"random {i} K={k} zeros~{zeros:.2f}",
                    relu_activations(rng, (config.rows, k), config.max_act_value, zeros),
                    random_weights(rng, (config.cols, k))))
    return out


def save_tiles(path, named_tiles):
    """Write ``[(name, A, B)]`` to an .npz the cocotb side reads with :func:`load_tiles`."""
    arrays = {}
    for i, (name, a, b) in enumerate(named_tiles):
        arrays[f"A{i}"], arrays[f"B{i}"] = a, b
        arrays[f"name{i}"] = np.array(name)
    np.savez(path, count=np.array(len(named_tiles)), **arrays)


def load_tiles(path):
    with np.load(path) as data:
        return [(str(data[f"name{i}"]), data[f"A{i}"], data[f"B{i}"])
                for i in range(int(data["count"]))]
