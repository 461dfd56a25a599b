"""Design-space sweeps: SPARQ settings x blocks and sizes x synthesis targets x placement seeds,
with the accuracy of each setting, run as tasks on ``dask.distributed`` (:mod:`engine`).

- :mod:`sweep.spec`: the sweep file (TOML) and its points;
- :mod:`sweep.tasks`: the task functions (generate, train, evaluate; synthesis and place and
  route are :func:`synth.flow.synth_tasks`) and their content keys;
- :mod:`sweep.run`: the sweep as engine tasks, resumable, with progress;
- :mod:`sweep.table`: one row per point as CSV, JSON and Markdown;
- :mod:`sweep.charts`: Pareto fronts of accuracy and SQNR against area and throughput per area;
- :mod:`sweep.cli`: ``sparq-rtl sweep``; :mod:`sweep.bench`: the scaling measurement.
"""
