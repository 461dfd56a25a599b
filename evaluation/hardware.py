"""Hardware in the loop: a network's SPARQ conv layers computed by the generated array on Verilator.

For each checked setting (any SPARQ setting: the array implements 4-bit windows with 5opt,
3opt and 2opt, 3-bit 6opt and 2-bit 7opt, each with either rounding), the network runs twice on
the same images:

- golden path: every quantized conv computed by :func:`golden.sparq_conv2d`
  (:func:`evaluation.qconv.run_layer`);
- RTL path: every quantized conv's input quantized as in the golden path, unfolded with
  :func:`golden.im2col`, and the GEMM ``SPARQ(A) . B^T`` computed by the generated
  ``rows x cols`` :class:`hdl.array.SystolicArray` on Verilator, tile by tile (``rows`` output
  pixels by ``cols`` output channels, K in chunks of at most ``max_k``), with
  :func:`tb.gemm.array_gemm` on the burst harness (every tile also checked against golden by the
  bench's scoreboard). The array's integer accumulators, rescaled like golden's, are the layer
  output that flows on through the float parts of the network, so every later layer's input comes
  from the hardware.

Checked: in the RTL path, each layer's accumulators equal golden's for the same quantized input
(every accumulator, every layer), every simulation passed, and the predicted classes of the two
paths are equal. With ``harness="per-cycle"`` (the cycle-accurate harness of
:mod:`tb.harness.per_cycle`, every stream always valid/ready, slower than the default burst harness)
also the cycles: each layer's simulated cycles must equal the array's timing contract
(:func:`evaluation.costs.gemm_cycles` of the GEMM it ran) plus :data:`HARNESS_CYCLES` per
simulator run.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import golden
from golden.tiling import gemm_to_conv

from .costs import gemm_cycles
from .evaluate import calibrate, quantized_layers
from .qconv import LayerRun, PairCounts
from .settings import SETTINGS

__all__ = ["HW_SETTINGS", "HARNESS_CYCLES", "HardwareCheck", "pick_images", "run_hardware_check"]

#: Cycles the per-cycle harness adds to a run: Python offers each word a cycle ahead through the
#: harness's holding register (the array's first transfer is one cycle after the first offer), and
#: reads a result row's transfer from a register at the falling edge after it (one cycle more).
HARNESS_CYCLES = 2

#: Settings the array implements (every SPARQ setting: 4-, 3- and 2-bit windows, dense weights;
#: the 2:4 array is not run here); the first is what ``make eval`` checks.
HW_SETTINGS = tuple(n for n, s in SETTINGS.items() if s.kind == "sparq" and not s.stc)


def pick_images(model, x, y, n, *, batch_size=256):
    """Indices of ``n`` images for the hardware check: the ones the float model gets wrong first
    (at most ``n // 2``), then the earliest others, in index order.

    Wrong answers make the equal-predictions check stronger: a result that is off steers a
    borderline image to another class sooner than a confident one. Returns ``(indices, wrong)``,
    ``wrong`` the number of misclassified images picked.
    """
    import torch
    x_t = torch.from_numpy(np.ascontiguousarray(x))
    with torch.no_grad():
        pred = np.concatenate([model(x_t[i:i + batch_size]).argmax(-1).numpy()
                               for i in range(0, len(x_t), batch_size)])
    bad = np.flatnonzero(pred != np.asarray(y))[:n // 2]
    good = np.setdiff1d(np.arange(len(x)), bad)[:n - len(bad)]
    return np.sort(np.concatenate([bad, good])), len(bad)


@dataclass
class LayerCheck:
    name: str
    accumulators: int = 0
    mismatches: int = 0
    failures: int = 0          # simulator runs that failed (a bench check other than the values)
    cycles: int = 0
    contract_cycles: int = 0   # the timing contract's cycles for the same GEMMs (+ harness)
    transfers: int = 0
    tiles: int = 0
    runs: int = 0              # simulator runs (one per GEMM K chunk)
    seconds: float = 0.0


@dataclass
class HardwareCheck:
    """Result of :func:`run_hardware_check`, one entry per checked setting."""

    images: int
    array: str
    simulator: str
    layers: dict = field(default_factory=dict)        # setting -> [LayerCheck]
    predictions_equal: dict = field(default_factory=dict)   # setting -> count of equal classes
    accuracy_rtl: dict = field(default_factory=dict)
    accuracy_golden: dict = field(default_factory=dict)
    build_seconds: dict = field(default_factory=dict)
    selection: str = ""
    harness: str = "burst"

    @property
    def cycles_checked(self):
        """True when the cycles come from the cycle-accurate harness and are compared."""
        return self.harness == "per-cycle"

    @property
    def passed(self):
        return bool(self.layers) and all(
            l.accumulators > 0 and l.mismatches == 0 and l.failures == 0
            and (not self.cycles_checked or l.cycles == l.contract_cycles)
            for ls in self.layers.values() for l in ls) \
            and all(v == self.images for v in self.predictions_equal.values())

    def cycles_per_inference(self, setting):
        """``(simulated, contract)`` array cycles per image over the checked layers, the harness's
        own cycles taken out (per-cycle harness only; ``None`` otherwise)."""
        if not self.cycles_checked:
            return None
        ls = self.layers[setting]
        extra = sum(l.runs for l in ls) * HARNESS_CYCLES
        return ((sum(l.cycles for l in ls) - extra) / self.images,
                (sum(l.contract_cycles for l in ls) - extra) / self.images)

    def markdown(self):
        lines = [f"Hardware in the loop: {self.selection or f'{self.images} test images'}; every SPARQ conv "
                 f"computed by the generated {self.array} array on {self.simulator} ({self.harness} "
                 "harness), tile by tile, its accumulators feeding the next layer.", "",
                 "| setting | layer | accumulators | differ from golden | tiles | simulated cycles "
                 "| contract cycles | sim seconds |", "|---|---|---|---|---|---|---|---|"]
        for s, ls in self.layers.items():
            for l in ls:
                contract = l.contract_cycles if self.cycles_checked else "n/a (burst harness)"
                lines.append(f"| `{s}` | `{l.name}` | {l.accumulators} | {l.mismatches} | "
                             f"{l.tiles} | {l.cycles} | {contract} | {l.seconds:.1f} |")
        lines.append("")
        for s in self.layers:
            lines.append(f"- `{s}`: predicted classes equal in {self.predictions_equal[s]} of "
                         f"{self.images} images (RTL accuracy {100 * self.accuracy_rtl[s]:.2f} %, "
                         f"golden {100 * self.accuracy_golden[s]:.2f} %).")
            if self.cycles_checked:
                sim_c, contract_c = self.cycles_per_inference(s)
                lines.append(f"- `{s}`: array cycles per inference {sim_c:.1f} simulated, "
                             f"{contract_c:.1f} from the timing contract (the harness's "
                             f"{HARNESS_CYCLES} cycles per run taken out of both; the images of a "
                             "batch share tiles, so this is the batch's cycles / images).")
        lines.append(f"- Verdict: {'PASS' if self.passed else 'FAIL'}.")
        return "\n".join(lines) + "\n"

    def to_dict(self):
        return {"images": self.images, "selection": self.selection, "array": self.array,
                "simulator": self.simulator, "harness": self.harness,
                "cycles_per_inference": {s: self.cycles_per_inference(s) for s in self.layers},
                "passed": self.passed, "predictions_equal": dict(self.predictions_equal),
                "accuracy_rtl": dict(self.accuracy_rtl),
                "accuracy_golden": dict(self.accuracy_golden),
                "build_seconds": dict(self.build_seconds),
                "layers": {s: [vars(l) for l in ls] for s, ls in self.layers.items()}}


def run_hardware_check(model, x, y, *, calibration_loader, settings=HW_SETTINGS[:1],
                       work_dir="build/eval/hw", rows=8, cols=8, max_k=1152, simulator="verilator",
                       batch_size=64, float_layers=None, harness="burst", log=print):
    """Run ``model``'s SPARQ conv layers on images ``x`` (labels ``y``) through the generated array.

    Parameters
    ----------
    model : torch.nn.Module, as for :func:`~evaluation.evaluate_model` (first conv in float).
    x, y : NumPy arrays, the images and their labels.
    calibration_loader : the same calibration data as the evaluation (gives the same ``max_mean``).
    settings : names among :data:`HW_SETTINGS` (every SPARQ setting, e.g. ``sparq-b4-o5-ne``,
        ``sparq-b3-o6-ne``, ``sparq-b2-o7-tr``).
    rows, cols, max_k : the generated array's :class:`hdl.config.SparqConfig`.
    simulator : ``"verilator"`` or ``"icarus"``.
    float_layers : convs kept in float, as for :func:`~evaluation.calibrate` (default: the first).
    harness : ``"burst"`` (fast) or ``"per-cycle"`` (cycle-accurate: cycles checked against the
        timing contract, see the module docstring).

    Returns a :class:`HardwareCheck`; ``.passed`` is True when every accumulator of every layer
    equals golden's and every predicted class equals the golden path's.
    """
    import torch
    from hdl.config import SparqConfig
    from tb import array_runner, gemm

    if harness not in ("burst", "per-cycle"):
        raise ValueError(f"harness must be 'burst' or 'per-cycle', not {harness!r}")
    for name in settings:
        if name not in HW_SETTINGS:
            raise ValueError(f"setting {name!r} has no hardware: the array implements "
                             f"{', '.join(HW_SETTINGS)}")
    layers, _, _ = calibrate(model, calibration_loader, float_layers=float_layers)
    x_t = torch.from_numpy(np.ascontiguousarray(x))
    y = np.asarray(y)
    check = HardwareCheck(images=len(x), array=f"{rows}x{cols} (max K {max_k})", simulator=simulator,
                          harness=harness)
    burst = harness == "burst"
    work_dir = Path(work_dir)
    for name in settings:
        setting = SETTINGS[name]
        config = SparqConfig(datapath="sparq", bits=setting.bits, options=setting.options,
                             rounding=setting.rounding, rows=rows, cols=cols, max_k=max_k)
        start = time.perf_counter()
        build = array_runner.build_array(config, simulator, burst=burst)
        check.build_seconds[name] = round(time.perf_counter() - start, 1)
        log(f"[hw] {name}: array built for {simulator} in {check.build_seconds[name]} s")
        per_layer = {l.name: LayerCheck(l.name) for l in layers}

        def on_array(layer, xin, setting, _per=per_layer, _build=build, _name=name):
            # The golden quantizer and unfolding, then the array instead of golden's GEMM.
            xin = np.asarray(xin, np.float64)
            xq, delta_x = golden.quantize_activations(xin, layer.max_mean, bits=setting.act_bits)
            cols_ = layer.im2col(xq)
            N, Ho, Wo, K = cols_.shape
            Bm = golden.weights_to_matrix(layer.wq)
            (run,) = gemm.array_gemm(_build.config, _build.sim, cols_.reshape(-1, K), Bm,
                                     build=_build, work_dir=work_dir, seed=0,
                                     tests=("burst",) if burst else ("full_rate",),
                                     name=f"{_name}-{layer.name}").values()
            acc = gemm_to_conv(run.C, (N, Ho, Wo))
            ref = layer.conv(xq, delta_x, setting).acc
            lc = _per[layer.name]
            lc.accumulators += int(ref.size)
            lc.mismatches += int(np.count_nonzero(acc != ref)) if acc.shape == ref.shape \
                else int(ref.size)
            lc.failures += len(run.failures)
            for k in ("cycles", "transfers", "tiles", "seconds"):
                setattr(lc, k, getattr(lc, k) + getattr(run, k))
            chunks = len(gemm.k_chunks(_build.config, K))
            lc.runs += chunks
            lc.contract_cycles += gemm_cycles(N * Ho * Wo, Bm.shape[0], K, rows=rows, cols=cols,
                                              max_k=max_k)[1] + chunks * HARNESS_CYCLES
            log(f"[hw] {_name} {layer.name}: {ref.size} accumulators, {lc.mismatches} differ, "
                f"{run.tiles} tiles, {run.cycles} cycles, {run.seconds:.1f} s"
                + "".join(f"; {f}" for f in run.failures))
            y_out = acc * delta_x * layer.delta_w.reshape(1, -1, 1, 1)
            if layer.bias is not None:
                y_out = y_out + layer.bias.reshape(1, -1, 1, 1)
            return LayerRun(acc=acc, y=y_out, xq=xq, delta_x=delta_x, counts=PairCounts())

        preds = {}
        was_training = model.training
        model.eval()
        try:
            for path, compute in (("golden", None), ("rtl", on_array)):
                kwargs = {} if compute is None else {"compute": compute}
                ctl = quantized_layers(model, layers, **kwargs)
                ctl.setting = setting
                try:
                    with torch.no_grad():
                        preds[path] = np.concatenate([
                            model(x_t[i:i + batch_size]).argmax(-1).numpy()
                            for i in range(0, len(x_t), batch_size)])
                finally:
                    ctl.remove()
        finally:
            model.train(was_training)
        check.layers[name] = list(per_layer.values())
        check.predictions_equal[name] = int(np.sum(preds["golden"] == preds["rtl"]))
        check.accuracy_rtl[name] = float(np.mean(preds["rtl"] == y))
        check.accuracy_golden[name] = float(np.mean(preds["golden"] == y))
    return check
