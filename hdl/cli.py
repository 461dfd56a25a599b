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
be spelt out: no parser accepts an abbreviation (``--out`` is not ``--output``), and an unknown
option is the error reported even when a required one is missing too (``sparq-rtl verilog window
--out x.v``: ``unrecognized arguments: --out x.v``, not "one of -o/-d is required").

One spelling for one meaning in every subcommand: ``-o FILE`` names a file, ``-d/--output-dir
DIR`` a folder (:func:`add_output_dir`; ``synth`` and ``sweep`` still take ``-o DIR``, with a
warning line ``sparq-rtl: warning: ...``), ``--jobs N`` the parallel workers (``--workers`` the
same option), ``--pnr-seed``/``--pnr-seeds`` placement seeds and ``--eval-seeds`` training seeds
(older spellings accepted with a warning, :class:`Deprecated`). A subcommand run with nothing to
do where everything would be a long run prints its help (:class:`ShowUsage`: a bare ``sparq-rtl
sweep``); one that needs an install tier that is missing names its install command
(:func:`require_tier`, status 1).

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

from dataclasses import fields

from .blocks import BLOCKS, block_of
from .config import FIELDS, SparqConfig
from . import generate
from .naming import blocks_text

__all__ = ["main", "register", "Subcommand", "CommandError", "ShowUsage", "SUBCOMMANDS",
           "ENTRY_POINT_GROUP", "ERROR_PREFIX", "EXIT_OK", "EXIT_FAILURE",
           "EXIT_USAGE", "EXIT_INTERRUPTED", "Deprecated", "add_output_dir", "warn_deprecated",
           "require_tier", "closed_pipe"]

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
    #: Optional: returns argparse parsers whose options the subcommand takes as its own
    #: (argparse's ``parents``; each with its ``-h``, as a plain ArgumentParser has), so that a
    #: command with a parser of its own (``python -m evaluation``) is registered without a copy.
    parents: Callable[[], list] = None


class CommandError(Exception):
    """A subcommand failed for a reason other than a bad argument (exit status 1)."""


class ShowUsage(Exception):
    """Raised by a subcommand's ``run`` that was given nothing to do where doing everything would
    start a long run (a bare ``sparq-rtl sweep``): ``sparq-rtl`` prints the subcommand's help on
    stderr, then the exception's message (if any) as one error line, and exits with status 2."""


#: Registered subcommands by name, in registration order (the order ``--help`` lists them).
SUBCOMMANDS = {}


def register(name, help, add_arguments, run, parents=None):
    """Add a subcommand to ``sparq-rtl`` (see the module docstring and :class:`Subcommand`)."""
    if name in SUBCOMMANDS:
        raise ValueError(f"subcommand {name!r} is already registered")
    SUBCOMMANDS[name] = Subcommand(name, help, add_arguments, run, parents)


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
        self._parsing = None

    def parse_known_args(self, args=None, namespace=None):
        self._parsing = list(sys.argv[1:] if args is None else args)
        try:
            return super().parse_known_args(args, namespace)
        finally:
            self._parsing = None

    # argparse prints the usage and exits; the contract here is one line and status 2.
    def error(self, message):
        # argparse reports a missing required argument before an unknown one, so a misspelt
        # option (`--out x.v` for `-o x.v`) would read "one of -o/-d is required": name the
        # unknown option instead, as the cause.
        if self._parsing is not None and "required" in message:
            unknown = self._unknown(self._parsing)
            if unknown:
                message = f"unrecognized arguments: {' '.join(unknown)}"
        raise _UsageError(message)

    def _unknown(self, args):
        # What this parser leaves unparsed when nothing is required.
        required = [(a, a.required) for a in self._actions]
        groups = [(g, g.required) for g in self._mutually_exclusive_groups]
        self._parsing = None            # an error while parsing again keeps the first message
        try:
            for a, _ in required:
                a.required = False
            for g, _ in groups:
                g.required = False
            return super().parse_known_args(args, argparse.Namespace())[1]
        except _UsageError:
            return []
        finally:
            for a, r in required:
                a.required = r
            for g, r in groups:
                g.required = r

    def exit(self, status=0, message=None):
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


class Deprecated(argparse.Action):
    """An older spelling of an option, still accepted: stores like ``store`` and notes the
    spelling, which :func:`warn_deprecated` reports (one warning line, the run goes on).

    ``parser.add_argument("--seeds", dest="pnr_seeds", nargs="*", type=int, action=Deprecated,
    instead="--pnr-seeds", help=argparse.SUPPRESS)``"""

    def __init__(self, option_strings, dest, instead, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.instead = instead

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        notes = getattr(namespace, "deprecated_options", [])
        setattr(namespace, "deprecated_options", notes + [(option_string, self.instead)])


def warn_deprecated(args, prog=PROG):
    """One warning line on stderr per older option spelling in ``args`` (see :class:`Deprecated`)."""
    for used, instead in getattr(args, "deprecated_options", []):
        print(f"{prog}: warning: {used} is an older spelling here; use {instead}",
              file=sys.stderr)


def add_output_dir(parser, help, default=None):
    """The output folder option of a subcommand: ``-d/--output-dir DIR`` into ``args.output``, as
    ``sparq-rtl verilog -d`` (``-o`` names a file: ``verilog -o FILE.v``). ``-o/--output DIR``,
    the older spelling of the folder option, is still accepted with a warning."""
    parser.add_argument("-d", "--output-dir", dest="output", default=default, metavar="DIR",
                        help=help)
    parser.add_argument("-o", "--output", dest="output", action=Deprecated,
                        instead="-d/--output-dir (-o names a file, as in sparq-rtl verilog -o "
                                "FILE.v)", help=argparse.SUPPRESS)


#: The install tiers of pyproject.toml, with the make target that installs each.
_TIER_TARGETS = {"sim": "make sim", "synth": "make synth", "eval": "make eval",
                 "sweep": "make sweep"}


def require_tier(command, tier, modules):
    """Raise :class:`CommandError` naming the install command of ``tier`` when one of
    ``modules`` (import names) is missing: ``sparq-rtl synth`` in a generator-only install."""
    from importlib.util import find_spec
    for module in modules:
        try:
            found = find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise CommandError(
                f"{PROG} {command} needs the {tier} install tier (Python package {module!r} is "
                f"missing): pip install '{DISTRIBUTION}[{tier}]', from a clone pip install -e "
                f"'.[{tier}]' or {_TIER_TARGETS[tier]}")


def _version():
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


# -- verilog --------------------------------------------------------------------------------------

def _flag(field):
    # The flag of a configuration field: its name with - for _ (max_k -> --max-k).
    return "--" + field.replace("_", "-")


def _add_verilog_arguments(parser):
    parser.add_argument("block", metavar="{" + ",".join(BLOCKS) + "}",
                        help="the top level to generate")
    # One flag per configuration field, from the schema (hdl.config.FIELDS): its value, help and
    # the blocks that take it.
    for f in fields(SparqConfig):
        field = FIELDS[f.name]
        takers = "" if set(field.blocks) == set(BLOCKS) else f"{', '.join(field.blocks)}: "
        help = f"({takers.rstrip(': ')}) {field.help}" if takers else field.help
        if f.type in (bool, "bool"):
            help += f" (name suffix _{field.tag.lstrip('-')})"
            parser.add_argument(_flag(f.name), dest=f.name, action="store_true", default=None,
                                help=help)
        else:
            parser.add_argument(_flag(f.name), dest=f.name, metavar=field.metavar,
                                type=int if f.type in (int, "int") else str, help=help)
    parser.add_argument("--name", metavar="MODULE",
                        help="top module name (default: derived from the parameters)")
    parser.add_argument("--fusesoc", action="store_true",
                        help="also write a FuseSoC core (FILE.core) beside the Verilog")
    output = parser.add_mutually_exclusive_group(required=True)
    output.add_argument("-o", "--output", metavar="FILE.v",
                        help="Verilog output; beside it the sidecar FILE.json, the header "
                             "FILE.vh, the package FILE_pkg.sv and the file list FILE.f")
    output.add_argument("-d", "--output-dir", metavar="DIR",
                        help="write DIR/MODULE.v and beside it the same files as -o instead")


def _run_verilog(args):
    block = block_of(args.block)
    values = dict(block.defaults)
    for name in FIELDS:
        value = getattr(args, name)
        if value is None:
            continue
        # A flag the block ignores is refused rather than silently dropped, so that nobody
        # believes they configured something they did not.
        if name not in block.fields:
            raise ValueError(f"{_flag(name)} applies to {blocks_text(name)} only, not "
                             f"{block.name!r}")
        values[name] = value
    config = SparqConfig(**values)
    output = args.output
    if output is None:
        module = generate.default_name(block.name, config) if args.name is None else args.name
        output = os.path.join(args.output_dir, f"{generate.check_name(module)}.v")
    for written in generate.write(block.name, config, output, name=args.name,
                                  fusesoc=args.fusesoc):
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
            register(*sub)


def _parser():
    parser = _Parser(prog=PROG, description="SPARQ hardware generator")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}",
                        help=f"print '{PROG} VERSION' (of the {DISTRIBUTION} distribution) and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=_Parser)
    parser.subcommand_parsers = {}
    for sub in SUBCOMMANDS.values():
        # A subcommand with parent parsers takes their -h.
        parents = sub.parents() if sub.parents is not None else []
        parser.subcommand_parsers[sub.name] = subparsers.add_parser(
            sub.name, help=sub.help, description=sub.help, parents=parents,
            add_help=not parents)
        sub.add_arguments(parser.subcommand_parsers[sub.name])
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
        warn_deprecated(args)
        status = SUBCOMMANDS[args.command].run(args)
        sys.stdout.flush()      # a closed pipe shows here, inside the handlers below
        return status
    except _Exit as exc:
        return exc.status
    except ShowUsage as exc:
        parser.subcommand_parsers[args.command].print_help(sys.stderr)
        if str(exc):
            print(f"{ERROR_PREFIX}{exc}", file=sys.stderr)
        return EXIT_USAGE
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
