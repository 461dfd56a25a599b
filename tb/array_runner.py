"""Run tiles through the generated systolic array or dot-product unit from Python (pytest tests,
tb.gemm, the bench).

:func:`run_array` validates the tiles against the configuration first (a K above ``max_k``, a wrong
shape or an out-of-range value raise ValueError before anything is built or simulated), builds the
array in its harness for the simulator (shared by every test of the same configuration), writes
the tiles to the run directory and runs the cocotb tests of :mod:`tb.bench.array` on them.
"""

import json
import os

import numpy as np

from tb import sim, tiles
from tb.harness.burst import build_burst
from tb.harness.per_cycle import build_harness

__all__ = ["build_array", "run_array", "run_standard", "simulator_params", "standard_tiles"]


def standard_tiles(config, seed, *, random_count=None, block="array"):
    """The named corner tiles of :func:`tb.tiles.corner_tiles` (for the dot-product unit also
    :func:`tb.tiles.chunk_tiles`, K around multiples of ``2 * pairs``) followed by
    ``random_count`` ReLU-like tiles of random K (default from ``SPARQ_TILES``, else 12)."""
    rng = np.random.default_rng(seed)
    count = sim.int_from_env("SPARQ_TILES", 12) if random_count is None else random_count
    corners = tiles.corner_tiles(config, rng)
    if block == "dotprod":
        corners += tiles.chunk_tiles(config, rng)
    return corners + tiles.random_tiles(config, rng, count)


def simulator_params(block, entries):
    """``pytest.param(simulator, config)`` for each ``(config, simulators)`` of ``entries`` and
    each of its simulators that the run selects (:func:`tb.sim.selected_simulators`), with the
    id ``<config tag>-<simulator>`` (:func:`hdl.naming.config_tag` of ``block``): the test id
    names the design, and two entries of one design are refused."""
    import pytest       # (here: the bench and the tiler import this module without pytest)
    from hdl.naming import config_tag
    tags = [config_tag(block, c) for c, _ in entries]
    twice = sorted({t for t in tags if tags.count(t) > 1})
    if twice:
        raise ValueError(f"entries name the same design twice: {', '.join(twice)}")
    return [pytest.param(s, c, id=f"{tag}-{s}") for tag, (c, sims) in zip(tags, entries)
            for s in sims if s in sim.selected_simulators()]


def run_standard(config, simulator, *, block="array"):
    """The standard bench of ``block``: :func:`standard_tiles` (seed from ``SPARQ_SEED``) at full
    rate and stalled; fails unless both tests ran and compared every value and ``last`` bit of
    every tile."""
    sim.require(simulator)
    seed = sim.seed_from_env()
    named = standard_tiles(config, seed, block=block)
    records = run_array(config, simulator, named, seed=seed, block=block)
    tests = {r["test"] for r in records}
    assert tests == {"full_rate", "stalled"}, f"tests run: {sorted(tests)}"
    for r in records:
        # Every tile's every result value was compared (values and last).
        expected = len(named) * config.rows * (config.cols + 1)
        assert r["tiles"] == len(named), f"{r['test']}: {r['tiles']} of {len(named)} tiles"
        assert r["checked"] == expected, f"{r['test']}: {r['checked']} of {expected} checked"


def build_array(config, simulator, *, burst=False, block="array"):
    """``block`` (``"array"`` or ``"dotprod"``) for ``config`` in its harness, compiled for
    ``simulator``: the per-cycle harness (:mod:`tb.harness.per_cycle`), or with ``burst`` the burst
    harness (:mod:`tb.harness.burst`)."""
    if burst:
        return build_burst(config, simulator, block=block)
    return build_harness(config, simulator, block)


def run_array(config, simulator, named_tiles, *, tests=("full_rate", "stalled"), stalls=None,
              seed=None, label=None, output_dir=None, burst=False, build=None, run_name=None,
              block="array"):
    """Drive ``named_tiles`` (``[(name, A, B)]``) through the array (or, with ``block="dotprod"``,
    the dot-product unit); return the run's records.

    ``burst=True`` runs the full-rate ``burst`` test on the burst harness instead of ``tests``.
    ``build``: the result of :func:`build_array` for the same configuration, simulator and
    ``burst`` (built here when None). With ``output_dir``, every cocotb test also saves the result
    rows it received, in order, as ``<output_dir>/<test>.npy`` (rows x cols int64)."""
    tiles.check_tiles(config, [(a, b) for _, a, b in named_tiles])
    if burst:
        tests = ("burst",)
    if build is None:
        build = build_array(config, simulator, burst=burst, block=block)
    folder = build.directory / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tiles-{os.getpid()}-{run_name or sim.config_key(config, build.block)}.npz"
    tiles.save_tiles(path, named_tiles)
    env = {"SPARQ_TILES_FILE": str(path)}
    if output_dir is not None:
        env["SPARQ_OUTPUT_DIR"] = str(output_dir)
    if stalls is not None:
        env["SPARQ_STALLS"] = json.dumps(stalls)
    return sim.run(build, "tb.bench.array", testcase=list(tests), env=env, seed=seed,
                   label=label, run_name=run_name)
