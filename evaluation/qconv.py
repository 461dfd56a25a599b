"""One quantized convolution layer, computed by the golden model (NumPy only, no PyTorch).

A :class:`ConvLayer` holds a trained convolution's float weights, its geometry and its calibrated
activation range; :func:`run_layer` computes it under a :class:`~evaluation.settings.Setting`:

- activations: the unsigned per-layer quantizer :func:`golden.quantize_activations` with
  ``max_mean`` from calibration (8 bits, or 4 bits for the naive baseline);
- weights: :func:`golden.quantize_weights`, 8 bits per output channel (computed once); for a 2:4
  setting (``stc``) pruned to two non-zero weights in every aligned group of four along the
  reduction (:func:`golden.sparse.prune_conv_2to4`, computed once);
- the integer product: :func:`golden.sparq_conv2d` with ``kernel="sparq"`` (SPARQ settings) or
  ``kernel="exact"`` (A8W8, naive A4W8), whose ``y = acc * delta_x * delta_w[o] + bias``.

Pairing: vSPARQ pairs consecutive elements ``(k, k+1)``, k even, of the reduction dimension in
:func:`golden.im2col` order ``k = (i*kw + j)*C + c``. With an even channel count C a pair is input
channels (2m, 2m+1) at one kernel tap. With an odd C the pairs run on across taps: channel C-1 of
tap t is paired with channel 0 of tap t+1, and when K = kh*kw*C is odd the last element is paired
with an implicit zero. That is what the authors' kernel does to the unfolded matrix; it is correct,
but fewer pairs line up with the channel structure, so :attr:`ConvLayer.pairing` says which case a
layer is in.
"""

from dataclasses import dataclass, field

import numpy as np

import golden
from golden.sparse import prune_conv_2to4

__all__ = ["ConvLayer", "LayerRun", "PairCounts", "run_layer", "pair_counts"]


@dataclass
class PairCounts:
    """Zero statistics of a layer's quantized input, as counts so that batches add up.

    ``zeros / activations``: fraction of zero activations in the layer input (padding excluded).
    ``pairs_with_zero / pairs``: fraction of vSPARQ pairs (over the im2col matrix the kernel sees,
    padding and the implicit zero of an odd K included) with at least one zero member, the pairs
    whose survivor is multiplied exactly (4-bit windows) or with a wider window (3- and 2-bit).
    ``pairs_both_zero / pairs``: pairs that contribute nothing.
    """

    activations: int = 0
    zeros: int = 0
    pairs: int = 0
    pairs_with_zero: int = 0
    pairs_both_zero: int = 0

    def __iadd__(self, other):
        for f in ("activations", "zeros", "pairs", "pairs_with_zero", "pairs_both_zero"):
            setattr(self, f, getattr(self, f) + getattr(other, f))
        return self

    @property
    def zero_fraction(self):
        return self.zeros / self.activations if self.activations else float("nan")

    @property
    def pair_zero_fraction(self):
        return self.pairs_with_zero / self.pairs if self.pairs else float("nan")

    @property
    def pair_both_zero_fraction(self):
        return self.pairs_both_zero / self.pairs if self.pairs else float("nan")


def pair_counts(xq, cols):
    """:class:`PairCounts` of a quantized input ``xq`` (N, C, H, W) and its im2col ``cols`` (..., K)."""
    A = cols.reshape(-1, cols.shape[-1])
    if A.shape[1] % 2:
        A = np.concatenate([A, np.zeros((A.shape[0], 1), A.dtype)], axis=1)
    z0, z1 = A[:, 0::2] == 0, A[:, 1::2] == 0
    return PairCounts(activations=int(xq.size), zeros=int(np.count_nonzero(xq == 0)),
                      pairs=int(z0.size), pairs_with_zero=int(np.count_nonzero(z0 | z1)),
                      pairs_both_zero=int(np.count_nonzero(z0 & z1)))


@dataclass
class LayerRun:
    """What one call of :func:`run_layer` computed.

    ``acc``: int64 (N, O, Ho, Wo) integer accumulators; ``y``: float64 output (``acc`` rescaled,
    plus bias); ``xq``: the quantized input (N, C, H, W) as given to the kernel, before padding;
    ``delta_x``: its scale; ``counts``: its :class:`PairCounts`.
    """

    acc: np.ndarray
    y: np.ndarray
    xq: np.ndarray
    delta_x: float
    counts: PairCounts


def _pair2(value, what, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise TypeError(f"layer {name!r}: {what} must be an int or a pair of ints, not {value!r}")


@dataclass
class ConvLayer:
    """A convolution to be quantized: float weights, geometry and calibration.

    Parameters
    ----------
    name : str
        The layer's name (its module path in the model), used in tables and error messages.
    weight : array (O, C, kh, kw) of floats; bias : array (O,) or None.
    stride : int or (sh, sw).
    padding : int, (ph, pw), or (top, bottom, left, right): zero padding (activation 0).
    max_mean : float
        Mean over calibration images of each image's maximum input activation (> 0).
    input_hw : (H, W), optional
        The input size seen in calibration (for reports).
    """

    name: str
    weight: np.ndarray
    bias: np.ndarray = None
    stride: tuple = 1
    padding: tuple = 0
    max_mean: float = 1.0
    input_hw: tuple = None
    wq: np.ndarray = field(init=False, repr=False)
    delta_w: np.ndarray = field(init=False, repr=False)
    _wq_2to4: np.ndarray = field(init=False, repr=False, default=None)

    def __post_init__(self):
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if self.weight.ndim != 4:
            raise ValueError(f"layer {self.name!r}: weight must have shape (O, C, kh, kw), "
                             f"got {self.weight.shape}")
        if self.bias is not None:
            self.bias = np.asarray(self.bias, dtype=np.float64).reshape(-1)
        stride = _pair2(self.stride, "stride", self.name)
        if min(stride) < 1:
            raise ValueError(f"layer {self.name!r}: stride must be at least 1, not {self.stride!r}")
        self.stride = stride
        if isinstance(self.padding, (tuple, list)) and len(self.padding) == 4:
            pads = tuple(self.padding)
            if not all(isinstance(p, int) and not isinstance(p, bool) for p in pads):
                raise TypeError(f"layer {self.name!r}: padding must hold ints, not {self.padding!r}")
        else:
            ph, pw = _pair2(self.padding, "padding", self.name)
            pads = (ph, ph, pw, pw)
        if min(pads) < 0:
            raise ValueError(f"layer {self.name!r}: padding must be non-negative, not {self.padding!r}")
        self.padding = pads
        if not (isinstance(self.max_mean, (int, float, np.floating)) and np.isfinite(self.max_mean)
                and self.max_mean > 0):
            raise ValueError(f"layer {self.name!r}: max_mean must be a positive finite number, "
                             f"not {self.max_mean!r}")
        self.max_mean = float(self.max_mean)
        self.wq, self.delta_w = golden.quantize_weights(self.weight, bits=8)

    @property
    def in_channels(self):
        return self.weight.shape[1]

    @property
    def out_channels(self):
        return self.weight.shape[0]

    @property
    def kernel_size(self):
        return self.weight.shape[2:]

    @property
    def K(self):
        """Reduction length kh * kw * C."""
        return int(np.prod(self.weight.shape[1:]))

    @property
    def pairing(self):
        """How vSPARQ pairs this layer's reduction dimension (see the module docstring)."""
        C = self.in_channels
        if C % 2 == 0:
            return "channels (2m, 2m+1) at one tap"
        text = f"odd C={C}: pairs span taps (channel {C - 1} of tap t with channel 0 of tap t+1)"
        if self.K % 2:
            text += "; last element paired with 0"
        return text

    def _square(self):
        top, bottom, left, right = self.padding
        return top == bottom == left == right and self.stride[0] == self.stride[1]

    def im2col(self, xq):
        """The (N, Ho, Wo, K) matrix the kernel multiplies, for a quantized input (N, C, H, W)."""
        kh, kw = self.kernel_size
        if self._square():
            return golden.im2col(xq, kh, kw, stride=self.stride[0], padding=self.padding[0])
        cols = golden.im2col(self._pad(xq), kh, kw, stride=1, padding=0)
        return cols[:, ::self.stride[0], ::self.stride[1]]

    def _pad(self, xq):
        top, bottom, left, right = self.padding
        return np.pad(xq, ((0, 0), (0, 0), (top, bottom), (left, right)))

    @property
    def wq_2to4(self):
        """The 8-bit weights pruned 2:4 along the reduction (:func:`golden.sparse.prune_conv_2to4`), for
        the ``stc`` settings; the scales ``delta_w`` stay those of the dense weights."""
        if self._wq_2to4 is None:
            self._wq_2to4 = prune_conv_2to4(self.wq)
        return self._wq_2to4

    def conv(self, xq, delta_x, setting):
        """:func:`golden.sparq_conv2d` on an already quantized input, with this layer's geometry."""
        kw_args = dict(bias=self.bias, kernel="sparq" if setting.kind == "sparq" else "exact",
                       bits=setting.bits, options=setting.options, rounding=setting.rounding,
                       stc=setting.stc)
        wq = self.wq_2to4 if setting.stc else self.wq
        if self._square():
            return golden.sparq_conv2d(xq, wq, delta_x, self.delta_w, stride=self.stride[0],
                                       padding=self.padding[0], **kw_args)
        # golden takes one stride and one symmetric padding: pad here, and for unequal strides
        # compute at stride 1 and keep every (sh, sw)-th output (each output is independent).
        xin = self._pad(xq)
        sh, sw = self.stride
        if sh == sw:
            return golden.sparq_conv2d(xin, wq, delta_x, self.delta_w, stride=sh, **kw_args)
        res = golden.sparq_conv2d(xin, wq, delta_x, self.delta_w, stride=1, **kw_args)
        return golden.ConvResult(np.ascontiguousarray(res.acc[:, :, ::sh, ::sw]),
                                 res.y[:, :, ::sh, ::sw])


def run_layer(layer, x, setting, *, stats=True):
    """Compute ``layer`` on the float input ``x`` (N, C, H, W) under ``setting``.

    The input must be non-negative (a post-ReLU activation), since the activation quantizer is
    unsigned. Returns a :class:`LayerRun`. ``stats=False`` skips the zero statistics.
    """
    if not setting.quantized:
        raise ValueError(f"setting {setting.name!r} does not quantize; run the float layer instead")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or x.shape[1] != layer.in_channels:
        raise ValueError(f"layer {layer.name!r}: input must have shape (N, {layer.in_channels}, H, W), "
                         f"got {x.shape}")
    if x.size and x.min() < 0:
        raise ValueError(f"layer {layer.name!r}: input must be non-negative (post-ReLU) to be "
                         f"quantized as unsigned activations, got {float(x.min())!r}")
    xq, delta_x = golden.quantize_activations(x, layer.max_mean, bits=setting.act_bits)
    res = layer.conv(xq, delta_x, setting)
    counts = pair_counts(xq, layer.im2col(xq)) if stats else PairCounts()
    return LayerRun(acc=res.acc, y=res.y, xq=xq, delta_x=delta_x, counts=counts)
