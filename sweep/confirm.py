"""``sparq-rtl sweep --estimate --confirm``: the estimated Pareto fronts measured by the real tools.

:func:`run_fronts` runs the designs of each estimated front (:class:`sweep.estimated.Front`), and
only those, through the real synthesis flow: ``sparq-rtl synth --designs <the front> --targets
<its area target and its place-and-route or timing target>`` into ``<sweep folder>/confirm``, one
call per front, so it is the synthesis command with everything it does (the task engine on Dask,
one progress line per finished run, stored results reused, Ctrl-C keeping the finished runs).
:func:`compare` then reads the measured figures back and sets them beside the estimates, and says
whether the front's ordering held: along the estimated front (area rising) the measured area and
the measured throughput (MACs per cycle x measured Fmax) must rise too, so that every point of the
estimated front is also on the measured front of those designs, in the same order. Designs off
the estimated front are not run: whether one of them would be on the real front is not checked.
"""

from pathlib import Path

__all__ = ["CONFIRM_DIR", "compare", "render", "run_fronts"]

#: The folder, inside the sweep's, that holds the front's synthesis results.
CONFIRM_DIR = "confirm"


def run_fronts(fronts, out, *, jobs=None, scheduler=None, force=False, seed=1):
    """Run every front of ``fronts`` (``{target: Front}``) through ``sparq-rtl synth`` into
    ``out``; returns the exit status of the first call that did not succeed (130 when
    interrupted: the calls after it do not start), else 0."""
    from hdl.cli import EXIT_INTERRUPTED, main as sparq_rtl
    status = 0
    for f in fronts.values():
        argv = ["synth", "--designs", *(d for _, _, d in f.best), "--targets", *f.targets,
                "-d", str(out), "--pnr-seed", str(seed)]
        argv += ["--jobs", str(jobs)] if jobs is not None else []
        argv += ["--scheduler", scheduler] if scheduler is not None else []
        argv += ["--force"] if force else []
        code = sparq_rtl(argv)
        if code == EXIT_INTERRUPTED:
            return code
        status = status or code
    return status


def _result(out, design, target):
    import json
    from synth.flow import result_path
    try:
        return json.loads(Path(result_path(out, design, target)).read_text())
    except (OSError, ValueError):
        return None


def compare(front, out):
    """The estimated ``front`` against the measured results in ``out``: a dict with ``rows``
    (per design of the front, area order: design, estimated and measured area, Fmax and GMAC/s,
    the errors, and ``status`` ``ok`` or why a figure is missing), ``held`` (True when the measured
    area and throughput both rise strictly along the front, None when a point has no
    measurement) and ``swaps`` (neighbouring designs whose measured order differs: ``(design,
    next design, 'area' or 'throughput')``)."""
    rows = []
    for area, gmacs, design in front.best:
        row = {"design": design, "area_est": area, "fmax_est": front.fmax[design],
               "gmacs_est": gmacs, "area": None, "fmax": None, "gmacs": None, "status": "ok"}
        doc = _result(out, design, front.target)
        clock = doc if front.clock == front.target else _result(out, design, front.clock)
        for what, d in (("area", doc), ("fmax", clock)):
            target = front.target if what == "area" else front.clock
            if d is None:
                row["status"] = f"no result on {target}"
            elif d.get("status") != "ok":
                row["status"] = f"{d.get('status')} on {target}"
            else:
                key = front.metric if what == "area" else "fmax_mhz"
                row[what] = d["metrics"].get(key)
        if row["fmax"] is not None:
            row["gmacs"] = front.macs[design] * row["fmax"] / 1e3
        for what in ("area", "fmax", "gmacs"):
            row[f"{what}_error"] = (row[f"{what}_est"] / row[what] - 1) if row[what] else None
        rows.append(row)
    swaps, complete = [], all(r["area"] and r["gmacs"] for r in rows)
    if complete:
        for a, b in zip(rows, rows[1:]):
            if not a["area"] < b["area"]:
                swaps.append((a["design"], b["design"], "area"))
            if not a["gmacs"] < b["gmacs"]:
                swaps.append((a["design"], b["design"], "throughput"))
    return {"target": front.target, "clock": front.clock, "unit": front.unit, "rows": rows,
            "held": (not swaps) if complete else None, "swaps": swaps}


def _pct(x):
    return "-" if x is None else f"{100 * x:+.1f} %"


def _num(x, fmt):
    return "-" if x is None else format(x, fmt)


def render(comparisons, out, command):
    """The comparisons as Markdown (also what the command prints)."""
    md = ["# Estimated fronts confirmed by the real tools", "",
          f"`{command}`: each estimated front's designs (only those) through `sparq-rtl synth`, "
          f"results in `{out}`. Errors are estimated / measured - 1.", ""]
    for c in comparisons:
        md += [f"## Front on {c['target']} (Fmax: {c['clock']})", "",
               f"| design | {c['unit']} est. | {c['unit']} meas. | error | Fmax est. (MHz) | "
               f"Fmax meas. | error | GMAC/s est. | GMAC/s meas. | error | status |",
               "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in c["rows"]:
            md.append(f"| `{r['design']}` | {r['area_est']:,.0f} | {_num(r['area'], ',.0f')} | "
                      f"{_pct(r['area_error'])} | {r['fmax_est']:.1f} | {_num(r['fmax'], '.1f')} | "
                      f"{_pct(r['fmax_error'])} | {r['gmacs_est']:.2f} | "
                      f"{_num(r['gmacs'], '.2f')} | {_pct(r['gmacs_error'])} | {r['status']} |")
        md.append("")
        if c["held"] is None:
            missing = sum(r["status"] != "ok" for r in c["rows"])
            md.append(f"Ordering not confirmed: {missing} of {len(c['rows'])} designs have no "
                      f"measurement (status column).")
        elif c["held"]:
            md.append(f"Ordering held: along the estimated front the measured {c['unit']} and "
                      f"the measured throughput both rise ({len(c['rows'])} designs).")
        else:
            md.append("Ordering did NOT hold: " + "; ".join(
                f"`{a}` and `{b}` swap in measured {what}" for a, b, what in c["swaps"]) + ".")
        md.append("")
    return "\n".join(md)
