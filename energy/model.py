"""The energy model: switching activity of a gate-level netlist priced with its Liberty file.

Over a window of ``cycles`` clock cycles of ``period_ns`` each, with per-net rising and falling
transition counts (:mod:`energy.activity`), the energy of the design is the sum of:

- **internal energy** of every cell output transition: the output pin's ``rise_power`` or
  ``fall_power`` table (mean over its arcs) at the net's load and the stated input slew;
- **switching energy** ``1/2 C V^2`` per transition of every net a cell drives, ``C`` the net's
  load: the input-pin capacitances of its fanout, plus ``wire_pf`` per fanout pin (a stated wire
  load: no interconnect is extracted), plus ``output_load_pf`` when the net is an output port (the
  neighbour it drives);
- **input-pin energy** of pins with their own tables (a flip-flop's data pin) per transition of
  the pin's net, and **clock energy**: every flip-flop clock pin's rise and fall energy once per
  cycle, plus ``1/2 C V^2`` twice per cycle on the clock net (an ideal clock: no tree is built);
- **leakage**: every cell's ``cell_leakage_power`` times ``cycles * period_ns``.

Nets driven from outside (input ports other than the clock) are switched by the design's driver:
their ``1/2 C V^2`` is reported as ``inputs`` and is not in ``total`` (in an array it is the
neighbour's output load, counted there).

Categories: ``combinational`` and ``sequential`` (cells without and with an ``ff``/``latch``
group: their output internal energy, the switching of the nets they drive, the data-pin energy),
``clock``, ``leakage``; ``registers`` splits the sequential energy by register name (a flip-flop's
output net name without its bit index); ``logic`` splits the combinational energy by what each
cell feeds (:func:`logic_groups`): the register groups (register names without their digits, so
that ``acc_0_1`` and ``acc_1_0`` are ``acc``) and output ports its outputs reach through
combinational cells only, joined with ``+`` when several. The mapping flattens the design and
ABC's cells carry no source names, so this is how the logic is split into sub-blocks: in the PE
the multiply stage feeds ``slot_product`` and the accumulate stage ``acc``/``result``; in the
dot-product unit SPARQ's pair encoders feed the input register ``op``, the products and adder
trees ``sum``, the accumulators ``acc``.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .netgraph import fanout

__all__ = ["PricingOptions", "EnergyBreakdown", "price", "bit_activity", "logic_groups",
           "register_group", "DEFAULT_SLEW_NS",
           "DEFAULT_WIRE_PF", "DEFAULT_OUTPUT_LOAD_PF"]

#: Input slew every table is read at, ns (between the OSU 0.18 um tables' first two points: the
#: output slew of a lightly loaded X1 cell).
DEFAULT_SLEW_NS = 0.1
#: Wire capacitance per fanout pin, pF (about 10 um of minimum-width metal in 0.18 um).
DEFAULT_WIRE_PF = 0.002
#: Load on every output port, pF: the mapping's constraint (synth.netlist.DEFAULT_LOAD_PF).
DEFAULT_OUTPUT_LOAD_PF = 0.02


@dataclass(frozen=True)
class PricingOptions:
    """The stated inputs of the model: ``slew_ns``, ``wire_pf`` (per fanout pin),
    ``output_load_pf``, ``period_ns`` (clock period, for leakage), ``clock`` (clock port name).
    Every value is checked: ValueError naming the parameter otherwise."""
    slew_ns: float = DEFAULT_SLEW_NS
    wire_pf: float = DEFAULT_WIRE_PF
    output_load_pf: float = DEFAULT_OUTPUT_LOAD_PF
    period_ns: float = 10.0
    clock: str = "clk"

    def __post_init__(self):
        for name in ("slew_ns", "period_ns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number, not {value!r}")
        for name in ("wire_pf", "output_load_pf"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a non-negative number of pF, not {value!r}")

    def as_dict(self):
        return {"slew_ns": self.slew_ns, "wire_pf_per_fanout": self.wire_pf,
                "output_load_pf": self.output_load_pf, "period_ns": self.period_ns,
                "clock": self.clock}


@dataclass
class EnergyBreakdown:
    """Energy of a window, pJ: ``combinational``, ``sequential``, ``clock``, ``leakage`` (their
    sum is ``total``), ``inputs`` (outside ``total``), ``registers`` (register name -> pJ, a split
    of ``sequential``), ``logic`` (what the logic feeds -> pJ, a split of ``combinational``,
    :func:`logic_groups`), ``internal``/``switching`` (a split of ``combinational +
    sequential``), ``cycles``."""
    combinational: float
    sequential: float
    clock: float
    leakage: float
    inputs: float
    internal: float
    switching: float
    cycles: int
    registers: dict = field(default_factory=dict)
    logic: dict = field(default_factory=dict)

    @property
    def total(self):
        return self.combinational + self.sequential + self.clock + self.leakage

    def as_dict(self):
        return {"total_pj": self.total, "combinational_pj": self.combinational,
                "sequential_pj": self.sequential, "clock_pj": self.clock,
                "leakage_pj": self.leakage, "inputs_pj_not_in_total": self.inputs,
                "internal_pj": self.internal, "switching_pj": self.switching,
                "cycles": self.cycles,
                "registers_pj": dict(sorted(self.registers.items())),
                "logic_pj": dict(sorted(self.logic.items()))}


def bit_activity(netlist, activity):
    """bit -> (rises, falls) for every net bit named in both the netlist and the
    :class:`~energy.activity.Activity` (VCD names may carry the Verilog escape ``\\``)."""
    by_name = {}
    for name in activity.rises:
        by_name[name.lstrip("\\").strip()] = name
    out = {}
    for name, bits in netlist.netnames.items():
        key = by_name.get(name.lstrip("\\"))
        if key is None:
            continue
        rises, falls = activity.rises[key], activity.falls[key]
        if len(rises) != len(bits):
            continue
        for i, b in enumerate(bits):
            if isinstance(b, int):
                out[b] = (rises[i], falls[i])
    return out


_INDEX = re.compile(r"\[\d+\]$")
_DIGITS = re.compile(r"_?\d+")


def register_group(name):
    """The group of register (or port) ``name``: without its bit index and digits (``acc_0_1``,
    ``acc_1_0[3]`` -> ``acc``; ``slot1_product`` -> ``slot_product``)."""
    return _DIGITS.sub("", _INDEX.sub("", name).lstrip("\\")) or name


def logic_groups(netlist, library):
    """Instance name -> the label of what each combinational cell feeds: the sorted register
    groups (:func:`register_group` of the flip-flops' output nets) and output ports its outputs
    reach through combinational cells only, joined with ``+``; ``"none"`` when it reaches
    neither."""
    names = netlist.bit_names()
    sinks = defaultdict(list)      # bit -> the instances with an input pin on it
    outputs = {}                   # instance name -> its output bits
    group_of = {}                  # flip-flop name -> its register group
    for inst in netlist.instances:
        cell = library.cell(inst.cell)
        for pin, bit in inst.pins.items():
            if pin in cell.inputs and isinstance(bit, int):
                sinks[bit].append(inst)
        bits = [inst.pins[p] for p in cell.outputs if isinstance(inst.pins.get(p), int)]
        outputs[inst.name] = bits
        if cell.sequential:
            group_of[inst.name] = register_group(names.get(bits[0], "unnamed")) if bits else None
    ports = {}
    for port, (direction, bits) in netlist.ports.items():
        if direction == "output":
            for b in bits:
                if isinstance(b, int):
                    ports.setdefault(b, set()).add(register_group(port))
    reach = {}
    visiting = set()

    def bit_reach(root):
        # Iterative depth-first walk (combinational depth can exceed Python's recursion limit);
        # a bit met again while its walk is open (a combinational loop) adds nothing twice.
        stack = [(root, False)]
        while stack:
            bit, expanded = stack.pop()
            if bit in reach:
                continue
            if not expanded:
                if bit in visiting:
                    continue
                visiting.add(bit)
                stack.append((bit, True))
                stack += [(o, False) for i in sinks.get(bit, ()) if i.name not in group_of
                          for o in outputs[i.name] if o not in reach and o not in visiting]
                continue
            found = set(ports.get(bit, ()))
            for i in sinks.get(bit, ()):
                if i.name in group_of:
                    if group_of[i.name] is not None:
                        found.add(group_of[i.name])
                else:
                    for o in outputs[i.name]:
                        found |= reach.get(o, set())
            reach[bit] = frozenset(found)
        return reach[root]

    labels = {}
    for inst in netlist.instances:
        if inst.name in group_of:
            continue
        found = set()
        for o in outputs[inst.name]:
            found |= bit_reach(o)
        labels[inst.name] = "+".join(sorted(found)) or "none"
    return labels


def price(netlist, library, toggles, cycles, options=PricingOptions()):
    """Price ``toggles`` (bit -> (rises, falls), e.g. :func:`bit_activity`) over ``cycles`` cycles.

    Every cell output bit must have a count (ValueError naming the net otherwise: a net missing
    from the activity would be priced as idle). Returns an :class:`EnergyBreakdown`.
    """
    if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 0:
        raise ValueError(f"cycles must be a non-negative int, not {cycles!r}")
    v2 = library.voltage ** 2
    caps, count = fanout(netlist, library)
    out_ports = netlist.port_bits("output")
    in_ports = netlist.port_bits("input")
    clock_bits = {b for b in netlist.ports.get(options.clock, ("input", []))[1] if isinstance(b, int)}
    if not clock_bits:
        raise ValueError(f"clock port {options.clock!r} is not an input of {netlist.top}")
    names = netlist.bit_names()

    def load(bit):
        return caps[bit] + options.wire_pf * count[bit] + (
            options.output_load_pf if bit in out_ports else 0.0)

    comb = seq = clock = leak = internal = switching = 0.0
    registers = defaultdict(float)
    logic = defaultdict(float)
    labels = logic_groups(netlist, library)
    for inst in netlist.instances:
        cell = library.cell(inst.cell)
        leak += cell.leakage_nw * cycles * options.period_ns * 1e-6    # nW x ns = 1e-6 pJ
        e_cell = 0.0
        for pin in cell.outputs:
            bit = inst.pins.get(pin)
            if not isinstance(bit, int):
                continue
            if bit not in toggles:
                raise ValueError(f"net {names.get(bit, bit)} (output {pin} of {inst.name}, "
                                 f"{inst.cell}) has no activity")
            rises, falls = toggles[bit]
            c = load(bit)
            energy = cell.output_energy[pin]
            e_int = (rises * energy.energy(True, c, options.slew_ns)
                     + falls * energy.energy(False, c, options.slew_ns))
            e_sw = 0.5 * c * v2 * (rises + falls)
            internal += e_int
            switching += e_sw
            e_cell += e_int + e_sw
        for pin, energy in cell.input_energy.items():
            if not (energy.rise or energy.fall):
                continue
            bit = inst.pins.get(pin)
            if not isinstance(bit, int):
                continue
            if pin in cell.clocks and bit in clock_bits:
                e = cycles * (energy.energy(True, 0.0, options.slew_ns)
                              + energy.energy(False, 0.0, options.slew_ns))
                clock += e
                continue
            rises, falls = toggles.get(bit, (0, 0))
            e = (rises * energy.energy(True, 0.0, options.slew_ns)
                 + falls * energy.energy(False, 0.0, options.slew_ns))
            internal += e
            e_cell += e
        if cell.sequential:
            seq += e_cell
            q = next((inst.pins[p] for p in cell.outputs if isinstance(inst.pins.get(p), int)), None)
            reg = _INDEX.sub("", names.get(q, "unnamed")) if q is not None else "unconnected"
            registers[reg.lstrip("\\")] += e_cell
        else:
            comb += e_cell
            logic[labels[inst.name]] += e_cell
    for bit in clock_bits:
        clock += 0.5 * load(bit) * v2 * 2 * cycles
    inputs = 0.0
    for bit in in_ports - clock_bits:
        rises, falls = toggles.get(bit, (0, 0))
        inputs += 0.5 * load(bit) * v2 * (rises + falls)
    return EnergyBreakdown(comb, seq, clock, leak, inputs, internal, switching, cycles,
                           dict(registers), dict(logic))
