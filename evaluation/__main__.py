"""``python -m evaluation``: the digits evaluation, written to ``build/eval/``.

For each of ``--seeds`` (default 0-4), trains (or loads from the cache) the digits CNN and
evaluates every setting on that seed's held-out test set; writes ``eval.md`` (the summary over
seeds, then the first seed in detail), ``eval.json`` (every figure) and ``eval.png`` (the chart).
With ``--hw-images N`` (default 64, 0 to skip) it also runs every SPARQ conv layer of N test images
of the first seed (those the FP32 model gets wrong, up to N/2, and the first others) through the
generated 8x8 array on Verilator and checks the accumulators and predicted classes against the
golden path (see :mod:`evaluation.hardware`); the exit status is 1 when they differ.
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
    p = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], metavar="SEED",
                   help="one trained network and test split per seed (default 0 1 2 3 4); the "
                        "first is shown in detail and run on the array")
    p.add_argument("--out", default="build/eval", help="output folder (default build/eval)")
    p.add_argument("--retrain", action="store_true", help="ignore cached weights")
    p.add_argument("--settings", nargs="+", metavar="NAME",
                   help=f"settings to evaluate (default all): {', '.join(SETTINGS)}")
    p.add_argument("--hw-images", type=int, default=64, metavar="N",
                   help="test images to run through the 8x8 array on Verilator: the FP32 model's "
                        "mistakes (up to half) and the first others (0 skips; default 64)")
    p.add_argument("--hw-settings", nargs="+", metavar="NAME", default=["sparq-b4-o5-ne"],
                   help="settings to run on the array (any SPARQ setting: 4-, 3- or 2-bit "
                        "windows; default sparq-b4-o5-ne)")
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
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        print(f"error: --seeds must be distinct non-negative integers, not "
              f"{' '.join(map(str, args.seeds))}", file=sys.stderr)
        return 2
    if args.hw_images < 0:
        print(f"error: --hw-images must be >= 0, not {args.hw_images}", file=sys.stderr)
        return 2

    import numpy as np
    import sklearn
    import torch
    from . import digits
    from .evaluate import evaluate_model
    from .seeds import plot_summary, summary_dict, summary_table

    torch.set_num_threads(1)      # tiny layers: one thread is fastest (see digits.train)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = ("python -m evaluation " + " ".join(shlex.quote(a) for a in (
        sys.argv[1:] if argv is None else argv))).strip()
    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "numpy": np.__version__, "scikit-learn": sklearn.__version__}
    reports, infos = [], []
    for seed in args.seeds:
        model, info = digits.load_or_train(seed, cache_dir=out, retrain=args.retrain)
        x_tr, y_tr, x_te, y_te = digits.load_split(seed, info["recipe"]["test_fraction"])
        meta = {"seed": seed, "command": command, "dataset": "sklearn.datasets.load_digits",
                "model": "DigitsCNN", "training": info, "versions": versions}
        start = time.perf_counter()
        report = evaluate_model(model, digits.loaders(x_tr, y_tr), digits.loaders(x_te, y_te),
                                settings=args.settings, meta=meta)
        meta["eval_seconds"] = round(time.perf_counter() - start, 2)
        print(f"seed {seed}: evaluated {len(report.settings)} settings on {report.n_test} test "
              f"images in {meta['eval_seconds']} s")
        reports.append(report)
        infos.append(info)
        if seed == args.seeds[0]:
            first = (model, x_tr, y_tr, x_te, y_te)

    hw, hw_text = None, ""
    if args.hw_images:
        from .hardware import pick_images, run_hardware_check
        model, x_tr, y_tr, x_te, y_te = first
        idx, wrong = pick_images(model, x_te, y_te, args.hw_images)
        hw = run_hardware_check(model, x_te[idx], y_te[idx],
                                calibration_loader=digits.loaders(x_tr, y_tr),
                                settings=args.hw_settings, work_dir=out / "hw")
        hw.selection = (f"{len(idx)} test images: the {wrong} the FP32 model misclassifies and "
                        f"the first {len(idx) - wrong} others")
        hw_text = f"\n## Hardware in the loop (seed {args.seeds[0]})\n\n" + hw.markdown()

    info = infos[0]
    text = (f"# SPARQ on the digits CNN\n\n"
            f"Data: `sklearn.datasets.load_digits`, {info['n_train']} training / {info['n_test']} "
            f"test images per seed (stratified split by the seed). Network: `DigitsCNN` "
            f"(evaluation/digits.py), {info['recipe']['epochs']} epochs per seed "
            f"({', '.join(str(i['train_seconds']) for i in infos)} s). Versions: "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
            + f". Command: `{command}`.\n\n## Summary over seeds\n\n"
            + summary_table(reports, args.seeds)
            + f"\n## Seed {args.seeds[0]} in detail\n\n" + reports[0].markdown() + hw_text)
    (out / "eval.md").write_text(text)
    data = {"command": command, "versions": versions, "summary": summary_dict(reports, args.seeds),
            "per_seed": [r.to_dict() for r in reports],
            "hardware": hw.to_dict() if hw is not None else None}
    (out / "eval.json").write_text(json.dumps(data, indent=2) + "\n")
    plot_summary(reports, args.seeds, out / "eval.png")
    print(text)
    print(f"wrote {out / 'eval.md'}, {out / 'eval.json'}, {out / 'eval.png'}")
    if hw is not None and not hw.passed:
        print("error: the hardware path disagrees with the golden model", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
