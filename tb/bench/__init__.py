"""What runs inside the simulator: the cocotb benches and their parts.

:mod:`tb.bench.environment` (configuration, seed and result records read and written inside the
simulator), :mod:`tb.bench.driver` (tiles into the array or dot-product unit), the monitors,
scoreboard and stall plans it uses, and the cocotb test modules :func:`tb.sim.run` loads:
:mod:`tb.bench.array`, :mod:`tb.bench.pe`, :mod:`tb.bench.encoders`, :mod:`tb.bench.selfcheck`.
"""
