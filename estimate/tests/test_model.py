"""The stored calibration: reproducible from the stored measured set, and the estimator refuses
what it was not calibrated for."""

import json

import numpy as np
import pytest

from estimate.fit import CALIBRATION, MEASURED, fit, fit_stages, nnls
from estimate.model import Calibration
from hdl.config import SparqConfig


def test_stored_calibration_is_the_fit_of_the_stored_measured_set():
    stored = json.loads(CALIBRATION.read_text())
    measured = json.loads(MEASURED.read_text())
    again = fit(measured, stored["command"])
    assert again["calibration_designs"] == stored["calibration_designs"]
    for target, metrics in stored["area_costs"].items():
        for metric, costs in metrics.items():
            for part, cost in costs.items():
                new = again["area_costs"][target][metric][part]
                assert (cost is None) == (new is None)
                if cost is not None:
                    assert new == pytest.approx(cost, rel=1e-6, abs=1e-9), (target, metric, part)
    for target, stages in stored["period_ns"].items():
        new_stages = again["period_ns"][target]
        assert new_stages["accumulate_binds"] == stages["accumulate_binds"]
        assert new_stages["lower_bounds"] == stages["lower_bounds"]
        for stage in ("product", "accumulate"):
            assert (stages[stage] is None) == (new_stages[stage] is None), (target, stage)
            for feature, cost in (stages[stage] or {}).items():
                new = new_stages[stage][feature]
                assert (cost is None) == (new is None)
                if cost is not None:
                    assert new == pytest.approx(cost, rel=1e-6, abs=1e-9), (target, feature)


def test_held_out_designs_are_not_fitted_on():
    stored = json.loads(CALIBRATION.read_text())
    measured = json.loads(MEASURED.read_text())
    held = {(r["design"], r["target"]) for r in measured["records"] if r["role"] == "held-out"}
    assert len(held) >= 20
    for design, target in held:
        assert design not in stored["calibration_designs"].get(target, []), (design, target)


def test_nnls_recovers_a_non_negative_solution():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 1, (30, 6))
    x = np.array([0.0, 2.0, 0.5, 0.0, 3.0, 1.0])
    assert nnls(a, a @ x) == pytest.approx(x, abs=1e-8)


def test_nnls_keeps_costs_non_negative():
    # the unconstrained least-squares answer is (2, -1): the constrained one is (b.a0/|a0|^2, 0)
    a = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    b = a @ np.array([2.0, -1.0])
    x = nnls(a, b)
    assert x[1] == 0 and x[0] == pytest.approx(b.sum() / 3)


def _doc(**change):
    doc = json.loads(CALIBRATION.read_text())
    doc.update(change)
    return doc


def test_uncalibrated_part_is_refused_by_name():
    doc = _doc()
    doc["area_costs"]["ice40"]["luts"]["encoder"] = None
    cal = Calibration(doc)
    with pytest.raises(ValueError,
                       match="part 'encoder' has no calibration data on target 'ice40'"):
        cal.area("pair", SparqConfig(), "ice40", "luts")
    assert cal.area("pe", SparqConfig(datapath="int8"), "ice40", "luts") > 0


def test_foreign_calibration_format_is_refused():
    with pytest.raises(ValueError, match="calibration format must be"):
        Calibration(_doc(format="other/1"))


def test_uncalibrated_timing_feature_is_refused_by_name():
    doc = _doc()
    doc["period_ns"]["ice40-pnr"]["product"]["tree_levels"] = None
    cal = Calibration(doc)
    with pytest.raises(ValueError, match="timing feature 'tree_levels' has no calibration data"):
        cal.fmax("dotprod", SparqConfig(rows=2, cols=2, pairs=2), "ice40-pnr")
    assert cal.fmax("pe", SparqConfig(), "ice40-pnr") > 0


def test_period_is_the_slower_stage():
    doc = _doc()
    stages = doc["period_ns"]["asic-osu018"]
    stages["product"] = dict.fromkeys(stages["product"], 0.0) | {"const": 4.0}
    stages["accumulate"] = {"acc_const": 0.0, "acc_width": 0.2, "pair_add": 0.0}
    cal = Calibration(doc)
    pe = SparqConfig()                                   # 27-bit accumulator: 5.4 ns
    assert cal.fmax("pe", pe, "asic-osu018") == pytest.approx(1000 / 5.4)
    small = SparqConfig(max_k=2)                         # a narrower accumulator: 4 ns binds
    assert small.acc_width * 0.2 < 4.0
    assert cal.fmax("pe", small, "asic-osu018") == pytest.approx(1000 / 4.0)
    stages["accumulate"] = None                          # a target without the accumulate stage
    assert Calibration(doc).fmax("pe", pe, "asic-osu018") == pytest.approx(1000 / 4.0)


def test_fit_stages_recovers_a_maximum_of_two_linear_stages():
    rng = np.random.default_rng(3)
    first = np.column_stack([np.ones(40), rng.integers(1, 8, 40), rng.integers(0, 4, 40)])
    second = np.column_stack([np.ones(40), rng.integers(18, 30, 40)])
    p, q = np.array([1.0, 0.3, 0.6]), np.array([0.5, 0.14])
    period = np.maximum(first @ p, second @ q)
    binds = second @ q > first @ p
    assert 5 < binds.sum() < 35                          # both stages bind some designs
    p_fit, q_fit, on_second = fit_stages(first, second, period)
    assert p_fit == pytest.approx(p, rel=1e-6) and q_fit == pytest.approx(q, rel=1e-6)
    assert (on_second == binds).all()


def test_fit_stages_without_the_second_stage_is_the_linear_fit():
    rng = np.random.default_rng(4)
    first = np.column_stack([np.ones(20), rng.integers(1, 8, 20)])
    second = np.column_stack([np.ones(20), rng.integers(18, 30, 20)])
    period = first @ np.array([30.0, 2.0])               # far above any second-stage fit
    p, q, on_second = fit_stages(first, second, period)
    assert p == pytest.approx([30.0, 2.0]) and np.isnan(q).all() and not on_second.any()


def test_a_feature_only_the_other_stage_binds_is_a_lower_bound():
    from estimate.fit import _fit_period
    from estimate.parts import ACCUMULATE_FEATURES, TIMING_FEATURES
    rows = []
    for levels in range(1, 7):                           # PE-like: the product stage binds
        product = dict.fromkeys(TIMING_FEATURES, 0.0) | {"const": 1.0, "mul_levels": levels}
        acc = dict.fromkeys(ACCUMULATE_FEATURES, 0.0) | {"acc_const": 1.0, "acc_width": 4.0}
        rows.append((product, acc, 1000 / (2.0 + 0.5 * levels)))
    for width in (20, 24, 28):                           # split units: the accumulator binds
        product = dict.fromkeys(TIMING_FEATURES, 0.0) | {"const": 1.0, "mul_levels": 1.0,
                                                         "tree_levels_pipe": 1.0}
        acc = dict.fromkeys(ACCUMULATE_FEATURES, 0.0) | {"acc_const": 1.0, "acc_width": width}
        rows.append((product, acc, 1000 / (1.0 + 0.2 * width)))
    stages = _fit_period(rows)
    assert stages["product"]["const"] == pytest.approx(2.0)
    assert stages["accumulate"]["acc_width"] == pytest.approx(0.2)
    assert stages["product"]["tree_levels_pipe"] == 0.0
    assert stages["lower_bounds"] == ["tree_levels_pipe"]
    assert stages["product"]["stc"] is None              # no design has it: refused, not 0
    assert stages["binds_accumulate"] == [6, 7, 8]
