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


@pytest.mark.parametrize("prefix", ["gemm", "gemm2"])
def test_gemm(vs, prefix):
    A, B = vs[f"{prefix}_A"], vs[f"{prefix}_B"]
    assert np.array_equal(golden.sparq_gemm(A, B, **vs.kwargs), vs[f"{prefix}_C"])
    assert np.array_equal(golden.exact_gemm(A, B), vs[f"{prefix}_C_exact"])


def test_gemm_odd_k_is_paired_with_zero(vs):
    assert vs["gemm_A"].shape[1] % 2 == 1


def test_stc_gemm(vs):
    C = golden.sparq_gemm(vs["stc_A"], vs["stc_B"], stc=True, **vs.kwargs)
    assert np.array_equal(C, vs["stc_C"])
