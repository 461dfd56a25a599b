"""The area chart of the synthesis report (report.png) on synthetic results: DSP targets in
panels of their own that say where int8's multipliers went, a dot-product unit row, baselines
labelled, the legend clear of the bars."""

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from synth.report import _index, chart_figure  # noqa: E402
from synth.targets import TARGETS  # noqa: E402


def _r(scale, variant, target, **metrics):
    return {"design": {"name": f"{scale}-{variant}", "scale": scale, "variant": variant,
                       "macs_per_cycle": 2},
            "target": target, "status": "ok", "metrics": metrics, "commands": [], "seconds": 1.0}


def _results():
    out = []
    # The PE: int8's multiplier goes into one DSP on ecp5; SPARQ's products stay in LUTs.
    for v, gen, ice, ecp_dsp, dsps in (("int8", 8000, 400, 60, 1), ("a4w8", 4000, 200, 150, 0),
                                       ("sparq-b4-o5-ne", 5000, 300, 240, 0),
                                       ("int8-pipe", 8500, 420, 70, 1)):
        out += [_r("pe", v, "generic", transistors=gen), _r("pe", v, "ice40", luts=ice),
                _r("pe", v, "ecp5", luts=ecp_dsp, dsps=dsps)]
    for v, ice in (("int8", 500), ("sparq-b4-o5-ne", 450)):
        out.append(_r("pe-stc", v, "ice40", luts=ice))
    for v, ice in (("int8", 3000), ("sparq-b4-o5-ne", 2600), ("sparq-b4-o5-ne-pack", 2400)):
        out.append(_r("dotprod2x2p2", v, "ice40", luts=ice))
    return out


@pytest.fixture
def figure():
    targets = [TARGETS[t] for t in ("generic", "ice40", "ecp5")]
    fig = chart_figure(_index(_results()), targets)
    fig.canvas.draw()
    yield fig
    plt.close(fig)


def _panels(fig):
    return {ax.get_title(): ax for ax in fig.axes if ax.get_title()}


def test_dsp_targets_have_their_own_panel_and_say_where_int8_went(figure):
    panels = _panels(figure)
    pe_plain = panels["pe, no DSP blocks: area relative to int8"]
    pe_dsp = panels["pe, DSP blocks allowed: area relative to int8 (LUTs only)"]
    assert [t.get_text().split("\n")[0] for t in pe_plain.get_xticklabels()] == ["generic", "ice40"]
    (tick,) = pe_dsp.get_xticklabels()
    assert tick.get_text() == "ecp5\n(LUT4 eq.)\nint8: 1 DSP"
    # The DSP panel's 4x bar (240 / 60) does not set the scale of the other panel.
    assert pe_plain.get_ylim()[1] < 2 < pe_dsp.get_ylim()[1]
    # int8-pipe took a DSP too: written on its bar.
    assert "1 DSP" in [t.get_text() for t in pe_dsp.texts]


def test_dot_product_unit_and_2to4_rows(figure):
    panels = _panels(figure)
    assert "dotprod2x2p2, no DSP blocks: area relative to int8" in panels
    stc = panels["pe-stc, no DSP blocks: area relative to int8-stc (2:4)"]
    assert stc.get_ylabel() == "area / int8-stc (2:4)"


def test_baselines_are_labelled_and_the_legend_covers_no_bar(figure):
    renderer = figure.canvas.get_renderer()
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    assert legends
    labels = {t.get_text() for legend in legends for t in legend.get_texts()}
    assert {"a4w8 (baseline)", "int8-pipe (baseline)", "sparq-b4-o5-ne",
            "sparq-b4-o5-ne-pack"} <= labels
    boxes = [legend.get_window_extent(renderer) for legend in legends]
    bars = [patch.get_window_extent(renderer) for ax in figure.axes for patch in ax.patches
            if patch.get_height() > 0]
    assert bars and not any(box.overlaps(bar) for box in boxes for bar in bars)
