"""The quantized conv layer of evaluation against independent references (NumPy only)."""

import numpy as np
import pytest

import golden
from evaluation import SETTINGS, ConvLayer, pair_counts, run_layer


def direct_conv_int(xq, wq, stride, pads, values=None):
    """Integer convolution written out tap by tap, independent of golden.im2col.

    ``values(a0, a1) -> (h0, h1)`` gives the multiplied values of each pair of the reduction
    (k = (i*kw + j)*C + c, pairs (k, k+1)); None multiplies the activations themselves.
    """
    N, C, H, W = xq.shape
    O, _, kh, kw = wq.shape
    top, bottom, left, right = pads
    xp = np.pad(xq.astype(np.int64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    sh, sw = stride
    Ho = (H + top + bottom - kh) // sh + 1
    Wo = (W + left + right - kw) // sw + 1
    acc = np.zeros((N, O, Ho, Wo), np.int64)
    for n in range(N):
        for y in range(Ho):
            for x in range(Wo):
                patch = []
                wrow = []
                for i in range(kh):
                    for j in range(kw):
                        for c in range(C):
                            patch.append(xp[n, c, y * sh + i, x * sw + j])
                            wrow.append(wq[:, c, i, j].astype(np.int64))
                if len(patch) % 2:
                    patch.append(0)
                    wrow.append(np.zeros(O, np.int64))
                a = np.array(patch, np.int64)
                if values is not None:
                    h0, h1 = values(a[0::2], a[1::2])
                    a = np.empty_like(a)
                    a[0::2], a[1::2] = h0, h1
                acc[n, :, y, x] = a @ np.stack(wrow)
    return acc


def direct_conv_2to4(xq, wq, stride, pads, values=None):
    """The 2:4 settings written out tap by tap for C = 4 input channels (each tap's four channels
    are one group of the reduction): per output channel and tap, the two weights of largest
    magnitude are kept (the earlier channel on a tie); the activations at the kept non-zero
    weights, in channel order, are the pair (a lone one pairs with 0), through ``values`` for
    SPARQ."""
    N, C, H, W = xq.shape
    O, _, kh, kw = wq.shape
    assert C == 4
    top, bottom, left, right = pads
    xp = np.pad(xq.astype(np.int64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    sh, sw = stride
    Ho = (H + top + bottom - kh) // sh + 1
    Wo = (W + left + right - kw) // sw + 1
    kept = {}
    for o in range(O):
        for i in range(kh):
            for j in range(kw):
                w = [int(v) for v in wq[o, :, i, j]]
                two = sorted(sorted(range(4), key=lambda c: (-abs(w[c]), c))[:2])
                kept[o, i, j] = [(c, w[c]) for c in two if w[c]] + [(None, 0), (None, 0)]
    acc = np.zeros((N, O, Ho, Wo), np.int64)
    for n in range(N):
        for y in range(Ho):
            for x in range(Wo):
                for o in range(O):
                    for i in range(kh):
                        for j in range(kw):
                            (c0, w0), (c1, w1) = kept[o, i, j][:2]
                            a0 = 0 if c0 is None else int(xp[n, c0, y * sh + i, x * sw + j])
                            a1 = 0 if c1 is None else int(xp[n, c1, y * sh + i, x * sw + j])
                            if values is not None:
                                h0, h1 = values(np.array([a0]), np.array([a1]))
                                a0, a1 = int(h0[0]), int(h1[0])
                            acc[n, o, y, x] += a0 * w0 + a1 * w1
    return acc


def random_layer(rng, C=4, O=5, k=(3, 3), stride=1, padding=1, bias=True):
    w = rng.normal(size=(O, C) + k)
    b = rng.normal(size=O) if bias else None
    return ConvLayer("layer", w, b, stride=stride, padding=padding, max_mean=2.0)


def relu_input(rng, shape, zeros=0.4):
    x = rng.exponential(1.0, size=shape)
    return np.where(rng.random(shape) < zeros, 0.0, x)


@pytest.mark.parametrize("name", [n for n in SETTINGS if n != "fp32"])
@pytest.mark.parametrize("geometry", [
    dict(stride=1, padding=1),                       # golden's own padding
    dict(stride=2, padding=0),
    dict(stride=(1, 2), padding=(1, 0, 2, 1)),       # unequal strides, asymmetric padding
])
def test_layer_matches_tap_by_tap_reference(name, geometry):
    setting = SETTINGS[name]
    rng = np.random.default_rng(7)
    layer = random_layer(rng, **geometry)
    x = relu_input(rng, (2, 4, 6, 7))
    run = run_layer(layer, x, setting)

    # Quantizers straight from the spec (not through evaluation).
    levels = 2 ** setting.act_bits - 1
    delta_x = 2.0 / levels
    xq = np.clip(np.rint(x / delta_x), 0, levels).astype(np.int64)
    assert np.array_equal(run.xq, xq) and run.delta_x == pytest.approx(delta_x)
    peak = np.abs(layer.weight).reshape(5, -1).max(axis=1)
    delta_w = peak * 2 / 255
    wq = np.clip(np.rint(layer.weight / delta_w[:, None, None, None]), -128, 127).astype(np.int64)

    if setting.kind == "sparq":
        def values(a0, a1):
            return golden.vsparq(a0, a1, bits=setting.bits, options=setting.options,
                                 rounding=setting.rounding)
    else:
        values = None
    reference = direct_conv_2to4 if setting.stc else direct_conv_int
    expect = reference(xq, wq, layer.stride, layer.padding, values)
    assert np.array_equal(run.acc, expect)
    y = expect * delta_x * delta_w[None, :, None, None] + layer.bias[None, :, None, None]
    np.testing.assert_allclose(run.y, y, rtol=1e-12, atol=1e-12)


def test_2to4_settings_prune_and_pair_by_the_kept_weights():
    # The 2:4 settings differ from the dense ones (pruned weights), and SPARQ on 2:4 from int8
    # on 2:4 (the windows); on weights already 2:4 sparse, int8 and int8-stc agree exactly.
    rng = np.random.default_rng(5)
    layer = random_layer(rng, C=8, O=4)
    x = relu_input(rng, (2, 8, 5, 5))
    dense = run_layer(layer, x, SETTINGS["int8"])
    sparse = run_layer(layer, x, SETTINGS["int8-stc"])
    sparq = run_layer(layer, x, SETTINGS["sparq-b4-o5-ne-stc"])
    assert not np.array_equal(dense.acc, sparse.acc) and not np.array_equal(sparse.acc, sparq.acc)
    pruned = ConvLayer("pruned", layer.weight * (layer.wq_2to4 != 0), layer.bias, stride=1,
                       padding=1, max_mean=2.0)
    assert np.array_equal(run_layer(pruned, x, SETTINGS["int8"]).acc,
                          run_layer(pruned, x, SETTINGS["int8-stc"]).acc)


def test_sparq_layer_differs_from_exact_and_naive_is_coarser():
    # The settings really switch kernels and quantizers (a wrong setting would pass the above
    # only if it were wired to itself, so check they differ where they must).
    rng = np.random.default_rng(3)
    layer = random_layer(rng, C=8, O=4)
    x = relu_input(rng, (2, 8, 5, 5))
    exact = run_layer(layer, x, SETTINGS["int8"])
    sparq = run_layer(layer, x, SETTINGS["sparq-b4-o5-ne"])
    naive = run_layer(layer, x, SETTINGS["a4w8"])
    assert not np.array_equal(exact.acc, sparq.acc)
    assert naive.xq.max() <= 15 and exact.xq.max() > 15
    err = lambda r: np.sum((r.y - exact.y) ** 2)
    assert 0 < err(sparq) < err(naive)


def test_odd_channels_pair_across_taps():
    # C = 3, a 1x2 kernel: k order is (tap0: c0 c1 c2, tap1: c0 c1 c2), so the pairs are
    # (t0c0, t0c1), (t0c2, t1c0), (t1c1, t1c2). Activation 127 at t0c2 with t1c0 = 0 is a lone
    # activation and is multiplied exactly; paired with a non-zero t1c0 it is a 4-bit window
    # (5opt rounding: 127 -> 120, saturated).
    w = np.zeros((1, 3, 1, 2))
    w[0, 2, 0, 0] = 1.0                      # weight only on t0c2; delta_w = 2/255 -> q = 127
    layer = ConvLayer("odd", w, None, max_mean=255.0)   # delta_x = 1: x is its own code
    assert layer.pairing == ("odd C=3: pairs span taps (channel 2 of tap t with channel 0 of "
                             "tap t+1)")
    x = np.zeros((2, 3, 1, 2))
    x[:, 2, 0, 0] = 127.0                    # t0c2
    x[1, 0, 0, 1] = 5.0                      # image 1: t1c0 non-zero
    run = run_layer(layer, x, SETTINGS["sparq-b4-o5-ne"])
    assert run.acc[0, 0, 0, 0] == 127 * 127
    assert run.acc[1, 0, 0, 0] == 120 * 127
    # The channel-pair reading of the same tensor (if pairs stayed within a tap) would pair t0c2
    # with nothing in image 1 and give 127 * 127: the across-tap pairing is what golden computes.
    assert ConvLayer("odd2", np.zeros((1, 3, 3, 3)), None).pairing.endswith(
        "; last element paired with 0")
    assert ConvLayer("even", np.zeros((1, 4, 3, 3)), None).pairing == \
        "channels (2m, 2m+1) at one tap"


def test_pair_counts_by_hand():
    xq = np.array([[[[0, 3], [0, 0]]]], np.uint8)            # (1, 1, 2, 2): 3 zeros of 4
    cols = np.array([[0, 3, 0, 0, 7], [1, 2, 0, 5, 0]])     # K = 5: pairs (0,3)(0,0)(7,pad0)...
    c = pair_counts(xq, cols)
    assert (c.activations, c.zeros) == (4, 3)
    # row 0: (0,3) zero, (0,0) both, (7,0) zero; row 1: (1,2) none, (0,5) zero, (0,0) both
    assert (c.pairs, c.pairs_with_zero, c.pairs_both_zero) == (6, 5, 2)
    assert c.zero_fraction == 0.75 and c.pair_zero_fraction == 5 / 6
