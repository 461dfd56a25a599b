"""Tiles for the systolic array and the dot-product unit: validation, stimulus, and the file that
carries them to cocotb.

A tile is ``(A, B)``: ``A`` is ``rows x K`` activations (uint8, ``0..max_act_value``), ``B`` is
``cols x K`` weights (int8); the array computes ``C = A . B^T`` (``rows x cols``) under the
configured datapath. Everything here is NumPy: the pytest side makes and validates the tiles (so
a bad one fails before any simulation) and saves them; the cocotb side loads them. Stream payloads
and reference results are :mod:`hdl.stream_codec`'s.
"""

import numpy as np

from golden.sparse import check_2to4, prune_2to4

__all__ = ["check_tiles", "relu_activations", "random_weights", "sparse_weights", "corner_tiles",
           "chunk_tiles", "random_tiles", "save_tiles", "load_tiles"]


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
        if config.stc:
            # The 2:4 array takes compressed groups: a denser group cannot be sent.
            try:
                check_2to4(b)
            except ValueError as exc:
                raise ValueError(f"tile {t}: {exc}") from None


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


def sparse_weights(rng, shape, counts=(0, 1, 2)):
    """2:4 weights: each aligned group of four holds a number of non-zero weights drawn from
    ``counts`` (0, 1 or 2), at random positions, values as :func:`random_weights` (never 0)."""
    n, k = shape
    g = -(-k // 4)
    count = rng.choice(np.asarray(counts), size=(n, g, 1))
    # The `count` smallest of four random keys per group mark its non-zero positions.
    keys = rng.random((n, g, 4))
    mask = np.argsort(np.argsort(keys, axis=2), axis=2) < count
    w = random_weights(rng, (n, g, 4))
    w[w == 0] = 1
    return np.where(mask, w, 0).reshape(n, 4 * g)[:, :k].astype(np.int8)


def _stc_corners(config, rng):
    # 2:4 arrays: groups with 0, 1 and 2 non-zero weights, K not a multiple of 4.
    r, c, top = config.rows, config.cols, config.max_act_value
    k = lambda n: min(config.max_k, n)
    return [
        ("2:4 groups with no non-zero weight", relu_activations(rng, (r, k(8)), top, 0.1),
         sparse_weights(rng, (c, k(8)), (0,))),
        ("2:4 groups with one non-zero weight (lone activations)",
         relu_activations(rng, (r, k(8)), top, 0.1), sparse_weights(rng, (c, k(8)), (1,))),
        ("2:4 groups with two non-zero weights", relu_activations(rng, (r, k(8)), top, 0.3),
         sparse_weights(rng, (c, k(8)), (2,))),
        (f"2:4 mixed groups, K={k(10)}", relu_activations(rng, (r, k(10)), top),
         sparse_weights(rng, (c, k(10)))),
    ]


def corner_tiles(config, rng):
    """Named corner tiles: ``[(name, A, B)]`` for the configuration's shape and max_k; with
    ``config.stc`` every weight matrix pruned to 2:4 (:func:`golden.sparse.prune_2to4`: the
    all-max tiles keep the densest pattern, two weights of every group) and corner groups with
    0, 1 and 2 non-zero weights added."""
    out = _corner_tiles(config, rng)
    if config.stc:
        out = [(name, a, prune_2to4(b)) for name, a, b in out] + _stc_corners(config, rng)
    return out


def _corner_tiles(config, rng):
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
        # Every pair (top, 0): the lone path at its largest value (SPARQ: exact under 4-bit
        # windows, the wider lone window under 3-bit and 2-bit windows).
        (f"K=max_k={kmax}, lone {top}s x -128", np.tile(np.array([top, 0], np.uint8),
                                                       (r, (kmax + 1) // 2))[:, :kmax],
         np.full((c, kmax), -128, np.int8)),
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
        weights = (sparse_weights(rng, (config.cols, k)) if config.stc
                   else random_weights(rng, (config.cols, k)))
        out.append((f"random {i} K={k} zeros~{zeros:.2f}",
                    relu_activations(rng, (config.rows, k), config.max_act_value, zeros),
                    weights))
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
