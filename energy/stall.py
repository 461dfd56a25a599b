"""Stall independence: the same operand stream with random bubbles gives the same energy per MAC,
up to what the bubbles themselves cost, which is accounted separately.

**The stalled stream** (:func:`stall_words`): before every pair but the first, the source stalls
with probability ``p``, and each bubble cycle is followed by another with probability ``p``
(seeded: runs of bubbles of geometric length); a bubble holds the previous word's payload and
``last`` with ``valid`` low (a source holding its output register). The PE has no ``ready``:
its stream stalls only on the valid side.

**What must be equal** between the unstalled run U and the stalled run S of one stream
(:func:`compare`), exactly, in either simulation mode:

1. *Staged logic.* The netlist's nets are put in pipeline stages (:func:`stages`): the payload
   inputs are stage 0 (``valid_in`` has none; ports held constant through the run, reset and
   the drain chain, :data:`PE_CONSTANT_PORTS`, are ignored); a register whose data input
   depends on the nets of one stage ``s`` only is in stage ``s + 1``; a combinational net that
   depends on the registers (or inputs) of one stage only is in that stage. In S each stage
   holds its values through a bubble and all of it changes at the same clock edges, with the
   same transitions as in U: every staged net switches exactly as often (rises and falls),
   glitches included. For the PE these are the operand registers, the multipliers, shifters and
   weight selects, the slot product registers and the logic that reads only them.
2. *State.* Every other register outside the valid pipeline (the accumulator, the result) has the
   same rises and falls: the PE's contract, "valid low: nothing changes".
3. *The valid pipeline* (registers that only delay ``valid_in``) switches exactly 2 more times
   per run of bubbles (down and up again).
4. *Clock and leakage per cycle* are equal (S has more cycles: its clock and leakage per MAC
   grow by the idle cycles, accounted as such).

**What is measured, not equal**: the combinational logic that mixes stages or reads the valid
pipeline (the accumulator's adder and its enable): in a bubble the products stage still holds
the last pair, which the accumulator has already added, so the adder computes the sum plus that
pair once more, a value U never shows. Its energy in U and S is reported; the
difference is the data path's cost of a bubble, beside the clock's.
"""

import sys

import numpy as np

__all__ = ["stall_words", "stages", "compare", "StallCheckError", "PE_CONSTANT_PORTS"]


class StallCheckError(RuntimeError):
    """A quantity that must be equal between the unstalled and the stalled run is not."""


def stall_words(words, probability, seed):
    """``(stalled words, bubbles, bubble runs)`` of the per-cycle words ``(valid, last, a, b)``
    (:func:`energy.gatesim.stimulus_words`): bubbles inserted as the module docstring says.
    ValueError naming the parameter for a probability outside [0, 1) or a negative seed."""
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) \
            or not 0 <= probability < 1:
        raise ValueError(f"stall probability must be a number in [0, 1), not {probability!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"stall seed must be an int >= 0, not {seed!r}")
    rng = np.random.default_rng(seed)
    out, bubbles, runs = [], 0, 0
    for i, word in enumerate(words):
        if i:
            n = 0
            while rng.random() < probability:
                n += 1
            if n:
                _, last, a, b = out[-1]
                out += [(0, last, a, b)] * n
                bubbles += n
                runs += 1
        out.append(tuple(word))
    return out, bubbles, runs


def _register_of(names, inst, cell):
    from .model import _INDEX
    q = next((inst.pins[p] for p in cell.outputs if isinstance(inst.pins.get(p), int)), None)
    return _INDEX.sub("", names.get(q, inst.name)).lstrip("\\") if q is not None else inst.name


#: Inputs the PE's testbench holds constant through the dumped window (reset, the drain chain).
PE_CONSTANT_PORTS = ("rst", "drain", "drain_in")


def stages(netlist, library, *, valid="valid_in", clock="clk", constant=PE_CONSTANT_PORTS):
    """Pipeline stages of ``netlist`` (see the module docstring): ``(stage, valid_regs,
    reg_bits)``: ``stage`` maps a net bit to its stage (absent: not staged), ``valid_regs`` the
    register names of the valid pipeline, ``reg_bits`` register name -> its output bits."""
    drivers, inputs = {}, {}
    for inst in netlist.instances:
        cell = library.cell(inst.cell)
        for pin in cell.outputs:
            bit = inst.pins.get(pin)
            if isinstance(bit, int):
                drivers[bit] = (inst, cell)
    port_of = {b: name for name, (d, bits) in netlist.ports.items() if d == "input"
               for b in bits if isinstance(b, int)}
    names = netlist.bit_names()
    reg_of, reg_bits = {}, {}
    for inst in netlist.instances:
        cell = library.cell(inst.cell)
        if cell.sequential:
            reg = _register_of(names, inst, cell)
            for pin in cell.outputs:
                bit = inst.pins.get(pin)
                if isinstance(bit, int):
                    reg_of[bit] = reg
                    reg_bits.setdefault(reg, []).append(bit)
            inputs[reg] = inputs.get(reg, []) + [
                inst.pins[p] for p in cell.inputs
                if p not in cell.clocks and isinstance(inst.pins.get(p), int)]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    cone = {}

    def sources(bit):
        # The registers and input ports a net depends on through combinational cells.
        if bit in cone:
            return cone[bit]
        if bit in port_of:
            name = port_of[bit]
            found = frozenset() if name in constant or name == clock else frozenset(
                {("port", name)})
        elif bit in reg_of:
            found = frozenset({("reg", reg_of[bit])})
        elif bit in drivers:
            inst, cell = drivers[bit]
            found = frozenset().union(*[sources(inst.pins[p]) for p in cell.inputs
                                        if isinstance(inst.pins.get(p), int)])
        else:
            found = frozenset()
        cone[bit] = found
        return found

    try:
        reg_sources = {r: frozenset().union(*[sources(b) for b in bits])
                       for r, bits in inputs.items()}
        comb = {b: sources(b) for b in drivers if b not in reg_of}
    finally:
        sys.setrecursionlimit(limit)
    valid_regs = set()
    changed = True
    while changed:
        changed = False
        for r, src in reg_sources.items():
            if r not in valid_regs and src and src <= ({("port", valid)}
                                                      | {("reg", v) for v in valid_regs}):
                valid_regs.add(r)
                changed = True
    reg_stage = {}

    def stage_of(src):
        levels = set()
        for kind, name in src:
            if kind == "port":
                if name == valid:
                    return None
                levels.add(0)
            elif name in reg_stage:
                levels.add(reg_stage[name])
            else:
                return None
        return levels.pop() if len(levels) == 1 else None

    changed = True
    while changed:
        changed = False
        for r, src in reg_sources.items():
            if r in reg_stage or r in valid_regs:
                continue
            s = stage_of(src)
            if s is not None:
                reg_stage[r] = s + 1
                changed = True
    stage = {}
    for r, s in reg_stage.items():
        for b in reg_bits[r]:
            stage[b] = s
    for b, src in comb.items():
        s = stage_of(src)
        if s is not None:
            stage[b] = s
    return stage, sorted(valid_regs), reg_bits


def _energy(netlist, lib_cells, toggles, keep, cycles, options):
    # Combinational + sequential energy of the cells driving the bits in ``keep`` (the others'
    # outputs priced as idle).
    from .model import price
    masked = {b: (t if b in keep else (0, 0)) for b, t in toggles.items()}
    e = price(netlist, lib_cells, masked, cycles, options)
    return e.combinational + e.sequential


def compare(netlist, lib_cells, toggles_u, toggles_s, breakdown_u, breakdown_s, runs, macs,
            options, *, constant=PE_CONSTANT_PORTS):
    """Check the equalities of the module docstring between the unstalled run (``toggles_u``,
    ``breakdown_u``: :class:`energy.model.EnergyBreakdown`) and the stalled run of the same
    stream, ``runs`` runs of bubbles; :class:`StallCheckError` naming the first net that breaks
    one. Returns a JSON-ready record: the counts checked and the energy of each part per MAC."""
    stage, valid_regs, reg_bits = stages(netlist, lib_cells, clock=options.clock,
                                         constant=constant)
    names = netlist.bit_names()
    valid_bits = {b for r in valid_regs for b in reg_bits[r]}
    reg_all = {b for bits in reg_bits.values() for b in bits}

    def counts(toggles, b):
        return tuple(toggles.get(b, (0, 0)))

    for b in sorted(stage):
        if counts(toggles_u, b) != counts(toggles_s, b):
            raise StallCheckError(f"staged net {names.get(b, b)} (stage {stage[b]}) switched "
                                  f"{counts(toggles_u, b)} (rises, falls) unstalled, "
                                  f"{counts(toggles_s, b)} stalled")
    state = sorted(reg_all - valid_bits - set(stage))
    for b in state:
        if counts(toggles_u, b) != counts(toggles_s, b):
            raise StallCheckError(f"register {names.get(b, b)} switched {counts(toggles_u, b)} "
                                  f"(rises, falls) unstalled, {counts(toggles_s, b)} stalled: a "
                                  f"bubble changed the state")
    for b in sorted(valid_bits):
        extra = sum(counts(toggles_s, b)) - sum(counts(toggles_u, b))
        if extra != 2 * runs:
            raise StallCheckError(f"valid pipeline register {names.get(b, b)} switched {extra} "
                                  f"times more stalled, not 2 x {runs} bubble runs")
    per_cycle = {}
    for what in ("clock", "leakage"):
        u = getattr(breakdown_u, what) / breakdown_u.cycles
        s = getattr(breakdown_s, what) / breakdown_s.cycles
        if not np.isclose(u, s, rtol=1e-12, atol=0.0):
            raise StallCheckError(f"{what} energy per cycle differs: {u!r} pJ unstalled, "
                                  f"{s!r} pJ stalled")
        per_cycle[what] = u
    staged = set(stage)
    e_staged = _energy(netlist, lib_cells, toggles_u, staged, breakdown_u.cycles, options)
    out = {"staged_nets": len(staged), "state_register_bits": len(state),
           "valid_pipeline": valid_regs, "bubble_runs": runs,
           "clock_pj_per_cycle": per_cycle["clock"], "leakage_pj_per_cycle": per_cycle["leakage"],
           "staged_pj_per_mac": e_staged / macs}
    for tag, toggles, bd in (("unstalled", toggles_u, breakdown_u),
                             ("stalled", toggles_s, breakdown_s)):
        data = bd.combinational + bd.sequential
        out[f"{tag}_data_pj_per_mac"] = data / macs
        out[f"{tag}_other_pj_per_mac"] = (data - e_staged) / macs
        out[f"{tag}_pj_per_mac"] = bd.total / macs
        out[f"{tag}_cycles"] = bd.cycles
    return out
