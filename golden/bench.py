"""Benchmark: ``sparq_gemm`` against the fastest exact plain GEMM NumPy offers, in one run.

The yardstick is a float64 BLAS matmul of the same shape (exact here: every partial sum is far
below 2**53); NumPy's integer matmul does not use BLAS and is much slower. Prints the median times
and their ratio. Run with ``make bench-golden`` or ``python -m golden.bench [--repeat N]``.
"""

import argparse
import platform
import time

import numpy as np

from .sparq import exact_gemm, sparq_gemm


def _median_times(fns, repeat):
    """Median wall time of each function; the calls alternate so that both see the same load."""
    for fn in fns:
        fn()  # warm-up: caches, BLAS threads, lookup tables
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [float(np.median(ts)) for ts in times]


def run(M=256, N=256, K=1152, zero_fraction=0.5, repeat=15, seed=1):
    rng = np.random.default_rng(seed)
    # ReLU-like activations: about half zero, the rest skewed towards small values.
    A = np.minimum(rng.exponential(40.0, (M, K)), 255).astype(np.uint8)
    A[rng.random((M, K)) < zero_fraction] = 0
    B = rng.integers(-128, 128, (N, K), dtype=np.int8)
    Af, Bf = A.astype(np.float64), B.astype(np.float64)

    t_base, t_sparq, t_exact = _median_times(
        [lambda: Af @ Bf.T, lambda: sparq_gemm(A, B), lambda: exact_gemm(A, B)], repeat)
    [t_int] = _median_times([lambda: A.astype(np.int64) @ B.astype(np.int64).T], max(3, repeat // 5))
    return dict(M=M, N=N, K=K, zero_fraction=float((A == 0).mean()), t_float64=t_base,
                t_int64=t_int, t_sparq=t_sparq, t_exact=t_exact, ratio=t_sparq / t_base)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m golden.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions (median is reported)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")
    r = run(repeat=args.repeat)
    print(f"golden GEMM benchmark: M={r['M']} N={r['N']} K={r['K']}, "
          f"{r['zero_fraction']:.1%} zero activations, median of {args.repeat}")
    print(f"  numpy {np.__version__}, python {platform.python_version()}, {platform.machine()}")
    print(f"  float64 BLAS A @ B.T (yardstick) : {r['t_float64'] * 1e3:8.2f} ms")
    print(f"  int64 A @ B.T (numpy, no BLAS)   : {r['t_int64'] * 1e3:8.2f} ms")
    print(f"  golden.exact_gemm (uint8/int8 in, int64 out, via float64 BLAS): {r['t_exact'] * 1e3:8.2f} ms")
    print(f"  golden.sparq_gemm (exact int64)  : {r['t_sparq'] * 1e3:8.2f} ms")
    print(f"  ratio sparq_gemm / float64 GEMM  : {r['ratio']:.2f}  (goal <= 2.00)")
    print(f"  ratio sparq_gemm / exact_gemm    : {r['t_sparq'] / r['t_exact']:.2f}")


if __name__ == "__main__":
    main()
