"""The result of an evaluation: accuracy, per-layer SQNR and zero statistics per setting.

:class:`EvalReport` renders itself as Markdown (:meth:`EvalReport.markdown`), as a JSON-ready dict
(:meth:`EvalReport.to_dict`) and as a PNG chart (:meth:`EvalReport.plot`).
"""

import math
from dataclasses import dataclass, field

from .qconv import PairCounts
from .settings import REFERENCE

__all__ = ["LayerInfo", "SettingResult", "EvalReport", "sqnr_db"]


def sqnr_db(signal_power, noise_power):
    """``10 log10(sum ref^2 / sum (y - ref)^2)``; ``inf`` when the two are equal."""
    if noise_power == 0:
        return math.inf
    if signal_power == 0:
        return -math.inf
    return 10 * math.log10(signal_power / noise_power)


@dataclass
class LayerInfo:
    """One quantized convolution of the evaluated network."""

    name: str
    in_channels: int
    out_channels: int
    kernel_size: tuple
    stride: tuple
    padding: tuple          # (top, bottom, left, right)
    K: int
    pairing: str
    max_mean: float
    input_hw: tuple = None  # (H, W) of the layer input, as seen in calibration


@dataclass
class SettingResult:
    """Measurements of one setting over the test set.

    ``correct / total``: top-1 accuracy. ``nll / total``: mean cross-entropy of the logits
    (a finer measure than accuracy on a small test set). ``agree``: test images whose predicted class equals the
    reference (A8W8) prediction. ``signal``/``noise``: per layer, sum of the reference output
    squared and of (output - reference output) squared, over the whole test set. ``counts``: per
    layer, :class:`PairCounts` of the layer's quantized input (empty for FP32).
    """

    name: str
    label: str
    correct: int = 0
    total: int = 0
    agree: int = 0
    nll: float = 0.0
    signal: dict = field(default_factory=dict)
    noise: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)

    @property
    def accuracy(self):
        return self.correct / self.total if self.total else float("nan")

    @property
    def loss(self):
        return self.nll / self.total if self.total else float("nan")

    def sqnr(self, layer):
        return sqnr_db(self.signal.get(layer, 0.0), self.noise.get(layer, 0.0))


def _fmt_db(value):
    if value == math.inf:
        return "exact"
    return f"{value:.1f}"


@dataclass
class EvalReport:
    """Accuracy and per-layer error of a network under several quantization settings.

    Members: ``settings`` (the :class:`~evaluation.settings.Setting` objects, table order),
    ``layers`` (:class:`LayerInfo` of each quantized conv, execution order), ``float_layers``
    (names of the convs kept in float), ``results`` (setting name -> :class:`SettingResult`),
    ``n_calibration`` and ``n_test`` (images), ``meta`` (free-form facts: seed, versions, ...).
    """

    settings: tuple
    layers: list
    float_layers: list
    results: dict
    n_calibration: int
    n_test: int
    meta: dict = field(default_factory=dict)

    def accuracy(self, name):
        """Test accuracy (0..1) of the setting ``name``."""
        return self.results[name].accuracy

    def sqnr(self, name, layer):
        """SQNR in dB of layer ``layer``'s output under setting ``name``, against A8W8."""
        return self.results[name].sqnr(layer)

    def layer_counts(self, name=REFERENCE):
        """Per-layer :class:`PairCounts` measured under setting ``name``."""
        return self.results[name].counts

    # -- rendering ---------------------------------------------------------------------------------

    def accuracy_table(self):
        ref = self.results[REFERENCE]
        names = [layer.name for layer in self.layers]
        head = ["setting", "name", "test accuracy (%)", "vs A8W8 (points)", "predictions != A8W8",
                "test loss"]
        head += [f"SQNR {n} (dB)" for n in names]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for s in self.settings:
            r = self.results[s.name]
            row = [s.label, f"`{s.name}`", f"{100 * r.accuracy:.2f}",
                   "reference" if s.name == REFERENCE else f"{100 * (r.accuracy - ref.accuracy):+.2f}",
                   str(r.total - r.agree), f"{r.loss:.4f}"]
            row += ["reference" if s.name == REFERENCE else _fmt_db(r.sqnr(n)) for n in names]
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)

    def layer_table(self, name=REFERENCE):
        counts = self.results[name].counts
        head = ["layer", "C -> O", "kernel / stride / pad", "K", "pairing", "max_mean",
                "zero activations", "pairs with a zero", "pairs both zero"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for layer in self.layers:
            c = counts.get(layer.name, PairCounts())
            kh, kw = layer.kernel_size
            pad = layer.padding
            pad_txt = str(pad[0]) if len(set(pad)) == 1 else "/".join(map(str, pad))
            stride_txt = str(layer.stride[0]) if layer.stride[0] == layer.stride[1] else \
                "x".join(map(str, layer.stride))
            row = [f"`{layer.name}`", f"{layer.in_channels} -> {layer.out_channels}",
                   f"{kh}x{kw} / {stride_txt} / {pad_txt}", str(layer.K), layer.pairing,
                   f"{layer.max_mean:.4g}", f"{100 * c.zero_fraction:.1f} %",
                   f"{100 * c.pair_zero_fraction:.1f} %", f"{100 * c.pair_both_zero_fraction:.1f} %"]
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)

    def markdown(self):
        """Both tables with a short legend, as Markdown text."""
        float_txt = ", ".join(f"`{n}`" for n in self.float_layers) or "none"
        parts = [
            f"Test images: {self.n_test}; calibration images: {self.n_calibration}. "
            f"Convolutions kept in float: {float_txt} (and every non-convolution layer). "
            "Quantized convolutions: 8-bit per-layer unsigned activations (max_mean calibration), "
            "8-bit per-channel weights, integer product by `golden.sparq_conv2d`.",
            "",
            self.accuracy_table(),
            "",
            "SQNR: each layer's output (accumulators rescaled, plus bias) in that setting's own "
            "forward pass, against the same layer's output under A8W8, over all test images. "
            "predictions != A8W8: test images whose predicted class differs from A8W8's. "
            "Test loss: mean cross-entropy of the logits.",
            "",
            f"Quantized layers; zero statistics of each layer's 8-bit input under "
            f"{self._label(REFERENCE)} (pairs: over the im2col matrix the kernel sees, padding "
            "included):",
            "",
            self.layer_table(),
        ]
        return "\n".join(parts) + "\n"

    def _label(self, name):
        return next(s.label for s in self.settings if s.name == name)

    def to_dict(self):
        """Everything in the report as plain JSON-ready data (``inf`` SQNR as the string "inf")."""
        def db(v):
            return v if math.isfinite(v) else str(v)
        return {
            "meta": dict(self.meta),
            "n_calibration": self.n_calibration,
            "n_test": self.n_test,
            "float_layers": list(self.float_layers),
            "layers": [{
                "name": l.name, "in_channels": l.in_channels, "out_channels": l.out_channels,
                "kernel_size": list(l.kernel_size), "stride": list(l.stride),
                "padding": list(l.padding), "K": l.K, "pairing": l.pairing,
                "max_mean": l.max_mean, "input_hw": list(l.input_hw) if l.input_hw else None,
            } for l in self.layers],
            "settings": [{
                "name": s.name, "label": s.label, "kind": s.kind, "act_bits": s.act_bits,
                "bits": s.bits, "options": s.options, "rounding": s.rounding,
                "accuracy": self.results[s.name].accuracy,
                "correct": self.results[s.name].correct, "total": self.results[s.name].total,
                "agree_with_a8w8": self.results[s.name].agree,
                "test_loss": self.results[s.name].loss,
                "sqnr_db": {l.name: db(self.results[s.name].sqnr(l.name)) for l in self.layers},
                "zero_stats": {n: vars(c) for n, c in self.results[s.name].counts.items()},
            } for s in self.settings],
        }

    def plot(self, path, *, title=None):
        """Write a PNG chart: test accuracy per setting, and per-layer SQNR against A8W8."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        labels = [s.label for s in self.settings]
        acc = [100 * self.results[s.name].accuracy for s in self.settings]
        fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(10, 8), constrained_layout=True)
        colors = ["#888888" if s.kind != "sparq" else
                  ("#1f77b4" if s.rounding == "nearest-even" else "#ff7f0e") for s in self.settings]
        ax0.bar(range(len(acc)), acc, color=colors)
        ref = 100 * self.results[REFERENCE].accuracy
        ax0.axhline(ref, color="black", linewidth=0.8, linestyle="--", label=f"A8W8 {ref:.2f} %")
        lo = max(0.0, min(acc) - 5)
        ax0.set_ylim(lo, 100)
        ax0.set_ylabel("test accuracy (%)")
        ax0.set_xticks(range(len(acc)), labels, rotation=35, ha="right", fontsize=8)
        for i, a in enumerate(acc):
            ax0.text(i, a + 0.1, f"{a:.1f}", ha="center", va="bottom", fontsize=7)
        ax0.legend(loc="lower left", fontsize=8)
        ax0.set_title(title or "Top-1 accuracy (grey: baselines, blue: SPARQ rounding, "
                               "orange: SPARQ truncation)", fontsize=10)

        quant = [s for s in self.settings if s.name != REFERENCE]
        width = 0.8 / max(1, len(self.layers))
        for j, layer in enumerate(self.layers):
            vals = [self.results[s.name].sqnr(layer.name) for s in quant]
            vals = [v if math.isfinite(v) else 0.0 for v in vals]
            ax1.bar([i + (j - (len(self.layers) - 1) / 2) * width for i in range(len(quant))], vals,
                    width=width, label=layer.name)
        ax1.set_xticks(range(len(quant)), [s.label for s in quant], rotation=35, ha="right",
                       fontsize=8)
        ax1.set_ylabel("SQNR vs A8W8 (dB)")
        ax1.set_title("Per-layer output SQNR against A8W8 (higher is closer)", fontsize=10)
        ax1.legend(fontsize=8)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path
