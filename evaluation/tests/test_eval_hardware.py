"""Hardware in the loop on a tiny model: the generated 8x8 array on Verilator against golden.

Uses the default array (``SparqConfig()``: sparq, 5opt, nearest-even, 8x8, max K 1152), the same
build the array tests compile, so this adds only seconds of simulation.
"""

import re

import numpy as np
import pytest

import torch  # noqa: E402  (a required test dependency: the eval and dev tiers install it)
nn = torch.nn
torch.set_num_threads(1)

from evaluation import hardware
from evaluation.__main__ import main as eval_main
from hdl.stream_codec import reference
from tb import array_runner, gemm, sim
from tb.gemm import GemmResult


class Small(nn.Module):
    """Float conv, then SPARQ convs with odd K (C=3: pairs span taps), stride 2 and a 1x1."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 3, 3, padding=1)
        self.c2 = nn.Conv2d(3, 10, 3, padding=1)            # K = 27 (odd), N = 10 (two col tiles)
        self.c3 = nn.Conv2d(10, 6, 3, stride=2, padding=1)  # K = 90
        self.c4 = nn.Conv2d(6, 4, 1)                        # K = 6
        self.fc = nn.Linear(4 * 3 * 3, 5)

    def forward(self, x):
        for conv in (self.c1, self.c2, self.c3, self.c4):
            x = torch.relu(conv(x))
        return self.fc(x.flatten(1))


def data():
    torch.manual_seed(0)
    model = Small().eval()
    g = np.random.default_rng(0)
    x = g.random((5, 1, 5, 6)).astype(np.float32)    # 5 images of 5x6: M = 150, not a multiple of 8
    y = g.integers(0, 5, 5)
    cal = [torch.from_numpy(g.random((8, 1, 5, 6)).astype(np.float32))]
    return model, x, y, cal


def test_tiny_model_through_the_array(tmp_path):
    sim.require("verilator")
    model, x, y, cal = data()
    check = hardware.run_hardware_check(model, x, y, calibration_loader=cal, work_dir=tmp_path,
                                        log=lambda *_: None)
    layers = check.layers["sparq-b4-o5-ne"]
    assert [l.name for l in layers] == ["c2", "c3", "c4"]
    assert [l.accumulators for l in layers] == [5 * 10 * 5 * 6, 5 * 6 * 3 * 3, 5 * 4 * 3 * 3]
    assert all(l.mismatches == 0 for l in layers)
    # 150 pixels -> 19 row tiles; 10 channels -> 2 column tiles; K 27 -> 14 transfers per tile.
    assert layers[0].tiles == 19 * 2 and layers[0].transfers == 19 * 2 * 14
    assert check.predictions_equal == {"sparq-b4-o5-ne": 5}
    assert check.passed
    assert "Verdict: PASS." in check.markdown()


# Both under -m slow (11 s each): the 4-bit model through the array stays in the default set, and
# the 3-/2-bit arrays have their own benches in tb/tests/test_array.py.
@pytest.mark.slow
@pytest.mark.parametrize("setting", ["sparq-b3-o6-ne", "sparq-b2-o7-tr"])
def test_tiny_model_through_narrow_windows(setting, tmp_path):
    # 3-bit and 2-bit windows: every SPARQ conv layer of the model on a generated 4x4 array
    # (max K 96 holds the model's largest K, 90) equals golden, accumulator for accumulator.
    sim.require("verilator")
    model, x, y, cal = data()
    check = hardware.run_hardware_check(model, x, y, calibration_loader=cal, work_dir=tmp_path,
                                        settings=[setting], rows=4, cols=4, max_k=96,
                                        log=lambda *_: None)
    layers = check.layers[setting]
    assert [l.name for l in layers] == ["c2", "c3", "c4"]
    assert [l.accumulators for l in layers] == [5 * 10 * 5 * 6, 5 * 6 * 3 * 3, 5 * 4 * 3 * 3]
    assert all(l.mismatches == 0 and l.failures == 0 for l in layers)
    # 150 pixels -> 38 row tiles of 4; 10 channels -> 3 column tiles of 4.
    assert layers[0].tiles == 38 * 3
    assert check.predictions_equal == {setting: 5}
    assert check.passed


def test_the_check_fails_when_the_array_is_wrong(tmp_path, monkeypatch):
    # A check that cannot fail is no check: one accumulator off by one must show. The stand-in
    # array is golden plus one error (the real array ran in the test above).
    model, x, y, cal = data()

    check = _stand_in_check(tmp_path, monkeypatch, model, x, y, cal, off_by=1)
    assert [l.mismatches for l in check.layers["sparq-b4-o5-ne"]] == [1, 1, 1]
    assert not check.passed
    assert "Verdict: FAIL." in check.markdown()


def test_the_check_fails_when_a_simulation_fails(tmp_path, monkeypatch):
    # Right values, but the bench failed (a framing or handshake check, say): no pass.
    model, x, y, cal = data()
    check = _stand_in_check(tmp_path, monkeypatch, model, x, y, cal, failure="tb failed")
    layers = check.layers["sparq-b4-o5-ne"]
    assert [l.mismatches for l in layers] == [0, 0, 0] and [l.failures for l in layers] == [1, 1, 1]
    assert not check.passed


def _stand_in_check(tmp_path, monkeypatch, model, x, y, cal, *, off_by=0, failure=None):
    # The array replaced by golden plus ``off_by`` on one accumulator, its run failed with
    # ``failure``; no simulator needed, so generating and compiling the array is skipped too.
    def stand_in(config, simulator, A, B, **kw):
        expected = reference(config, A, B)
        C = expected.copy()
        C[0, 0] += off_by
        return {"burst": GemmResult("burst", C, expected, differ=int(off_by != 0), tiles=1,
                                    failures=[failure] if failure else [])}

    monkeypatch.setattr(gemm, "array_gemm", stand_in)
    monkeypatch.setattr(array_runner, "build_array", lambda config, simulator, burst: sim.Build(
        simulator, "stand_in", tmp_path, tmp_path / "stand_in.v", False, 0.0, config, "array"))
    return hardware.run_hardware_check(model, x[:2], y[:2], calibration_loader=cal,
                                       work_dir=tmp_path, log=lambda *_: None)


def test_settings_without_hardware_are_refused(capsys):
    with pytest.raises(ValueError, match="^" + re.escape(
            "setting 'a4w8' has no hardware: the array implements "
            + ", ".join(hardware.HW_SETTINGS)) + "$"):
        hardware.run_hardware_check(Small(), np.zeros((1, 1, 5, 6), np.float32), [0],
                                    calibration_loader=[], settings=["a4w8"])
    assert {"sparq-b3-o6-ne", "sparq-b3-o6-tr", "sparq-b2-o7-ne", "sparq-b2-o7-tr"} <= set(
        hardware.HW_SETTINGS)
    assert eval_main(["--hw-settings", "int8"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --hw-settings: 'int8' has no hardware; the array implements "
        + ", ".join(hardware.HW_SETTINGS))


def test_pick_images_takes_the_mistakes_first():
    class Fixed(nn.Module):
        # Predicts class 0 for every image: images with label != 0 are its mistakes.
        def forward(self, x):
            out = torch.zeros(len(x), 3)
            out[:, 0] = 1
            return out

    y = np.array([0, 2, 0, 0, 1, 0, 1, 0, 2, 0])
    x = np.zeros((10, 1, 2, 2), np.float32)
    idx, wrong = hardware.pick_images(Fixed(), x, y, 4)
    assert wrong == 2 and list(idx) == [0, 1, 2, 4]          # mistakes 1, 4 (of 1, 4, 6, 8)
    idx, wrong = hardware.pick_images(Fixed(), x, y, 10)
    assert wrong == 4 and list(idx) == list(range(10))      # all four mistakes, six others


def test_cycles_of_the_cycle_accurate_harness_equal_the_timing_contract(tmp_path):
    # The per-cycle harness on the same tiny model: every layer's simulated cycles equal the
    # array's timing contract for the GEMM it ran, plus the harness's own two cycles per run.
    sim.require("verilator")
    from evaluation.costs import gemm_cycles
    model, x, y, cal = data()
    check = hardware.run_hardware_check(model, x, y, calibration_loader=cal, work_dir=tmp_path,
                                        harness="per-cycle", log=lambda *_: None)
    assert check.passed, check.markdown()
    c2 = check.layers["sparq-b4-o5-ne"][0]
    # c2: 150 pixels x 10 channels, K 27 -> P 14 < T = 2*8 + 8 + 2 = 26: 19 * 2 tiles, the last
    # one's last row (8 + 8 + 2) + 7 cycles after its last input.
    assert gemm_cycles(150, 10, 27) == (38, 37 * 26 + 14 + 18 + 7)
    assert c2.cycles == 37 * 26 + 14 + 18 + 7 + hardware.HARNESS_CYCLES
    sim_c, contract_c = check.cycles_per_inference("sparq-b4-o5-ne")
    assert sim_c == contract_c
    assert "from the timing contract" in check.markdown()
