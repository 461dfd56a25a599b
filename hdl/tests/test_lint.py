"""The generated Verilog of every block passes ``verilator --lint-only -Wall``.

Only the waivers in :data:`hdl.lint.LINT_WAIVERS` are given; each names an Amaranth back-end
pattern. Any other warning fails the test.
"""

import pytest

from hdl import generate
from hdl.config import SparqConfig, WINDOW_OPTIONS, ROUNDINGS, DATAPATHS
from hdl.lint import lint as verilator_lint

CASES = (
    [("window", SparqConfig(options=o, rounding=r)) for o in WINDOW_OPTIONS for r in ROUNDINGS]
    + [("pair", SparqConfig(options=o, rounding=r)) for o in WINDOW_OPTIONS for r in ROUNDINGS]
    + [("pe", SparqConfig(datapath=d)) for d in DATAPATHS]
    + [("pe", SparqConfig(options=2, rounding="truncate"))]
    # A small array keeps the lint quick; every PE and edge encoder is the same module text.
    + [("array", SparqConfig(datapath=d, rows=2, cols=3, max_k=64)) for d in DATAPATHS]
    # The degenerate shape: no neighbours to pass operands to.
    + [("array", SparqConfig(rows=1, cols=1, max_k=1))]
    # The AXI4-Stream wrapper (padding on c).
    + [("array", SparqConfig(rows=2, cols=2, max_k=8, interface="axis"))]
    # Skid buffers on the inputs, natively and in the AXI4-Stream wrapper.
    + [("array", SparqConfig(rows=2, cols=3, max_k=64, skid=True))]
    + [("array", SparqConfig(rows=2, cols=2, max_k=8, skid=True, interface="axis"))]
    # 3-bit and 2-bit windows (the lone window inside the pair encoder), every block.
    + [(block, SparqConfig(bits=b, rounding=r, rows=2, cols=3, max_k=64))
       for block in ("window", "pair", "pe", "array") for b in (3, 2) for r in ROUNDINGS]
    # The split multiply stage (mul_pipe) of every datapath.
    + [("pe", SparqConfig(datapath=d, mul_pipe=True)) for d in DATAPATHS]
    + [("array", SparqConfig(rows=2, cols=3, max_k=64, mul_pipe=True))]
    # The dot-product unit: every datapath and option at a small shape, the default 4x4p4 and
    # 1x1p1 shapes, skid and AXI4-Stream.
    + [("dotprod", SparqConfig(datapath=d, rows=2, cols=3, pairs=2, max_k=20)) for d in DATAPATHS]
    + [("dotprod", SparqConfig(options=o, rounding="truncate", rows=2, cols=2, pairs=2, max_k=9))
       for o in (3, 2)]
    + [("dotprod", SparqConfig(rows=4, cols=4, pairs=4))]
    + [("dotprod", SparqConfig(rows=1, cols=1, pairs=1, max_k=1))]
    + [("dotprod", SparqConfig(rows=2, cols=2, pairs=2, max_k=16, skid=True, interface="axis"))]
    # The split multiply stage and the packed products (every split form, odd cols).
    + [("dotprod", SparqConfig(datapath=d, rows=2, cols=3, pairs=2, max_k=20, mul_pipe=True))
       for d in ("sparq", "int8", "a4w8")]
    + [("dotprod", SparqConfig(rows=2, cols=3, pairs=2, max_k=20, dsp_pack=True, mul_pipe=p))
       for p in (False, True)]
)


def lint(text, module, folder):
    path = folder / f"{module}.v"
    path.write_text(text)
    return verilator_lint(path, module)


@pytest.mark.parametrize("block,config", CASES,
                         ids=[f"{b}-{generate.default_name(b, c)}" for b, c in CASES])
def test_lint_clean(block, config, tmp_path):
    module = generate.default_name(block, config)
    result = lint(generate.verilog(block, config), module, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "%Warning" not in result.stderr and "%Error" not in result.stderr, result.stderr


def test_lint_catches_a_real_problem(tmp_path):
    # The check can fail: the same flags reject an undriven output.
    text = "module broken(input [1:0] a, output [1:0] y);\nassign y[0] = a[0];\nendmodule\n"
    result = lint(text, "broken", tmp_path)
    assert result.returncode != 0
    assert "UNDRIVEN" in result.stderr
