# amaranth: UnusedElaboratable=no
"""hdl.generate: names, deterministic Verilog, the sidecar, write(), and every error message."""
# (The first line silences Amaranth's warning for components built only to raise.)

import json
import os
import re

import pytest
from amaranth.hdl import Fragment

from hdl import generate, headers
from hdl.config import SparqConfig
from hdl.pair import PairEncoder
from hdl.window import WindowSelector


def header_ports(text, module):
    """{port: (direction, width)} of ``module``, read from the Verilog text independently."""
    body = text[re.search(rf"^module {module}\(", text, re.M).end():]
    body = body[:body.index("endmodule")]
    ports = {}
    for direction, msb, lsb, name in re.findall(
            r"^\s*(input|output)\s+(?:\[(\d+):(\d+)\]\s+)?(\w+);", body, re.M):
        ports[name] = (direction, int(msb or 0) - int(lsb or 0) + 1)
    return ports


@pytest.mark.parametrize("block,config,name", [
    ("window", SparqConfig(), "sparq_window_sparq_b4_o5_ne"),
    ("window", SparqConfig(options=2, rounding="truncate"), "sparq_window_sparq_b4_o2_tr"),
    ("pair", SparqConfig(options=3), "sparq_pair_sparq_b4_o3_ne"),
    ("pe", SparqConfig(), "sparq_pe_sparq_b4_o5_ne_k1152"),
    ("pe", SparqConfig(datapath="int8", max_k=576), "sparq_pe_int8_k576"),
    ("array", SparqConfig(), "sparq_array_sparq_b4_o5_ne_8x8_k1152"),
    ("array", SparqConfig(datapath="a4w8", rows=4, cols=16, max_k=9), "sparq_array_a4w8_4x16_k9"),
    ("array", SparqConfig(options=3, rounding="truncate", rows=1, cols=2, max_k=1),
     "sparq_array_sparq_b4_o3_tr_1x2_k1"),
])
def test_default_name(block, config, name):
    assert generate.default_name(block, config) == name
    assert generate.check_name(name) == name


def test_build_returns_the_components():
    for block, cls, name in (("window", WindowSelector, None), ("pair", PairEncoder, "enc")):
        component = generate.build(block, SparqConfig(), name=name)
        assert type(component) is cls
        Fragment.get(component, None)   # elaborates (and so counts as used)


@pytest.mark.parametrize("block", ["window", "pair"])
def test_verilog_is_deterministic_and_standalone(block, uncached_generation):
    config = SparqConfig(options=3)
    first = generate.verilog(block, config)
    assert generate.verilog(block, config) == first
    assert f"module sparq_{block}_sparq_b4_o3_ne(" in first
    # No source locations, absolute paths or timestamps.
    assert "src =" not in first and "/work" not in first and "/tmp" not in first
    assert "module renamed(" in generate.verilog(block, config, name="renamed")


@pytest.mark.parametrize("bits, options", [(4, 5), (4, 3), (4, 2), (3, 6), (2, 7)])
@pytest.mark.parametrize("block", ["window", "pair"])
def test_combinational_blocks_are_continuous_assignments(block, bits, options):
    # No `always @*` processes: a process with no input event stays X at time 0 under
    # SystemVerilog semantics (Icarus -g2012); continuous assignments are evaluated in any case.
    text = generate.verilog(block, SparqConfig(bits=bits, options=options))
    assert "always" not in text and "assign" in text


def test_window_sidecar():
    config = SparqConfig(options=3, rounding="truncate")
    doc = generate.sidecar("window", config)
    assert doc["format"] == "sparq-rtl-sidecar/1"
    assert doc["module"] == "sparq_window_sparq_b4_o3_tr" and doc["block"] == "window"
    assert doc["parameters"] == {"bits": 4, "options": 3, "rounding": "truncate",
                                 "shifts": [0, 2, 4], "shift_width": 3, "mant_width": 4}
    assert doc["clock"] is None and doc["reset"] is None
    assert "combinational" in doc["timing"]["latency"]
    assert [(p["name"], p["direction"], p["width"], p["signed"]) for p in doc["ports"]] == [
        ("x", "input", 8, False), ("mant", "output", 4, False), ("shift", "output", 3, False)]
    assert all(p["meaning"] for p in doc["ports"])
    assert "{0, 2, 4}" in doc["ports"][2]["meaning"]
    assert json.loads(json.dumps(doc)) == doc


def test_pair_sidecar_3_bit_lone_window():
    doc = generate.sidecar("pair", SparqConfig(bits=3))
    assert {k: doc["parameters"][k] for k in ("bits", "options", "lone_bits", "lone_shifts",
                                               "mant_width")} == {
        "bits": 3, "options": 6, "lone_bits": 6, "lone_shifts": [0, 1, 2], "mant_width": 3}
    assert "6-bit window, shifts {0, 1, 2}" in doc["summary"]


def test_pair_sidecar_matches_the_module_header():
    config = SparqConfig(options=2)
    doc = generate.sidecar("pair", config, name="my_pair")
    assert doc["module"] == "my_pair"
    ports = {p["name"]: (p["direction"], p["width"]) for p in doc["ports"]}
    assert ports == header_ports(generate.verilog("pair", config, name="my_pair"), "my_pair")
    assert ports == {"a0": ("input", 8), "a1": ("input", 8),
                     "mant0": ("output", 4), "shift0": ("output", 3), "src0": ("output", 1),
                     "mant1": ("output", 4), "shift1": ("output", 3), "src1": ("output", 1)}
    assert doc["generator"]["amaranth"].startswith("0.5.")


@pytest.mark.parametrize("block,config", [
    ("window", SparqConfig()), ("pair", SparqConfig(options=3, rounding="truncate")),
    ("pe", SparqConfig()), ("pe", SparqConfig(datapath="int8")), ("pe", SparqConfig(datapath="a4w8")),
    ("array", SparqConfig(rows=2, cols=2, max_k=16)),
    ("array", SparqConfig(datapath="int8", rows=2, cols=2, max_k=16)),
    ("array", SparqConfig(datapath="a4w8", rows=2, cols=2, max_k=16)),
    ("dotprod", SparqConfig(rows=2, cols=2, pairs=2, max_k=16)),
    ("dotprod", SparqConfig(datapath="int8", rows=2, cols=2, pairs=2, max_k=16)),
    ("dotprod", SparqConfig(datapath="a4w8", rows=2, cols=2, pairs=2, max_k=16, skid=True)),
    ("dotprod", SparqConfig(rows=2, cols=2, pairs=2, max_k=16, interface="axis")),
    ("dotprod", SparqConfig(rows=2, cols=3, pairs=2, max_k=16, mul_pipe=True, dsp_pack=True)),
])
def test_every_block_is_documented(block, config):
    # Every port has a meaning and the sidecar lists exactly the module's ports (sidecar() checks
    # both; this test pins that it does so for every block).
    doc = generate.sidecar(block, config)
    module = doc["module"]
    assert {p["name"]: (p["direction"], p["width"]) for p in doc["ports"]} == \
        header_ports(generate.verilog(block, config), module)
    assert all(isinstance(p["meaning"], str) and p["meaning"] for p in doc["ports"])
    if block in ("pe", "array") or (block == "dotprod" and config.interface == "native"):
        assert doc["clock"] == {"port": "clk", "edge": "rising"}
        assert doc["reset"]["polarity"] == "active-high" and doc["reset"]["synchronous"]
        assert doc["timing"].get("latency"), "a clocked block must state its latency"
        assert doc["parameters"]["acc_width"] == config.acc_width
    for p in doc["ports"]:
        for field in p.get("fields", []):
            assert 0 <= field["offset"] and field["offset"] + field["width"] <= p["width"]


def test_write(tmp_path):
    config = SparqConfig(options=5, rounding="truncate")
    written = generate.write("pair", config, tmp_path / "sub" / "enc.v", name="enc")
    sub = tmp_path / "sub"
    assert written == (sub / "enc.v", sub / "enc.json", sub / "enc.vh", sub / "enc_pkg.sv",
                       sub / "enc.f", None, None)
    v_path, j_path = written.verilog, written.sidecar
    assert v_path.read_text() == generate.verilog("pair", config, name="enc")
    doc = generate.sidecar("pair", config, name="enc")
    assert json.loads(j_path.read_text()) == doc
    assert written.header.read_text() == headers.verilog_header(doc)
    assert written.package.read_text() == headers.sv_package(doc)
    first = [p.read_bytes() for p in written if p]
    generate.write("pair", config, v_path, name="enc")
    assert [p.read_bytes() for p in written if p] == first
    assert sorted(p.name for p in sub.iterdir()) == ["enc.f", "enc.json", "enc.v", "enc.vh",
                                                     "enc_pkg.sv"]


def _refuse_fill(monkeypatch, suffix_of_target=None, error=None):
    """Make writing a temporary fail (all of them, or only the n-th: see below)."""
    error = error or PermissionError(13, "Permission denied")
    calls = []

    def refuse(tmp, text):
        calls.append(tmp)
        raise error
    monkeypatch.setattr(generate, "_fill", refuse)
    return calls


@pytest.mark.parametrize("call,error,message", [
    (lambda: generate.build("widget", SparqConfig()), ValueError,
     "block must be one of window, pair, pe, array, dotprod, not 'widget'"),
    (lambda: generate.verilog(None, SparqConfig()), ValueError,
     "block must be one of window, pair, pe, array, dotprod, not None"),
    (lambda: generate.build("window", {"options": 5}), TypeError,
     "config must be a SparqConfig, not {'options': 5}"),
    (lambda: generate.default_name("pair", SparqConfig(datapath="int8")), ValueError,
     "block 'pair' exists for datapath 'sparq' only, not 'int8'"),
    (lambda: generate.verilog("window", SparqConfig(), name="2fast"), ValueError,
     "module name must be a Verilog identifier (letters, digits and _, not starting with a "
     "digit), not '2fast'"),
    (lambda: generate.sidecar("window", SparqConfig(), name="a-b"), ValueError,
     "module name must be a Verilog identifier (letters, digits and _, not starting with a "
     "digit), not 'a-b'"),
    (lambda: generate.build("window", SparqConfig(), name="wire"), ValueError,
     "module name must not be a Verilog keyword, not 'wire'"),
    (lambda: generate.verilog("window", SparqConfig(), name=7), TypeError,
     "module name must be a string, not 7"),
    (lambda: generate.check_name("a" * 129), ValueError,
     f"module name must be at most 128 characters, not 129 ('{'a' * 129}')"),
    (lambda: generate.sidecar("window", SparqConfig(), name="b" * 300), ValueError,
     f"module name must be at most 128 characters, not 300 ('{'b' * 300}')"),
])
def test_errors(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def test_name_length_limit():
    assert generate.MAX_NAME_LENGTH == 128
    assert generate.check_name("a" * 128) == "a" * 128
    # The default names of the largest configurations fit, with room for the file suffixes.
    for config in (SparqConfig(rows=16, cols=64, max_k=2 ** 20),
                   SparqConfig(rows=64, cols=16, max_k=2 ** 20, options=3, rounding="truncate"),
                   SparqConfig(datapath="a4w8", rows=32, cols=32, max_k=2 ** 20)):
        for block in ("pe", "array"):
            assert generate.check_name(generate.default_name(block, config))


def _no_generation(monkeypatch):
    def fail(*args, **kwargs):
        pytest.fail("the output must be checked before anything is generated")
    monkeypatch.setattr(generate, "_convert", fail)


def test_write_errors(tmp_path, monkeypatch):
    config = SparqConfig()
    with pytest.raises(ValueError) as info:
        generate.write("window", config, tmp_path / "w.sv")
    assert str(info.value) == f"output path must end in .v, not '{tmp_path / 'w.sv'}'"
    with pytest.raises(TypeError) as info:
        generate.write("window", config, 3)
    assert str(info.value) == "output path must be a str or path, not 3"
    (tmp_path / "dir.v").mkdir()
    (tmp_path / "file").write_text("")
    (tmp_path / "side.json").mkdir()
    long = tmp_path / ("a" * 300 + ".v")
    long_json = tmp_path / ("s" * 251 + ".v")
    _no_generation(monkeypatch)
    for path, message in [
        (tmp_path / "dir.v", f"output path '{tmp_path / 'dir.v'}' cannot be written: it is a directory"),
        (tmp_path / "side.v", f"sidecar path '{tmp_path / 'side.json'}' cannot be written: it is a "
                              f"directory"),
        (tmp_path / "file" / "w.v", f"output path '{tmp_path / 'file' / 'w.v'}' cannot be written: "
                                    f"'{tmp_path / 'file'}' is not a directory"),
        (tmp_path / "file" / "a" / "w.v", f"output path '{tmp_path / 'file' / 'a' / 'w.v'}' cannot "
                                          f"be written: '{tmp_path / 'file'}' is not a directory"),
        (long, f"output path '{long}' cannot be written: File name too long"),
        (long_json, f"sidecar path '{long_json.with_suffix('.json')}' cannot be written: File name "
                    f"too long"),
        (tmp_path / ("d" * 300) / "w.v", f"output path '{tmp_path / ('d' * 300) / 'w.v'}' cannot be "
                                         f"written: File name too long"),
        ("/proc/w.v", "output path '/proc/w.v' cannot be written: No such file or directory"),
        ("/proc/new/w.v", "output path '/proc/new/w.v' cannot be written: No such file or directory"),
    ]:
        with pytest.raises(generate.OutputError) as info:
            generate.write("window", config, path)
        assert str(info.value) == message
        assert isinstance(info.value, ValueError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.v", "file", "side.json"]


def test_write_error_is_chained_to_the_os_error(tmp_path, monkeypatch):
    _refuse_fill(monkeypatch)
    with pytest.raises(generate.OutputError) as info:
        generate.write("window", SparqConfig(), tmp_path / "new" / "w.v")
    assert str(info.value) == (f"output path '{tmp_path / 'new' / 'w.v'}' cannot be written: "
                               f"Permission denied")
    assert isinstance(info.value.__cause__, PermissionError)
    assert list(tmp_path.iterdir()) == [], "the folder made for the output is removed again"


def test_write_leaves_no_half_pair(tmp_path, monkeypatch):
    # The .v temporary is written, the .json one fails: nothing is left, old files untouched.
    original = generate._fill
    (tmp_path / "w.v").write_text("old v")
    (tmp_path / "w.json").write_text("old json")

    def refuse_json(tmp, text):
        if text.startswith("{"):
            raise OSError(28, "No space left on device")
        return original(tmp, text)
    monkeypatch.setattr(generate, "_fill", refuse_json)
    with pytest.raises(ValueError) as info:
        generate.write("window", SparqConfig(), tmp_path / "w.v")
    assert str(info.value) == f"output path '{tmp_path / 'w.v'}' cannot be written: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json", "w.v"]
    assert (tmp_path / "w.v").read_text() == "old v"
    assert (tmp_path / "w.json").read_text() == "old json"


def test_write_restores_the_sidecar_when_the_verilog_cannot_be_renamed(tmp_path, monkeypatch):
    # The sidecar is renamed into place first; when the .v rename then fails, the old sidecar
    # comes back and the old .v is untouched.
    (tmp_path / "w.v").write_text("old v")
    (tmp_path / "w.json").write_text("old json")
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("w.v"):
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(generate.OutputError) as info:
        generate.write("window", SparqConfig(), tmp_path / "w.v")
    monkeypatch.undo()
    assert str(info.value) == f"output path '{tmp_path / 'w.v'}' cannot be written: Input/output error"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.json", "w.v"]
    assert (tmp_path / "w.v").read_text() == "old v"
    assert (tmp_path / "w.json").read_text() == "old json"
    # Without old files: neither is left.
    (tmp_path / "w.v").unlink()
    (tmp_path / "w.json").unlink()
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(generate.OutputError):
        generate.write("window", SparqConfig(), tmp_path / "w.v")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_existing_files(tmp_path):
    (tmp_path / "w.v").write_text("old v")
    (tmp_path / "w.json").write_text("old json")
    generate.write("window", SparqConfig(), tmp_path / "w.v", name="w")
    assert (tmp_path / "w.v").read_text() == generate.verilog("window", SparqConfig(), name="w")
    assert json.loads((tmp_path / "w.json").read_text())["module"] == "w"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.f", "w.json", "w.v", "w.vh",
                                                         "w_pkg.sv"], \
        "no temporaries left"
    assert oct((tmp_path / "w.v").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_interrupted(tmp_path, monkeypatch):
    # Ctrl-C during the generation: temporaries and the folders made for them are removed.
    (tmp_path / "w.v").write_text("old v")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(generate, "describe_module", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate.write("window", SparqConfig(), tmp_path / "a" / "b" / "w.v")
    with pytest.raises(KeyboardInterrupt):
        generate.write("window", SparqConfig(), tmp_path / "w.v")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.v"]
    assert (tmp_path / "w.v").read_text() == "old v"


def test_describe_must_cover_every_port(monkeypatch):
    original = WindowSelector.describe

    def missing(self):
        doc = original(self)
        del doc["ports"]["shift"]
        return doc

    def extra(self):
        doc = original(self)
        doc["ports"]["bogus"] = "no such port"
        return doc

    monkeypatch.setattr(WindowSelector, "describe", missing)
    with pytest.raises(ValueError) as info:
        generate.sidecar("window", SparqConfig())
    assert str(info.value) == "WindowSelector.describe() gives no meaning for port 'shift'"
    monkeypatch.setattr(WindowSelector, "describe", extra)
    with pytest.raises(ValueError) as info:
        generate.sidecar("window", SparqConfig())
    assert str(info.value) == "WindowSelector.describe() documents ports that do not exist: bogus"


EXPECTED_PORT_ORDER = {
    "window": ["x", "mant", "shift"],
    "pair": ["a0", "a1", "mant0", "shift0", "src0", "mant1", "shift1", "src1"],
    "array": ["clk", "rst", "a__payload", "a__valid", "a__ready", "b__payload", "b__valid",
              "b__ready", "c__payload", "c__valid", "c__ready", "err"],
}
EXPECTED_PORT_ORDER["dotprod"] = EXPECTED_PORT_ORDER["array"]


@pytest.mark.parametrize("block,config", [
    ("window", SparqConfig()), ("pair", SparqConfig(options=3, rounding="truncate")),
    ("pe", SparqConfig(max_k=8)), ("pe", SparqConfig(datapath="int8", max_k=8)),
    ("array", SparqConfig(rows=2, cols=2, max_k=8)),
    ("array", SparqConfig(datapath="a4w8", rows=1, cols=3, max_k=8)),
    ("dotprod", SparqConfig(datapath="a4w8", rows=1, cols=3, pairs=2, max_k=8)),
])
def test_port_order_is_stable(block, config):
    # The module header lists clk, rst, then the signature's members in order (streams a, b, c
    # as payload, valid, ready; then err): positional instantiation and the sidecar agree.
    text = generate.verilog(block, config)
    module = generate.default_name(block, config)
    header = re.search(rf"^module {module}\(([^)]*)\);", text, re.M).group(1).split(", ")
    doc = generate.sidecar(block, config)
    assert header == [p["name"] for p in doc["ports"]]
    assert [name for name, _, _ in generate.module_ports(text, module)] == header
    if block == "pe":
        assert header[:2] == ["clk", "rst"]
    else:
        assert header == EXPECTED_PORT_ORDER[block]


def test_axis_ports_and_padding():
    # AXI4-Stream names in order, tdata padded to whole bytes (c: 2 x 19 = 38 bits -> 40), tlast
    # its own port, aresetn active low; the native widths otherwise.
    config = SparqConfig(rows=2, cols=2, max_k=8, interface="axis")
    doc = generate.sidecar("array", config)
    assert doc["module"] == "sparq_array_sparq_b4_o5_ne_2x2_k8_axis"
    assert doc["design"] == "array-sparq-b4-o5-ne-2x2-k8-axis"
    ports = [(p["name"], p["direction"], p["width"]) for p in doc["ports"]]
    assert ports == [
        ("aclk", "input", 1), ("aresetn", "input", 1),
        ("s_axis_a_tdata", "input", 32), ("s_axis_a_tvalid", "input", 1),
        ("s_axis_a_tready", "output", 1), ("s_axis_a_tlast", "input", 1),
        ("s_axis_b_tdata", "input", 32), ("s_axis_b_tvalid", "input", 1),
        ("s_axis_b_tready", "output", 1), ("s_axis_b_tlast", "input", 1),
        ("m_axis_c_tdata", "output", 40), ("m_axis_c_tvalid", "output", 1),
        ("m_axis_c_tready", "input", 1), ("m_axis_c_tlast", "output", 1),
        ("err", "output", 1)]
    c_fields = {f["name"]: (f["offset"], f["width"]) for f in doc["ports"][10]["fields"]}
    assert c_fields["data[1]"] == (19, 19) and c_fields["pad"] == (38, 2)
    assert "driven 0" in doc["ports"][10]["meaning"]
    assert doc["clock"] == {"port": "aclk", "edge": "rising"}
    assert doc["reset"] == {"port": "aresetn", "polarity": "active-low", "synchronous": True}
    native = generate.sidecar("array", SparqConfig(rows=2, cols=2, max_k=8))
    assert doc["timing"]["latency"] == native["timing"]["latency"]
    text = generate.verilog("array", config)
    assert re.search(r"^module sparq_array_sparq_b4_o5_ne_2x2_k8_axis\(aclk, aresetn, ", text, re.M)


@pytest.mark.parametrize("block", ["window", "pair", "pe"])
def test_axis_is_for_the_array_only(block):
    with pytest.raises(ValueError) as info:
        generate.verilog(block, SparqConfig(interface="axis"))
    assert str(info.value) == f"interface 'axis' applies to blocks array and dotprod only, not {block!r}"


def test_dotprod_is_deterministic_and_axis_counts_the_same(uncached_generation):
    # Same arguments, same bytes; the AXI4-Stream top pads tdata to whole bytes (c: 2 x 20 = 40
    # bits, no pad; a: 2 x 2 x 2 x 8 = 64 bits) and keeps the native widths.
    config = SparqConfig(rows=2, cols=2, pairs=2, max_k=16)
    assert generate.verilog("dotprod", config) == generate.verilog("dotprod", config)
    axis = generate.sidecar("dotprod", SparqConfig(rows=2, cols=2, pairs=2, max_k=17,
                                                   interface="axis"))
    widths = {p["name"]: p["width"] for p in axis["ports"]}
    assert [p["name"] for p in axis["ports"]][:3] == ["aclk", "aresetn", "s_axis_a_tdata"]
    assert widths["s_axis_a_tdata"] == 64 and widths["s_axis_b_tdata"] == 64
    # max_k 17 with 2P = 4: capacity 20 positions, acc_width of 20 * 128 * 255 = 20 bits + sign.
    assert axis["parameters"]["acc_width"] == 21
    assert widths["m_axis_c_tdata"] == 48                     # 2 x 21 = 42 bits, padded to 48


def test_dotprod_writes_every_file(tmp_path):
    # Verilog, sidecar, header, package, file list and FuseSoC core, as for the array.
    config = SparqConfig(datapath="int8", rows=1, cols=2, pairs=2, max_k=8)
    written = generate.write("dotprod", config, tmp_path / "dp.v", fusesoc=True)
    assert written.core == tmp_path / "dp.core" and written.testbench is None
    doc = json.loads(written.sidecar.read_text())
    assert doc["block"] == "dotprod" and doc["design"] == "dotprod-int8-1x2p2-k8"
    # a: 1 row x 2 pairs x 2 x 8 bits + last; the module keeps its default name.
    assert ("`define SPARQ_DOTPROD_INT8_1X2P2_K8_PORT_A__PAYLOAD_WIDTH 33"
            in written.header.read_text())
    assert "toplevel: sparq_dotprod_int8_1x2p2_k8" in written.core.read_text()
    assert written.filelist.read_text() == "+incdir+.\ndp.v\n"
