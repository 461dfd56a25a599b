"""The catalogue of proofs: which property class of which generated design, proved how.

A :class:`Proof` names a design (a block and a :class:`~hdl.config.SparqConfig`), a property
class of that block's harness, the SymbiYosys mode (``prove``: k-induction, unbounded; ``bmc``:
bounded) and the depth. :func:`catalogue` lists them all; ``quick=True`` selects the subset that
``make test`` runs. :meth:`Proof.job` builds the :class:`~formal.sby.Job` from the Verilog that
:mod:`hdl.generate` writes (optionally passed through a mutation, :mod:`formal.mutants`).

Property classes per block:

* ``window``: ``spec`` (equals the spec model), ``golden`` (equals ``golden.bsparq``);
* ``pair``: ``spec`` (equals the spec model), ``contribution`` (equals ``golden.vsparq``'s pair
  contribution for every weight pair);
* ``pe``: ``slots`` (forwarding, slot products, capture), ``accumulator`` (exact sums: no
  overflow for legal tiles);
* ``array``: ``stream``, ``conservation``, ``products``, ``arithmetic``, ``err``
  (:mod:`formal.array`). ``arithmetic`` builds on ``products`` (it assumes what that job proves);
* ``dotprod``: the same five classes for the dot-product unit (:mod:`formal.dotprod`); a sparq
  unit with more than two pairs is proved part by part, ``lanes`` (operands and every slot
  product) and ``tree`` (the tree sums over free slot products) instead of ``products``, and
  its ``arithmetic`` over free tree sums (:func:`formal.dotprod.compositional`);
* ``skid``: ``beats`` (the skid buffer loses, duplicates and reorders no beat,
  :mod:`formal.skid`).

Configurations with ``interface="axis"`` are proved through the AXI4-Stream wrapper's ports; with
``stc=True`` (PEs) the 2:4 PE.
"""

import dataclasses
import functools
from dataclasses import dataclass

from hdl.config import DATAPATHS, MAX_SIDE, STC_DATAPATHS, WINDOW_SHIFTS, SparqConfig
from hdl.default_set import default_set
from hdl.generate import verilog
from hdl.naming import design_name

from . import array, dotprod, encoders, frame, pe, skid
from .sby import Job
from .spec import spec_verilog
from hdl import pe as hdl_pe

__all__ = ["Proof", "catalogue", "PROPERTIES", "DUT"]

#: Property classes of each block, in report order.
PROPERTIES = {
    "window": ("spec", "golden"),
    "pair": ("spec", "contribution"),
    "pe": pe.PROPERTIES,
    "array": array.PROPERTIES,
    "dotprod": dotprod.PROPERTIES,
    "skid": skid.PROPERTIES,
    "frame": frame.PROPERTIES,
}

#: Module name the design under proof gets in every job (the harnesses instantiate it).
DUT = "dut"

#: Deepest fallback bounded check (cycles from reset) when an induction does not close.
BMC_CAP = 40

_TOPS = {"window": "formal_window", "pair": "formal_pair", "pe": "formal_pe",
         "array": "formal_array", "dotprod": "formal_array", "skid": "formal_skid",
         "frame": "formal_array"}


@functools.lru_cache(maxsize=None)
def design_verilog(block, config):
    """The generated Verilog of ``block`` for ``config``, top module :data:`DUT` (``skid``: the
    skid buffer of the array's and the unit's inputs, :func:`formal.skid.skid_verilog`)."""
    if block == "skid":
        return skid.skid_verilog(DUT)
    if block == "frame":
        return frame.frame_verilog(config.rows, hdl_pe.max_pairs(config), DUT)
    return verilog(block, config, name=DUT)


@dataclass(frozen=True)
class Proof:
    """One property class of one design. ``name`` is ``<design name>.<property>``, with
    ``@<solver>`` when the solver is not yices."""
    block: str
    config: SparqConfig
    prop: str
    mode: str
    depth: int
    quick: bool = False
    engine: str = "smtbmc yices"

    @property
    def design(self):
        if self.block == "skid":
            return f"skid-{skid.WIDTH}b"
        if self.block == "frame":
            return f"frame-r{self.config.rows}-t{hdl_pe.max_pairs(self.config)}"
        return design_name(self.block, self.config)

    @property
    def name(self):
        solver = self.engine.split()[-1]
        return f"{self.design}.{self.prop}" + ("" if solver == "yices" else f"@{solver}")

    @property
    def aids(self):
        return self.mode == "prove"

    @property
    def bmc_depth(self):
        """Depth of the bounded check run when the induction does not close
        (:func:`formal.sby.run_with_fallback`): long enough for a tile of ``max_pairs + 1``
        transfers to pass the whole pipeline and leave (array: plus its latency and its rows),
        twice over, capped at :data:`BMC_CAP` (the summary then says the depth reached)."""
        if self.block in ("window", "pair"):
            return 1
        if self.block == "skid":
            return 20
        if self.block == "frame":
            return BMC_CAP
        reach = hdl_pe.max_pairs(self.config) + 1 + 6
        if self.block == "array":
            reach += array.latency(self.config) + self.config.rows
        if self.block == "dotprod":
            reach += dotprod.latency(self.config) + self.config.rows
        return min(2 * reach, BMC_CAP)

    def job(self, text=None, *, mode=None, depth=None):
        """The SymbiYosys job; ``text`` replaces the generated Verilog (a mutant), ``mode`` and
        ``depth`` override the catalogue's (a mutant runs as ``bmc``, without induction aids)."""
        mode = mode or self.mode
        depth = depth or self.depth
        aids = mode == "prove"
        cfg = self.config
        files = {"dut.v": text if text is not None else design_verilog(self.block, cfg)}
        script = ["read_verilog -formal dut.v", f"hierarchy -top {DUT}", "flatten"]
        cuts = []                        # wires whose drivers are cut (formal.dotprod.cut)
        if self.block in ("window", "pair"):
            files["spec.v"] = spec_verilog(self.block, cfg)
            harness = (encoders.window_harness if self.block == "window"
                       else encoders.pair_harness)(cfg, DUT, self.prop)
            wires = []
        elif self.block == "skid":
            harness = skid.skid_harness(DUT, aids=aids)
            wires = list(skid.EXPOSED) if aids else []
        elif self.block == "frame":
            harness = frame.frame_harness(cfg, DUT, aids=aids)
            wires = list(frame.exposed(cfg.rows, hdl_pe.max_pairs(cfg))) if aids else []
        elif self.block == "pe":
            harness = pe.pe_harness(cfg, DUT, (self.prop,), aids=aids)
            wires = pe.EXPOSED
            if cfg.stc and cfg.datapath == "sparq":
                files["spec.v"] = spec_verilog("pair", cfg)
        else:
            props = (self.prop,)
            kind = array if self.block == "array" else dotprod
            harness = (array.array_harness if self.block == "array"
                       else dotprod.dotprod_harness)(cfg, DUT, props, aids=aids)
            wires = [array.exposed_name(cfg, w) for w in kind.exposed(cfg, props, aids=aids)]
            if self.block == "dotprod":
                cuts = [array.exposed_name(cfg, w) for w in sorted(dotprod.cut(cfg, props))]
            wires = [w for w in wires if w not in cuts]
            if cfg.skid:
                fr = kind.frame(cfg)
                wires += [array.exposed_name(cfg, w)
                          for w in array.skid_exposed(fr.a_width, fr.b_width, aids=aids)]
            if cfg.datapath == "sparq" and self.prop in ("products", "arithmetic", "lanes"):
                # (the array and the dot-product unit encode each taken pair as the spec does)
                files["spec.v"] = spec_verilog("pair", cfg)
        if self.block == "dotprod" and cfg.dsp_pack and "weights" in wires:
            # (the packed multipliers' weight inputs also carry the name `weights` in the
            # unit's module, so Amaranth renames its weight register `weights$<n>`)
            real = dotprod.weight_register(files["dut.v"], cfg)
            wires = [real if w == "weights" else w for w in wires]
            harness = harness.replace(".\\weights (", f".\\{real} (")
        if wires:
            script.append("expose " + " ".join(f"w:{w}" for w in wires))
        if cuts:
            # (after proc, so that a register's process no longer drives the wire cut)
            script[script.index("flatten")] = "proc; flatten"
            script.append("expose -cut " + " ".join(f"w:{w}" for w in cuts))
        if "spec.v" in files:
            script.append("read_verilog -formal spec.v")
        files["harness.sv"] = harness
        script += ["read_verilog -formal -sv harness.sv", f"prep -top {_TOPS[self.block]}"]
        return Job(name=self.name, mode=mode, depth=depth, files=files, script=tuple(script),
                   engine=self.engine)


def _defaults(block):
    # The configurations of `block` in the default set of make verilog (hdl.default_set).
    return [cfg for b, cfg in default_set() if b == block]


def _sparq(options, rounding, bits=4, **shape):
    return SparqConfig(datapath="sparq", bits=bits, options=options, rounding=rounding, **shape)


#: Window and pair settings ``(bits, options, rounding)``: every window width and option of
#: :data:`hdl.config.WINDOW_SHIFTS` (4-bit 5/3/2, 3-bit 6, 2-bit 7), both roundings.
SETTINGS = [(b, o, r) for (b, o) in WINDOW_SHIFTS for r in ("nearest-even", "truncate")]

#: PE configurations: every datapath and option at max_k 8, and the default (production) PEs of
#: ``make verilog`` (every datapath and window width of the default set, max_k 1152); the split multiply stage (``mul_pipe``) of every datapath at
#: max_k 8 (sparq 5opt and 3opt truncate) and of sparq 5opt at max_k 1152.
PES = ([_sparq(o, "nearest-even", max_k=8) for o in (5, 3, 2)]
       # every baseline datapath (int8 and the naive aNw8 of golden.tags.NAIVE_WIDTHS)
       + [SparqConfig(datapath=d, max_k=8) for d in DATAPATHS if d != "sparq"]
       + _defaults("pe")
       + [_sparq(5, "nearest-even", max_k=8, mul_pipe=True),
          _sparq(3, "truncate", max_k=8, mul_pipe=True)]
       + [SparqConfig(datapath=d, max_k=8, mul_pipe=True) for d in ("int8", "a4w8")]
       + [_sparq(5, "nearest-even", max_k=1152, mul_pipe=True)]
       # 3-bit and 2-bit windows (both roundings between them), and the 3-bit window with the
       # split stage
       + [_sparq(6, "nearest-even", bits=3, max_k=8), _sparq(7, "truncate", bits=2, max_k=8),
          _sparq(6, "truncate", bits=3, max_k=8, mul_pipe=True)]
       # the 2:4 structured-sparse PEs (stc): the activation select in front of the slots
       + [SparqConfig(datapath=d, max_k=8, stc=True) for d in STC_DATAPATHS])

#: Array instances: every datapath, every option, both roundings, odd and even max_k.
ARRAYS = [
    _sparq(5, "nearest-even", rows=1, cols=1, max_k=8),
    _sparq(5, "nearest-even", rows=2, cols=2, max_k=8),
    _sparq(3, "truncate", rows=2, cols=3, max_k=8),
    _sparq(2, "nearest-even", rows=2, cols=1, max_k=5),
    _sparq(5, "truncate", rows=1, cols=2, max_k=3),
    SparqConfig(datapath="int8", rows=2, cols=3, max_k=8),
    SparqConfig(datapath="a4w8", rows=2, cols=2, max_k=8),
    _sparq(6, "nearest-even", bits=3, rows=1, cols=2, max_k=8),
    _sparq(7, "truncate", bits=2, rows=2, cols=1, max_k=5),
    # the split multiply stage in every PE
    _sparq(5, "nearest-even", rows=1, cols=2, max_k=8, mul_pipe=True),
    SparqConfig(datapath="a4w8", rows=2, cols=1, max_k=8, mul_pipe=True),
    # the AXI4-Stream wrapper (port names, active-low reset, tdata padded to bytes)
    _sparq(5, "nearest-even", rows=1, cols=2, max_k=8, interface="axis"),
    # the 3-bit and 2-bit naive baselines
    SparqConfig(datapath="a3w8", rows=1, cols=2, max_k=8),
    SparqConfig(datapath="a2w8", rows=2, cols=1, max_k=8),
    # a cross-check of the any-size argument (docs/verification.md) where every PE has both
    # kinds of neighbour and the skew lines are 2 registers deep
    SparqConfig(datapath="a4w8", rows=3, cols=3, max_k=8),
    # skid buffers at the ports
    SparqConfig(datapath="int8", rows=1, cols=2, max_k=8, skid=True),
    # ... behind the AXI4-Stream ports
    SparqConfig(datapath="a4w8", rows=1, cols=1, max_k=8, skid=True, interface="axis"),
    # the 2:4 structured-sparse arrays (stc): int8 with every kind of neighbour, sparq 5opt/ne
    # one PE (its 2:4 PE's slot proof alone takes about 2 minutes)
    SparqConfig(datapath="int8", rows=2, cols=2, max_k=8, stc=True),
    _sparq(5, "nearest-even", rows=1, cols=1, max_k=8, stc=True),
]


#: Dot-product unit instances: every form it is generated in (one stage, the split multiply
#: stage, every datapath; 3-bit windows), small enough for the products proofs.
DOTPRODS = [
    # (1x2 with 2 pairs, 8 slot multipliers, did not finish its products proof in 13 minutes on
    # the loaded machine: 2 pairs are covered by the 3-bit and the a4w8 units)
    _sparq(5, "nearest-even", rows=1, cols=2, pairs=1, max_k=8),
    _sparq(5, "nearest-even", rows=2, cols=1, pairs=1, max_k=8, mul_pipe=True),
    _sparq(6, "truncate", bits=3, rows=1, cols=1, pairs=2, max_k=8),
    SparqConfig(datapath="int8", rows=1, cols=1, pairs=1, max_k=8),
    SparqConfig(datapath="a4w8", rows=2, cols=1, pairs=2, max_k=8, mul_pipe=True),
    SparqConfig(datapath="int8", rows=1, cols=1, pairs=1, max_k=8, interface="axis"),
    _sparq(7, "nearest-even", bits=2, rows=1, cols=1, pairs=1, max_k=8),
    SparqConfig(datapath="a3w8", rows=1, cols=1, pairs=1, max_k=8),
    SparqConfig(datapath="a2w8", rows=1, cols=1, pairs=1, max_k=8),
    # the packed products (dsp_pack, 4-bit windows): two columns share one packed multiplier
    # per slot; in one cycle (the lanes of its output) and with the split (its registers)
    _sparq(5, "nearest-even", rows=1, cols=2, pairs=1, max_k=8, dsp_pack=True),
    _sparq(3, "truncate", rows=1, cols=2, pairs=1, max_k=8, dsp_pack=True, mul_pipe=True),
    # the default units of make verilog (4x4, 4 pairs, max_k 1152), every datapath and window
    # width: one output (r, c) of the unit, whose logic reads row r's and column c's operands
    # only (sparq: proved part by part, formal.dotprod.compositional)
    *[dataclasses.replace(cfg, rows=1, cols=1) for cfg in _defaults("dotprod")],
    # ... and its forms with the split multiply stage and with packed products (two columns
    # share a packed multiplier: 1x2)
    _sparq(5, "nearest-even", rows=1, cols=1, pairs=4, max_k=1152, mul_pipe=True),
    _sparq(5, "nearest-even", rows=1, cols=2, pairs=4, max_k=1152, dsp_pack=True),
    # skid buffers at the ports (skid): the unit behind them and the buffers together
    SparqConfig(datapath="int8", rows=1, cols=1, pairs=1, max_k=8, skid=True),
    SparqConfig(datapath="a4w8", rows=2, cols=1, pairs=1, max_k=8, skid=True, mul_pipe=True),
]


#: The tile framing alone (:mod:`formal.frame`), for every ``rows`` the generator accepts, with
#: the default max_k's tile length (1152: 576 transfers): with the datapath's delay a free
#: constant, each covers every ``cols`` and datapath of that many rows.
FRAMES = [SparqConfig(rows=r, cols=1, max_k=1152) for r in range(1, MAX_SIDE + 1)]
#: ... and the framing of the default dot-product unit (4 rows, 144 transfers of 4 pairs for max_k
#: 1152; its config here stands for the framing only: rows 4, max_pairs 144).
FRAMES.append(SparqConfig(rows=4, cols=1, max_k=288))


#: Arrays whose every PE is proved equivalent to the PE proved alone (formal.pe_equiv): the
#: default 8x8 arrays of make verilog, every datapath.
EQUIVALENCE_ARRAYS = _defaults("array")


def _dotprod_depth(config, prop):
    # The unit's pipeline is its latency deep (input register, sums, accumulator; the split's
    # register): k covers it and a whole wait for c, like the array's.
    L = dotprod.latency(config)
    return {"stream": 2 * L + config.rows + 2, "conservation": 2 * L + config.rows + 2,
            "err": 3, "products": L + 1, "lanes": L + 1, "tree": L + 1,
            "arithmetic": 2 * L + config.rows + 2}[prop]


def _array_depth(config, prop):
    # k for the induction: the pipeline (input register, skew, two PE stages) must fit in the
    # window so that its contents follow from the window's inputs.
    # The latency on top lets the window also see a whole wait for c.valid.
    reach = config.rows + config.cols + 2 + hdl_pe.latency(config)
    return {"stream": reach + array.latency(config), "conservation": reach + array.latency(config),
            "err": 3, "products": reach, "arithmetic": reach + array.latency(config)}[prop]


def catalogue(quick=False):
    """Every proof, in report order; ``quick`` keeps the subset run by ``make test``."""
    proofs = []
    for b, o, r in SETTINGS:
        cfg = SparqConfig(bits=b, options=o, rounding=r)
        first = (b, o, r) == SETTINGS[0]
        for prop in PROPERTIES["window"]:
            proofs.append(Proof("window", cfg, prop, "prove", 1, quick=first))
        for prop in PROPERTIES["pair"]:
            proofs.append(Proof("pair", cfg, prop, "prove", 1, quick=first))
    for cfg in PES:
        for prop in PROPERTIES["pe"]:
            # k covers the pipeline: operand register, slot registers (and the split's middle
            # stage with mul_pipe), accumulator.
            proofs.append(Proof("pe", cfg, prop, "prove", 4 + (1 if cfg.mul_pipe else 0),
                                # (the int8 split proofs take minutes: the a4w8 ones, seconds,
                                # stand for the split stage in the quick subset)
                                quick=cfg.max_k == 8 and (
                                    (cfg.datapath == "int8" and not cfg.mul_pipe)
                                    or (cfg.datapath == "a4w8" and cfg.mul_pipe))))
    for cfg in ARRAYS:
        small = cfg.rows * cfg.cols == 1
        for prop in PROPERTIES["array"]:
            # (the 1x1 products proof, about 20 s, stays out of the quick subset)
            proofs.append(Proof("array", cfg, prop, "prove", _array_depth(cfg, prop),
                                quick=small and prop != "products"))
    for cfg in FRAMES:
        # (k=3 with the aids of formal.frame: the token and the framing's registers)
        proofs.append(Proof("frame", cfg, "control", "prove", 3,
                            quick=cfg.rows == 8 and hdl_pe.max_pairs(cfg) == 576))
    # The skid buffer (a, b inputs of the array and the unit with skid): k=2 covers its one
    # register; in the quick subset (about a second).
    proofs.append(Proof("skid", SparqConfig(), "beats", "prove", 2, quick=True))
    for cfg in DOTPRODS:
        for prop in dotprod.properties(cfg):
            proofs.append(Proof("dotprod", cfg, prop, "prove", _dotprod_depth(cfg, prop)))
    # The second solver: the pair rule and the control properties of one array again, with z3.
    cross = [p for p in proofs if p.design == "pair-sparq-b4-o5-ne" and p.prop == "contribution"]
    cross += [p for p in proofs if p.design == "array-sparq-b4-o5-ne-2x2-k8"
              and p.prop in ("stream", "conservation", "err")]
    proofs += [dataclasses.replace(p, engine="smtbmc z3", quick=False) for p in cross]
    return [p for p in proofs if p.quick] if quick else proofs
