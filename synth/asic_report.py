"""The ASIC headline of ``sparq-rtl synth``: µm² per MAC, Fmax from static timing and throughput
per mm² on standard cells (``asic-osu018``), with the transistor estimate's error beside them.

For every design that multiplies (MACs per cycle > 0) with an ``asic-osu018`` result in the run:

- ``um2_per_mac``: cell area (µm², ``stat -liberty``) / MACs per cycle; ``ff_share``: flip-flop
  area / area;
- ``fmax_mhz``, ``path_ns``: OpenSTA's worst path (:mod:`synth.sta`);
- ``gmacs_per_mm2``: MACs per cycle x Fmax / area, GMAC/s per mm²;
- ``est_ratio``/``est_error``: the CMOS transistor estimate per MAC (``generic``, logic only) as a
  ratio to int8, and how far that ratio is from the real µm² ratio (est / real - 1).

Ratios are against the ``int8`` and the naive 4-bit ``a4w8`` design of the same scale in the same
run. Area and Fmax compare like with like: a design with the split multiply stage (``-pipe``)
against the baseline with it, one without against one without. Throughput per mm² compares best
against best: each datapath at its better configuration (split or not) against the baseline at
its better one (a ratio on a ``-pipe`` row and on its plain row is the same figure, the datapath's
best against the baseline's best).
"""

from .throughput import BASELINES, split_variant

__all__ = ["ASIC_TARGET", "ASIC_GOALS", "asic_rows", "asic_goal_rows", "asic_section"]

#: The target the ASIC table reads.
ASIC_TARGET = "asic-osu018"

#: Goals on standard cells: (label, scale, figure, variant, against, bound, sense); figure is a
#: key of :func:`asic_rows` (``um2_per_mac`` like with like, ``fmax_mhz`` as named,
#: ``gmacs_per_mm2`` best against best); sense "max": ratio <= bound, "min": ratio >= bound.
ASIC_GOALS = (
    ("PE µm², 5opt / int8", "pe", "um2_per_mac", "sparq-b4-o5-ne", "int8", 0.75, "max"),
    ("PE µm², 5opt / a4w8", "pe", "um2_per_mac", "sparq-b4-o5-ne", "a4w8", 1.15, "max"),
    ("unit 4x4p4 µm²/MAC, 5opt / int8", "dotprod4x4p4", "um2_per_mac", "sparq-b4-o5-ne", "int8",
     0.65, "max"),
    ("unit 4x4p4 µm²/MAC, 3opt / int8", "dotprod4x4p4", "um2_per_mac", "sparq-b4-o3-ne", "int8",
     0.60, "max"),
    ("unit 4x4p4 µm²/MAC, 2opt / int8", "dotprod4x4p4", "um2_per_mac", "sparq-b4-o2-ne", "int8",
     0.55, "max"),
    ("unit 4x4p4 µm²/MAC, 5opt / a4w8", "dotprod4x4p4", "um2_per_mac", "sparq-b4-o5-ne", "a4w8",
     1.15, "max"),
    ("unit 4x4p4 Fmax, 5opt-pipe / int8", "dotprod4x4p4", "fmax_mhz", "sparq-b4-o5-ne-pipe",
     "int8", 1.0, "min"),
    ("unit 4x4p4 Fmax, 5opt-pipe / int8-pipe", "dotprod4x4p4", "fmax_mhz", "sparq-b4-o5-ne-pipe",
     "int8-pipe", 1.0, "min"),
    ("unit 4x4p4 GMAC/s per mm², 5opt / int8 (best / best)", "dotprod4x4p4", "gmacs_per_mm2",
     "sparq-b4-o5-ne", "int8", 1.6, "min"),
    ("PE GMAC/s per mm², 5opt / int8 (best / best)", "pe", "gmacs_per_mm2", "sparq-b4-o5-ne",
     "int8", 1.6, "min"),
)


def _div(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def _datapath(variant):
    # The setting a configuration belongs to (synth.throughput.split_variant): the variant
    # without its configuration suffixes.
    return split_variant(variant)[0]


def asic_rows(results):
    """One dict per design with MACs measured on :data:`ASIC_TARGET`, grouped by scale in run
    order.

    Keys: ``name``, ``scale``, ``variant``, ``macs``, ``area``, ``um2_per_mac``, ``ff_share``,
    ``fmax_mhz``, ``path_ns``, ``gmacs_per_mm2``, ``best_gmacs_per_mm2`` (the better of the
    datapath's configurations), ``est_ratio``, ``real_ratio``, ``est_error``, ``path_cells``, and
    ``ratios``: ``{figure: {baseline: ratio or None}}`` (see the module docstring).
    """
    asic, generic = {}, {}
    for r in results:
        if r is None or r.get("status") != "ok" or not r["design"].get("macs_per_cycle"):
            continue
        if r["target"] == ASIC_TARGET:
            asic[r["design"]["name"]] = r
        elif r["target"] == "generic":
            generic[r["design"]["name"]] = r["metrics"]
    rows = []
    for name, r in asic.items():
        info, m = r["design"], r["metrics"]
        macs = info["macs_per_cycle"]
        fmax = m.get("fmax_mhz")
        est = (generic.get(name) or {}).get("transistors")
        rows.append({"name": name, "scale": info.get("scale"), "variant": info.get("variant"),
                     "macs": macs, "area": m["area"], "um2_per_mac": m["area"] / macs,
                     "ff_share": m.get("ff_share"), "fmax_mhz": fmax, "path_ns": m.get("path_ns"),
                     "gmacs_per_mm2": None if fmax is None else macs * fmax / 1e3 / (m["area"] / 1e6),
                     "est_per_mac": None if est is None else est / macs,
                     "path_cells": len((r.get("timing") or {}).get("path_cells", ()))})
    best = {}
    for row in rows:
        key = (row["scale"], _datapath(row["variant"]))
        if row["gmacs_per_mm2"] is not None:
            best[key] = max(best.get(key, 0.0), row["gmacs_per_mm2"])
    by = {(row["scale"], row["variant"]): row for row in rows}
    for row in rows:
        row["best_gmacs_per_mm2"] = best.get((row["scale"], _datapath(row["variant"])))
        pipe = "-pipe" if row["variant"].endswith("-pipe") else ""
        ratios = {}
        for fig in ("um2_per_mac", "fmax_mhz"):
            ratios[fig] = {b: _div(row[fig], (by.get((row["scale"], b + pipe)) or {}).get(fig))
                           for b in BASELINES}
        ratios["gmacs_per_mm2"] = {b: _div(row["best_gmacs_per_mm2"],
                                           best.get((row["scale"], b))) for b in BASELINES}
        int8 = by.get((row["scale"], "int8" + pipe)) or {}
        row["est_ratio"] = _div(row["est_per_mac"], int8.get("est_per_mac"))
        row["real_ratio"] = ratios["um2_per_mac"]["int8"]
        err = _div(row["est_ratio"], row["real_ratio"])
        row["est_error"] = None if err is None else err - 1
        row["ratios"] = ratios
    scales = list(dict.fromkeys(r["scale"] for r in rows))
    return sorted(rows, key=lambda r: scales.index(r["scale"]))


def asic_goal_rows(results):
    """``[(label, ratio or None, bound, sense, met or None, detail)]`` of :data:`ASIC_GOALS`."""
    by = {(r["scale"], r["variant"]): r for r in asic_rows(results)}
    out = []
    for label, scale, fig, variant, against, bound, sense in ASIC_GOALS:
        a, b = by.get((scale, variant)), by.get((scale, against))
        if fig == "gmacs_per_mm2":
            va = a and a["best_gmacs_per_mm2"]
            vb = b and b["best_gmacs_per_mm2"]
        else:
            va, vb = a and a[fig], b and b[fig]
        ratio = _div(va, vb)
        met = None if ratio is None else (ratio <= bound if sense == "max" else ratio >= bound)
        out.append((label, ratio, bound, sense, met, f"{_f(va)} / {_f(vb)}"))
    return out


def _f(value, digits=1):
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"


def _r(ratios):
    return "(" + ", ".join("-" if v is None else f"{v:.2f}" for v in ratios.values()) + ")"


def asic_section(results):
    """Markdown lines of the ASIC table and goals (empty when no design ran on the target)."""
    rows = asic_rows(results)
    if not rows:
        return []
    cells = next((r for r in results if r and r.get("target") == ASIC_TARGET
                  and r.get("status") == "ok"), None)
    lib = (cells or {}).get("library") or {}
    con = (cells or {}).get("constraints") or {}
    out = ["## Headline on standard cells: µm² per MAC, Fmax (static timing), GMAC/s per mm²", "",
           f"OSU 0.18 µm cells (`{lib.get('package')}`, typical corner 1.8 V, 25 C; .lib sha256 "
           f"`{str(lib.get('sha256'))[:16]}…`), mapped by Yosys `abc -liberty` (delay target "
           f"{con.get('abc_delay_ps')} ps, inputs driven by {con.get('driving_cell')}, outputs "
           f"loaded with {con.get('load_pf')} pF), timed by OpenSTA at {con.get('period_ns')} ns "
           "with ideal wires and an ideal clock. A cell reads `value (value / int8, value / "
           "a4w8)`, the baselines of the same scale in this run: µm² per MAC and Fmax like with "
           "like (`-pipe` against `-pipe`), GMAC/s per mm² best against best (each datapath at "
           "its better configuration, split stage or not, on both of its rows). The transistor "
           "estimate (`generic`, logic only) per MAC as a ratio to int8, and its error against "
           "the µm² ratio (estimate / real - 1).", "",
           "| design | MACs/cycle | µm² | µm² per MAC | FF share | path ns (cells) | Fmax MHz | "
           "GMAC/s per mm² (best) | transistor est. / int8 | its error |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ff = "-" if r["ff_share"] is None else f"{r['ff_share']:.0%}"
        path = "-" if r["path_ns"] is None else f"{r['path_ns']:.2f} ({r['path_cells']})"
        gm = ("-" if r["gmacs_per_mm2"] is None else
              f"{_f(r['gmacs_per_mm2'])} ({_f(r['best_gmacs_per_mm2'])}) "
              f"{_r(r['ratios']['gmacs_per_mm2'])}")
        est = "-" if r["est_ratio"] is None else f"{r['est_ratio']:.2f}"
        err = "-" if r["est_error"] is None else f"{r['est_error']:+.1%}"
        out.append(f"| {r['scale']} {r['variant']} | {r['macs']:,} | {_f(r['area'], 0)} | "
                   f"{_f(r['um2_per_mac'], 0)} {_r(r['ratios']['um2_per_mac'])} | {ff} | {path} | "
                   f"{_f(r['fmax_mhz'])} {_r(r['ratios']['fmax_mhz'])} | {gm} | {est} | {err} |")
    out += ["", "### Goals on standard cells", "",
            "| goal | ratio | bound | met | measured |", "|---|---:|---:|---|---|"]
    for label, ratio, bound, sense, met, detail in asic_goal_rows(results):
        rel = "<=" if sense == "max" else ">="
        shown = "-" if ratio is None else f"{ratio:.3f}"
        verdict = ("not measured" if met is None else "yes" if met else
                   f"**no** (by {abs(ratio - bound) / bound:.1%})")
        out.append(f"| {label} | {shown} | {rel} {bound:.2f} | {verdict} | {detail} |")
    return out + [""]
