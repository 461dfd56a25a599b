"""A small Liberty (.lib) reader: enough to reject a file that does not parse, with a line number,
before Yosys sees it, and to list the cells and their areas for the report.

Liberty is a tree of groups ``name (args) { ... }``, simple attributes ``name : value ;`` and
complex attributes ``name (args) ;``, with ``/* */`` and ``//`` comments and ``\\`` line joins.
:func:`parse_library` is the syntax check alone; :func:`energy.liberty.read_liberty` runs it before
its own parser.

Why hand-written: none of the Liberty parsers on PyPI that install on Python 3.11 rejects a
malformed file cleanly with its line number. Yosys's ``libparse`` (``lln-libparse``, Apache-2.0/ISC,
the energy tier's reader) names the line for most faults but does not return on an unterminated
string, ends the Python process on an empty file and ignores text after the library group.
``eda-liberty-parser`` 0.1.1 (MIT) raises internal errors without a line number for most faults,
accepts a group left open at the end of the file, does not know ``//`` comments, and misses an
attribute whose name is followed by a tab. ``liberty-parser`` (GPL-3.0, not a dependency of
this MIT project) names a line, but the line where parsing stopped (the end of the file for an
unterminated string) with its grammar's token names.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from .tools import SynthError

__all__ = ["LibertyError", "Group", "parse_library", "parse_liberty", "read_liberty",
           "liberty_cells", "sequential_cells", "smallest_inverter", "has_timing"]


class LibertyError(SynthError):
    pass


@dataclass
class Group:
    kind: str
    args: list
    attrs: dict = field(default_factory=dict)
    groups: list = field(default_factory=list)
    line: int = 0


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f]+|\\\n)
  | (?P<nl>\n)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<opencomment>/\*)
  | (?P<string>"(?:[^"\\\n]|\\.|\\\n)*")
  | (?P<punct>[(){}:;,])
  | (?P<word>[^\s(){}:;,"]+)
""", re.VERBOSE | re.DOTALL)


def _tokens(text, where):
    pos, line = 0, 1
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text.startswith('"', pos):
                raise LibertyError(f"{where}: line {line}: unterminated string")
            raise LibertyError(f"{where}: line {line}: unexpected character {text[pos]!r}")
        kind = match.lastgroup
        value = match.group()
        if kind == "opencomment":
            raise LibertyError(f"{where}: line {line}: unterminated comment")
        if kind not in ("ws", "nl", "comment"):
            yield kind, value, line
        line += value.count("\n")
        pos = match.end()
    yield "eof", "", line


class _Parser:
    def __init__(self, text, where):
        self.where = where
        self.toks = list(_tokens(text, where))
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self, want=None):
        kind, value, line = self.toks[self.i]
        if want is not None and value != want:
            shown = "end of file" if kind == "eof" else repr(value)
            raise LibertyError(f"{self.where}: line {line}: expected {want!r}, found {shown}")
        self.i += 1
        return kind, value, line

    def value(self):
        kind, value, line = self.take()
        if kind not in ("word", "string"):
            shown = "end of file" if kind == "eof" else repr(value)
            raise LibertyError(f"{self.where}: line {line}: expected a value, found {shown}")
        return value.strip('"') if kind == "string" else value

    def statement(self, parent):
        kind, name, line = self.take()
        if kind != "word":
            shown = "end of file" if kind == "eof" else repr(name)
            raise LibertyError(f"{self.where}: line {line}: expected an attribute or group name, "
                               f"found {shown}")
        if self.peek()[1] == ":":
            self.take(":")
            parts = [self.value()]
            # Expressions such as `1.0 + 2` may span several words up to the `;`.
            while self.peek()[0] in ("word", "string"):
                parts.append(self.value())
            if self.peek()[1] == ";":
                self.take(";")
            parent.attrs[name] = " ".join(parts)
            return
        self.take("(")
        args = []
        while self.peek()[1] != ")":
            if self.peek()[0] == "eof":
                raise LibertyError(f"{self.where}: line {line}: unclosed '(' after {name!r}")
            args.append(self.value())
            if self.peek()[1] == ",":
                self.take(",")
        self.take(")")
        if self.peek()[1] == "{":
            self.take("{")
            group = Group(name, args, line=line)
            while self.peek()[1] != "}":
                if self.peek()[0] == "eof":
                    raise LibertyError(f"{self.where}: line {line}: group {name!r} is not closed")
                self.statement(group)
            self.take("}")
            parent.groups.append(group)
        else:
            if self.peek()[1] == ";":
                self.take(";")
            parent.attrs.setdefault(name, args)


def parse_library(text, where="liberty file"):
    """Parse Liberty ``text`` that must be exactly one ``library (...) { }`` group; return it.

    The syntax check alone (no requirement on the cells): :class:`LibertyError` (one line, with a
    line number) when the text does not parse or is not one ``library`` group.
    """
    parser = _Parser(text, where)
    root = Group("<file>", [])
    while parser.peek()[0] != "eof":
        parser.statement(root)
    libs = [g for g in root.groups if g.kind == "library"]
    if len(libs) != 1 or root.attrs or len(root.groups) != 1:
        raise LibertyError(f"{where}: expected exactly one top-level library (...) {{ }} group")
    return libs[0]


def parse_liberty(text, where="liberty file"):
    """Parse Liberty ``text``; return the top ``library`` :class:`Group`.

    Raises :class:`LibertyError` (one line, with a line number) when the text does not parse, is
    not one ``library`` group, or has no cell with an ``area``.
    """
    lib = parse_library(text, where)
    cells = liberty_cells(lib)
    if not cells:
        raise LibertyError(f"{where}: library {lib.args[0] if lib.args else ''!r} has no cell "
                           f"with an area")
    for name, area in cells.items():
        try:
            float(area)
        except ValueError:
            raise LibertyError(f"{where}: cell {name!r}: area {area!r} is not a number") from None
    return lib


def liberty_cells(lib):
    """``{cell name: area string}`` of the cells in a parsed library that state an area."""
    return {g.args[0] if g.args else "": g.attrs["area"]
            for g in lib.groups if g.kind == "cell" and "area" in g.attrs}


def read_liberty(path):
    """Read and parse a Liberty file; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise LibertyError(f"liberty file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LibertyError(f"liberty file {str(path)!r} cannot be read: {exc}") from None
    return parse_liberty(text, where=f"liberty file {str(path)!r}")


def sequential_cells(lib):
    """Names of the cells with an ``ff`` or ``latch`` group (flip-flops and latches)."""
    return {g.args[0] for g in lib.groups if g.kind == "cell" and g.args
            and any(sub.kind in ("ff", "latch", "ff_bank") for sub in g.groups)}


def _pins(cell, direction):
    return [p for p in cell.groups if p.kind == "pin" and p.attrs.get("direction") == direction]


def smallest_inverter(lib):
    """Name of the smallest-area inverter (one input ``A``, one output with function ``!A``,
    ``A'`` or ``(!A)``; ties broken by name), or None when the library has none."""
    found = []
    for cell in lib.groups:
        if cell.kind != "cell" or not cell.args or "area" not in cell.attrs:
            continue
        ins, outs = _pins(cell, "input"), _pins(cell, "output")
        if len(ins) != 1 or len(outs) != 1 or not ins[0].args:
            continue
        function = re.sub(r"[\s()]", "", str(outs[0].attrs.get("function", "")))
        name = ins[0].args[0]
        if function in (f"!{name}", f"{name}'"):
            found.append((float(cell.attrs["area"]), cell.args[0]))
    return min(found)[1] if found else None


def has_timing(lib):
    """True when some cell's pin has a ``timing`` group (what static timing needs)."""
    return any(sub.kind == "timing" for cell in lib.groups if cell.kind == "cell"
               for pin in cell.groups if pin.kind == "pin" for sub in pin.groups)
