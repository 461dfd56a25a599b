"""ONNX import (evaluation.onnx_model) and the ONNX command (evaluation.onnx_run).

The float graph is checked against onnx's own reference evaluator (``onnx.reference``), an
implementation independent of ours; the quantized layers against golden.sparq_conv2d called
directly on the layer's quantized input. Tiny models are built here with ``onnx.helper``.
"""

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import golden
from evaluation import onnx_run
from evaluation.onnx_model import SUPPORTED_OPS, load_onnx
from evaluation.settings import SETTINGS

torch.set_num_threads(1)


def _init(name, array):
    return numpy_helper.from_array(np.asarray(array, np.float32), name)


def save(tmp_path, nodes, inits, in_shape, out_shape, name="m.onnx", opset=13):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def cnn(tmp_path, g=None, *, extra=None):
    """Every supported operator once: Conv (explicit asymmetric pads), Relu, MaxPool, Conv
    (SAME_UPPER, with bias), Add of two activations (a residual), AveragePool, Flatten, Gemm
    (transB), Reshape, MatMul, Add of a constant."""
    g = g or np.random.default_rng(0)
    w1 = g.normal(0, 0.5, (4, 1, 3, 3))
    w2 = g.normal(0, 0.3, (4, 4, 3, 3))
    b2 = g.normal(0, 0.1, 4)
    gemm_b = g.normal(0, 0.3, (6, 4 * 2 * 2))        # transB: (O, K)
    gemm_c = g.normal(0, 0.1, 6)
    mm = g.normal(0, 0.3, (6, 3))
    bias = g.normal(0, 0.1, 3)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 0, 1, 2]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2],
                         strides=[1, 1]),
        helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2", auto_pad="SAME_UPPER"),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Add", ["r2", "p1"], ["s2"], name="residual"),
        helper.make_node("AveragePool", ["s2"], ["p2"], name="pool2", kernel_shape=[3, 3],
                         strides=[3, 3]),
        helper.make_node("Flatten", ["p2"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "gb", "gc"], ["g1"], name="fc1", transB=1),
        helper.make_node("Relu", ["g1"], ["r3"], name="relu3"),
        helper.make_node("Reshape", ["r3", "shape"], ["r3b"], name="reshape"),
        helper.make_node("MatMul", ["r3b", "mm"], ["m"], name="fc2"),
        helper.make_node("Add", ["m", "bias"], ["y"], name="bias"),
    ]
    inits = [_init("w1", w1), _init("w2", w2), _init("b2", b2), _init("gb", gemm_b),
             _init("gc", gemm_c), _init("mm", mm), _init("bias", bias),
             numpy_helper.from_array(np.array([-1, 6], np.int64), "shape")]
    if extra:
        nodes, inits = extra(nodes, inits)
    return save(tmp_path, nodes, inits, ["N", 1, 8, 7], ["N", 3])


def images(n, seed=1, shape=(1, 8, 7)):
    g = np.random.default_rng(seed)
    return g.random((n,) + shape).astype(np.float32)


def test_every_supported_operator_matches_onnx_reference(tmp_path):
    path = cnn(tmp_path)
    net = load_onnx(path)
    assert set(net.ops) == set(SUPPORTED_OPS)
    assert net.quantizable == ["conv1", "conv2", "fc1", "fc2"]
    x = images(7)
    (want,) = ReferenceEvaluator(str(path)).run(None, {"x": x})
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # MACs per image: conv1 8x7 pixels (pads 1+1 on 8 rows, 0+2 on 7 columns) x 4 channels x
    # K 9; the 2x2 stride-1 max-pool leaves 7x6 for conv2 (K 36); fc1 16 x 6; fc2 6 x 3.
    assert net.macs == {"conv1": 8 * 7 * 4 * 9, "conv2": 7 * 6 * 4 * 36, "fc1": 16 * 6,
                        "fc2": 6 * 3}


def test_pooling_paddings_and_ceil_mode_match_onnx_reference(tmp_path):
    nodes = [helper.make_node("MaxPool", ["x"], ["a"], kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 0, 0, 1], ceil_mode=1),
             helper.make_node("AveragePool", ["a"], ["b"], kernel_shape=[2, 2], pads=[1, 1, 0, 0]),
             helper.make_node("AveragePool", ["b"], ["c"], kernel_shape=[2, 2], pads=[0, 1, 1, 0],
                              count_include_pad=1),
             helper.make_node("Flatten", ["c"], ["y"])]
    path = save(tmp_path, nodes, [], ["N", 2, 7, 6], ["N", "K"])
    x = images(3, shape=(2, 7, 6))
    (want,) = ReferenceEvaluator(str(path)).run(None, {"x": x})
    with torch.no_grad():
        got = load_onnx(path)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_quantized_layers_are_golden_and_fc_layers_are_quantized(tmp_path):
    # Every quantized layer's output under SPARQ is golden.sparq_conv2d of its quantized input:
    # record the inputs in float, then recompute one layer by hand.
    from evaluation import calibrate, quantized_layers
    path = cnn(tmp_path)
    net = load_onnx(path)
    x_cal, x = torch.from_numpy(images(20, seed=2)), torch.from_numpy(images(5, seed=3))
    layers, float_layers, n = calibrate(net, [x_cal])
    assert float_layers == ["conv1"] and n == 20
    assert [l.name for l in layers] == ["conv2", "fc1", "fc2"]
    fc1 = layers[1]
    assert fc1.weight.shape == (6, 16, 1, 1) and fc1.K == 16
    seen = {}
    ctl = quantized_layers(net, layers, on_layer=lambda s, layer, run: seen.setdefault(
        layer.name, run))
    ctl.setting = SETTINGS["sparq-b4-o5-ne"]
    with torch.no_grad():
        net(x)
    ctl.remove()
    run = seen["fc1"]
    assert run.xq.shape == (5, 16, 1, 1)
    wq, dw = golden.quantize_weights(fc1.weight, bits=8)
    want = golden.sparq_conv2d(run.xq, wq, run.delta_x, dw, bias=fc1.bias, bits=4, options=5)
    np.testing.assert_array_equal(run.acc, want.acc)
    np.testing.assert_allclose(run.y, want.y)


def test_evaluate_onnx_reports_every_setting_and_costs(tmp_path):
    path = cnn(tmp_path)
    x = images(30, seed=4)
    with torch.no_grad():
        y = load_onnx(path)(torch.from_numpy(x)).argmax(1).numpy()
    names = ["fp32", "int8", "a4w8", "sparq-b4-o5-ne"]
    net, report = onnx_run.evaluate_onnx(path, images(10, seed=5), x, y, settings=names)
    assert [s.name for s in report.settings] == names
    assert report.accuracy("fp32") == 1.0          # labels are the float model's own classes
    assert [l.name for l in report.layers] == ["conv2", "fc1", "fc2"]
    costs = {c["name"]: c for c in report.meta["costs"]}
    # conv2: 7x6 = 42 pixels -> 6 row blocks of 8, 4 channels -> 1 column block; K = 36 -> P 18,
    # period max(18, 2*8 + 8 + 2 = 26): 5 * 26 + 18 + (8 + 8 + 2) + 7 cycles.
    assert costs["conv2"]["tiles"] == 6 and costs["conv2"]["cycles"] == 5 * 26 + 18 + 18 + 7
    assert costs["conv2"]["macs"] == net.macs["conv2"]
    assert costs["fc1"]["M"] == 1 and costs["fc1"]["K"] == 16


def test_quantize_first_quantizes_every_layer(tmp_path):
    path = cnn(tmp_path)
    x = images(6, seed=6)
    _, report = onnx_run.evaluate_onnx(path, x, x, np.zeros(6, np.int64), settings=["int8"],
                                       quantize_first=True)
    assert report.float_layers == [] and report.layers[0].name == "conv1"


def test_unsupported_operator_is_named(tmp_path):
    def sigmoid(nodes, inits):
        nodes[1] = helper.make_node("Sigmoid", ["c1"], ["r1"], name="act1")
        return nodes, inits
    path = cnn(tmp_path, extra=sigmoid)
    with pytest.raises(ValueError, match=r"node 'act1': operator Sigmoid is not supported "
                                         r"\(supported: Conv, Relu, MaxPool, AveragePool, Gemm, "
                                         r"MatMul, Flatten, Reshape, Add\)$"):
        load_onnx(path)


@pytest.mark.parametrize("change,message", [
    (lambda n: helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", group=1,
                                dilations=[2, 2]), r"node 'conv1' \(Conv\): dilations must be 1"),
    (lambda n: helper.make_node("Gemm", ["f", "gb", "gc"], ["g1"], name="fc1", transA=1),
     r"node 'fc1' \(Gemm\): transA=1 is not supported"),
])
def test_unsupported_attributes_are_named(tmp_path, change, message):
    def edit(nodes, inits):
        i = next(i for i, n in enumerate(nodes) if n.name == change(None).name)
        nodes[i] = change(None)
        return nodes, inits
    with pytest.raises(ValueError, match=message):
        load_onnx(cnn(tmp_path, extra=edit))


def test_weight_that_is_not_a_constant_is_refused(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["w"]),
             helper.make_node("Conv", ["x", "w"], ["y"], name="dyn")]
    path = save(tmp_path, nodes, [], [1, 1, 3, 3], [1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"node 'dyn' \(Conv\): weight 'w' must be a constant"):
        load_onnx(path)


def test_malformed_and_missing_files(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a protobuf \xff\xff\xff")
    with pytest.raises(ValueError, match=r"bad.onnx: not a valid ONNX model \("):
        load_onnx(bad)
    with pytest.raises(FileNotFoundError, match=r"nope.onnx: no such ONNX model file"):
        load_onnx(tmp_path / "nope.onnx")


def test_shapes_that_do_not_fit(tmp_path):
    path = cnn(tmp_path)
    net = load_onnx(path)
    # Images of another size: the Gemm's K no longer matches the flattened features.
    with pytest.raises(ValueError, match=r"^node 'fc1' \(Gemm\): the shapes do not fit|"
                                         r"^node 'fc1' \(Gemm\): input \(2, 24\) does not fit"):
        with torch.no_grad():
            net(torch.from_numpy(images(2, shape=(1, 11, 7))))
    # A declared static input shape: data of another shape is refused before any computation.
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="c")]
    fixed = save(tmp_path, nodes, [_init("w", np.ones((2, 1, 3, 3)))], [1, 1, 8, 8],
                 [1, 2, 6, 6], name="fixed.onnx")
    x = images(4, shape=(1, 7, 7))
    with pytest.raises(ValueError, match=r"^test images of shape \(4, 1, 7, 7\) does not fit the "
                                         r"model's input 'x' of shape \(N, 1, 8, 8\)"):
        onnx_run.evaluate_onnx(fixed, images(4, shape=(1, 8, 8)), x, np.zeros(4, np.int64))


def test_calibration_set_missing_or_empty(tmp_path):
    path = cnn(tmp_path)
    x = images(3)
    with pytest.raises(ValueError, match=r"^a calibration set is required"):
        onnx_run.evaluate_onnx(path, None, x, np.zeros(3, np.int64))
    with pytest.raises(ValueError, match=r"^calibration images x_cal must be a non-empty "
                                         r"\(N, C, H, W\) image batch, got shape \(0, 1, 8, 7\)"):
        onnx_run.evaluate_onnx(path, x[:0], x, np.zeros(3, np.int64))


def _npz(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def test_command_writes_report(tmp_path, capsys):
    path = cnn(tmp_path)
    x = images(12, seed=7)
    data = _npz(tmp_path, "test.npz", x=x, y=np.arange(12) % 3)
    cal = _npz(tmp_path, "cal.npz", x=images(8, seed=8))
    out = tmp_path / "out"
    code = onnx_run.main([str(path), "--data", data, "--calibration", cal, "--settings", "int8",
                          "sparq-b4-o5-ne", "--out", str(out)])
    assert code == 0
    md = (out / "onnx-m.md").read_text()
    assert "| SPARQ 4b 5opt rounding | `sparq-b4-o5-ne` |" in md
    assert "| `conv2` | 42 x 4 x 36 |" in md
    assert (out / "onnx-m.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv,message", [
    ([], "error: give either MODEL.onnx (with --data and --calibration) or --example"),
    (["MODEL", "--data", "D"], "error: --calibration CAL.npz is required: SPARQ's 8-bit "
                               "activation ranges are calibrated on it"),
    (["MODEL", "--calibration", "C"], "error: --data TEST.npz is required (arrays x and y)"),
    (["MODEL", "--data", "D", "--calibration", "C", "--settings", "bogus"],
     "error: unknown setting 'bogus'; known settings: " + ", ".join(SETTINGS)),
    (["MODEL", "--data", "D", "--calibration", "C", "--hardware", "-1"],
     "error: --hardware must be >= 0, not -1"),
    (["MODEL", "--data", "D", "--calibration", "C", "--hw-setting", "int8"],
     "error: --hw-setting: 'int8' has no hardware; the array implements "
     + ", ".join(n for n, s in SETTINGS.items() if s.kind == "sparq" and not s.stc)),
    (["--example", "--data", "D"],
     "error: --example brings its own data: leave out --data and --calibration"),
    (["MODEL", "--data", "D", "--calibration", "C", "--array", "8x"],
     "error: --array must be RxC, rows x columns (e.g. 8x8), not '8x'"),
])
def test_command_argument_errors(argv, message, capsys):
    assert onnx_run.main(argv) == 2
    assert capsys.readouterr().err.strip().splitlines() == [message]


def test_command_file_errors(tmp_path, capsys):
    path = cnn(tmp_path)
    data = _npz(tmp_path, "test.npz", x=images(4), y=np.zeros(4, np.int64))
    nolabels = _npz(tmp_path, "nolabels.npz", x=images(4))
    cases = [
        ([str(path), "--data", data, "--calibration", str(tmp_path / "none.npz")],
         f"error: --calibration {tmp_path / 'none.npz'}: no such file"),
        ([str(path), "--data", nolabels, "--calibration", data],
         f"error: --data {nolabels}: no array 'y' (it has x)"),
        ([str(tmp_path / "nope.onnx"), "--data", data, "--calibration", data],
         f"error: {tmp_path / 'nope.onnx'}: no such ONNX model file"),
    ]
    for argv, message in cases:
        assert onnx_run.main(argv) == 2
        assert capsys.readouterr().err.strip().splitlines() == [message]


def test_example_model_matches_its_reference_output():
    # qonnx's mnist-conv with its shipped input: our graph reproduces the shipped output.
    path = onnx_run.example_model_path()
    folder = path.parent / "test_data_set_0"
    x = numpy_helper.to_array(onnx.load_tensor(str(folder / "input_0.pb")))
    want = numpy_helper.to_array(onnx.load_tensor(str(folder / "output_0.pb")))
    net = load_onnx(path)
    assert net.ops == {"Conv": 2, "Add": 3, "Relu": 2, "MaxPool": 2, "Reshape": 1, "MatMul": 1}
    with torch.no_grad():
        got = net(torch.from_numpy(x.copy())).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-3)
    x_cal, x_test, y_test = onnx_run.example_data()
    assert x_cal.shape == (500, 1, 28, 28) and x_test.shape == (4500, 1, 28, 28)
    assert np.bincount(y_test).tolist() == [450] * 10


def test_example_on_a_few_images_through_golden():
    x_cal, x_test, y_test = onnx_run.example_data()
    net, report = onnx_run.evaluate_onnx(onnx_run.example_model_path(), x_cal[:100],
                                         x_test[:200], y_test[:200],
                                         settings=["fp32", "int8", "sparq-b4-o5-ne"])
    assert [l.name for l in report.layers] == ["Convolution110", "Times212"]
    assert report.layers[1].K == 256 and report.layers[1].out_channels == 10
    assert report.accuracy("fp32") >= 0.97     # a trained network on real digits
    assert report.results["sparq-b4-o5-ne"].total == 200
