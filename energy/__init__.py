"""Energy per MAC and per cycle of the generated designs, from gate-level switching activity.

The mapped standard-cell netlist of a design (:mod:`synth.netlist`) is simulated on Icarus with
the library's cell models (:mod:`energy.gatesim`), every result checked against golden; the
per-net transition counts of the VCD (:mod:`energy.activity`) are priced with the Liberty file's
power tables (:mod:`energy.liberty`, :mod:`energy.model`). ``sparq-rtl energy``
(:mod:`energy.cli`) runs it for SPARQ, int8 and a4w8 PEs, each mapping and run a task of the task
engine (:mod:`energy.tasks`); :mod:`energy.stall` checks that a stalled stream costs the same
per pair; docs/energy.md describes the model.
"""
