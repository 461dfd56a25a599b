"""Estimates of area, Fmax and energy per MAC without running a tool (``sparq-rtl estimate``).

Every block is a composition of parts (:mod:`estimate.parts`) whose counts follow from its
configuration; each part's cost per target is fitted by least squares on a calibration set of
small designs measured by the real flows (:mod:`estimate.fit`), stored with the tool versions in
``estimate/data/calibration.json``. :mod:`estimate.model` applies it; :mod:`estimate.report`
compares predictions with the real flows on the calibration set and on held-out larger designs.
"""
