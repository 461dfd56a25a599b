"""The Verilog harnesses: wrappers around the unchanged generated module that the benches drive.

:mod:`tb.harness.per_cycle` (stream transfers decided in Verilog, one Python wait per clock),
:mod:`tb.harness.burst` (banks of transfers at full rate), :mod:`tb.harness.ports` (how either
connects the array or the dot-product unit, native or AXI4-Stream) and :mod:`tb.harness.encoders`
(every window selector and pair encoder in one build).
"""
