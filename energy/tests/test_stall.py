"""Stall independence (:mod:`energy.stall`): the bubble inserter, the stage classification, the
check on a gate-level a4w8 PE in both simulation modes, and that the check fails when a bubble
does change what it must not (a driver that zeroes the payload in a bubble, a count altered)."""

import pytest

from energy import stall, workload
from energy.liberty import read_liberty
from energy.model import PricingOptions
from energy.run import _activity, map_design, stall_check
from energy.stall import StallCheckError, compare, stages, stall_words
from hdl.config import SparqConfig
from synth import cells

OPTIONS = PricingOptions(period_ns=20.0)


def test_bubbles_hold_the_previous_word_and_are_seeded():
    words = [(1, i % 4 == 3, 10 + i, 20 + i) for i in range(200)]
    out, bubbles, runs = stall_words(words, 0.4, seed=3)
    assert [w for w in out if w[0]] == [tuple(w) for w in words]       # every word, in order
    assert len(out) == len(words) + bubbles and out[0] == words[0]      # none before the first
    assert 0 < runs <= bubbles
    seen_runs = 0
    for prev, word in zip(out, out[1:]):
        if not word[0]:
            assert word[1:] == prev[1:]                 # payload and last held
            seen_runs += prev[0] == 1
    assert seen_runs == runs
    assert stall_words(words, 0.4, seed=3) == (out, bubbles, runs)
    assert stall_words(words, 0.0, seed=3) == ([tuple(w) for w in words], 0, 0)


@pytest.mark.parametrize("p, seed, message", [
    (1.0, 1, "stall probability must be a number in [0, 1), not 1.0"),
    (-0.1, 1, "stall probability must be a number in [0, 1), not -0.1"),
    (0.2, -1, "stall seed must be an int >= 0, not -1"),
])
def test_bad_stall_parameters_are_named(p, seed, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[")):
        stall_words([(1, 0, 0, 0)], p, seed)


@pytest.fixture(scope="module")
def pe(tmp_path_factory):
    library = cells.osu018()
    lib = read_liberty(library.liberty)
    config = SparqConfig(datapath="a4w8")        # the smallest PE: the quickest to map
    mapped = map_design("pe", config, library, tmp_path_factory.mktemp("pe"))
    return library, lib, mapped


def test_stages_of_the_pe(pe):
    library, lib, mapped = pe
    stage, valid_regs, reg_bits = stages(mapped.netlist, lib)
    assert valid_regs == ["p_valid", "valid_out"]
    names = mapped.netlist.bit_names()
    regs = {r: {stage.get(b) for b in bits} for r, bits in reg_bits.items()}
    # The operand registers load the inputs (stage 1), the slot products the multipliers
    # (stage 2); the accumulator and result read the valid pipeline: no stage.
    assert regs["a_out"] == regs["b_out"] == regs["last_out"] == {1}
    assert regs["slot0_product"] == regs["slot1_product"] == regs["p_last"] == {2}
    assert regs["acc"] == regs["result"] == {None}
    staged_comb = [b for b in stage if b not in {x for bits in reg_bits.values() for x in bits}]
    assert len(staged_comb) > 200            # the multipliers' nets
    assert all(names.get(b) for b in staged_comb[:5])


@pytest.mark.parametrize("mode", ["zero-delay", "specify"])
def test_stalled_stream_passes_the_check(pe, tmp_path, mode):
    library, lib, mapped = pe
    work = workload.synthetic(mapped.config, pairs=32, k=8, zero_fraction=0.5, seed=2)
    record = stall_check(mapped, lib, library, work, tmp_path, stall=(0.3, 5), mode=mode,
                         options=OPTIONS)
    k, st = record["check"], record["stall"]
    assert st["bubbles"] > 0 and st["bubble_runs"] > 0
    assert k["stalled_cycles"] == k["unstalled_cycles"] + st["bubbles"]
    assert record["unstalled"]["tiles_checked"] == record["stalled"]["tiles_checked"] == 8
    # The staged logic is part of both runs' data energy; the rest of the data path switches
    # more in bubbles (the accumulator adder adds the last products again to the new sum).
    assert 0 < k["staged_pj_per_mac"] < k["unstalled_data_pj_per_mac"]
    assert k["stalled_other_pj_per_mac"] >= k["unstalled_other_pj_per_mac"]
    # Total = data + (clock + leakage) per cycle x cycles, for both runs.
    per_cycle = k["clock_pj_per_cycle"] + k["leakage_pj_per_cycle"]
    for tag in ("unstalled", "stalled"):
        macs = record[tag]["macs"]
        assert k[f"{tag}_pj_per_mac"] * macs == pytest.approx(
            k[f"{tag}_data_pj_per_mac"] * macs + per_cycle * k[f"{tag}_cycles"], rel=1e-12)


def test_the_check_fails_when_a_bubble_changes_the_operands(pe, tmp_path, monkeypatch):
    # A driver that puts zeros on the payload in a bubble: the operand registers and the
    # multipliers switch more, which the check names.
    library, lib, mapped = pe
    work = workload.synthetic(mapped.config, pairs=32, k=8, zero_fraction=0.0, seed=2)
    real = stall.stall_words

    def zeroing(words, p, seed):
        out, bubbles, runs = real(words, p, seed)
        return [w if w[0] else (0, w[1], 0, 0) for w in out], bubbles, runs

    monkeypatch.setattr(stall, "stall_words", zeroing)
    with pytest.raises(StallCheckError, match=r"^staged net .* switched \(\d+, \d+\) "
                                              r"\(rises, falls\) unstalled"):
        stall_check(mapped, lib, library, work, tmp_path, stall=(0.3, 5), options=OPTIONS)


def test_the_check_fails_on_an_altered_count(pe, tmp_path):
    library, lib, mapped = pe
    work = workload.synthetic(mapped.config, pairs=16, k=8, zero_fraction=0.5, seed=2)
    sim, toggles = _activity(mapped, library, work, tmp_path, "zero-delay", OPTIONS)
    from energy.model import price
    bd = price(mapped.netlist, lib, toggles, sim.cycles, OPTIONS)
    args = (mapped.netlist, lib)
    compare(*args, toggles, dict(toggles), bd, bd, 0, work.macs, OPTIONS)     # equal: passes
    stage, valid_regs, reg_bits = stages(mapped.netlist, lib)
    for bits, message in ((sorted(stage)[:1], "staged net"),
                          (reg_bits["acc"][:1], "register acc"),
                          (reg_bits["p_valid"][:1], "valid pipeline register p_valid")):
        altered = dict(toggles)
        r, f = altered[bits[0]]
        altered[bits[0]] = (r + 1, f)
        with pytest.raises(StallCheckError, match=message):
            compare(*args, toggles, altered, bd, bd, 0, work.macs, OPTIONS)
