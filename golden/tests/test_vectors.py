"""The golden model reproduces every array of every conformance vector file, bit for bit."""

import numpy as np
import pytest

import golden
from golden.vectors import vector_sets

SETS = vector_sets()


def test_all_ten_settings_present():
    names = {s.name for s in SETS}
    expected = {f"bg{b}_opt{o}_{r}" for b, o in [(4, 5), (4, 3), (4, 2), (3, 6), (2, 7)]
                for r in ("raw", "round")}
    assert names == expected


@pytest.fixture(params=SETS, ids=lambda s: s.name)
def vs(request):
    return request.param


def test_window_table(vs):
    assert np.array_equal(vs["x_all"], np.arange(256))
    mant, shift = golden.bsparq(vs["x_all"], **vs.kwargs)
    assert np.array_equal(mant, vs["both_mant_all"])
    assert np.array_equal(shift, vs["both_shift_all"])
    assert np.array_equal(mant << shift, vs["both_h_all"])


def test_lone_table(vs):
    zeros = np.zeros(256, np.uint8)
    h0, h1 = golden.vsparq(zeros, vs["x_all"], **vs.kwargs)
    assert np.array_equal(h1, vs["solo_h_all"])
    assert not h0.any()
    h0, h1 = golden.vsparq(vs["x_all"], zeros, **vs.kwargs)
    assert np.array_equal(h0, vs["solo_h_all"])
    assert not h1.any()


def test_all_pairs(vs):
    a = vs["allpairs_a"]
    h0, h1 = golden.vsparq(a[:, 0], a[:, 1], **vs.kwargs)
    assert np.array_equal(np.stack([h0, h1], axis=-1), vs["allpairs_h"])


def test_random_pairs(vs):
    a = vs["pair_a"]
    h0, h1 = golden.vsparq(a[:, 0], a[:, 1], **vs.kwargs)
    assert np.array_equal(np.stack([h0, h1], axis=-1), vs["pair_h"])


def test_slots(vs):
    a = vs["allpairs_a"]
    mant, shift, src = golden.pair_slots(a[:, 0], a[:, 1], **vs.kwargs)
    assert np.array_equal(mant, vs["slot_mant"])
    assert np.array_equal(shift, vs["slot_shift"])
    assert np.array_equal(src, vs["slot_src"])


@pytest.mark.parametrize("dtype", ["native", "int64"])
@pytest.mark.parametrize("prefix", ["gemm", "gemm2"])
def test_gemm(vs, prefix, dtype):
    # Both paths of sparq_gemm: the uint8/int8 fast path (pair table indexed by the bytes) and
    # the general path that wider integer dtypes take.
    A, B = vs[f"{prefix}_A"], vs[f"{prefix}_B"]
    if dtype == "int64":
        A, B = A.astype(np.int64), B.astype(np.int64)
    assert np.array_equal(golden.sparq_gemm(A, B, **vs.kwargs), vs[f"{prefix}_C"])
    assert np.array_equal(golden.exact_gemm(A, B), vs[f"{prefix}_C_exact"])


def test_gemm_odd_k_is_paired_with_zero(vs):
    # The vectors' own pair table, applied pair by pair with the odd K's last activation paired
    # with an implicit 0, gives the kernel's C; pairing it with anything else would not.
    A, B, C = vs["gemm_A"].astype(np.int64), vs["gemm_B"].astype(np.int64), vs["gemm_C"]
    assert A.shape[1] % 2 == 1
    table = vs["allpairs_h"].astype(np.int64)             # row a0 * 256 + a1 -> (h0, h1)
    Ap = np.concatenate([A, np.zeros((A.shape[0], 1), np.int64)], axis=1)
    Bp = np.concatenate([B, np.zeros((B.shape[0], 1), np.int64)], axis=1)
    H = table[Ap[:, 0::2] * 256 + Ap[:, 1::2]].reshape(A.shape[0], -1)
    assert np.array_equal(H @ Bp.T, C)
    # The last activation alone is served as lone(x): the vectors' solo table.
    last = A[:, -1]
    assert np.array_equal(H[:, -2], vs["solo_h_all"][last] * (last != 0))
    for args in ((A, B), (A.astype(np.uint8), B.astype(np.int8))):
        assert np.array_equal(golden.sparq_gemm(*args, **vs.kwargs), C)


def test_stc_gemm(vs):
    C = golden.sparq_gemm(vs["stc_A"], vs["stc_B"], stc=True, **vs.kwargs)
    assert np.array_equal(C, vs["stc_C"])
