"""A sweep's results: one row per point (:func:`rows`), one per design (:func:`designs`), written
as ``sweep.csv``, ``sweep.json`` and ``sweep.md`` (:func:`write`).

A point is a design, a target and (place-and-route targets) a placement seed. Its row holds the
design's parameters, every figure of its synthesis result (``metrics``: transistors, LUTs,
Fmax, ...), its status and error, and the evaluation of the design's setting: per network, the
accuracy (mean and standard deviation over the evaluation seeds), the int8 accuracy of the same
networks, and the per-layer SQNR against int8 (mean over seeds; ``sqnr_db_mean`` averages the
layers); and the design's energy per MAC, estimated (:func:`estimate.model.estimate` on the
standard cells) at the network's input zero fraction (``<network>_pj_per_mac_est``, ``None`` where
the estimator has no figure).

Throughput per area (per design and place-and-route target): MACs per cycle x Fmax / (LUTs of the
design alone on the target's area target / 1,000), in MMAC/s per kLUT; with several seeds the
mean Fmax gives the figure and the lowest and highest the spread.
"""

import csv
import json
import math
import statistics
from pathlib import Path

from synth.targets import TARGETS
from evaluation.seeds import mean_spread

__all__ = ["rows", "designs", "write", "ID_COLUMNS"]

ID_COLUMNS = ["design", "block", "scale", "setting", "datapath", "options", "rounding", "rows",
              "cols", "max_k", "macs_per_cycle", "target", "seed", "status", "error"]


def _mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _evaluation(run, setting):
    # {network: {accuracy_mean, accuracy_std, accuracy_int8_mean, sqnr_db_mean, sqnr_db: {}}}
    out = {}
    for network in run.sweep.networks:
        results = []
        for seed in run.sweep.eval_seeds:
            key = run.eval_keys.get((network, seed, setting))
            record = run.records.get(key) if key else None
            if record is not None and record["status"] == "ok":
                results.append(record["result"])
        if not results:
            continue
        acc = _mean_std([r["accuracy"] for r in results])
        layers = list(results[0]["sqnr_db"])
        sqnr = {l: _mean_std([r["sqnr_db"][l] for r in results])[0] for l in layers}
        out[network] = {"zero_fraction_mean": _mean_std([r.get("zero_fraction")
                                                         for r in results])[0],
                        "accuracy_mean": acc[0], "accuracy_std": acc[1],
                        "accuracy_int8_mean": _mean_std([r["accuracy_int8"] for r in results])[0],
                        "sqnr_db_mean": _mean_std([r["sqnr_db_mean"] for r in results])[0],
                        "sqnr_db": sqnr, "eval_seeds": len(results)}
    return out


def _energy(design, zeros):
    # estimated pJ per MAC of ``design`` at zero fraction ``zeros`` (None: no figure)
    from estimate.model import pj_per_mac
    if zeros is None:
        return None
    try:
        return pj_per_mac(design, zeros)
    except ValueError:
        return None


def rows(run):
    """One dict per point of ``run`` (a :class:`sweep.run.SweepRun`), in sweep order."""
    from hdl.blocks import takes
    from hdl.naming import parse_design_name, setting_of
    out = []
    for design, target, seed in run.sweep.points():
        block, config = parse_design_name(design)
        setting = setting_of(config)
        gen = run.records.get(run.generate_keys.get(design))
        row = {"design": design, "block": block, "setting": setting,
               "datapath": config.datapath,
               "options": config.options if config.datapath == "sparq" else None,
               "rounding": config.rounding if config.datapath == "sparq" else None,
               "rows": config.rows if takes(block, "rows") else None,
               "cols": config.cols if takes(block, "cols") else None,
               "max_k": config.max_k if takes(block, "max_k") else None,
               "target": target, "seed": seed}
        if gen is not None and gen["status"] == "ok":
            info = gen["result"]["info"]
            row.update(scale=info.get("scale"), macs_per_cycle=info.get("macs_per_cycle"))
        record = run.records.get(run.point_keys.get((design, target, seed)))
        if gen is not None and gen["status"] != "ok":
            row.update(status="failed", error=f"generation: {gen['error']}")
        elif record is None:
            row.update(status="missing", error=None)
        elif record["status"] != "ok":
            row.update(status="failed", error=record["error"])
        else:
            doc = record["result"]
            row.update(status=doc["status"], error=None)
            row.update(doc["metrics"])
            row.update(device=doc.get("device"), tool_seconds=doc.get("seconds"),
                       verilog_sha256=doc.get("verilog_sha256"), key=doc.get("key"))
        for network, ev in _evaluation(run, setting).items():
            for k, v in ev.items():
                if k == "sqnr_db":
                    row.update({f"{network}_sqnr_db_{layer}": db for layer, db in v.items()})
                else:
                    row[f"{network}_{k}"] = v
            row[f"{network}_pj_per_mac_est"] = _energy(design, ev["zero_fraction_mean"])
        out.append(row)
    return out


def designs(run, point_rows):
    """One dict per design: its area figure on every area target, Fmax over seeds (mean, min,
    max, n) and throughput per area on every place-and-route target, and its evaluation."""
    by_design = {}
    for r in point_rows:
        d = by_design.setdefault(r["design"], {k: r.get(k) for k in (
            "design", "block", "scale", "setting", "datapath", "macs_per_cycle")})
        d.update({k: v for k, v in r.items()
                  if k.startswith(tuple(f"{n}_" for n in run.sweep.networks))})
        t = TARGETS[r["target"]]
        if r["status"] != "ok":
            continue
        if not t.pnr:
            d[f"{t.name}.{t.primary}"] = r.get(t.primary)
        else:
            d.setdefault(f"_{t.name}", []).append(r.get("fmax_mhz"))
    for d in by_design.values():
        for t in (TARGETS[n] for n in run.sweep.targets if TARGETS[n].pnr):
            fmax = [f for f in d.pop(f"_{t.name}", []) if f is not None]
            if not fmax:
                continue
            d[f"{t.name}.fmax_mean"] = statistics.fmean(fmax)
            d[f"{t.name}.fmax_min"], d[f"{t.name}.fmax_max"] = min(fmax), max(fmax)
            d[f"{t.name}.fmax_seeds"] = len(fmax)
            luts = d.get(f"{t.area_target}.luts")
            macs = d.get("macs_per_cycle")
            if luts and macs:
                for stat in ("mean", "min", "max"):
                    d[f"{t.name}.mmacs_per_klut_{stat}"] = (macs * d[f"{t.name}.fmax_{stat}"]
                                                            / (luts / 1e3))
    return list(by_design.values())


def _columns(dicts, first=()):
    cols = list(first)
    for d in dicts:
        cols += [k for k in d if k not in cols]
    return cols


def _cell(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if math.isnan(v) else (f"{v:,.2f}" if abs(v) < 1000 else f"{v:,.0f}")
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def write(run, *, command, chart=None):
    """Write ``sweep.csv``, ``sweep.json`` and ``sweep.md`` into ``run.out``; returns their
    paths. ``chart``: the PNG to show in ``sweep.md``."""
    out = Path(run.out)
    point_rows = rows(run)
    design_rows = designs(run, point_rows)
    cols = _columns(point_rows, ID_COLUMNS)
    with open(out / "sweep.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in point_rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    failed = [r for r in point_rows if r["status"] in ("failed", "missing")]
    eval_failed = [run.records[k] for k in run.eval_keys.values()
                   if run.records.get(k) is not None and run.records[k]["status"] != "ok"]
    doc = {"format": "sparq-sweep/1", "name": run.sweep.name, "command": command,
           "complete": not failed and not eval_failed, "tools": run.versions,
           "sweep": {"designs": list(run.sweep.designs), "targets": list(run.sweep.targets),
                     "seeds": list(run.sweep.seeds), "networks": list(run.sweep.networks),
                     "eval_seeds": list(run.sweep.eval_seeds)},
           "tasks": {"total": len(run.records), "ran": len(run.ran), "reused": len(run.reused),
                     "failed": len(run.failed)},
           "points": point_rows, "designs": design_rows,
           "failures": [{"name": r["name"], "error": r["error"], "log": r["log"]}
                        for r in run.records.values() if r is not None and r["status"] != "ok"]}
    (out / "sweep.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")

    title = f"# Sweep {run.sweep.name}"
    if not doc["complete"]:
        title += " (INCOMPLETE: some tasks failed)"
    lines = [title, "", f"Command: `{command}`", ""]
    lines += [f"- {tool}: {v['version']} (`{v['package']}`)" for tool, v in run.versions.items()]
    lines += [f"- tasks: {len(run.records)} ({len(run.ran)} run now, {len(run.reused)} reused from "
              f"the store, {len(run.failed)} failed); {len(point_rows)} points; "
              f"{run.seconds:.0f} s", ""]
    if doc["failures"]:
        lines += ["## Failed tasks", ""]
        lines += [f"- {f['name']}: {f['error']}" for f in doc["failures"]]
        lines.append("")
    if chart is not None:
        lines += [f"![Pareto fronts]({Path(chart).name})", ""]
    lines += ["## Designs", "", "Area: the primary figure of each area target. Fmax: mean over "
              "the placement seeds [lowest, highest]. Throughput per area: MMAC/s per kLUT at the "
              "mean Fmax. Accuracy: mean +- std over the evaluation seeds; SQNR: per-layer output "
              "SQNR against int8, mean over layers and seeds. `(one seed)`: a single sample, "
              "whose spread is unknown (not zero).", ""]
    area = [TARGETS[t] for t in run.sweep.targets if not TARGETS[t].pnr]
    pnr = [TARGETS[t] for t in run.sweep.targets if TARGETS[t].pnr]
    head = ["design", "setting"] + [f"{t.name} {t.primary_label}" for t in area]
    head += [f"{t.name} Fmax MHz" for t in pnr] + [f"{t.name} MMAC/s per kLUT" for t in pnr]
    for n in run.sweep.networks:
        head += [f"{n} accuracy %", f"{n} SQNR dB"]
    lines += ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for d in design_rows:
        cells = [d["design"], d["setting"]]
        cells += [_cell(d.get(f"{t.name}.{t.primary}")) for t in area]
        for t in pnr:
            m = d.get(f"{t.name}.fmax_mean")
            if m is None:
                cells.append("-")
            elif d[f"{t.name}.fmax_seeds"] == 1:      # one seed: no spread to show
                cells.append(f"{m:.1f} (one seed)")
            else:
                cells.append(f"{m:.1f} [{d[f'{t.name}.fmax_min']:.1f}, "
                             f"{d[f'{t.name}.fmax_max']:.1f}]")
        cells += [_cell(d.get(f"{t.name}.mmacs_per_klut_mean")) for t in pnr]
        for n in run.sweep.networks:
            m, s = d.get(f"{n}_accuracy_mean"), d.get(f"{n}_accuracy_std")
            cells.append("-" if m is None else mean_spread(m, s, d.get(f"{n}_eval_seeds")))
            cells.append("exact" if d["setting"] == "int8" else _cell(d.get(f"{n}_sqnr_db_mean")))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Every figure of every point: `sweep.csv` / `sweep.json` ({len(point_rows)} "
              f"rows, {len(cols)} columns).", ""]
    (out / "sweep.md").write_text("\n".join(lines))
    return [out / "sweep.csv", out / "sweep.json", out / "sweep.md"]
