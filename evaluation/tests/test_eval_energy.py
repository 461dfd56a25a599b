"""The estimated energy per inference of the evaluation's reports (evaluation.costs)."""

import pytest

from estimate.model import estimate
from evaluation.costs import ENERGY_DESIGNS, energy_table, inference_energy

COSTS = [{"name": "a", "M": 196, "O": 16, "K": 144, "macs": 196 * 16 * 144},
         {"name": "b", "M": 16, "O": 64, "K": 576, "macs": 16 * 64 * 576}]


def test_each_layer_is_its_macs_times_the_estimated_energy_per_mac_at_its_zeros():
    zeros = {"a": 0.37, "b": 0.54}
    energy = inference_energy(COSTS, zeros)
    assert set(energy) == {"int8", "a4w8", "sparq"}
    for datapath, design in (("int8", "array-int8-8x8-k1152"), ("a4w8", "array-a4w8-8x8-k1152"),
                             ("sparq", "array-sparq-b4-o5-ne-8x8-k1152")):
        assert ENERGY_DESIGNS[datapath].format(rows=8, cols=8, max_k=1152) == design
        for c, pj in zip(COSTS, energy[datapath]):
            per_mac = estimate(design, targets=("asic-osu018",), zeros=zeros[c["name"]])
            assert pj == pytest.approx(per_mac["pj_per_mac"] * c["macs"])
    # more zeros, less switching: every datapath spends less on the sparser input
    more = inference_energy(COSTS, {"a": 0.6, "b": 0.54})
    assert all(more[d][0] < energy[d][0] for d in energy)


def test_table_totals_ratios_and_a_fraction_outside_the_model():
    zeros = {"a": 0.37, "b": 0.54}
    energy = inference_energy(COSTS, zeros)
    text = energy_table(COSTS, zeros)
    totals = {d: sum(v) for d, v in energy.items()}
    assert (f"| total | | {totals['int8'] / 1e6:.2f} | {totals['a4w8'] / 1e6:.2f} | "
            f"{totals['sparq'] / 1e6:.2f} |") in text
    assert f"SPARQ / int8 {totals['sparq'] / totals['int8']:.3f}" in text
    assert f"| `a` | 37.0 % | {energy['int8'][0] / 1e6:.2f} |" in text
    # the energy model covers zero fractions 0 to 0.9: beyond, n/a, not an extrapolation
    out = energy_table(COSTS, {"a": 0.95, "b": 0.54})
    assert "| `a` | 95.0 % | n/a | n/a | n/a |" in out and "| total | | n/a | n/a | n/a |" in out
    assert "SPARQ / int8" not in out
