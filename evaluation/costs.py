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

Energy per inference (:func:`inference_energy`) is an estimate, not a simulation: each layer's
MACs times the estimated energy per MAC of the array of each datapath whose gate-level energy is
measured (int8, a4w8, SPARQ 5opt: :func:`estimate.energy_model.energy_per_mac`, docs/estimates.md)
at the layer's input zero fraction; ``make energy-onnx`` simulates the netlists instead
(docs/energy.md).
"""

from golden.tiling import TilePlan

__all__ = ["gemm_cycles", "layer_costs", "costs_table", "ENERGY_DESIGNS", "inference_energy",
           "energy_table", "energy_section", "parse_array"]

#: The arrays whose estimated energy per MAC prices an inference: the datapaths the energy
#: model measured (every SPARQ setting takes the 5opt figures, the 3- and 2-bit naive ones a4w8's).
ENERGY_DESIGNS = {"int8": "array-int8-{rows}x{cols}-k{max_k}",
                  "a4w8": "array-a4w8-{rows}x{cols}-k{max_k}",
                  "sparq": "array-sparq-b4-o5-ne-{rows}x{cols}-k{max_k}"}


def parse_array(text, option="--array"):
    """``(rows, cols)`` of an array size ``"RxC"`` (e.g. ``"8x8"``) that the generator accepts;
    ValueError naming ``option`` and the value otherwise."""
    import re

    from hdl.config import SparqConfig
    match = re.fullmatch(r"(\d+)x(\d+)", text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{option} must be RxC, rows x columns (e.g. 8x8), not {text!r}")
    rows, cols = int(match[1]), int(match[2])
    try:
        SparqConfig(rows=rows, cols=cols)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{option} {text}: {exc}") from None
    return rows, cols


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


def inference_energy(costs, zeros, *, rows=8, cols=8, max_k=1152):
    """``{datapath: [pJ of each layer]}`` for :func:`layer_costs` ``costs``: the layer's MACs
    times the estimated pJ per MAC of :data:`ENERGY_DESIGNS`' array at ``zeros[layer name]``, the
    zero fraction of the layer's input (``None`` for a layer whose fraction the energy model does
    not cover, 0 to 0.9)."""
    from estimate.model import pj_per_mac
    out = {}
    for datapath, pattern in ENERGY_DESIGNS.items():
        design = pattern.format(rows=rows, cols=cols, max_k=max_k)
        per_layer = []
        for c in costs:
            pj = pj_per_mac(design, zeros[c["name"]])
            per_layer.append(None if pj is None else pj * c["macs"])
        out[datapath] = per_layer
    return out


def energy_table(costs, zeros, *, rows=8, cols=8, max_k=1152):
    """Markdown table of :func:`inference_energy` (µJ per layer and in total), with the ratios of
    SPARQ to int8 and to a4w8."""
    return _energy_markdown(costs, zeros, inference_energy(costs, zeros, rows=rows, cols=cols,
                                                            max_k=max_k))[0]


def _energy_markdown(costs, zeros, energy):
    # (the table of energy_table, {datapath: total pJ or None}) from inference_energy's figures
    names = list(ENERGY_DESIGNS)
    head = ["layer", "zero activations"] + [f"{d} (µJ)" for d in names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, c in enumerate(costs):
        lines.append(f"| `{c['name']}` | {100 * zeros[c['name']]:.1f} % | " + " | ".join(
            "n/a" if energy[d][i] is None else f"{energy[d][i] / 1e6:.2f}" for d in names) + " |")
    totals = {d: None if None in energy[d] else sum(energy[d]) for d in names}
    lines.append("| total | | " + " | ".join(
        "n/a" if totals[d] is None else f"{totals[d] / 1e6:.2f}" for d in names) + " |")
    text = "\n".join(lines) + "\n"
    if totals["sparq"] and totals["int8"] and totals["a4w8"]:
        text += (f"\nSPARQ / int8 {totals['sparq'] / totals['int8']:.3f}, SPARQ / a4w8 "
                 f"{totals['sparq'] / totals['a4w8']:.3f}.\n")
    return text, totals


def energy_section(report, costs, *, rows=8, cols=8, max_k=1152):
    """``(markdown, totals)``: the section "Energy per inference, estimated" of ``report`` (an
    :class:`~evaluation.report.EvalReport`; its layers' input zero fractions under A8W8) for
    :func:`layer_costs` ``costs`` on a ``rows x cols`` array, and ``{datapath: pJ per inference
    or None}``."""
    counts = report.layer_counts()
    zeros = {c["name"]: counts[c["name"]].zero_fraction for c in costs}
    table, totals = _energy_markdown(costs, zeros, inference_energy(costs, zeros, rows=rows,
                                                                     cols=cols, max_k=max_k))
    text = ("\n## Energy per inference, estimated\n\n"
            f"One image's quantized layers on the generated {rows}x{cols} array (max K {max_k}) "
            "of each datapath whose gate-level energy is measured: each layer's MACs times the "
            "estimated energy per MAC at the zero fraction of the layer's input under A8W8 "
            "(`sparq-rtl estimate --zeros`, docs/estimates.md; OSU 0.18 um cells; every SPARQ "
            "setting takes the 5opt figure, the 3- and 2-bit naive baselines a4w8's). An "
            "estimate: `make energy-onnx` simulates the netlists.\n\n" + table)
    return text, totals
