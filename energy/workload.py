"""Workloads for the energy runs: the operand pairs a PE multiplies, with the golden result.

A workload is a list of ``1 x K`` tiles ``(A, B)`` (activations ``A``: uint8 in
``0..config.max_act_value``; weights ``B``: int8), run back to back through the PE, one pair per
cycle. Two sources:

- :func:`synthetic`: ReLU-like activations (:func:`tb.tiles.relu_activations`: a chosen fraction
  of exact zeros, the rest half-normal) and conv-like weights (:func:`tb.tiles.random_weights`),
  the testbenches' own generators. The random stream is the same for every datapath (same seed, the
  same draws), so the zero positions are identical; ``a4w8``'s 4-bit activations are the same law
  on a 0..15 scale.
- :func:`operands`: one layer of an operand archive (``python -m evaluation.energy_operands``
  writes one for a real network: the sampled im2col rows of each quantized layer per datapath,
  its weights, its MACs per inference).
- :func:`real_layer`: the im2col rows of the real convolution layer of ``tb/layer.py`` (post-ReLU
  activations derived from a photograph, K = 576) against its output channels. ``aNw8`` takes the
  8-bit activations on its N-bit grid (``rint(a * (2**N - 1) / 255)``: the same real scale).

Every tile's expected sum is :func:`hdl.stream_codec.reference` (golden), computed here.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hdl.config import SparqConfig
from hdl.stream_codec import reference

__all__ = ["Workload", "synthetic", "real_layer", "operands", "operand_layers", "from_spec",
           "WORKLOADS"]

WORKLOADS = ("synthetic", "real-layer", "operands")


@dataclass
class Workload:
    """``tiles``: list of ``(A, B)``, each ``1 x K``; ``expected``: the golden sum of each tile;
    ``description``: JSON-ready record of how it was made; ``pairs``: pairs of one row driven (K
    padded to even); ``macs``: nominal multiply-accumulates (rows x cols x K padded to even, per
    tile; 2 per pair for the PE); ``zero_fraction``: measured
    fraction of zero activations."""
    tiles: list
    expected: list
    description: dict

    @property
    def pairs(self):
        return sum((a.shape[1] + 1) // 2 for a, _ in self.tiles)

    @property
    def macs(self):
        return sum(a.shape[0] * b.shape[0] * 2 * ((a.shape[1] + 1) // 2) for a, b in self.tiles)

    @property
    def zero_fraction(self):
        acts = np.concatenate([a.ravel() for a, _ in self.tiles])
        return float(np.mean(acts == 0))


def _check_config(config):
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")


def _finish(config, tiles, description):
    expected = [reference(config, a, b) for a, b in tiles]
    if all(e.shape == (1, 1) for e in expected):
        expected = [int(e[0, 0]) for e in expected]
    return Workload(tiles, expected, description)


def synthetic(config, *, pairs=3456, k=64, zero_fraction=0.5, seed=1, rows=1, cols=1):
    """``pairs`` activation pairs per row in tiles of ``rows x k`` activations (``k`` even) and
    ``cols x k`` weights, ``zero_fraction`` of the activations zero on average (the PE: one row,
    one column; the dot-product unit: its ``rows`` and ``cols``). ValueError naming the
    parameter for a bad value."""
    from tb.tiles import random_weights, relu_activations

    _check_config(config)
    if isinstance(k, bool) or not isinstance(k, int) or k < 2 or k % 2 or k > config.max_k:
        raise ValueError(f"k must be an even int in 2..{config.max_k} (the PE's max_k), not {k!r}")
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < k // 2 or pairs % (k // 2):
        raise ValueError(f"pairs must be a positive multiple of k/2 = {k // 2}, not {pairs!r}")
    if isinstance(zero_fraction, bool) or not isinstance(zero_fraction, (int, float)) \
            or not 0 <= zero_fraction <= 1:
        raise ValueError(f"zero_fraction must be a number in 0..1, not {zero_fraction!r}")
    rng = np.random.default_rng(seed)
    count = pairs // (k // 2)
    acts = relu_activations(rng, (count, rows, k), config.max_act_value, zero_fraction)
    weights = random_weights(rng, (count, cols, k))
    tiles = [(acts[i], weights[i]) for i in range(count)]
    return _finish(config, tiles, {"workload": "synthetic", "pairs": pairs, "k": k,
                                   "zero_fraction": zero_fraction, "seed": seed,
                                   "activations": "tb.tiles.relu_activations",
                                   "weights": "tb.tiles.random_weights"})


def real_layer(config, *, pairs=3456, seed=0, rows=1, cols=1):
    """The first ``pairs`` pairs per row (whole tiles of K = 576) of the real layer of
    ``tb/layer.py``: ``rows`` im2col rows of its input per tile against ``cols`` output
    channels, channels taken in turn. ValueError for a bad ``pairs``."""
    import golden
    from tb.layer import layer_inputs

    _check_config(config)
    k = 576
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < k // 2 or pairs % (k // 2):
        raise ValueError(f"pairs must be a positive multiple of {k // 2} (K = {k}), not {pairs!r}")
    if k > config.max_k:
        raise ValueError(f"the real layer needs max_k >= {k}, not {config.max_k}")
    xq, wq, _, _ = layer_inputs(seed)
    patches = golden.im2col(xq, 3, 3, padding=1).reshape(-1, k)   # (positions, 576)
    wmat = golden.weights_to_matrix(wq)                          # (c_out, 576)
    count = pairs // (k // 2)
    rng = np.random.default_rng(seed)
    picks = rng.choice(patches.shape[0], size=count * rows, replace=False)
    tiles = []
    for i in range(count):
        a = patches[picks[i * rows:(i + 1) * rows]].astype(np.int64)
        if config.datapath not in ("sparq", "int8"):
            # aNw8: the same real scale on its N-bit grid.
            a = np.rint(a * config.max_act_value / 255.0).astype(np.int64)
        channels = [(i * cols + j) % wmat.shape[0] for j in range(cols)]
        tiles.append((a.astype(np.uint8), wmat[channels].astype(np.int8)))
    return _finish(config, tiles, {"workload": "real-layer", "pairs": pairs, "k": k, "seed": seed,
                                   "source": "tb.layer.layer_inputs (3x3 conv, 64 -> 32, 8x8)"})


def _archive(path):
    import hashlib
    import json
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--operands: no such file: {path}")
    data = path.read_bytes()
    try:
        with np.load(io.BytesIO(data)) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"--operands: {path} is not a NumPy .npz archive ({exc})") from None
    if "meta" not in arrays:
        raise ValueError(f"--operands: {path} has no 'meta' record (write it with python -m "
                         f"evaluation.energy_operands)")
    return arrays, json.loads(str(arrays["meta"])), hashlib.sha256(data).hexdigest()


def operand_layers(path):
    """``(meta, sha256)`` of the operand archive ``path``: its ``meta`` record (``layers``: name,
    K, MACs per inference, rows sampled, ... per layer) and the file's checksum."""
    _, meta, sha = _archive(path)
    return meta, sha


def operands(config, *, path, layer, pairs=3456, sha256=None, rows=1, cols=1):
    """Layer ``layer`` (index) of the operand archive ``path``: its sampled im2col rows for
    ``config.datapath``, ``rows`` per tile in file order, against its output channels taken in
    turn (``cols`` per tile), as many whole tiles as cover ``pairs`` pairs per row (at most the
    rows sampled). ``sha256``: the checksum the archive must have (a spec records it).
    ValueError naming the parameter otherwise."""
    _check_config(config)
    arrays, meta, sha = _archive(path)
    if sha256 is not None and sha != sha256:
        raise ValueError(f"--operands: {path} changed (sha256 {sha[:12]}..., the run was "
                         f"planned with {sha256[:12]}...)")
    layers = meta.get("layers", [])
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers):
        raise ValueError(f"layer must be an index in 0..{len(layers) - 1}, not {layer!r}")
    info = layers[layer]
    key = f"L{layer}_a_{config.datapath}"
    if key not in arrays:
        have = sorted(k.rsplit("_", 1)[1] for k in arrays if k.startswith(f"L{layer}_a_"))
        raise ValueError(f"--operands: {path} has no activations for datapath "
                         f"{config.datapath!r} (it has {', '.join(have) or 'none'})")
    acts, weights = arrays[key], arrays[f"L{layer}_w"]
    k = acts.shape[1]
    if k > config.max_k:
        raise ValueError(f"layer {info['name']}: K = {k} is more than the PE's max_k "
                         f"{config.max_k}")
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < 1:
        raise ValueError(f"pairs must be a positive int, not {pairs!r}")
    count = -(-pairs // ((k + 1) // 2))
    if count * rows > acts.shape[0]:
        raise ValueError(f"pairs: {pairs} pairs take {count * rows} rows of layer "
                         f"{info['name']} (K = {k}), the archive has {acts.shape[0]}")
    if acts.max(initial=0) > config.max_act_value:
        raise ValueError(f"--operands: layer {info['name']}: {config.datapath} activations "
                         f"exceed {config.max_act_value}")
    tiles = []
    for i in range(count):
        a = acts[i * rows:(i + 1) * rows].astype(np.uint8)
        channels = [(i * cols + j) % weights.shape[0] for j in range(cols)]
        tiles.append((a, weights[channels].astype(np.int8)))
    return _finish(config, tiles, {
        "workload": "operands", "file": Path(path).name, "sha256": sha, "layer": layer,
        "layer_name": info["name"], "k": k, "pairs": pairs, "tiles": count,
        "macs_per_inference": info["macs_per_inference"],
        "rows_sampled": info["rows_sampled"], "rows_total": info["rows_total"],
        "source": meta.get("model"), "data": meta.get("data"),
        "setting": meta.get("settings", {}).get(config.datapath)})


def from_spec(config, spec):
    """The workload a JSON-ready ``spec`` describes, for ``config``: ``{"workload": "synthetic",
    "pairs", "k", "zero_fraction", "seed", "rows", "cols"}`` or ``{"workload": "real-layer",
    "pairs", "seed", "rows", "cols"}`` (the keyword arguments of :func:`synthetic` and
    :func:`real_layer`). The same spec gives the same operands: what an engine task's key holds."""
    kind = spec.get("workload")
    kwargs = {k: v for k, v in spec.items() if k != "workload"}
    if kind == "synthetic":
        return synthetic(config, **kwargs)
    if kind == "real-layer":
        return real_layer(config, **kwargs)
    if kind == "operands":
        return operands(config, **kwargs)
    raise ValueError(f"workload spec: 'workload' must be one of {', '.join(WORKLOADS)}, "
                     f"not {kind!r}")
