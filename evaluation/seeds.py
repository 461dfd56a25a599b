"""Several trained networks (one per seed) summarised in one table and one chart.

On a small test set one image is a fraction of a point, so single-run accuracy differences between
settings are mostly noise. Training the same recipe with several seeds (each with its own split)
and reporting the mean and spread across seeds, next to the pooled prediction flips against A8W8
and the mean per-layer SQNR, separates what a setting does from what one run happened to give.
"""

import math
import statistics

from .settings import REFERENCE

__all__ = ["summary_table", "summary_dict", "plot_summary", "mean_spread", "interval95"]


def _acc(report, name):
    return 100 * report.results[name].accuracy


def _stats(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def mean_spread(mean, std, n, *, signed=False):
    """``"mean +- std"`` of ``n`` samples (two decimals); of one sample the value alone and
    ``(one seed)``: the spread of one sample is unknown, not zero."""
    value = f"{mean:+.2f}" if signed else f"{mean:.2f}"
    return f"{value} (one seed)" if n == 1 else f"{value} +- {std:.2f}"


def interval95(values):
    """``(mean, half)``: the mean of ``values`` and the half-width of its two-sided 95 %
    Student-t confidence interval (``t(0.975, n-1) * std / sqrt(n)``); ``half`` is NaN for one
    value (no spread to estimate)."""
    values = list(values)
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    from scipy.stats import t
    return mean, float(t.ppf(0.975, len(values) - 1)) * statistics.stdev(values) / math.sqrt(
        len(values))


def _finite_or_none(value):
    return value if math.isfinite(value) else None


def _fmt_interval(mean, half):
    lo, hi = mean - half, mean + half
    return "n/a (one seed)" if math.isnan(half) else f"[{lo:+.2f}, {hi:+.2f}]"


def _mean_db(values):
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values):
        return math.inf if all(v == math.inf for v in values) else float("nan")
    return statistics.fmean(finite)


def _settings(reports):
    first = [s.name for s in reports[0].settings]
    for r in reports[1:]:
        if [s.name for s in r.settings] != first or \
                [l.name for l in r.layers] != [l.name for l in reports[0].layers]:
            raise ValueError("reports must cover the same settings and layers to be summarised")
    return reports[0].settings


def summary_table(reports, seeds, *, per_seed="one trained network and one stratified split"):
    """Markdown: per setting, accuracy mean +- std over seeds, the change against A8W8 (mean +- std
    of the per-seed differences), pooled prediction flips, mean test loss and mean SQNR per layer.
    ``per_seed``: what each seed stands for, for the table's first line."""
    settings = _settings(reports)
    layers = [l.name for l in reports[0].layers]
    n_test = sum(r.n_test for r in reports)
    spread = "one seed, no spread" if len(reports) == 1 else "mean +- std"
    head = ["setting", f"test accuracy (%), {spread}", f"vs A8W8 (points), {spread}",
            "vs A8W8, 95 % interval", f"predictions != A8W8 (of {n_test})", "test loss"] + \
        [f"SQNR {n} (dB)" for n in layers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in settings:
        m, sd = _stats([_acc(r, s.name) for r in reports])
        dm, dsd = _stats([_acc(r, s.name) - _acc(r, REFERENCE) for r in reports])
        flips = sum(r.results[s.name].total - r.results[s.name].agree for r in reports)
        loss = statistics.fmean(r.results[s.name].loss for r in reports)
        row = [s.label, mean_spread(m, sd, len(reports)),
               "reference" if s.name == REFERENCE else
               mean_spread(dm, dsd, len(reports), signed=True),
               "reference" if s.name == REFERENCE else _fmt_interval(*interval95(
                   [_acc(r, s.name) - _acc(r, REFERENCE) for r in reports])),
               str(flips), f"{loss:.4f}"]
        for n in layers:
            v = _mean_db([r.sqnr(s.name, n) for r in reports])
            row.append("reference" if s.name == REFERENCE else
                       ("exact" if v == math.inf else f"{v:.1f}"))
        lines.append("| " + " | ".join(row) + " |")
    return (f"Seeds {', '.join(map(str, seeds))}: {per_seed} per seed, {reports[0].n_test} test "
            f"images each.\n\n" + "\n".join(lines) + "\n")


def summary_dict(reports, seeds):
    """JSON-ready per-setting means and spreads (the numbers of :func:`summary_table`)."""
    settings = _settings(reports)
    out = {"seeds": list(seeds), "settings": {}}
    for s in settings:
        accs = [_acc(r, s.name) for r in reports]
        deltas = [_acc(r, s.name) - _acc(r, REFERENCE) for r in reports]
        out["settings"][s.name] = {
            "accuracy_mean": _stats(accs)[0], "accuracy_std": _stats(accs)[1],
            "accuracy_per_seed": accs, "delta_vs_a8w8_mean": _stats(deltas)[0],
            "delta_vs_a8w8_std": _stats(deltas)[1],
            # None for one seed (no interval), not NaN, which is not JSON.
            "accuracy_ci95_half": _finite_or_none(interval95(accs)[1]),
            "delta_vs_a8w8_ci95_half": _finite_or_none(interval95(deltas)[1]),
            "flips_vs_a8w8": sum(r.results[s.name].total - r.results[s.name].agree
                                 for r in reports),
            "sqnr_db_mean": {l.name: _mean_db([r.sqnr(s.name, l.name) for r in reports])
                             for l in reports[0].layers},
        }
        out["settings"][s.name]["sqnr_db_mean"] = {
            k: (v if math.isfinite(v) else str(v))
            for k, v in out["settings"][s.name]["sqnr_db_mean"].items()}
    return out


def plot_summary(reports, seeds, path, *, title=None):
    """PNG: accuracy mean with 95 % interval error bars per setting (none for one seed), and mean
    per-layer SQNR against A8W8."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    settings = _settings(reports)
    labels = [s.label for s in settings]
    # Error bars: the 95 % interval of the mean over seeds (none for one seed).
    stats = [interval95([_acc(r, s.name) for r in reports]) for s in settings]
    stats = [(m, 0.0 if math.isnan(h) else h) for m, h in stats]
    means = [m for m, _ in stats]
    stds = [sd for _, sd in stats]
    colors = ["#888888" if s.kind != "sparq" else
              ("#1f77b4" if s.rounding == "nearest-even" else "#ff7f0e") for s in settings]
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(10, 8), constrained_layout=True)
    one = len(reports) == 1     # no error bars of zero: one seed has no spread to show
    ax0.bar(range(len(means)), means, yerr=None if one else stds, capsize=3, color=colors)
    ref = means[[s.name for s in settings].index(REFERENCE)]
    ax0.axhline(ref, color="black", linewidth=0.8, linestyle="--", label=f"A8W8 {ref:.2f} %")
    ax0.set_ylim(max(0.0, min(m - sd for m, sd in stats) - 3), 100)
    ax0.set_ylabel("test accuracy (%)")
    ax0.set_xticks(range(len(means)), labels, rotation=35, ha="right", fontsize=8)
    for i, m in enumerate(means):
        ax0.text(i, 100 - 0.4, f"{m:.2f}", ha="center", va="top", fontsize=7)
    ax0.legend(loc="lower left", fontsize=8)
    how = (f"one seed ({seeds[0]}), no spread" if one else
           f"mean +- 95 % interval over seeds {', '.join(map(str, seeds))}")
    ax0.set_title(title or (f"Top-1 accuracy, {how} "
                            "(grey: baselines, blue: SPARQ rounding, orange: SPARQ truncation)"),
                  fontsize=9)
    quant = [s for s in settings if s.name != REFERENCE]
    layers = [l.name for l in reports[0].layers]
    width = 0.8 / max(1, len(layers))
    for j, name in enumerate(layers):
        vals = [_mean_db([r.sqnr(s.name, name) for r in reports]) for s in quant]
        vals = [v if math.isfinite(v) else 0.0 for v in vals]
        ax1.bar([i + (j - (len(layers) - 1) / 2) * width for i in range(len(quant))], vals,
                width=width, label=name)
    ax1.set_xticks(range(len(quant)), [s.label for s in quant], rotation=35, ha="right", fontsize=8)
    ax1.set_ylabel("SQNR vs A8W8 (dB)")
    ax1.set_title("Per-layer output SQNR against A8W8, mean over seeds (higher is closer)",
                  fontsize=9)
    ax1.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
