"""The schema is the one place: a new option added to it appears everywhere the blocks are named.

A copy of the generator gets one more boolean field on :class:`SparqConfig` (one declaration with
its :class:`hdl.config.Field`, nothing else edited), and the copy is asked, in a fresh
interpreter, for the design name and its parser, the ``sparq-rtl verilog`` flag and its help, the
refusal on a block that does not take it, the sidecar and the contract page's command line.
"""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from hdl.blocks import BLOCK_TABLE, BLOCKS, FIELD_BLOCKS, STREAM_BLOCKS, SPARQ_ONLY
from hdl.config import FIELDS, SparqConfig
from hdl.naming import config_tag

ROOT = Path(__file__).resolve().parents[2]

DUMMY = '''
    dummy: bool = _field(
        False, ("pe", "array"), None, "a switch only the schema test knows", tag="-dummy")
'''

SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    import hdl
    assert Path(hdl.__file__).resolve().parent == Path.cwd().resolve() / "hdl", hdl.__file__
    from hdl.config import SparqConfig
    from hdl.naming import design_name, parse_design_name, module_name
    from hdl.contract_doc import _command
    from hdl import cli
    config = SparqConfig(datapath="int8", dummy=True)
    out = {"pe": design_name("pe", config), "array": design_name("array", config),
           "module": module_name("pe", config),
           "parsed": parse_design_name(design_name("array", config))[1].dummy,
           "command": _command("pe", config)}
    try:
        design_name("dotprod", config)
    except ValueError as exc:
        out["refused"] = str(exc)
    print(json.dumps(out))
''')


def _copy_with_dummy(tmp_path):
    for package in ("hdl", "golden"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("tests", "__pycache__"))
    config = tmp_path / "hdl" / "config.py"
    text = config.read_text()
    anchor = '        "s_axis_b_t*, m_axis_c_t*)", tag="-{}")\n'
    assert text.count(anchor) == 1, "the interface field's declaration moved: update the test"
    config.write_text(text.replace(anchor, anchor + DUMMY))


def _run(tmp_path, *args):
    return subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path),
                               "HOME": str(tmp_path)}, timeout=300)


def test_a_new_option_appears_in_names_cli_sidecar_and_docs(tmp_path):
    _copy_with_dummy(tmp_path)
    result = _run(tmp_path, "-c", SCRIPT)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["pe"] == "pe-int8-k1152-dummy"
    assert seen["array"] == "array-int8-8x8-k1152-dummy"
    assert seen["module"] == "sparq_pe_int8_k1152_dummy"
    assert seen["parsed"] is True
    assert seen["command"] == "sparq-rtl verilog pe --datapath int8 --dummy -d DIR"
    assert seen["refused"] == "dummy applies to blocks pe and array only, not 'dotprod'"

    helped = _run(tmp_path, "-m", "hdl.cli", "verilog", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--dummy" in helped.stdout and "a switch only the schema test knows" in helped.stdout

    refused = _run(tmp_path, "-m", "hdl.cli", "verilog", "window", "--dummy", "-o", "w.v")
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("sparq-rtl: error: --dummy applies to blocks pe and array "
                                      "only, not 'window'")

    written = _run(tmp_path, "-m", "hdl.cli", "verilog", "pe", "--dummy", "-d", "out")
    assert written.returncode == 0, written.stderr
    sidecar = json.loads((tmp_path / "out" / "sparq_pe_sparq_b4_o5_ne_k1152_dummy.json")
                         .read_text())
    assert sidecar["design"] == "pe-sparq-b4-o5-ne-k1152-dummy"
    assert sidecar["parameters"]["dummy"] is True


def test_the_field_block_names_are_the_blocks():
    # hdl.config names the blocks a field applies to; hdl.blocks is the table of the blocks.
    for name, field in FIELDS.items():
        assert set(field.blocks) <= set(BLOCKS), name
    assert STREAM_BLOCKS == ("array", "dotprod")
    assert SPARQ_ONLY == ("window", "pair")
    assert FIELD_BLOCKS["dsp_pack"] == ("dotprod",)
    assert BLOCK_TABLE["dotprod"].fields == ("datapath", "bits", "options", "rounding", "rows",
                                             "cols", "pairs", "max_k", "mul_pipe", "dsp_pack",
                                             "skid", "interface")


def test_block_defaults_and_derived_values_live_with_the_block():
    # The dot-product unit's own latency and longest tile, not the PE's, in its sidecar.
    from hdl import dotprod, pe
    config = SparqConfig(rows=4, cols=4, pairs=4)
    assert (dotprod.max_steps(config), dotprod.latency(config)) == (144, 3)
    assert (pe.max_pairs(config), pe.latency(config)) == (576, 1)
    assert not hasattr(config, "max_pairs") and not hasattr(config, "pe_latency")
    assert BLOCK_TABLE["dotprod"].defaults == {"rows": 4, "cols": 4}
    assert config_tag("dotprod", config) == "sparq-b4-o5-ne-4x4p4-k1152"


A5W8 = textwrap.dedent('''
    import json
    from hdl import generate
    from hdl.config import SparqConfig
    from hdl.default_set import default_set
    from hdl.naming import design_name
    names = [design_name(b, c) for b, c in default_set()]
    side = generate.sidecar("pe", SparqConfig(datapath="a5w8"))
    print(json.dumps({"names": [n for n in names if "a5w8" in n], "summary": side["summary"],
                      "act_width": side["parameters"]["act_width"],
                      "acc_width": side["parameters"]["acc_width"]}))
''')


def test_a_new_naive_datapath_is_one_catalogue_entry(tmp_path):
    # A naive a5w8 baseline: one entry in golden.tags.NAIVE_WIDTHS, nothing else edited.
    for package in ("hdl", "golden"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("tests", "__pycache__"))
    tags = tmp_path / "golden" / "tags.py"
    entry = 'NAIVE_WIDTHS = {"a4w8": 4, "a3w8": 3, "a2w8": 2}'
    assert tags.read_text().count(entry) == 1, "the catalogue moved: update the test"
    tags.write_text(tags.read_text().replace(entry, entry[:-1] + ', "a5w8": 5}'))
    result = _run(tmp_path, "-c", A5W8)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["names"] == ["pe-a5w8-k1152", "array-a5w8-8x8-k1152", "dotprod-a5w8-4x4p4-k1152"]
    assert seen["summary"].startswith("a5w8 PE: two 5b x 8b multipliers")
    # 5-bit activations (at most 31) times 8-bit weights, 1,152 products: -1152 * 128 * 31 needs
    # 23 bits and a sign.
    assert seen["act_width"] == 5 and seen["acc_width"] == (1152 * 128 * 31).bit_length() + 1
