"""Empty operands are not errors: M = 0 or N = 0 gives an empty result of the right shape, as a
matrix product does, in the GEMMs and in the convolution layer."""

import numpy as np
import pytest

import golden


@pytest.mark.parametrize("stc", [False, True])
@pytest.mark.parametrize("M,N,K", [(0, 3, 4), (0, 3, 5), (0, 3, 1), (2, 0, 4), (2, 0, 5),
                                   (0, 0, 6), (2, 3, 0), (0, 0, 0)])
@pytest.mark.parametrize("dtype", [np.uint8, np.int64])
def test_empty_gemm(M, N, K, stc, dtype):
    A = np.zeros((M, K), dtype)
    # Two non-zero weights per aligned group of 4 (valid with stc=True too).
    B = np.resize(np.array([3, 0, -2, 0], np.int8), (N, K))
    C = golden.sparq_gemm(A, B, stc=stc)
    assert C.dtype == np.int64 and C.shape == (M, N)
    assert np.array_equal(C, golden.exact_gemm(A, B))
    assert np.array_equal(C, np.zeros((M, N), np.int64))


def test_empty_gemm_still_checks_its_arguments():
    # No activations to multiply, but a bad weight matrix is still an error.
    B = np.array([[1, 1, 1, 0]], np.int8)
    with pytest.raises(ValueError, match="at most two non-zero weights per aligned group"):
        golden.sparq_gemm(np.zeros((0, 4), np.uint8), B, stc=True)
    with pytest.raises(ValueError, match=r"^A and B must have the same K"):
        golden.sparq_gemm(np.zeros((0, 4), np.uint8), np.zeros((3, 5), np.int8))
    with pytest.raises(TypeError, match=r"^bits must be an integer, not 4.0$"):
        golden.sparq_gemm(np.zeros((0, 4), np.uint8), np.zeros((3, 4), np.int8), bits=4.0)


@pytest.mark.parametrize("kernel", ["sparq", "exact"])
@pytest.mark.parametrize("N,C,O", [(0, 2, 3), (1, 2, 0), (0, 3, 0), (2, 0, 3)])
def test_empty_conv2d(N, C, O, kernel):
    xq = np.full((N, C, 5, 4), 7, np.uint8)
    wq = np.ones((O, C, 3, 3), np.int8)
    res = golden.sparq_conv2d(xq, wq, 0.5, np.ones(O), bias=np.ones(O), padding=1, kernel=kernel)
    assert res.acc.dtype == np.int64 and res.acc.shape == (N, O, 5, 4)
    assert res.y.shape == (N, O, 5, 4)
    assert not res.acc.any()
    if N and O:                          # C = 0: no products, only the bias
        assert np.all(res.y == 1.0)


def test_empty_im2col_and_weights():
    assert golden.im2col(np.zeros((0, 2, 4, 4), np.uint8), 3, 3).shape == (0, 2, 2, 18)
    assert golden.weights_to_matrix(np.zeros((0, 2, 3, 3), np.int8)).shape == (0, 18)
