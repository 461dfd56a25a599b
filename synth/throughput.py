"""Throughput per area, the headline of ``sparq-rtl synth``: one table and one chart.

For every design that multiplies (a block with an entry in
:data:`synth.designs.MACS_PER_CYCLE`: the PE, the array, and any block added there later) and every
datapath present in a run, from the results of that run:

- MACs per cycle (at full throughput);
- area: transistors (Yosys' CMOS estimate of the logic, ``generic``) without and with flip-flops,
  iCE40 LUT4 (``ice40``), ECP5 LUT4 equivalents (``ecp5-nodsp``: LUT4 + 2 per CCU2C), Xilinx 7
  LUTs (``xc7-nodsp``);
- Fmax where placed and routed (``ice40-pnr``, ``ecp5-nodsp-pnr``, seed of the run);
- throughput per area: MMAC/s per 1,000 LUT4 on iCE40 and on ECP5 (MACs per cycle x that
  family's routed Fmax / its LUT4 count), and MMAC/s per 10,000 transistors without and with
  flip-flops. A transistor estimate has no clock of its own: it is taken at the design's ECP5
  routed Fmax (the faster of the two families, no DSPs), so that its ratio to int8 weighs area
  and speed together like the LUT figures;
- each throughput-per-area figure as a ratio to the ``int8`` and the naive ``a4w8`` design of the
  same scale (``pe``, ``array2x2``, ...), measured in the same run, **like with like**: a design
  with the split multiply stage (``-pipe``) against the baseline with the same split, a one-stage
  design against the one-stage baseline (``-pack`` has no baseline counterpart: a packed design is
  compared with the baseline of the same split);
- and **best against best** (:func:`best_rows`): for every scale and setting, its best
  configuration (one stage or split, whichever gives more throughput per area on that figure)
  against the best configuration of each baseline. This is the ratio the README quotes.

The DSP table (:func:`dsp_rows`) does the same for the targets with DSP blocks allowed (``ecp5``,
``xc7``, ``ice40-dsp``): MACs per cycle per DSP and per 1,000 LUTs.

Only :func:`chart` needs matplotlib; the tables are plain Python.
"""

__all__ = ["FIGURES", "EFFICIENCY", "DSP_TARGETS", "throughput_rows", "best_rows", "dsp_rows",
           "throughput_section", "best_section", "dsp_section", "chart", "BASELINES",
           "split_variant", "like_baseline"]

#: The baselines every ratio is taken against (variants of :attr:`synth.designs.Design.variant`).
BASELINES = ("int8", "a4w8")

#: Area and speed columns: (key, label, target, metric).
FIGURES = (
    ("transistors", "transistors (logic)", "generic", "transistors"),
    ("transistors_ff", "transistors (with FFs)", "generic", "transistors_ff"),
    ("ice40_luts", "iCE40 LUT4", "ice40", "luts"),
    ("ecp5_luts", "ECP5 LUT4 eq.", "ecp5-nodsp", "luts"),
    ("xc7_luts", "Xilinx 7 LUT", "xc7-nodsp", "luts"),
    ("ice40_fmax", "iCE40 Fmax MHz", "ice40-pnr", "fmax_mhz"),
    ("ecp5_fmax", "ECP5 Fmax MHz", "ecp5-nodsp-pnr", "fmax_mhz"),
    ("asic_um2", "OSU 0.18 µm²", "asic-osu018", "area"),
    ("asic_fmax", "OSU 0.18 Fmax MHz (STA)", "asic-osu018", "fmax_mhz"),
)

#: Throughput per area: (key, label, MACs/s clock figure, area figure, area unit).
EFFICIENCY = (
    ("ice40_per_klut", "iCE40 MMAC/s per 1k LUT4", "ice40_fmax", "ice40_luts", 1e3),
    ("ecp5_per_klut", "ECP5 MMAC/s per 1k LUT4", "ecp5_fmax", "ecp5_luts", 1e3),
    ("per_10k_transistors", "MMAC/s per 10k transistors", "ecp5_fmax", "transistors", 1e4),
    ("per_10k_transistors_ff", "MMAC/s per 10k transistors (with FFs)", "ecp5_fmax",
     "transistors_ff", 1e4),
    # Standard cells carry their own clock: static timing of the same netlist.
    ("asic_per_mm2", "OSU 0.18 MMAC/s per mm²", "asic_fmax", "asic_um2", 1e6),
)

#: Targets with DSP blocks allowed, and their LUT label.
DSP_TARGETS = (("ecp5", "ECP5"), ("xc7", "Xilinx 7"), ("ice40-dsp", "iCE40 (-dsp)"))


#: Configuration suffixes of a variant (:attr:`synth.designs.Design.variant`), in the order they
#: are appended, and whether the baselines have the same configuration (``-pack`` is SPARQ's own).
CONFIG_SUFFIXES = (("-pipe", True), ("-pack", False))


def split_variant(variant):
    """``(setting, suffixes)`` of a variant: ``"sparq-b4-o5-ne-pipe"`` -> ``("sparq-b4-o5-ne",
    ("-pipe",))``."""
    found = []
    for suffix, _ in reversed(CONFIG_SUFFIXES):
        if variant.endswith(suffix):
            variant = variant[:-len(suffix)]
            found.insert(0, suffix)
    return variant, tuple(found)


def like_baseline(variant, baseline):
    """The variant of ``baseline`` with the configuration of ``variant``, as far as the baselines
    have it: ``("sparq-b4-o5-ne-pipe-pack", "int8")`` -> ``"int8-pipe"``."""
    shared = {suffix for suffix, baselines_have in CONFIG_SUFFIXES if baselines_have}
    return baseline + "".join(s for s in split_variant(variant)[1] if s in shared)


def _ok(result):
    return result is not None and result.get("status") == "ok"


def _designs(results):
    """``{design name: (info, {target: metrics})}`` of the designs with MACs, in run order."""
    out = {}
    for r in results:
        if not _ok(r):
            continue
        info = r["design"]
        if not info.get("macs_per_cycle"):
            continue
        entry = out.setdefault(info["name"], (info, {}))
        entry[1][r["target"]] = r["metrics"]
    return out


def _div(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def throughput_rows(results):
    """One dict per design with MACs (see the module docstring), grouped by scale in run order.

    Keys: ``name``, ``scale``, ``variant``, ``macs``, every key of :data:`FIGURES` and
    :data:`EFFICIENCY` (None where not measured), and ``ratios``: ``{efficiency key: {baseline:
    ratio or None}}`` against the baselines of the same scale.
    """
    rows = []
    for name, (info, by_target) in _designs(results).items():
        row = {"name": name, "scale": info.get("scale"), "variant": info.get("variant"),
               "macs": info["macs_per_cycle"]}
        for key, _, target, metric in FIGURES:
            row[key] = by_target.get(target, {}).get(metric)
        for key, _, clock, area, unit in EFFICIENCY:
            mhz = row[clock]
            row[key] = None if mhz is None else _div(row["macs"] * mhz, _div(row[area], unit))
        rows.append(row)
    base = {(r["scale"], r["variant"]): r for r in rows
            if split_variant(r["variant"])[0] in BASELINES}
    for r in rows:
        r["setting"], r["config"] = split_variant(r["variant"])
        r["ratios"] = {key: {b: _div(r[key], (base.get((r["scale"], like_baseline(r["variant"], b)))
                                              or {}).get(key))
                             for b in BASELINES} for key, *_ in EFFICIENCY}
    scales = list(dict.fromkeys(r["scale"] for r in rows))
    return sorted(rows, key=lambda r: scales.index(r["scale"]))


def best_rows(rows):
    """Best against best, from :func:`throughput_rows`: one dict per (scale, setting), in run order.

    Keys: ``scale``, ``setting``, and for every key of :data:`EFFICIENCY` a dict ``{"value",
    "variant"}`` of the configuration of that setting with the most throughput per area on that
    figure (None where no configuration was measured), and ``ratios``: ``{efficiency key:
    {baseline: best of the setting / best of the baseline, or None}}``.
    """
    out = {}
    for r in rows:
        entry = out.setdefault((r["scale"], r["setting"]), {"scale": r["scale"],
                                                           "setting": r["setting"]})
        for key, *_ in EFFICIENCY:
            have = entry.get(key)
            if r[key] is not None and (have is None or r[key] > have["value"]):
                entry[key] = {"value": r[key], "variant": r["variant"]}
            entry.setdefault(key, None)
    for entry in out.values():
        entry["ratios"] = {}
        for key, *_ in EFFICIENCY:
            mine = entry[key]
            entry["ratios"][key] = {
                b: _div(mine and mine["value"],
                        ((out.get((entry["scale"], b)) or {}).get(key) or {}).get("value"))
                for b in BASELINES}
    return list(out.values())


def best_section(results):
    """Markdown lines of the best-against-best table (empty when no design with MACs)."""
    best = best_rows(throughput_rows(results))
    if not best:
        return []
    out = ["## Best against best: each setting at its best configuration", "",
           "For every scale and setting, the configuration (one multiply stage or the split stage "
           "`-pipe`, shown in brackets) with the most throughput per area on each figure among "
           "those this run measured, and "
           "its ratio to the best configuration of int8 and of a4w8 at the same scale: "
           "`value [configuration] (/ best int8, / best a4w8)`. These are the ratios to quote: "
           "the table above compares like with like, this one each design at its best.", "",
           "| scale | setting | " + " | ".join(label for _, label, *_ in EFFICIENCY) + " |",
           "|---|---|" + "---:|" * len(EFFICIENCY)]
    for e in best:
        cells = [e["scale"], e["setting"]]
        for key, *_ in EFFICIENCY:
            mine = e[key]
            if mine is None:
                cells.append("-")
                continue
            config = split_variant(mine["variant"])[1]
            v = mine["value"]
            cells.append(f"{_fmt(v, 0 if v >= 100 else 1)} [{''.join(config) or 'one stage'}] "
                         f"{_ratio_text(e['ratios'][key])}")
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


def dsp_rows(results):
    """One dict per (design with MACs, DSP target) measured: ``name``, ``scale``, ``variant``,
    ``target``, ``macs``, ``dsps``, ``luts``, ``per_dsp`` (MACs/cycle per DSP, None without
    DSPs), ``per_klut`` (MACs/cycle per 1,000 LUTs)."""
    rows = []
    for name, (info, by_target) in _designs(results).items():
        for target, _ in DSP_TARGETS:
            m = by_target.get(target)
            if m is None:
                continue
            macs = info["macs_per_cycle"]
            rows.append({"name": name, "scale": info.get("scale"), "variant": info.get("variant"),
                         "target": target, "macs": macs, "dsps": m.get("dsps", 0),
                         "luts": m.get("luts"), "per_dsp": _div(macs, m.get("dsps")),
                         "per_klut": _div(macs, _div(m.get("luts"), 1e3))})
    return rows


def _fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"


def _ratio_text(ratios):
    return "(" + ", ".join("-" if r is None else f"{r:.2f}" for r in ratios.values()) + ")"


def throughput_section(results, chart_name=None):
    """Markdown lines of the headline table (empty when no design with MACs was measured)."""
    rows = throughput_rows(results)
    if not rows:
        return []
    out = ["## Headline: throughput per area", "",
           "Every design that multiplies, at its full throughput (MACs per cycle), against the "
           "int8 and the naive a4w8 design of the same scale and the same configuration measured "
           "in this run (like with like: a `-pipe` design against `int8-pipe`; a `-pack` design "
           "against the baseline of its split): a throughput per area cell reads "
           "`value (value / int8, value / a4w8)`, above 1 is better. MMAC/s "
           "per 1k LUT4 = MACs per cycle x routed Fmax / (LUT4 of the design alone / 1,000), per "
           "family; the transistor estimate has no clock of its own and is taken at the ECP5 "
           "Fmax. `-pipe`: the split multiply stage (`--mul-pipe`); `-pack`: two products per "
           "multiply (`--dsp-pack`). `-` = not measured in this run.", ""]
    out += ["| design | MACs/cycle | " + " | ".join(label for _, label, *_ in FIGURES) + " | "
            + " | ".join(label for _, label, *_ in EFFICIENCY) + " |",
            "|---|---:|" + "---:|" * (len(FIGURES) + len(EFFICIENCY))]
    for r in rows:
        cells = [f"{r['scale']} {r['variant']}", _fmt(r["macs"])]
        cells += [_fmt(r[key]) for key, *_ in FIGURES]
        for key, *_ in EFFICIENCY:
            v = r[key]
            cells.append("-" if v is None else
                         f"{_fmt(v, 0 if v >= 100 else 1)} {_ratio_text(r['ratios'][key])}")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if chart_name:
        out += [f"![throughput per area relative to int8]({chart_name})", ""]
    return out


def dsp_section(results):
    """Markdown lines of the DSP table (empty when no DSP target was run)."""
    rows = dsp_rows(results)
    if not rows:
        return []
    out = ["## With DSP blocks allowed", "",
           "The same designs synthesized with DSPs allowed (`ecp5`, `xc7`, `ice40-dsp`): DSPs "
           "used, LUTs (LUT4 eq. on ECP5 and iCE40, LUT1..6 on Xilinx 7), MACs per cycle per DSP "
           "and per 1,000 LUTs. A design whose products stay in LUTs uses no DSP (`-` per DSP).",
           "", "| design | target | MACs/cycle | DSPs | LUTs | MACs/cycle per DSP | "
           "MACs/cycle per 1k LUT |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['scale']} {r['variant']} | {r['target']} | {_fmt(r['macs'])} | "
                   f"{_fmt(r['dsps'])} | {_fmt(r['luts'])} | {_fmt(r['per_dsp'], 2)} | "
                   f"{_fmt(r['per_klut'], 2)} |")
    return out + [""]


def chart(results, path):
    """Write the throughput-per-area chart (PNG) to ``path``: for each design with MACs, its
    throughput per area relative to the int8 design of the same scale, one bar per figure of
    :data:`EFFICIENCY`. Returns ``path``, or None (nothing written) when no design has a ratio."""
    rows = [r for r in throughput_rows(results)
            if any(r["ratios"][key]["int8"] is not None for key, *_ in EFFICIENCY)]
    if not rows:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [(key, label) for key, label, *_ in EFFICIENCY]
    width = 0.8 / len(keys)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.75 * len(rows) + 3), 4.6))
    for i, (key, label) in enumerate(keys):
        xs = [j + (i - (len(keys) - 1) / 2) * width for j in range(len(rows))]
        ys = [r["ratios"][key]["int8"] or 0 for r in rows]
        ax.bar(xs, ys, width, label=label)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{r['scale']} {r['variant']}" for r in rows], fontsize=7, rotation=45,
                       ha="right")
    ax.set_ylabel("throughput per area / int8 (same scale)")
    ax.set_title("Throughput per area relative to int8 (above 1: more MMAC/s per unit of area)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
