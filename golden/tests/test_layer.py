"""The quantized convolution layer: quantizers, im2col order, and the conv against direct loops."""

import numpy as np
import pytest

import golden


def direct_conv_pairs(xq, wq, padding, **kw):
    """Reference conv written tap by tap: a vSPARQ pair is input channels (2m, 2m+1) at one tap."""
    N, C, H, W = xq.shape
    O, _, kh, kw_ = wq.shape
    xp = np.pad(xq.astype(np.int64), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    Ho, Wo = H + 2 * padding - kh + 1, W + 2 * padding - kw_ + 1
    acc = np.zeros((N, O, Ho, Wo), np.int64)
    for i in range(kh):
        for j in range(kw_):
            xs = xp[:, :, i:i + Ho, j:j + Wo]
            if kw:
                h0, h1 = golden.vsparq(xs[:, 0::2], xs[:, 1::2], **kw)
                h = np.empty_like(xs)
                h[:, 0::2], h[:, 1::2] = h0, h1
            else:
                h = xs
            acc += np.einsum("nchw,oc->nohw", h, wq[:, :, i, j].astype(np.int64))
    return acc


@pytest.mark.parametrize("kw", [dict(), dict(options=5), dict(options=3, rounding="truncate"),
                                dict(bits=2)])
def test_conv_matches_tap_by_tap_reference(kw):
    rng = np.random.default_rng(7)
    xq = (rng.integers(0, 256, (2, 6, 5, 7)) * (rng.random((2, 6, 5, 7)) < 0.5)).astype(np.uint8)
    wq = rng.integers(-128, 128, (4, 6, 3, 3)).astype(np.int8)
    dw = rng.random(4) + 0.1
    kernel = "sparq" if kw else "exact"
    res = golden.sparq_conv2d(xq, wq, 0.5, dw, padding=1, kernel=kernel, **kw)
    expected = direct_conv_pairs(xq, wq, 1, **kw)
    assert res.acc.dtype == np.int64
    assert np.array_equal(res.acc, expected)
    assert np.allclose(res.y, expected * 0.5 * dw.reshape(1, -1, 1, 1))


def test_im2col_order_tap_outer_channel_inner():
    xq = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(1, 2, 3, 3)
    cols = golden.im2col(xq, 2, 2)
    assert cols.shape == (1, 2, 2, 8)
    # Output (0, 0): taps (0,0),(0,1),(1,0),(1,1), each as channels (0, 1).
    assert cols[0, 0, 0].tolist() == [0, 9, 1, 10, 3, 12, 4, 13]
    w = np.arange(2 * 2 * 2 * 2).reshape(2, 2, 2, 2) - 8
    assert golden.weights_to_matrix(w)[0].tolist() == [-8, -4, -7, -3, -6, -2, -5, -1]


def test_im2col_padding_and_stride():
    xq = np.full((1, 1, 4, 4), 9, np.uint8)
    cols = golden.im2col(xq, 3, 3, stride=2, padding=1)
    assert cols.shape == (1, 2, 2, 9)
    # Top-left patch: the first row and column come from the zero padding.
    assert cols[0, 0, 0].tolist() == [0, 0, 0, 0, 9, 9, 0, 9, 9]


def test_conv_bias_and_stc():
    xq = np.full((1, 4, 2, 2), 100, np.uint8)
    wq = np.zeros((2, 4, 1, 1), np.int8)
    wq[:, 1, 0, 0] = 3      # one non-zero weight per group of 4 channels
    res = golden.sparq_conv2d(xq, wq, 0.1, np.array([1.0, 2.0]), bias=np.array([5.0, -5.0]),
                              stc=True)
    # 2:4 pairing: the pair is (x[1], 0): lone, exact -> 300.
    assert (res.acc == 300).all()
    assert np.allclose(res.y[0, 0], 300 * 0.1 + 5) and np.allclose(res.y[0, 1], 300 * 0.2 - 5)


def test_quantize_activations():
    x = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    q, delta = golden.quantize_activations(x, 2.0)
    assert delta == 2.0 / 255
    assert q.dtype == np.uint8
    # 0.5 / (2/255) = 63.75 -> 64; above max_mean the quantizer clamps to 255 by definition.
    assert q.tolist() == [0, 64, 128, 255, 255]
    q4, d4 = golden.quantize_activations(x, 2.0, bits=4)
    assert d4 == 2.0 / 15 and q4.tolist() == [0, 4, 8, 15, 15]


def test_quantize_round_half_even():
    q, _ = golden.quantize_activations(np.array([0.5, 1.5, 2.5]) * (1.0 / 255), 1.0)
    assert q.tolist() == [0, 2, 2]


def test_quantize_weights_per_channel():
    w = np.array([[[1.0, -0.5]], [[0.0, 0.0]], [[-4.0, 2.0]]])
    q, delta = golden.quantize_weights(w)
    assert np.allclose(delta, [2 / 255, 1.0, 8 / 255])
    assert q.dtype == np.int8
    # max|w| maps to 127.5 -> 128 by half-even, clamped to 127 by the quantizer's range.
    assert q[:, 0].tolist() == [[127, -64], [0, 0], [-128, 64]]


def test_calibrate_max_mean():
    x = np.zeros((2, 3, 2, 2))
    x[0, 1, 1, 1] = 4.0
    x[1, 2, 0, 0] = 2.0
    assert golden.calibrate_max_mean(x) == 3.0
