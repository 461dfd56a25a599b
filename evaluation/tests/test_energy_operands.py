"""The operand archive of a real network for the energy runs (``evaluation.energy_operands``):
qonnx's mnist-conv on a few MNIST images, each layer's sampled rows recomputed here from the
float network with golden's quantizer and unfolding, the weights from golden's, the MACs from
the layers' geometry; read back by the energy package; command-line errors."""

import json

import numpy as np
import pytest
import torch

import golden
from energy import workload
from evaluation import energy_operands, onnx_run
from evaluation.onnx_model import load_onnx
from hdl.config import SparqConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    x_cal, x_test, _ = onnx_run.example_data()
    net = load_onnx(onnx_run.example_model_path())
    arrays, meta = energy_operands.layer_operands(net, x_cal[:50], x_test[:3], rows=10, seed=4)
    path = energy_operands.write_operands(tmp_path_factory.mktemp("ops") / "ops.npz", arrays,
                                          meta)
    return net, x_cal[:50], x_test[:3], arrays, meta, path


def test_layers_macs_and_sample(archive):
    net, _, _, arrays, meta, _ = archive
    layers = meta["layers"]
    assert [l["name"] for l in layers] == ["Convolution110", "Times212"]
    # conv 5x5, 8 -> 16 channels on 14x14 (SAME padding); FC 256 -> 10.
    assert [(l["K"], l["O"], l["M"]) for l in layers] == [(200, 16, 196), (256, 10, 1)]
    assert [l["macs_per_inference"] for l in layers] == [196 * 16 * 200, 10 * 256]
    assert meta["float_layers"] == [{"name": net.quantizable[0],
                                     "macs_per_inference": 28 * 28 * 8 * 25}]
    assert [(l["rows_sampled"], l["rows_total"]) for l in layers] == [(10, 3 * 196), (3, 3)]
    assert sorted(layers[1]["picked"]) == [0, 1, 2]
    for i, l in enumerate(layers):
        for d in ("sparq", "int8", "a4w8"):
            a = arrays[f"L{i}_a_{d}"]
            assert a.dtype == np.uint8 and a.shape == (l["rows_sampled"], l["K"])
            assert l["zero_fraction"][d] == pytest.approx(np.mean(a == 0))
        assert arrays[f"L{i}_a_a4w8"].max() <= 15
    assert meta["settings"] == {"sparq": "sparq-b4-o5-ne", "int8": "int8", "a4w8": "a4w8"}


def test_first_quantized_layer_recomputed_with_golden(archive):
    net, x_cal, x_img, arrays, meta, _ = archive
    module = dict(net.named_modules())["Convolution110"]
    seen = []
    handle = module.register_forward_hook(lambda m, i, o: seen.append(i[0].double().numpy()))
    try:
        with torch.no_grad():
            net(torch.from_numpy(x_cal))
            net(torch.from_numpy(x_img))
    finally:
        handle.remove()
    cal_in, img_in = seen
    assert img_in.shape[-2:] in ((14, 14), (18, 18))
    max_mean = golden.calibrate_max_mean(cal_in.reshape(len(cal_in), -1).max(axis=1)
                                         .reshape(-1, 1))
    pick = meta["layers"][0]["picked"]
    for bits, datapaths in ((8, ("int8", "sparq")), (4, ("a4w8",))):
        xq, _ = golden.quantize_activations(img_in, max_mean, bits=bits)
        # The model pads (SAME_UPPER) before the module when the padding is not symmetric in
        # ONNX terms; the module's own padding is what remains to apply.
        rows = golden.im2col(xq, 5, 5, padding=module.padding[0]).reshape(-1, 200)[pick]
        for d in datapaths:
            np.testing.assert_array_equal(arrays[f"L0_a_{d}"], rows)
    wq, _ = golden.quantize_weights(module.weight.detach().double().numpy(), bits=8)
    np.testing.assert_array_equal(arrays["L0_w"], golden.weights_to_matrix(wq))


def test_the_energy_workload_reads_the_archive(archive):
    *_, arrays, meta, path = archive
    config = SparqConfig(datapath="int8")
    work = workload.operands(config, path=path, layer=0, pairs=250)
    # 250 pairs at K = 200: 3 whole tiles (100 pairs each), the first 3 rows against channels
    # 0, 1, 2; the expected sums are golden's.
    assert len(work.tiles) == 3 and work.pairs == 300
    for i, (a, b) in enumerate(work.tiles):
        np.testing.assert_array_equal(a, arrays["L0_a_int8"][i:i + 1])
        np.testing.assert_array_equal(b, arrays["L0_w"][i:i + 1])
        assert work.expected[i] == int(a[0].astype(np.int64) @ b[0].astype(np.int64))
    assert work.description["macs_per_inference"] == 627_200
    assert work.description["layer_name"] == "Convolution110"
    assert json.loads(str(np.load(path)["meta"]))["layers"][0]["K"] == 200


@pytest.mark.parametrize("argv, message", [
    (["--example", "--images", "0"], "--images must be at least 1, not 0"),
    (["--example", "--rows", "0"], "--rows must be at least 1, not 0"),
    (["--example", "--seed", "-1"], "--seed must be >= 0, not -1"),
    (["--example", "--images", "4501"], "--images must be at most 4500 (the test set), not 4501"),
    ([], "one of the arguments --example --fashion is required"),
    (["--example", "--fashion"], "argument --fashion: not allowed with argument --example"),
    (["--fashion", "--model-seed", "-2"], "--model-seed must be >= 0, not -2"),
    (["--example", "--model-seed", "1"], "--model-seed goes with --fashion, not --example"),
    (["--example", "--fashion-dir", "x"], "--fashion-dir goes with --fashion, not --example"),
    (["--fashion", "--fashion-dir", "/nonexistent/fm"],
     "/nonexistent/fm/t10k-images-idx3-ubyte.gz: no such file (Fashion-MNIST comes with the "
     "Debian package dataset-fashion-mnist; `make eval` installs it)"),
])
def test_command_errors_are_one_line(argv, message, capsys, tmp_path):
    try:
        status = energy_operands.main([*argv, "-o", str(tmp_path / "x.npz")])
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and err == [f"python -m evaluation.energy_operands: error: {message}"]
    assert not (tmp_path / "x.npz").exists()


def test_fashion_network_layers(monkeypatch, tmp_path, capsys):
    # --fashion takes the evaluation's network and data (seed_data, stood in for here by an
    # untrained FashionCNN and made-up images: training is make eval's): its eight quantized
    # convs, the stem in float, as the evaluation quantizes them.
    from evaluation import fashion, seed_run
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model = fashion.FashionCNN()
    model.eval()
    x = rng.random((40, 1, 28, 28), dtype=np.float32)
    calls = []

    def seed_data(name, seed, **kw):
        calls.append((name, seed, kw["out"], kw["fashion_dir"]))
        return model, {"fp32_test_accuracy": 0.5}, x[:30], None, x[30:], None, "made up"

    monkeypatch.setattr(seed_run, "seed_data", seed_data)
    out = tmp_path / "f.npz"
    assert energy_operands.main(["--fashion", "--model-seed", "3", "--images", "4", "--rows", "5",
                                 "--eval-dir", str(tmp_path / "ev"), "-o", str(out)]) == 0
    assert calls == [("fashion", 3, tmp_path / "ev", fashion.DEFAULT_DIR)]
    meta = json.loads(str(np.load(out)["meta"]))
    # widths 16, 32, 64: block1 16 -> 16; block2 16 -> 32 (stride 2, 1x1 projection); block3
    # 32 -> 64 (the same); 3x3 convs K = 9 * C_in, projections K = C_in.
    assert [(l["name"], l["K"], l["O"]) for l in meta["layers"]] == [
        ("block1.conv1", 144, 16), ("block1.conv2", 144, 16),
        ("block2.conv1", 144, 32), ("block2.conv2", 288, 32), ("block2.proj", 16, 32),
        ("block3.conv1", 288, 64), ("block3.conv2", 576, 64), ("block3.proj", 32, 64)]
    assert [l["M"] for l in meta["layers"]] == [196, 196, 49, 49, 49, 16, 16, 16]
    assert [f["name"] for f in meta["float_layers"]] == ["conv1"]
    assert meta["model"].startswith("FashionCNN (evaluation/fashion.py) seed 3")
    assert "--fashion" in meta["command"] and meta["images"] == 4
    assert all(l["rows_sampled"] == 5 for l in meta["layers"])
    assert f"wrote {out}" in capsys.readouterr().out
