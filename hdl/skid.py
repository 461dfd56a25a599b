"""A skid buffer: a stream stage whose ``ready`` is a register output."""

from amaranth import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["SkidBuffer"]


class SkidBuffer(wiring.Component):
    """One stream in, the same stream out; ``i.ready`` is a register output.

    ::

        i.payload --+-------------------|\\
                    |                   | |--> o.payload
                    +--> [skid reg] --->|/
                                         full
        i.ready = ~full   (a flip-flop: depends on nothing of the current cycle)

    Contract (valid/ready streams; a transfer happens on a rising edge with both high):

    * ``i.ready`` is ``~full``, the inverse of a flip-flop: it depends on no input of the same
      cycle (not on ``i.valid``, ``i.payload`` nor ``o.ready``), so a producer may compute its
      ``valid`` from ``ready`` without a combinational loop.
    * Latency 0: while the skid register is empty, ``o`` is ``i`` (``o.valid = i.valid``,
      ``o.payload = i.payload``, through a multiplexer). A word offered on ``i`` that ``o`` does
      not take in the same cycle goes into the skid register (``full`` rises); from then on ``o``
      offers the registered word, and ``i.ready`` is low until ``o`` has taken it.
    * Full throughput: one word per cycle in and out as long as ``o.ready`` stays high; a cycle
      without ``o.ready`` costs the producer one cycle of ``i.ready`` after ``o`` resumes, not
      ``o`` a cycle (``o.valid`` stays high while the skid register holds a word).
    * Order and count: every word that enters on ``i`` leaves on ``o`` once, in order.
    * ``o.valid`` and ``o.payload`` hold while ``o.ready`` is low (the stream rules), provided
      the producer holds ``i.valid`` and ``i.payload`` until its transfer, as the rules require:
      once ``o`` has offered a word and not taken it, the word is in the skid register.
    * Combinational paths: ``i.valid`` -> ``o.valid``, ``i.payload`` -> ``o.payload``;
      ``o.ready`` reaches no output in the same cycle.

    Cost: one payload-wide register, one flip-flop and a payload-wide 2:1 multiplexer.

    Parameters
    ----------
    payload_shape : shape-castable
        The stream's payload (e.g. a :mod:`amaranth.lib.data` layout).

    Members
    -------
    i : In(stream.Signature(payload_shape))
    o : Out(stream.Signature(payload_shape))
    """

    def __init__(self, payload_shape):
        self._payload_shape = payload_shape
        super().__init__({
            "i": In(stream.Signature(payload_shape)),
            "o": Out(stream.Signature(payload_shape)),
        })

    @property
    def payload_shape(self):
        return self._payload_shape

    def elaborate(self, platform):
        m = Module()
        full = Signal()
        skid = Signal(self._payload_shape)
        m.d.comb += self.i.ready.eq(~full)
        with m.If(full):
            m.d.comb += [self.o.valid.eq(1), self.o.payload.eq(skid)]
            with m.If(self.o.ready):
                m.d.sync += full.eq(0)
        with m.Else():
            m.d.comb += [self.o.valid.eq(self.i.valid), self.o.payload.eq(self.i.payload)]
            with m.If(self.i.valid & ~self.o.ready):
                m.d.sync += [full.eq(1), skid.eq(self.i.payload)]
        return m
