"""golden.sparse: the 2:4 packer, its errors, pruning, and the tiler's group-aligned K chunks."""

import numpy as np
import pytest

import golden
from golden.layer import weights_to_matrix
from golden.sparse import (check_2to4, compress_2to4, expand_2to4, prune_2to4, prune_conv_2to4)
from golden.tiling import TilePlan


def test_compress_names_the_channel_and_group():
    B = np.zeros((4, 9), np.int8)
    B[3, 8] = 1
    B[1, 0:4] = [1, 2, 0, 3]
    with pytest.raises(ValueError, match=r"^B is not 2:4 sparse: output channel 1, group 0 "
                                         r"\(columns 0..3\) has 3 non-zero weights, at most 2 "
                                         r"allowed$"):
        compress_2to4(B)


def test_compress_layout_and_padding():
    B = np.array([[0, 0, 0, -128, 5, 0, 7, 0, 0], [0] * 9])
    values, positions = compress_2to4(B)
    assert values.tolist() == [[[-128, 0], [5, 7], [0, 0]], [[0, 0], [0, 0], [0, 0]]]
    assert positions.tolist() == [[[3, 0], [0, 2], [0, 0]], [[0, 0], [0, 0], [0, 0]]]
    assert np.array_equal(expand_2to4(values, positions, 9), B)


def test_golden_stc_pairs_the_first_two_nonzero_weights():
    # The pair (first, second non-zero weight's activations) under the vSPARQ rules, from the spec:
    # (200, 37) both windowed; a group with one weight has a lone, exact activation.
    A = np.array([[200, 100, 37, 9]])
    B = np.array([[3, 0, 5, 0], [0, 7, 0, 0]])
    h0, h1 = golden.vsparq(np.array([200]), np.array([37]))
    assert golden.sparq_gemm(A, B, stc=True).tolist() == [[int(h0[0] * 3 + h1[0] * 5), 700]]


def test_prune_conv_follows_the_reduction_order():
    rng = np.random.default_rng(0)
    wq = rng.integers(-128, 128, (3, 8, 3, 3)).astype(np.int8)
    pruned = prune_conv_2to4(wq)
    assert pruned.shape == wq.shape and pruned.dtype == wq.dtype
    matrix = weights_to_matrix(pruned)
    check_2to4(matrix)
    assert np.array_equal(matrix, prune_2to4(weights_to_matrix(wq)))
    assert ((matrix != 0).sum() == 3 * 72 // 2)


@pytest.mark.parametrize("max_k", [4, 7, 10, 13])
def test_grouped_chunks_start_at_multiples_of_4_and_add_up(max_k):
    plan = TilePlan(3, 2, 29, 2, 2, max_k, grouped=True)
    chunks = plan.k_chunks()
    assert all(k0 % 4 == 0 and k1 - k0 <= max_k for k0, k1 in chunks)
    assert chunks[-1][1] == 29
    rng = np.random.default_rng(max_k)
    A = rng.integers(0, 256, (3, 29)) * (rng.random((3, 29)) < 0.6)
    B = prune_2to4(rng.integers(-128, 128, (2, 29)))
    whole = golden.sparq_gemm(A, B, stc=True)
    parts = sum(golden.sparq_gemm(A[:, a:b], B[:, a:b], stc=True) for a, b in chunks)
    assert np.array_equal(parts, whole)


def test_grouped_plan_refuses_an_unsplittable_k():
    with pytest.raises(ValueError, match=r"K=9 cannot be split into groups of four on an array "
                                         r"of max_k=3"):
        TilePlan(1, 1, 9, 1, 1, 3, grouped=True)


@pytest.mark.parametrize("bits,options,rounding", [(4, 5, "nearest-even"), (4, 3, "truncate"),
                                                   (3, 6, "nearest-even"), (2, 7, "truncate")])
def test_stc_gemm_is_the_pair_by_pair_definition(bits, options, rounding):
    # Every output channel's group of four: the activations at its kept weights' positions, in
    # order, through vSPARQ (a missing second weight pairs the first with a zero), times the
    # weights. Groups with 0, 1 and 2 non-zero weights at every position; K not a multiple of 4.
    rng = np.random.default_rng(bits * 10 + options)
    M, N, K = 9, 12, 27
    A = rng.integers(0, 256, (M, K)) * (rng.random((M, K)) < 0.6)
    B = prune_2to4(rng.integers(-128, 128, (N, K)))
    B[rng.random((N, K)) < 0.3] = 0
    expected = np.zeros((M, N), np.int64)
    for n in range(N):
        for g in range(0, K, 4):
            kept = [k for k in range(g, min(g + 4, K)) if B[n, k]] + [None, None]
            k0, k1 = kept[:2]
            for m in range(M):
                a0 = A[m, k0] if k0 is not None else 0
                a1 = A[m, k1] if k1 is not None else 0
                h0, h1 = golden.vsparq(np.array([a0]), np.array([a1]), bits=bits,
                                       options=options, rounding=rounding)
                expected[m, n] += int(h0[0]) * (int(B[n, k0]) if k0 is not None else 0) \
                    + int(h1[0]) * (int(B[n, k1]) if k1 is not None else 0)
    patterns = {tuple(np.flatnonzero(B[n, g:g + 4])) for n in range(N) for g in range(0, 24, 4)}
    assert len(patterns) >= 8                      # most of the 11 position patterns occur
    got = golden.sparq_gemm(A.astype(np.uint8), B.astype(np.int8), bits=bits, options=options,
                            rounding=rounding, stc=True)
    assert got.dtype == np.int64 and np.array_equal(got, expected)
