"""The data layouts of the operands that flow between the blocks: the encoded pair, a PE's
activation and weight operands, and the 2:4 structured-sparse group and compressed weights.

They live here, apart from the components that use them, so that the components import their
layouts and not each other (the PE and its 2:4 subclass, the pair encoder and the array).
"""

from amaranth import signed, unsigned
from amaranth.lib import data

from .config import STC_GROUP, SparqConfig

__all__ = ["encoded_pair_layout", "EncodedPair", "operand_layout", "weight_pair_layout",
           "weight_layout", "group_layout", "compressed_layout", "POSITION_WIDTH"]


def _check(config):
    if not isinstance(config, SparqConfig):
        raise TypeError(f"config must be a SparqConfig, not {config!r}")


def encoded_pair_layout(config):
    """The :class:`~amaranth.lib.data.StructLayout` of one encoded pair under ``config``.

    Fields, from bit 0 up: ``mant0`` (``config.bits``), ``shift0`` (``config.shift_width``),
    ``src0`` (1), ``mant1``, ``shift1``, ``src1``. Slot ``j`` contributes
    ``(mantJ * b[srcJ]) << shiftJ``.
    """
    _check(config)
    n = config.bits
    return data.StructLayout({
        "mant0": n, "shift0": config.shift_width, "src0": 1,
        "mant1": n, "shift1": config.shift_width, "src1": 1,
    })


#: The encoded pair for every 4-bit option: the shift field is 3 bits wide (shifts up to 4) for
#: 5opt, 3opt and 2opt alike, so one layout serves them all (16 bits). Equal to
#: ``encoded_pair_layout(config)`` for every :class:`SparqConfig` with ``bits=4`` (3-bit windows:
#: 14 bits, 2-bit: 12 bits).
EncodedPair = encoded_pair_layout(SparqConfig())

#: Width of a weight's position inside its group of four.
POSITION_WIDTH = (STC_GROUP - 1).bit_length()

#: One output channel's weights for one aligned group of four reduction positions, as a sparse
#: tensor engine takes them: two signed 8-bit values and the 2-bit position (0..3) of each in the
#: group. Fields from bit 0 up: ``value[0]``, ``value[1]``, ``pos[0]``, ``pos[1]``. A slot whose
#: value is 0 is a padding slot (a group with fewer than two non-zero weights); its position is
#: ignored.
compressed_layout = data.StructLayout({
    "value": data.ArrayLayout(signed(8), 2),
    "pos": data.ArrayLayout(unsigned(POSITION_WIDTH), 2),
})


def group_layout(config):
    """Layout of the activation operand of a 2:4 PE: the group of four activations of one row
    (element ``i`` = reduction position ``4g + i``), unsigned ``config.act_width`` bits each."""
    _check(config)
    return data.ArrayLayout(unsigned(config.act_width), STC_GROUP)


def operand_layout(config):
    """Layout of the activation operand that flows right through a row of PEs.

    ``sparq``: the :func:`encoded_pair_layout` (two slots of mantissa, shift and weight select,
    produced once per row by the pair encoder at the array edge). ``int8`` and ``aNw8``: the raw
    pair, ``ArrayLayout(unsigned(config.act_width), 2)`` (element 0 = reduction index k, element
    1 = k+1). With ``config.stc``: the raw group of four activations (:func:`group_layout`),
    selected and encoded inside the PE.
    """
    _check(config)
    if config.stc:
        return group_layout(config)
    if config.datapath == "sparq":
        return encoded_pair_layout(config)
    return data.ArrayLayout(unsigned(config.act_width), 2)


#: Weight pair flowing down a column: element 0 = weight at reduction index k, element 1 = k+1.
weight_pair_layout = data.ArrayLayout(signed(8), 2)


def weight_layout(config):
    """Layout of the weight operand that flows down a column of PEs: :data:`weight_pair_layout`,
    or with ``config.stc`` the compressed group :data:`compressed_layout`."""
    _check(config)
    if config.stc:
        return compressed_layout
    return weight_pair_layout
