"""The throughput-per-area table and chart (synth/throughput.py) on synthetic results.

Expected figures are worked out by hand from the synthetic metrics below, never read back from
the code under test.
"""

import pytest

from synth.report import write_report
from synth.targets import TARGETS
from synth.throughput import chart, dsp_rows, dsp_section, throughput_rows, throughput_section


def _r(name, scale, variant, macs, target, **metrics):
    return {"design": {"name": name, "scale": scale, "variant": variant, "macs_per_cycle": macs},
            "target": target, "status": "ok", "metrics": metrics, "commands": [],
            "seconds": 1.0}


def _design(name, scale, variant, macs, *, tr, tr_ff, ice, ecp, xc, f_ice, f_ecp):
    return [_r(name, scale, variant, macs, "generic", transistors=tr, transistors_ff=tr_ff),
            _r(name, scale, variant, macs, "ice40", luts=ice),
            _r(name, scale, variant, macs, "ecp5-nodsp", luts=ecp),
            _r(name, scale, variant, macs, "xc7-nodsp", luts=xc),
            _r(name, scale, variant, macs, "ice40-pnr", fmax_mhz=f_ice),
            _r(name, scale, variant, macs, "ecp5-nodsp-pnr", fmax_mhz=f_ecp)]


def _results():
    out = _design("pe-int8", "pe", "int8", 2, tr=8000, tr_ff=10000, ice=400, ecp=500, xc=300,
                  f_ice=40.0, f_ecp=100.0)
    out += _design("pe-a4w8", "pe", "a4w8", 2, tr=4000, tr_ff=6000, ice=200, ecp=250, xc=150,
                   f_ice=50.0, f_ecp=150.0)
    out += _design("pe-sparq", "pe", "sparq-b4-o5-ne", 2, tr=5000, tr_ff=8000, ice=320,
                   ecp=400, xc=250, f_ice=48.0, f_ecp=120.0)
    out += _design("array-int8-2x2", "array2x2", "int8", 8, tr=40000, tr_ff=50000, ice=2000,
                   ecp=2500, xc=1500, f_ice=30.0, f_ecp=90.0)
    # An array of SPARQ without a routed ECP5 Fmax: its ECP5 and transistor rates are unknown.
    out += [r for r in _design("array-sparq-2x2", "array2x2", "sparq-b4-o5-ne", 8, tr=30000,
                               tr_ff=42000, ice=1600, ecp=1800, xc=1200, f_ice=24.0, f_ecp=1.0)
            if r["target"] != "ecp5-nodsp-pnr"]
    # An encoder (no MACs) and a failed run stay out of the table.
    out.append(_r("pair-sparq", "pair", "sparq-b4-o5-ne", 0, "generic", transistors=900,
                  transistors_ff=1000))
    out.append({**_r("pe-int8", "pe", "int8", 2, "xc7", luts=99), "status": "does-not-fit"})
    return out


def test_rows_figures_and_ratios():
    rows = {r["name"]: r for r in throughput_rows(_results())}
    assert list(rows) == ["pe-int8", "pe-a4w8", "pe-sparq", "array-int8-2x2", "array-sparq-2x2"]
    s = rows["pe-sparq"]
    assert (s["macs"], s["transistors"], s["transistors_ff"], s["ice40_luts"], s["ecp5_luts"],
            s["xc7_luts"], s["ice40_fmax"], s["ecp5_fmax"]) == (2, 5000, 8000, 320, 400, 250,
                                                                48.0, 120.0)
    # 2 MACs x 48 MHz / 0.32 kLUT4 = 300; int8: 2 x 40 / 0.4 = 200; a4w8: 2 x 50 / 0.2 = 500.
    assert s["ice40_per_klut"] == pytest.approx(300)
    assert s["ratios"]["ice40_per_klut"] == {"int8": pytest.approx(1.5), "a4w8": pytest.approx(0.6)}
    # ECP5: 2 x 120 / 0.4 = 600; int8 2 x 100 / 0.5 = 400; a4w8 2 x 150 / 0.25 = 1200.
    assert s["ecp5_per_klut"] == pytest.approx(600)
    assert s["ratios"]["ecp5_per_klut"] == {"int8": pytest.approx(1.5), "a4w8": pytest.approx(0.5)}
    # Transistors at the ECP5 clock: 2 x 120 / 0.5 = 480 per 10k; int8 2 x 100 / 0.8 = 250.
    assert s["per_10k_transistors"] == pytest.approx(480)
    assert s["ratios"]["per_10k_transistors"]["int8"] == pytest.approx(480 / 250)
    # With FFs: 2 x 120 / 0.8 = 300; a4w8 2 x 150 / 0.6 = 500.
    assert s["ratios"]["per_10k_transistors_ff"]["a4w8"] == pytest.approx(0.6)
    # The baselines against themselves.
    assert rows["pe-int8"]["ratios"]["ice40_per_klut"]["int8"] == pytest.approx(1.0)
    # Arrays compare with the array int8 of the same scale; no a4w8 array: no ratio.
    a = rows["array-sparq-2x2"]
    assert a["ice40_per_klut"] == pytest.approx(8 * 24 / 1.6)            # 120
    assert a["ratios"]["ice40_per_klut"] == {"int8": pytest.approx(120 / (8 * 30 / 2.0)),
                                             "a4w8": None}
    assert a["ecp5_fmax"] is None and a["ecp5_per_klut"] is None
    assert a["ratios"]["per_10k_transistors"]["int8"] is None


def test_section_text():
    lines = throughput_section(_results(), "throughput.png")
    text = "\n".join(lines)
    assert lines[0] == "## Headline: throughput per area"
    row = next(l for l in lines if l.startswith("| pe sparq-b4-o5-ne |"))
    assert "| 300 (1.50, 0.60) |" in row and "| 600 (1.50, 0.50) |" in row
    assert row.split(" | ")[1:4] == ["2", "5,000", "8,000"]
    assert "| array2x2 sparq-b4-o5-ne | 8 |" in text
    assert "pair" not in text.split("|---")[1]           # no encoder row
    assert "![throughput per area relative to int8](throughput.png)" in lines
    assert throughput_section([], None) == []


def _configs():
    # One-stage and split (-pipe) designs of one scale; iCE40 MMAC/s per 1k LUT4 worked out by hand
    # in the test below. a4w8 has no split design here.
    kw = dict(tr=5000, tr_ff=8000, ecp=400, xc=250, f_ecp=100.0)
    out = _design("pe-int8", "pe", "int8", 2, ice=400, f_ice=40.0, **kw)             # 200
    out += _design("pe-int8-pipe", "pe", "int8-pipe", 2, ice=500, f_ice=60.0, **kw)   # 240
    out += _design("pe-a4w8", "pe", "a4w8", 2, ice=200, f_ice=50.0, **kw)             # 500
    out += _design("pe-sparq", "pe", "sparq-b4-o5-ne", 2, ice=320, f_ice=48.0, **kw)  # 300
    out += _design("pe-sparq-pipe", "pe", "sparq-b4-o5-ne-pipe", 2, ice=400, f_ice=70.0,
                   **kw)                                                               # 350
    out += _design("pe-sparq-pipe-pack", "pe", "sparq-b4-o5-ne-pipe-pack", 2, ice=800,
                   f_ice=72.0, **kw)                                                   # 180
    return out


def test_split_variant():
    from synth.throughput import split_variant
    assert split_variant("sparq-b4-o5-ne") == ("sparq-b4-o5-ne", ())
    assert split_variant("int8-pipe") == ("int8", ("-pipe",))
    assert split_variant("sparq-b3-o6-tr-pipe-pack") == ("sparq-b3-o6-tr", ("-pipe", "-pack"))
    assert split_variant("sparq-b4-o5-ne-pack") == ("sparq-b4-o5-ne", ("-pack",))


def test_ratios_compare_like_with_like():
    rows = {r["name"]: r for r in throughput_rows(_configs())}
    # The split SPARQ design against the split int8 design, never the one-stage one:
    # 350 / 240, and no a4w8-pipe measured, so no a4w8 ratio (not 350 / 500).
    assert rows["pe-sparq-pipe"]["ratios"]["ice40_per_klut"] == {
        "int8": pytest.approx(350 / 240), "a4w8": None}
    assert rows["pe-sparq"]["ratios"]["ice40_per_klut"] == {
        "int8": pytest.approx(300 / 200), "a4w8": pytest.approx(300 / 500)}
    # The packed split design: against int8 with the same split (int8 has no packing).
    assert rows["pe-sparq-pipe-pack"]["ratios"]["ice40_per_klut"]["int8"] == pytest.approx(180 / 240)
    assert rows["pe-int8-pipe"]["ratios"]["ice40_per_klut"]["int8"] == pytest.approx(1.0)


def test_best_against_best():
    from synth.throughput import best_rows, best_section
    best = {(e["scale"], e["setting"]): e for e in best_rows(throughput_rows(_configs()))}
    assert list(best) == [("pe", "int8"), ("pe", "a4w8"), ("pe", "sparq-b4-o5-ne")]
    s = best[("pe", "sparq-b4-o5-ne")]
    assert s["ice40_per_klut"] == {"value": pytest.approx(350), "variant": "sparq-b4-o5-ne-pipe"}
    # Best SPARQ (350, split) over best int8 (240, split) and best a4w8 (500, one stage).
    assert s["ratios"]["ice40_per_klut"] == {"int8": pytest.approx(350 / 240),
                                             "a4w8": pytest.approx(0.7)}
    assert best[("pe", "int8")]["ice40_per_klut"]["variant"] == "int8-pipe"
    text = "\n".join(best_section(_configs()))
    row = next(l for l in text.splitlines() if l.startswith("| pe | sparq-b4-o5-ne |"))
    assert "| 350 [-pipe] (1.46, 0.70) |" in row
    row = next(l for l in text.splitlines() if l.startswith("| pe | a4w8 |"))
    assert "| 500 [one stage] (2.08, 1.00) |" in row
    assert best_section([]) == []


def test_report_json_carries_best_against_best(tmp_path):
    import json
    targets = [TARGETS[t] for t in ("generic", "ice40", "ecp5-nodsp", "xc7-nodsp", "ice40-pnr",
                                    "ecp5-nodsp-pnr")]
    write_report(_configs(), [], tmp_path, command="sparq-rtl synth", targets=targets,
                 versions={}, seed=1)
    best = json.loads((tmp_path / "report.json").read_text())["best_against_best"]
    s = best["pe"]["sparq-b4-o5-ne"]
    assert s["ice40_per_klut"]["variant"] == "sparq-b4-o5-ne-pipe"
    assert s["ratios"]["ice40_per_klut"]["int8"] == pytest.approx(350 / 240)


def test_dsp_rows():
    results = [_r("pe-int8", "pe", "int8", 2, "ecp5", luts=103, dsps=2),
               _r("pe-sparq", "pe", "sparq-b4-o5-ne", 2, "ecp5", luts=366, dsps=0),
               _r("array-int8-2x2", "array2x2", "int8", 8, "xc7", luts=500, dsps=8),
               _r("pe-int8", "pe", "int8", 2, "ice40-dsp", luts=150, dsps=1)]
    rows = {(r["name"], r["target"]): r for r in dsp_rows(results)}
    assert rows[("pe-int8", "ecp5")]["per_dsp"] == pytest.approx(1.0)
    assert rows[("pe-int8", "ecp5")]["per_klut"] == pytest.approx(2 / 0.103)
    assert rows[("pe-sparq", "ecp5")]["per_dsp"] is None
    assert rows[("array-int8-2x2", "xc7")]["per_dsp"] == pytest.approx(1.0)
    assert rows[("pe-int8", "ice40-dsp")]["per_dsp"] == pytest.approx(2.0)
    text = "\n".join(dsp_section(results))
    assert "| pe sparq-b4-o5-ne | ecp5 | 2 | 0 | 366 | - | 5.46 |" in text
    assert dsp_section(_results()[:6]) == []          # no DSP target run


def test_chart_is_written(tmp_path):
    path = chart(_results(), tmp_path / "t.png")
    assert path == tmp_path / "t.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    # Nothing to compare with int8: no chart, no file.
    only = [r for r in _results() if r["design"]["variant"] != "int8"]
    assert chart(only, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_report_carries_table_and_chart(tmp_path):
    targets = [TARGETS[t] for t in ("generic", "ice40", "ecp5-nodsp", "xc7-nodsp", "ice40-pnr",
                                    "ecp5-nodsp-pnr")]
    path = write_report(_results(), [], tmp_path, command="sparq-rtl synth", targets=targets,
                        versions={}, seed=1)
    text = path.read_text()
    assert "## Headline: throughput per area" in text
    assert text.index("## Headline: throughput per area") < text.index("## Area: SPARQ")
    assert (tmp_path / "throughput.png").read_bytes()[:4] == b"\x89PNG"
    # The chart in a section of its own, after the tables (which the docs copy without it).
    headline = text[text.index("## Headline"):text.index("## Best against best")]
    assert "throughput.png" not in headline
    assert ("## Throughput per area relative to int8 (chart)\n\n"
            "![throughput per area relative to int8](throughput.png)") in text
    # A later run with nothing to chart removes the stale chart.
    write_report(_results()[-2:], [], tmp_path, command="x", targets=targets, versions={}, seed=1)
    assert not (tmp_path / "throughput.png").exists()
