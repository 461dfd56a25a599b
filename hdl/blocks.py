"""The table of the blocks the generator builds: the one place that says what each block is.

Every consumer derives its view of the blocks from :data:`BLOCK_TABLE` and the field schema
(:data:`hdl.config.FIELDS`): the names (:mod:`hdl.naming`), the ``sparq-rtl verilog`` flags
(:mod:`hdl.cli`), the generator (:mod:`hdl.generate`), the sidecar's parameters, the synthesis
catalogue and its MACs per cycle (:mod:`synth.designs`), the contract page.

::

    block      component                             takes (besides the setting)
    window     WindowSelector                        -            (datapath sparq only)
    pair       PairEncoder                           -            (datapath sparq only)
    pe         ProcessingElement, StcProcessingElement with stc
                                                     max_k stc mul_pipe
    array      SystolicArray, StcArray, AxisArray    rows cols max_k stc mul_pipe skid interface
    dotprod    DotProduct, AxisDotProduct            rows cols pairs max_k mul_pipe dsp_pack skid
                                                     interface

Which fields a block takes is stated once, on the field (:class:`hdl.config.Field`); a block's
own derived values (latency, sizes, the sidecar's parameters) are stated here or in the block's
module, not on :class:`~hdl.config.SparqConfig`.
"""

from dataclasses import dataclass, fields as _dataclass_fields
from typing import Callable

from .config import FIELDS, MAX_PES, SparqConfig

__all__ = ["Block", "BLOCK_TABLE", "BLOCKS", "STREAM_BLOCKS", "SPARQ_ONLY", "FIELD_BLOCKS",
           "block_of", "takes", "defaults_of", "sidecar_parameters"]


@dataclass(frozen=True)
class Block:
    """One block the generator builds.

    Members
    -------
    name : str
        The block's name in commands, design names and sidecars.
    summary : str
        One line: what it is.
    sparq_only : bool
        The block exists for the SPARQ datapath only (the encoders).
    defaults : dict
        Field defaults of the block that differ from :class:`SparqConfig`'s (the command line
        starts from them: the dot-product unit is a 4x4 tile of outputs, not the array's 8x8).
    component : callable
        ``component(config)`` -> the :class:`amaranth.lib.wiring.Component` for a checked config.
    parameters : callable
        ``parameters(config)`` -> the sidecar's ``parameters`` record of the block (an ordered
        dict of the fields and derived widths the block depends on); :func:`sidecar_parameters`
        adds any other field the block takes that is not at its default.
    macs_per_cycle : callable
        ``macs_per_cycle(config)`` -> multiply-accumulates per clock cycle at full throughput (0:
        the block does not multiply).
    pes : callable
        ``pes(config)`` -> processing elements (for the dot-product unit its pair multipliers, each
        the multiply work of one PE; 0 for the encoders).
    limit : callable or None
        ``limit(config)`` raises ValueError when the block cannot be built that large.
    """
    name: str
    summary: str
    sparq_only: bool
    defaults: dict
    component: Callable
    parameters: Callable
    macs_per_cycle: Callable
    pes: Callable
    limit: Callable = None

    @property
    def fields(self):
        """Names of the configuration fields the block takes, in schema order."""
        return tuple(name for name, f in FIELDS.items() if self.name in f.blocks)

    @property
    def streams(self):
        """True for a block with stream ports (``interface`` and ``skid`` apply)."""
        return "interface" in self.fields


# -- components (imported on demand: building a window should not import the array) -------------

def _window(config):
    from .window import WindowSelector
    return WindowSelector(config)


def _pair(config):
    from .pair import PairEncoder
    return PairEncoder(config)


def _pe(config):
    if config.stc:
        from .stc_pe import StcProcessingElement
        return StcProcessingElement(config)
    from .pe import ProcessingElement
    return ProcessingElement(config)


def _array(config):
    if config.interface == "axis":
        from .axis import AxisArray
        return AxisArray(config)
    if config.stc:
        from .stc_array import StcArray
        return StcArray(config)
    from .array import SystolicArray
    return SystolicArray(config)


def _dotprod(config):
    if config.interface == "axis":
        from .axis import AxisDotProduct
        return AxisDotProduct(config)
    from .dotprod import DotProduct
    return DotProduct(config)


# -- sidecar parameters ---------------------------------------------------------------------------

def _setting(config, *, lone=True):
    # The window setting of a sparq config: what the encoders are built from.
    if config.datapath != "sparq":
        return {}
    params = dict(bits=config.bits, options=config.options, rounding=config.rounding,
                  shifts=list(config.shifts), shift_width=config.shift_width)
    if lone:
        # The lone-value rule: the window a lone activation gets (exact 8 bits at shift 0 under
        # 4-bit windows).
        params.update(lone_bits=config.lone_bits, lone_shifts=list(config.lone_shifts))
    return params


def _encoder_parameters(lone):
    def parameters(config):
        return {**_setting(config, lone=lone), "mant_width": config.bits}
    return parameters


def _pe_parameters(config, size=()):
    from . import pe
    params = {"datapath": config.datapath, **_setting(config)}
    params.update(size)
    if config.stc:
        params.update(stc=True, k_per_transfer=config.k_per_transfer,
                      max_products=pe.max_products(config))
    params.update(mul_pipe=config.mul_pipe, pe_latency=pe.latency(config), max_k=config.max_k,
                  max_pairs=pe.max_pairs(config), act_width=config.act_width,
                  mant_width=config.mant_width, weight_width=config.weight_width,
                  max_act_value=config.max_act_value, acc_width=config.acc_width)
    return params


def _array_parameters(config):
    return _pe_parameters(config, dict(rows=config.rows, cols=config.cols,
                                       interface=config.interface, skid=config.skid))


def _dotprod_parameters(config):
    from . import dotprod
    params = {"datapath": config.datapath, **_setting(config)}
    params.update(rows=config.rows, cols=config.cols, pairs=config.pairs,
                  interface=config.interface, skid=config.skid, max_k=config.max_k,
                  positions=dotprod.positions(config), max_steps=dotprod.max_steps(config),
                  act_width=config.act_width, mant_width=config.mant_width,
                  weight_width=config.weight_width, max_act_value=config.max_act_value,
                  acc_width=dotprod.acc_width(config), mul_pipe=config.mul_pipe,
                  dsp_pack=config.dsp_pack, latency=dotprod.latency(config))
    return params


def _dotprod_limit(config):
    if config.rows * config.cols * config.pairs > MAX_PES:
        # As many pair multipliers as the largest array has PEs (elaboration time and memory).
        raise ValueError(f"rows * cols * pairs must be at most {MAX_PES} pair multipliers, not "
                         f"{config.rows} x {config.cols} x {config.pairs} = "
                         f"{config.rows * config.cols * config.pairs}")


#: The blocks, in the order the command lists them.
BLOCK_TABLE = {b.name: b for b in (
    Block("window", "bSPARQ window selector: one 8-bit activation to a window and its position",
          sparq_only=True, defaults={}, component=_window,
          parameters=_encoder_parameters(lone=False), macs_per_cycle=lambda c: 0,
          pes=lambda c: 0),
    Block("pair", "vSPARQ pair encoder: two activations to two multiplier slots",
          sparq_only=True, defaults={}, component=_pair,
          parameters=_encoder_parameters(lone=True), macs_per_cycle=lambda c: 0,
          pes=lambda c: 0),
    Block("pe", "processing element: one pair (2 MACs) per cycle into an accumulator",
          sparq_only=False, defaults={}, component=_pe, parameters=_pe_parameters,
          macs_per_cycle=lambda c: 2, pes=lambda c: 1),
    Block("array", "output-stationary systolic array of rows x cols PEs",
          sparq_only=False, defaults={}, component=_array, parameters=_array_parameters,
          macs_per_cycle=lambda c: 2 * c.rows * c.cols, pes=lambda c: c.rows * c.cols),
    Block("dotprod", "dot-product unit: rows x cols outputs, 2 * pairs positions per cycle",
          sparq_only=False, defaults={"rows": 4, "cols": 4}, component=_dotprod,
          parameters=_dotprod_parameters,
          macs_per_cycle=lambda c: 2 * c.pairs * c.rows * c.cols,
          pes=lambda c: c.rows * c.cols * c.pairs, limit=_dotprod_limit),
)}

#: The block names, in table order.
BLOCKS = tuple(BLOCK_TABLE)

#: Blocks with stream ports (``interface`` and ``skid`` apply to them).
STREAM_BLOCKS = tuple(b.name for b in BLOCK_TABLE.values() if b.streams)

#: Blocks that exist for the SPARQ datapath only (the baselines have no window or pair logic).
SPARQ_ONLY = tuple(b.name for b in BLOCK_TABLE.values() if b.sparq_only)

#: ``{field: blocks that take it}`` for every field that does not apply to every block.
FIELD_BLOCKS = {name: f.blocks for name, f in FIELDS.items() if set(f.blocks) != set(BLOCKS)}

_DEFAULT = SparqConfig()


def block_of(name):
    """The :class:`Block` called ``name``; ValueError naming it when there is none."""
    if not isinstance(name, str) or name not in BLOCK_TABLE:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}, not {name!r}")
    return BLOCK_TABLE[name]


def takes(block, field):
    """True when ``block`` takes configuration field ``field``."""
    return block in FIELDS[field].blocks


def defaults_of(block):
    """The configuration ``block`` is built with when no field is given: :class:`SparqConfig`'s
    defaults and the block's own (:attr:`Block.defaults`)."""
    return SparqConfig(**block_of(block).defaults)


def sidecar_parameters(block, config):
    """The sidecar's ``parameters`` of ``block`` under ``config``: the block's own record, then
    every other field it takes whose value is not the default, so that no parameter that shapes
    the module is missing from its sidecar."""
    params = block_of(block).parameters(config)
    for f in _dataclass_fields(config):
        value = getattr(config, f.name)
        if (f.name not in params and takes(block, f.name)
                and value != getattr(_DEFAULT, f.name)):
            params[f.name] = value
    return params
