"""The named quantization settings an evaluation compares.

Each setting says how every quantized convolution computes: which activation quantizer feeds it,
which integer kernel (:func:`golden.sparq_conv2d` with ``kernel="sparq"`` or ``"exact"``) and
whether the weights are 2:4 structured-sparse. The first convolution and every non-convolution
layer stay in floating point in all of them.
"""

import dataclasses
from dataclasses import dataclass

from golden.sparq import ROUNDINGS
from golden.tags import NAIVE_WIDTHS, SPARQ_WINDOWS, setting_tag
from hdl.config import FIELDS, STC_DATAPATHS

__all__ = ["Setting", "SETTINGS", "DEFAULT_SETTINGS", "SPARSE_SETTINGS", "REFERENCE",
           "resolve_settings"]


@dataclass(frozen=True)
class Setting:
    """One quantization setting.

    Members
    -------
    name : str
        The setting tag (:mod:`golden.tags`: ``int8``, ``a4w8``, ``sparq-b4-o5-ne``, ...; ``fp32``
        for the float model), used on the command line and in :func:`resolve_settings`.
    label : str
        Human-readable name for tables and charts.
    kind : str
        ``"fp32"`` (no quantization), ``"exact"`` (plain integer product of ``act_bits``-bit
        activations and 8-bit weights) or ``"sparq"`` (8-bit activations through the SPARQ kernel).
    act_bits : int
        Activation quantizer width: 8, or 4, 3, 2 for the naive baselines (``delta = max_mean /
        (2**act_bits - 1)``, e.g. ``max_mean / 15`` for 4 bits), the partners of SPARQ's 4-, 3- and
        2-bit windows.
    bits, options, rounding :
        The SPARQ window setting passed to :func:`golden.sparq_conv2d` (``kind="sparq"`` only).
    stc : bool
        2:4 structured-sparse weights (the ``-stc`` designs): every quantized conv's 8-bit weights
        pruned by magnitude to two non-zero values per aligned group of four along the reduction
        (:func:`golden.sparse.prune_conv_2to4`, after quantization, no fine-tuning), and with
        ``kind="sparq"`` the 2:4 SPARQ kernel (:func:`golden.sparq_gemm` with ``stc=True``: the
        pair is the two activations the kept weights select). Named ``<tag>-stc``.
    """

    name: str
    label: str
    kind: str
    act_bits: int = 8
    bits: int = 4
    options: int = 5
    rounding: str = "nearest-even"
    stc: bool = False

    @property
    def quantized(self):
        return self.kind != "fp32"


def _sparq(bits, options, rounding):
    return Setting(name=setting_tag("sparq", bits=bits, options=options, rounding=rounding),
                   label=f"SPARQ {bits}b {options}opt "
                         f"{'rounding' if rounding == 'nearest-even' else 'truncation'}",
                   kind="sparq", bits=bits, options=options, rounding=rounding)


# The float model, then every setting of the catalogue (golden.tags): the exact ones (int8 and
# each naive baseline), then every SPARQ window with each rounding.
_ALL = [
    Setting("fp32", "FP32", "fp32"),
    Setting(setting_tag("int8"), "A8W8", "exact", act_bits=8),
]
_ALL += [Setting(setting_tag(kind), f"A{width}W8 naive", "exact", act_bits=width)
         for kind, width in NAIVE_WIDTHS.items()]
_ALL += [_sparq(bits, options, rounding)
         for bits, options in SPARQ_WINDOWS for rounding in ROUNDINGS]

# Then 2:4 structured-sparse weights, for each datapath with a 2:4 variant (hdl.config's
# STC_DATAPATHS: int8 and SPARQ at its default window, 4 bits and 5 options, the 2:4 SPARQ PE's
# setting in the default Verilog set), named with the schema's tag piece of ``stc``.
_STC_TAG = FIELDS["stc"].tag
_STC_BASES = [s.name for s in _ALL if s.name in {setting_tag(d) for d in STC_DATAPATHS}]
_ALL += [dataclasses.replace(s, name=s.name + _STC_TAG, label=s.label + " 2:4", stc=True)
         for s in _ALL if s.name in _STC_BASES]

#: Every known setting by name, in the order tables list them.
SETTINGS = {s.name: s for s in _ALL}

#: What an evaluation runs when no names are given: every setting with dense weights (the 2:4
#: ones are for a network whose weights are 2:4 sparse: the ``fashion-2to4`` workload; on a dense
#: network they prune it without fine-tuning).
DEFAULT_SETTINGS = tuple(name for name, s in SETTINGS.items() if not s.stc)

_SPARQ_BITS = next(SETTINGS[b].bits for b in _STC_BASES if SETTINGS[b].kind == "sparq")

#: What the 2:4 workload (``fashion-2to4``) runs when no names are given: the 2:4 settings beside
#: the dense kernels on the same pruned weights (int8 and int8-stc agree there: the pruned float
#: weights quantize to the same zeros) and the naive baseline of SPARQ's window width.
SPARSE_SETTINGS = ("fp32", *_STC_BASES,
                   *(kind for kind, width in NAIVE_WIDTHS.items() if width == _SPARQ_BITS),
                   *(b + _STC_TAG for b in _STC_BASES))

#: The setting every SQNR and prediction agreement is measured against.
REFERENCE = "int8"


def resolve_settings(names=None):
    """Turn a sequence of setting names into :class:`Setting` objects, the reference included.

    ``None`` means :data:`DEFAULT_SETTINGS`. The reference ``int8`` (A8W8) is added when missing, since
    the SQNR columns are measured against it. Raises ``ValueError`` for an unknown name and
    ``TypeError`` for something that is not a sequence of strings.
    """
    if names is None:
        names = DEFAULT_SETTINGS
    if isinstance(names, str):
        raise TypeError(f"settings must be a sequence of setting names, not the string {names!r}")
    out = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"settings must hold setting names (str), not {name!r}")
        if name not in SETTINGS:
            raise ValueError(f"unknown setting {name!r}; known settings: {', '.join(SETTINGS)}")
        if name not in out:
            out.append(name)
    if REFERENCE not in out:
        out.insert(0, REFERENCE)
    # Table order is the catalogue order, whatever order the caller listed them in.
    return tuple(SETTINGS[n] for n in SETTINGS if n in out)
