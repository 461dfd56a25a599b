"""A VGG-style ReLU CNN trained on Fashion-MNIST: the workload where quantization noise shows.

The data: Fashion-MNIST (Zalando, Expat licence), 60,000 training and 10,000 test 28x28 grey-level
images of ten kinds of clothing, from the Debian package ``dataset-fashion-mnist`` (``make eval``
installs it) as the original gzip-compressed IDX files in :data:`DEFAULT_DIR`. :func:`read_idx`
reads the format (a big-endian header: two zero bytes, the element type, the number of
dimensions, one 32-bit size per dimension; then the data) with NumPy and gzip.

The network (:class:`FashionCNN`): five 3x3 convs with ReLU, the first in float (the authors
keep the first conv in float), the four after it SPARQ layers, each with an even number of input
channels so that vSPARQ pairs are channel pairs at one tap:

    conv1  1 -> 16, 28x28  float, then 2x2 max-pool
    conv2 16 -> 32, 14x14  SPARQ, K = 144
    conv3 32 -> 32, 14x14  SPARQ, K = 288, then 2x2 max-pool
    conv4 32 -> 64,  7x7   SPARQ, K = 288
    conv5 64 -> 64,  7x7   SPARQ, K = 576, then 2x2 max-pool
    fc   576 -> 10         float

Four quantized layers in a row let the activation quantizer's error compound, which is where
the naive 4-bit baseline loses accuracy and SPARQ's 8-bit windows do not. Training is deterministic
for a seed (one CPU thread, :func:`evaluation.training.fit`) and the weights are cached in
``build/eval/``; the seed changes the initialisation, the batch order and which training images
are used (:data:`RECIPE` ``n_train``, a random subset, to keep the training within minutes on a
CPU), never the test set, which is the official 10,000 images.
"""

import gzip
import time
from pathlib import Path

import numpy as np

from .training import accuracy, cache_stem, cached, fit, loaders

__all__ = ["DEFAULT_DIR", "FILES", "read_idx", "load", "FashionCNN", "train", "load_or_train",
           "loaders", "RECIPE", "CLASSES"]

#: Where the Debian package ``dataset-fashion-mnist`` puts the files.
DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")

#: The four files of the data set, by split.
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")

#: Everything that determines the trained weights besides the seed. Part of the cache key.
RECIPE = {"version": 1, "n_train": 30000, "epochs": 4, "batch_size": 128, "lr": 2e-3,
          "weight_decay": 1e-4, "widths": [16, 32, 32, 64, 64]}

# IDX element type codes (the third header byte) and their big-endian NumPy types.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (gzip-compressed when the name ends in ``.gz``).

    Raises ``FileNotFoundError`` naming the file and the Debian package when it is missing, and
    ``ValueError`` naming the file for a header or a size that is not IDX.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (Fashion-MNIST comes with the Debian package "
                                "dataset-fashion-mnist; `make eval` installs it)")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path}: cannot be read as {'gzip' if opener is gzip.open else 'a file'}"
                         f": {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] < 1:
        raise ValueError(f"{path}: not an IDX file (header {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{path}: IDX header announces {ndim} dimensions but the file ends first")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise ValueError(f"{path}: IDX header announces shape {shape} ({expected} bytes of data), "
                         f"the file has {len(raw) - offset}")
    return np.frombuffer(raw, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def load(split, data_dir=DEFAULT_DIR):
    """``(x, y)`` of ``split`` (``"train"`` or ``"test"``): float32 images (N, 1, 28, 28) in 0..1,
    int64 labels. Raises ``ValueError`` when images and labels do not match."""
    if split not in FILES:
        raise ValueError(f"split must be one of {', '.join(FILES)}, not {split!r}")
    images_name, labels_name = FILES[split]
    images = read_idx(Path(data_dir) / images_name)
    labels = read_idx(Path(data_dir) / labels_name)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{data_dir}: {split} images {images.shape} and labels {labels.shape} do "
                         "not match (expected (N, H, W) and (N,))")
    x = (images.astype(np.float32) / 255.0)[:, None, :, :]
    return x, labels.astype(np.int64)


def FashionCNN(widths=tuple(RECIPE["widths"])):
    """The evaluation network (see the module docstring) as a ``torch.nn.Module``."""
    import torch.nn as nn
    w1, w2, w3, w4, w5 = widths

    class _FashionCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, w1, 3, padding=1)
            self.conv2 = nn.Conv2d(w1, w2, 3, padding=1)
            self.conv3 = nn.Conv2d(w2, w3, 3, padding=1)
            self.conv4 = nn.Conv2d(w3, w4, 3, padding=1)
            self.conv5 = nn.Conv2d(w4, w5, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.relu = nn.ReLU()
            self.fc = nn.Linear(w5 * 3 * 3, 10)

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.relu(self.conv2(x))
            x = self.pool(self.relu(self.conv3(x)))
            x = self.relu(self.conv4(x))
            x = self.pool(self.relu(self.conv5(x)))
            return self.fc(x.flatten(1))

    return _FashionCNN()


def train_subset(seed, n_train, total):
    """Indices of the ``n_train`` training images seed ``seed`` trains on (sorted), or all."""
    if n_train is None or n_train >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).permutation(total)[:n_train])


def train(seed=0, *, recipe=RECIPE, data=None, data_dir=DEFAULT_DIR, log=print):
    """Train :func:`FashionCNN` from scratch; returns ``(model, info)`` with the FP32 test accuracy.

    ``data``: ``(x_train, y_train, x_test, y_test)`` to train on instead of the files in
    ``data_dir`` (the tests pass small made-up sets).
    """
    import torch
    # One thread: reproducible, and on a shared 2-core machine a second thread mostly waits.
    torch.set_num_threads(1)
    x_tr, y_tr, x_te, y_te = data if data is not None else (*load("train", data_dir),
                                                            *load("test", data_dir))
    idx = train_subset(seed, recipe["n_train"], len(y_tr))
    torch.manual_seed(seed)
    model = FashionCNN(tuple(recipe["widths"]))
    seconds = fit(model, x_tr[idx], y_tr[idx], seed=seed, epochs=recipe["epochs"],
                  batch_size=recipe["batch_size"], lr=recipe["lr"],
                  weight_decay=recipe["weight_decay"])
    start = time.perf_counter()
    acc = accuracy(model, x_te, y_te)
    info = {"seed": seed, "recipe": dict(recipe), "train_seconds": round(seconds, 2),
            "fp32_test_accuracy": acc, "n_train": int(len(idx)), "n_test": int(len(y_te)),
            "torch": torch.__version__}
    log(f"trained FashionCNN seed {seed}: {recipe['epochs']} epochs on {len(idx)} images in "
        f"{seconds:.1f} s, FP32 test accuracy {100 * acc:.2f} % "
        f"({time.perf_counter() - start:.1f} s to test)")
    return model, info


def load_or_train(seed=0, *, cache_dir="build/eval", retrain=False, recipe=RECIPE,
                  data_dir=DEFAULT_DIR, log=print):
    """The trained model for ``seed``: loaded from ``cache_dir`` when cached, else trained on the
    files in ``data_dir`` and saved."""
    return cached(cache_stem("fashion_cnn", seed, recipe), lambda: FashionCNN(tuple(recipe["widths"])),
                  lambda: train(seed, recipe=recipe, data_dir=data_dir, log=log),
                  cache_dir=cache_dir, retrain=retrain, log=log)
