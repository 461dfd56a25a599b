"""The ``operands`` workload (an archive of a network's layer operands): tiles, golden sums,
the per-inference arithmetic of the report, and every refusal naming the parameter."""

import json

import numpy as np
import pytest

from energy import report, workload
from hdl.config import SparqConfig


def write_archive(path, *, k=(8, 6), rows=4, datapaths=("int8", "a4w8", "sparq"), seed=0):
    """A two-layer archive as ``python -m evaluation.energy_operands`` writes one."""
    g = np.random.default_rng(seed)
    arrays, layers = {}, []
    for i, kk in enumerate(k):
        arrays[f"L{i}_w"] = g.integers(-128, 128, (3, kk)).astype(np.int8)
        for d in datapaths:
            top = 15 if d == "a4w8" else 255
            a = g.integers(0, top + 1, (rows, kk))
            a[g.random((rows, kk)) < 0.5] = 0
            arrays[f"L{i}_a_{d}"] = a.astype(np.uint8)
        layers.append({"index": i, "name": f"layer{i}", "K": kk, "O": 3, "M": 5,
                       "macs_per_inference": 5 * 3 * kk, "rows_sampled": rows,
                       "rows_total": 40, "picked": list(range(rows)), "zero_fraction": {}})
    meta = {"layers": layers, "model": "test net", "data": "test images",
            "settings": {"int8": "int8"}}
    np.savez(path, meta=np.array(json.dumps(meta)), **arrays)
    return arrays


def test_tiles_are_the_archive_rows_against_channels_in_turn(tmp_path):
    arrays = write_archive(tmp_path / "a.npz")
    config = SparqConfig(datapath="a4w8")
    work = workload.operands(config, path=tmp_path / "a.npz", layer=1, pairs=7)
    # K = 6: 3 pairs per tile; 7 pairs -> 3 whole tiles.
    assert len(work.tiles) == 3 and work.pairs == 9 and work.macs == 18
    for i, (a, b) in enumerate(work.tiles):
        np.testing.assert_array_equal(a, arrays["L1_a_a4w8"][i:i + 1])
        np.testing.assert_array_equal(b, arrays["L1_w"][i % 3:i % 3 + 1])
        assert work.expected[i] == int(a[0].astype(np.int64) @ b[0].astype(np.int64))
    d = work.description
    assert (d["layer_name"], d["macs_per_inference"], d["tiles"]) == ("layer1", 90, 3)
    spec = {"workload": "operands", "path": str(tmp_path / "a.npz"), "layer": 1, "pairs": 7,
            "sha256": d["sha256"], "rows": 1, "cols": 1}
    again = workload.from_spec(config, spec)
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(again.tiles, work.tiles))


def test_refusals_name_the_parameter(tmp_path):
    write_archive(tmp_path / "a.npz", datapaths=("int8",))
    config = SparqConfig(datapath="int8")
    cases = [
        (dict(path=tmp_path / "none.npz", layer=0), "--operands: no such file"),
        (dict(path=tmp_path / "a.npz", layer=2), r"layer must be an index in 0..1, not 2"),
        (dict(path=tmp_path / "a.npz", layer=0, pairs=20),
         r"pairs: 20 pairs take 5 rows of layer layer0 \(K = 8\), the archive has 4"),
        (dict(path=tmp_path / "a.npz", layer=0, sha256="0" * 64), "changed"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            workload.operands(config, **kwargs)
    with pytest.raises(ValueError, match="has no activations for datapath 'a4w8' "
                                         r"\(it has int8\)"):
        workload.operands(SparqConfig(datapath="a4w8"), path=tmp_path / "a.npz", layer=0)
    (tmp_path / "bad.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="is not a NumPy .npz archive"):
        workload.operands(config, path=tmp_path / "bad.npz", layer=0)
    np.savez(tmp_path / "nometa.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="has no 'meta' record"):
        workload.operands(config, path=tmp_path / "nometa.npz", layer=0)


def test_per_inference_is_pj_per_mac_times_macs():
    def run(d, name, pj, macs):
        return {"datapath": d, "pj_per_mac": pj,
                "workload": {"layer_name": name, "macs_per_inference": macs}}
    runs = [run("sparq", "c", 2.0, 1000), run("sparq", "fc", 4.0, 10),
            run("int8", "c", 3.0, 1000), run("int8", "fc", 5.0, 10)]
    per = report.per_inference(runs)
    assert per["sparq"]["pj"] == 2040.0 and per["int8"]["pj"] == 3050.0
    assert per["sparq"]["macs"] == 1010
    assert [x["pj"] for x in per["int8"]["layers"]] == [3000.0, 50.0]
    assert report.ratios_per_inference(per) == {"sparq/int8": 2040.0 / 3050.0}
