"""2:4 structured-sparse weights on the host: compress, expand, prune.

The format is a sparse tensor engine's: the reduction dimension K goes in aligned groups of four
(a K that is not a multiple of 4 is padded with zero weights, as ``sparq_gemm(..., stc=True)``
does); per output channel and group, at most two weights are non-zero, and the group is stored as
two values and the positions (0..3) of each in the group. A group with fewer than two non-zero
weights is padded with value 0 (position 0).

::

    values, positions = compress_2to4(B)          # (N, G, 2) int64 each, G = ceil(K / 4)
    B == expand_2to4(values, positions, K)        # the dense (N, K) matrix back
    prune_2to4(W)                                 # keep the two largest |w| of each group
    prune_conv_2to4(wq)                           # the same on conv weights (O, C, kh, kw)

The slot order is the golden model's pairing order: slot 0 holds the group's first non-zero weight
(smallest position), slot 1 the second. Pure NumPy, no hardware knowledge.
"""

import numpy as np

from .sparq import check_weights

__all__ = ["GROUP", "groups", "compress_2to4", "expand_2to4", "prune_2to4", "prune_conv_2to4",
           "check_2to4"]

#: Reduction positions per group.
GROUP = 4


def groups(k):
    """Groups of four in a reduction of length ``k``: ``ceil(k / 4)``."""
    return -(-int(k) // GROUP)


def _grouped(B):
    N, K = B.shape
    G = groups(K)
    padded = np.zeros((N, G * GROUP), np.int64)
    padded[:, :K] = B
    return padded.reshape(N, G, GROUP)


def check_2to4(B, name="B"):
    """Raise ValueError unless every aligned group of four of every row of ``B`` (N, K) holds at
    most two non-zero weights; the message names the first bad output channel and group."""
    B = check_weights(B, name)
    if B.ndim != 2:
        raise ValueError(f"{name} must be 2-D (output channels, K), got shape {B.shape}")
    count = (_grouped(B) != 0).sum(axis=2)
    bad = np.argwhere(count > 2)
    if bad.size:
        o, g = (int(v) for v in bad[0])
        raise ValueError(f"{name} is not 2:4 sparse: output channel {o}, group {g} (columns "
                         f"{GROUP * g}..{GROUP * g + GROUP - 1}) has {int(count[o, g])} non-zero "
                         f"weights, at most 2 allowed")
    return B


def compress_2to4(B):
    """``(values, positions)`` of the 2:4 weights ``B`` (N, K), integers in -128..127.

    Both are (N, ceil(K/4), 2) int64: ``B[n, 4g + positions[n, g, j]] == values[n, g, j]`` for
    each non-zero value; slot 0 is the group's first non-zero weight, slot 1 its second; missing
    ones have value 0 and position 0. Raises ValueError naming the output channel and the group
    when a group has more than two non-zero weights (:func:`check_2to4`).
    """
    B = check_2to4(B)
    grouped = _grouped(B)
    nz = grouped != 0
    # Positions of the non-zero weights first, in increasing order (4 sorts after them).
    order = np.sort(np.where(nz, np.arange(GROUP), GROUP), axis=2)[:, :, :2]
    present = order < GROUP
    positions = np.where(present, order, 0)
    values = np.where(present, np.take_along_axis(grouped, positions, axis=2), 0)
    return values.astype(np.int64), positions.astype(np.int64)


def expand_2to4(values, positions, k):
    """The dense (N, k) weights of ``(values, positions)`` (N, G, 2) with ``G == ceil(k/4)``.

    Slots with value 0 are padding (their position is ignored). Raises ValueError for a
    position outside 0..3, two non-zero values at the same position of a group, or a non-zero
    weight beyond ``k`` (in the padding of the last group), each naming the channel and group.
    """
    values, positions = np.asarray(values), np.asarray(positions)
    for name, x in (("values", values), ("positions", positions)):
        if x.ndim != 3 or x.shape[2] != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"{name} must be integers of shape (N, G, 2), not {x.dtype} "
                             f"{x.shape}")
    if values.shape != positions.shape:
        raise ValueError(f"values and positions must have the same shape, not {values.shape} "
                         f"and {positions.shape}")
    N, G, _ = values.shape
    if G != groups(k):
        raise ValueError(f"K={k} needs {groups(k)} groups, not {G}")
    check_weights(values, "values")
    used = values != 0
    if ((positions < 0) | (positions >= GROUP))[used].any():
        n, g, _ = np.argwhere(used & ((positions < 0) | (positions >= GROUP)))[0]
        raise ValueError(f"output channel {n}, group {g}: positions must lie in 0..3, not "
                         f"{positions[n, g].tolist()}")
    clash = used.all(axis=2) & (positions[:, :, 0] == positions[:, :, 1])
    if clash.any():
        n, g = np.argwhere(clash)[0]
        raise ValueError(f"output channel {n}, group {g}: two non-zero values at position "
                         f"{int(positions[n, g, 0])}")
    dense = np.zeros((N, G, GROUP), np.int64)
    n_idx, g_idx, j_idx = np.nonzero(used)
    dense[n_idx, g_idx, positions[n_idx, g_idx, j_idx]] = values[n_idx, g_idx, j_idx]
    dense = dense.reshape(N, G * GROUP)
    if dense[:, k:].any():
        n, col = np.argwhere(dense[:, k:])[0]
        raise ValueError(f"output channel {n}, group {G - 1}: a non-zero weight at column "
                         f"{k + col}, beyond K={k}")
    return dense[:, :k]


def prune_2to4(W):
    """2:4 magnitude pruning: in every aligned group of four of each row of ``W`` (N, K; any
    numbers), keep the two entries of largest magnitude (the earlier one on a tie) and set the
    others to 0. Returns an array of ``W``'s dtype."""
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(f"W must be 2-D (output channels, K), got shape {W.shape}")
    N, K = W.shape
    G = groups(K)
    padded = np.zeros((N, G * GROUP), W.dtype)
    padded[:, :K] = W
    grouped = padded.reshape(N, G, GROUP)
    # Stable sort of -|w| (in float64: |int8 -128| wraps): the two largest magnitudes, the
    # earlier position first on ties.
    keep = np.argsort(-np.abs(grouped.astype(np.float64)), axis=2, kind="stable")[:, :, :2]
    mask = np.zeros(grouped.shape, bool)
    np.put_along_axis(mask, keep, True, axis=2)
    return np.where(mask, grouped, 0).reshape(N, G * GROUP)[:, :K].astype(W.dtype)


def prune_conv_2to4(wq):
    """2:4 magnitude pruning of convolution weights ``wq`` (O, C, kh, kw) along SPARQ's
    reduction order (:func:`golden.im2col`: ``k = (i*kw + j)*C + c``, so a group is four input
    channels at one kernel tap). Returns weights of ``wq``'s shape and dtype whose
    :func:`golden.weights_to_matrix` is 2:4 sparse."""
    wq = np.asarray(wq)
    if wq.ndim != 4:
        raise ValueError(f"wq must have shape (O, C, kh, kw), got {wq.shape}")
    O, C, kh, kw = wq.shape
    matrix = prune_2to4(wq.transpose(0, 2, 3, 1).reshape(O, kh * kw * C))
    return np.ascontiguousarray(matrix.reshape(O, kh, kw, C).transpose(0, 3, 1, 2))
