"""Golden model of SPARQ: the integer kernel (bit-exact with the authors' reference) and the
quantized convolution layer around it. Pure NumPy; knows nothing of the hardware."""

from .sparq import (WINDOWS, ROUNDINGS, DEFAULT_OPTIONS, LONE_WINDOW, bsparq, vsparq, pair_slots,
                    sparq_gemm, exact_gemm, check_activations, check_weights)
from .layer import (calibrate_max_mean, quantize_activations, quantize_weights, im2col,
                    weights_to_matrix, ConvResult, sparq_conv2d, KERNELS)

__all__ = [
    "WINDOWS", "ROUNDINGS", "DEFAULT_OPTIONS", "LONE_WINDOW", "bsparq", "vsparq", "pair_slots",
    "sparq_gemm", "exact_gemm", "check_activations", "check_weights",
    "calibrate_max_mean", "quantize_activations", "quantize_weights", "im2col", "weights_to_matrix",
    "ConvResult", "sparq_conv2d", "KERNELS",
]
