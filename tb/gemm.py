"""A GEMM of any size on the generated systolic array or dot-product unit, tile by tile: the host
side of a layer.

:func:`array_gemm` computes ``C = A . B^T`` (``A`` M x K activations, ``B`` N x K weights, any M,
N, K) on a ``rows x cols`` array with ``max_k``, or (``block="dotprod"``) on a ``rows x cols``
dot-product unit, whose tiles are the same (it pads each tile's K to whole chunks of ``2 *
pairs`` positions itself, through its codec). The tiling is :class:`golden.tiling.TilePlan`'s
(the host-side tiler, hardware-independent): M and N padded to whole blocks, a K longer than
``max_k`` split into chunks at even boundaries for SPARQ (a pair never straddles two chunks, so the
chunks' results add up to the whole reduction's exactly). The tiles of each chunk run back to back
through :func:`tb.array_runner.run_array`, each tile checked by the bench's scoreboard; the plan
assembles the result rows into ``C``, which is compared with :func:`hdl.stream_codec.reference` of
the whole GEMM.

Used by ``tb/tests/test_layer.py`` (a conv layer from a natural image) and by
:mod:`evaluation.hardware` (a trained network's layers).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from golden.tiling import TilePlan
from hdl.stream_codec import reference
from tb import sim
from tb.array_runner import build_array, run_array

__all__ = ["GemmResult", "plan_for", "k_chunks", "array_gemm"]


@dataclass
class GemmResult:
    """One cocotb test's run of a GEMM on the array.

    ``C`` (M x N int64): the accumulators assembled from the array's result rows (0 where a row
    never came out); ``expected``: the golden GEMM; ``differ``: accumulators that differ from it,
    missing ones included; ``tiles``, ``transfers`` (on ``a``), ``cycles``: summed over the chunks;
    ``seconds``: wall time of the simulator runs (shared by the tests run together);
    ``failures``: the first line of each failed simulator run.
    """

    test: str
    C: np.ndarray
    expected: np.ndarray
    differ: int = 0
    tiles: int = 0
    transfers: int = 0
    cycles: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)

    @property
    def passed(self):
        return self.differ == 0 and not self.failures and self.tiles > 0


def plan_for(config, M, N, K):
    """The :class:`golden.tiling.TilePlan` of an ``M x K`` by ``N x K`` GEMM on ``config``'s
    array (SPARQ arrays split K at even positions)."""
    return TilePlan(M, N, K, config.rows, config.cols, config.max_k,
                    paired=config.datapath == "sparq", grouped=config.stc)


def k_chunks(config, k):
    """``[(start, stop)]`` of the reduction chunks of a K on the array (see :func:`plan_for`)."""
    return plan_for(config, 1, 1, k).k_chunks()


def array_gemm(config, simulator, A, B, *, tests=("burst",), build=None, work_dir, name="gemm",
               seed=None, label=None, block="array"):
    """``C = A . B^T`` on ``block`` (``"array"`` or ``"dotprod"``) for ``config`` on
    ``simulator``; returns ``{test: GemmResult}``.

    ``tests``: the cocotb tests of :mod:`tb.bench.array` to run, ``("burst",)`` (the burst
    harness, fastest) or any of ``full_rate``/``stalled`` (the per-cycle harness). ``build``:
    :func:`tb.array_runner.build_array`'s result for the same harness, to compile once for many
    GEMMs (built here when None). ``work_dir``: where the result rows go (one folder per chunk).
    A failed simulator run does not raise: it is listed in ``failures`` and what came out is
    still assembled (and counted in ``differ``).
    """
    A, B = np.asarray(A), np.asarray(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1] or A.shape[1] < 1:
        raise ValueError(f"A (M, K) and B (N, K) must share K >= 1, not {A.shape} and {B.shape}")
    expected = reference(config, A, B)          # also checks the values' ranges
    burst = "burst" in tests
    if burst and len(tests) != 1:
        raise ValueError(f"the burst test runs on its own harness, alone, not with {tests}")
    if build is None:
        build = build_array(config, simulator, burst=burst, block=block)
    (M, K), N = A.shape, B.shape[0]
    plan = plan_for(config, M, N, K)
    chunks = plan.tiles(A.astype(np.uint8), B.astype(np.int8))
    results = {t: GemmResult(t, np.zeros((M, N), np.int64), expected) for t in tests}
    outputs = {t: [] for t in tests}
    work_dir = Path(work_dir).resolve()
    what = label or f"GEMM {M}x{K} by {N}x{K}"
    for part, named in enumerate(chunks):
        named = [(f"{name} {where}", a, b) for where, a, b in named]
        out = work_dir / f"{name}-{part}"
        out.mkdir(parents=True, exist_ok=True)
        for t in tests:
            (out / f"{t}.npy").unlink(missing_ok=True)
        start = time.perf_counter()
        try:
            records = run_array(config, simulator, named, tests=tests, burst=burst, build=build,
                                output_dir=out, seed=seed,
                                label=f"{what}, {'+'.join(tests)}, part {part + 1} of "
                                      f"{len(chunks)} ({len(named)} tiles)",
                                run_name=f"{name}-{part}", block=block)
        except sim.SimulationFailed as exc:
            records = []
            for result in results.values():
                result.failures.append(str(exc).splitlines()[0])
        seconds = time.perf_counter() - start
        for record in records:
            result = results[record["test"]]
            for key in ("tiles", "transfers", "cycles"):
                setattr(result, key, getattr(result, key) + record[key])
        for t, result in results.items():
            result.seconds += seconds
            path = out / f"{t}.npy"
            outputs[t].append(np.load(path) if path.exists()
                              else np.zeros((0, config.cols), np.int64))
    for t, result in results.items():
        result.C, missing = plan.assemble(outputs[t])
        result.differ = int(np.count_nonzero((result.C != expected) | missing))
    return results
