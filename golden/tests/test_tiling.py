"""The host-side tiler: tiles computed one by one with the golden kernel and assembled give the
golden result of the whole GEMM or convolution, for any shape (no hardware involved)."""

import numpy as np
import pytest

import golden
from golden.tiling import TilePlan, conv_as_gemm, gemm_to_conv


def _run_plan(plan, A, B, kernel):
    # What an array does with the plan's tiles: each tile's C, rows in order, chunk by chunk.
    return [np.concatenate([kernel(a, b) for _, a, b in chunk] or [np.zeros((0, plan.cols))])
            for chunk in plan.tiles(A, B)]


@pytest.mark.parametrize("M, N, K, rows, cols, max_k", [
    (7, 5, 23, 3, 2, 10), (7, 5, 23, 2, 3, 9), (1, 1, 1, 8, 8, 1152), (16, 16, 1153, 8, 8, 1152),
    (9, 4, 31, 4, 4, 7), (0, 3, 5, 2, 2, 4),
])
@pytest.mark.parametrize("kernel", ["sparq", "exact"])
def test_tiles_assemble_to_the_whole_gemm(M, N, K, rows, cols, max_k, kernel):
    rng = np.random.default_rng(M * 1000 + K)
    A = (rng.integers(0, 256, (M, K)) * (rng.random((M, K)) < 0.5)).astype(np.uint8)
    B = rng.integers(-128, 128, (N, K)).astype(np.int8)
    gemm = {"sparq": lambda a, b: golden.sparq_gemm(a, b, options=3),
            "exact": golden.exact_gemm}[kernel]
    plan = TilePlan(M, N, K, rows, cols, max_k, paired=kernel == "sparq")
    assert all(k1 - k0 <= max_k for k0, k1 in plan.k_chunks())
    if kernel == "sparq":
        assert all(k0 % 2 == 0 for k0, _ in plan.k_chunks())
    C, missing = plan.assemble(_run_plan(plan, A, B, gemm))
    assert np.array_equal(C, gemm(A, B)) and not missing.any()


def test_pairs_never_straddle_chunks():
    # Splitting at an odd position would pair differently: the plan's even split is what makes
    # the partial sums add up for SPARQ.
    rng = np.random.default_rng(1)
    A = rng.integers(1, 256, (2, 6)).astype(np.uint8)
    B = rng.integers(-128, 128, (2, 6)).astype(np.int8)
    A[:, 3] = 0                                        # a lone partner inside the reduction
    plan = TilePlan(2, 2, 6, 2, 2, 5)
    assert plan.k_chunks() == [(0, 4), (4, 6)]
    odd = golden.sparq_gemm(A[:, :3], B[:, :3]) + golden.sparq_gemm(A[:, 3:], B[:, 3:])
    whole = golden.sparq_gemm(A, B)
    assert not np.array_equal(odd, whole)
    C, _ = plan.assemble(_run_plan(plan, A, B, golden.sparq_gemm))
    assert np.array_equal(C, whole)


def test_missing_rows_are_marked():
    plan = TilePlan(4, 4, 8, 2, 2, 8)
    rows = np.ones((6, 2), np.int64)                    # 3 of 4 tiles came out
    C, missing = plan.assemble([rows])
    assert missing[2:, 2:].all() and not missing[:2].any() and not missing[2:, :2].any()


def test_conv_through_the_plan_equals_sparq_conv2d():
    rng = np.random.default_rng(5)
    x = (rng.integers(0, 256, (2, 6, 5, 5)) * (rng.random((2, 6, 5, 5)) < 0.5)).astype(np.uint8)
    w = rng.integers(-128, 128, (7, 6, 3, 3)).astype(np.int8)
    A, B, shape = conv_as_gemm(x, w, padding=1, stride=2)
    plan = TilePlan(A.shape[0], B.shape[0], A.shape[1], 4, 4, 20)
    C, _ = plan.assemble(_run_plan(plan, A, B, golden.sparq_gemm))
    expected = golden.sparq_conv2d(x, w, 1.0, np.ones(7), padding=1, stride=2).acc
    assert np.array_equal(gemm_to_conv(C, shape), expected)


@pytest.mark.parametrize("args, error, message", [
    ((4, 4, 0, 2, 2, 8), ValueError, "K must be at least 1, not 0"),
    ((4, 4, 3, 2, 2, 1), ValueError, "K=3 cannot be split into pairs on an array of max_k=1"),
    ((4, 4, 3, 2.0, 2, 8), TypeError, "rows must be an integer, not 2.0"),
    ((-1, 4, 3, 2, 2, 8), ValueError, "M must be at least 0, not -1"),
])
def test_bad_plans(args, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        TilePlan(*args)
    plan = TilePlan(2, 2, 4, 2, 2, 4)
    with pytest.raises(ValueError, match=r"A and B must have shapes \(2, 4\) and \(2, 4\)"):
        plan.tiles(np.zeros((2, 3)), np.zeros((2, 4)))
