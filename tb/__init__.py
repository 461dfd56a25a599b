"""cocotb verification of the generated Verilog.

Laid out by job: the host side here (:mod:`tb.sim` builds and runs, :mod:`tb.summary` is
``make sim``, :mod:`tb.speed` is ``make bench-sim``, :mod:`tb.array_runner` and :mod:`tb.gemm`
run tiles and whole GEMMs, :mod:`tb.tiles` and :mod:`tb.layer` make them, :mod:`tb.gencache` and
:mod:`tb.objcache` cache builds); :mod:`tb.bench` what runs inside the simulator; :mod:`tb.harness`
the Verilog around the generated module; ``tb/tests`` the pytest files.
"""
