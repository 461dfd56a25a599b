"""The combined Markdown report and PNG chart of a set of results (see :mod:`synth.flow`)."""

import json
from collections import defaultdict
from pathlib import Path

from golden.tags import EXACT_SETTINGS, NAIVE_WIDTHS
from hdl.blocks import BLOCK_TABLE

from .asic_report import asic_section
from .designs import VARIANTS
from .throughput import (best_section, chart as throughput_chart, dsp_section, like_baseline,
                         throughput_section)

__all__ = ["write_report", "goal_rows", "GOALS", "chart_figure"]

def _scales(idx):
    # "pe" first (and the 2:4 "pe-stc" when present), then the array sizes present, smallest
    # first (array2x2, array2x2-stc, array4x4, ...).
    present = {k[0] for k in idx if k[0]}
    arrays = sorted({s for s in present if s.startswith("array")},
                    key=lambda s: (tuple(int(n) for n in s[5:].split("-")[0].split("x")),
                                   s.endswith("-stc")))
    return ["pe"] + (["pe-stc"] if "pe-stc" in present else []) + arrays
ENCODERS = tuple(b.name for b in BLOCK_TABLE.values() if b.sparq_only)
#: Every exact setting (int8 and the naive baselines of golden.tags).
BASELINES = EXACT_SETTINGS


def _naive_of(variant):
    # The naive baseline of a SPARQ variant's window width: sparq-b3-o6-ne -> a3w8.
    bits = int(variant.split('-')[1][1:])
    return next(kind for kind, width in NAIVE_WIDTHS.items() if width == bits)

#: The issue's goals, per PE at equal pair throughput: (what, target, figure, variant, against,
#: bound, sense). sense "max": ratio <= bound; "min": ratio >= bound (Fmax).
GOALS = (
    ("transistors, 5opt / int8", "generic", "transistors", "sparq-b4-o5-ne", "int8", 0.75, "max"),
    ("transistors, 3opt / int8", "generic", "transistors", "sparq-b4-o3-ne", "int8", 0.70, "max"),
    ("transistors, 2opt / int8", "generic", "transistors", "sparq-b4-o2-ne", "int8", 0.65, "max"),
    ("iCE40 LUT4, 5opt / int8", "ice40", "luts", "sparq-b4-o5-ne", "int8", 0.75, "max"),
    ("iCE40 LUT4, 3opt / int8", "ice40", "luts", "sparq-b4-o3-ne", "int8", 0.65, "max"),
    ("iCE40 LUT4, 2opt / int8", "ice40", "luts", "sparq-b4-o2-ne", "int8", 0.60, "max"),
    ("transistors, 5opt / a4w8", "generic", "transistors", "sparq-b4-o5-ne", "a4w8", 1.15, "max"),
    ("iCE40 LUT4, 5opt / a4w8", "ice40", "luts", "sparq-b4-o5-ne", "a4w8", 1.15, "max"),
    ("iCE40 Fmax, 5opt / int8", "ice40-pnr", "fmax_mhz", "sparq-b4-o5-ne", "int8", 1.0, "min"),
    ("ECP5 Fmax, 5opt / int8", "ecp5-nodsp-pnr", "fmax_mhz", "sparq-b4-o5-ne", "int8", 1.0, "min"),
    ("ECP5 (DSP) Fmax, 5opt / int8", "ecp5-pnr", "fmax_mhz", "sparq-b4-o5-ne", "int8", 1.0, "min"),
    # The split multiply stage (-pipe) against int8 as it is and against int8 split the same way.
    ("iCE40 Fmax, 5opt-pipe / int8", "ice40-pnr", "fmax_mhz", "sparq-b4-o5-ne-pipe", "int8", 1.0,
     "min"),
    ("ECP5 Fmax, 5opt-pipe / int8", "ecp5-nodsp-pnr", "fmax_mhz", "sparq-b4-o5-ne-pipe", "int8",
     1.0, "min"),
    ("iCE40 Fmax, 5opt-pipe / int8-pipe", "ice40-pnr", "fmax_mhz", "sparq-b4-o5-ne-pipe",
     "int8-pipe", 1.0, "min"),
    ("ECP5 Fmax, 5opt-pipe / int8-pipe", "ecp5-nodsp-pnr", "fmax_mhz", "sparq-b4-o5-ne-pipe",
     "int8-pipe", 1.0, "min"),
)


def _index(results):
    # {(scale, variant, target): result} for the compared blocks.
    idx = {}
    for r in results:
        d = r["design"]
        idx[(d.get("scale"), d.get("variant"), r["target"])] = r
    return idx


def _figure(r, metric):
    if r is None or r.get("status") != "ok":
        return None
    return r["metrics"].get(metric)


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    return f"{value:,}"


def _ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def goal_rows(results, scale="pe"):
    """``[(label, ratio or None, bound, sense, met or None, detail)]`` for :data:`GOALS`."""
    idx = _index(results)
    rows = []
    for label, target, metric, variant, against, bound, sense in GOALS:
        a = _figure(idx.get((scale, variant, target)), metric)
        b = _figure(idx.get((scale, against, target)), metric)
        ratio = _ratio(a, b)
        met = None if ratio is None else (ratio <= bound if sense == "max" else ratio >= bound)
        rows.append((label, ratio, bound, sense, met, f"{_fmt(a)} / {_fmt(b)}"))
    return rows


def _variants_present(idx, scale):
    # The datapaths, then the same with the split multiply stage (-pipe).
    known = VARIANTS + tuple(f"{v}-pipe" for v in VARIANTS)
    return [v for v in known if any(k[0] == scale and k[1] == v for k in idx)]


def _rows(targets):
    for t in targets:
        yield t, t.primary, t.primary_label
        for metric, label in t.also:
            yield t, metric, label


def _headline(idx, targets):
    out = ["## Area: SPARQ against int8 and the naive baseline at equal pair throughput", "",
           "Each PE takes one activation pair and one weight pair per cycle in every datapath, so "
           "the designs of one row compare at equal throughput. A SPARQ cell reads "
           "`value (value / int8, value / aNw8)`, aNw8 the naive baseline of the same activation "
           "width as the window (a4w8 for 4-bit windows, a3w8 for 3-bit, a2w8 for 2-bit), each "
           "with the same multiply stages (a `-pipe` design against `int8-pipe`, `a4w8-pipe`): below "
           "1 is smaller for area figures; for Fmax above 1 is faster. Arrays include the "
           "per-row pair encoders of SPARQ.", ""]
    for scale in _scales(idx):
        variants = _variants_present(idx, scale)
        sparq = [v for v in variants if v.startswith("sparq")]
        if not sparq:
            continue
        # int8 and a4w8 always (the 4-bit comparison), the narrower baselines and the baselines
        # with the split stage when measured.
        bases = [b for b in BASELINES if b in ("int8", "a4w8") or b in variants]
        bases += [f"{b}-pipe" for b in BASELINES if f"{b}-pipe" in variants]
        out += [f"### {scale}", "",
                "| target | figure | " + " | ".join(bases + sparq) + " |",
                "|---|---|" + "---:|" * (len(bases) + len(sparq))]
        for t, metric, label in _rows(targets):
            base = {b: _figure(idx.get((scale, b, t.name)), metric)
                    for b in (*BASELINES, *(f"{b}-pipe" for b in BASELINES))}
            cells = []
            for v in sparq:
                a = _figure(idx.get((scale, v, t.name)), metric)
                # Like with like, as in the throughput table: a design with the split stage
                # against the baselines split the same way (no ratio when not measured).
                r8 = _ratio(a, base.get(like_baseline(v, "int8")))
                rn = _ratio(a, base.get(like_baseline(v, _naive_of(v))))
                rs = ", ".join("-" if r is None else f"{r:.2f}" for r in (r8, rn))
                cells.append("-" if a is None else f"{_fmt(a)} ({rs})")
            if all(c == "-" for c in cells) and all(v is None for v in base.values()):
                continue
            out.append(f"| {t.name} | {label} | "
                       + " | ".join(_fmt(base[b]) for b in bases) + " | "
                       + " | ".join(cells) + " |")
        out.append("")
    for scale in ENCODERS:
        variants = _variants_present(idx, scale)
        if not variants:
            continue
        out += [f"### {scale} (encoder alone; one per array row)", "",
                "| target | figure | " + " | ".join(variants) + " |",
                "|---|---|" + "---:|" * len(variants)]
        for t, metric, label in _rows(targets):
            vals = [_figure(idx.get((scale, v, t.name)), metric) for v in variants]
            if any(v is not None for v in vals):
                out.append(f"| {t.name} | {label} | "
                           + " | ".join(_fmt(v) for v in vals) + " |")
        out.append("")
    return out


def _efficiency(idx, targets):
    out = ["## Efficiency at the achieved Fmax", "",
           "MMAC/s per 1,000 LUTs = MACs per cycle (2 per PE) x Fmax / (LUTs of the design alone "
           "/ 1,000), with the LUT count of the matching synthesis target (iCE40: LUT4; ECP5: LUT4 "
           "+ 2 per CCU2C). Per 10,000 transistors: MACs per cycle / (transistors / 10,000), "
           "clock-free.", ""]
    rows = []
    if not any(_variants_present(idx, s) for s in _scales(idx)):
        return []
    for scale in _scales(idx):
        for v in _variants_present(idx, scale):
            gen = _figure(idx.get((scale, v, "generic")), "transistors")
            line = [scale, v]
            any_r = next((r for k, r in idx.items() if k[0] == scale and k[1] == v), None)
            macs = any_r["design"].get("macs_per_cycle") if any_r else None
            line.append(_fmt(macs))
            line.append("-" if gen is None or not macs else f"{macs / (gen / 1e4):.2f}")
            for t in targets:
                if not t.pnr:
                    continue
                f = _figure(idx.get((scale, v, t.name)), "fmax_mhz")
                luts = _figure(idx.get((scale, v, t.area_target)), "luts")
                val = None if None in (f, luts, macs) or not luts else macs * f / (luts / 1e3)
                line.append(f"{_fmt(f)} / {'-' if val is None else f'{val:,.0f}'}")
            rows.append(line)
    pnr = [t for t in targets if t.pnr]
    out += ["| design | variant | MACs/cycle | per 10k transistors | "
            + " | ".join(f"{t.name}: Fmax / MMAC/s per kLUT" for t in pnr) + " |",
            "|---|---|---:|---:|" + "---:|" * len(pnr)]
    out += ["| " + " | ".join(line) + " |" for line in rows]
    return out + [""]


def _goals(results):
    rows = goal_rows(results)
    if all(r[1] is None for r in rows):
        return []
    out = ["## Goals (per PE)", "",
           "| goal | measured | bound | met | figures |", "|---|---:|---:|---|---|"]
    for label, ratio, bound, sense, met, detail in rows:
        rel = "<=" if sense == "max" else ">="
        shown = "-" if ratio is None else f"{ratio:.3f}"
        verdict = "-" if met is None else ("yes" if met else
                                           f"**no** (by {abs(ratio - bound) / bound:.1%})")
        out.append(f"| {label} | {shown} | {rel} {bound:.2f} | {verdict} | {detail} |")
    return out + [""]


def _all_figures(results, targets):
    out = ["## All figures", ""]
    by_target = defaultdict(list)
    for r in results:
        by_target[r["target"]].append(r)
    for t in targets:
        rs = by_target.get(t.name)
        if not rs:
            continue
        keys = []
        for r in rs:
            for k in r["metrics"]:
                if k not in keys:
                    keys.append(k)
        extra = ["device", "seed"] if t.pnr else []
        out += [f"### {t.name}: {t.description}", "",
                "| design | status | " + " | ".join(keys + extra) + " | s |",
                "|---|---|" + "---:|" * len(keys) + "---|" * len(extra) + "---:|"]
        for r in rs:
            vals = [_fmt(r["metrics"].get(k)) for k in keys]
            vals += [str(r.get(x, "-")) for x in extra]
            out.append(f"| {r['design']['name']} | {r['status']} | " + " | ".join(vals)
                       + f" | {r['seconds']} |")
        out.append("")
    return out


def _commands(results):
    out = ["## Commands", "",
           "Every run, in its folder under `work/` (the Yosys script is `synth.ys` there and in the "
           "run's JSON file):", "", "```"]
    for r in results:
        out.append(f"# {r['design']['name']} / {r['target']}")
        out += r["commands"]
    return out + ["```", ""]


def _uses_dsps(target):
    # A target that may map multipliers into DSP blocks (it reports ``dsps``).
    return any(metric == "dsps" for metric, _ in target.also)


def _chart_scales(idx):
    # The compared scales of the tables, then the dot-product units (dotprod2x2p2, ...).
    present = {k[0] for k in idx if k[0]}
    return _scales(idx) + sorted(s for s in present if s.startswith("dotprod"))


def _chart_variants(idx, scale):
    # The datapaths, then with the split stage (-pipe), packed products (-pack) or both.
    known = tuple(f"{v}{x}" for x in ("", "-pipe", "-pack", "-pipe-pack") for v in VARIANTS)
    return [v for v in known if any(k[0] == scale and k[1] == v for k in idx)]


def _bar_label(variant, scale):
    # Baselines say so, and a 2:4 scale's baselines are the 2:4 designs (int8-stc, ...).
    if variant.startswith("sparq"):
        return variant
    return f"{variant}{'-stc' if scale.endswith('-stc') else ''} (baseline)"


def _chart(idx, targets, path):
    """Write :func:`chart_figure` to ``path``; returns ``path``, or None without a chart."""
    import matplotlib.pyplot as plt
    fig = chart_figure(idx, targets)
    if fig is None:
        return None
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def chart_figure(idx, targets):
    """The figure of ``report.png`` (None when nothing compares): area relative to int8 per
    compared scale (PE, 2:4 PE, arrays, dot-product units), one row each; in it one panel of the
    targets without DSP blocks and one of the targets that may put multipliers into DSP blocks,
    where a LUT ratio says little once int8's multipliers left the LUTs (the tick label says how
    many DSPs int8 took; a bar's own DSPs are written on it). Baselines are hatched and labelled
    as such; the legend sits beside the row. ``idx``: :func:`_index` of the results."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    area_targets = [t for t in targets if not t.pnr]
    groups = [(kind, ts) for kind, ts in (
        ("no DSP blocks", [t for t in area_targets if not _uses_dsps(t)]),
        ("DSP blocks allowed", [t for t in area_targets if _uses_dsps(t)])) if ts]
    # A panel needs the int8 baseline and something to compare with it.
    scales = [s for s in _chart_scales(idx)
              if "int8" in _chart_variants(idx, s) and len(_chart_variants(idx, s)) > 1]
    if not scales or not groups:
        return None
    widths = [max(3.0, 1.6 * len(ts)) for _, ts in groups]
    fig, axes = plt.subplots(len(scales), len(groups), figsize=(sum(widths) + 3.2, 3.6 * len(scales)),
                             squeeze=False, gridspec_kw={"width_ratios": widths})
    for row, scale in enumerate(scales):
        variants = [v for v in _chart_variants(idx, scale) if v != "int8"]
        width = 0.8 / max(1, len(variants))
        reference = "int8-stc (2:4)" if scale.endswith("-stc") else "int8"
        for col, (kind, group) in enumerate(groups):
            ax = axes[row][col]
            for i, v in enumerate(variants):
                ratios, dsps = [], []
                for t in group:
                    a = _figure(idx.get((scale, v, t.name)), t.primary)
                    b = _figure(idx.get((scale, "int8", t.name)), t.primary)
                    r = _ratio(a, b)
                    ratios.append(0 if r is None else r)
                    dsps.append(_figure(idx.get((scale, v, t.name)), "dsps") or 0)
                xs = [j + (i - (len(variants) - 1) / 2) * width for j in range(len(group))]
                base = not v.startswith("sparq")
                bars = ax.bar(xs, ratios, width, label=_bar_label(v, scale),
                              hatch="//" if base else None, edgecolor="white" if base else None)
                for bar, n in zip(bars, dsps):
                    if n:
                        ax.annotate(f"{n} DSP", (bar.get_x() + bar.get_width() / 2,
                                                 bar.get_height()),
                                    ha="center", va="bottom", fontsize=6, rotation=90)
            ax.axhline(1.0, color="black", linewidth=0.8)
            if not any(_ratio(_figure(idx.get((scale, v, t.name)), t.primary),
                              _figure(idx.get((scale, "int8", t.name)), t.primary)) is not None
                       for v in variants for t in group):
                ax.text(0.5, 0.5, "not run on these targets", transform=ax.transAxes,
                        ha="center", fontsize=8, color="#888888")
            ticks = []
            for t in group:
                tick = f"{t.name}\n({t.primary_label})"
                n8 = _figure(idx.get((scale, "int8", t.name)), "dsps")
                if _uses_dsps(t):
                    tick += (f"\nint8: {n8} DSP" if n8 else "\nint8: no DSP") if n8 is not None \
                        else "\nint8: -"
                ticks.append(tick)
            ax.set_xticks(range(len(group)))
            ax.set_xticklabels(ticks, fontsize=7)
            ax.set_ylabel(f"area / {reference}", fontsize=8)
            ax.set_title(f"{scale}, {kind}: area relative to {reference}"
                         + (" (LUTs only)" if kind != "no DSP blocks" else ""), fontsize=9)
            ax.margins(y=0.15)
        # The legend beside the last panel of the row, where it covers no bar.
        axes[row][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                             borderaxespad=0)
    fig.tight_layout()
    return fig


def _best_json(results):
    from .throughput import best_rows, throughput_rows
    out = {}
    for row in best_rows(throughput_rows(results)):
        out.setdefault(row["scale"], {})[row["setting"]] = {
            k: v for k, v in row.items() if k not in ("scale", "setting")}
    return out


def write_report(results, failures, out, *, command, targets, versions, seed, missing=(),
                 stem="report"):
    """Write ``out/<stem>.md``, ``out/<stem>.png`` (area relative to int8), ``out/<stem>.json``
    and the throughput chart (:mod:`synth.throughput`; ``out/throughput.png`` for the default
    stem ``report``, else ``out/<stem>-throughput.png``); return the Markdown path.

    With failures, or runs ``missing`` after an interrupt (``"design / target"`` strings), the
    report says INCOMPLETE in its title line and lists them first.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tp_name = "throughput.png" if stem == "report" else f"{stem}-throughput.png"
    ok = [r for r in results if r is not None]
    idx = _index(ok)
    why = []
    if missing:
        why.append(f"interrupted, {len(missing)} runs missing")
    if failures:
        why.append("some runs failed")
    title = "# Synthesis report" + (f" (INCOMPLETE: {'; '.join(why)})" if why else "")
    lines = [title, "", f"Command: `{command}`", ""]
    for tool, v in versions.items():
        lines.append(f"- {tool}: {v['version']} (`{v['package']}`)")
    lines += [f"- place-and-route seed: {seed}", ""]
    if missing:
        lines += ["## Missing runs (interrupted before they finished)", ""]
        lines += [f"- {m}" for m in missing]
        lines.append("")
    if failures:
        lines += ["## Failed runs", ""]
        lines += [f"- {f}" for f in failures]
        lines.append("")
    # The headline: throughput per area (synth/throughput.py), its chart, and the DSP table.
    tp_chart = throughput_chart(ok, out / tp_name)
    if tp_chart is None and (out / tp_name).exists():
        (out / tp_name).unlink()   # a chart of an earlier run would not match this report
    lines += throughput_section(ok)
    lines += best_section(ok)
    if tp_chart:
        # A section of its own, so that the tables above can be copied into the docs (make
        # figures) without a link to a file beside the report.
        lines += ["## Throughput per area relative to int8 (chart)", "",
                  f"![throughput per area relative to int8]({tp_name})", ""]
    lines += dsp_section(ok)
    lines += asic_section(ok)
    lines += _headline(idx, targets)
    lines += _goals(ok)
    if any(t.pnr for t in targets):
        lines += _efficiency(idx, targets)
    chart = _chart(idx, targets, out / f"{stem}.png")
    if chart is None and (out / f"{stem}.png").exists():
        (out / f"{stem}.png").unlink()   # a chart of an earlier run would not match this report
    if chart is not None:
        lines += [f"![area relative to int8]({stem}.png)", "",
                  "Left: targets without DSP blocks. Right (when run): targets that may put "
                  "multipliers into DSP blocks, LUTs only; where int8's multipliers went into DSP "
                  "blocks (the count under each target) its LUT count leaves them out, so a ratio "
                  "above 1 there does not mean SPARQ is larger. Hatched bars are baselines; on "
                  "2:4 rows everything is relative to the 2:4 int8 design.", ""]
    lines += _all_figures(ok, targets)
    lines += _commands(ok)
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines) + "\n")
    (out / f"{stem}.json").write_text(json.dumps(
        {"complete": not failures and not missing, "command": command, "versions": versions, "seed": seed,
         "results": [f"json/{r['design']['name']}.{r['target']}.json" for r in ok],
         "failed": [str(f) for f in failures], "missing": list(missing),
         # Best against best (synth.throughput.best_rows), {scale: {setting: row}}: what the
         # README quotes, so docs/figures.toml can tie the quotes to this file.
         "best_against_best": _best_json(ok)}, indent=1) + "\n")
    return path
