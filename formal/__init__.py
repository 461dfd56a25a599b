"""Formal proofs of the generated hardware with SymbiYosys (``make formal``, ``python -m formal``).

Harnesses written once in SystemVerilog assertions (generated per configuration) wrap the
unchanged Verilog that :mod:`hdl.generate` writes; the references come from the spec
(:mod:`formal.spec`, formal-only Amaranth models) and from the golden model
(:mod:`formal.reference`), never from the RTL. Modules:

* :mod:`formal.array`, :mod:`formal.dotprod`, :mod:`formal.pe`, :mod:`formal.encoders`,
  :mod:`formal.skid`: the harnesses and their property classes;
* :mod:`formal.jobs`: the catalogue (design, property class, mode, depth);
* :mod:`formal.mutants`: injected bugs, one or more per property class;
* :mod:`formal.sby`, :mod:`formal.run`: running SymbiYosys (with a bounded fallback when an
  induction does not close) and the summary.

Layer: above :mod:`hdl` (and :mod:`golden`), beside :mod:`tb` and :mod:`synth`.
"""
