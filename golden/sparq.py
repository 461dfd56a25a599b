"""SPARQ's integer semantics, bit-exact with the authors' reference kernel.

Every function is vectorised with NumPy. The only Python loops run over the handful of window
positions (bSPARQ) or over the aligned groups of four of the 2:4 pairing.

Activations are unsigned 8-bit integers (0..255); weights are signed 8-bit integers (-128..127).
Inputs of any integer dtype are accepted when their values are in range; anything else raises
``TypeError`` (not integers) or ``ValueError`` (out of range, bad shape, unknown setting), with a
message naming the argument and the offending value. Nothing is clipped or wrapped.
"""

from functools import lru_cache

import numpy as np

__all__ = [
    "WINDOWS", "ROUNDINGS", "DEFAULT_OPTIONS", "LONE_WINDOW",
    "bsparq", "vsparq", "pair_slots", "sparq_gemm", "exact_gemm",
    "check_activations", "check_weights",
]

#: Allowed window positions (bit index of the window's LSB) per (window bits, option count).
WINDOWS = {
    (4, 5): (0, 1, 2, 3, 4),
    (4, 3): (0, 2, 4),
    (4, 2): (0, 4),
    (3, 6): (0, 1, 2, 3, 4, 5),
    (2, 7): (0, 1, 2, 3, 4, 5, 6),
    (6, 3): (0, 1, 2),
}

#: ``options=None`` means this option count for the given window width.
DEFAULT_OPTIONS = {4: 5, 3: 6, 2: 7, 6: 3}

#: The window a lone activation (partner zero) gets in vSPARQ; None means the exact 8-bit value.
LONE_WINDOW = {4: None, 3: (6, 3), 2: (4, 5)}

ROUNDINGS = ("nearest-even", "truncate")


# -- argument checks ---------------------------------------------------------------------------------

def _int_array(value, name):
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be an array of integers, not dtype {arr.dtype}")
    return arr


def _check_range(arr, name, lo, hi):
    if arr.size:
        bad = (arr < lo) | (arr > hi)
        if bad.any():
            value = arr[bad].flat[0]
            raise ValueError(f"{name} must be in {lo}..{hi}, got {int(value)}")


def _checked(x, name, lo, hi, native):
    arr = _int_array(x, name)
    info = np.iinfo(arr.dtype)
    if info.min < lo or info.max > hi:       # uint8 / int8 inputs need no scan
        _check_range(arr, name, lo, hi)
    return arr if native else arr.astype(np.int64, copy=False)


def check_activations(x, name="x", *, native=False):
    """Return ``x`` as an int64 array (its own integer dtype with ``native=True``) after checking
    it holds integers in 0..255."""
    return _checked(x, name, 0, 255, native)


def check_weights(w, name="B", *, native=False):
    """Return ``w`` as an int64 array (its own integer dtype with ``native=True``) after checking
    it holds integers in -128..127."""
    return _checked(w, name, -128, 127, native)


def _check_rounding(rounding):
    if not isinstance(rounding, str) or rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {rounding!r}")


def _check_flag(value, name):
    # A truthy string or 1 taken as True would silently switch a mode on.
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return bool(value)


def _check_int_setting(value, name):
    """Return ``value`` as an int if it is an integer (Python or NumPy), else raise TypeError.

    ``bool`` is refused (True is not a window width), and so are floats, even integral ones:
    ``4.0 == 4`` would otherwise pass every membership test.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {value!r}")
    return int(value)


def _window(bits, options):
    """Validate (bits, options) for a bSPARQ window and return the allowed shifts."""
    bits = _check_int_setting(bits, "bits")
    if options is not None:
        options = _check_int_setting(options, "options")
    if bits not in DEFAULT_OPTIONS:
        raise ValueError(f"bits must be one of 4, 3, 2, 6, not {bits!r}")
    if options is None:
        options = DEFAULT_OPTIONS[bits]
    if (bits, options) not in WINDOWS:
        allowed = ", ".join(str(o) for (b, o) in WINDOWS if b == bits)
        raise ValueError(f"options must be one of {allowed} for bits={bits}, not {options!r}")
    return WINDOWS[bits, options]


def _pair_mode(bits, options):
    """Validate (bits, options) for vSPARQ, where window widths 4, 3 and 2 exist."""
    if _check_int_setting(bits, "bits") not in LONE_WINDOW:
        raise ValueError(f"bits must be one of 4, 3, 2 for pairs, not {int(bits)!r}")
    return _window(bits, options)


# -- bSPARQ ------------------------------------------------------------------------------------------

def _bsparq(x, bits, shifts, rounding):
    # The window is the lowest allowed position that holds every set bit of x (chosen before rounding).
    shift = np.full(x.shape, shifts[-1], dtype=np.int64)
    for s in reversed(shifts[:-1]):
        shift = np.where(x < (1 << (s + bits)), s, shift)
    mant = x >> shift
    if rounding == "nearest-even":
        # Round half to even on the dropped bits: guard bit g = bit s-1, sticky t = bits s-2..0.
        guard_pos = np.maximum(shift - 1, 0)
        guard = (shift > 0) & (((x >> guard_pos) & 1) == 1)
        sticky = (x & ((1 << guard_pos) - 1)) != 0
        mant = mant + (guard & (((mant & 1) == 1) | sticky))
        # A carry out of the window saturates; the window does not move up.
        mant = np.minimum(mant, (1 << bits) - 1)
    return mant, shift


def bsparq(x, *, bits=4, options=None, rounding="nearest-even"):
    """bSPARQ: an n-bit window over each 8-bit activation.

    Parameters
    ----------
    x : array of integers in 0..255
    bits, options : window width and number of allowed positions, one of (4, 5), (4, 3), (4, 2),
        (3, 6), (2, 7), (6, 3); ``options=None`` takes the default for ``bits``.
    rounding : ``"nearest-even"`` (the reference's ROUND) or ``"truncate"`` (RAW).

    Returns
    -------
    (mant, shift) : int64 arrays of ``x``'s shape; the value multiplied is ``mant << shift``,
        with ``mant < 2**bits``.
    """
    shifts = _window(bits, options)
    _check_rounding(rounding)
    return _bsparq(check_activations(x, "x"), bits, shifts, rounding)


@lru_cache(maxsize=None)
def _tables(bits, options, rounding):
    """Per-activation lookup tables (read-only) for one vSPARQ setting.

    Returns (both_mant, both_shift, lone_mant, lone_shift, lone_split_bits): the bSPARQ window used
    when the partner is non-zero, the window of a lone activation, and how many low bits of the lone
    mantissa go to the second multiplier slot.
    """
    shifts = _pair_mode(bits, options)
    x = np.arange(256, dtype=np.int64)
    both_mant, both_shift = _bsparq(x, bits, shifts, rounding)
    lone = LONE_WINDOW[bits]
    if lone is None:
        # 4-bit mode: the lone activation is exact, one 8-bit mantissa at shift 0.
        lone_mant, lone_shift = x.copy(), np.zeros_like(x)
    else:
        lone_mant, lone_shift = _bsparq(x, lone[0], WINDOWS[lone], rounding)
    tables = (both_mant, both_shift, lone_mant, lone_shift)
    for t in tables:
        t.setflags(write=False)
    return tables


@lru_cache(maxsize=None)
def _pair_table(bits, options, rounding):
    """(65536, 2) float64 table of (h0, h1) indexed by ``a0 + 256 * a1``, for the GEMM's fast path.

    That index is the pair's two bytes read as one little-endian 16-bit word, so a contiguous
    uint8 activation matrix is its own index array (no arithmetic per element).
    """
    a1, a0 = np.divmod(np.arange(65536, dtype=np.int64), 256)
    table = np.stack(_vsparq(a0, a1, bits, options, rounding), axis=-1).astype(np.float64)
    table.setflags(write=False)
    return table


def _pair_args(a0, a1, bits, options, rounding):
    _pair_mode(bits, options)
    _check_rounding(rounding)
    a0 = check_activations(a0, "a0")
    a1 = check_activations(a1, "a1")
    if a0.shape != a1.shape:
        raise ValueError(f"a0 and a1 must have the same shape, got {a0.shape} and {a1.shape}")
    return a0, a1


def _vsparq(a0, a1, bits, options, rounding):
    both_mant, both_shift, lone_mant, lone_shift = _tables(bits, options, rounding)
    both = both_mant << both_shift
    lone = lone_mant << lone_shift
    z0, z1 = a0 == 0, a1 == 0
    h0 = np.where(z1, lone[a0], both[a0])
    h1 = np.where(z0, lone[a1], both[a1])
    # a0 == 0 contributes nothing whatever a1 is; with a1 == 0 too both values are 0.
    h0 = np.where(z0, 0, h0)
    return h0, h1


def vsparq(a0, a1, *, bits=4, options=None, rounding="nearest-even"):
    """vSPARQ: the two values multiplied with a pair's two weights.

    Parameters
    ----------
    a0, a1 : arrays of integers in 0..255, the same shape: the pair members (k, k+1).
    bits : window width when both are non-zero: 4, 3 or 2. A lone activation (partner zero) is exact
        in 4-bit mode, a 6-bit 3opt window in 3-bit mode and a 4-bit 5opt window in 2-bit mode.
    options : 5, 3 or 2 for ``bits=4``; 6 for 3; 7 for 2; ``None`` takes the default.
    rounding : ``"nearest-even"`` or ``"truncate"``, for both the pair and the lone windows.

    Returns
    -------
    (h0, h1) : int64 arrays; the pair contributes ``h0*b0 + h1*b1``.
    """
    a0, a1 = _pair_args(a0, a1, bits, options, rounding)
    return _vsparq(a0, a1, bits, options, rounding)


def pair_slots(a0, a1, *, bits=4, options=None, rounding="nearest-even"):
    """The two-multiplier view of each pair (the spec's hardware view).

    Slot j adds ``(mant[..., j] << shift[..., j]) * b[src[..., j]]``. Both non-zero: slot j is
    member j's window. Otherwise the survivor (``a1`` when ``a0 == 0``, else ``a0``) has its lone
    mantissa m at shift s split into the high part ``(m >> h, s + h)`` in slot 0 and the low part
    ``(m & (2**h - 1), s)`` in slot 1, with ``h = bits`` (both slots read the survivor's weight).

    Returns
    -------
    (mant, shift, src) : int64 arrays of shape ``a0.shape + (2,)``.
    """
    a0, a1 = _pair_args(a0, a1, bits, options, rounding)
    both_mant, both_shift, lone_mant, lone_shift = _tables(bits, options, rounding)
    z0, z1 = a0 == 0, a1 == 0
    lone_pair = z0 | z1
    survivor = np.where(z0, a1, a0)
    src_lone = z0.astype(np.int64)   # a0 == 0 -> the survivor is a1 (even when a1 is 0 too)
    m, s = lone_mant[survivor], lone_shift[survivor]
    low_mask = (1 << bits) - 1
    mant = np.stack([np.where(lone_pair, m >> bits, both_mant[a0]),
                     np.where(lone_pair, m & low_mask, both_mant[a1])], axis=-1)
    shift = np.stack([np.where(lone_pair, s + bits, both_shift[a0]),
                      np.where(lone_pair, s, both_shift[a1])], axis=-1)
    src = np.stack([np.where(lone_pair, src_lone, 0),
                    np.where(lone_pair, src_lone, 1)], axis=-1)
    return mant, shift, src


# -- GEMM --------------------------------------------------------------------------------------------

def _gemm_args(A, B):
    A = check_activations(A, "A", native=True)
    B = check_weights(B, "B", native=True)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"A and B must be 2-D, got A.ndim={A.ndim} and B.ndim={B.ndim}")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B must have the same K (columns), got A.shape={A.shape} and "
                         f"B.shape={B.shape}")
    return A, B


def _exact_matmul(H, B):
    """Integer ``H @ B.T`` computed through float64 BLAS, exact while sums stay below 2**53.

    NumPy's integer matmul does not use BLAS; with |H| <= 255 and |B| <= 128 every partial sum is
    below K * 2**15, so float64 is exact for any K below 2**38, far past any realistic layer.
    """
    K = H.shape[1]
    if K * 255 * 128 >= 2 ** 53:
        raise ValueError(f"K must be below {2 ** 53 // (255 * 128)} for an exact product, got {K}")
    return np.rint(H.astype(np.float64, copy=False) @ B.astype(np.float64).T).astype(np.int64)


def exact_gemm(A, B):
    """Plain exact ``A @ B.T`` (the A8W8 reference) as int64, A uint8-valued (M, K), B int8 (N, K)."""
    A, B = _gemm_args(A, B)
    return _exact_matmul(A, B)


def sparq_gemm(A, B, *, bits=4, options=None, rounding="nearest-even", stc=False):
    """``C = SPARQ(A) . B^T`` exactly, as the authors' kernel computes it.

    Parameters
    ----------
    A : (M, K) integers in 0..255, activations; B : (N, K) integers in -128..127, weights.
    bits, options, rounding : the vSPARQ setting (see :func:`vsparq`).
    stc : 2:4 structured-sparse weights. K goes in aligned groups of 4 (a K that is not a multiple
        of 4 is padded with zero weights); per output channel the pair is the activations at the
        first two positions of the group whose weight is non-zero. More than two non-zero weights
        in a group is an error.

    Returns
    -------
    C : (M, N) int64. Without ``stc``, pairs are ``(k, k+1)`` for even k and an odd K pairs the last
        activation with an implicit 0. M = 0 or N = 0 gives an empty (M, N) result, K = 0 zeros.
    """
    _pair_mode(bits, options)
    _check_rounding(rounding)
    stc = _check_flag(stc, "stc")
    A, B = _gemm_args(A, B)
    if stc:
        return _sparq_gemm_stc(A, B, bits, options, rounding)
    M, K = A.shape
    if K % 2:
        A = np.concatenate([A, np.zeros((M, 1), A.dtype)], axis=1)
        B = np.concatenate([B, np.zeros((B.shape[0], 1), B.dtype)], axis=1)
    # One gather from the 65,536-pair table gives (h0, h1) side by side, already in k order.
    if A.dtype == np.uint8:
        index = np.ascontiguousarray(A).view("<u2")
    else:
        index = A[:, 0::2].astype(np.intp) | (A[:, 1::2].astype(np.intp) << 8)
    # (np.take along axis 0 is an order of magnitude faster than fancy indexing of 2-D rows.)
    # (The K of the reshape is explicit: with M = 0, -1 could not be inferred.)
    H = np.take(_pair_table(bits, options, rounding), index, axis=0).reshape(M, A.shape[1])
    return _exact_matmul(H, B)


#: The (first, second) positions a 2:4 group's kept weights can take, 4 standing for a missing
#: one (a group with one non-zero weight pairs its activation with a zero).
_STC_PAIRS = tuple((q0, q1) for q0 in range(4) for q1 in range(q0 + 1, 5))


def _sparq_gemm_stc(A, B, bits, options, rounding):
    # Per output channel and group of four, the pair is the activations at the kept weights'
    # positions (p0, p1). Instead of a pass per group (an (M, N) pass each), every one of the 10
    # position pairs is one product: for the groups some channel uses it in, the SPARQ'd pair
    # (h0, h1) of every row, from the 65,536-pair table, times those channels' two weights (zero
    # for channels that use another pair there). Integers below 2**53 throughout: exact.
    M, K = A.shape
    N = B.shape[0]
    pad = (-K) % 4
    A = np.concatenate([A.astype(np.intp), np.zeros((M, pad), np.intp)], axis=1)
    B = np.concatenate([B.astype(np.int64), np.zeros((N, pad), np.int64)], axis=1)
    G = (K + pad) // 4
    w = B.reshape(N, G, 4)
    nz = w != 0
    count = nz.sum(axis=2)
    if (count > 2).any():
        g = int(np.argmax((count > 2).any(axis=0)))
        o = int(np.argmax(count[:, g] > 2))
        raise ValueError(f"B must have at most two non-zero weights per aligned group of 4 "
                         f"with stc=True, got {int(count[o, g])} in row {o}, columns "
                         f"{4 * g}..{4 * g + 3}")
    # Positions of the first and second non-zero weight per output channel (4 = missing).
    order = np.where(nz, np.arange(4), 4)
    order.sort(axis=2)
    p0, p1 = order[..., 0], order[..., 1]                                  # (N, G)
    w_ext = np.concatenate([w, np.zeros((N, G, 1), np.int64)], axis=2)     # (N, G, 5)
    w0 = np.take_along_axis(w_ext, p0[..., None], axis=2)[..., 0]
    w1 = np.take_along_axis(w_ext, p1[..., None], axis=2)[..., 0]
    a = np.concatenate([A.reshape(M, G, 4), np.zeros((M, G, 1), np.intp)], axis=2)   # (M, G, 5)
    table = _pair_table(bits, options, rounding)
    C = np.zeros((M, N), np.float64)
    for q0, q1 in _STC_PAIRS:
        use = (p0 == q0) & (p1 == q1)                                      # (N, G)
        groups = np.flatnonzero(use.any(axis=0))
        if not groups.size:
            continue
        h = np.take(table, a[:, groups, q0] + 256 * a[:, groups, q1], axis=0)   # (M, g, 2)
        u = use[:, groups]
        wq = np.stack([np.where(u, w0[:, groups], 0), np.where(u, w1[:, groups], 0)], axis=-1)
        width = 2 * groups.size
        C += h.reshape(M, width) @ wq.reshape(N, width).astype(np.float64).T
    return np.rint(C).astype(np.int64)
