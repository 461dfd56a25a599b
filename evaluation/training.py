"""Deterministic CPU training of the evaluation's reference networks, and their weight cache.

Both workloads that train a network (:mod:`evaluation.digits`, :mod:`evaluation.fashion`) use
:func:`fit` (Adam, cosine learning-rate schedule, cross-entropy, one CPU thread, batch order fixed
by the seed) and :func:`cached` (weights saved under ``build/eval/`` with a name carrying the
seed and a hash of the recipe, so a changed recipe never loads stale weights).
"""

import hashlib
import json
import time
from pathlib import Path

import numpy as np

__all__ = ["loaders", "fit", "accuracy", "cache_stem", "cached"]


def loaders(x, y, *, batch_size=256, shuffle=False, seed=0):
    """A ``torch.utils.data.DataLoader`` of ``(inputs, targets)`` over NumPy arrays."""
    import torch
    ds = torch.utils.data.TensorDataset(torch.from_numpy(np.ascontiguousarray(x)),
                                        torch.from_numpy(np.ascontiguousarray(y)))
    gen = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=gen)


def accuracy(model, x, y, *, batch_size=1000):
    """Top-1 accuracy (0..1) of ``model`` in eval mode on NumPy images ``x``, labels ``y``."""
    import torch
    model.eval()
    with torch.no_grad():
        pred = np.concatenate([model(torch.from_numpy(np.ascontiguousarray(x[i:i + batch_size])))
                               .argmax(1).numpy() for i in range(0, len(x), batch_size)])
    return float((pred == np.asarray(y)).mean())


def fit(model, x_tr, y_tr, *, seed, epochs, batch_size, lr, weight_decay, after_step=None):
    """Train ``model`` in place (it must be built right after ``torch.manual_seed(seed)`` for the
    run to be reproducible); returns the wall seconds spent. ``after_step()``, when given, runs
    after every optimizer step (the 2:4 fine-tuning puts the pruned weights back to zero)."""
    import torch
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    train_loader = loaders(x_tr, y_tr, batch_size=batch_size, shuffle=True, seed=seed)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
        sched.step()
    model.eval()
    return time.perf_counter() - start


def cache_stem(prefix, seed, recipe):
    """``<prefix>_seed<seed>_<hash of recipe>``: the cache file name without its extension."""
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:10]
    return f"{prefix}_seed{seed}_{key}"


def cached(stem, build, train, *, cache_dir, retrain=False, log=print):
    """``(model, info)`` from ``cache_dir/<stem>.pt`` and ``.json`` when both exist (``build()``
    makes the empty model), else ``train() -> (model, info)``, saved there."""
    import torch
    cache_dir = Path(cache_dir)
    weights, meta = cache_dir / f"{stem}.pt", cache_dir / f"{stem}.json"
    if weights.exists() and meta.exists() and not retrain:
        model = build()
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.eval()
        log(f"loaded cached weights {weights}")
        return model, json.loads(meta.read_text())
    model, info = train()
    cache_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), weights)
    meta.write_text(json.dumps(info, indent=2) + "\n")
    return model, info
