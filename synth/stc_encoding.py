"""Where the 2:4 array encodes its activation pairs: the three candidates, measured.

::

    python -m synth.stc_encoding [--targets generic ice40 ice40-pnr] [-o build/synth-stc-encoding]

In a 2:4 array the pair of a PE depends on its column's weight positions, so the dense array's
choice (one :class:`~hdl.pair.PairEncoder` per row at the edge, encoded pairs flowing right) does
not carry over. Candidates:

- ``in-pe`` (what :class:`~hdl.stc_pe.StcProcessingElement` does): the raw group of four
  activations (32 bits) flows right; each PE selects its two activations and encodes the pair
  (two window selectors and the lone split per PE); the row edge has no logic.
- ``edge-windows``: the row edge computes each activation's window once (4 window selectors per
  row); every activation flows right as (raw 8 bits, mantissa, shift, zero flag: 16 bits, 64 per
  group); each PE selects the two windows and raw values and makes only the lone decision.
- ``edge-pairs``: the row edge encodes all six pairs of the group and the four lone members
  (6 pair encoders per row); 10 encoded pairs (160 bits) flow right; each PE selects one.

Each candidate's PE (with the PE's operand registers, multipliers and accumulator) and its
per-row edge logic are synthesized alone; an R x C array costs about ``R*C*PE + R*edge``, which
the script prints for 2x2, 4x4 and 8x8 (grid control and skew registers are the same in all
three and left out). Only ``in-pe`` is built into the generator; the other two exist here.
"""

import argparse
import json
from pathlib import Path

from amaranth import Module, Mux, Signal, unsigned
from amaranth.back import verilog
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from hdl.config import WINDOW_BITS, SparqConfig
from hdl.layouts import encoded_pair_layout
from hdl.pair import PairEncoder
from hdl.mul_stage import slot_product
from hdl.stc_pe import StcProcessingElement
from hdl.window import WindowSelector

from .flow import Source, run_one
from .targets import resolve_targets

__all__ = ["CANDIDATES", "measure"]

#: The candidates are measured with 4-bit windows, where a lone activation is exact and split into
#: its high nibble (at this shift) and its low nibble (at 0) over the two multipliers.
SPLIT_SHIFT = WINDOW_BITS

#: The pairs (i, j), i < j, of a group of four, in the order edge-pairs sends them.
PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def _window_layout(config):
    return data.StructLayout({"raw": 8, "mant": config.mant_width, "shift": config.shift_width,
                              "zero": 1})


def _edge_windows_layout(config):
    return data.ArrayLayout(_window_layout(config), 4)


def _edge_pairs_layout(config):
    # Six pairs, then the four lone members (a[i] with partner 0).
    return data.ArrayLayout(encoded_pair_layout(config), len(PAIRS) + 4)


class _VariantPE(StcProcessingElement):
    """The 2:4 PE with another activation operand (a study variant, not generated)."""

    operand_of = None

    def __init__(self, config):
        self._config = config
        operand = type(self).operand_of(config)
        # The 2:4 PE's ports with the other activation operand.
        template = StcProcessingElement(config)
        template._MustUse__silence = True      # built for its signature only, never elaborated
        members = dict(template.signature.members)
        members.update(a_in=In(operand), a_out=Out(operand))
        wiring.Component.__init__(self, members)

    def _slots(self, m, enc, b):
        cfg = self._config
        products = []
        for j in range(2):
            weight = Mux(enc[f"src{j}"], b.value[1], b.value[0])
            products.append(slot_product(m, enc[f"mant{j}"], weight, enc[f"shift{j}"],
                                         cfg.shifts, split=False, name=f"product{j}"))
        return products


class EdgeWindowsPE(_VariantPE):
    operand_of = staticmethod(_edge_windows_layout)

    def _products(self, m, a, b):
        enc = Signal(encoded_pair_layout(self._config))
        sel = [a[b.pos[j]] for j in range(2)]
        zero = [Signal(name=f"zero{j}") for j in range(2)]
        m.d.comb += [zero[j].eq(sel[j].zero | (b.value[j] == 0)) for j in range(2)]
        lone = zero[0] | zero[1]
        survivor = Mux(zero[0], sel[1].raw, sel[0].raw)
        m.d.comb += [
            enc.mant0.eq(Mux(lone, survivor[SPLIT_SHIFT:], sel[0].mant)),
            enc.shift0.eq(Mux(lone, SPLIT_SHIFT, sel[0].shift)),
            enc.src0.eq(Mux(lone, zero[0], 0)),
            # Both zero: slot 1's weight is 0 or its activation is (no gate needed).
            enc.mant1.eq(Mux(lone, survivor[:SPLIT_SHIFT], sel[1].mant)),
            enc.shift1.eq(Mux(lone, 0, sel[1].shift)),
            enc.src1.eq(Mux(lone, zero[0], 1)),
        ]
        return self._slots(m, enc, b)


class EdgePairsPE(_VariantPE):
    operand_of = staticmethod(_edge_pairs_layout)

    def _products(self, m, a, b):
        cfg = self._config
        nz = [b.value[j] != 0 for j in range(2)]
        enc = Signal(encoded_pair_layout(cfg))
        choice = Signal(encoded_pair_layout(cfg))
        swap = Signal()
        m.d.comb += choice.eq(0)
        # (p0, p1, nz0, nz1) -> the encoded pair to take, and whether slot sources swap.
        with m.Switch(cat := Signal(6)):
            for p0 in range(4):
                for p1 in range(4):
                    for n0 in range(2):
                        for n1 in range(2):
                            key = p0 | (p1 << 2) | (n0 << 4) | (n1 << 5)
                            with m.Case(key):
                                if n0 and n1 and p0 != p1:
                                    i, j = min(p0, p1), max(p0, p1)
                                    m.d.comb += [choice.eq(a[PAIRS.index((i, j))]),
                                                 swap.eq(p0 > p1)]
                                elif n0 or n1:
                                    p = p0 if n0 else p1
                                    m.d.comb += [choice.eq(a[len(PAIRS) + p]), swap.eq(n1 and not n0)]
        m.d.comb += cat.eq(b.pos[0] | (b.pos[1] << 2) | (nz[0] << 4) | (nz[1] << 5))
        m.d.comb += [enc.eq(choice), enc.src0.eq(choice.src0 ^ swap),
                     enc.src1.eq(choice.src1 ^ swap)]
        return self._slots(m, enc, b)


class EdgeWindows(wiring.Component):
    """Row edge of ``edge-windows``: four window selectors and zero flags."""

    def __init__(self, config):
        self._config = config
        super().__init__({"group": In(data.ArrayLayout(unsigned(8), 4)),
                          "out": Out(_edge_windows_layout(config))})

    def elaborate(self, platform):
        m = Module()
        for i in range(4):
            m.submodules[f"w{i}"] = w = WindowSelector(self._config)
            m.d.comb += [w.x.eq(self.group[i]), self.out[i].raw.eq(self.group[i]),
                         self.out[i].mant.eq(w.mant), self.out[i].shift.eq(w.shift),
                         self.out[i].zero.eq(self.group[i] == 0)]
        return m


class EdgePairs(wiring.Component):
    """Row edge of ``edge-pairs``: the six pairs and four lone members, encoded."""

    def __init__(self, config):
        self._config = config
        super().__init__({"group": In(data.ArrayLayout(unsigned(8), 4)),
                          "out": Out(_edge_pairs_layout(config))})

    def elaborate(self, platform):
        m = Module()
        members = PAIRS + [(i, None) for i in range(4)]
        for k, (i, j) in enumerate(members):
            m.submodules[f"e{k}"] = e = PairEncoder(self._config)
            m.d.comb += [e.a0.eq(self.group[i]), e.a1.eq(self.group[j] if j is not None else 0)]
            for f in ("mant0", "shift0", "src0", "mant1", "shift1", "src1"):
                m.d.comb += self.out[k][f].eq(getattr(e, f))
        return m


#: name -> (PE class, edge class or None)
CANDIDATES = {"in-pe": (StcProcessingElement, None), "edge-windows": (EdgeWindowsPE, EdgeWindows),
              "edge-pairs": (EdgePairsPE, EdgePairs)}


def _source(name, component):
    text = verilog.convert(component, name="dut", emit_src=False)
    return Source(name, "dut", text, {"name": name, "study": "stc-encoding"})


def measure(config, targets, out):
    """``{candidate: {"pe": {target: metrics}, "edge": {target: metrics}}}``."""
    results = {}
    for name, (pe_class, edge_class) in CANDIDATES.items():
        parts = {"pe": pe_class(config)}
        if edge_class is not None:
            parts["edge"] = edge_class(config)
        results[name] = {}
        for part, component in parts.items():
            source = _source(f"stc-{name}-{part}", component)
            # The edge logic is combinational: no clock to route, area only.
            results[name][part] = {t.name: run_one(source, t, out)["metrics"] for t in targets
                                   if part == "pe" or t.pnr is None}
    return results


def _metric(target):
    return "transistors" if target == "generic" else "luts"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m synth.stc_encoding", description=__doc__
                                     .split("\n")[0])
    parser.add_argument("--targets", nargs="+", default=["generic", "ice40", "ice40-pnr"])
    parser.add_argument("-o", "--output", default="build/synth-stc-encoding")
    args = parser.parse_args(argv)
    config = SparqConfig(stc=True)
    targets = resolve_targets(args.targets)
    results = measure(config, targets, Path(args.output))
    (Path(args.output) / "summary.json").write_text(json.dumps(results, indent=1) + "\n")
    for t in targets:
        if t.pnr is not None:
            print(f"\n{t.name} PE Fmax (MHz): " + ", ".join(
                f"{name} {parts['pe'][t.name].get('fmax_mhz')}" for name, parts in results.items()))
            continue
        # The CMOS estimate without and with flip-flops (the candidates differ in both).
        for metric in (("transistors", "transistors_ff") if t.name == "generic"
                       else (_metric(t.name),)):
            print(f"\n{t.name} ({metric}), {config.datapath} 5opt nearest-even, max_k "
                  f"{config.max_k}")
            print("| candidate | PE | PE ffs | row edge | 2x2 | 4x4 | 8x8 |")
            print("|---|---|---|---|---|---|---|")
            for name, parts in results.items():
                pe = parts["pe"][t.name]
                edge = parts.get("edge", {}).get(t.name, {})
                e = edge.get(metric, 0)
                sizes = [n * n * pe[metric] + n * e for n in (2, 4, 8)]
                print(f"| {name} | {pe[metric]:,} | {pe.get('ffs', '-')} | {e:,} | "
                      + " | ".join(f"{v:,}" for v in sizes) + " |")


if __name__ == "__main__":
    main()
