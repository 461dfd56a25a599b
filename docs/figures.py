"""Documented figures tied to the reports that produce them.

Figures in the README and docs/ that come from a deterministic run (accuracies of seeded training,
SQNR, cycle counts, areas, Fmax at a fixed placement seed, their ratios) are checked against the
run's own report files under ``build/`` (``make eval``, ``make synth``, ``make sweep``, ...):

- **Generated blocks.** A doc holds a report's section verbatim between two markers::

      <!-- generated from eval/eval.md#Summary over seeds -->
      ...the section's body, as the report wrote it...
      <!-- end generated -->

  The path is relative to ``build/``; ``#`` names a Markdown heading of that report, and the block
  is the body under it (up to the next heading of the same or a higher level).
- **Single figures** in running text are listed in ``docs/figures.toml``: the doc, a ``pattern``
  (the text around the figure, ``{}`` where the figure stands), the report (``source``, a JSON file
  under ``build/``), the JSON ``path`` (keys and list indices joined by ``.``), and the Python
  ``format`` of the value (``scale`` multiplies it first, e.g. 100 for a percentage). A ratio of
  two reports' figures gives ``over_source`` and ``over_path`` too: the figure is
  ``value / over value`` (e.g. a SPARQ design's LUTs over int8's, each from its own result file).

Commands (``make figures`` / ``make check-figures``)::

    python docs/figures.py update [--build DIR]   # rewrite the generated blocks from the reports
    python docs/figures.py check  [--build DIR] [--require]

``check`` exits 1 when a documented figure differs from its report, naming the doc, the figure and
both values; a report that is not there is listed as not checked (an error with ``--require``).
"""

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "docs" / "figures.toml"
#: Files that may hold generated blocks or registered figures.
DOCS = ("README.md", "docs/*.md")

_BLOCK = re.compile(r"(<!-- generated from (?P<src>[^#\n]+)#(?P<section>[^\n]+?) -->\n)"
                    r"(?P<body>.*?)(<!-- end generated -->)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6}) +(.*?)\s*$")


class FigureError(Exception):
    """A registry entry or a marker that cannot be used: one line naming the file and entry."""


def section(text, heading, where="report"):
    """The body under the Markdown heading ``heading`` in ``text`` (up to the next heading of the
    same or a higher level), without leading or trailing blank lines."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(2) == heading:
            level = len(m.group(1))
            body = []
            for rest in lines[i + 1:]:
                n = _HEADING.match(rest)
                if n and len(n.group(1)) <= level:
                    break
                body.append(rest)
            return "\n".join(body).strip("\n") + "\n"
    raise FigureError(f"{where}: no heading {heading!r}")


def _docs(root):
    out = []
    for pattern in DOCS:
        out += sorted(root.glob(pattern))
    return out


def blocks(text):
    """``[(source, section, body)]`` of the generated blocks in a doc's ``text``."""
    return [(m.group("src").strip(), m.group("section").strip(), m.group("body"))
            for m in _BLOCK.finditer(text)]


def update(root=ROOT, build=None):
    """Rewrite every generated block from its report; returns (updated docs, missing reports)."""
    build = Path(build) if build else root / "build"
    changed, missing = [], []
    for doc in _docs(root):
        text = doc.read_text()

        def fill(m):
            src, heading = m.group("src").strip(), m.group("section").strip()
            report = build / src
            if not report.is_file():
                missing.append(src)
                return m.group(0)
            try:
                body = section(report.read_text(), heading, where=str(report))
            except FigureError:
                missing.append(f"{src}#{heading}")
                return m.group(0)
            return m.group(1) + body + m.group(5)

        new = _BLOCK.sub(fill, text)
        if new != text:
            doc.write_text(new)
            changed.append(doc.relative_to(root))
    return changed, sorted(set(missing))


def _lookup(doc, path, where):
    value = doc
    for key in path.split("."):
        try:
            value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError, TypeError):
            raise FigureError(f"{where}: no {key!r} on the path {path!r}") from None
    return value


def registry(root=ROOT):
    """The single figures of ``docs/figures.toml``, each checked for its fields."""
    path = root / "docs" / "figures.toml"
    if not path.is_file():
        return []
    entries = tomllib.loads(path.read_text()).get("figure", [])
    for i, e in enumerate(entries):
        for key in ("doc", "pattern", "source", "path", "format"):
            if not isinstance(e.get(key), str):
                raise FigureError(f"{path.name}: figure {i + 1}: {key!r} missing or not a string")
        if ("over_source" in e) != ("over_path" in e):
            raise FigureError(f"{path.name}: figure {i + 1}: over_source and over_path go together")
        if e["pattern"].count("{}") != 1:
            raise FigureError(f"{path.name}: figure {i + 1}: pattern {e['pattern']!r} needs "
                              "exactly one {}")
    return entries


def _pattern_regex(pattern):
    before, after = pattern.split("{}")
    return re.compile(re.escape(before) + r"(?P<figure>[-+0-9.,]+)" + re.escape(after))


def documented(entry, root=ROOT):
    """The figure as written in the doc, for a registry entry (FigureError unless found once)."""
    text = (root / entry["doc"]).read_text()
    found = _pattern_regex(entry["pattern"]).findall(text)
    if len(found) != 1:
        raise FigureError(f"{entry['doc']}: pattern {entry['pattern']!r} found {len(found)} times "
                          "(needs exactly once)")
    return found[0]


def expected(entry, build):
    """The figure as the report gives it, formatted, or None when the report is missing."""
    report = Path(build) / entry["source"]
    if not report.is_file():
        return None
    value = _lookup(json.loads(report.read_text()), entry["path"], where=str(report))
    if "over_source" in entry:
        other = Path(build) / entry["over_source"]
        if not other.is_file():
            return None
        value = value / _lookup(json.loads(other.read_text()), entry["over_path"], where=str(other))
    return entry["format"].format(value * entry.get("scale", 1))


def check(root=ROOT, build=None):
    """``(differences, not_checked)``: lines naming each documented figure that differs from its
    report, and the reports that are not there."""
    build = Path(build) if build else root / "build"
    diffs, missing = [], []
    for doc in _docs(root):
        for src, heading, body in blocks(doc.read_text()):
            report = build / src
            if not report.is_file():
                missing.append(src)
                continue
            try:
                want = section(report.read_text(), heading, where=str(report))
            except FigureError:
                diffs.append(f"{doc.relative_to(root)}: {src} has no section {heading!r}")
                continue
            if body != want:
                diffs.append(f"{doc.relative_to(root)}: block from {src}#{heading} differs from "
                             "the report (make figures rewrites it)")
    for entry in registry(root):
        have = documented(entry, root)
        try:
            want = expected(entry, build)
        except FigureError as e:        # the report is there but lacks the figure
            diffs.append(f"{entry['doc']}: {entry['pattern']!r}: {e}")
            continue
        if want is None:
            missing += [src for src in (entry["source"], entry.get("over_source"))
                        if src and not (build / src).is_file()]
        elif have != want:
            diffs.append(f"{entry['doc']}: {entry['pattern']!r} says {have}, "
                         f"{entry['source']} gives {want}")
    return diffs, sorted(set(missing))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python docs/figures.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("update", "check"))
    parser.add_argument("--root", metavar="DIR", default=str(ROOT),
                        help="the project folder (default: the one holding this file)")
    parser.add_argument("--build", metavar="DIR", help="the build folder (default: ROOT/build)")
    parser.add_argument("--require", action="store_true",
                        help="check: a missing report is an error, not skipped")
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            changed, missing = update(Path(args.root), build=args.build)
            for doc in changed:
                print(f"updated {doc}")
            for src in missing:
                print(f"not updated (no report, or no such section): {src}")
            return 0
        diffs, missing = check(Path(args.root), build=args.build)
    except FigureError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for src in missing:
        print(f"not checked (no report; run the target that writes build/{src}): {src}")
    for line in diffs:
        print(f"differs: {line}")
    if diffs or (args.require and missing):
        print(f"error: {len(diffs)} documented figure(s) differ from their reports"
              + (f", {len(missing)} report(s) missing" if args.require and missing else ""),
              file=sys.stderr)
        return 1
    print("documented figures match their reports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
