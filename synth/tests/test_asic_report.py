"""The standard-cell headline: µm² per MAC and Fmax like with like, GMAC/s per mm² best against
best, the transistor estimate's error, the goals; on hand-made results with figures worked out
by hand."""

import pytest

from synth.asic_report import asic_goal_rows, asic_rows, asic_section


def _r(variant, target, scale="pe", macs=2, **metrics):
    return {"status": "ok", "target": target, "metrics": metrics,
            "design": {"name": f"{scale}-{variant}", "scale": scale, "variant": variant,
                       "macs_per_cycle": macs},
            "timing": {"path_cells": ["DFFPOSX1", "INVX1", "DFFPOSX1"]}}


RESULTS = [
    # int8: 1,000 µm² at 200 MHz, split 1,200 µm² at 300 MHz (better: 2 x 300 / 1,200).
    _r("int8", "asic-osu018", area=1000.0, fmax_mhz=200.0, path_ns=5.0, ff_share=0.25),
    _r("int8-pipe", "asic-osu018", area=1200.0, fmax_mhz=300.0, path_ns=3.3, ff_share=0.3),
    _r("a4w8", "asic-osu018", area=500.0, fmax_mhz=250.0, path_ns=4.0, ff_share=0.3),
    # SPARQ: 800 µm² at 100 MHz, split 900 µm² at 300 MHz (better).
    _r("sparq-b4-o5-ne", "asic-osu018", area=800.0, fmax_mhz=100.0, path_ns=10.0, ff_share=0.3),
    _r("sparq-b4-o5-ne-pipe", "asic-osu018", area=900.0, fmax_mhz=300.0, path_ns=3.3,
       ff_share=0.3),
    _r("int8", "generic", transistors=10000),
    _r("sparq-b4-o5-ne", "generic", transistors=7000),
    # The encoder has no MACs: not a row.
    {"status": "ok", "target": "asic-osu018", "metrics": {"area": 5.0},
     "design": {"name": "window", "scale": "window", "variant": "sparq-b4-o5-ne",
                "macs_per_cycle": 0}},
]


def test_rows_figures_and_ratios():
    rows = {r["variant"]: r for r in asic_rows(RESULTS)}
    assert set(rows) == {"int8", "int8-pipe", "a4w8", "sparq-b4-o5-ne", "sparq-b4-o5-ne-pipe"}
    s = rows["sparq-b4-o5-ne"]
    assert s["um2_per_mac"] == 400.0
    # 2 MACs x 100 MHz = 0.2 GMAC/s on 0.0008 mm².
    assert s["gmacs_per_mm2"] == pytest.approx(250.0)
    assert s["ratios"]["um2_per_mac"] == {"int8": 0.8, "a4w8": 1.6}
    assert s["ratios"]["fmax_mhz"]["int8"] == 0.5
    # Best against best: SPARQ split 2 x 300 / 0.0009 = 666.7, int8 split 2 x 300 / 0.0012 = 500.
    assert s["best_gmacs_per_mm2"] == pytest.approx(2 * 300 / 1e3 / 900e-6)
    assert s["ratios"]["gmacs_per_mm2"]["int8"] == pytest.approx((600 / 900) / (600 / 1200))
    assert rows["sparq-b4-o5-ne-pipe"]["ratios"]["gmacs_per_mm2"] == s["ratios"]["gmacs_per_mm2"]
    # The split row compares with int8 split (like with like) for area and Fmax.
    assert rows["sparq-b4-o5-ne-pipe"]["ratios"]["um2_per_mac"]["int8"] == pytest.approx(0.75)
    assert rows["sparq-b4-o5-ne-pipe"]["ratios"]["um2_per_mac"]["a4w8"] is None
    # The estimate says 0.70 of int8, the cells 0.80: 12.5 % low.
    assert s["est_ratio"] == pytest.approx(0.7) and s["est_error"] == pytest.approx(-0.125)


def test_goals_and_section():
    goals = {label: (ratio, met) for label, ratio, _, _, met, _ in asic_goal_rows(RESULTS)}
    assert goals["PE µm², 5opt / int8"] == (pytest.approx(0.8), False)
    assert goals["PE µm², 5opt / a4w8"] == (pytest.approx(1.6), False)
    assert goals["PE GMAC/s per mm², 5opt / int8 (best / best)"][1] is False
    assert goals["unit 4x4p4 µm²/MAC, 5opt / int8"] == (None, None)
    text = "\n".join(asic_section(RESULTS))
    assert "| pe sparq-b4-o5-ne | 2 | 800 | 400 (0.80, 1.60) | 30% | 10.00 (3) |" in text
    assert "| PE µm², 5opt / int8 | 0.800 | <= 0.75 | **no** (by 6.7%) |" in text
    assert asic_section([RESULTS[-1]]) == []
