"""Evaluate any PyTorch network with ReLU convolutions under SPARQ and the baselines.

:func:`evaluate_model` is the entry point. It quantizes a trained model the way the SPARQ authors
do and measures it on a test set, one row per setting:

1. Calibration (FP32 model): every ``nn.Conv2d`` gets a forward hook; the calibration images go
   through the model once. The first convolution to run stays in float (like every layer that is
   not an ``nn.Conv2d``); each other conv records, per image, the maximum of its input, and
   ``max_mean`` is their mean (:func:`golden.calibrate_max_mean`).
2. Test: for each batch and each setting, the quantized convs' forward hooks replace the conv's
   output by the golden model's (:func:`evaluation.qconv.run_layer`, which calls
   :func:`golden.sparq_conv2d`); the output then flows on through the float parts of the model
   (BN, ReLU, pooling, FC). Every setting sees the same batch, so the per-layer SQNR against A8W8
   accumulates batch by batch without storing activations.

Requirements on the model: the quantized convs' inputs must be non-negative (they follow a ReLU),
``groups=1``, ``dilation=1``, ``padding_mode="zeros"``, and each conv runs once per forward pass.
Any stride and padding (including ``"same"``) work. Odd input channel counts work: see
:mod:`evaluation.qconv` for how pairs are then formed.
"""

import numpy as np

import golden

from .qconv import ConvLayer, PairCounts, run_layer
from .report import EvalReport, LayerInfo, SettingResult
from .settings import REFERENCE, resolve_settings

__all__ = ["evaluate_model", "calibrate", "quantized_layers"]


def _torch():
    try:
        import torch
    except ImportError as exc:      # pragma: no cover - the dev and eval extras install torch
        raise ImportError("evaluation.evaluate needs PyTorch: pip install -e '.[eval]'") from exc
    return torch


def _inputs_of(batch):
    """The model input of a loader item: ``x`` itself, or the first element of ``(x, y, ...)``."""
    if isinstance(batch, (tuple, list)):
        if not batch:
            raise ValueError("a loader yielded an empty batch")
        return batch[0]
    return batch


def _padding(module):
    """Explicit (top, bottom, left, right) zero padding of a conv, ``"same"``/``"valid"`` resolved."""
    pad = module.padding
    kh, kw = module.kernel_size
    if isinstance(pad, str):
        if pad == "valid":
            return (0, 0, 0, 0)
        # "same" (stride 1): total padding k - 1, the extra one at the bottom/right, as PyTorch.
        th, tw = kh - 1, kw - 1
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = pad
    return (ph, ph, pw, pw)


def _check_conv(module, name):
    if module.groups != 1:
        raise ValueError(f"conv {name!r}: groups must be 1 to be quantized, not {module.groups} "
                         "(list it in float_layers to keep it in float)")
    if tuple(module.dilation) != (1, 1):
        raise ValueError(f"conv {name!r}: dilation must be 1 to be quantized, not "
                         f"{tuple(module.dilation)} (list it in float_layers to keep it in float)")
    if module.padding_mode != "zeros":
        raise ValueError(f"conv {name!r}: padding_mode must be 'zeros' to be quantized, not "
                         f"{module.padding_mode!r} (list it in float_layers to keep it in float)")


class _Calibration:
    """Forward hooks that record conv execution order and per-image input maxima."""

    def __init__(self, torch, convs):
        self.torch = torch
        self.order = []              # conv names in order of first call
        self.calls = {}              # calls within the current forward pass
        self.maxima = {n: [] for n in convs}
        self.minimum = {n: np.inf for n in convs}
        self.input_hw = {}

    def hook(self, name):
        def record(module, inputs, output):
            x = inputs[0].detach()
            self.calls[name] = self.calls.get(name, 0) + 1
            if self.calls[name] > 1:
                raise ValueError(f"conv {name!r} runs more than once in one forward pass; each "
                                 "quantized conv needs its own calibration (use separate modules)")
            if name not in self.order:
                self.order.append(name)
            flat = x.reshape(x.shape[0], -1).double()
            self.maxima[name].append(flat.amax(dim=1).cpu().numpy())
            self.minimum[name] = min(self.minimum[name], float(flat.min()))
            self.input_hw[name] = tuple(x.shape[-2:])
        return record


def calibrate(model, loader, *, float_layers=None, max_batches=None):
    """Find the convs to quantize and their ``max_mean``; returns ``(layers, float_layers, n)``.

    ``layers`` is a list of :class:`~evaluation.qconv.ConvLayer` in execution order,
    ``float_layers`` the names of the convs kept in float, ``n`` the number of calibration images.
    ``float_layers=None`` keeps the first conv to run in float (the authors' choice); pass a list of
    module names (from ``model.named_modules()``) to choose, ``[]`` to quantize every conv.
    """
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
    convs = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)}
    if not convs:
        raise ValueError("model has no torch.nn.Conv2d to quantize")
    if float_layers is not None:
        if isinstance(float_layers, str):
            raise TypeError(f"float_layers must be a list of module names, not the string "
                            f"{float_layers!r}")
        for n in float_layers:
            if n not in convs:
                raise ValueError(f"float_layers names {n!r}, which is not a Conv2d of the model; "
                                 f"its convs: {', '.join(convs)}")
    if max_batches is not None and (isinstance(max_batches, bool) or not isinstance(max_batches, int)
                                    or max_batches < 1):
        raise ValueError(f"max_batches must be a positive integer or None, not {max_batches!r}")

    cal = _Calibration(torch, convs)
    handles = [m.register_forward_hook(cal.hook(n)) for n, m in convs.items()]
    n_images = 0
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i, batch in enumerate(loader):
                if max_batches is not None and i >= max_batches:
                    break
                x = _inputs_of(batch)
                cal.calls = {}
                model(x)
                n_images += int(x.shape[0])
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if n_images == 0:
        raise ValueError("calibration loader yielded no images")

    if float_layers is None:
        float_layers = cal.order[:1]
    float_layers = list(float_layers)
    layers = []
    for name in cal.order:
        if name in float_layers:
            continue
        module = convs[name]
        _check_conv(module, name)
        if cal.minimum[name] < 0:
            raise ValueError(
                f"conv {name!r}: input must be non-negative (post-ReLU) to be quantized as unsigned "
                f"activations, but calibration saw {cal.minimum[name]!r} (put a ReLU before it, or "
                "list it in float_layers)")
        maxima = np.concatenate(cal.maxima[name])
        max_mean = golden.calibrate_max_mean(maxima.reshape(-1, 1))
        if not max_mean > 0:
            raise ValueError(f"conv {name!r}: every calibration input is zero (max_mean = 0); it "
                             "cannot be quantized")
        H, W = cal.input_hw[name]
        layer = ConvLayer(
            name=name, weight=module.weight.detach().double().cpu().numpy(),
            bias=None if module.bias is None else module.bias.detach().double().cpu().numpy(),
            stride=tuple(module.stride), padding=_padding(module), max_mean=max_mean,
            input_hw=(H, W))
        layers.append(layer)
    if not layers:
        raise ValueError("no conv left to quantize: every conv that ran is in float_layers "
                         f"({', '.join(float_layers)})")
    return layers, float_layers, n_images


class _Quantizer:
    """Forward hooks that swap each quantized conv's output for the golden model's."""

    def __init__(self, torch, layers, on_layer=None, compute=run_layer):
        self.torch = torch
        self.compute = compute
        self.layers = {l.name: l for l in layers}
        self.setting = None          # None: float pass-through (outputs still recorded)
        self.outputs = {}
        self.counts = {}
        self.on_layer = on_layer

    def hook(self, name):
        def replace(module, inputs, output):
            if self.setting is None or not self.setting.quantized:
                # A copy: an in-place op after the conv (ReLU(inplace=True)) must not change it.
                self.outputs[name] = np.array(output.detach().cpu().double().numpy(), copy=True)
                return None
            x = inputs[0].detach().double().cpu().numpy()
            layer = self.layers[name]
            run = self.compute(layer, x, self.setting)
            self.outputs[name] = run.y
            self.counts.setdefault(name, PairCounts())
            self.counts[name] += run.counts
            if self.on_layer is not None:
                self.on_layer(self.setting, layer, run)
            # torch.tensor copies, so an in-place op downstream leaves run.y (kept for SQNR) alone.
            return self.torch.tensor(run.y, dtype=output.dtype, device=output.device)
        return replace


def quantized_layers(model, layers, *, on_layer=None, compute=run_layer):
    """Attach golden-model hooks to ``model``'s convs named in ``layers``; returns a controller.

    The controller has ``.setting`` (set it to a :class:`~evaluation.settings.Setting` before a
    forward pass; FP32 or None passes through), ``.outputs`` (layer name -> last output, float64
    NumPy), ``.counts`` and ``.remove()``. ``on_layer(setting, layer, run)`` is called after every
    quantized layer computes. ``compute(layer, x, setting) -> LayerRun`` computes a layer (default
    :func:`~evaluation.qconv.run_layer`; the hardware check passes one that runs the RTL).
    """
    torch = _torch()
    modules = dict(model.named_modules())
    q = _Quantizer(torch, layers, on_layer, compute)
    handles = [modules[l.name].register_forward_hook(q.hook(l.name)) for l in layers]

    def remove():
        for h in handles:
            h.remove()
    q.remove = remove
    return q


def evaluate_model(model, calibration_loader, test_loader, *, settings=None, float_layers=None,
                   max_calibration_batches=None, max_test_batches=None, on_layer=None, meta=None):
    """Accuracy and per-layer error of ``model`` under SPARQ and the baselines.

    Parameters
    ----------
    model : torch.nn.Module
        A trained classifier whose convs (``nn.Conv2d``) after the first follow a ReLU. It is put in
        eval mode for the run and restored afterwards; its weights are not changed.
    calibration_loader : iterable
        Batches of inputs, or ``(inputs, targets)`` tuples (a ``torch.utils.data.DataLoader``
        works), drawn from the training data. Only the inputs are used.
    test_loader : iterable
        ``(inputs, targets)`` batches; ``targets`` are class indices. The model output must be one
        row of class logits per image: the prediction is its argmax, and the report's test loss
        is its cross-entropy.
    settings : sequence of str, optional
        Names from :data:`evaluation.SETTINGS` (default: all: ``fp32``, ``int8``, ``a4w8``, ``a3w8``, ``a2w8``, SPARQ
        4-bit 5opt/3opt/2opt, 3-bit 6opt and 2-bit 7opt, each with rounding and truncation).
        ``int8`` is always added: it is the reference of the SQNR and agreement columns.
    float_layers : list of str, optional
        Conv module names to keep in float. Default: the first conv to run (the authors' choice).
    max_calibration_batches, max_test_batches : int, optional
        Stop a loader early (quick looks at big data sets).
    on_layer : callable, optional
        ``on_layer(setting, layer, run)`` after every quantized conv computes
        (see :func:`quantized_layers`).
    meta : dict, optional
        Facts to carry into the report (seed, data set, command).

    Returns
    -------
    :class:`~evaluation.report.EvalReport` — ``report.markdown()`` is the table,
    ``report.accuracy("sparq-b4-o5-ne")`` one figure, ``report.plot("chart.png")`` the chart.

    Raises
    ------
    ValueError
        Unknown setting name, a conv input that goes negative, a conv that cannot be quantized
        (``groups``, ``dilation``, ``padding_mode``), an empty loader. TypeError for a model that is
        not an ``nn.Module``.
    """
    torch = _torch()
    chosen = resolve_settings(settings)
    if max_test_batches is not None and (isinstance(max_test_batches, bool)
                                         or not isinstance(max_test_batches, int)
                                         or max_test_batches < 1):
        raise ValueError(f"max_test_batches must be a positive integer or None, not "
                         f"{max_test_batches!r}")
    layers, float_names, n_cal = calibrate(model, calibration_loader, float_layers=float_layers,
                                           max_batches=max_calibration_batches)
    results = {s.name: SettingResult(s.name, s.label) for s in chosen}
    ctl = quantized_layers(model, layers, on_layer=on_layer)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i, batch in enumerate(test_loader):
                if max_test_batches is not None and i >= max_test_batches:
                    break
                if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                    raise ValueError("test_loader must yield (inputs, targets) batches")
                x, target = batch[0], torch.as_tensor(batch[1]).reshape(-1).cpu()
                preds, outs = {}, {}
                # The reference first, so every setting's SQNR compares against this batch's A8W8.
                for s in sorted(chosen, key=lambda s: s.name != REFERENCE):
                    ctl.setting = s
                    ctl.counts = results[s.name].counts
                    ctl.outputs = {}
                    logits = model(x).reshape(target.numel(), -1).double().cpu()
                    preds[s.name] = logits.argmax(dim=-1)
                    results[s.name].nll += float(torch.nn.functional.cross_entropy(
                        logits, target, reduction="sum"))
                    outs[s.name] = ctl.outputs
                ref_out, ref_pred = outs[REFERENCE], preds[REFERENCE]
                for s in chosen:
                    r = results[s.name]
                    r.correct += int((preds[s.name] == target).sum())
                    r.total += int(target.numel())
                    r.agree += int((preds[s.name] == ref_pred).sum())
                    for layer in layers:
                        ref = ref_out[layer.name]
                        err = outs[s.name][layer.name] - ref
                        r.signal[layer.name] = r.signal.get(layer.name, 0.0) + float(np.sum(ref * ref))
                        r.noise[layer.name] = r.noise.get(layer.name, 0.0) + float(np.sum(err * err))
    finally:
        ctl.remove()
        model.train(was_training)
    n_test = results[REFERENCE].total
    if n_test == 0:
        raise ValueError("test loader yielded no images")
    infos = [LayerInfo(name=l.name, in_channels=l.in_channels, out_channels=l.out_channels,
                       kernel_size=tuple(l.kernel_size), stride=tuple(l.stride),
                       padding=tuple(l.padding), K=l.K, pairing=l.pairing, max_mean=l.max_mean,
                       input_hw=l.input_hw) for l in layers]
    return EvalReport(settings=chosen, layers=infos, float_layers=float_names, results=results,
                      n_calibration=n_cal, n_test=n_test, meta=dict(meta or {}))
