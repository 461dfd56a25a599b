"""Running the catalogue and the mutants in parallel, and the one-line-per-property summary.

Every job works in its own folder under ``<out>/proofs/<proof name>/`` or
``<out>/mutants/<mutant>/`` (the YoWASP tools see only their working folder). The summary goes to
the terminal and to ``<out>/summary.md`` and ``<out>/summary.json``.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .sby import run_with_fallback, warm_up

__all__ = ["run_proofs", "run_mutants", "proof_line", "mutant_line", "write_summary"]


def _describe(verdict):
    fallback = verdict.fallback
    if verdict.status == "proved":
        return f"proved, unbounded (k-induction, k={verdict.depth})"
    if verdict.status == "bounded" and fallback is not None:
        head = f"k-induction did not close at k={verdict.depth}; "
        if fallback.status == "bounded":
            return head + f"no counterexample to depth {fallback.depth} (bounded check)"
        return head + (f"bounded check stopped after {fallback.reached} of {fallback.depth} "
                       f"steps without a counterexample ({fallback.detail})")
    if verdict.status == "bounded":
        how = "k-induction did not close; " if verdict.mode == "prove" else ""
        return f"{how}proved to depth {verdict.depth} (bounded)"
    if verdict.status == "failed":
        head = ""
        if fallback is not None:
            head = (f"k-induction did not close at k={verdict.depth}; bounded check to depth "
                    f"{fallback.depth}: ")
        return head + f"FAILED ({', '.join(verdict.failed)}), counterexample {verdict.trace}"
    return f"ERROR: {verdict.detail}"


def proof_line(proof, verdict, folder):
    """One summary line: verdict, engine, time, design and property."""
    text = _describe(verdict)
    if verdict.status == "proved" and proof.block in ("window", "pair"):
        text = "proved for every input (combinational)"
    if verdict.status == "failed":
        text = text.replace(verdict.trace, str(Path(folder) / verdict.trace))
    return f"{proof.design:34s} {proof.prop:13s} {verdict.engine:13s} {verdict.seconds:6.1f} s  {text}"


def mutant_line(mutant, verdict, folder):
    """One summary line: whether the expected property class caught the mutant."""
    caught = _caught(mutant, verdict)
    where = str(Path(folder) / verdict.trace) if verdict.trace else "-"
    state = "caught" if caught else "NOT CAUGHT"
    depth = f"depth {verdict.depth}"
    if verdict.fallback is not None:
        depth = (f"k-induction did not close at k={verdict.depth}, bounded check to depth "
                 f"{verdict.fallback.depth}")
    return (f"{mutant.name:24s} -> {mutant.proof.design}.{mutant.proof.prop:13s} "
            f"{verdict.seconds:6.1f} s  {state} by {', '.join(verdict.failed) or verdict.status}"
            f" ({depth}); counterexample {where}")


def _caught(mutant, verdict):
    return (verdict.status == "failed" and bool(verdict.trace)
            and any(label.startswith(mutant.expect) for label in verdict.failed))


def _echo(line):
    print(line, flush=True)


def _run_all(items, folder_of, line_of, jobs, echo):
    # Each item's job in its own folder, `jobs` at a time; a summary line as each finishes.
    def work(item):
        folder = folder_of(item)
        verdict = run_with_fallback(item.job(), folder, item.bmc_depth)
        echo(line_of(item, verdict, folder))
        return item, verdict, folder

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(work, items))


def run_proofs(proofs, out, *, jobs=2, echo=_echo):
    """Run ``proofs`` (from :func:`formal.jobs.catalogue`); returns ``[(proof, verdict, folder)]``
    and echoes a summary line for each as it finishes."""
    warm_up(out)
    return _run_all(proofs, lambda p: Path(out) / "proofs" / p.name, proof_line, jobs, echo)


def run_mutants(mutants, out, *, jobs=2, echo=_echo):
    """Run ``mutants`` (:data:`formal.mutants.MUTANTS`); returns ``[(mutant, verdict, folder,
    caught)]``."""
    warm_up(out)
    done = _run_all(mutants, lambda m: Path(out) / "mutants" / m.name, mutant_line, jobs, echo)
    return [(m, v, f, _caught(m, v)) for m, v, f in done]


def write_summary(out, proofs, mutants, seconds):
    """Write ``summary.md`` and ``summary.json`` into ``out``; returns the Markdown text."""
    out = Path(out)
    rows = [{"design": p.design, "property": p.prop, "status": v.status, "mode": v.mode,
             "depth": v.depth, "engine": v.engine, "seconds": round(v.seconds, 1),
             "failed": v.failed, "trace": str(Path(f) / v.trace) if v.trace else "",
             "fallback": None if v.fallback is None else {
                 "status": v.fallback.status, "depth": v.fallback.depth,
                 "steps_checked": v.fallback.reached, "detail": v.fallback.detail}}
            for p, v, f in proofs]
    caught = [{"mutant": m.name, "description": m.description, "proof": m.proof.name,
               "caught": c, "failed": v.failed, "depth": v.depth,
               "seconds": round(v.seconds, 1), "trace": str(Path(f) / v.trace) if v.trace else ""}
              for m, v, f, c in mutants]
    (out / "summary.json").write_text(json.dumps({"proofs": rows, "mutants": caught,
                                                  "wall_seconds": round(seconds, 1)},
                                                 indent=2) + "\n")
    lines = ["| design | property | result | engine | depth | time (s) |",
             "|---|---|---|---|---:|---:|"]
    for row in rows:
        result = {"proved": "proved (unbounded)", "bounded": "bounded"}.get(row["status"],
                                                                           row["status"])
        if row["fallback"]:
            fb = row["fallback"]
            result += (f" (induction open; bmc {fb['status']}, {fb['steps_checked']} of "
                       f"{fb['depth']} steps)")
        lines.append(f"| `{row['design']}` | {row['property']} | {result} | {row['engine']} | "
                     f"{row['depth']} | {row['seconds']} |")
    if caught:
        lines += ["", "| mutant | proof | caught by | time (s) |", "|---|---|---|---:|"]
        for row in caught:
            by = ", ".join(row["failed"]) if row["caught"] else "NOT CAUGHT"
            lines.append(f"| {row['mutant']} | `{row['proof']}` | {by} | {row['seconds']} |")
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    return text


def timed(function, *args, **kwargs):
    """``(result, seconds)`` of a call."""
    start = time.monotonic()
    result = function(*args, **kwargs)
    return result, time.monotonic() - start
