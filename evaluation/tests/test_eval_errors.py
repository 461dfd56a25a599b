"""Every bad input to evaluation raises a clear error naming the parameter and the value."""

import re

import numpy as np
import pytest

import torch  # noqa: E402  (a required test dependency: the eval and dev tiers install it)
nn = torch.nn
torch.set_num_threads(1)

from evaluation import SETTINGS, ConvLayer, evaluate_model, resolve_settings, run_layer
from evaluation.__main__ import main as eval_main

KNOWN = ", ".join(SETTINGS)


def net(*convs, relu=True):
    """Sequential: a float first conv, then ``convs``, each followed by ReLU (when asked)."""
    layers = [nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()]
    for c in convs:
        layers += [c, nn.ReLU()] if relu else [c]
    layers += [nn.Flatten(), nn.LazyLinear(3)]
    model = nn.Sequential(*layers)
    model(torch.zeros(1, 1, 6, 6))          # materialise the lazy FC
    return model.eval()


def dead_first_layer():
    """A net whose first conv outputs only negatives, so the second conv's input is all zero."""
    model = net(nn.Conv2d(4, 4, 3))
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(-1.0)
    return model


X = torch.rand(4, 1, 6, 6)
Y = torch.tensor([0, 1, 2, 0])


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        return torch.relu(self.c2(torch.relu(self.c2(x)))).mean((2, 3))


@pytest.mark.parametrize("call,exc,message", [
    # settings
    (lambda: resolve_settings(["sparq-b4-o4-ne"]), ValueError,
     f"unknown setting 'sparq-b4-o4-ne'; known settings: {KNOWN}"),
    (lambda: resolve_settings("int8"), TypeError,
     "settings must be a sequence of setting names, not the string 'int8'"),
    (lambda: resolve_settings([5]), TypeError, "settings must hold setting names (str), not 5"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], settings=["int4"]),
     ValueError, f"unknown setting 'int4'; known settings: {KNOWN}"),
    # the model
    (lambda: evaluate_model("resnet", [X], [(X, Y)]), TypeError,
     "model must be a torch.nn.Module, not str"),
    (lambda: evaluate_model(nn.Sequential(nn.Flatten(), nn.Linear(36, 3)), [X], [(X, Y)]),
     ValueError, "model has no torch.nn.Conv2d to quantize"),
    # a quantized conv whose input can go negative (no ReLU in front of it)
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3), nn.Conv2d(4, 2, 3), relu=False), [X], [(X, Y)]),
     ValueError, re.compile(r"conv '3': input must be non-negative \(post-ReLU\) to be quantized "
                            r"as unsigned activations, but calibration saw -\d\.\d+ \(put a ReLU "
                            r"before it, or list it in float_layers\)")),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3, groups=2)), [X], [(X, Y)]), ValueError,
     "conv '2': groups must be 1 to be quantized, not 2 (list it in float_layers to keep it in float)"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3, dilation=2)), [X], [(X, Y)]), ValueError,
     "conv '2': dilation must be 1 to be quantized, not (2, 2) (list it in float_layers to keep "
     "it in float)"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3, padding=1, padding_mode="reflect")), [X],
                            [(X, Y)]), ValueError,
     "conv '2': padding_mode must be 'zeros' to be quantized, not 'reflect' (list it in "
     "float_layers to keep it in float)"),
    (lambda: evaluate_model(Twice(), [X], [(X, Y)]), ValueError,
     "conv 'c2' runs more than once in one forward pass; each quantized conv needs its own "
     "calibration (use separate modules)"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], float_layers=["2", "fc"]),
     ValueError, "float_layers names 'fc', which is not a Conv2d of the model; its convs: 0, 2"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], float_layers="0"),
     TypeError, "float_layers must be a list of module names, not the string '0'"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], float_layers=["0", "2"]),
     ValueError, "no conv left to quantize: every conv that ran is in float_layers (0, 2)"),
    # loaders
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [], [(X, Y)]), ValueError,
     "calibration loader yielded no images"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], []), ValueError,
     "test loader yielded no images"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [X]), ValueError,
     "test_loader must yield (inputs, targets) batches"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], max_calibration_batches=0),
     ValueError, "max_batches must be a positive integer or None, not 0"),
    (lambda: evaluate_model(net(nn.Conv2d(4, 4, 3)), [X], [(X, Y)], max_test_batches=-1),
     ValueError, "max_test_batches must be a positive integer or None, not -1"),
    (lambda: evaluate_model(dead_first_layer(), [X], [(X, Y)]), ValueError, "conv '2': every calibration input is zero (max_mean = 0); it cannot be quantized"),
    # the layer itself
    (lambda: run_layer(ConvLayer("L", np.ones((2, 2, 3, 3))), -np.ones((1, 2, 4, 4)),
                       SETTINGS["int8"]), ValueError,
     "layer 'L': input must be non-negative (post-ReLU) to be quantized as unsigned activations, "
     "got -1.0"),
    (lambda: run_layer(ConvLayer("L", np.ones((2, 2, 3, 3))), np.ones((1, 3, 4, 4)),
                       SETTINGS["int8"]), ValueError,
     "layer 'L': input must have shape (N, 2, H, W), got (1, 3, 4, 4)"),
    (lambda: run_layer(ConvLayer("L", np.ones((2, 2, 3, 3))), np.ones((1, 2, 4, 4)),
                       SETTINGS["fp32"]), ValueError,
     "setting 'fp32' does not quantize; run the float layer instead"),
    (lambda: ConvLayer("L", np.ones((2, 2, 3))), ValueError,
     "layer 'L': weight must have shape (O, C, kh, kw), got (2, 2, 3)"),
    (lambda: ConvLayer("L", np.ones((2, 2, 3, 3)), max_mean=0.0), ValueError,
     "layer 'L': max_mean must be a positive finite number, not 0.0"),
    (lambda: ConvLayer("L", np.ones((2, 2, 3, 3)), stride=(1, 2, 3)), TypeError,
     "layer 'L': stride must be an int or a pair of ints, not (1, 2, 3)"),
    (lambda: ConvLayer("L", np.ones((2, 2, 3, 3)), stride=0), ValueError,
     "layer 'L': stride must be at least 1, not 0"),
    (lambda: ConvLayer("L", np.ones((2, 2, 3, 3)), padding=-1), ValueError,
     "layer 'L': padding must be non-negative, not -1"),
])
def test_error_message(call, exc, message):
    pattern = message if isinstance(message, re.Pattern) else "^" + re.escape(message) + "$"
    with pytest.raises(exc, match=pattern):
        call()


def test_negative_input_at_test_time_names_the_layer():
    # Calibrated on non-negative data, then fed a layer input that goes negative: the quantizer
    # refuses rather than clipping it to 0.
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.Identity(), nn.Conv2d(2, 2, 1), nn.Flatten(),
                          nn.Linear(72, 3)).eval()
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.zero_()
    with pytest.raises(ValueError, match=r"^layer '2': input must be non-negative \(post-ReLU\) "
                                         r"to be quantized as unsigned activations, got -"):
        evaluate_model(model, [X], [(-X, Y)], settings=["int8"])


@pytest.mark.parametrize("argv,message", [
    (["--settings", "int8", "bogus"], f"error: unknown setting 'bogus'; known settings: {KNOWN}"),
    (["--hw-images", "-1"], "error: --hw-images must be >= 0, not -1"),
    (["--seeds", "3", "3"], "error: --seeds must be distinct non-negative integers, not 3 3"),
    (["--seeds", "-1"], "error: --seeds must be distinct non-negative integers, not -1"),
    (["--workloads", "digits", "mnist"],
     "error: --workloads: unknown workload 'mnist'; known: digits, fashion, fashion-2to4, onnx"),
    (["--fashion-test", "0"], "error: --fashion-test must be >= 1, not 0"),
    (["--jobs", "0"], "error: --jobs must be >= 1, not 0"),
    (["--array", "8by8"], "error: --array must be RxC, rows x columns (e.g. 8x8), not '8by8'"),
    (["--array", "0x4"], "error: --array 0x4: rows must be at least 1, not 0"),
])
def test_cli_errors(argv, message, capsys):
    assert eval_main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [message]
