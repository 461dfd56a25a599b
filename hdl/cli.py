"""``sparq-rtl``: the command-line front end of :mod:`hdl.generate`.

::

    sparq-rtl verilog {window,pair,pe,array,dotprod} [--bits 4|3|2] [--options 5|3|2|6|7]
                      [--rounding nearest-even|truncate] [--datapath sparq|int8|a4w8|a3w8|a2w8]
                      [--rows R --cols C --max-k K] [--pairs P] [--name MODULE]
                      [--interface native|axis] [--skid] [--stc] [--mul-pipe] [--dsp-pack]
                      [--fusesoc]
                      (-o FILE.v | -d DIR)

writes ``FILE.v`` and beside it the JSON sidecar ``FILE.json``, the header ``FILE.vh``, the
package ``FILE_pkg.sv``, the file list ``FILE.f`` and with ``--fusesoc`` the FuseSoC core
``FILE.core`` (see :func:`hdl.generate.write`); with ``-d DIR``, ``DIR/MODULE.v`` and so on
(``MODULE``: ``--name`` or the default name). It prints the paths written, one a line.

Errors are one line on stderr, ``sparq-rtl: error: <message>`` for every subcommand, naming the
parameter and the value; the message is the one Python callers get as ValueError/TypeError.
``sparq-rtl --version`` prints ``sparq-rtl <version of the sparq-hw distribution>``;
``sparq-rtl`` without arguments prints the help on stderr and exits with status 2. Options must
be spelt out: no parser accepts an abbreviation (``--out`` is not ``--output``).

Exit status, the same for every subcommand:

- 0: success (also ``--help`` and ``--version``);
- 1: the run failed: an output cannot be written (``output path 'x.v' cannot be written: ...``,
  found before anything is generated where it can be), a tool failed; nothing half-written is
  left behind;
- 2: bad usage: a bad or missing argument, an unknown subcommand, no subcommand; nothing is run
  and nothing is written;
- 130: interrupted (Ctrl-C; SIGTERM too during ``synth``): running tools are stopped, and no
  partial output is left (``synth`` keeps the results of the runs that completed and writes its
  report marked INCOMPLETE with the runs that are missing); the one line is all that is printed
  (no Amaranth warning about the components left unelaborated, nothing from Dask's workers).

A reader that goes away (``sparq-rtl ... | head``) ends the command quietly with status 1.

Subcommands are pluggable: a module registers one with :func:`register` (``name``, one-line help,
``add_arguments(parser)``, ``run(args) -> exit status``), or a package declares a
:class:`Subcommand` under the entry-point group ``sparq_rtl.subcommands``. ``run`` may raise
ValueError/TypeError (reported as a bad argument, status 2), :class:`CommandError` or
:class:`hdl.generate.OutputError` (reported, status 1), or print its own one-line errors with
:data:`ERROR_PREFIX` and return one of the statuses above.
"""

import argparse
import os
import sys
from importlib import metadata
from typing import Callable, NamedTuple

from .config import SparqConfig
from . import generate
from .naming import FIELD_BLOCKS

__all__ = ["main", "register", "Subcommand", "CommandError", "SUBCOMMANDS", "ENTRY_POINT_GROUP",
           "closed_pipe",
           "ERROR_PREFIX", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_INTERRUPTED"]

PROG = "sparq-rtl"
ENTRY_POINT_GROUP = "sparq_rtl.subcommands"
DISTRIBUTION = "sparq-hw"

#: Every error line of every subcommand starts with this.
ERROR_PREFIX = f"{PROG}: error: "

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Subcommand(NamedTuple):
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A subcommand failed for a reason other than a bad argument (exit status 1)."""


#: Registered subcommands by name, in registration order (the order ``--help`` lists them).
SUBCOMMANDS = {}


def register(name, help, add_arguments, run):
    """Add a subcommand to ``sparq-rtl`` (see the module docstring)."""
    if name in SUBCOMMANDS:
        raise ValueError(f"subcommand {name!r} is already registered")
    SUBCOMMANDS[name] = Subcommand(name, help, add_arguments, run)


class _UsageError(Exception):
    pass


class _Exit(Exception):
    # --help and --version: argparse has printed them; main() returns the status.
    def __init__(self, status):
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        # No prefix abbreviations (`--out` for `--output`): a later option could make them
        # ambiguous, and a script that relied on one would break.
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    # argparse prints the usage and exits; the contract here is one line and status 2.
    def error(self, message):
        raise _UsageError(message)

    def exit(self, status=0, message=None):
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


def _version():
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


# -- verilog --------------------------------------------------------------------------------------

#: Defaults of a block that differ from :class:`SparqConfig`'s: the dot-product unit is a 4x4
#: tile of outputs (a Tensor-Core-like step), not the array's 8x8.
_BLOCK_DEFAULTS = {"dotprod": {"rows": 4, "cols": 4}}


def _add_verilog_arguments(parser):
    parser.add_argument("block", metavar="{" + ",".join(generate.BLOCKS) + "}",
                        help="the top level to generate")
    parser.add_argument("--bits", type=int, metavar="4|3|2",
                        help="window width of a pair (sparq; default 4): 4, 3 or 2")
    parser.add_argument("--options", type=int, metavar="5|3|2|6|7",
                        help="window positions: 4-bit 5 {0..4}, 3 {0,2,4}, 2 {0,4}; 3-bit 6 "
                             "{0..5}; 2-bit 7 {0..6} (default 5, 6, 7 for 4, 3, 2 bits)")
    parser.add_argument("--rounding", metavar="nearest-even|truncate",
                        help="rounding below the window (default nearest-even)")
    parser.add_argument("--datapath", metavar="sparq|int8|a4w8|a3w8|a2w8",
                        help="PE datapath (pe, array; window and pair are sparq only; default sparq)")
    parser.add_argument("--rows", type=int, metavar="R",
                        help="array rows / dotprod output rows M (array: default 8; dotprod: 4)")
    parser.add_argument("--cols", type=int, metavar="C",
                        help="array columns / dotprod output columns N (array: default 8; "
                             "dotprod: 4)")
    parser.add_argument("--pairs", type=int, metavar="P",
                        help="pairs of reduction positions per cycle (dotprod only; default 4)")
    parser.add_argument("--max-k", dest="max_k", type=int, metavar="K",
                        help="largest reduction length the accumulators hold (pe, array, "
                             "dotprod; default 1152)")
    parser.add_argument("--interface", metavar="native|axis",
                        help="port naming (array, dotprod): native streams (default) or AXI4-Stream "
                             "(aclk, aresetn, s_axis_a_t*, s_axis_b_t*, m_axis_c_t*; module name "
                             "suffix _axis)")
    parser.add_argument("--skid", action="store_true", default=None,
                        help="a skid buffer on each input stream (array, dotprod): a.ready and "
                             "b.ready become register outputs, independent of every input of "
                             "the same cycle (module name suffix _skid)")
    parser.add_argument("--stc", action="store_true", default=None,
                        help="2:4 structured-sparse weights (pe, array; datapath sparq or int8): "
                             "weights arrive compressed, two values and their positions per "
                             "group of four (module name suffix _stc)")
    parser.add_argument("--mul-pipe", dest="mul_pipe", action="store_true", default=None,
                        help="split the multiply stage over two register stages (pe, array, dotprod): "
                             "one cycle more latency, a shorter critical path (name suffix _pipe)")
    parser.add_argument("--dsp-pack", dest="dsp_pack", action="store_true", default=None,
                        help="compute two columns' products with one multiply, their weights "
                             "packed on its wide operand, so a DSP block takes two (dotprod, "
                             "sparq with 4-bit windows; name suffix _pack)")
    parser.add_argument("--name", metavar="MODULE",
                        help="top module name (default: derived from the parameters)")
    parser.add_argument("--fusesoc", action="store_true",
                        help="also write a FuseSoC core (FILE.core) beside the Verilog")
    output = parser.add_mutually_exclusive_group(required=True)
    output.add_argument("-o", "--output", metavar="FILE.v",
                        help="Verilog output; the sidecar goes to FILE.json")
    output.add_argument("-d", "--output-dir", metavar="DIR",
                        help="write DIR/MODULE.v and DIR/MODULE.json instead")


def _run_verilog(args):
    block = args.block
    if block not in generate.BLOCKS:
        raise ValueError(f"block must be one of {', '.join(generate.BLOCKS)}, not {block!r}")
    fields = dict(_BLOCK_DEFAULTS.get(block, {}))
    for field in ("datapath", "bits", "options", "rounding", "rows", "cols", "max_k", "interface",
                  "skid", "stc", "mul_pipe", "dsp_pack", "pairs"):
        value = getattr(args, field)
        if value is None:
            continue
        # A flag the block ignores is refused rather than silently dropped, so that nobody
        # believes they configured something they did not (hdl.naming.FIELD_BLOCKS).
        if block not in FIELD_BLOCKS.get(field, generate.BLOCKS):
            flag = "--" + field.replace("_", "-")
            names = FIELD_BLOCKS[field]
            listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            raise ValueError(f"{flag} applies to block {listed} only, "
                             f"not {block!r}")
        fields[field] = value
    config = SparqConfig(**fields)
    output = args.output
    if output is None:
        module = generate.default_name(block, config) if args.name is None else args.name
        output = os.path.join(args.output_dir, f"{generate.check_name(module)}.v")
    for written in generate.write(block, config, output, name=args.name, fusesoc=args.fusesoc):
        if written is not None:
            print(written)
    return EXIT_OK


register("verilog", "write the Verilog of one block and its JSON sidecar",
         _add_verilog_arguments, _run_verilog)


# -- main -----------------------------------------------------------------------------------------

def _load_entry_points():
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in SUBCOMMANDS:
            sub = entry.load()
            register(sub.name, sub.help, sub.add_arguments, sub.run)


def _parser():
    parser = _Parser(prog=PROG, description="SPARQ hardware generator")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}",
                        help=f"print '{PROG} VERSION' (of the {DISTRIBUTION} distribution) and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=_Parser)
    for sub in SUBCOMMANDS.values():
        sub.add_arguments(subparsers.add_parser(sub.name, help=sub.help, description=sub.help))
    return parser


def main(argv=None):
    """Run ``sparq-rtl`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    _load_entry_points()
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    if not argv:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
        status = SUBCOMMANDS[args.command].run(args)
        sys.stdout.flush()      # a closed pipe shows here, inside the handlers below
        return status
    except _Exit as exc:
        return exc.status
    except (CommandError, generate.OutputError) as exc:    # (OutputError is a ValueError)
        return _fail(f"{ERROR_PREFIX}{exc}", EXIT_FAILURE)
    except (_UsageError, ValueError, TypeError) as exc:
        return _fail(f"{ERROR_PREFIX}{exc}", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail(f"{ERROR_PREFIX}interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return closed_pipe()


def closed_pipe():
    """What a command does when its reader went away (``sparq-rtl ... | head``): nothing more
    to say, no traceback; stdout goes to /dev/null so that the flush at exit does not fail
    again. Returns the exit status, 1."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    _quiet_unused()
    return EXIT_FAILURE


def _quiet_unused():
    # A run stopped halfway (Ctrl-C, an error) leaves the components it built unelaborated;
    # Amaranth would warn about each one (hundreds for an array) when they are freed, after the
    # one-line message that says what happened.
    import warnings
    from amaranth.hdl import UnusedElaboratable
    warnings.simplefilter("ignore", UnusedElaboratable)


def _fail(message, status):
    _quiet_unused()
    print(message, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
