"""One seed of a trained workload (``digits``, ``fashion``, ``fashion-2to4``): its network, data and
evaluation.

:func:`seed_data` loads (or trains and caches) the seed's network and gives its calibration and
test images; :func:`run_seed` evaluates it under the chosen settings. ``python -m evaluation``
calls :func:`run_seed` once per seed, in this process or, with ``--jobs N``, in N worker processes
(each seed's network, data and golden-model run are independent; only the summary needs them all).
Both are module-level functions of plain arguments so that a spawned worker can run them.
"""

import importlib
import time

from .fashion import DEFAULT_TEST

__all__ = ["seed_data", "run_seed"]

#: Workload name -> the module that trains its network.
MODULES = {"digits": "digits", "fashion": "fashion", "fashion-2to4": "fashion"}


def seed_data(name, seed, *, out, retrain=False, fashion_dir=None, fashion_test=DEFAULT_TEST,
              log=print):
    """``(model, info, cal_x, cal_y, x_te, y_te, dataset)`` of ``seed`` of workload ``name``.

    digits: the seed's stratified split, calibrated on its training images. fashion: the first
    ``fashion_test`` official test images, calibrated on 2,000 of the images the seed trained on;
    fashion-2to4 the same, with the seed's network pruned 2:4 and fine-tuned
    (:func:`evaluation.fashion.load_or_train_2to4`). The weights are cached in ``out``. Raises
    ``FileNotFoundError``/``ValueError`` from the data.
    """
    module = importlib.import_module(f"evaluation.{MODULES[name]}")
    if name == "digits":
        model, info = module.load_or_train(seed, cache_dir=out, retrain=retrain, log=log)
        x_tr, y_tr, x_te, y_te = module.load_split(seed, info["recipe"]["test_fraction"])
        return model, info, x_tr, y_tr, x_te, y_te, "sklearn.datasets.load_digits"
    data_dir = fashion_dir or module.DEFAULT_DIR
    x_te, y_te = module.load("test", data_dir)
    x_te, y_te = x_te[:fashion_test], y_te[:fashion_test]
    x_train_all, y_train_all = module.load("train", data_dir)
    train = module.load_or_train_2to4 if name == "fashion-2to4" else module.load_or_train
    model, info = train(seed, cache_dir=out, retrain=retrain, data_dir=data_dir, log=log)
    # Calibration: 2,000 of the images this seed trained on.
    recipe = info["recipe"].get("dense", info["recipe"])
    idx = module.train_subset(seed, recipe["n_train"], len(y_train_all))[:2000]
    return (model, info, x_train_all[idx], y_train_all[idx], x_te, y_te,
            f"Fashion-MNIST ({data_dir})")


def run_seed(name, seed, *, settings, out, retrain=False, fashion_dir=None,
             fashion_test=DEFAULT_TEST,
             meta=None, log=print):
    """Evaluate ``seed`` of workload ``name``: returns ``(report, info)``, the
    :class:`~evaluation.report.EvalReport` (wall and CPU seconds of the evaluation in its
    ``meta``) and the training info. ``meta``: facts to carry into the report."""
    import torch
    from .evaluate import evaluate_model
    from .training import loaders
    # Small layers: one thread is fastest, and a worker must not oversubscribe the cores.
    torch.set_num_threads(1)
    model, info, cal_x, cal_y, x_te, y_te, dataset = seed_data(
        name, seed, out=out, retrain=retrain, fashion_dir=fashion_dir, fashion_test=fashion_test,
        log=log)
    meta = dict(meta or {}, seed=seed, dataset=dataset, workload=name, training=info)
    start, cpu = time.perf_counter(), time.process_time()
    report = evaluate_model(model, loaders(cal_x, cal_y), loaders(x_te, y_te), settings=settings,
                            meta=meta)
    report.meta["eval_seconds"] = round(time.perf_counter() - start, 2)
    report.meta["eval_cpu_seconds"] = round(time.process_time() - cpu, 2)
    log(f"{name} seed {seed}: evaluated {len(report.settings)} settings on {report.n_test} "
        f"test images in {report.meta['eval_seconds']} s ({report.meta['eval_cpu_seconds']} s CPU)")
    return report, info
