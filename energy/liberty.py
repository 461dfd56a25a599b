"""The energy figures of a standard-cell library, read from its Liberty file.

:func:`read_liberty` reads a ``.lib`` with Yosys's own Liberty parser (``libparse``, through the
``lln-libparse`` package: the parser Yosys's ``dfflibmap`` and ``read_liberty`` read the same file
with when the design is mapped and its netlist read back) and keeps, per cell, what the energy
model (:mod:`energy.model`) prices switching activity with:

- the capacitance of every input pin (pF), which is the load the pin puts on its net;
- per output pin, the ``internal_power`` tables (``rise_power``, ``fall_power``, one per related
  input pin): the energy drawn inside the cell for one rising or falling transition of that
  output, as a function of the output net's capacitance and the input slew;
- per input pin, the ``internal_power`` tables without a related pin (the "passive" energy of a
  flip-flop's clock and data pins): energy per rising or falling transition of the input, as a
  function of the input slew;
- ``cell_leakage_power`` and whether the cell is sequential (has an ``ff``/``latch`` group) and
  which of its pins are clocks.

Units are converted once, here: capacitance to pF, time to ns, energy to pJ (a table value is
energy in ``capacitive_load_unit x voltage_unit**2``), leakage to nW. Table look-up is bilinear in
the table's own axes, with linear extrapolation past the last point (what static-timing tools do);
:meth:`EnergyTable.lookup` is the single place that reads a table.

The text is first checked by :func:`synth.liberty.parse_library` (a malformed file is rejected
with its line number): ``libparse`` gives line numbers for most faults, but on some it does not
return (an unterminated string), ends the Python process (an empty file), or ignores text after
the library group. The checker rejects those before ``libparse`` sees the file.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["EnergyTable", "PinEnergy", "Cell", "Library", "read_liberty", "LibertyError"]


class LibertyError(ValueError):
    """The Liberty file lacks something the energy model needs, or says it in units it cannot read."""


_CAP_UNIT_PF = {"ff": 1e-3, "pf": 1.0, "nf": 1e3}
_TIME_NS = {"1ps": 1e-3, "10ps": 1e-2, "100ps": 0.1, "1ns": 1.0, "10ns": 10.0}
_LEAK_NW = {"1pw": 1e-3, "10pw": 1e-2, "100pw": 0.1, "1nw": 1.0, "10nw": 10.0, "100nw": 100.0,
            "1uw": 1e3, "10uw": 1e4, "100uw": 1e5, "1mw": 1e6}
_VOLT = {"1v": 1.0, "1mv": 1e-3}


def _text(value):
    return str(value).strip().strip('"').strip()


@dataclass(frozen=True)
class EnergyTable:
    """One ``rise_power``/``fall_power`` table: ``values`` (pJ) over up to two axes.

    ``load_axis``/``slew_axis``: the breakpoints in pF and ns, or ``None`` when the table does
    not depend on that quantity; ``values`` is indexed ``[load][slew]`` (axes that are ``None``
    have length 1).
    """
    load_axis: tuple | None
    slew_axis: tuple | None
    values: tuple

    def lookup(self, load_pf, slew_ns):
        """Energy in pJ at ``load_pf`` and ``slew_ns``: bilinear, linear extrapolation outside."""
        rows = [self._interp(self.slew_axis, row, slew_ns) for row in self.values]
        return self._interp(self.load_axis, rows, load_pf)

    @staticmethod
    def _interp(axis, ys, x):
        if axis is None or len(axis) == 1:
            return float(ys[0])
        i = int(np.searchsorted(axis, x)) - 1
        i = min(max(i, 0), len(axis) - 2)
        x0, x1 = axis[i], axis[i + 1]
        t = (x - x0) / (x1 - x0)
        return float(ys[i] + t * (ys[i + 1] - ys[i]))


@dataclass(frozen=True)
class PinEnergy:
    """Rise and fall energy tables of one pin: the arcs of an output (one per related pin, the
    model averages them: which input caused a transition is not known), or the passive tables of
    an input (one arc, related pin ``None``)."""
    rise: tuple = ()
    fall: tuple = ()

    def energy(self, rising, load_pf, slew_ns):
        """Mean over the arcs of the rise (``rising``) or fall energy, pJ; 0 without tables."""
        tables = self.rise if rising else self.fall
        if not tables:
            return 0.0
        return sum(t.lookup(load_pf, slew_ns) for t in tables) / len(tables)


@dataclass(frozen=True)
class Cell:
    """A cell: ``inputs`` (pin -> capacitance, pF), ``outputs`` (pin names), ``output_energy`` and
    ``input_energy`` (pin -> :class:`PinEnergy`), ``leakage_nw``, ``sequential``, ``clocks``
    (names of clock pins), ``area``."""
    name: str
    inputs: dict
    outputs: tuple
    output_energy: dict
    input_energy: dict
    leakage_nw: float
    sequential: bool
    clocks: tuple
    area: float


@dataclass(frozen=True)
class Library:
    """The cells of a Liberty file with ``voltage`` (V) and the file's ``path``."""
    path: Path
    voltage: float
    cells: dict = field(repr=False)

    def cell(self, name):
        """The :class:`Cell` called ``name``; :class:`LibertyError` naming it when absent."""
        try:
            return self.cells[name]
        except KeyError:
            raise LibertyError(f"cell {name!r} is not in the Liberty file {self.path}") from None


def _unit(table, text, what):
    key = _text(text).lower().replace(" ", "")
    if key not in table:
        raise LibertyError(f"{what} {_text(text)!r} is not a unit the energy model reads")
    return table[key]


def _groups(node, kind):
    """The children of a libparse node called ``kind`` (groups and attributes alike)."""
    return [child for child in node.children if child.id == kind]


def _simple(node, name, default=None):
    """The value of the first simple attribute ``name : value ;`` of ``node`` (quotes kept)."""
    for child in node.children:
        if child.id == name:
            return child.value
    return default


def _args(node, name):
    """The arguments of the first complex attribute ``name (a, b, ...) ;`` of ``node``, or None."""
    for child in node.children:
        if child.id == name:
            return list(child.args)
    return None


def _numbers(args):
    """The rows of numbers of a ``values``/``index_N`` attribute: one row per (quoted) argument."""
    return [[float(x) for x in _text(arg).split(",") if x.strip()] for arg in args]


def _templates(lib):
    out = {}
    for kind in ("power_lut_template", "lu_table_template"):
        for group in _groups(lib, kind):
            name = _text(group.args[0])
            variables = [_text(v) if (v := _simple(group, f"variable_{i}")) is not None else None
                         for i in (1, 2, 3)]
            out[name] = variables
    return out


def _table(group, templates, cap_pf, time_ns, energy_pj):
    template = _text(group.args[0]) if len(group.args) else "scalar"
    values = np.atleast_2d(np.asarray(_numbers(_args(group, "values") or []), dtype=float))
    values = values * energy_pj
    if template == "scalar":
        return EnergyTable(None, None, tuple(map(tuple, values)))
    variables = templates.get(template)
    if variables is None:
        raise LibertyError(f"table template {template!r} is not defined in the Liberty file")
    axes = {}
    for i, var in enumerate(variables, 1):
        if var is None:
            continue
        index = _args(group, f"index_{i}")
        if index is None:
            raise LibertyError(f"table of template {template!r} has no index_{i}")
        points = np.asarray(_numbers(index), dtype=float).ravel()
        if var in ("total_output_net_capacitance",):
            axes[i] = ("load", tuple(points * cap_pf))
        elif var in ("input_transition_time", "input_net_transition"):
            axes[i] = ("slew", tuple(points * time_ns))
        else:
            raise LibertyError(f"power table variable {var!r} (template {template!r}) "
                               f"is not one the energy model reads")
    kinds = [axes[i][0] for i in sorted(axes)]
    load = next((a for k, a in axes.values() if k == "load"), None)
    slew = next((a for k, a in axes.values() if k == "slew"), None)
    if kinds == ["slew", "load"]:
        values = values.T
    elif kinds == ["slew"]:
        values = values.reshape(1, -1)
    elif kinds == ["load"]:
        values = values.reshape(-1, 1)
    return EnergyTable(load, slew, tuple(map(tuple, values)))


def _pin_names(pin_group):
    # pin(A) or pin("A1, A2") groups may name several pins at once.
    return [n.strip() for arg in pin_group.args for n in _text(arg).split(",") if n.strip()]


def read_liberty(path):
    """Read the Liberty file ``path`` into a :class:`Library`.

    Raises :class:`LibertyError` (a ValueError) naming the file and what is missing or unreadable;
    FileNotFoundError when there is no file.
    """
    from libparse import LibertyParser   # (the energy tier's parser; imported when used)

    from synth.liberty import LibertyError as SyntaxCheckError, parse_library

    path = Path(path)
    text = path.read_text()
    try:
        parse_library(text, where=str(path))
    except SyntaxCheckError as exc:
        raise LibertyError(str(exc)) from None
    with open(path) as stream:
        try:
            parser = LibertyParser(stream)
        except RuntimeError as exc:   # libparse's "Syntax error in liberty file on line N."
            raise LibertyError(f"{path}: {' '.join(str(exc).split())}") from None
    lib = parser.ast
    cap_unit = _args(lib, "capacitive_load_unit")
    if cap_unit is None:
        raise LibertyError(f"{path}: no capacitive_load_unit")
    if len(cap_unit) != 2:
        raise LibertyError(f"{path}: capacitive_load_unit {cap_unit} is not (scale, unit)")
    cap_scale, cap_name = float(cap_unit[0]), _text(cap_unit[1]).lower()
    if cap_name not in _CAP_UNIT_PF:
        raise LibertyError(f"{path}: capacitive_load_unit {cap_name!r} is not ff, pf or nf")
    cap_pf = cap_scale * _CAP_UNIT_PF[cap_name]
    time_ns = _unit(_TIME_NS, _simple(lib, "time_unit", '"1ns"'), f"{path}: time_unit")
    volt = _unit(_VOLT, _simple(lib, "voltage_unit", '"1V"'), f"{path}: voltage_unit")
    leak_nw = _unit(_LEAK_NW, _simple(lib, "leakage_power_unit", '"1nW"'),
                    f"{path}: leakage_power_unit")
    voltage = _simple(lib, "nom_voltage")
    if voltage is None:
        raise LibertyError(f"{path}: no nom_voltage (the supply the switching energy is priced at)")
    voltage = float(voltage) * volt
    # Table energy is in capacitive_load_unit x voltage_unit^2: pF x V^2 = pJ.
    energy_pj = cap_pf * volt * volt
    templates = _templates(lib)
    cells = {}
    for group in _groups(lib, "cell"):
        name = _text(group.args[0])
        inputs, outputs, out_energy, in_energy, clocks = {}, [], {}, {}, []
        for pin in _groups(group, "pin"):
            direction = _text(_simple(pin, "direction", "")).lower()
            for pname in _pin_names(pin):
                arcs = {"rise": [], "fall": []}
                for ip in _groups(pin, "internal_power"):
                    for edge in ("rise", "fall"):
                        for t in _groups(ip, f"{edge}_power"):
                            arcs[edge].append(_table(t, templates, cap_pf, time_ns, energy_pj))
                energy = PinEnergy(tuple(arcs["rise"]), tuple(arcs["fall"]))
                if direction == "input":
                    cap = _simple(pin, "capacitance")
                    if cap is None:
                        raise LibertyError(f"{path}: cell {name} pin {pname} has no capacitance")
                    inputs[pname] = float(cap) * cap_pf
                    in_energy[pname] = energy
                    if _text(_simple(pin, "clock", "false")).lower() == "true":
                        clocks.append(pname)
                elif direction == "output":
                    outputs.append(pname)
                    out_energy[pname] = energy
                else:
                    raise LibertyError(f"{path}: cell {name} pin {pname} has direction "
                                       f"{direction!r} (the energy model reads input and output pins)")
        leakage = _simple(group, "cell_leakage_power")
        sequential = bool(_groups(group, "ff") or _groups(group, "latch"))
        cells[name] = Cell(name, inputs, tuple(outputs), out_energy, in_energy,
                           float(leakage) * leak_nw if leakage is not None else 0.0,
                           sequential, tuple(clocks), float(_simple(group, "area", 0.0)))
    if not cells:
        raise LibertyError(f"{path}: no cells")
    if not math.isfinite(voltage) or voltage <= 0:
        raise LibertyError(f"{path}: nom_voltage {voltage} is not a positive supply")
    return Library(path, voltage, cells)
