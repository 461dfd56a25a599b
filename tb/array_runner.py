"""Run tiles through the generated systolic array from Python (pytest tests, tb.gemm, the bench).

:func:`run_array` validates the tiles against the configuration first (a K above ``max_k``, a wrong
shape or an out-of-range value raise ValueError before anything is built or simulated), builds the
array in its harness for the simulator (shared by every test of the same configuration), writes
the tiles to the run directory and runs the cocotb tests of :mod:`tb.array_tests` on them.
"""

import json
import os

import numpy as np

from tb import sim, tiles
from tb.array_burst import build_burst
from tb.array_harness import build_harness

__all__ = ["build_array", "run_array", "standard_tiles"]


def standard_tiles(config, seed, *, random_count=None):
    """The named corner tiles of :func:`tb.tiles.corner_tiles` followed by ``random_count``
    ReLU-like tiles of random K (default from ``SPARQ_TILES``, else 12)."""
    rng = np.random.default_rng(seed)
    count = sim.int_from_env("SPARQ_TILES", 12) if random_count is None else random_count
    return tiles.corner_tiles(config, rng) + tiles.random_tiles(config, rng, count)


def build_array(config, simulator, *, burst=False):
    """The array for ``config`` in its harness, compiled for ``simulator``: the per-cycle harness
    (:mod:`tb.array_harness`), or with ``burst`` the burst harness (:mod:`tb.array_burst`)."""
    return build_burst(config, simulator) if burst else build_harness(config, simulator)


def run_array(config, simulator, named_tiles, *, tests=("full_rate", "stalled"), stalls=None,
              seed=None, label=None, output_dir=None, burst=False, build=None, run_name=None):
    """Drive ``named_tiles`` (``[(name, A, B)]``) through the array; return the run's records.

    ``burst=True`` runs the full-rate ``burst`` test on the burst harness instead of ``tests``.
    ``build``: the result of :func:`build_array` for the same configuration, simulator and
    ``burst`` (built here when None). With ``output_dir``, every cocotb test also saves the result
    rows it received, in order, as ``<output_dir>/<test>.npy`` (rows x cols int64)."""
    tiles.check_tiles(config, [(a, b) for _, a, b in named_tiles])
    if burst:
        tests = ("burst",)
    if build is None:
        build = build_array(config, simulator, burst=burst)
    folder = build.directory / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tiles-{os.getpid()}-{run_name or sim.config_key(config)}.npz"
    tiles.save_tiles(path, named_tiles)
    env = {"SPARQ_TILES_FILE": str(path)}
    if output_dir is not None:
        env["SPARQ_OUTPUT_DIR"] = str(output_dir)
    if stalls is not None:
        env["SPARQ_STALLS"] = json.dumps(stalls)
    return sim.run(build, "tb.array_tests", testcase=list(tests), env=env, seed=seed,
                   label=label, run_name=run_name)
