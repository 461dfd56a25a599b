"""The quantized convolution layer around the SPARQ kernel, as the authors' code runs it.

- Activations: unsigned, one scale per layer, ``delta = max_mean / (2**bits - 1)`` where
  ``max_mean`` is the mean over calibration images of each image's maximum activation.
- Weights: symmetric, one scale per output channel, ``delta_o = max|w_o| * 2 / (2**bits - 1)``.
- Reduction order: im2col with the kernel tap outer and the input channel inner,
  ``k = (i*kw + j)*C + c``, so a vSPARQ pair is two adjacent input channels at the same tap.
  Zero padding is activation 0.
- Output: ``y = acc * delta_x * delta_o (+ bias)`` in floating point.

Rounding is half to even everywhere (``numpy.rint``), and values beyond the integer range are
clamped: that clamp is part of the quantizer's definition, not a silent wrap.
"""

from typing import NamedTuple

import numpy as np

from .sparq import (check_activations, check_weights, sparq_gemm, exact_gemm, _check_flag,
                    _check_int_setting, _check_rounding, _pair_mode)

__all__ = ["calibrate_max_mean", "quantize_activations", "quantize_weights", "im2col",
           "weights_to_matrix", "ConvResult", "sparq_conv2d", "KERNELS"]

KERNELS = ("sparq", "exact")


def _float_array(x, name):
    arr = np.asarray(x)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real-valued array, not dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.size and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr[~np.isfinite(arr)].flat[0]}")
    return arr


def _check_bits(bits):
    bits = _check_int_setting(bits, "bits")
    if not 2 <= bits <= 8:
        raise ValueError(f"bits must be an integer in 2..8, not {bits!r}")
    return bits


def _check_positive_int(value, name, minimum):
    value = _check_int_setting(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    return value


def calibrate_max_mean(x):
    """Mean over images of each image's maximum activation; ``x`` is (N, ...) with N >= 1."""
    x = _float_array(x, "x")
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"x must have shape (N, ...) with N >= 1 images, got {x.shape}")
    return float(x.reshape(x.shape[0], -1).max(axis=1).mean())


def quantize_activations(x, max_mean, *, bits=8):
    """Unsigned per-layer quantizer: ``q = clamp(rint(x / delta), 0, 2**bits - 1)``.

    Returns ``(q, delta)`` with ``q`` uint8 and ``delta = max_mean / (2**bits - 1)``. The layer input
    must be non-negative (post-ReLU); ``max_mean`` must be positive.
    """
    bits = _check_bits(bits)
    x = _float_array(x, "x")
    if x.size and x.min() < 0:
        raise ValueError(f"x must be non-negative (a post-ReLU layer input), got {float(x.min())!r}")
    if not isinstance(max_mean, (int, float, np.floating, np.integer)) or not max_mean > 0 \
            or not np.isfinite(max_mean):
        raise ValueError(f"max_mean must be a positive finite number, not {max_mean!r}")
    levels = (1 << bits) - 1
    delta = float(max_mean) / levels
    q = np.clip(np.rint(x / delta), 0, levels).astype(np.uint8)
    return q, delta


def quantize_weights(w, *, bits=8):
    """Symmetric per-output-channel quantizer for weights of shape (O, ...).

    ``delta_o = max|w_o| * 2 / (2**bits - 1)``, ``q = clamp(rint(w / delta_o), -2**(bits-1),
    2**(bits-1) - 1)``. An all-zero channel gets ``delta_o = 1`` (its weights quantize to 0).
    Returns ``(q int8, delta float64 of shape (O,))``.
    """
    bits = _check_bits(bits)
    w = _float_array(w, "w")
    if w.ndim < 1 or w.shape[0] == 0:
        raise ValueError(f"w must have shape (O, ...) with O >= 1 output channels, got {w.shape}")
    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    delta = np.where(peak > 0, peak * 2 / ((1 << bits) - 1), 1.0)
    scale = delta.reshape((-1,) + (1,) * (w.ndim - 1))
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = np.clip(np.rint(w / scale), lo, hi).astype(np.int8)
    return q, delta


def im2col(xq, kh, kw, *, stride=1, padding=0):
    """Unfold (N, C, H, W) activations into (N, Ho, Wo, K) patches, ``k = (i*kw + j)*C + c``.

    The tap (i, j) is outer and the channel c inner (PyTorch's default unfold has the channel outer,
    which pairs different taps and gives different SPARQ results). Padding is activation 0.
    """
    xq = check_activations(xq, "xq")
    if xq.ndim != 4:
        raise ValueError(f"xq must have shape (N, C, H, W), got {xq.shape}")
    kh = _check_positive_int(kh, "kh", 1)
    kw = _check_positive_int(kw, "kw", 1)
    stride = _check_positive_int(stride, "stride", 1)
    padding = _check_positive_int(padding, "padding", 0)
    N, C, H, W = xq.shape
    Ho = (H + 2 * padding - kh) // stride + 1
    Wo = (W + 2 * padding - kw) // stride + 1
    if Ho < 1 or Wo < 1:
        raise ValueError(f"kernel {kh}x{kw} does not fit input {H}x{W} with padding {padding}")
    xp = np.pad(xq, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    taps = [xp[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride]      # (N, C, Ho, Wo)
            for i in range(kh) for j in range(kw)]
    cols = np.stack(taps, axis=1)                                             # (N, T, C, Ho, Wo)
    return cols.transpose(0, 3, 4, 1, 2).reshape(N, Ho, Wo, kh * kw * C)


def weights_to_matrix(wq):
    """(O, C, kh, kw) weights as an (O, K) matrix in :func:`im2col`'s k order."""
    wq = check_weights(wq, "wq")
    if wq.ndim != 4:
        raise ValueError(f"wq must have shape (O, C, kh, kw), got {wq.shape}")
    O, C, kh, kw = wq.shape
    return wq.transpose(0, 2, 3, 1).reshape(O, kh * kw * C)     # (O = 0: -1 cannot be inferred)


class ConvResult(NamedTuple):
    """``acc``: int64 (N, O, Ho, Wo) integer accumulators; ``y``: float64 rescaled output."""
    acc: np.ndarray
    y: np.ndarray


def sparq_conv2d(xq, wq, delta_x, delta_w, *, bias=None, stride=1, padding=0, bits=4,
                 options=None, rounding="nearest-even", stc=False, kernel="sparq"):
    """A quantized 2-D convolution computed by the SPARQ kernel (or the exact one).

    Parameters
    ----------
    xq : (N, C, H, W) activations in 0..255 (see :func:`quantize_activations`).
    wq : (O, C, kh, kw) weights in -128..127 (see :func:`quantize_weights`).
    delta_x : float, the activation scale; delta_w : (O,) per-channel weight scales.
    bias : optional (O,) float, added after rescaling.
    bits, options, rounding, stc : the SPARQ setting (see :func:`golden.sparq_gemm`).
    kernel : ``"sparq"``, or ``"exact"`` for the plain integer product (A8W8, or naive 4-bit with
        4-bit activations): the same layer with SPARQ switched off.

    Returns
    -------
    ConvResult(acc, y). No images (N = 0) or no output channels (O = 0) give empty arrays of
    shape (N, O, Ho, Wo).
    """
    if not isinstance(kernel, str) or kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS)}, not {kernel!r}")
    # The SPARQ setting is checked with either kernel: "exact" ignores it, but a bad value is a bug.
    _pair_mode(bits, options)
    _check_rounding(rounding)
    _check_flag(stc, "stc")
    xq = check_activations(xq, "xq")
    wq = check_weights(wq, "wq")
    if xq.ndim != 4 or wq.ndim != 4 or xq.shape[1] != wq.shape[1]:
        raise ValueError(f"xq (N, C, H, W) and wq (O, C, kh, kw) must agree on C, got "
                         f"xq.shape={xq.shape} and wq.shape={wq.shape}")
    O, _, kh, kw = wq.shape
    delta_w = _float_array(delta_w, "delta_w").reshape(-1)
    if delta_w.shape != (O,):
        raise ValueError(f"delta_w must have shape ({O},), got {delta_w.shape}")
    delta_x = float(_float_array(delta_x, "delta_x"))
    cols = im2col(xq, kh, kw, stride=stride, padding=padding)          # (N, Ho, Wo, K)
    N, Ho, Wo, K = cols.shape
    A = cols.reshape(N * Ho * Wo, K)
    Bm = weights_to_matrix(wq)
    if kernel == "sparq":
        C = sparq_gemm(A, Bm, bits=bits, options=options, rounding=rounding, stc=stc)
    else:
        C = exact_gemm(A, Bm)
    acc = C.reshape(N, Ho, Wo, O).transpose(0, 3, 1, 2)
    y = acc * delta_x * delta_w.reshape(1, O, 1, 1)
    if bias is not None:
        bias = _float_array(bias, "bias").reshape(-1)
        if bias.shape != (O,):
            raise ValueError(f"bias must have shape ({O},), got {bias.shape}")
        y = y + bias.reshape(1, O, 1, 1)
    return ConvResult(np.ascontiguousarray(acc), y)
