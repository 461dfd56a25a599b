"""``sparq-rtl sweep --estimate``: a sweep's designs priced by the estimator, no tool run.

Every design of the sweep (:mod:`sweep.spec`) gets its estimated area and Fmax
(:mod:`estimate.model`) on the sweep's targets that the estimator covers, and its throughput,
MACs per cycle x Fmax. For each area target with a clock (iCE40 LUT4 with the iCE40 routed Fmax,
ECP5 LUT4 with the ECP5 routed Fmax, OSU 0.18 um µm² with the static-timing Fmax) the estimated
Pareto front of throughput against area (no other design is both smaller and faster) is listed
with the ``sparq-rtl synth`` command that measures it, so that the real tools confirm the front
and only the front (``--confirm`` runs it: :mod:`sweep.confirm`). Written to the sweep's folder:
``estimate.csv`` (every design), ``estimate.md`` (the fronts, the commands) and
``estimate-pareto.png``.
"""

import csv
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CLOCKED_AREA", "Front", "estimate_targets", "estimate_sweep", "front"]

#: Area target -> (area metric, the target whose Fmax clocks it, unit).
CLOCKED_AREA = {"ice40": ("luts", "ice40-pnr", "LUT4"),
                "ecp5-nodsp": ("luts", "ecp5-nodsp-pnr", "LUT4"),
                "asic-osu018": ("area", "asic-osu018", "um2")}


@dataclass(frozen=True)
class Front:
    """The estimated Pareto front on one area target: ``points`` ``(area, GMAC/s, design)`` of
    every design with both estimates, ``best`` the front's (sorted by area), ``metric`` and
    ``unit`` of the area, ``clock`` the target whose Fmax clocks it, ``fmax`` the estimated Fmax
    (MHz) and ``macs`` the MACs per cycle of each design."""
    target: str
    metric: str
    unit: str
    clock: str
    points: list
    best: list
    fmax: dict
    macs: dict

    @property
    def targets(self):
        """The synthesis targets that measure the front: the area target, and its place-and-route
        target when that is another one."""
        return [self.target] + ([self.clock] if self.clock != self.target else [])


def estimate_targets(targets):
    """The estimator's area targets for the sweep's ``targets`` (a place-and-route target brings
    its area target); ValueError naming the first one the estimator does not cover."""
    from estimate.sets import FMAX_TARGETS, TARGETS
    out = []
    for t in targets:
        area = FMAX_TARGETS.get(t, t)
        if area not in TARGETS:
            raise ValueError(f"--estimate: target {t!r} has no estimate (estimated: "
                             f"{', '.join(TARGETS)}, {', '.join(FMAX_TARGETS)})")
        if area not in out:
            out.append(area)
    return out


def front(points):
    """Of ``points`` ``(area, throughput, ...)``, those no other point beats on both (smaller or
    equal area with higher throughput), sorted by area."""
    best, out = None, []
    for p in sorted(points, key=lambda p: (p[0], -p[1])):
        if best is None or p[1] > best:
            out.append(p)
            best = p[1]
    return out


def estimate_sweep(sweep, targets, out, command):
    """Estimate every design of ``sweep`` on ``targets`` (area targets of the estimator), write
    the files into ``out``; returns ``(paths, seconds, designs estimated, fronts)``, ``fronts`` a
    dict of :class:`Front` per clocked area target."""
    from estimate.model import estimate
    from synth.designs import MACS_PER_CYCLE
    from hdl.naming import parse_design_name
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = []
    for name in sweep.designs:
        est = estimate(name, targets=targets)
        block, config = parse_design_name(name)
        rule = MACS_PER_CYCLE.get(block)
        row = {"design": name, "block": block, "macs_per_cycle": rule(config) if rule else 0}
        for target, figures in est["figures"].items():
            for key, value in figures.items():
                row[f"{target}.{key}"] = value
        rows.append(row)
    seconds = time.perf_counter() - start
    columns = list(dict.fromkeys(k for r in rows for k in r))
    csv_path = out / "estimate.csv"
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    fronts = {}
    for target in targets:
        if target not in CLOCKED_AREA:
            continue
        metric, clock, unit = CLOCKED_AREA[target]
        pts = [(r[f"{target}.{metric}"], r["macs_per_cycle"] * r[f"{target}.fmax_mhz[{clock}]"]
                / 1e3, r["design"]) for r in rows
               if r["macs_per_cycle"] and f"{target}.{metric}" in r
               and f"{target}.fmax_mhz[{clock}]" in r]
        if pts:
            fmax = {r["design"]: r[f"{target}.fmax_mhz[{clock}]"] for r in rows
                    if f"{target}.fmax_mhz[{clock}]" in r}
            fronts[target] = Front(target, metric, unit, clock, pts, front(pts), fmax,
                                   {r["design"]: r["macs_per_cycle"] for r in rows})
    md = [f"# Estimated sweep: {sweep.name}", "",
          f"{len(rows)} designs estimated in {seconds:.2f} s (no tool run); `{command}`.", ""]
    for target, f in fronts.items():
        pts, best, unit, clock = f.points, f.best, f.unit, f.clock
        md += [f"## Pareto front on {target}", "",
               f"Throughput (MACs per cycle x estimated Fmax on {clock}) against estimated area; "
               f"{len(best)} of {len(pts)} designs are on the front.", "",
               f"| design | {unit} | GMAC/s |", "|---|---|---|"]
        md += [f"| `{d}` | {a:,.0f} | {g:.2f} |" for a, g, d in best]
        md += ["", "Confirm with the real tools (the front only; `--confirm` runs it and compares):",
               "", "```sh",
               f"sparq-rtl synth --designs {' '.join(d for _, _, d in best)} --targets "
               f"{' '.join(f.targets)}", "```", ""]
    md_path = out / "estimate.md"
    md_path.write_text("\n".join(md))
    paths = [csv_path, md_path]
    if fronts:
        paths.append(_plot(fronts, out / "estimate-pareto.png", sweep.name))
    return paths, seconds, len(rows), fronts


def _plot(fronts, path, name):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(fronts), figsize=(5.5 * len(fronts), 4.5), squeeze=False)
    for ax, (target, f) in zip(axes[0], fronts.items()):
        pts, best, unit, clock = f.points, f.best, f.unit, f.clock
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=8, color="#bbbbbb",
                   label="estimated designs")
        ax.step([p[0] for p in best], [p[1] for p in best], where="post", color="#1f77b4",
                linestyle="--", marker="o", markersize=4, label="estimated Pareto front")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"estimated area ({unit}, {target})")
        ax.set_ylabel(f"GMAC/s at the estimated Fmax ({clock})")
        ax.set_title(f"{target}: {len(best)} of {len(pts)} on the front")
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle(f"sweep {name}: estimates, not measurements")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
