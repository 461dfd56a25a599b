"""The energy report (Markdown), the ratios against the baselines, and the sparsity chart.

``python -m energy.report DIR`` writes ``DIR/energy.md`` again from ``DIR/energy.json``.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

__all__ = ["ratios", "per_inference", "ratios_per_inference", "table", "chart",
           "write_markdown"]


def ratios(runs):
    """``{"sparq/int8": x, "sparq/a4w8": y}``: pJ/MAC of SPARQ over each baseline measured in the
    same run (same workload, mode and pricing), for the baselines present."""
    by = {r["datapath"]: r["pj_per_mac"] for r in runs}
    if "sparq" not in by:
        return {}
    return {f"sparq/{d}": by["sparq"] / v for d, v in by.items() if d != "sparq"}


def per_inference(runs):
    """Per datapath, from runs on the layers of an operand archive (``--workload operands``):
    ``{"layers": [{"name", "macs", "pj_per_mac", "pj"}], "macs", "pj"}``, ``pj`` = pJ per MAC
    measured on the layer's sample x the layer's MACs per inference."""
    out = {}
    for r in runs:
        w = r["workload"]
        entry = out.setdefault(r["datapath"], {"layers": [], "macs": 0, "pj": 0.0})
        pj = r["pj_per_mac"] * w["macs_per_inference"]
        entry["layers"].append({"name": w["layer_name"], "macs": w["macs_per_inference"],
                                "pj_per_mac": r["pj_per_mac"], "pj": pj})
        entry["macs"] += w["macs_per_inference"]
        entry["pj"] += pj
    return out


def ratios_per_inference(per_inf):
    """``{"sparq/int8": x, ...}``: SPARQ's energy per inference over each baseline's."""
    if "sparq" not in per_inf:
        return {}
    return {f"sparq/{d}": per_inf["sparq"]["pj"] / v["pj"] for d, v in per_inf.items()
            if d != "sparq"}


def _inference_rows(doc):
    per = doc["per_inference"]
    datapaths = list(per)
    first = doc["runs"][0]["workload"]
    lines = ["| layer | MACs per inference | " + " | ".join(
        f"{d} pJ/MAC | {d} µJ" for d in datapaths) + " |",
        "|---|---|" + "---|---|" * len(datapaths)]
    names = [layer["name"] for layer in per[datapaths[0]]["layers"]]
    for i, name in enumerate(names):
        layer = {d: per[d]["layers"][i] for d in datapaths}
        cells = [f"{layer[d]['pj_per_mac']:.3f} | {layer[d]['pj'] / 1e6:.3f}" for d in datapaths]
        lines.append(f"| `{name}` | {per[datapaths[0]]['layers'][i]['macs']:,} | "
                     + " | ".join(cells) + " |")
    lines.append(f"| per inference | {per[datapaths[0]]['macs']:,} | " + " | ".join(
        f"{per[d]['pj'] / per[d]['macs']:.3f} | {per[d]['pj'] / 1e6:.3f}" for d in datapaths)
        + " |")
    rows = ", ".join(f"`{w['layer_name']}` {w['tiles']} of the {w['rows_sampled']} rows drawn "
                     f"at random from its {w['rows_total']:,}" for w in
                     (r["workload"] for r in doc["runs"] if r["datapath"] == datapaths[0]))
    text = "\n".join(lines) + "\n"
    text += (f"\nEach layer's pJ/MAC is measured on im2col rows of its real input, taken in order "
             f"against its output channels in turn ({rows}), and multiplied by its MACs "
             f"per inference. Network and data: {first.get('source')}; {first.get('data')}.")
    if doc.get("ratios"):
        text += " Per inference: " + ", ".join(f"{k} = {v:.3f}"
                                               for k, v in doc["ratios"].items()) + "."
    return text + "\n"


def _rows(runs):
    lines = ["| design | mode | zeros | pJ/MAC | pJ/cycle | comb. | seq. | clock | leakage | "
             "cells | area um2 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        e = r["energy"]
        total = e["total_pj"]
        share = {k: 100 * e[f"{k}_pj"] / total if total else 0.0
                 for k in ("combinational", "sequential", "clock", "leakage")}
        lines.append(
            f"| {r.get('block', 'pe')} {r['datapath']}"
            f"{' ' + r['workload']['layer_name'] if 'layer_name' in r['workload'] else ''} | "
            f"{r['mode']} | "
            f"{r['zero_fraction_measured']:.2f} | {r['pj_per_mac']:.3f} | {r['pj_per_cycle']:.2f} | "
            f"{share['combinational']:.0f} % | {share['sequential']:.0f} % | "
            f"{share['clock']:.0f} % | {share['leakage']:.2f} % | {r['cells']} | "
            f"{r['area_um2']:.0f} |")
    return "\n".join(lines) + "\n"


def _stall_rows(checks):
    lines = ["Each stream run twice, without and with random bubbles (valid low, payload held); "
             "every staged net and every register but the valid pipeline switched exactly as "
             "often in both runs, the valid pipeline 2 more times per run of bubbles, clock and "
             "leakage per cycle equal (docs/energy.md). pJ per MAC:", "",
             "| design | mode | stall p | bubbles (runs) | cycles | total | data (comb. + seq.) "
             "| staged logic (equal) | rest of the data path | clock + leakage per cycle |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in checks:
        k, st = c["check"], c["stall"]
        lines.append(
            f"| pe {c['datapath']} | {c['mode']} | {st['probability']:g} | {st['bubbles']} "
            f"({st['bubble_runs']}) | {k['unstalled_cycles']} / {k['stalled_cycles']} | "
            f"{k['unstalled_pj_per_mac']:.3f} / {k['stalled_pj_per_mac']:.3f} | "
            f"{k['unstalled_data_pj_per_mac']:.3f} / {k['stalled_data_pj_per_mac']:.3f} | "
            f"{k['staged_pj_per_mac']:.3f} | "
            f"{k['unstalled_other_pj_per_mac']:.3f} / {k['stalled_other_pj_per_mac']:.3f} | "
            f"{k['clock_pj_per_cycle'] + k['leakage_pj_per_cycle']:.3f} |")
    lines.append("")
    lines.append("(unstalled / stalled where two figures are given)")
    return "\n".join(lines) + "\n"


def table(doc):
    """The Markdown report: the runs, the ratios, the sweep, the registers, the command."""
    runs = doc["runs"]
    first = runs[0]
    kind = first["workload"]["workload"]
    what = "a network's layers" if kind == "operands" else f"{kind} operands"
    out = (f"# Energy: {first.get('block', 'pe')}, {what}\n\n"
           f"## Energy per MAC\n\n{_rows(runs)}")
    if doc.get("per_inference"):
        out += f"\n## Energy per inference\n\n{_inference_rows(doc)}"
    elif doc.get("ratios"):
        out += ("\n## Ratios\n\nSPARQ energy per MAC: " + ", ".join(
            f"{k} = {v:.3f}" for k, v in doc["ratios"].items())
            + f" ({first['mode']}, {first['workload']['workload']} operands, "
              f"{first['pairs']} pairs per row, {first['zero_fraction_measured']:.2f} zeros)\n")
    if doc.get("sweep"):
        out += f"\n## Sweep of the zero fraction\n\n{_rows(doc['sweep'])}"
    if doc.get("stall_checks"):
        out += f"\n## Stall independence\n\n{_stall_rows(doc['stall_checks'])}"
    out += "\n## Registers\n\npJ per cycle of each register (Q, D pin, its nets; clock apart):\n\n"
    for r in runs:
        regs = ", ".join(f"{name} {pj / r['cycles']:.2f}"
                         for name, pj in sorted(r["energy"]["registers_pj"].items(),
                                                key=lambda kv: -kv[1])[:8])
        layer = r["workload"].get("layer_name")
        out += f"- {r['datapath']}{' ' + layer if layer else ''}: {regs}\n"
    logic = {}
    for r in runs:
        if r["energy"].get("logic_pj"):
            logic.setdefault(r["datapath"], []).append(r)
    if logic:
        out += ("\n## Logic\n\npJ per cycle of the combinational logic by what it feeds (the "
                "register groups and output ports it reaches through logic alone, digits "
                "dropped; share of the logic), over every run of the datapath:\n\n")
        for datapath, rs in logic.items():
            parts = defaultdict(float)
            for r in rs:
                for name, pj in r["energy"]["logic_pj"].items():
                    parts[name] += pj
            cycles = sum(r["cycles"] for r in rs)
            total = sum(parts.values()) or 1.0
            text = ", ".join(f"{name} {pj / cycles:.2f} ({100 * pj / total:.0f} %)"
                             for name, pj in sorted(parts.items(), key=lambda kv: -kv[1])[:6])
            what = f" ({len(rs)} runs)" if len(rs) > 1 else ""
            out += f"- {datapath}{what}: {text}\n"
    tools = doc["tools"]
    out += (f"\n## Command\n\n`{doc['command']}`; {tools['icarus']}, {tools['yosys']}, "
            f"library {tools['library']['name']} ({tools['library']['package']}), "
            f"{_liberty_reader(tools)}, pywellen {tools.get('pywellen')}.\n")
    return out


def _liberty_reader(tools):
    # Results stored before the switch to lln-libparse name liberty-parser, the reader they used.
    name = "liberty-parser" if "liberty-parser" in tools else "lln-libparse"
    return f"{name} {tools.get(name)}"


def write_markdown(folder):
    """``folder/energy.md`` from ``folder/energy.json``; returns the text."""
    folder = Path(folder)
    doc = json.loads((folder / "energy.json").read_text())
    text = table(doc)
    (folder / "energy.md").write_text(text)
    return text


def chart(sweep_runs, path):
    """pJ/MAC against the measured zero fraction, one line per datapath, into the PNG ``path``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    block = sweep_runs[0].get("block", "pe")
    for d in dict.fromkeys(r["datapath"] for r in sweep_runs):
        pts = sorted((r["zero_fraction_measured"], r["pj_per_mac"]) for r in sweep_runs
                     if r["datapath"] == d)
        ax.plot([100 * p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"{d} {block}")
    ax.set_xlabel("zero activations (%, measured)")
    ax.set_ylabel("energy per MAC (pJ)")
    ax.set_title(f"{block} energy per MAC vs sparsity (OSU 0.18 um, {sweep_runs[0]['mode']})")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m energy.report DIR (a folder holding energy.json)")
    folder = Path(sys.argv[1])
    if not (folder / "energy.json").is_file():
        sys.exit(f"python -m energy.report: error: no energy.json in {folder}")
    print(write_markdown(folder), end="")
