"""How a harness connects the generated array or dot-product unit: the port-name map of each
interface.

The harnesses (:mod:`tb.harness.per_cycle`, :mod:`tb.harness.burst`) speak the native stream words
(payload = ``{last, data}``, ``last`` the top bit) and an active-high ``rst``. :func:`dut_instance`
writes the instance of the generated module for the configuration's interface:

- ``native``: ``.clk``, ``.rst``, ``.a__payload``/``__valid``/``__ready``, ... by name;
- ``axis`` (:class:`hdl.axis.AxisArray`): ``.aclk``, ``.aresetn(!rst)``, and for each stream
  ``tdata`` = the payload's data bits (zero padding above them on ``a``/``b``), ``tlast`` = its
  top bit; ``c``'s word is rebuilt as ``{m_axis_c_tlast, m_axis_c_tdata[data bits]}``.

So the same harness, the same cocotb benches and the same checks run on either top level.
"""

from hdl.axis import tdata_layout
from hdl.stream_codec import codec_for
from amaranth.lib import data

__all__ = ["dut_instance"]


def _data_bits(layout):
    return data.Layout.cast(layout["data"].shape).size


def dut_instance(config, module, *, clk, rst, a, b, c, err, name="dut", block="array"):
    """Verilog text declaring what the instance needs and instantiating ``module`` (a generated
    ``block``: ``"array"`` or ``"dotprod"``, whose streams have the same ports).

    ``a``, ``b``: ``(payload expression, valid expression, ready wire)`` (the ready wires are
    declared by the caller); ``c``: ``(payload wire, valid wire, ready expression)`` (the payload
    and valid wires are declared by the caller and driven here); ``err``: a wire or output.
    """
    if config.interface == "native":
        return (f"  {module} {name} (\n"
                f"    .clk({clk}), .rst({rst}),\n"
                f"    .a__payload({a[0]}), .a__valid({a[1]}), .a__ready({a[2]}),\n"
                f"    .b__payload({b[0]}), .b__valid({b[1]}), .b__ready({b[2]}),\n"
                f"    .c__payload({c[0]}), .c__valid({c[1]}), .c__ready({c[2]}),\n"
                f"    .err({err}));\n")
    text = ""
    ports = []
    codec = codec_for(block, config)
    for stream, prefix in (("a", "s_axis_a"), ("b", "s_axis_b")):
        payload, valid, ready = a if stream == "a" else b
        layout = getattr(codec, stream).layout
        bits = _data_bits(layout)
        width = tdata_layout(layout).size
        wire = f"{name}_{stream}_word"
        text += f"  wire [{layout.size - 1}:0] {wire} = {payload};\n"
        tdata = f"{wire}[{bits - 1}:0]"
        if width > bits:
            tdata = f"{{{width - bits}'d0, {tdata}}}"
        ports.append(f"    .{prefix}_tdata({tdata}), .{prefix}_tvalid({valid}), "
                     f".{prefix}_tready({ready}), .{prefix}_tlast({wire}[{bits}]),\n")
    layout = codec.c.layout
    bits, width = _data_bits(layout), tdata_layout(layout).size
    text += (f"  wire [{width - 1}:0] {name}_c_tdata;\n  wire {name}_c_tlast;\n"
             f"  assign {c[0]} = {{{name}_c_tlast, {name}_c_tdata[{bits - 1}:0]}};\n")
    ports.append(f"    .m_axis_c_tdata({name}_c_tdata), .m_axis_c_tvalid({c[1]}), "
                 f".m_axis_c_tready({c[2]}), .m_axis_c_tlast({name}_c_tlast),\n")
    return (text + f"  {module} {name} (\n    .aclk({clk}), .aresetn(!{rst}),\n" + "".join(ports)
            + f"    .err({err}));\n")
