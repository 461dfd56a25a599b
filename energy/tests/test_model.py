"""The energy model against figures worked out by hand from the table values of a two-cell
Liberty file (energy/tests/data/tiny.lib), on hand-built netlists: an inverter chain and a
register. The hand figures below read the tables' numbers directly (both tables are planes, so the
bilinear value is the plane's), independently of :class:`energy.liberty.EnergyTable`."""

from pathlib import Path

import pytest

from energy.liberty import LibertyError, read_liberty
from energy.model import PricingOptions, logic_groups, price, register_group
from energy.netgraph import netlist_from_json

DATA = Path(__file__).parent / "data"
V2 = 1.8 ** 2
SLEW, WIRE, OUT_LOAD, PERIOD = 0.1, 0.002, 0.02, 10.0
OPTIONS = PricingOptions(slew_ns=SLEW, wire_pf=WIRE, output_load_pf=OUT_LOAD, period_ns=PERIOD)


@pytest.fixture(scope="module")
def lib():
    return read_liberty(DATA / "tiny.lib")


def _netlist(cells, ports):
    # Yosys JSON of one module: bits 2.. are nets; ports and cells as given.
    doc = {"modules": {"top": {
        "ports": {n: {"direction": d, "bits": b} for n, (d, b) in ports.items()},
        "cells": {n: {"type": t, "connections": {p: [b] for p, b in pins.items()}}
                  for n, (t, pins) in cells.items()},
        "netnames": {**{n: {"bits": b} for n, (_, b) in ports.items()}, "n1": {"bits": [3]}},
    }}}
    return netlist_from_json(doc, "top")


def chain():
    # a -> u1 -> n1 -> u2 -> y
    return _netlist({"u1": ("INV", {"A": 2, "Y": 3}), "u2": ("INV", {"A": 3, "Y": 4})},
                    {"clk": ("input", [5]), "a": ("input", [2]), "y": ("output", [4])})


def register():
    return _netlist({"r": ("DFF", {"CLK": 5, "D": 2, "Q": 4})},
                    {"clk": ("input", [5]), "d": ("input", [2]), "q": ("output", [4])})


# The INV tables by hand: rise over (load, slew) has corners 0.02 (0.01 pF, 0.05 ns), 0.03
# (0.01, 0.5), 0.04 (0.1, 0.05), 0.05 (0.1, 0.5); fall (declared slew-first) 0.01, 0.03 (slew
# 0.05: loads 0.01, 0.1), 0.02, 0.04 (slew 0.5).
TS = (SLEW - 0.05) / 0.45


def inv_rise(load):
    return 0.02 + 0.01 * TS + 0.02 * (load - 0.01) / 0.09


def inv_fall(load):
    return 0.01 + 0.01 * TS + 0.02 * (load - 0.01) / 0.09


def test_inverter_chain_equals_the_hand_figure(lib):
    cycles = 10
    toggles = {2: (3, 4), 3: (4, 3), 4: (3, 4)}
    got = price(chain(), lib, toggles, cycles, OPTIONS)
    n1 = 0.01 + WIRE                  # u2's input pin + one fanout's wire
    y = OUT_LOAD                      # no fanout: the output port's load only
    want_comb = (4 * inv_rise(n1) + 3 * inv_fall(n1) + 0.5 * n1 * V2 * 7
                 + 3 * inv_rise(y) + 4 * inv_fall(y) + 0.5 * y * V2 * 7)
    assert got.combinational == pytest.approx(want_comb, rel=1e-12)
    assert got.sequential == 0 and got.clock == 0
    assert got.leakage == pytest.approx(2 * 0.5 * cycles * PERIOD * 1e-6, rel=1e-12)
    assert got.inputs == pytest.approx(0.5 * n1 * V2 * 7, rel=1e-12)     # net a: the driver's
    assert got.total == pytest.approx(want_comb + got.leakage, rel=1e-12)


def test_register_equals_the_hand_figure(lib):
    cycles = 12
    toggles = {2: (3, 2), 4: (3, 2)}
    got = price(register(), lib, toggles, cycles, OPTIONS)
    q = OUT_LOAD
    want_seq = 3 * 0.06 + 2 * 0.04 + 0.5 * q * V2 * 5 + 3 * 0.03 + 2 * 0.01
    clk_rise, clk_fall = 0.1 + 0.1 * TS, 0.05 + 0.1 * TS
    want_clock = cycles * (clk_rise + clk_fall) + 0.5 * (0.02 + WIRE) * V2 * 2 * cycles
    assert got.sequential == pytest.approx(want_seq, rel=1e-12)
    assert got.clock == pytest.approx(want_clock, rel=1e-12)
    assert got.leakage == pytest.approx(2.0 * cycles * PERIOD * 1e-6, rel=1e-12)
    assert got.combinational == 0
    assert got.registers == pytest.approx({"q": want_seq}, rel=1e-12)


@pytest.mark.parametrize("design", [chain, register])
def test_zero_activity_is_clock_and_leakage_only(lib, design):
    netlist = design()
    idle = {b: (0, 0) for b in (2, 3, 4)}
    got = price(netlist, lib, idle, 50, OPTIONS)
    assert got.combinational == 0 and got.sequential == 0 and got.inputs == 0
    assert got.leakage > 0
    assert got.total == pytest.approx(got.clock + got.leakage, rel=1e-12)
    if design is register:
        assert got.clock > 0


@pytest.mark.parametrize("design", [chain, register])
def test_energy_is_linear_in_cycle_count(lib, design):
    base = {2: (3, 4), 3: (4, 3), 4: (3, 4)}
    one = price(design(), lib, base, 10, OPTIONS)
    for k in (2, 7):
        scaled = {b: (r * k, f * k) for b, (r, f) in base.items()}
        got = price(design(), lib, scaled, 10 * k, OPTIONS)
        assert got.total == pytest.approx(k * one.total, rel=1e-12)
        assert got.clock == pytest.approx(k * one.clock, rel=1e-12)


def test_a_cell_output_without_activity_is_an_error(lib):
    with pytest.raises(ValueError, match=r"net n1 \(output Y of u1, INV\) has no activity"):
        price(chain(), lib, {2: (1, 1), 4: (1, 1)}, 10, OPTIONS)


@pytest.mark.parametrize("field, value, message", [
    ("slew_ns", 0, "slew_ns must be a positive number, not 0"),
    ("period_ns", -1.0, "period_ns must be a positive number, not -1.0"),
    ("wire_pf", -0.1, "wire_pf must be a non-negative number of pF, not -0.1"),
    ("output_load_pf", "x", "output_load_pf must be a non-negative number of pF, not 'x'"),
])
def test_bad_pricing_options_are_named(field, value, message):
    with pytest.raises(ValueError, match=message):
        PricingOptions(**{field: value})


def test_bad_cycles_and_missing_clock_are_named(lib):
    with pytest.raises(ValueError, match="cycles must be a non-negative int, not -1"):
        price(chain(), lib, {}, -1, OPTIONS)
    with pytest.raises(ValueError, match="clock port 'ck' is not an input of top"):
        price(chain(), lib, {2: (0, 0), 3: (0, 0), 4: (0, 0)}, 1, PricingOptions(clock="ck"))


def test_unknown_cell_is_named(lib):
    with pytest.raises(LibertyError, match="cell 'NAND9' is not in the Liberty file"):
        lib.cell("NAND9")


def test_liberty_errors_are_named(tmp_path):
    bad = tmp_path / "bad.lib"
    bad.write_text("library(x) { capacitive_load_unit (1,pf); nom_voltage : 1.8; }")
    with pytest.raises(LibertyError, match="no cells"):
        read_liberty(bad)
    bad.write_text("library(x) { nom_voltage : 1.8; cell(A) { } }")
    with pytest.raises(LibertyError, match="no capacitive_load_unit"):
        read_liberty(bad)
    bad.write_text("this is not liberty")
    with pytest.raises(LibertyError, match=r"line 1: expected '\(', found 'is'"):
        read_liberty(bad)


def test_table_axes_follow_the_template(lib):
    # fall_power is declared slew-first: at the corner (load 0.1 pF, slew 0.05 ns) it is 0.03.
    inv = lib.cell("INV")
    assert inv.output_energy["Y"].energy(False, 0.1, 0.05) == pytest.approx(0.03)
    assert inv.output_energy["Y"].energy(True, 0.1, 0.05) == pytest.approx(0.04)
    assert lib.cell("DFF").sequential and lib.cell("DFF").clocks == ("CLK",)
    assert not inv.sequential


def _split_netlist(loop=False):
    # a -> u1 -> n1 -> u2 -> r0 (acc_0_1) -> u4 -> y; n1 -> u3 -> r1 (slot1_product); with
    # loop=True two inverters u5, u6 in a ring, u6 driving r2 (state).
    cells = {"u1": ("INV", {"A": 2, "Y": 3}), "u2": ("INV", {"A": 3, "Y": 4}),
             "u3": ("INV", {"A": 3, "Y": 6}),
             "r0": ("DFF", {"CLK": 9, "D": 4, "Q": 5}), "r1": ("DFF", {"CLK": 9, "D": 6, "Q": 7}),
             "u4": ("INV", {"A": 5, "Y": 8})}
    if loop:
        cells["u5"] = ("INV", {"A": 11, "Y": 10})
        cells["u6"] = ("INV", {"A": 10, "Y": 11})
        cells["r2"] = ("DFF", {"CLK": 9, "D": 11, "Q": 12})
    doc = {"modules": {"top": {
        "ports": {"clk": {"direction": "input", "bits": [9]},
                  "a": {"direction": "input", "bits": [2]},
                  "y": {"direction": "output", "bits": [8]}},
        "cells": {n: {"type": t, "connections": {p: [b] for p, b in pins.items()}}
                  for n, (t, pins) in cells.items()},
        "netnames": {"clk": {"bits": [9]}, "a": {"bits": [2]}, "y": {"bits": [8]},
                     "acc_0_1": {"bits": [5]}, "slot1_product": {"bits": [7]},
                     "state": {"bits": [12]}},
    }}}
    return netlist_from_json(doc, "top")


def test_logic_is_split_by_the_registers_it_feeds(lib):
    assert [register_group(n) for n in ("acc_0_1", "acc_1_0[3]", "slot1_product", "\\sum_2_3",
                                        "c__payload")] == [
        "acc", "acc", "slot_product", "sum", "c__payload"]
    netlist = _split_netlist()
    assert logic_groups(netlist, lib) == {"u1": "acc+slot_product", "u2": "acc",
                                          "u3": "slot_product", "u4": "y"}
    toggles = {b: (2 + b, 1 + b) for b in range(2, 9)}
    got = price(netlist, lib, toggles, 10, OPTIONS)
    assert set(got.logic) == {"acc+slot_product", "acc", "slot_product", "y"}
    assert sum(got.logic.values()) == pytest.approx(got.combinational, rel=1e-12)
    # Each label holds its own cell's energy: u2 alone and u3 alone differ only in activity.
    alone = price(netlist, lib, {**toggles, 6: (0, 0)}, 10, OPTIONS)
    assert alone.logic["acc"] == pytest.approx(got.logic["acc"], rel=1e-12)
    assert alone.logic["slot_product"] < got.logic["slot_product"]


def test_logic_split_walks_a_combinational_loop_once(lib):
    labels = logic_groups(_split_netlist(loop=True), lib)
    # The walk ends (the ring is met again while open) and both inverters feed r2 (state).
    assert labels["u5"] == labels["u6"] == "state"
    assert labels["u3"] == "slot_product"
