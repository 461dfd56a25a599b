"""The plain-Verilog example (hdl/example/tb_array.v) passes on Icarus, as `make example` runs it.

The same steps as the Make target: the ``sparq-rtl`` command writes the array, Icarus compiles it
with the testbench, ``vvp`` runs it. Also checks that the testbench's hand-worked expected values
are the golden model's.
"""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

import golden
from hdl.cli import main as sparq_rtl

TB = Path(__file__).resolve().parents[1] / "example" / "tb_array.v"

# The two tiles the testbench feeds (its comments state the same numbers).
TILES = [
    (np.array([[100, 0, 3, 200], [255, 255, 0, 0]]), np.array([[1, 2, 3, 4], [-128, 127, -1, 10]])),
    (np.array([[7, 9, 130], [0, 17, 0]]), np.array([[2, -3, 5], [1, 1, -1]])),
]


def _tb_expected():
    # expect<c>[<row index>] = <value>; in the testbench, row index = tile * 2 + row.
    text = TB.read_text()
    found = {(int(c), int(i)): int(v)
             for c, i, v in re.findall(r"expect([01])\[(\d)\]\s*=\s*(-?\d+);", text)}
    assert len(found) == 8, found
    return [np.array([[found[(c, t * 2 + r)] for c in (0, 1)] for r in (0, 1)]) for t in (0, 1)]


def test_hand_worked_values_are_golden():
    for (A, B), expected in zip(TILES, _tb_expected()):
        assert np.array_equal(golden.sparq_gemm(A, B, options=5, rounding="nearest-even"), expected)


def test_example_testbench_passes_on_icarus(tmp_path):
    assert shutil.which("iverilog") and shutil.which("vvp"), \
        "Icarus Verilog is required (make iverilog installs it)"
    v = tmp_path / "sparq_array_example.v"
    assert sparq_rtl(["verilog", "array", "--rows", "2", "--cols", "2", "--max-k", "8",
                      "--name", "sparq_array_example", "-o", str(v)]) == 0
    vvp = tmp_path / "tb_array.vvp"
    subprocess.run(["iverilog", "-g2005", "-Wall", "-Wno-timescale", "-o", str(vvp), str(v),
                    str(TB)], check=True, capture_output=True, text=True)
    run = subprocess.run(["vvp", "-n", str(vvp)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS" in run.stdout and "FAIL" not in run.stdout, run.stdout
