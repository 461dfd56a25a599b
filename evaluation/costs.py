"""Cost of a network's quantized layers on the generated array: MACs and cycles per inference
from the array's timing contract (:class:`hdl.array.SystolicArray`, docs/contracts.md).

A layer with ``M`` output pixels, ``N`` output channels and reduction ``K`` is a GEMM of
``ceil(M/rows) * ceil(N/cols)`` tiles per K chunk (:class:`golden.tiling.TilePlan`: chunks of at
most ``max_k``, split at even positions). A chunk's tiles run back to back with every stream
always valid/ready: one tile every ``T = max(P, 2*rows + cols + 2)`` cycles, ``P = ceil(Kc/2)``
pair transfers per tile; the last tile's first result row leaves ``rows + cols + 2`` cycles after
its last input transfer and its last row ``rows - 1`` cycles later. So a chunk takes, from its
first input transfer to its last output transfer inclusive::

    (tiles - 1) * T + P + (rows + cols + 2) + (rows - 1)

cycles (the default array: no ``mul_pipe``, no ``skid``).
"""

from golden.tiling import TilePlan

__all__ = ["gemm_cycles", "layer_costs", "costs_table"]


def gemm_cycles(M, N, K, *, rows=8, cols=8, max_k=1152):
    """``(tiles, cycles)`` of an ``M x K`` by ``N x K`` SPARQ GEMM on a ``rows x cols`` array,
    chunk by chunk as above (chunks run one after the other)."""
    plan = TilePlan(M, N, K, rows, cols, max_k, paired=True)
    blocks = -(-M // rows) * -(-N // cols)
    tiles = cycles = 0
    for start, stop in plan.k_chunks():
        P = -(-(stop - start) // 2)
        period = max(P, 2 * rows + cols + 2)
        cycles += (blocks - 1) * period + P + (rows + cols + 2) + (rows - 1)
        tiles += blocks
    return tiles, cycles


def layer_costs(layers, *, rows=8, cols=8, max_k=1152):
    """Per :class:`~evaluation.qconv.ConvLayer` (``input_hw`` set by calibration) or
    :class:`~evaluation.report.LayerInfo` (an :class:`~evaluation.report.EvalReport`'s layers), for one
    inference: a dict of ``name``, ``M`` (output pixels), ``O``, ``K``, ``macs``, ``tiles`` and
    ``cycles`` (:func:`gemm_cycles`)."""
    out = []
    for layer in layers:
        H, W = layer.input_hw
        top, bottom, left, right = layer.padding
        kh, kw = layer.kernel_size
        Ho = (H + top + bottom - kh) // layer.stride[0] + 1
        Wo = (W + left + right - kw) // layer.stride[1] + 1
        M, O, K = Ho * Wo, layer.out_channels, layer.K
        tiles, cycles = gemm_cycles(M, O, K, rows=rows, cols=cols, max_k=max_k)
        out.append({"name": layer.name, "M": M, "O": O, "K": K, "macs": M * O * K,
                    "tiles": tiles, "cycles": cycles})
    return out


def costs_table(costs, rows=8, cols=8):
    """Markdown table of :func:`layer_costs` with a total row."""
    lines = [f"| layer | M x O x K | MACs | tiles on {rows}x{cols} | array cycles (contract) |",
             "|---|---|---|---|---|"]
    for c in costs:
        lines.append(f"| `{c['name']}` | {c['M']} x {c['O']} x {c['K']} | {c['macs']:,} | "
                     f"{c['tiles']} | {c['cycles']:,} |")
    lines.append(f"| total | | {sum(c['macs'] for c in costs):,} | "
                 f"{sum(c['tiles'] for c in costs)} | {sum(c['cycles'] for c in costs):,} |")
    return "\n".join(lines) + "\n"
