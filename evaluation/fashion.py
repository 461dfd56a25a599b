"""A small ResNet with batch norm trained on Fashion-MNIST: the workload where naive 4-bit loses.

The data: Fashion-MNIST (Zalando, Expat licence), 60,000 training and 10,000 test 28x28 grey-level
images of ten kinds of clothing, from the Debian package ``dataset-fashion-mnist`` (``make eval``
installs it) as the original gzip-compressed IDX files in :data:`DEFAULT_DIR`. :func:`read_idx`
reads the format (a big-endian header: two zero bytes, the element type, the number of
dimensions, one 32-bit size per dimension; then the data) with NumPy and gzip.

The network (:func:`FashionCNN`): a ResNet of three stages of one basic block each (two 3x3 convs,
batch norm, a residual add, ReLU; the first block of a later stage halves the size with stride 2
and takes its shortcut through a 1x1 projection conv), after a float stem, with global average
pooling and a float FC. The stem conv stays in float (the authors keep the first conv in float);
the eight convs after it are SPARQ layers, each with an even number of input channels so that
vSPARQ pairs are channel pairs at one tap:

    conv1          1 -> 16, 3x3, 28x28  float, BN, ReLU, then 2x2 max-pool
    block1.conv1  16 -> 16, 3x3, 14x14  SPARQ, K = 144
    block1.conv2  16 -> 16, 3x3, 14x14  SPARQ, K = 144, + block input, ReLU
    block2.conv1  16 -> 32, 3x3 / 2, 7x7  SPARQ, K = 144
    block2.conv2  32 -> 32, 3x3, 7x7    SPARQ, K = 288
    block2.proj   16 -> 32, 1x1 / 2     SPARQ, K = 16 (shortcut), + conv2's output, ReLU
    block3.conv1  32 -> 64, 3x3 / 2, 4x4  SPARQ, K = 288
    block3.conv2  64 -> 64, 3x3, 4x4    SPARQ, K = 576
    block3.proj   32 -> 64, 1x1 / 2     SPARQ, K = 32 (shortcut), + conv2's output, ReLU
    fc            64 -> 10  after global average pooling, float

Each batch norm follows its conv in float; since the weights are quantized per output channel,
that is the same as folding the batch norm into the conv's weights and bias.

Why this network and not the plain one before it. The first Fashion-MNIST network, five 3x3 convs
with ReLU and no batch norm (four of them SPARQ layers), did not separate naive 4-bit from A8W8:
over five seeds naive A4W8 lost 0.09 points (95 % interval [-0.38, +0.20]). Not because its
activations used the 4-bit levels better: in both networks the median non-zero layer input is
12-19 % of ``max_mean``, about two of the 15 steps, and 10-17 % of the non-zero inputs round to
zero. The difference is how the error travels. In the plain network each layer's output SQNR
against A8W8 stayed at 23-27 dB from the first quantized layer to the last (each layer adds its
own rounding noise, and the next layer's quantizer dominates what came before), and four such
layers left its decisions intact. In a residual network every block adds its output to its input
and passes the sum on, so the error of every quantized layer is carried along the shortcut path
and summed with the next one's: naive A4W8's per-layer SQNR falls from 25 dB at the first
quantized conv to 14 dB at the last, over eight layers, and the network loses accuracy. This is
also the structure of the paper's ImageNet networks (ResNets with batch norm). SPARQ's window
keeps four significant bits at every magnitude, so its error starts 10 dB lower and stays lower
(36 dB falling to 27 dB). Measured on seed 0 with the recipe below, on 1,000 test images:
A8W8 91.4 %, naive A4W8 89.9 %, SPARQ 4-bit 5opt 91.4 %; the five-seed figures are in
docs/evaluation.md. The network is also cheaper than the plain one: 2.5 million MACs per image in
its quantized convs against 5.4 million, so its evaluation is faster; training takes about as long
(the batch norms), about 93 s of CPU on one thread.

The ``fashion-2to4`` workload (:func:`load_or_train_2to4`) evaluates the 2:4 settings on a network
whose quantized convs have 2:4 structured-sparse weights, the way such networks are made: the
trained dense network of the seed, each quantized conv's float weights pruned to the two of
largest magnitude in every aligned group of four along SPARQ's reduction (four input channels at
one tap, :func:`golden.sparse.prune_conv_2to4`; the float stem stays dense), then
:data:`RECIPE_2TO4` ``epochs`` more epochs of training with the pruned weights held at zero after
every step. Pruning alone, without the fine-tuning, takes seed 0 from 91.6 % to 57 % (A8W8 on
2,000 test images).

Training is deterministic for a seed (one CPU thread, :func:`evaluation.training.fit`) and the
weights are cached in ``build/eval/``; the seed changes the initialisation, the batch order and
which training images are used (:data:`RECIPE` ``n_train``, a random subset, to keep the training
within minutes on a CPU), never the test set, which is the official 10,000 images.
"""

import gzip
import time
from pathlib import Path

import numpy as np

from .training import accuracy, cache_stem, cached, fit, loaders

__all__ = ["DEFAULT_DIR", "DEFAULT_TEST", "FILES", "read_idx", "load", "FashionCNN", "train", "load_or_train",
           "masks_2to4", "train_2to4", "load_or_train_2to4", "loaders", "RECIPE", "RECIPE_2TO4",
           "CLASSES"]

#: Where the Debian package ``dataset-fashion-mnist`` puts the files.
DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")

#: Test images an evaluation takes unless told (the first of the official 10,000): ``make eval``'s
#: and a sweep's default, to keep them within minutes.
DEFAULT_TEST = 2000

#: The four files of the data set, by split.
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}

CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")

#: Everything that determines the trained weights besides the seed. Part of the cache key.
RECIPE = {"version": 2, "n_train": 30000, "epochs": 4, "batch_size": 128, "lr": 2e-3,
          "weight_decay": 1e-4, "widths": [16, 32, 64]}

# IDX element type codes (the third header byte) and their big-endian NumPy types.
#: The 2:4 fine-tuning of the seed's dense network (:func:`train_2to4`). Part of the cache key.
RECIPE_2TO4 = {"version": 1, "dense": RECIPE, "epochs": 2, "batch_size": 128, "lr": 5e-4,
               "weight_decay": 1e-4}

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
    """The evaluation network (see the module docstring) as a ``torch.nn.Module``: a float stem of
    ``widths[0]`` channels, then one residual block per width (stride 2 from the second on).

    Raises ``ValueError`` for widths that are not positive even integers (vSPARQ pairs input
    channels, so every quantized conv needs an even input count)."""
    import torch.nn as nn
    widths = tuple(widths)
    if not widths or not all(isinstance(w, int) and not isinstance(w, bool) and w > 0 and w % 2 == 0
                             for w in widths):
        raise ValueError(f"widths must be positive even integers (vSPARQ pairs input channels), "
                         f"not {list(widths)!r}")

    class _Block(nn.Module):
        """Two 3x3 convs with batch norm, the shortcut added before the last ReLU; a 1x1
        projection conv on the shortcut when the block changes size or width."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.proj = self.proj_bn = None
            if stride != 1 or cin != cout:
                self.proj = nn.Conv2d(cin, cout, 1, stride, bias=False)
                self.proj_bn = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()

        def forward(self, x):
            y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(y + (x if self.proj is None else self.proj_bn(self.proj(x))))

    class _FashionCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, widths[0], 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(widths[0])
            self.relu = nn.ReLU()
            self.pool = nn.MaxPool2d(2)
            cin = widths[0]
            for i, w in enumerate(widths):
                setattr(self, f"block{i + 1}", _Block(cin, w, 1 if i == 0 else 2))
                cin = w
            self.fc = nn.Linear(cin, 10)

        def forward(self, x):
            x = self.pool(self.relu(self.bn1(self.conv1(x))))
            for i in range(len(widths)):
                x = getattr(self, f"block{i + 1}")(x)
            return self.fc(x.mean((2, 3)))

    return _FashionCNN()


def train_subset(seed, n_train, total):
    """Indices of the ``n_train`` training images seed ``seed`` trains on (sorted), or all."""
    if n_train is None or n_train >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).permutation(total)[:n_train])


def _train_test(data, data_dir):
    # (x_train, y_train, x_test, y_test): ``data`` when given, else the files in ``data_dir``
    return data if data is not None else (*load("train", data_dir), *load("test", data_dir))


def train(seed=0, *, recipe=RECIPE, data=None, data_dir=DEFAULT_DIR, log=print):
    """Train :func:`FashionCNN` from scratch; returns ``(model, info)`` with the FP32 test accuracy.

    ``data``: ``(x_train, y_train, x_test, y_test)`` to train on instead of the files in
    ``data_dir`` (the tests pass small made-up sets).
    """
    import torch
    # One thread: reproducible, and on a shared 2-core machine a second thread mostly waits.
    torch.set_num_threads(1)
    x_tr, y_tr, x_te, y_te = _train_test(data, data_dir)
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


def masks_2to4(model):
    """``{name: bool tensor}``: the 2:4 masks of every conv of ``model`` but the first (the float
    stem), by magnitude along SPARQ's reduction order (:func:`golden.sparse.prune_conv_2to4` on
    the float weights: four input channels at one tap per group)."""
    import torch
    from golden.sparse import prune_conv_2to4
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    return {name: torch.from_numpy(prune_conv_2to4(m.weight.detach().numpy()) != 0)
            for name, m in convs[1:]}


def train_2to4(seed=0, *, recipe=RECIPE_2TO4, dense=None, data=None, data_dir=DEFAULT_DIR,
               cache_dir="build/eval", log=print):
    """The seed's dense network (``dense``: ``(model, info)``, else :func:`load_or_train`) pruned
    2:4 (:func:`masks_2to4`) and fine-tuned with the pruned weights held at zero; returns
    ``(model, info)`` with the FP32 test accuracy before and after the fine-tuning."""
    import copy

    import torch
    torch.set_num_threads(1)
    x_tr, y_tr, x_te, y_te = _train_test(data, data_dir)
    if dense is None:
        dense = load_or_train(seed, cache_dir=cache_dir, recipe=recipe["dense"],
                              data_dir=data_dir, log=log)
    model, dense_info = copy.deepcopy(dense[0]), dense[1]
    masks = masks_2to4(model)
    modules = dict(model.named_modules())

    def hold_zeros():
        with torch.no_grad():
            for name, mask in masks.items():
                modules[name].weight.mul_(mask)
    hold_zeros()
    pruned_acc = accuracy(model, x_te, y_te)
    idx = train_subset(seed, recipe["dense"]["n_train"], len(y_tr))
    torch.manual_seed(seed)
    seconds = fit(model, x_tr[idx], y_tr[idx], seed=seed, epochs=recipe["epochs"],
                  batch_size=recipe["batch_size"], lr=recipe["lr"],
                  weight_decay=recipe["weight_decay"], after_step=hold_zeros)
    acc = accuracy(model, x_te, y_te)
    info = {"seed": seed, "recipe": dict(recipe), "train_seconds": round(seconds, 2),
            "fp32_test_accuracy": acc, "fp32_pruned_test_accuracy": pruned_acc,
            "dense_fp32_test_accuracy": dense_info["fp32_test_accuracy"],
            "n_train": int(len(idx)), "n_test": int(len(y_te)), "torch": torch.__version__}
    log(f"pruned FashionCNN seed {seed} 2:4: FP32 test accuracy "
        f"{100 * dense_info['fp32_test_accuracy']:.2f} % dense, {100 * pruned_acc:.2f} % pruned, "
        f"{100 * acc:.2f} % after {recipe['epochs']} epochs of fine-tuning in {seconds:.1f} s")
    return model, info


def load_or_train_2to4(seed=0, *, cache_dir="build/eval", retrain=False, recipe=RECIPE_2TO4,
                       data_dir=DEFAULT_DIR, log=print):
    """The 2:4 network for ``seed``: loaded from ``cache_dir`` when cached, else made by
    :func:`train_2to4` (from the cached dense network when there is one) and saved."""
    return cached(cache_stem("fashion_cnn_2to4", seed, recipe),
                  lambda: FashionCNN(tuple(recipe["dense"]["widths"])),
                  lambda: train_2to4(seed, recipe=recipe, data_dir=data_dir, cache_dir=cache_dir,
                                     log=log),
                  cache_dir=cache_dir, retrain=retrain, log=log)
