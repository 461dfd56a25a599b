"""The default set of Verilog top levels, derived from the schema: what ``make verilog`` writes.

::

    python -m hdl.default_set -d DIR       # DIR/<module>.v and the files beside each (make verilog)
    python -m hdl.default_set --list       # the design names, one a line

The set: the window selector and the pair encoder of every SPARQ setting (:data:`golden.tags.
SPARQ_SETTINGS`, every window width, option count and rounding); the PE, the 8x8 array and the
dot-product unit (4x4 outputs, 4 pairs per cycle) of every datapath (:data:`hdl.config.DATAPATHS`,
SPARQ with its default 4-bit windows) and of SPARQ with each other window width (its default
option count, nearest-even); max K 1152. A new setting or datapath joins it without an edit here.
"""

import argparse
import os
import sys

from golden.tags import SPARQ_SETTINGS, parse_setting_tag

from .blocks import BLOCK_TABLE
from .config import BITS, DATAPATHS, SparqConfig
from .naming import design_name

__all__ = ["default_set", "main"]


def _setting_config(tag):
    setting = parse_setting_tag(tag)
    return SparqConfig(bits=setting["bits"], options=setting["options"],
                       rounding=setting["rounding"])


def default_set():
    """``[(block, SparqConfig)]`` of the default set, in a stable order (see the module doc)."""
    encoders = [b for b, spec in BLOCK_TABLE.items() if spec.sparq_only]
    computing = [b for b, spec in BLOCK_TABLE.items() if not spec.sparq_only]
    out = [(block, _setting_config(tag)) for tag in SPARQ_SETTINGS for block in encoders]
    datapaths = [{"datapath": d} for d in DATAPATHS]
    datapaths += [{"bits": b} for b in BITS if b != SparqConfig().bits]
    for values in datapaths:
        for block in computing:
            out.append((block, SparqConfig(**{**BLOCK_TABLE[block].defaults, **values})))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m hdl.default_set",
                                     description="Write the default set of Verilog top levels.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("-d", "--output-dir", metavar="DIR",
                        help="write DIR/MODULE.v and beside it its sidecar, headers and file list")
    action.add_argument("--list", action="store_true", help="print the design names")
    args = parser.parse_args(argv)
    from . import generate
    for block, config in default_set():
        if args.list:
            print(design_name(block, config))
            continue
        path = os.path.join(args.output_dir, generate.default_name(block, config) + ".v")
        for written in generate.write(block, config, path):
            if written is not None:
                print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
