"""``python -m golden.eval``: the digits evaluation, written to ``build/eval/``.

Trains (or loads from the cache) the digits CNN for ``--seed``, evaluates every setting on the
held-out test set, and writes ``eval.md`` (the tables), ``eval.json`` (every figure) and
``eval.png`` (the chart). With ``--hw-images N`` (default 64, 0 to skip) it also runs every SPARQ
conv layer of the first N test images through the generated 8x8 array on Verilator and checks the
accumulators and predicted classes against the golden path (see :mod:`golden.eval.hardware`).
"""

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path


def _parser():
    from .settings import SETTINGS
    p = argparse.ArgumentParser(prog="python -m golden.eval", description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=0, help="training seed and test split (default 0)")
    p.add_argument("--out", default="build/eval", help="output folder (default build/eval)")
    p.add_argument("--retrain", action="store_true", help="ignore cached weights")
    p.add_argument("--settings", nargs="+", metavar="NAME",
                   help=f"settings to evaluate (default all): {', '.join(SETTINGS)}")
    p.add_argument("--hw-images", type=int, default=64, metavar="N",
                   help="test images to run through the 8x8 array on Verilator (0 skips; default 64)")
    p.add_argument("--hw-settings", nargs="+", metavar="NAME", default=["sparq4-5opt-round"],
                   help="settings to run on the array (4-bit windows; default sparq4-5opt-round)")
    return p


def main(argv=None):
    args = _parser().parse_args(argv)
    from .settings import SETTINGS
    for name in args.settings or ():
        if name not in SETTINGS:
            print(f"error: unknown setting {name!r}; known settings: {', '.join(SETTINGS)}",
                  file=sys.stderr)
            return 2
    from .hardware import HW_SETTINGS
    for name in args.hw_settings:
        if name not in HW_SETTINGS:
            print(f"error: --hw-settings: {name!r} has no hardware; the array implements "
                  f"{', '.join(HW_SETTINGS)}", file=sys.stderr)
            return 2
    if args.hw_images < 0:
        print(f"error: --hw-images must be >= 0, not {args.hw_images}", file=sys.stderr)
        return 2

    import numpy as np
    import sklearn
    import torch
    from . import digits
    from .evaluate import evaluate_model

    torch.set_num_threads(1)      # tiny layers: one thread is fastest (see digits.train)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, info = digits.load_or_train(args.seed, cache_dir=out, retrain=args.retrain)
    x_tr, y_tr, x_te, y_te = digits.load_split(args.seed, info["recipe"]["test_fraction"])
    command = "python -m golden.eval " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    meta = {"seed": args.seed, "command": command.strip(), "dataset": "sklearn.datasets.load_digits",
            "model": "DigitsCNN", "training": info,
            "versions": {"python": platform.python_version(), "torch": torch.__version__,
                         "numpy": np.__version__, "scikit-learn": sklearn.__version__}}
    start = time.perf_counter()
    report = evaluate_model(model, digits.loaders(x_tr, y_tr), digits.loaders(x_te, y_te),
                            settings=args.settings, meta=meta)
    meta["eval_seconds"] = round(time.perf_counter() - start, 2)

    hw_text = ""
    if args.hw_images:
        from .hardware import run_hardware_check
        hw = run_hardware_check(model, x_te[:args.hw_images], y_te[:args.hw_images],
                                calibration_loader=digits.loaders(x_tr, y_tr),
                                settings=args.hw_settings, work_dir=out / "hw")
        meta["hardware"] = hw.to_dict()
        hw_text = "\n" + hw.markdown()

    header = (f"# SPARQ on the digits CNN (seed {args.seed})\n\n"
              f"Data: `sklearn.datasets.load_digits`, {info['n_train']} training / "
              f"{info['n_test']} test images (stratified split, seed {args.seed}). "
              f"Training: {info['recipe']['epochs']} epochs, {info['train_seconds']} s, torch "
              f"{info['torch']}. Command: `{meta['command']}`.\n\n")
    (out / "eval.md").write_text(header + report.markdown() + hw_text)
    (out / "eval.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    report.plot(out / "eval.png", title=f"Digits CNN, seed {args.seed}: top-1 accuracy on "
                                        f"{report.n_test} test images")
    print(header + report.markdown() + hw_text)
    print(f"wrote {out / 'eval.md'}, {out / 'eval.json'}, {out / 'eval.png'}")
    if args.hw_images and not hw.passed:
        print("error: the hardware path disagrees with the golden model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
