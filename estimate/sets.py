"""The measured sets: which designs calibrate the model, which are held out to validate it, and
the targets and metrics the model covers.

Calibration: every result of the headline plan (``make synth``: encoders, PEs, 2x2 arrays, 2x2
dot-product units with 2 pairs, every datapath and option it measures) on the modelled targets,
plus :data:`CALIBRATION_EXTRA` (the accumulator width: PEs with a short ``max_k``). Held out
(never fitted on): :data:`HELD_OUT`, larger designs than any calibration design (4x4 arrays,
dot-product units with 4 pairs).
"""

__all__ = ["AREA_METRICS", "FMAX_TARGETS", "TARGETS", "CALIBRATION_EXTRA", "HELD_OUT",
           "EXTRA_TARGETS", "HELD_OUT_TARGETS", "role"]

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

#: Small designs added to the headline plan's results for calibration.
CALIBRATION_EXTRA = ("pe-int8-k64", "pe-sparq-b4-o5-ne-k64")
EXTRA_TARGETS = ("generic", "ice40", "ecp5-nodsp", "asic-osu018")

#: Held-out designs: larger than any calibration design, never fitted on.
HELD_OUT = (
    "array-sparq-b4-o5-ne-4x4-k1152",
    "array-int8-4x4-k1152",
    "array-a4w8-4x4-k1152",
    "dotprod-sparq-b4-o5-ne-2x2p4-k1152",
    "dotprod-int8-2x2p4-k1152",
)
HELD_OUT_TARGETS = ("generic", "ice40", "ecp5-nodsp", "asic-osu018")


def role(design):
    """``held-out`` for a design of :data:`HELD_OUT`, else ``calibration``."""
    return "held-out" if design in HELD_OUT else "calibration"
