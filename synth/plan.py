"""Which (design, target) runs a ``sparq-rtl synth`` call makes, and how long they should take.

Three plans:

- the **headline** (a bare ``sparq-rtl synth``, ``make synth``): the answer the project exists to
  give, in minutes. The encoders, the PE of every datapath and option, and one 2x2 array per
  datapath, on the generic CMOS estimate, iCE40 and ECP5 without DSPs, with routed Fmax (iCE40 and
  ECP5) for the PEs. Rounding does not reach the PE, and the encoders' rounding costs a few gates,
  so the headline takes nearest-even rounding. The 2:4 structured-sparse PE and 2x2 array of
  SPARQ and int8 and the dense int8 array of equal reduction positions per cycle (2x4) join it;
- the **full set** (``--all``, ``make synth-all``): every design of the default set on every
  default target;
- a **selection** (``--designs`` and/or ``--targets``): the designs (default: the default set)
  crossed with the targets (default: every default target).

:func:`estimate` predicts a plan's tool time before it starts, from the stored results of earlier
runs (the same design and target in the output folder's ``json/``; a result whose inputs are
unchanged is reused and costs nothing) and, for runs never made, from :data:`TYPICAL_SECONDS`,
measured per PE on the development machine.
"""

import json
from pathlib import Path

from .designs import DEFAULT_DESIGNS, resolve
from .targets import DEFAULT_TARGETS, TARGETS

__all__ = ["HEADLINE", "ASIC_UNIT", "headline_jobs", "full_jobs", "selection_jobs", "TYPICAL_SECONDS",
           "job_seconds", "estimate"]

_SETTINGS = ("sparq-b4-o5-ne", "sparq-b4-o3-ne", "sparq-b4-o2-ne", "int8", "a4w8")
_AREA = ("generic", "ice40", "ecp5-nodsp")

_PNR = ("ice40-pnr", "ecp5-nodsp-pnr")
_ASIC = ("asic-osu018",)
#: The 3- and 2-bit windows and their naive baselines (standard-cell rows of the headline).
_NARROW = ("sparq-b3-o6-ne", "sparq-b2-o7-ne", "a3w8", "a2w8")
#: Datapaths measured with the split multiply stage (``-pipe``) in the headline: SPARQ 5opt, and
#: the baselines it is compared with.
_PIPE_SETTINGS = ("sparq-b4-o5-ne", "int8", "a4w8")
#: With DSP blocks allowed: MACs per DSP and per LUT (synth.throughput.dsp_section).
_DSP = ("ecp5", "xc7", "ice40-dsp")

#: The headline plan: (design names, target names) groups. Every PE is placed and routed, and the
#: 2x2 arrays of SPARQ 5opt, int8 and a4w8, so that the throughput-per-area table
#: (synth/throughput.py) has their Fmax; the PEs also get the Xilinx 7 LUT count; the split
#: multiply stage (``-pipe``) is measured for the PEs of SPARQ 5opt, int8 and a4w8 and the arrays
#: of SPARQ 5opt and int8; int8 and SPARQ 5opt also run with DSPs allowed; a 2x2 dot-product unit
#: with 2 pairs per cycle of SPARQ 5opt, int8 and a4w8 is synthesized and placed and routed, with
#: and without the split multiply stage, and SPARQ 5opt's packed unit against int8 with DSPs.
HEADLINE = (
    ([f"{b}-{s}" for b in ("window", "pair") for s in _SETTINGS[:3]], _AREA),
    ([f"pe-{s}-k1152" for s in _SETTINGS], _AREA + ("xc7-nodsp",) + _PNR),
    ([f"pe-{s}-k1152-pipe" for s in _PIPE_SETTINGS], _AREA + _PNR),
    ([f"array-{s}-2x2-k1152" for s in _SETTINGS], _AREA),
    ([f"array-{s}-2x2-k1152{p}" for p in ("", "-pipe") for s in _PIPE_SETTINGS[:2]]
     + ["array-a4w8-2x2-k1152"], _AREA + _PNR),
    ([f"pe-{s}-k1152" for s in ("sparq-b4-o5-ne", "int8")]
     + [f"array-{s}-2x2-k1152" for s in ("sparq-b4-o5-ne", "int8")], _DSP),
    # The dot-product unit at a small shape (2x2 outputs, 2 pairs: 16 MACs per cycle, the 2x2
    # array's 8 twice), placed and routed: the unit where the multipliers dominate the area.
    ([f"dotprod-{s}-2x2p2-k1152{p}" for p in ("", "-pipe") for s in _PIPE_SETTINGS],
     _AREA + _PNR),
    # With DSPs allowed: int8's products go into DSPs one each; SPARQ's packed unit puts two
    # columns' products into one multiply (-pack), its plain form keeps them in LUTs.
    (["dotprod-sparq-b4-o5-ne-2x2p2-k1152-pack"], _AREA),
    ([f"dotprod-{s}-2x2p2-k1152{p}" for s, p in (("sparq-b4-o5-ne", ""),
                                                 ("sparq-b4-o5-ne", "-pack"), ("int8", ""))],
     _DSP),
    # 2:4 structured-sparse weights: SPARQ against the 2:4 int8 PE and array, and the dense int8
    # array with the 2:4 2x2 array's reduction positions per cycle (2x4: 8 PEs x 2 = 4 x 4).
    (["pe-sparq-b4-o5-ne-k1152-stc", "pe-int8-k1152-stc"], _AREA + _PNR),
    (["array-sparq-b4-o5-ne-2x2-k1152-stc", "array-int8-2x2-k1152-stc", "array-int8-2x4-k1152"],
     _AREA),
    # Standard cells (OSU 0.18 um, synth/asic.py): µm², OpenSTA Fmax, throughput per mm² of the
    # PE of every datapath (the 3- and 2-bit windows with their naive baselines, and the CMOS
    # estimate beside them), the split stage, the 2x2 arrays of SPARQ 5opt, int8 and a4w8 and the
    # 2:4 designs (about 6 minutes on 2 workers: the standard-cell mapping costs 10-20 times the
    # generic one). The dot-product units (a 4x4 one takes about 9 CPU minutes) are ASIC_UNIT,
    # `make synth-asic`.
    ([f"pe-{s}-k1152" for s in _SETTINGS + _NARROW], _ASIC + ("generic",)),
    ([f"pe-{s}-k1152-pipe" for s in _PIPE_SETTINGS], _ASIC),
    ([f"array-{s}-2x2-k1152" for s in _PIPE_SETTINGS], _ASIC),
    (["pe-sparq-b4-o5-ne-k1152-stc", "pe-int8-k1152-stc", "array-sparq-b4-o5-ne-2x2-k1152-stc",
      "array-int8-2x2-k1152-stc", "array-int8-2x4-k1152"], _ASIC),
)

#: The 4x4 dot-product unit with 4 pairs (128 MACs per cycle) on standard cells, one stage and
#: split, with the CMOS estimate: ``make synth-asic`` (the issue's unit goals), not the headline.
ASIC_UNIT = (
    [f"dotprod-{s}-4x4p4-k1152" for s in _SETTINGS]
    + [f"dotprod-{s}-4x4p4-k1152-pipe" for s in _PIPE_SETTINGS])

#: Typical tool seconds of one run: per encoder, and per PE for PEs and arrays (an array of
#: R x C PEs costs about R * C times a PE, its encoders included). Rounded up from the headline
#: run of 2026-12-01 (Yosys 0.70 and nextpnr 0.11.1 as WebAssembly, 2 workers, load average
#: 3.2-4.0 on the 2-core development machine; Xilinx from earlier runs, the slowest flow). Used
#: only where no stored timing of the same design and target exists.
TYPICAL_SECONDS = {
    "encoder": {"generic": 1, "liberty": 1, "asic-osu018": 3, "ice40": 2, "ecp5": 2, "ecp5-nodsp": 2, "xc7": 4,
                "xc7-nodsp": 4, "gowin": 2},
    "pe": {"generic": 2, "liberty": 2, "asic-osu018": 20, "ice40": 3, "ice40-dsp": 3, "ecp5": 3, "ecp5-nodsp": 3, "xc7": 12,
           "xc7-nodsp": 12, "gowin": 3, "ice40-pnr": 6, "ecp5-pnr": 8, "ecp5-nodsp-pnr": 8},
}


def headline_jobs():
    """``[(Design, [Target])]`` of the headline plan, one entry per design (a design in several
    groups gets the targets of all of them, in plan order)."""
    jobs = {}
    for names, targets in HEADLINE:
        for d in resolve(names):
            listed = jobs.setdefault(d, [])
            listed += [TARGETS[t] for t in targets if TARGETS[t] not in listed]
    return list(jobs.items())


def full_jobs(targets=None):
    """Every design of the default set on ``targets`` (default: every default target)."""
    targets = targets or [TARGETS[t] for t in DEFAULT_TARGETS]
    return [(d, list(targets)) for d in resolve(list(DEFAULT_DESIGNS))]


def selection_jobs(designs, targets):
    """``designs`` (Design objects) crossed with ``targets`` (Target objects)."""
    return [(d, list(targets)) for d in designs]


def _typical(info, target):
    block = info.get("block")
    if block in ("window", "pair"):
        return TYPICAL_SECONDS["encoder"].get(target.name, 5)
    pes = info.get("rows", 1) * info.get("cols", 1) if block in ("array", "dotprod") else 1
    if block == "dotprod":
        pes *= info.get("pairs", 1)
    return TYPICAL_SECONDS["pe"].get(target.name, 20) * pes


def job_seconds(jobs, out, *, keys=None):
    """Estimated tool seconds of each of ``jobs`` (``[(Source, Target)]``): 0 for a run whose
    stored result in ``out`` carries the key it would have (``keys``: job index -> the key of
    :func:`synth.flow.cache_key`; None when nothing may be reused, as with ``--force``), else the
    stored timing of the same design and target (any inputs), else :data:`TYPICAL_SECONDS`."""
    out_seconds = []
    for i, (source, target) in enumerate(jobs):
        stored = _stored(out, source.name, target.name)
        if stored is not None and keys is not None and stored.get("key") == keys.get(i):
            out_seconds.append(0.0)
        elif stored is not None and "seconds" in stored:
            out_seconds.append(float(stored["seconds"]))
        else:
            out_seconds.append(float(_typical(source.info, target)))
    return out_seconds


def estimate(seconds, *, workers):
    """``(runs, reused, wall seconds)`` from :func:`job_seconds`: the tool runs, how many are
    reused, and the estimated wall time on ``workers`` parallel tools."""
    runs = len(seconds)
    reused = sum(1 for s in seconds if s == 0.0)
    return runs, reused, sum(seconds) / max(1, min(workers, runs - reused or 1))


def _stored(out, design, target):
    path = Path(out) / "json" / f"{design}.{target}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
