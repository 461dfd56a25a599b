"""The mapping probes (python -m estimate probe): four baseline products in the surroundings the
docs compare, and a clear error for a probe that does not exist."""

import re

import pytest

from estimate.mapping_probe import PROBES, probe_verilog


def _products(text):
    return re.findall(r"\$signed\(\{1'b0, a(\d)\}\) \* w(\d)", text)


def test_every_probe_has_four_products_of_its_operands():
    for name in PROBES:
        pairs = _products(probe_verilog(name))
        assert len(pairs) == 4, name
        expected = [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")] if name == "shared" else \
            [(str(i), str(i)) for i in range(4)]
        assert pairs == expected, name


def test_summed_probes_add_the_products_and_registered_ones_register_them():
    for name, (summed, registered, _) in PROBES.items():
        text = probe_verilog(name)
        assert ("t2 = t0 + t1" in text) == summed, name
        assert (text.count("<= $signed(") == 4) == registered, name


def test_unknown_probe_is_refused_by_name():
    with pytest.raises(ValueError, match=r"probe must be one of products, summed, "
                                         r"summed_registered, shared, not 'sumed'"):
        probe_verilog("sumed")
