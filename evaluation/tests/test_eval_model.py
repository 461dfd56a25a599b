"""evaluate_model on tiny PyTorch models, checked against a forward pass written out by hand."""

import math

import numpy as np
import pytest

import torch  # noqa: E402  (a required test dependency: the eval and dev tiers install it)
nn = torch.nn
# Tiny layers: one thread is several times faster than two on a loaded machine, and the test
# processes already run in parallel.
torch.set_num_threads(1)

import golden
from evaluation import DEFAULT_SETTINGS, REFERENCE, SETTINGS, evaluate_model
from evaluation import digits


class Tiny(nn.Module):
    """conv (float) -> ReLU -> conv 4->6 -> ReLU -> conv 6->3 (odd out) -> ReLU -> conv 3->4 -> FC."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.c2 = nn.Conv2d(4, 6, 3, padding=1)
        self.c3 = nn.Conv2d(6, 3, 3, stride=2, padding=1)
        self.c4 = nn.Conv2d(3, 4, (1, 2))
        self.fc = nn.Linear(4 * 3 * 2, 3)

    def forward(self, x):
        x = torch.relu(self.c1(x))
        x = torch.relu(self.c2(x))
        x = torch.relu(self.c3(x))
        x = torch.relu(self.c4(x))
        return self.fc(x.flatten(1))


def tiny_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 6, 6, generator=g)
    y = torch.randint(0, 3, (n,), generator=g)
    return x, y


def batches(x, y, size):
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def by_hand(model, x_cal, x, setting):
    """The quantized forward of Tiny written out with golden's functions directly.

    Returns (logits, {layer: output}) as NumPy.
    """
    convs = [model.c2, model.c3, model.c4]
    # max_mean of each quantized conv's input, from the float model on the calibration images.
    with torch.no_grad():
        h = torch.relu(model.c1(x_cal))
        means = []
        for conv in convs:
            means.append(float(h.reshape(len(h), -1).max(1).values.double().mean()))
            h = torch.relu(conv(h))
    outputs = {}
    with torch.no_grad():
        h = torch.relu(model.c1(x)).double().numpy()
        for name, conv, mm in zip(("c2", "c3", "c4"), convs, means):
            w = conv.weight.double().numpy()
            b = conv.bias.double().numpy()
            if setting.kind == "fp32":
                y = torch.nn.functional.conv2d(torch.from_numpy(h), torch.from_numpy(w),
                                               torch.from_numpy(b), stride=conv.stride,
                                               padding=conv.padding).numpy()
            else:
                xq, dx = golden.quantize_activations(h, mm, bits=setting.act_bits)
                wq, dw = golden.quantize_weights(w)
                y = golden.sparq_conv2d(
                    xq, wq, dx, dw, bias=b, stride=conv.stride[0], padding=conv.padding[0],
                    bits=setting.bits, options=setting.options, rounding=setting.rounding,
                    kernel="sparq" if setting.kind == "sparq" else "exact").y
            outputs[name] = y
            # The model runs in float32 between layers.
            h = np.maximum(y.astype(np.float32), 0).astype(np.float64)
        logits = model.fc(torch.from_numpy(h).float().flatten(1)).double().numpy()
    return logits, outputs


NAMES = ["fp32", "int8", "a4w8", "sparq-b4-o5-ne", "sparq-b4-o2-tr", "sparq-b2-o7-ne"]


@pytest.fixture(scope="module")
def tiny_run():
    torch.manual_seed(0)
    model = Tiny().eval()
    x_cal, _ = tiny_data(24, 1)
    x, y = tiny_data(30, 2)
    # The calibration loader yields bare inputs; the test loader (inputs, targets).
    calibration = [x_cal[i:i + 10] for i in range(0, len(x_cal), 10)]
    report = evaluate_model(model, calibration, batches(x, y, 8), settings=NAMES[::-1])
    return model, x_cal, x, y, report


def test_report_matches_forward_by_hand(tiny_run):
    model, x_cal, x, y, report = tiny_run
    assert [s.name for s in report.settings] == NAMES        # catalogue order, not call order
    assert [l.name for l in report.layers] == ["c2", "c3", "c4"]
    assert report.float_layers == ["c1"]
    assert (report.n_calibration, report.n_test) == (24, 30)
    labels = y.numpy()
    hand = {n: by_hand(model, x_cal, x, SETTINGS[n]) for n in NAMES}
    ref_logits, ref_out = hand[REFERENCE]
    for name in NAMES:
        logits, outs = hand[name]
        r = report.results[name]
        pred = logits.argmax(1)
        assert r.correct == int((pred == labels).sum()), name
        assert r.agree == int((pred == ref_logits.argmax(1)).sum()), name
        nll = -(logits - np.log(np.exp(logits).sum(1, keepdims=True)))[np.arange(30), labels].sum()
        assert r.loss == pytest.approx(nll / 30, rel=1e-5), name
        for layer in ("c2", "c3", "c4"):
            err = np.sum((outs[layer] - ref_out[layer]) ** 2)
            expect = math.inf if err == 0 else 10 * math.log10(np.sum(ref_out[layer] ** 2) / err)
            assert report.sqnr(name, layer) == pytest.approx(expect, rel=1e-4), (name, layer)
    # The settings do differ (a report that computed one setting for all would fail here).
    assert report.sqnr("sparq-b4-o5-ne", "c2") > report.sqnr("a4w8", "c2")
    assert report.sqnr("int8", "c2") == math.inf


def test_geometry_and_pairing_in_the_report(tiny_run):
    _, _, _, _, report = tiny_run
    c2, c3, c4 = report.layers
    assert (c2.K, c3.K, c4.K) == (36, 54, 6)
    assert c3.stride == (2, 2) and c4.padding == (0, 0, 0, 0)
    assert c2.pairing == "channels (2m, 2m+1) at one tap"
    assert c4.pairing.startswith("odd C=3: pairs span taps")
    md = report.markdown()
    assert "| SPARQ 4b 5opt rounding | `sparq-b4-o5-ne` |" in md
    assert "odd C=3: pairs span taps" in md
    d = report.to_dict()
    assert [s["name"] for s in d["settings"]] == NAMES
    assert d["settings"][1]["sqnr_db"]["c2"] == "inf"


def test_zero_statistics_count_the_quantized_inputs(tiny_run):
    model, x_cal, x, _, report = tiny_run
    counts = report.layer_counts("int8")["c2"]
    with torch.no_grad():
        h = torch.relu(model.c1(x)).double().numpy()
        mm = float(torch.relu(model.c1(x_cal)).reshape(24, -1).max(1).values.double().mean())
    xq, _ = golden.quantize_activations(h, mm)
    assert counts.activations == xq.size and counts.zeros == int((xq == 0).sum())
    cols = golden.im2col(xq, 3, 3, padding=1).reshape(-1, 36)
    z = cols == 0
    assert counts.pairs == cols.size // 2
    assert counts.pairs_with_zero == int((z[:, 0::2] | z[:, 1::2]).sum())
    assert counts.pairs_both_zero == int((z[:, 0::2] & z[:, 1::2]).sum())


def test_model_state_is_restored():
    model = Tiny().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = tiny_data(8, 3)
    evaluate_model(model, [x], [(x, y)], settings=["int8"])
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    # no hook is left behind: the model computes in float again
    assert torch.equal(model.eval()(x), Tiny.forward(model, x))
    assert not any(m._forward_hooks for m in model.modules())


def test_float_layers_choice():
    model = Tiny().eval()
    x, y = tiny_data(8, 4)
    report = evaluate_model(model, [x], [(x, y)], settings=["int8"], float_layers=["c1", "c3"])
    assert [l.name for l in report.layers] == ["c2", "c4"]
    assert report.float_layers == ["c1", "c3"]


def test_digits_network_on_a_slice():
    # The evaluation network and data, untrained and on a slice: shapes, pairing, every setting.
    x_tr, y_tr, x_te, y_te = digits.load_split(0)
    assert x_tr.shape == (1257, 1, 8, 8) and x_te.shape == (540, 1, 8, 8)
    assert 0 <= x_tr.min() and x_tr.max() <= 1
    again = digits.load_split(0)
    assert np.array_equal(again[3], y_te)                   # the split is fixed by the seed
    torch.manual_seed(0)
    model = digits.DigitsCNN()
    report = evaluate_model(model, digits.loaders(x_tr[:64], y_tr[:64]),
                            digits.loaders(x_te[:16], y_te[:16], batch_size=8))
    assert [l.name for l in report.layers] == ["conv2", "conv3", "conv4"]
    assert [l.K for l in report.layers] == [144, 288, 288]
    assert all(l.in_channels % 2 == 0 and l.in_channels >= 16 for l in report.layers)
    assert len(report.settings) == len(DEFAULT_SETTINGS) and report.n_test == 16


def test_training_and_cache(tmp_path):
    recipe = dict(digits.RECIPE, epochs=1)
    logs = []
    model, info = digits.load_or_train(0, cache_dir=tmp_path, recipe=recipe, log=logs.append)
    assert info["recipe"]["epochs"] == 1 and 0 <= info["fp32_test_accuracy"] <= 1
    assert logs[0].startswith("trained DigitsCNN seed 0: 1 epochs")
    again, info2 = digits.load_or_train(0, cache_dir=tmp_path, recipe=recipe, log=logs.append)
    assert logs[1].startswith("loaded cached weights")
    assert info2 == info
    for (k, v), (k2, v2) in zip(model.state_dict().items(), again.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    # Same seed, same recipe: the same weights when trained again (deterministic training).
    third, _ = digits.train(0, recipe=recipe, log=logs.append)
    assert all(torch.equal(v, third.state_dict()[k]) for k, v in model.state_dict().items())


def test_command_line_writes_the_tables_and_chart(tmp_path, monkeypatch, capsys):
    # The whole `python -m evaluation` flow on two seeds, with one-epoch training to stay fast.
    from evaluation import __main__ as cli
    real = digits.load_or_train
    monkeypatch.setattr(digits, "load_or_train", lambda seed, **kw: real(
        seed, recipe=dict(digits.RECIPE, epochs=1), **kw))
    argv = ["--workloads", "digits", "--seeds", "0", "1", "--settings", "sparq-b4-o5-ne", "a4w8",
            "--hw-images", "0", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    md = (tmp_path / "eval.md").read_text()
    assert "Command: `python -m evaluation --workloads digits --seeds 0 1 --settings " \
           "sparq-b4-o5-ne a4w8 --hw-images 0 --out " in md
    assert "Seeds 0, 1: one trained network and one stratified split per seed, 540 test images" in md
    rows = [l for l in md.splitlines() if l.startswith("| SPARQ 4b 5opt rounding |")]
    assert len(rows) == 2                      # the summary row and the seed-0 detail row
    import json
    data = json.loads((tmp_path / "eval.json").read_text())
    assert data["summary"]["seeds"] == [0, 1]
    assert list(data["summary"]["settings"]) == ["int8", "a4w8", "sparq-b4-o5-ne"]
    per_seed = [r["settings"][0]["accuracy"] for r in data["per_seed"]]
    assert data["summary"]["settings"]["int8"]["accuracy_per_seed"] == \
        pytest.approx([100 * a for a in per_seed])
    assert (tmp_path / "eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_in_place_relu_and_float64_models():
    # With float64 weights the hooks' tensors could share memory with what is kept for the SQNR;
    # an in-place ReLU after the conv must not change the measurement.
    class InPlace(Tiny):
        def forward(self, x):
            relu = nn.ReLU(inplace=True)
            for conv in (self.c1, self.c2, self.c3, self.c4):
                x = relu(conv(x))
            return self.fc(x.flatten(1))

    torch.manual_seed(1)
    plain = Tiny().double().eval()
    inplace = InPlace().double().eval()
    inplace.load_state_dict(plain.state_dict())
    x, y = tiny_data(10, 5)
    x = x.double()
    names = ["fp32", "sparq-b4-o5-ne"]
    a = evaluate_model(plain, [x], [(x, y)], settings=names)
    b = evaluate_model(inplace, [x], [(x, y)], settings=names)
    for name in names:
        for layer in ("c2", "c3", "c4"):
            assert b.sqnr(name, layer) == a.sqnr(name, layer), (name, layer)
            assert math.isfinite(a.sqnr(name, layer))
