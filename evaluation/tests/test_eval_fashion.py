"""The Fashion-MNIST workload on small data made here (never the 60,000-image set): the IDX
reader, the loader, deterministic training, and ``python -m evaluation --workloads fashion``."""

import gzip
import json
import struct

import numpy as np
import pytest
import torch

from evaluation import fashion
from evaluation.__main__ import main as eval_main

torch.set_num_threads(1)


def write_idx(path, array, *, code=0x08, compress=True):
    """An IDX file written from the format's description (header, big-endian sizes, data)."""
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[code]
    raw = header + array.astype(dtype).tobytes()
    (gzip.open if compress else open)(path, "wb").write(raw)
    return path


def fake_dataset(folder, n_train=40, n_test=20, seed=0):
    """Images where the class is visible (class c: a bright band at rows 2c..2c+3)."""
    g = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        y = np.arange(n) % 10
        x = g.integers(0, 60, (n, 28, 28))
        for i, c in enumerate(y):
            x[i, 2 * c:2 * c + 4, :] = 250
        images, labels = fashion.FILES[split]
        write_idx(folder / images, x)
        write_idx(folder / labels, y)
    return folder


def test_read_idx_types_and_uncompressed(tmp_path):
    a = np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 7
    np.testing.assert_array_equal(fashion.read_idx(write_idx(tmp_path / "a.gz", a, code=0x0C)), a)
    f = np.linspace(-1, 1, 6, dtype=np.float32)
    got = fashion.read_idx(write_idx(tmp_path / "f", f, code=0x0D, compress=False))
    assert got.dtype == np.float32 and got.dtype.isnative
    np.testing.assert_array_equal(got, f)


def test_read_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.gz: no such file \(Fashion-MNIST comes "
                                                r"with the Debian package dataset-fashion-mnist"):
        fashion.read_idx(tmp_path / "nope.gz")
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x00\x01\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match=r"bad: not an IDX file \(header 00010801\)"):
        fashion.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 2]) + struct.pack(">2I", 2, 3) + b"\x01" * 5)
    with pytest.raises(ValueError, match=r"short: IDX header announces shape \(2, 3\) \(6 bytes "
                                         r"of data\), the file has 5"):
        fashion.read_idx(short)
    notgz = tmp_path / "x.gz"
    notgz.write_bytes(b"plain")
    with pytest.raises(ValueError, match=r"x.gz: cannot be read as gzip"):
        fashion.read_idx(notgz)


def test_load_scales_and_checks(tmp_path):
    folder = fake_dataset(tmp_path / "d")
    x, y = fashion.load("test", folder)
    assert x.shape == (20, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    raw = fashion.read_idx(folder / fashion.FILES["test"][0])
    np.testing.assert_array_equal(x[:, 0], raw / np.float32(255))
    write_idx(folder / fashion.FILES["test"][1], np.zeros(19))
    with pytest.raises(ValueError, match=r"test images \(20, 28, 28\) and labels \(19,\) do not "
                                         r"match"):
        fashion.load("test", folder)
    with pytest.raises(ValueError, match=r"split must be one of train, test, not 'val'"):
        fashion.load("val", folder)


def test_training_is_deterministic_and_cached(tmp_path):
    folder = fake_dataset(tmp_path / "d")
    recipe = dict(fashion.RECIPE, epochs=1, n_train=30, batch_size=16)
    logs = []
    model, info = fashion.load_or_train(3, cache_dir=tmp_path, recipe=recipe, data_dir=folder,
                                        log=logs.append)
    assert info["n_train"] == 30 and info["n_test"] == 20
    assert logs[0].startswith("trained FashionCNN seed 3: 1 epochs on 30 images")
    again, info2 = fashion.load_or_train(3, cache_dir=tmp_path, recipe=recipe, data_dir=folder,
                                         log=logs.append)
    assert logs[1].startswith("loaded cached weights") and info2 == info
    third, _ = fashion.train(3, recipe=recipe, data_dir=folder, log=logs.append)
    for k, v in model.state_dict().items():
        assert torch.equal(v, again.state_dict()[k]) and torch.equal(v, third.state_dict()[k])
    # The seed picks the training subset: another seed, another subset.
    assert not np.array_equal(fashion.train_subset(3, 30, 40), fashion.train_subset(4, 30, 40))
    assert fashion.train_subset(3, None, 40).tolist() == list(range(40))


def test_network_layers_pair_channels():
    model = fashion.FashionCNN()
    convs = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)}
    # The float stem, then three residual blocks; blocks 2 and 3 halve the size (stride 2 on
    # conv1 and on the 1x1 projection of the shortcut).
    assert {n: (tuple(c.weight.shape), c.stride) for n, c in convs.items()} == {
        "conv1": ((16, 1, 3, 3), (1, 1)),
        "block1.conv1": ((16, 16, 3, 3), (1, 1)), "block1.conv2": ((16, 16, 3, 3), (1, 1)),
        "block2.conv1": ((32, 16, 3, 3), (2, 2)), "block2.conv2": ((32, 32, 3, 3), (1, 1)),
        "block2.proj": ((32, 16, 1, 1), (2, 2)),
        "block3.conv1": ((64, 32, 3, 3), (2, 2)), "block3.conv2": ((64, 64, 3, 3), (1, 1)),
        "block3.proj": ((64, 32, 1, 1), (2, 2))}
    # vSPARQ pairs are channel pairs: every conv after the float stem has an even input count.
    assert all(c.in_channels % 2 == 0 for n, c in convs.items() if n != "conv1")
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    # Other widths: one block per width.
    other = fashion.FashionCNN((8, 12))
    assert [n for n, m in other.named_modules() if isinstance(m, torch.nn.Conv2d)] == [
        "conv1", "block1.conv1", "block1.conv2", "block2.conv1", "block2.conv2", "block2.proj"]
    assert other(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


@pytest.mark.parametrize("widths", [(16, 31, 64), (), (16, 0), (16, 32.0), (True, 32)])
def test_network_refuses_widths_that_break_pairs(widths):
    with pytest.raises(ValueError, match=r"widths must be positive even integers \(vSPARQ pairs "
                                         r"input channels\), not "):
        fashion.FashionCNN(widths)


def test_same_seed_same_weights_other_seed_others(tmp_path):
    # Determinism per seed from scratch (no cache): the same seed gives the same weights, another
    # seed other ones (its own initialisation, batch order and training subset).
    folder = fake_dataset(tmp_path / "d")
    recipe = dict(fashion.RECIPE, epochs=1, n_train=30, batch_size=16)
    a, _ = fashion.train(5, recipe=recipe, data_dir=folder, log=lambda *_: None)
    b, _ = fashion.train(5, recipe=recipe, data_dir=folder, log=lambda *_: None)
    c, _ = fashion.train(6, recipe=recipe, data_dir=folder, log=lambda *_: None)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["block3.conv2.weight"], sc["block3.conv2.weight"])


def test_command_line_fashion_workload(tmp_path, monkeypatch):
    folder = fake_dataset(tmp_path / "d")
    real = fashion.load_or_train
    monkeypatch.setattr(fashion, "load_or_train", lambda seed, **kw: real(
        seed, recipe=dict(fashion.RECIPE, epochs=1, n_train=None, batch_size=16), **kw))
    out = tmp_path / "out"
    argv = ["--workloads", "fashion", "--seeds", "0", "1", "--settings", "a4w8",
            "sparq-b4-o5-ne", "--fashion-dir", str(folder), "--fashion-test", "12",
            "--out", str(out)]
    assert eval_main(argv) == 0
    md = (out / "fashion.md").read_text()
    assert "# SPARQ on the Fashion-MNIST CNN" in md
    assert "40 training / 12 test images per seed" in md
    assert ("Seeds 0, 1: one trained network (the seed picks its training images; the same test "
            "images) per seed, 12 test images each.") in md
    # Per inference: block1.conv1 sees 14x14 (after conv1's pool), 16 channels, K = 16 * 9; on
    # the 8x8 array that is 25 row blocks x 2 column blocks, P = 72 pairs >= 2*8 + 8 + 2 = 26, so
    # one tile every 72 cycles: 49 * 72 + 72 + (8 + 8 + 2) + 7 cycles.
    assert (f"| `block1.conv1` | 196 x 16 x 144 | {196 * 16 * 144:,} | 50 | "
            f"{49 * 72 + 72 + 18 + 7:,} |") in md
    # block2.proj, the 1x1 stride-2 shortcut: 7x7 outputs, 32 channels, K = 16: 7 x 4 blocks,
    # P = 8 < 26, so one tile every 26 cycles: 27 * 26 + 8 + 18 + 7.
    assert f"| `block2.proj` | 49 x 32 x 16 | {49 * 32 * 16:,} | 28 | {27 * 26 + 8 + 18 + 7:,} |" \
        in md
    summary = [l for l in md.splitlines() if l.startswith("| A4W8 naive |")][0].split(" | ")
    data = json.loads((out / "fashion.json").read_text())
    s = data["summary"]["settings"]["a4w8"]
    deltas = [a - b for a, b in zip(s["accuracy_per_seed"],
                                    data["summary"]["settings"]["int8"]["accuracy_per_seed"])]
    # Two seeds: the t quantile with one degree of freedom is 12.706.
    half = 12.7062047 * np.std(deltas, ddof=1) / np.sqrt(2)
    assert s["delta_vs_a8w8_ci95_half"] == pytest.approx(half)
    lo, hi = np.mean(deltas) - half, np.mean(deltas) + half
    assert summary[3] == f"[{lo:+.2f}, {hi:+.2f}]"
    assert [r["n_test"] for r in data["per_seed"]] == [12, 12]
    assert (out / "fashion.png").read_bytes()[:4] == b"\x89PNG"


def test_command_line_missing_data_is_one_line(tmp_path, capsys):
    assert eval_main(["--workloads", "fashion", "--fashion-dir", str(tmp_path / "none"),
                      "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"error: fashion: {tmp_path / 'none'}/t10k-images-idx3-ubyte.gz: no such file")


def test_jobs_give_the_same_report_as_one_process(tmp_path):
    # Workers are spawned, so they train with the real recipe: on 40 made-up images it is quick.
    folder = fake_dataset(tmp_path / "d")
    base = ["--workloads", "fashion", "--seeds", "0", "1", "--settings", "a4w8",
            "sparq-b4-o5-ne", "--fashion-dir", str(folder), "--fashion-test", "12"]
    assert eval_main(base + ["--out", str(tmp_path / "one")]) == 0
    assert eval_main(base + ["--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    one = json.loads((tmp_path / "one" / "fashion.json").read_text())
    two = json.loads((tmp_path / "two" / "fashion.json").read_text())
    assert one["summary"] == two["summary"]
    for a, b in zip(one["per_seed"], two["per_seed"]):
        assert a["settings"] == b["settings"] and a["layers"] == b["layers"]
    # The workers cached their seed's weights in --out, under the same names.
    assert sorted(p.name for p in (tmp_path / "two").glob("fashion_cnn_seed*.pt")) == sorted(
        p.name for p in (tmp_path / "one").glob("fashion_cnn_seed*.pt"))


def test_masks_are_2to4_along_the_reduction_and_spare_the_stem():
    from golden.sparse import check_2to4

    def weights_to_matrix(w):
        # SPARQ's reduction order k = (i*kw + j)*C + c: four input channels at a tap per group
        return w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
    torch.manual_seed(0)
    model = fashion.FashionCNN((8, 16))
    masks = fashion.masks_2to4(model)
    assert sorted(masks) == ["block1.conv1", "block1.conv2", "block2.conv1", "block2.conv2",
                             "block2.proj"]
    modules = dict(model.named_modules())
    for name, mask in masks.items():
        w = modules[name].weight.detach().numpy()
        assert mask.shape == w.shape and mask.dtype == torch.bool
        kept = weights_to_matrix(np.where(mask.numpy(), w, 0.0))
        check_2to4(np.sign(kept).astype(np.int64))         # at most two per group of four
        assert (kept != 0).sum() == kept.size // 2         # exactly two (no zero float weight)
        # the two kept are the largest in magnitude of their group
        groups = np.abs(weights_to_matrix(w)).reshape(w.shape[0], -1, 4)
        assert np.all(np.sort(groups, axis=2)[:, :, 2:].sum(axis=2)
                      == pytest.approx(np.abs(kept).reshape(w.shape[0], -1, 4).sum(axis=2)))


def test_2to4_fine_tuning_keeps_the_pruned_weights_zero_and_is_cached(tmp_path):
    folder = fake_dataset(tmp_path / "d")
    dense = dict(fashion.RECIPE, epochs=1, n_train=30, batch_size=16, widths=[8, 16])
    recipe = dict(fashion.RECIPE_2TO4, dense=dense, epochs=1, batch_size=16)
    logs = []
    model, info = fashion.load_or_train_2to4(2, cache_dir=tmp_path, recipe=recipe,
                                             data_dir=folder, log=logs.append)
    assert logs[0].startswith("trained FashionCNN seed 2: 1 epochs on 30 images")
    assert logs[1].startswith("pruned FashionCNN seed 2 2:4: FP32 test accuracy")
    assert info["n_train"] == 30 and info["recipe"]["dense"] == dense
    assert {"dense_fp32_test_accuracy", "fp32_pruned_test_accuracy",
            "fp32_test_accuracy"} <= set(info)
    dense_model, _ = fashion.load_or_train(2, cache_dir=tmp_path, recipe=dense, data_dir=folder,
                                           log=logs.append)
    masks = fashion.masks_2to4(dense_model)
    modules, dense_modules = dict(model.named_modules()), dict(dense_model.named_modules())
    for name, mask in masks.items():
        w = modules[name].weight.detach()
        assert torch.all(w[~mask] == 0) and not torch.equal(w, dense_modules[name].weight)
    assert torch.all(modules["conv1"].weight != 0)          # the float stem stays dense
    again, info2 = fashion.load_or_train_2to4(2, cache_dir=tmp_path, recipe=recipe,
                                              data_dir=folder, log=logs.append)
    assert logs[-1].startswith("loaded cached weights") and info2 == info
    for k, v in model.state_dict().items():
        assert torch.equal(v, again.state_dict()[k])


def test_command_line_2to4_workload(tmp_path, monkeypatch):
    folder = fake_dataset(tmp_path / "d")
    dense = dict(fashion.RECIPE, epochs=1, n_train=None, batch_size=16)
    real = fashion.load_or_train_2to4
    monkeypatch.setattr(fashion, "load_or_train_2to4", lambda seed, **kw: real(
        seed, recipe=dict(fashion.RECIPE_2TO4, dense=dense, epochs=1, batch_size=16), **kw))
    out = tmp_path / "out"
    assert eval_main(["--workloads", "fashion-2to4", "--fashion-dir", str(folder),
                      "--fashion-test", "12", "--out", str(out), "--array", "4x16"]) == 0
    md = (out / "fashion-2to4.md").read_text()
    assert "# SPARQ on the Fashion-MNIST CNN with 2:4-sparse weights" in md
    assert "pruned 2:4 and fine-tuned`, 1 epochs, then 1 of 2:4 fine-tuning" in md
    data = json.loads((out / "fashion-2to4.json").read_text())
    settings = data["summary"]["settings"]
    assert list(settings) == ["fp32", "int8", "a4w8", "sparq-b4-o5-ne", "int8-stc",
                              "sparq-b4-o5-ne-stc"]
    # The network's weights are 2:4 already: pruning them again changes nothing.
    assert settings["int8-stc"]["accuracy_per_seed"] == settings["int8"]["accuracy_per_seed"]
    # The estimated energy per inference: a section of the report and a figure of its JSON.
    assert "## Energy per inference, estimated" in md
    # --array: the costs and the energy on a 4x16 array. block1.conv1: 196 output pixels x 16
    # channels, K = 144: 49 x 1 blocks, P = 72 >= 2*4 + 16 + 2 = 26, one tile every 72 cycles
    assert "cycles on the generated 4x16 array" in md and "tiles on 4x16" in md
    assert f"| `block1.conv1` | 196 x 16 x 144 | {196 * 16 * 144:,} | 49 | " \
        f"{48 * 72 + 72 + (4 + 16 + 2) + 3:,} |" in md
    assert "on the generated 4x16 array (max K 1152) of each datapath" in md
    assert set(data["energy_per_inference_pj"]) == {"int8", "a4w8", "sparq"}
