"""A GEMM of any size on the generated systolic array, tile by tile: the host side of a layer.

:func:`array_gemm` computes ``C = A . B^T`` (``A`` M x K activations, ``B`` N x K weights, any M,
N, K) on a ``rows x cols`` array with ``max_k``: M is padded to a multiple of ``rows`` (activation
0), N to a multiple of ``cols`` (weight 0), a K longer than ``max_k`` is split into chunks at even
boundaries (a pair never straddles two chunks, so the chunks' results add up to the whole
reduction's exactly, SPARQ included), and the tiles of each chunk (row block outer, column block
inner) run back to back through :func:`tb.array_runner.run_array`, each tile checked by the
bench's scoreboard. The result rows are assembled into ``C`` and the whole of ``C`` is compared
with :func:`hdl.stream_codec.reference` of the whole GEMM.

Used by ``tb/test_layer.py`` (a conv layer from a natural image) and by
:mod:`evaluation.hardware` (a trained network's layers).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hdl.stream_codec import reference
from tb import sim
from tb.array_runner import build_array, run_array

__all__ = ["GemmResult", "k_chunks", "array_gemm"]


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


def k_chunks(config, k):
    """``[(start, stop)]`` of the reduction chunks of a K on the array: at most ``max_k`` long,
    starting at even positions. Raises ValueError when the array cannot split K exactly (a
    ``max_k`` of 1 under SPARQ, whose pairs span two positions)."""
    step = config.max_k - config.max_k % 2
    if step == 0:
        if k > 1 and config.datapath == "sparq":
            raise ValueError(f"K={k} cannot be split into SPARQ pairs on an array of max_k=1")
        step = 1
    return [(k0, min(k0 + step, k)) for k0 in range(0, k, step)]


def array_gemm(config, simulator, A, B, *, tests=("burst",), build=None, work_dir, name="gemm",
               seed=None, label=None):
    """``C = A . B^T`` on the array for ``config`` on ``simulator``; returns ``{test: GemmResult}``.

    ``tests``: the cocotb tests of :mod:`tb.array_tests` to run, ``("burst",)`` (the burst
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
        build = build_array(config, simulator, burst=burst)
    R, Cc = config.rows, config.cols
    (M, K), N = A.shape, B.shape[0]
    Mp, Np = -(-M // R) * R, -(-N // Cc) * Cc
    Ap = np.zeros((Mp, K), np.uint8)
    Ap[:M] = A
    Bp = np.zeros((Np, K), np.int8)
    Bp[:N] = B
    blocks = [(r, c) for r in range(0, Mp, R) for c in range(0, Np, Cc)]
    results = {t: GemmResult(t, np.zeros((Mp, Np), np.int64), expected) for t in tests}
    missing = {t: np.zeros((Mp, Np), bool) for t in tests}
    work_dir = Path(work_dir).resolve()
    for part, (k0, k1) in enumerate(k_chunks(config, K)):
        named = [(f"{name} rows {r}..{r + R - 1} columns {c}..{c + Cc - 1} k {k0}..{k1 - 1}",
                  Ap[r:r + R, k0:k1], Bp[c:c + Cc, k0:k1]) for r, c in blocks]
        out = work_dir / f"{name}-{part}"
        out.mkdir(parents=True, exist_ok=True)
        for t in tests:
            (out / f"{t}.npy").unlink(missing_ok=True)
        start = time.perf_counter()
        try:
            records = run_array(config, simulator, named, tests=tests, burst=burst, build=build,
                                output_dir=out, seed=seed, label=label or f"gemm {name}",
                                run_name=f"{name}-{part}")
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
            rows = np.load(path) if path.exists() else np.zeros((0, Cc), np.int64)
            got = min(len(rows) // R, len(blocks))
            for (r, c), block in zip(blocks[:got], rows[:got * R].reshape(got, R, Cc)):
                result.C[r:r + R, c:c + Cc] += block
            for r, c in blocks[got:]:
                missing[t][r:r + R, c:c + Cc] = True
    for t, result in results.items():
        result.C = result.C[:M, :N]
        result.differ = int(np.count_nonzero((result.C != expected) | missing[t][:M, :N]))
    return results
