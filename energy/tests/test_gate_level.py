"""End to end on the OSU 0.18 um cells (``make cells-osu018``): the int8 PE mapped, simulated at
gate level in both modes on the same operands (every tile checked against golden inside
:func:`energy.gatesim.simulate_pe`), priced; a small SPARQ dot-product unit likewise; the stall
check of the SPARQ PE with cell delays. Slow (minutes): ``make test-slow``."""

import pytest

from energy import workload
from energy.liberty import read_liberty
from energy.run import map_design, measure
from hdl.config import SparqConfig
from synth import cells

pytestmark = pytest.mark.slow


def test_specify_run_brackets_the_zero_delay_run(tmp_path):
    library = cells.osu018()
    lib = read_liberty(library.liberty)
    config = SparqConfig(datapath="int8")
    mapped = map_design("pe", config, library, tmp_path / "pe")
    work = workload.synthetic(config, pairs=256, k=64, zero_fraction=0.5)
    zero = measure(mapped, lib, library, work, tmp_path / "zd", mode="zero-delay")
    spec = measure(mapped, lib, library, work, tmp_path / "sp", mode="specify")
    assert zero["tiles_checked"] == spec["tiles_checked"] == 8
    assert zero["cycles"] == spec["cycles"]
    # The same functional transitions in both runs; cell delays can only add glitches. The clock
    # and leakage do not depend on the data.
    assert spec["energy"]["combinational_pj"] >= zero["energy"]["combinational_pj"]
    assert spec["energy"]["clock_pj"] == pytest.approx(zero["energy"]["clock_pj"], rel=1e-12)
    assert spec["energy"]["leakage_pj"] == pytest.approx(zero["energy"]["leakage_pj"], rel=1e-12)
    assert zero["pj_per_mac"] > 0


def test_dot_product_unit_runs_checked(tmp_path):
    # A 2x2 SPARQ unit taking one pair per cycle: every result row of 4 tiles is compared with
    # golden inside energy.dotprod_sim (a difference raises), then priced.
    library = cells.osu018()
    lib = read_liberty(library.liberty)
    config = SparqConfig(datapath="sparq", rows=2, cols=2, pairs=1)
    mapped = map_design("dotprod", config, library, tmp_path / "unit")
    busy = workload.synthetic(config, pairs=16, k=8, zero_fraction=0.0, rows=2, cols=2)
    record = measure(mapped, lib, library, busy, tmp_path / "zd", mode="zero-delay")
    assert record["tiles_checked"] == 4 and record["macs"] == 4 * 2 * 2 * 8
    assert record["energy"]["combinational_pj"] > 0 and record["energy"]["clock_pj"] > 0


def test_stall_check_of_the_sparq_pe_with_cell_delays(tmp_path):
    # The SPARQ PE (encoded operands, shifters, weight selects) on a longer stream with bubbles,
    # cell delays on: every staged net, the state and the valid pipeline as energy.stall says.
    from energy.model import PricingOptions
    from energy.run import stall_check
    library = cells.osu018()
    lib = read_liberty(library.liberty)
    config = SparqConfig(datapath="sparq")
    mapped = map_design("pe", config, library, tmp_path / "pe")
    work = workload.synthetic(config, pairs=256, k=64, zero_fraction=0.5, seed=3)
    record = stall_check(mapped, lib, library, work, tmp_path / "stall", stall=(0.4, 7),
                         mode="specify", options=PricingOptions(period_ns=20.0))
    k = record["check"]
    assert record["stall"]["bubbles"] > 100 and record["stalled"]["tiles_checked"] == 8
    assert k["valid_pipeline"] == ["p_valid", "valid_out"]
    assert 0 < k["staged_pj_per_mac"] < k["unstalled_data_pj_per_mac"]
