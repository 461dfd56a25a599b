"""The stored calibration: reproducible from the stored measured set, and the estimator refuses
what it was not calibrated for."""

import json

import numpy as np
import pytest

from estimate.fit import CALIBRATION, MEASURED, fit, nnls
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
    for target, coef in stored["period_ns"].items():
        for feature, cost in coef.items():
            new = again["period_ns"][target][feature]
            assert (cost is None) == (new is None)
            if cost is not None:
                assert new == pytest.approx(cost, rel=1e-6), (target, feature)


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
    doc["period_ns"]["ice40-pnr"]["tree_levels"] = None
    cal = Calibration(doc)
    with pytest.raises(ValueError, match="timing feature 'tree_levels' has no calibration data"):
        cal.fmax("dotprod", SparqConfig(rows=2, cols=2, pairs=2), "ice40-pnr")
    assert cal.fmax("pe", SparqConfig(), "ice40-pnr") > 0
