"""The tile framing the systolic array and the dot-product unit share: their input handshake and
error check, and the row-by-row output of a finished tile.

Both blocks have the same members (:func:`tile_signature`), take one word of ``a`` and one of
``b`` together, frame tiles with ``last``, flag a tile that is too long or framed differently on
``a`` and ``b`` on ``err``, and send a finished tile as ``rows`` words on ``c`` from shadow
registers while the next tile accumulates. The functions below build that into the block, so it
is written once.
"""

from typing import NamedTuple

from amaranth import Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .skid import SkidBuffer

__all__ = ["TileInput", "tile_signature", "tile_input", "tile_output"]


def tile_signature(a_layout, b_layout, c_layout):
    """The members of a tile block: input streams ``a`` and ``b``, output stream ``c`` with the
    given payload layouts, and the sticky error flag ``err`` (``Out(1)``)."""
    return {
        "a": In(stream.Signature(a_layout)),
        "b": In(stream.Signature(b_layout)),
        "c": Out(stream.Signature(c_layout)),
        "err": Out(1),
    }


class TileInput(NamedTuple):
    """What :func:`tile_input` gives the block: the streams its logic reads (behind the skid
    buffers when there are any), ``take`` (a word of each is taken this cycle) and ``pending``
    (a tile's final word was taken and its results have not all left; set and cleared by
    :func:`tile_output`)."""
    a: object
    b: object
    take: Signal
    pending: Signal


def tile_input(m, block, layouts, *, skid, max_transfers):
    """Input side of ``block`` (a component with streams ``a``, ``b`` and output ``err``).

    ``a.ready = b.valid & accept`` and ``b.ready = a.valid & accept``: the two are taken together;
    ``accept`` is low only for a tile's final word (``last`` on either stream) while ``pending``,
    so a tile may finish only when the previous one has left and a capture never meets a drain
    shift. With ``skid``, a :class:`~hdl.skid.SkidBuffer` (payload ``layouts[0]`` for ``a``,
    ``layouts[1]`` for ``b``) stands in front of each stream and the rules apply behind it.
    ``err`` is set (sticky) by a word that is the ``max_transfers + 1``-th of its tile or has
    ``a.last != b.last``.
    """
    if skid:
        m.submodules.skid_a = skid_a = SkidBuffer(layouts[0])
        m.submodules.skid_b = skid_b = SkidBuffer(layouts[1])
        wiring.connect(m, wiring.flipped(block.a), skid_a.i)
        wiring.connect(m, wiring.flipped(block.b), skid_b.i)
        a, b = skid_a.o, skid_b.o
    else:
        a, b = block.a, block.b
    pending = Signal()
    tile_end = a.payload.last | b.payload.last
    accept = ~pending | ~tile_end
    m.d.comb += [
        a.ready.eq(b.valid & accept),
        b.ready.eq(a.valid & accept),
    ]
    take = Signal()
    m.d.comb += take.eq(a.valid & a.ready)

    # -- error detection: tile length and framing --
    count = Signal(range(max_transfers + 1))        # transfers already taken in this tile
    with m.If(take):
        with m.If((count == max_transfers) | (a.payload.last != b.payload.last)):
            m.d.sync += block.err.eq(1)
        with m.If(a.payload.last):
            m.d.sync += count.eq(0)
        with m.Elif(count != max_transfers):         # saturate: a runaway tile keeps flagging
            m.d.sync += count.eq(count + 1)
    return TileInput(a, b, take, pending)


def tile_output(m, c, rows, inputs, captured):
    """Output side: once ``captured`` (the tile's sums are in the shadow registers), ``c`` offers
    ``rows`` words, ``last`` on the final one; returns ``drain``, high in a cycle whose clock edge
    takes a row (the block shifts its shadow rows then). ``inputs`` is :func:`tile_input`'s
    result: ``pending`` rises when a tile's final word is taken and falls with its last row."""
    full = Signal()
    row = Signal(range(max(rows, 2)))               # (one bit at least: no zero-width wire)
    drain = Signal()
    with m.If(inputs.take & inputs.a.payload.last):
        m.d.sync += inputs.pending.eq(1)
    with m.If(captured):
        m.d.sync += full.eq(1)
    m.d.comb += [
        c.valid.eq(full),
        c.payload.last.eq(row == rows - 1),
        drain.eq(c.valid & c.ready),
    ]
    with m.If(drain):
        with m.If(row == rows - 1):
            m.d.sync += [row.eq(0), full.eq(0), inputs.pending.eq(0)]
        with m.Else():
            m.d.sync += row.eq(row + 1)
    return drain
