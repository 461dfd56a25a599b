"""cocotb bench: one layer's GEMM ``C = SPARQ(A) . B^T`` through the generated systolic array.

Run by :func:`evaluation.hardware.array_gemm` through :func:`tb.sim.run`. The job comes in a NumPy
file named by ``SPARQ_HW_JOB`` with ``A`` (M, K) activations and ``B`` (O, K) weights, M a multiple
of the array's rows, O of its columns and K even (the caller pads). Tiles run back to back, row
tile outer, column tile inner; each tile is ``K/2`` transfers on ``a`` and ``b`` (the contract in
``hdl/array.py``) and ``rows`` result transfers on ``c``, always ready. The accumulators land in
``SPARQ_HW_OUT`` as ``C`` (M, O) int64; the bench also checks them against
:func:`golden.sparq_gemm` and reports through :func:`tb.harness.report`.
"""

import os

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

import golden
from tb import harness


def _words(M, lanes, last_bit):
    """Stream payloads of one tile: M (lanes, K) 8-bit values -> K/2 Python ints, last on the final.

    Lane l element e sits at bits [(2*l + e)*8 +: 8], i.e. byte 2*l + e, little-endian.
    """
    P = M.shape[1] // 2
    # Two's complement bytes for the signed weights, plain bytes for the activations.
    raw = (M.reshape(lanes, P, 2).transpose(1, 0, 2) & 0xFF).astype(np.uint8).reshape(P, 2 * lanes)
    words = [int.from_bytes(row.tobytes(), "little") for row in raw]
    words[-1] |= 1 << last_bit
    return words


@cocotb.test()
async def layer_gemm(dut):
    """Every tile of the job through the array; accumulators saved and checked against golden."""
    cfg = harness.config()
    R, Cc, w = cfg.rows, cfg.cols, cfg.acc_width
    with np.load(os.environ["SPARQ_HW_JOB"]) as job:
        A, B = job["A"].astype(np.int64), job["B"].astype(np.int64)
    M, K = A.shape
    O = B.shape[0]
    assert M % R == 0 and O % Cc == 0 and K % 2 == 0, (M, O, K)
    a_words = [_words(A[t * R:(t + 1) * R], R, 2 * R * 8)
               for t in range(M // R)]
    b_words = [_words(B[t * Cc:(t + 1) * Cc], Cc, 2 * Cc * 8) for t in range(O // Cc)]
    stream = [(aw, bw) for aws in a_words for bws in b_words for aw, bw in zip(aws, bws)]
    expected_rows = (M // R) * (O // Cc) * R

    Clock(dut.clk, 10, unit="ns").start()
    dut.a__valid.value = 0
    dut.b__valid.value = 0
    dut.c__ready.value = 1
    dut.rst.value = 1
    for _ in range(3):
        await FallingEdge(dut.clk)
    dut.rst.value = 0

    rows, protocol = [], 0
    i, n, cycles = 0, len(stream), 0
    limit = 100 + 4 * (n + expected_rows) + expected_rows * (R + Cc)
    while len(rows) < expected_rows and cycles < limit:
        await FallingEdge(dut.clk)
        cycles += 1
        if i < n:
            dut.a__payload.value, dut.b__payload.value = stream[i]
            dut.a__valid.value = 1
            dut.b__valid.value = 1
        else:
            dut.a__valid.value = 0
            dut.b__valid.value = 0
        await ReadOnly()
        # Values now hold until the rising edge, where these transfers happen.
        if i < n:
            a_ready, b_ready = int(dut.a__ready.value), int(dut.b__ready.value)
            if a_ready != b_ready:
                protocol += 1           # the contract: a and b are consumed together
            if a_ready and b_ready:
                i += 1
        if int(dut.c__valid.value):
            rows.append(int(dut.c__payload.value))
    err = int(dut.err.value)

    # Unpack: row r of tile (rt, ct) carries C[rt*R + r, ct*Cc + c] at bits [c*w +: w], last on top.
    C = np.zeros((M, O), np.int64)
    framing = 0
    mask, sign = (1 << w) - 1, 1 << (w - 1)
    for j, word in enumerate(rows):
        tile, r = divmod(j, R)
        rt, ct = divmod(tile, O // Cc)
        if (word >> (Cc * w)) & 1 != (r == R - 1):
            framing += 1
        for c in range(Cc):
            v = (word >> (c * w)) & mask
            C[rt * R + r, ct * Cc + c] = v - (1 << w) if v & sign else v
    np.savez(os.environ["SPARQ_HW_OUT"], C=C, cycles=cycles, transfers=i)

    if cfg.datapath == "sparq":
        ref = golden.sparq_gemm(A, B, options=cfg.options, rounding=cfg.rounding)
    else:
        ref = golden.exact_gemm(A, B)
    missing = expected_rows - len(rows)
    mismatches = int(np.count_nonzero(C != ref)) + protocol + framing + err + missing
    dut._log.info("%d tiles, %d transfers, %d cycles; %d accumulators, %d differ from golden; "
                  "protocol %d, framing %d, err %d, missing rows %d", (M // R) * (O // Cc), i,
                  cycles, C.size, int(np.count_nonzero(C != ref)), protocol, framing, err, missing)
    harness.report("layer_gemm", checked=C.size, mismatches=mismatches, cycles=cycles,
                   transfers=i, tiles=(M // R) * (O // Cc))
