"""The energy table (Markdown), the ratios against the baselines, and the sparsity chart."""

__all__ = ["ratios", "table", "chart"]


def ratios(runs):
    """``{"sparq/int8": x, "sparq/a4w8": y}``: pJ/MAC of SPARQ over each baseline measured in the
    same run (same workload, mode and pricing), for the baselines present."""
    by = {r["datapath"]: r["pj_per_mac"] for r in runs}
    if "sparq" not in by:
        return {}
    return {f"sparq/{d}": by["sparq"] / v for d, v in by.items() if d != "sparq"}


def table(doc):
    """Markdown: one row per run (pJ/MAC, pJ/cycle, the split, cells), the ratios, the command."""
    lines = ["| design | mode | zeros | pJ/MAC | pJ/cycle | comb. | seq. | clock | leakage | "
             "cells | area um2 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["runs"] + doc.get("sweep", []):
        e = r["energy"]
        total = e["total_pj"]
        share = {k: 100 * e[f"{k}_pj"] / total if total else 0.0
                 for k in ("combinational", "sequential", "clock", "leakage")}
        lines.append(
            f"| {r['block']} {r['datapath']} | {r['mode']} | {r['zero_fraction_measured']:.2f} | "
            f"{r['pj_per_mac']:.4f} | {r['pj_per_cycle']:.4f} | {share['combinational']:.0f} % | "
            f"{share['sequential']:.0f} % | {share['clock']:.0f} % | {share['leakage']:.1f} % | "
            f"{r['cells']} | {r['area_um2']:.0f} |")
    out = "\n".join(lines) + "\n"
    if doc.get("ratios"):
        out += "\nSPARQ energy per MAC: " + ", ".join(
            f"{k} = {v:.3f}" for k, v in doc["ratios"].items()) + f" ({doc['runs'][0]['mode']}, " \
            f"{doc['runs'][0]['workload']['workload']} operands)\n"
    tools = doc["tools"]
    out += (f"\nCommand: `{doc['command']}`; {tools['icarus']}, {tools['yosys']}, "
            f"library {tools['library']['name']} ({tools['library']['package']}).\n")
    return out


def chart(sweep_runs, path):
    """pJ/MAC against the measured zero fraction, one line per datapath, into the PNG ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for d in dict.fromkeys(r["datapath"] for r in sweep_runs):
        pts = sorted((r["workload"]["zero_fraction"], r["pj_per_mac"]) for r in sweep_runs
                     if r["datapath"] == d)
        block = sweep_runs[0]["block"]
        ax.plot([100 * p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{d} {block}")
    ax.set_xlabel("zero activations (%)")
    ax.set_ylabel("energy per MAC (pJ)")
    mode = sweep_runs[0]["mode"]
    ax.set_title(f"{sweep_runs[0]['block']} energy per MAC vs sparsity (OSU 0.18 um, {mode})")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
