"""The combined Markdown report and PNG chart of a set of results (see :mod:`synth.flow`)."""

import json
from collections import defaultdict
from pathlib import Path

from .designs import VARIANTS
from .throughput import best_section, chart as throughput_chart, dsp_section, throughput_section

__all__ = ["write_report", "goal_rows", "GOALS"]

def _scales(idx):
    # "pe" first (and the 2:4 "pe-stc" when present), then the array sizes present, smallest
    # first (array2x2, array2x2-stc, array4x4, ...).
    present = {k[0] for k in idx if k[0]}
    arrays = sorted({s for s in present if s.startswith("array")},
                    key=lambda s: (tuple(int(n) for n in s[5:].split("-")[0].split("x")),
                                   s.endswith("-stc")))
    return ["pe"] + (["pe-stc"] if "pe-stc" in present else []) + arrays
ENCODERS = ("window", "pair")
BASELINES = ("int8", "a4w8", "a3w8", "a2w8")


def _naive_of(variant):
    # The naive baseline of a SPARQ variant's window width: sparq-b3-o6-ne -> a3w8.
    return f"a{variant.split('-')[1][1:]}w8"

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
            base = {b: _figure(idx.get((scale, b, t.name)), metric) for b in bases}
            base.update({b: _figure(idx.get((scale, b, t.name)), metric) for b in BASELINES})
            cells = []
            for v in sparq:
                a = _figure(idx.get((scale, v, t.name)), metric)
                # Like with like: a design with the split stage against the baselines split the
                # same way (no ratio when that baseline was not measured).
                like = "-pipe" if v.endswith("-pipe") else ""
                r8 = _ratio(a, base.get("int8" + like))
                rn = _ratio(a, base.get(_naive_of(v) + like))
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


def _chart(idx, targets, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    area_targets = [t for t in targets if not t.pnr]
    # A panel needs the int8 baseline and something to compare with it.
    scales = [s for s in _scales(idx)
              if "int8" in _variants_present(idx, s) and len(_variants_present(idx, s)) > 1]
    if not scales or not area_targets:
        return None
    fig, axes = plt.subplots(len(scales), 1, figsize=(11, 3.4 * len(scales)), squeeze=False)
    for ax, scale in zip(axes[:, 0], scales):
        variants = [v for v in _variants_present(idx, scale) if v != "int8"]
        width = 0.8 / max(1, len(variants))
        for i, v in enumerate(variants):
            ratios = []
            for t in area_targets:
                a = _figure(idx.get((scale, v, t.name)), t.primary)
                b = _figure(idx.get((scale, "int8", t.name)), t.primary)
                r = _ratio(a, b)
                ratios.append(0 if r is None else r)
            xs = [j + (i - (len(variants) - 1) / 2) * width for j in range(len(area_targets))]
            ax.bar(xs, ratios, width, label=v)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks(range(len(area_targets)))
        ax.set_xticklabels([f"{t.name}\n({t.primary_label})" for t in area_targets], fontsize=8)
        ax.set_ylabel("area / int8")
        ax.set_title(f"{scale}: area relative to int8 (equal pair throughput)")
        ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(results, failures, out, *, command, targets, versions, seed, missing=()):
    """Write ``out/report.md``, ``out/report.png`` (area relative to int8) and
    ``out/throughput.png`` (:mod:`synth.throughput`); return the Markdown path.

    With failures, or runs ``missing`` after an interrupt (``"design / target"`` strings), the
    report says INCOMPLETE in its title line and lists them first.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
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
    tp_chart = throughput_chart(ok, out / "throughput.png")
    if tp_chart is None and (out / "throughput.png").exists():
        (out / "throughput.png").unlink()   # a chart of an earlier run would not match this report
    lines += throughput_section(ok, "throughput.png" if tp_chart else None)
    lines += best_section(ok)
    lines += dsp_section(ok)
    lines += _headline(idx, targets)
    lines += _goals(ok)
    if any(t.pnr for t in targets):
        lines += _efficiency(idx, targets)
    chart = _chart(idx, targets, out / "report.png")
    if chart is None and (out / "report.png").exists():
        (out / "report.png").unlink()   # a chart of an earlier run would not match this report
    if chart is not None:
        lines += ["![area relative to int8](report.png)", ""]
    lines += _all_figures(ok, targets)
    lines += _commands(ok)
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    (out / "report.json").write_text(json.dumps(
        {"complete": not failures and not missing, "command": command, "versions": versions, "seed": seed,
         "results": [f"json/{r['design']['name']}.{r['target']}.json" for r in ok],
         "failed": [str(f) for f in failures], "missing": list(missing)}, indent=1) + "\n")
    return path
