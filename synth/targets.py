"""Synthesis and place-and-route targets: the Yosys script of each and the figures read from
Yosys' ``stat -json`` (never from its text output).

Figures (``metrics``) by target:

- ``generic``: ``synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX``, then ``stat -tech cmos``:
  ``transistors`` is Yosys' CMOS estimate of the logic (Yosys leaves flip-flops with an enable or
  reset uncounted and marks the figure ``+``; the figure here is that number), ``cells`` the
  gate-level cell count, ``ffs`` the flip-flops. Then every flip-flop is lowered to a plain D
  flip-flop (``dfflegalize``: enable and reset become gates), mapped again, and counted again:
  ``transistors_ff`` is the complete estimate, flip-flops included.
- ``asic-osu018``: the ASIC flow (:mod:`synth.asic`) on the bundled OSU 0.18 um cells
  (``make cells-osu018``): the design mapped onto the cells (:func:`synth.netlist.map_to_cells`:
  ``dfflibmap``, ``abc -liberty`` with a delay target and a constraint file), then timed with
  OpenSTA (:mod:`synth.sta`): ``area`` (µm², ``stat -liberty``), ``sequential_area``, ``ffs``,
  ``ff_share`` (flip-flop area / area), ``cells``; ``path_ns`` (worst path delay), ``fmax_mhz``
  and ``wns_ns`` at the target's clock period. The mapped netlist is kept.
- ``liberty`` (needs ``--liberty FILE``): the same flow on the user's library; area in the
  library's area unit; timing only when the library has timing tables.
- ``ice40`` (``synth_ice40``, no DSP): ``luts`` (SB_LUT4), ``carries`` (SB_CARRY), ``ffs``;
  ``ice40-dsp`` (``synth_ice40 -dsp``, not a default target): the same and ``dsps`` (SB_MAC16).
- ``ecp5`` / ``ecp5-nodsp``: ``luts`` = LUT4 + 2 x CCU2C (a carry cell is two LUT4s), ``lut4``,
  ``ccu2c``, ``ffs``, ``dsps`` (MULT18X18D and ALU54B).
- ``xc7`` / ``xc7-nodsp`` (``synth_xilinx -family xc7 -flatten``): ``luts`` (LUT1..LUT6), ``carries``
  (CARRY4), ``muxes`` (MUXF7/8), ``ffs``, ``dsps`` (DSP48E1).
- ``gowin`` (``synth_gowin``): ``luts`` = LUT1..LUT4 + ALU (one LUT each), ``alus``, ``ffs``,
  ``dsps``.
- ``ice40-pnr``, ``ecp5-pnr``, ``ecp5-nodsp-pnr``: the design inside the registered harness
  (:mod:`synth.harness`), synthesized and placed and routed with a fixed seed: ``fmax_mhz``
  (achieved, on ``clk``) and the device utilization.
"""

import re
from dataclasses import dataclass, field

from .tools import SynthError

__all__ = ["Target", "TARGETS", "DEFAULT_TARGETS", "resolve_targets", "cell_metrics"]

GENERIC_GATES = "AND,NAND,OR,NOR,XOR,XNOR,MUX"

#: Clock period (ns) the ASIC targets map for (ABC's delay target) and time at (WNS): 10 ns,
#: slower than every design measured, so that ABC maps for area under the constraint file's
#: driver and load and the figures compare area against area; Fmax comes from OpenSTA.
ASIC_PERIOD_NS = 10.0


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    family: str                 # generic | asic | ice40 | ecp5 | xc7 | gowin
    synth: str                  # Yosys synthesis commands, {top} substituted
    primary: str                # the headline area figure
    primary_label: str
    pnr: str = None             # ice40 | ecp5: place and route with nextpnr
    needs_liberty: bool = False
    area_target: str = None     # for pnr targets: the synthesis target whose area goes with Fmax
    also: tuple = ()            # further (figure, label) rows of the headline table
    library: str = None         # asic: "osu018" (bundled) or "user" (--liberty FILE)
    period_ns: float = None     # asic: clock period of static timing and of ABC's delay target


def _t(*args, **kwargs):
    return Target(*args, **kwargs)


TARGETS = {t.name: t for t in (
    _t("generic", "technology-independent gates, CMOS transistor estimate", "generic",
       "synth -flatten -top {top}; delete t:$scopeinfo; "
       f"abc -g {GENERIC_GATES}; opt_clean; tee -q -o stat_logic.json stat -json -tech cmos; "
       f"dfflegalize -cell $_DFF_P_ 01; abc -g {GENERIC_GATES}; opt_clean",
       "transistors", "transistors (logic)",
       also=(("transistors_ff", "transistors (with FFs)"), ("cells", "gates + FFs"))),
    _t("liberty", "standard cells of the --liberty library: area, static timing", "asic",
       "", "area", "area", needs_liberty=True, also=(("fmax_mhz", "Fmax MHz (STA)"),),
       library="user", period_ns=ASIC_PERIOD_NS),
    _t("ice40", "Lattice iCE40: LUT4, carry, DFF (no DSP)", "ice40",
       "synth_ice40 -top {top}", "luts", "LUT4", also=(("carries", "SB_CARRY"),)),
    _t("ice40-dsp", "Lattice iCE40 with DSPs (synth_ice40 -dsp: SB_MAC16)", "ice40",
       "synth_ice40 -dsp -top {top}", "luts", "LUT4", also=(("dsps", "DSP"),)),
    _t("ecp5", "Lattice ECP5 with DSPs", "ecp5",
       "synth_ecp5 -top {top}", "luts", "LUT4 eq.", also=(("dsps", "DSP"),)),
    _t("ecp5-nodsp", "Lattice ECP5 without DSPs", "ecp5",
       "synth_ecp5 -nodsp -top {top}", "luts", "LUT4 eq."),
    _t("xc7", "Xilinx 7-series with DSPs", "xc7",
       "synth_xilinx -family xc7 -flatten -top {top}", "luts", "LUT", also=(("dsps", "DSP"),)),
    _t("xc7-nodsp", "Xilinx 7-series without DSPs", "xc7",
       "synth_xilinx -family xc7 -flatten -nodsp -top {top}", "luts", "LUT"),
    _t("gowin", "Gowin (LUT4, ALU, DFF)", "gowin",
       "synth_gowin -top {top}", "luts", "LUT+ALU", also=(("dsps", "DSP"),)),
    _t("ice40-pnr", "iCE40 UP5K sg48 place and route (nextpnr), registered harness", "ice40",
       "synth_ice40 -top {top}", "fmax_mhz", "Fmax MHz", pnr="ice40", area_target="ice40"),
    _t("ecp5-pnr", "ECP5 place and route (nextpnr), DSPs allowed, registered harness", "ecp5",
       "synth_ecp5 -top {top}", "fmax_mhz", "Fmax MHz", pnr="ecp5", area_target="ecp5"),
    _t("ecp5-nodsp-pnr", "ECP5 place and route (nextpnr), no DSPs, registered harness", "ecp5",
       "synth_ecp5 -nodsp -top {top}", "fmax_mhz", "Fmax MHz", pnr="ecp5",
       area_target="ecp5-nodsp"),
    _t("asic-osu018", "OSU 0.18 um standard cells (1.8 V typical): area µm², OpenSTA timing",
       "asic", "", "area", "area µm²", also=(("fmax_mhz", "Fmax MHz (STA)"),),
       library="osu018", period_ns=ASIC_PERIOD_NS),
)}

#: Targets run when none are named (``liberty`` joins them when a liberty file is given).
DEFAULT_TARGETS = ("generic", "asic-osu018", "ice40", "ecp5", "ecp5-nodsp", "xc7", "xc7-nodsp", "gowin",
                   "ice40-pnr", "ecp5-pnr", "ecp5-nodsp-pnr")


def resolve_targets(names=None, *, liberty=None):
    """Targets for ``names`` (default :data:`DEFAULT_TARGETS`); SynthError for an unknown one."""
    if not names:
        names = list(DEFAULT_TARGETS) + (["liberty"] if liberty else [])
    out = []
    for name in names:
        if name not in TARGETS:
            raise SynthError(f"unknown target {name!r} (known: {', '.join(TARGETS)})")
        if TARGETS[name].needs_liberty and not liberty:
            raise SynthError(f"target {name!r} needs --liberty FILE")
        if TARGETS[name] not in out:
            out.append(TARGETS[name])
    return out


def _count(cells, pattern):
    rx = re.compile(pattern)
    return sum(n for t, n in cells.items() if rx.fullmatch(t.lstrip("\\")))


def _transistors(value):
    # Yosys prints the estimate as a string, "1234" or "1234+" when some cell had no known cost.
    text = str(value)
    return int(text.rstrip("+")), text.endswith("+")


def _cells(stat):
    return {t.lstrip("\\"): n for t, n in stat.get("num_cells_by_type", {}).items()}


_GENERIC_FF = r"\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DFFSR|DFFSRE|DLATCH)\w*_"


def cell_metrics(family, stat, logic_stat=None, sequential=None):
    """Figures of one ``stat -json`` design record for a target ``family``.

    ``generic`` also needs ``logic_stat``, the record taken before the flip-flops were lowered;
    ``asic`` takes ``sequential``, the library's flip-flop and latch cell names.
    """
    cells = _cells(stat)
    m = {"cells": stat["num_cells"]}
    if family == "generic":
        logic_cells = _cells(logic_stat)
        logic, _ = _transistors(logic_stat["estimated_num_transistors"])
        complete, incomplete = _transistors(stat["estimated_num_transistors"])
        if incomplete:
            raise SynthError("stat -tech cmos left cells uncounted after lowering the flip-flops "
                             f"(estimate ends in '+'): cells {sorted(cells)}")
        ffs = _count(logic_cells, _GENERIC_FF)
        m = {"transistors": logic, "transistors_ff": complete, "cells": logic_stat["num_cells"],
             "gates": logic_stat["num_cells"] - ffs, "ffs": ffs}
    elif family == "asic":
        area, seq = stat["area"], stat.get("sequential_area", 0.0)
        m.update(area=area, sequential_area=seq,
                 ffs=sum(n for t, n in cells.items() if t in (sequential or ())),
                 ff_share=round(seq / area, 4) if area else None)
    elif family == "ice40":
        m.update(luts=_count(cells, r"SB_LUT4"), carries=_count(cells, r"SB_CARRY"),
                 ffs=_count(cells, r"SB_DFF\w*"), dsps=_count(cells, r"SB_MAC16"),
                 rams=_count(cells, r"SB_RAM\w+|SB_SPRAM\w+"))
    elif family == "ecp5":
        lut4, ccu2c = _count(cells, r"LUT4"), _count(cells, r"CCU2C")
        m.update(luts=lut4 + 2 * ccu2c, lut4=lut4, ccu2c=ccu2c,
                 ffs=_count(cells, r"TRELLIS_FF"), dsps=_count(cells, r"MULT18X18D|ALU54B"),
                 muxes=_count(cells, r"PFUMX|L6MUX21"),
                 rams=_count(cells, r"DP16KD|TRELLIS_DPR16X4"))
    elif family == "xc7":
        m.update(luts=_count(cells, r"LUT[1-6]"), carries=_count(cells, r"CARRY4"),
                 muxes=_count(cells, r"MUXF[78]"), ffs=_count(cells, r"FD[A-Z]*"),
                 dsps=_count(cells, r"DSP48E1"), srls=_count(cells, r"SRL\w+"),
                 rams=_count(cells, r"RAM\w+"))
    elif family == "gowin":
        lut, alu = _count(cells, r"LUT[1-4]"), _count(cells, r"ALU")
        m.update(luts=lut + alu, lut4=lut, alus=alu, ffs=_count(cells, r"DFF\w*"),
                 muxes=_count(cells, r"MUX2_LUT\d"), dsps=_count(cells, r"MULT\w+"),
                 rams=_count(cells, r"(S?DPX?9?B|SPX?9?|ROMX?9?|RAM16\w+)"))
    else:
        raise SynthError(f"unknown target family {family!r}")
    return m
