"""PNG charts of a sweep: Pareto fronts of accuracy and of SQNR against area, against
throughput per area and against the energy per MAC (estimated on the standard cells at the
network's input zero fraction, :mod:`sweep.table`), one row of panels per figure of merit and one
figure per design scale (``pe``, ``array2x2``, ...), since only designs of one scale compare.

Every point is labelled with its setting tag; the baselines (int8, aNw8) are grey squares on the
same axes. The Pareto front (smaller area or higher throughput per area, and higher accuracy or
SQNR) is the dashed step line. Accuracy points carry the standard deviation over the evaluation
seeds as vertical error bars; throughput points carry the spread of Fmax over the placement seeds
(lowest to highest) as horizontal error bars. With one evaluation seed (or, on the throughput
panels, one placement seed) a point is one sample whose noise is unknown: the panel says so and
draws no front. int8 is exact against itself (no SQNR), so it is
left out of the SQNR panels.
"""

from pathlib import Path

from golden.tags import parse_setting_tag
from synth.targets import TARGETS


__all__ = ["pareto", "plot"]


def pareto(points, *, x_smaller_is_better):
    """The points (``(x, y, ...)``) no other point beats on both x and y, sorted by x."""
    ordered = sorted(points, key=lambda p: (p[0] if x_smaller_is_better else -p[0], -p[1]))
    front, best = [], None
    for p in ordered:
        if best is None or p[1] > best:
            front.append(p)
            best = p[1]
    return sorted(front, key=lambda p: p[0])


def _panel(ax, pts, xlabel, ylabel, *, smaller_x, xerr=None, yerr=None, single=None):
    # pts: [(x, y, label, is_baseline, xerr_lo, xerr_hi, yerr)]
    for i, (x, y, label, base, xlo, xhi, ye) in enumerate(sorted(pts)):
        ax.errorbar([x], [y], xerr=[[xlo], [xhi]] if xerr else None,
                    yerr=[ye] if yerr and ye else None, fmt="s" if base else "o",
                    color="#888888" if base else "#1f77b4", capsize=3, markersize=6)
        # Labels alternate above and below, so that points of equal y stay readable.
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, 5 if i % 2 else -11),
                    fontsize=7)
    ax.margins(x=0.12, y=0.12)
    front = pareto([(p[0], p[1]) for p in pts], x_smaller_is_better=smaller_x)
    if single:
        # One sample per point: differences may be noise, so no front is drawn; the panel says so.
        ax.text(0.01, 0.02, f"{single}: no spread, no Pareto front", transform=ax.transAxes,
                fontsize=7, color="#d62728", va="bottom")
    elif len(front) > 1:
        xs, ys = zip(*front)
        # The best y within an x budget: held from each front point towards worse x.
        ax.step(xs, ys, where="post" if smaller_x else "pre", linestyle="--",
                color="#d62728", linewidth=1, label="Pareto front")
        ax.legend(fontsize=7, loc="best")
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.grid(alpha=0.3)


def plot(run, design_rows, path):
    """Write the chart to ``path``; returns it, or None when there is nothing to compare
    (no evaluation, or no scale with two designs)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not run.sweep.networks:
        return None
    network = run.sweep.networks[0]
    area = next((TARGETS[t] for t in run.sweep.targets if not TARGETS[t].pnr), None)
    pnr = next((TARGETS[t] for t in run.sweep.targets if TARGETS[t].pnr), None)
    scales = []
    for d in design_rows:
        if d.get("scale") and d["scale"] not in scales and d.get(f"{network}_accuracy_mean") \
                is not None:
            scales.append(d["scale"])
    scales = [s for s in scales
              if sum(1 for d in design_rows if d.get("scale") == s) > 1]
    energy = any(d.get(f"{network}_pj_per_mac_est") is not None for d in design_rows)
    columns = [c for c in (("area", area), ("tpa", pnr), ("energy", energy or None))
               if c[1] is not None]
    if not scales or not columns:
        return None
    foms = [("accuracy", f"{network} test accuracy (%)"),
            ("sqnr", f"{network} SQNR vs int8 (dB, mean of layers)")]
    fig, axes = plt.subplots(len(scales) * len(foms), len(columns),
                             figsize=(6.2 * len(columns), 3.6 * len(scales) * len(foms)),
                             squeeze=False)
    for si, scale in enumerate(scales):
        ds = [d for d in design_rows if d.get("scale") == scale]
        for fi, (fom, ylabel) in enumerate(foms):
            for ci, (kind, target) in enumerate(columns):
                ax = axes[si * len(foms) + fi][ci]
                pts = []
                for d in ds:
                    y = d.get(f"{network}_accuracy_mean" if fom == "accuracy"
                              else f"{network}_sqnr_db_mean")
                    if y is None or (fom == "sqnr" and d["setting"] == "int8"):
                        continue
                    ye = d.get(f"{network}_accuracy_std") if fom == "accuracy" else None
                    base = parse_setting_tag(d["setting"])["kind"] != "sparq"
                    if kind in ("area", "energy"):
                        x = d.get(f"{target.name}.{target.primary}" if kind == "area"
                                  else f"{network}_pj_per_mac_est")
                        if x is None:
                            continue
                        pts.append((x, y, d["setting"], base, 0, 0, ye))
                    else:
                        x = d.get(f"{target.name}.mmacs_per_klut_mean")
                        if x is None:
                            continue
                        lo = x - d[f"{target.name}.mmacs_per_klut_min"]
                        hi = d[f"{target.name}.mmacs_per_klut_max"] - x
                        pts.append((x, y, d["setting"], base, lo, hi, ye))
                if kind == "area":
                    xlabel = f"{target.name} {target.primary_label} (smaller is better)"
                elif kind == "energy":
                    xlabel = (f"pJ per MAC, estimated on OSU 0.18 um cells at {network}'s input "
                              f"zero fraction (smaller is better)")
                else:
                    xlabel = (f"{target.name}: MMAC/s per 1,000 {target.area_target} LUTs, "
                              f"bars: Fmax over seeds (higher is better)")
                single = []
                if len(run.sweep.eval_seeds) == 1:
                    single.append("one evaluation seed")
                if kind == "tpa" and len(run.sweep.seeds) == 1:
                    single.append("one placement seed")
                _panel(ax, pts, xlabel, ylabel, smaller_x=kind != "tpa", xerr=kind == "tpa",
                       yerr=fom == "accuracy", single=" and ".join(single))
                ax.set_title(f"{scale}: {fom} against " + {
                    "area": "area", "tpa": "throughput per area",
                    "energy": "energy per MAC (estimated)"}[kind], fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
