"""A small ReLU CNN trained on scikit-learn's bundled handwritten digits.

The data: ``sklearn.datasets.load_digits``, 1,797 real 8x8 grey-level images (0..16) of the digits
0-9, shipped inside scikit-learn (no download). A stratified split with a fixed seed holds out 30 %
as the test set; the calibration images are the training images.

The network (:class:`DigitsCNN`) has four 3x3 convs with ReLU: the first stays in float, the three
after it are the SPARQ layers, each with an even number (16, 32, 32) of input channels so that
vSPARQ pairs are channel pairs at one tap:

    conv1  1 -> 16, 8x8   float (the authors keep the first conv in float)
    conv2 16 -> 32, 8x8   SPARQ, K = 144, then 2x2 max-pool
    conv3 32 -> 32, 4x4   SPARQ, K = 288
    conv4 32 -> 64, 4x4   SPARQ, K = 288, then 2x2 max-pool
    fc   256 -> 10        float

Training is deterministic for a seed (one CPU thread, fixed initialisation and batch order) and
takes seconds; the weights are cached in ``build/eval/`` under a name that carries the seed and a
recipe version, so a changed recipe never loads stale weights.
"""

import numpy as np

from .training import accuracy, cache_stem, cached, fit, loaders

__all__ = ["load_split", "DigitsCNN", "train", "load_or_train", "loaders", "RECIPE"]

#: Everything that determines the trained weights besides the seed. Part of the cache key.
RECIPE = {"version": 1, "test_fraction": 0.3, "epochs": 30, "batch_size": 64, "lr": 5e-3,
          "weight_decay": 1e-4, "widths": [16, 32, 32, 64]}


def load_split(seed=0, test_fraction=RECIPE["test_fraction"]):
    """``(x_train, y_train, x_test, y_test)``: float32 images (N, 1, 8, 8) in 0..1, int64 labels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_fraction, random_state=seed,
                                              stratify=y)
    return x_tr, y_tr, x_te, y_te


def _nn():
    import torch
    return torch, torch.nn


def DigitsCNN(widths=tuple(RECIPE["widths"])):
    """The evaluation network (see the module docstring) as a ``torch.nn.Module``."""
    torch, nn = _nn()
    w1, w2, w3, w4 = widths

    class _DigitsCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, w1, 3, padding=1)
            self.conv2 = nn.Conv2d(w1, w2, 3, padding=1)
            self.conv3 = nn.Conv2d(w2, w3, 3, padding=1)
            self.conv4 = nn.Conv2d(w3, w4, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.relu = nn.ReLU()
            self.fc = nn.Linear(w4 * 2 * 2, 10)

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.pool(self.relu(self.conv2(x)))
            x = self.relu(self.conv3(x))
            x = self.pool(self.relu(self.conv4(x)))
            return self.fc(x.flatten(1))

    return _DigitsCNN()


def train(seed=0, *, recipe=RECIPE, log=print):
    """Train :func:`DigitsCNN` from scratch; returns ``(model, info)`` with the FP32 test accuracy."""
    torch, _ = _nn()
    # One thread: the layers are so small that more threads only add synchronisation, and on a
    # shared machine they spin against other processes (measured on 2 loaded cores: 3 epochs in
    # 1.4 s with one thread, 16.5 s with two).
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x_tr, y_tr, x_te, y_te = load_split(seed, recipe["test_fraction"])
    model = DigitsCNN(tuple(recipe["widths"]))
    seconds = fit(model, x_tr, y_tr, seed=seed, epochs=recipe["epochs"],
                  batch_size=recipe["batch_size"], lr=recipe["lr"],
                  weight_decay=recipe["weight_decay"])
    acc = accuracy(model, x_te, y_te)
    info = {"seed": seed, "recipe": dict(recipe), "train_seconds": round(seconds, 2),
            "fp32_test_accuracy": acc, "n_train": int(len(y_tr)), "n_test": int(len(y_te)),
            "torch": torch.__version__}
    log(f"trained DigitsCNN seed {seed}: {recipe['epochs']} epochs in {seconds:.1f} s, "
        f"FP32 test accuracy {100 * acc:.2f} %")
    return model, info


def load_or_train(seed=0, *, cache_dir="build/eval", retrain=False, recipe=RECIPE, log=print):
    """The trained model for ``seed``: loaded from ``cache_dir`` when cached, else trained and saved."""
    return cached(cache_stem("digits_cnn", seed, recipe),
                  lambda: DigitsCNN(tuple(recipe["widths"])),
                  lambda: train(seed, recipe=recipe, log=log),
                  cache_dir=cache_dir, retrain=retrain, log=log)
