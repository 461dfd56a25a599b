"""The measured sets: which designs calibrate the model, which are held out to validate it, and
the targets and metrics the model covers.

Calibration: every result of the headline plan (``make synth``: encoders, PEs, 2x2 arrays, 2x2
dot-product units with 2 pairs, every datapath and option it measures) on the modelled targets,
plus :data:`CALIBRATION_EXTRA`. Held out (never fitted on): :data:`HELD_OUT`, larger designs than
any calibration design (4x4 and 8x8 arrays, dot-product units with 4 pairs), and for the routed
Fmax :data:`HELD_OUT_PNR`, the headline's routed 2x2 arrays.
"""

__all__ = ["AREA_METRICS", "FMAX_TARGETS", "TARGETS", "CALIBRATION_EXTRA", "HELD_OUT",
           "HELD_OUT_RUNS", "HELD_OUT_PNR", "role"]

#: Area-like metrics the model estimates, per synthesis target (synth/targets.py): FPGA LUT4 (no
#: DSPs), flip-flops, Yosys' CMOS transistor estimate, OSU 0.18 um cell area.
AREA_METRICS = {
    "ice40": ("luts", "ffs"),
    "ecp5-nodsp": ("luts",),
    "generic": ("transistors", "transistors_ff"),
    "asic-osu018": ("area",),
}

#: Targets whose ``fmax_mhz`` the model estimates: the area target each belongs to, and the flow.
FMAX_TARGETS = {
    "ice40-pnr": "ice40",
    "ecp5-nodsp-pnr": "ecp5-nodsp",
    "asic-osu018": "asic-osu018",
}

#: The targets ``sparq-rtl estimate --target`` takes.
TARGETS = tuple(AREA_METRICS)

#: Small designs added to the headline plan's results for calibration, as (designs, targets)
#: groups: the accumulator width (PEs with a short max_k), the skid buffers, single-output
#: dot-product units with adder trees of 2 and 8 products (the headline's units all have trees of
#: 4: without other sizes the cost of a tree bit cannot be told from the cost of a slot), and the
#: 2x2 dot-product units on standard cells (the headline measures them on the FPGA targets only;
#: without them the adder trees and their levels have no cost on the cells).
CALIBRATION_EXTRA = (
    (("pe-int8-k64", "pe-sparq-b4-o5-ne-k64",
      "array-int8-2x2-k1152-skid", "array-sparq-b4-o5-ne-2x2-k1152-skid"),
     ("generic", "ice40", "ecp5-nodsp", "asic-osu018")),
    (("dotprod-sparq-b4-o5-ne-1x1p1-k1152", "dotprod-int8-1x1p1-k1152",
      "dotprod-sparq-b4-o5-ne-1x1p4-k1152", "dotprod-int8-1x1p4-k1152"),
     ("generic", "ice40", "ecp5-nodsp", "asic-osu018")),
    (("dotprod-sparq-b4-o5-ne-2x2p2-k1152", "dotprod-int8-2x2p2-k1152",
      "dotprod-a4w8-2x2p2-k1152", "dotprod-sparq-b4-o5-ne-2x2p2-k1152-pipe",
      "dotprod-int8-2x2p2-k1152-pipe", "dotprod-sparq-b4-o5-ne-2x2p2-k1152-pack"),
     ("asic-osu018",)),
)

#: Held-out designs: larger than any calibration design, never fitted on.
HELD_OUT = (
    "array-sparq-b4-o5-ne-8x8-k1152",
    "array-sparq-b4-o5-ne-4x4-k1152",
    "array-int8-4x4-k1152",
    "array-a4w8-4x4-k1152",
    "dotprod-sparq-b4-o5-ne-2x2p4-k1152",
    "dotprod-int8-2x2p4-k1152",
)
#: Routed Fmax held out: the headline's routed 2x2 arrays are left out of the place-and-route
#: Fmax fits (the routed 4x4 arrays would take hours of CPU, and the iCE40 UP5K is too small for
#: them): the fit sees PEs and 2x2 dot-product units, the arrays are predicted.
HELD_OUT_PNR = (
    "array-sparq-b4-o5-ne-2x2-k1152", "array-sparq-b4-o5-ne-2x2-k1152-pipe",
    "array-int8-2x2-k1152", "array-int8-2x2-k1152-pipe", "array-a4w8-2x2-k1152",
)

#: The held-out runs: area and Fmax on standard cells, area on the FPGA targets and the CMOS
#: estimate.
HELD_OUT_RUNS = (
    (HELD_OUT, ("generic", "ice40", "ecp5-nodsp", "asic-osu018")),
)


def role(design, target):
    """``held-out`` for a design of :data:`HELD_OUT`, and on the place-and-route targets for one
    of :data:`HELD_OUT_PNR`; else ``calibration``."""
    if design in HELD_OUT or (target in ("ice40-pnr", "ecp5-nodsp-pnr") and design in HELD_OUT_PNR):
        return "held-out"
    return "calibration"
