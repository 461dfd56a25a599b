"""Tiles for the systolic array and the dot-product unit: validation, stimulus, and the file that
carries them to cocotb.

A tile is ``(A, B)``: ``A`` is ``rows x K`` activations (uint8, ``0..max_act_value``), ``B`` is
``cols x K`` weights (int8); the array computes ``C = A . B^T`` (``rows x cols``) under the
configured datapath. Everything here is NumPy: the pytest side makes and validates the tiles (so
a bad one fails before any simulation) and saves them; the cocotb side loads them. Stream payloads
and reference results are :mod:`hdl.stream_codec`'s.
"""

import numpy as np

__all__ = ["check_tiles", "relu_activations", "random_weights", "corner_tiles", "chunk_tiles",
           "random_tiles", "save_tiles", "load_tiles"]


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


def chunk_tiles(config, rng):
    """Corner tiles of the dot-product unit's chunks of ``2 * pairs`` positions: K one chunk, K
    one past a chunk (odd), K two short of two chunks (even, not a multiple), K = max_k - 1;
    those within max_k, each once. ``[(name, A, B)]``."""
    step = 2 * config.pairs
    ks = []
    for k in (step, step + 1, 2 * step - 2, config.max_k - 1):
        if 1 <= k <= config.max_k and k not in ks:
            ks.append(k)
    return [(f"K={k} (2P={step})", relu_activations(rng, (config.rows, k), config.max_act_value),
             random_weights(rng, (config.cols, k))) for k in ks]


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
