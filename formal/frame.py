"""The tile framing at every size: the control half of the compositional argument for arrays of
any ``rows x cols`` (and for dot-product units of any shape).

What an array or a dot-product unit does with its streams is decided by the framing logic of
:mod:`hdl.tile_framing` (``tile_input``: the ``a``/``b`` handshake, ``count`` and ``err``;
``tile_output``: ``pending``, ``full``, ``row``, ``c.valid``, ``c.last``, ``drain``) and by one
signal from the datapath, ``captured``: the cycle in which a tile's sums reach the shadow
registers. Of the size, the framing reads ``rows`` only (the ``row`` counter and its final value);
the datapath enters only through the delay from a tile's final transfer to ``captured``.

:class:`FrameSkeleton` is the framing alone, built by the same two functions the array and the
unit call, with ``captured`` an input. Its harness (:func:`frame_harness`) drives ``captured``
as the datapath does: the final transfer's token reaches it ``D`` cycles later through registers
that ``rst`` clears, where ``D`` is a free constant (``anyconst``) from 1 to :data:`MAX_DELAY`
(the array: ``D = rows + cols + pe_latency``, 3 to 130; the unit: ``latency - 1``, 2 or 3). The
token is modelled by a counter (``f_tok``), exact as long as at most one token is in flight,
which the harness proves (``conservation_token_single``). Then one proof per ``rows`` (1 to
:data:`hdl.config.MAX_SIDE`) shows the array's ``stream``, ``conservation`` and ``err``
assertions (:func:`formal.array.array_harness`, unchanged, with the latency ``D + 1``) for every
``cols`` and every datapath at once, and that no result row leaves (``drain``) between a tile's
final transfer and its capture (``conservation_quiet``), which the datapath half of the argument
(docs/verification.md, "Arrays of every size") needs.
"""

from amaranth import Module, unsigned
from amaranth.back import verilog
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In

from hdl import pe as hdl_pe
from hdl.config import MAX_SIDE
from hdl.tile_framing import tile_input, tile_output, tile_signature

from .array import Frame, _width, array_harness

__all__ = ["PROPERTIES", "MAX_DELAY", "FrameSkeleton", "frame_verilog", "frame_harness",
           "frame", "exposed"]

#: One property class: the array's stream, conservation and err assertions together, at every
#: datapath delay.
PROPERTIES = ("control",)

#: Largest delay from a final transfer to ``captured``: a 64 x 64 array with the split stage.
MAX_DELAY = 2 * MAX_SIDE + 2

_LAYOUT = data.StructLayout({"data": unsigned(1), "last": 1})


class FrameSkeleton(wiring.Component):
    """The tile framing of a block with ``rows`` result rows and at most ``max_transfers``
    transfers per tile, without its datapath: streams ``a``, ``b`` (1-bit data), ``c`` (1-bit
    data, always 0), ``err``, and the input ``captured`` (the datapath's capture)."""

    def __init__(self, rows, max_transfers):
        self.rows, self.max_transfers = rows, max_transfers
        super().__init__(tile_signature(_LAYOUT, _LAYOUT, _LAYOUT) | {"captured": In(1)})

    def elaborate(self, platform):
        m = Module()
        inputs = tile_input(m, self, (_LAYOUT, _LAYOUT), skid=False,
                            max_transfers=self.max_transfers)
        tile_output(m, self.c, self.rows, inputs, self.captured)
        return m


def frame_verilog(rows, max_transfers, name):
    """Verilog of :class:`FrameSkeleton`, module ``name``."""
    return verilog.convert(FrameSkeleton(rows, max_transfers), name=name, emit_src=False)


def frame(rows, max_transfers):
    """The skeleton's :class:`formal.array.Frame`, its latency the harness's ``f_L``."""
    return Frame(rows, 2, 2, 2, 1, max_transfers, "f_L")


def exposed(rows, max_transfers):
    """``{internal register: width}`` the harness reads (the array's control aids, and ``full``)."""
    return {"pending": 1, "row": _width(max(rows, 2)), "count": _width(max_transfers + 1),
            "full": 1}


def frame_harness(config, dut, *, aids):
    """SystemVerilog module ``formal_array`` around the skeleton ``dut`` with ``config.rows`` rows
    and ``config.max_pairs`` transfers per tile."""
    rows, P = config.rows, hdl_pe.max_pairs(config)
    dw = _width(MAX_DELAY + 1)
    sw = _width(MAX_DELAY + 2)
    rw = _width(max(rows, 2))
    prelude = f"""
  // -- the datapath, abstracted: a final transfer's token reaches `captured` f_D cycles later,
  // through registers that rst clears (f_D: any constant from 1 to {MAX_DELAY}) --
  (* anyconst *) reg [{dw - 1}:0] f_D;
  always @(*) assume (f_D >= {dw}'d1 && f_D <= {dw}'d{MAX_DELAY});
  wire [{sw - 1}:0] f_L = f_D + 1'b1;           // c.valid follows captured by one cycle
  reg [{dw - 1}:0] f_tok = {dw}'d0;             // cycles since the token in flight left (0: none)
  wire f_captured = f_tok != {dw}'d0 && f_tok == f_D;
  always @(posedge clk)
    if (rst) f_tok <= {dw}'d0;
    else if (take && a_last) f_tok <= {dw}'d1;
    else if (f_captured) f_tok <= {dw}'d0;
    else if (f_tok != {dw}'d0) f_tok <= f_tok + 1'b1;
"""
    checks = f"""
  // -- the counter is the delay line: never a second token in flight; no row leaves while a
  // token is in flight (a capture never meets a drain shift) --
  always @(*) begin
    if (!rst && take && a_last) conservation_token_single: assert (f_tok == {dw}'d0);
    if (f_tok != {dw}'d0) conservation_quiet: assert (!give);
  end
"""
    if aids:
        checks += f"""
  // -- induction aids: the token, the model's tile and the framing's `full` agree --
  always @(*) begin
    aid_tok_range: assert (f_tok <= f_D);
    if (f_tok != {dw}'d0) aid_tok_tile: assert (f_outstanding == 2'd1 && f_row == {rw}'d0
                                                && f_since == f_tok && !dut_full);
    if (f_outstanding != 2'd0 && f_tok == {dw}'d0) aid_tok_full: assert (dut_full
                                                                         && f_since == f_L);
    if (f_outstanding == 2'd0) aid_tok_idle: assert (f_tok == {dw}'d0 && !dut_full);
  end
"""

    def extra(has, aids):
        return checks
    wires = exposed(rows, P) if aids else {}
    return array_harness(config, dut, ("stream", "conservation", "err"), aids=aids,
                         fr=frame(rows, P), extra=extra, wires=wires, prelude=prelude,
                         more_ports=(".captured(f_captured)",), latency_width=sw)
