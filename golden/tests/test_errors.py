"""Every bad input to the golden model raises a clear error naming the argument and the value."""

import re

import numpy as np
import pytest

import golden

A = np.zeros((2, 4), np.uint8)
B = np.zeros((3, 4), np.int8)
X = np.zeros((1, 2, 4, 4), np.uint8)
W = np.zeros((3, 2, 3, 3), np.int8)


@pytest.mark.parametrize("call,exc,message", [
    # activations: range and type
    (lambda: golden.bsparq([0, 256]), ValueError, "x must be in 0..255, got 256"),
    (lambda: golden.bsparq([-1]), ValueError, "x must be in 0..255, got -1"),
    (lambda: golden.bsparq([1.5]), TypeError, "x must be an array of integers, not dtype float64"),
    (lambda: golden.bsparq([True]), TypeError, "x must be an array of integers, not dtype bool"),
    (lambda: golden.vsparq([300], [0]), ValueError, "a0 must be in 0..255, got 300"),
    (lambda: golden.vsparq([0], [-5]), ValueError, "a1 must be in 0..255, got -5"),
    (lambda: golden.sparq_gemm(A + 0.0, B), TypeError, "A must be an array of integers, not dtype float64"),
    (lambda: golden.sparq_gemm(np.full((2, 4), 999), B), ValueError, "A must be in 0..255, got 999"),
    # weights
    (lambda: golden.sparq_gemm(A, np.full((3, 4), 128)), ValueError, "B must be in -128..127, got 128"),
    (lambda: golden.exact_gemm(A, np.full((3, 4), -129)), ValueError, "B must be in -128..127, got -129"),
    # settings
    (lambda: golden.bsparq([1], bits=5), ValueError, "bits must be one of 4, 3, 2, 6, not 5"),
    (lambda: golden.bsparq([1], options=4), ValueError, "options must be one of 5, 3, 2 for bits=4, not 4"),
    (lambda: golden.bsparq([1], bits=3, options=5), ValueError, "options must be one of 6 for bits=3, not 5"),
    (lambda: golden.bsparq([1], rounding="up"), ValueError,
     "rounding must be one of nearest-even, truncate, not 'up'"),
    (lambda: golden.vsparq([1], [1], bits=6), ValueError, "bits must be one of 4, 3, 2 for pairs, not 6"),
    (lambda: golden.vsparq([1], [1], bits=2, options=5), ValueError,
     "options must be one of 7 for bits=2, not 5"),
    (lambda: golden.sparq_gemm(A, B, rounding="RAW"), ValueError,
     "rounding must be one of nearest-even, truncate, not 'RAW'"),
    # shapes
    (lambda: golden.vsparq([1, 2], [1]), ValueError, "a0 and a1 must have the same shape, got (2,) and (1,)"),
    (lambda: golden.sparq_gemm(A, np.zeros((3, 5), np.int8)), ValueError,
     "A and B must have the same K (columns), got A.shape=(2, 4) and B.shape=(3, 5)"),
    (lambda: golden.sparq_gemm(A[0], B), ValueError, "A and B must be 2-D, got A.ndim=1 and B.ndim=2"),
    # 2:4
    (lambda: golden.sparq_gemm(A, np.array([[0, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]]), stc=True),
     ValueError, "B must have at most two non-zero weights per aligned group of 4 with stc=True, "
                 "got 3 in row 1, columns 0..3"),
    # layer
    (lambda: golden.quantize_activations([-0.5, 1.0], 2.0), ValueError,
     "x must be non-negative (a post-ReLU layer input), got -0.5"),
    (lambda: golden.quantize_activations([1.0], 0.0), ValueError, "max_mean must be a positive finite number, not 0.0"),
    (lambda: golden.quantize_activations([np.nan], 1.0), ValueError, "x must be finite, got nan"),
    (lambda: golden.quantize_activations([1.0], 1.0, bits=9), ValueError, "bits must be an integer in 2..8, not 9"),
    (lambda: golden.quantize_weights(np.zeros((0, 3))), ValueError,
     "w must have shape (O, ...) with O >= 1 output channels, got (0, 3)"),
    (lambda: golden.calibrate_max_mean(np.zeros(3)), ValueError,
     "x must have shape (N, ...) with N >= 1 images, got (3,)"),
    (lambda: golden.im2col(X[0], 3, 3), ValueError, "xq must have shape (N, C, H, W), got (2, 4, 4)"),
    (lambda: golden.im2col(X, 5, 5), ValueError, "kernel 5x5 does not fit input 4x4 with padding 0"),
    (lambda: golden.im2col(X, 3, 3, stride=0), ValueError, "stride must be at least 1, not 0"),
    (lambda: golden.im2col(X, 3, 3, padding=1.0), TypeError, "padding must be an integer, not 1.0"),
    (lambda: golden.weights_to_matrix(W[0]), ValueError, "wq must have shape (O, C, kh, kw), got (2, 3, 3)"),
    (lambda: golden.sparq_conv2d(X, np.zeros((3, 4, 3, 3), np.int8), 1.0, np.ones(3)), ValueError,
     "xq (N, C, H, W) and wq (O, C, kh, kw) must agree on C, got xq.shape=(1, 2, 4, 4) and "
     "wq.shape=(3, 4, 3, 3)"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(2)), ValueError, "delta_w must have shape (3,), got (2,)"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), bias=np.ones(4)), ValueError,
     "bias must have shape (3,), got (4,)"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), kernel="int4"), ValueError,
     "kernel must be one of sparq, exact, not 'int4'"),
    (lambda: golden.sparq_conv2d(X.astype(float), W, 1.0, np.ones(3)), TypeError,
     "xq must be an array of integers, not dtype float64"),
    # integer settings: floats (even integral ones) and bools are not integers
    (lambda: golden.sparq_gemm(A, B, bits=4.0), TypeError, "bits must be an integer, not 4.0"),
    (lambda: golden.sparq_gemm(A, B, options=5.0), TypeError, "options must be an integer, not 5.0"),
    (lambda: golden.sparq_gemm(A, B, bits=True), TypeError, "bits must be an integer, not True"),
    (lambda: golden.sparq_gemm(A, B, options=np.float64(3)), TypeError,
     "options must be an integer, not np.float64(3.0)"),
    (lambda: golden.sparq_gemm(A, B, bits="4"), TypeError, "bits must be an integer, not '4'"),
    (lambda: golden.bsparq([1], bits=4.0), TypeError, "bits must be an integer, not 4.0"),
    (lambda: golden.bsparq([1], options=5.0), TypeError, "options must be an integer, not 5.0"),
    (lambda: golden.bsparq([1], bits=6, options=True), TypeError, "options must be an integer, not True"),
    (lambda: golden.vsparq([1], [1], bits=2.0), TypeError, "bits must be an integer, not 2.0"),
    (lambda: golden.vsparq([1], [1], options=np.bool_(True)), TypeError,
     "options must be an integer, not np.True_"),
    (lambda: golden.pair_slots([1], [1], options=3.0), TypeError, "options must be an integer, not 3.0"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), bits=4.0), TypeError,
     "bits must be an integer, not 4.0"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), options=5.0), TypeError,
     "options must be an integer, not 5.0"),
    # the exact kernel ignores the SPARQ setting but does not accept a bad one
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), kernel="exact", bits=4.0), TypeError,
     "bits must be an integer, not 4.0"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), kernel="exact", options=4), ValueError,
     "options must be one of 5, 3, 2 for bits=4, not 4"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), kernel="exact", rounding="up"), ValueError,
     "rounding must be one of nearest-even, truncate, not 'up'"),
    (lambda: golden.quantize_activations([1.0], 1.0, bits=8.0), TypeError,
     "bits must be an integer, not 8.0"),
    (lambda: golden.quantize_weights([1.0], bits=True), TypeError, "bits must be an integer, not True"),
    (lambda: golden.im2col(X, 3.0, 3), TypeError, "kh must be an integer, not 3.0"),
    (lambda: golden.im2col(X, 3, 3, stride=True), TypeError, "stride must be an integer, not True"),
    # flags
    (lambda: golden.sparq_gemm(A, B, stc=1), TypeError, "stc must be True or False, not 1"),
    (lambda: golden.sparq_gemm(A, B, stc="no"), TypeError, "stc must be True or False, not 'no'"),
    (lambda: golden.sparq_conv2d(X, W, 1.0, np.ones(3), stc=None), TypeError,
     "stc must be True or False, not None"),
])
def test_error_message(call, exc, message):
    with pytest.raises(exc, match="^" + re.escape(message) + "$"):
        call()


def test_numpy_integers_are_integers():
    x = np.arange(256)
    for got, want in ((golden.bsparq(x, bits=np.int64(4), options=np.int8(3)),
                       golden.bsparq(x, bits=4, options=3)),
                      (golden.vsparq(x, x[::-1], bits=np.uint8(3)), golden.vsparq(x, x[::-1], bits=3))):
        assert all(np.array_equal(g, w) for g, w in zip(got, want))
    assert golden.sparq_gemm(A, B, stc=np.bool_(True)).shape == (2, 3)
    q, _ = golden.quantize_activations([1.0], 1.0, bits=np.int32(4))
    assert q.tolist() == [15]


def test_out_of_range_is_never_wrapped():
    # An int16 array holding 256 must be rejected, not taken modulo 256.
    with pytest.raises(ValueError, match="got 256"):
        golden.sparq_gemm(np.array([[256, 1]], np.int16), np.array([[1, 1]], np.int8))
