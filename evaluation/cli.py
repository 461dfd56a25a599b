"""``sparq-rtl eval``: the accuracy evaluation (``python -m evaluation``) as a ``sparq-rtl``
subcommand.

::

    sparq-rtl eval [the options of python -m evaluation] [-d DIR] [--eval-seeds N ...]

A thin front end: it takes the options of :mod:`evaluation.__main__`'s own parser (so it follows
that command as it grows), adds the spellings the other subcommands use (``-d/--output-dir`` for
the output folder, ``--eval-seeds`` for the training seeds, as ``sparq-rtl sweep``), and runs
:func:`evaluation.__main__.main`. What changes is the ``sparq-rtl`` conventions: a bad option is
one line ``sparq-rtl: error: ...`` with status 2 (no usage block), the evaluation's own error
lines (``error: ...``) get the same prefix, a missing eval install tier is named with its
install command (status 1), and Ctrl-C ends it with ``sparq-rtl: error: interrupted`` (130).
Before it starts it prints on stderr what it runs and that Ctrl-C stops it.
"""

import argparse
import contextlib
import sys

from hdl.cli import PROG, Subcommand, require_tier

__all__ = ["SUBCOMMAND", "add_arguments", "run"]


def _evaluation_parser():
    from .__main__ import _parser
    return _parser()


def add_arguments(parser):
    # The evaluation's options arrive as parents (Subcommand.parents); these are the spellings
    # shared with the other subcommands.
    parser.add_argument("-d", "--output-dir", dest="out", default=argparse.SUPPRESS,
                        metavar="DIR", help="output folder (the same as --out)")
    parser.add_argument("--eval-seeds", dest="seeds", type=int, nargs="+",
                        default=argparse.SUPPRESS, metavar="SEED",
                        help="training seeds (the same as --seeds; sparq-rtl sweep's name)")


def forwarded(args):
    """The ``python -m evaluation`` arguments that give the parsed ``args`` (options left at
    their defaults are left out)."""
    argv = []
    for action in _evaluation_parser()._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default:
            continue
        option = max(action.option_strings, key=len)
        if action.nargs == 0:                       # a flag (store_true and the like)
            argv.append(option)
        elif isinstance(value, (list, tuple)):
            argv += [option, *map(str, value)]
        else:
            argv += [option, str(value)]
    return argv


class _Prefixed:
    """stderr with ``sparq-rtl: `` before each line the evaluation starts with ``error: ``."""

    def __init__(self, stream):
        self._stream, self._at_start = stream, True

    def write(self, text):
        out = []
        for piece in text.splitlines(keepends=True):
            if self._at_start and piece.startswith("error: "):
                piece = f"{PROG}: {piece}"
            out.append(piece)
            self._at_start = piece.endswith("\n")
        return self._stream.write("".join(out))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run(args):
    """Run the evaluation for parsed ``args``; returns its exit status."""
    require_tier("eval", "eval", ("torch", "sklearn"))
    argv = forwarded(args)
    from . import __main__ as evaluation_main
    seeds = " ".join(map(str, getattr(args, "seeds", None) or [])) or "the default"
    print(f"{PROG} eval: runs python -m evaluation {' '.join(argv)}".rstrip()
          + f" (trains and evaluates seeds {seeds} into {getattr(args, 'out', 'build/eval')}; "
            f"minutes); Ctrl-C stops it", file=sys.stderr, flush=True)
    with contextlib.redirect_stderr(_Prefixed(sys.stderr)):
        return evaluation_main.main(argv)


# What hdl.cli loads from the entry point group `sparq_rtl.subcommands`.
SUBCOMMAND = Subcommand("eval", "accuracy of the SPARQ settings on a trained network "
                        "(python -m evaluation) into build/eval", add_arguments, run,
                        parents=lambda: [_evaluation_parser()])
