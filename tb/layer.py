"""A real convolution layer for the array: 3x3, 64 -> 32 channels, 8x8 feature maps, padding 1.

Input data come from a natural image, the photograph ``grace_hopper.jpg`` that matplotlib ships in
its sample data (no download). A first layer makes 64 post-ReLU feature maps of 8x8 from it:
64x64 crops of the (downscaled) photograph, cut in 8x8 blocks of 8x8 RGB pixels; each block is
projected on the 64 leading principal components of the image's own 8x8 RGB patches (the filters
a whitening first layer learns), plus a small bias, then ReLU. That gives activations with the
statistics of a real layer input: about half exact zeros and a long tail. The layer under test
(the second conv; SPARQ leaves the first conv alone) has He-initialised 3x3 weights from a seeded
generator; both are quantized with :mod:`golden` (activation scale from the max-mean calibration,
per-channel symmetric weights).

``tb/tests/test_layer.py`` runs the layer's GEMM (im2col rows x output channels, K = 9 * 64 = 576) on
the array with :func:`tb.gemm.array_gemm`.
"""

import numpy as np

import golden

__all__ = ["IMAGES", "C_IN", "C_OUT", "SIZE", "layer_inputs"]

IMAGES = 2        # crops of the photograph run through the array
C_IN, C_OUT, SIZE = 64, 32, 8


def _photo():
    import matplotlib.cbook
    import matplotlib.image
    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    rgb = matplotlib.image.imread(path).astype(np.float64) / 255.0      # (600, 512, 3)
    h, w = (rgb.shape[0] // 4) * 4, (rgb.shape[1] // 4) * 4
    # 4x4 average pooling: 150 x 128 pixels, the scale at which 8x8 blocks hold features.
    return rgb[:h, :w].reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))


def _first_layer(photo, crops, size=SIZE):
    # Principal components of every 8x8 RGB patch of the photograph (stride 4).
    ph, pw, _ = photo.shape
    patches = np.stack([photo[i:i + 8, j:j + 8].ravel()
                        for i in range(0, ph - 8, 4) for j in range(0, pw - 8, 4)])
    mean = patches.mean(axis=0)
    _, _, vt = np.linalg.svd(patches - mean, full_matrices=False)
    filters = vt[:C_IN]                                                 # (64, 192)
    maps = []
    for top, left in crops:
        side = 8 * size
        crop = photo[top:top + side, left:left + side]                  # (8 size, 8 size, 3)
        blocks = crop.reshape(size, 8, size, 8, 3).transpose(0, 2, 1, 3, 4).reshape(size * size, -1)
        features = (blocks - mean) @ filters.T + 0.02                   # (positions, 64)
        maps.append(np.maximum(features, 0).T.reshape(C_IN, size, size))
    return np.stack(maps)                                               # (N, 64, size, size)


#: Crop origins of the 8x8 maps (64 x 64 pixels) and of the 16x16 maps (128 x 128 pixels; the
#: downscaled photograph is 150 x 128).
_CROPS = {8: [(20, 30), (70, 50), (40, 10), (80, 60)], 16: [(0, 0), (22, 0)]}


def layer_inputs(seed=0, *, size=SIZE, c_out=C_OUT, images=IMAGES):
    """``(xq, wq, delta_x, delta_w)`` of the layer, quantized with golden (deterministic).

    ``size``: 8 (the default layer) or 16 (16x16 maps); ``c_out``: output channels; ``images``:
    how many of the crops run (every crop calibrates the activation scale)."""
    photo = _photo()
    crops = _CROPS[size]
    x = _first_layer(photo, crops, size)
    # Calibrate on every crop, run the first `images` through the array.
    max_mean = golden.calibrate_max_mean(x)
    xq, delta_x = golden.quantize_activations(x[:images], max_mean)
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((c_out, C_IN, 3, 3)) * np.sqrt(2.0 / (C_IN * 9))
    wq, delta_w = golden.quantize_weights(w)
    return xq, wq, delta_x, delta_w
