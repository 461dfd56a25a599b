"""The systolic array and the dot-product unit with AXI4-Stream port names: thin wrappers, no
logic of their own."""

from dataclasses import replace

from amaranth import ClockDomain, Module, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .array import SystolicArray, a_layout, b_layout, c_layout
from .config import SparqConfig
from . import dotprod

__all__ = ["AxisArray", "AxisDotProduct", "tdata_layout", "WRAPPED"]

#: Submodule name of the wrapped block: the generated Verilog has it as module ``<top>.array``
#: (for the dot-product unit too).
WRAPPED = "array"


def tdata_layout(payload):
    """``tdata`` of a stream whose native payload layout is ``payload`` (``{data, last}``): the
    ``data`` field, then ``pad`` zero bits up to a whole number of bytes (no ``pad`` field when
    ``data`` fills whole bytes already)."""
    shape = payload["data"].shape
    width = data.Layout.cast(shape).size
    pad = -width % 8
    fields = {"data": shape}
    if pad:
        fields["pad"] = unsigned(pad)
    return data.StructLayout(fields)


class AxisArray(wiring.Component):
    """:class:`~hdl.array.SystolicArray` with AXI4-Stream ports (``config.interface == "axis"``).

    Ports, in this order (``M`` = the module)::

        aclk                                   clock, rising edge
        aresetn                                synchronous reset, active LOW
        s_axis_a_tdata/tvalid/tready/tlast     stream a (activation pairs), slave
        s_axis_b_tdata/tvalid/tready/tlast     stream b (weight pairs), slave
        m_axis_c_tdata/tvalid/tready/tlast     stream c (result rows), master
        err                                    sticky error flag

    ``tdata`` is the native payload's ``data`` field at the same bit offsets, padded with ``pad``
    bits to whole bytes (:func:`tdata_layout`); ``tlast`` is the native payload's ``last``. The
    padding is ignored on ``a`` and ``b`` and driven 0 on ``c``. Everything else (handshake,
    latency, throughput, ``err``) is the wrapped array's, unchanged: the wrapper renames ports and
    inverts the reset, nothing more. ``tready`` here is the native ``ready`` (AXI4-Stream allows
    ``tready`` to depend on ``tvalid``; see the array's handshake for the paths).
    """

    #: The wrapped block: its class and the layout functions of its streams ``a``, ``b``, ``c``.
    _block = SystolicArray
    _layout_functions = (a_layout, b_layout, c_layout)

    def __init__(self, config):
        if not isinstance(config, SparqConfig):
            raise TypeError(f"config must be a SparqConfig, not {config!r}")
        self._config = config
        native = replace(config, interface="native")
        self._layouts = {s: f(native) for s, f in zip("abc", self._layout_functions)}
        block = self._block
        if native.stc:
            # The 2:4 structured-sparse array: the same streams, other payload layouts.
            from .stc_array import StcArray
            block = StcArray
        self._array = block(native)
        members = {"aclk": In(1), "aresetn": In(1)}
        for stream, prefix, flow, back in (("a", "s_axis_a", In, Out), ("b", "s_axis_b", In, Out),
                                           ("c", "m_axis_c", Out, In)):
            members[f"{prefix}_tdata"] = flow(tdata_layout(self._layouts[stream]))
            members[f"{prefix}_tvalid"] = flow(1)
            members[f"{prefix}_tready"] = back(1)
            members[f"{prefix}_tlast"] = flow(1)
        members["err"] = Out(1)
        super().__init__(members)

    @property
    def config(self):
        return self._config

    def describe(self):
        """The wrapped array's description with the AXI4-Stream port names (see
        :mod:`hdl.generate`)."""
        cfg = self._config
        inner = self._array.describe()
        native = inner["ports"]
        ports = {"aclk": "clock; every register and stream transfer uses its rising edge",
                 "aresetn": ("synchronous reset, active LOW: clears state and handshakes; hold "
                             "low for at least one aclk edge after power-up")}
        texts = {
            "a": ("s_axis_a", "slave", native["a__payload"]),
            "b": ("s_axis_b", "slave", native["b__payload"]),
            "c": ("m_axis_c", "master", native["c__payload"]),
        }
        for stream, (prefix, role, payload) in texts.items():
            pad = "pad" in dict(self.signature.members[f"{prefix}_tdata"].shape.members)
            ports[f"{prefix}_tdata"] = (
                f"stream {stream} ({role}): the native payload's data field at the same bit "
                f"offsets ({payload.split('; last')[0]})"
                + ("; then pad bits up to a whole byte, " + ("ignored" if role == "slave" else
                                                                "driven 0") if pad else ""))
            ports[f"{prefix}_tlast"] = (f"stream {stream}: the native payload's last bit "
                                        + ("(the tile's final transfer)" if stream != "c" else
                                           f"(high on result row {cfg.rows - 1})"))
            source = "the producer" if role == "slave" else "this block"
            sink = "this block" if role == "slave" else "the consumer"
            ports[f"{prefix}_tvalid"] = (f"stream {stream}: {source} offers a transfer; a transfer "
                                         f"happens on a rising aclk edge with tvalid and tready "
                                         f"both high")
            ports[f"{prefix}_tready"] = f"stream {stream}: {sink} accepts a transfer this cycle"
        ports["err"] = native["err"].replace("cleared by rst", "cleared by aresetn low")
        return {**inner, "summary": inner["summary"] + " (AXI4-Stream ports)", "ports": ports,
                "handshake": inner["handshake"].replace(
                    "a.ready", "s_axis_a_tready").replace("b.ready", "s_axis_b_tready").replace(
                    "b.valid", "s_axis_b_tvalid").replace("a.valid", "s_axis_a_tvalid").replace(
                    "c.ready", "m_axis_c_tready").replace("on c", "on m_axis_c"),
                "clock": {"port": "aclk", "edge": "rising"},
                "reset": {"port": "aresetn", "polarity": "active-low", "synchronous": True}}

    def elaborate(self, platform):
        m = Module()
        m.domains.sync = cd = ClockDomain("sync", local=True)
        m.d.comb += [cd.clk.eq(self.aclk), cd.rst.eq(~self.aresetn)]
        m.submodules[WRAPPED] = array = self._array
        for stream, prefix in (("a", "s_axis_a"), ("b", "s_axis_b")):
            port = getattr(array, stream)
            tdata = getattr(self, f"{prefix}_tdata")
            m.d.comb += [
                port.payload.data.eq(tdata.data),
                port.payload.last.eq(getattr(self, f"{prefix}_tlast")),
                port.valid.eq(getattr(self, f"{prefix}_tvalid")),
                getattr(self, f"{prefix}_tready").eq(port.ready),
            ]
        m.d.comb += [
            self.m_axis_c_tdata.data.eq(array.c.payload.data),
            self.m_axis_c_tlast.eq(array.c.payload.last),
            self.m_axis_c_tvalid.eq(array.c.valid),
            array.c.ready.eq(self.m_axis_c_tready),
            self.err.eq(array.err),
        ]
        return m


class AxisDotProduct(AxisArray):
    """:class:`~hdl.dotprod.DotProduct` with AXI4-Stream ports (``config.interface == "axis"``):
    the same ports, ``tdata`` padding and reset as :class:`AxisArray`, around the dot-product
    unit (whose handshake, latency, throughput and ``err`` are unchanged)."""

    _block = dotprod.DotProduct
    _layout_functions = (dotprod.a_layout, dotprod.b_layout, dotprod.c_layout)
