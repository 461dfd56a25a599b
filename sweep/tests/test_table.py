"""The sweep's table and charts from records made by hand (no tools): every point a row, Fmax
over seeds, throughput per area by its formula, the Pareto front, the PNG written."""

import csv
from pathlib import Path

from sweep.charts import pareto, plot
from sweep.run import SweepRun
from sweep.spec import from_dict
from sweep.table import designs, rows, write

#: Made-up figures: (generic transistors, ice40 LUTs, Fmax seed 1, Fmax seed 2, accuracy, SQNR).
FIGURES = {"pe-sparq-b4-o5-ne-k1152": (5000, 300, 40.0, 44.0, 97.5, 36.0),
           "pe-int8-k1152": (7000, 400, 50.0, 50.0, 97.6, None),
           "pe-a4w8-k1152": (4000, 200, 60.0, 58.0, 96.0, 30.0)}


def _record(key, name, result, status="ok"):
    return {"key": key, "name": name, "status": status, "result": result,
            "error": None if status == "ok" else "boom", "log": ""}


def _run(tmp_path):
    sweep = from_dict({"hardware": {"options": [5]},
                       "synthesis": {"targets": ["generic", "ice40", "ice40-pnr"],
                                     "seeds": [1, 2]},
                       "evaluation": {"seeds": [0]}})
    run = SweepRun(sweep=sweep, out=tmp_path, versions={})
    n = iter(range(1000))

    def key():
        return f"{next(n):04x}"
    for d in sweep.designs:
        gk = run.generate_keys[d] = key()
        run.records[gk] = _record(gk, f"work/generate/{d}", {"info": {"scale": "pe",
                                                                       "macs_per_cycle": 2}})
        tr, luts, f1, f2, acc, sqnr = FIGURES[d]
        for target, seed, metrics in (("generic", None, {"transistors": tr}),
                                      ("ice40", None, {"luts": luts}),
                                      ("ice40-pnr", 1, {"fmax_mhz": f1}),
                                      ("ice40-pnr", 2, {"fmax_mhz": f2})):
            k = run.point_keys[(d, target, seed)] = key()
            run.records[k] = _record(k, f"synth/{d}/{target}", {"status": "ok",
                                                                 "metrics": metrics})
        setting = d.split("-k")[0][3:]
        ek = run.eval_keys[("digits", 0, setting)] = key()
        run.records[ek] = _record(ek, "eval", {"accuracy": acc, "accuracy_int8": 97.6,
                                               "sqnr_db": {"conv2": sqnr}, "sqnr_db_mean": sqnr,
                                               "zero_fraction": 0.45})
    return run


def test_rows_and_design_figures(tmp_path):
    run = _run(tmp_path)
    table = rows(run)
    assert len(table) == 3 * 4
    r = next(r for r in table if r["design"] == "pe-sparq-b4-o5-ne-k1152"
             and r["target"] == "ice40-pnr" and r["seed"] == 2)
    assert (r["fmax_mhz"], r["setting"], r["digits_accuracy_mean"], r["digits_sqnr_db_conv2"]) \
        == (44.0, "sparq-b4-o5-ne", 97.5, 36.0)
    d = {x["design"]: x for x in designs(run, table)}["pe-sparq-b4-o5-ne-k1152"]
    assert (d["ice40-pnr.fmax_mean"], d["ice40-pnr.fmax_min"], d["ice40-pnr.fmax_max"]) == \
        (42.0, 40.0, 44.0)
    # 2 MACs per cycle x 42 MHz / (300 LUTs / 1000) = 280 MMAC/s per kLUT; 40 MHz: 266.67.
    assert abs(d["ice40-pnr.mmacs_per_klut_mean"] - 280.0) < 1e-9
    assert abs(d["ice40-pnr.mmacs_per_klut_min"] - 800 / 3) < 1e-9
    assert d["generic.transistors"] == 5000


def test_pareto_front():
    pts = [(5000, 97.5), (7000, 97.6), (4000, 96.0), (6000, 97.0), (4500, 95.0)]
    # Smaller area is better: 4000 (96.0), 5000 (97.5), 7000 (97.6); 6000 and 4500 are beaten.
    assert pareto(pts, x_smaller_is_better=True) == [(4000, 96.0), (5000, 97.5), (7000, 97.6)]
    # Larger x is better: 7000 has the best y, nothing else beats it on y.
    assert pareto(pts, x_smaller_is_better=False) == [(7000, 97.6)]


def test_outputs_written(tmp_path):
    run = _run(tmp_path)
    chart = plot(run, designs(run, rows(run)), tmp_path / "pareto.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    paths = write(run, command="sparq-rtl sweep x.toml", chart=chart)
    with open(paths[0]) as f:
        table = list(csv.DictReader(f))
    assert len(table) == 12 and table[0]["design"] == "pe-sparq-b4-o5-ne-k1152"
    md = Path(paths[2]).read_text()
    assert md.startswith("# Sweep sweep\n") and "![Pareto fronts](pareto.png)" in md
    # One evaluation seed: the accuracy is one sample, said so, not "+- 0.00".
    assert "| pe-sparq-b4-o5-ne-k1152 | sparq-b4-o5-ne | 5,000 | 300 | 42.0 [40.0, 44.0] | " \
           "280.00 | 97.50 (one seed) | 36.00 |" in md
    assert "+- 0.00" not in md


def test_one_placement_seed_shows_no_spread(tmp_path):
    run = _run(tmp_path)
    run.sweep = from_dict({"hardware": {"options": [5]},
                           "synthesis": {"targets": ["generic", "ice40", "ice40-pnr"],
                                         "seeds": [1]},
                           "evaluation": {"seeds": [0]}})
    md = Path(write(run, command="c")[2]).read_text()
    assert "| 40.0 (one seed) |" in md and "[40.0, 40.0]" not in md


def _panel_axes(single):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sweep.charts import _panel
    fig, ax = plt.subplots()
    pts = [(5000, 97.5, "a", False, 0, 0, 0), (7000, 97.6, "b", False, 0, 0, 0),
           (4000, 96.0, "c", True, 0, 0, 0)]
    _panel(ax, pts, "x", "y", smaller_x=True, single=single)
    texts = [t.get_text() for t in ax.texts]
    lines = [line.get_label() for line in ax.lines]
    plt.close(fig)
    return texts, lines


def test_one_sample_draws_no_pareto_front_and_says_so():
    texts, lines = _panel_axes("one evaluation seed")
    assert "one evaluation seed: no spread, no Pareto front" in texts
    assert "Pareto front" not in lines
    texts, lines = _panel_axes("")
    assert "Pareto front" in lines and not any("no Pareto front" in t for t in texts)


def test_chart_panels_know_the_sample_counts(tmp_path, monkeypatch):
    from sweep import charts
    seen = []
    real = charts._panel
    monkeypatch.setattr(charts, "_panel", lambda *a, **k: seen.append(k["single"]) or real(*a, **k))
    run = _run(tmp_path)            # one evaluation seed, two placement seeds
    plot(run, designs(run, rows(run)), tmp_path / "pareto.png")
    assert seen and all(s == "one evaluation seed" for s in seen)


def test_no_chart_without_evaluation(tmp_path):
    run = _run(tmp_path)
    run.sweep = from_dict({"hardware": {"options": [5]}, "evaluation": {"networks": []}})
    assert plot(run, [], tmp_path / "p.png") is None


def test_energy_per_mac_is_estimated_at_the_networks_zero_fraction(tmp_path, monkeypatch):
    from estimate.model import estimate
    from sweep import charts
    run = _run(tmp_path)
    table = rows(run)
    for r in table:
        expect = estimate(r["design"], targets=("asic-osu018",), zeros=0.45)["pj_per_mac"]
        assert r["digits_zero_fraction_mean"] == 0.45 and r["digits_pj_per_mac_est"] == expect
    by = {d["design"]: d for d in designs(run, table)}
    assert by["pe-a4w8-k1152"]["digits_pj_per_mac_est"] < \
        by["pe-sparq-b4-o5-ne-k1152"]["digits_pj_per_mac_est"] < \
        by["pe-int8-k1152"]["digits_pj_per_mac_est"]
    # the chart has a column of energy panels (smaller is better)
    seen = []
    real = charts._panel
    monkeypatch.setattr(charts, "_panel", lambda ax, pts, xlabel, *a, **k:
                        seen.append((xlabel, k["smaller_x"], len(pts))) or
                        real(ax, pts, xlabel, *a, **k))
    plot(run, list(by.values()), tmp_path / "pareto.png")
    energy = [s for s in seen if s[0].startswith("pJ per MAC, estimated")]
    # accuracy of all three, SQNR of the two inexact ones (int8 has none)
    assert [(smaller, n) for _, smaller, n in energy] == [(True, 3), (True, 2)]
    # a stored evaluation from before the zero fraction was recorded: no energy, no column
    for key in run.eval_keys.values():
        del run.records[key]["result"]["zero_fraction"]
    assert all(r["digits_pj_per_mac_est"] is None for r in rows(run))
