"""Synthesis and place-and-route reports of the generated hardware (Yosys, nextpnr via YoWASP).

- :mod:`synth.designs`  named designs, generated through :mod:`hdl.generate`
- :mod:`synth.targets`  targets, their Yosys scripts and the figures read from ``stat -json``
- :mod:`synth.harness`  the registered, serializing harness used for place and route
- :mod:`synth.flow`     one design through one target; many in parallel; cached results
- :mod:`synth.report`   the combined Markdown report and PNG chart
- :mod:`synth.baseline` regression baselines per Yosys version
- :mod:`synth.cli`      ``sparq-rtl synth`` / ``python -m synth``
"""
