"""The plain-Verilog example (hdl/example/tb_array.v) passes on Icarus, as `make example` runs it.

The same steps as the Make target: the ``sparq-rtl`` command writes the array, Icarus compiles it
with the testbench, ``vvp`` runs it. Also checks, by reading the testbench's text, that the
payload words its ``send`` calls build are the codec's words (:class:`hdl.stream_codec.ArrayCodec`)
for the two tiles its comments state, and that its expected ``c`` rows, read through the bit
slices it compares, are the golden results (:func:`hdl.stream_codec.reference`) with ``last`` on
each tile's final row.
"""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from hdl.cli import main as sparq_rtl
from hdl.config import SparqConfig
from hdl.stream_codec import ArrayCodec, reference

TB = Path(__file__).resolve().parents[1] / "example" / "tb_array.v"

#: What `make example` generates: a 2x2 SPARQ array, 5 options, nearest-even, max K 8.
CONFIG = SparqConfig(rows=2, cols=2, max_k=8)

# The two tiles the testbench feeds (its comments state the same numbers).
TILES = [
    (np.array([[100, 0, 3, 200], [255, 255, 0, 0]]), np.array([[1, 2, 3, 4], [-128, 127, -1, 10]])),
    (np.array([[7, 9, 130], [0, 17, 0]]), np.array([[2, -3, 5], [1, 1, -1]])),
]


def _text():
    # The testbench without its comments.
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", TB.read_text(), flags=re.S)


def _number(literal):
    # A Verilog integer literal: 1'b0, 8'd253, 100.
    sized = re.fullmatch(r"(\d+)'([bdh])([0-9a-fA-F_]+)", literal)
    if sized:
        return int(sized[3].replace("_", ""), {"b": 2, "d": 10, "h": 16}[sized[2]])
    return int(literal)


def _tb_words():
    """``(a words, b words)`` of every ``send`` call, built as the task builds its payloads."""
    text = _text()
    task = re.search(r"task send;(.*?)endtask", text, re.S)[1]
    inputs, widths = [], {}
    for rng, names in re.findall(r"input\s*(\[\d+:0\])?\s*([\w\s,]+);", task):
        for name in (n.strip() for n in names.split(",")):
            inputs.append(name)
            widths[name] = int(rng[1:].split(":")[0]) + 1 if rng else 1
    concat = {stream: [n.strip() for n in parts.split(",")]
              for stream, parts in re.findall(r"(\w)_payload\s*=\s*\{([^}]*)\};", task)}
    words = {"a": [], "b": []}
    for call in re.findall(r"\bsend\(([^;]*)\);", text):
        args = dict(zip(inputs, (_number(v.strip()) for v in call.split(","))))
        for stream, names in concat.items():
            word, at = 0, 0
            for name in reversed(names):                 # {msb, ..., lsb}
                word |= (args[name] & ((1 << widths[name]) - 1)) << at
                at += widths[name]
            words[stream].append(word)
    assert len(words["a"]) == len(words["b"]) == 4, words
    return words["a"], words["b"]


def _tb_expected_words():
    """The testbench's expected rows as ``c`` words: each expected value placed at the bits of
    ``c_payload`` that the testbench compares it with."""
    text = _text()
    acc = int(re.search(r"localparam\s+ACC\s*=\s*(\d+);", text)[1])
    values = {}
    for name, i, v in re.findall(r"(expect\w*)\[(\d)\]\s*=\s*([-\w']+);", text):
        values.setdefault(name, {})[int(i)] = _number(v) if not v.startswith("-") else int(v)
    compare = re.search(r"if \((\$signed\(c_payload.*?)\) begin", text, re.S)[1]
    slices = re.findall(r"c_payload\[([^\]:]+)(?::([^\]]+))?\]\)?\s*!==\s*(expect\w*)"
                        r"\[received\]", compare)
    assert len(slices) == 3 and len(values) == 3, (slices, values)
    words = []
    for row in range(4):
        word = 0
        for hi, lo, name in slices:
            top, low = (eval(e, {"ACC": acc}) for e in (hi, lo or hi))   # e.g. 2*ACC-1, ACC
            word |= (values[name][row] & ((1 << (top - low + 1)) - 1)) << low
        words.append(word)
    return acc, words


def test_testbench_words_are_the_codecs():
    codec = ArrayCodec(CONFIG)
    a_words, b_words = _tb_words()
    assert a_words == [w for A, _ in TILES for w in codec.pack_a(A)]
    assert b_words == [w for _, B in TILES for w in codec.pack_b(B)]


def test_hand_worked_values_are_golden():
    codec = ArrayCodec(CONFIG)
    acc, words = _tb_expected_words()
    assert acc == CONFIG.acc_width
    values, last = codec.unpack_c(words)
    assert last.tolist() == [0, 1, 0, 1]
    for t, (A, B) in enumerate(TILES):
        assert np.array_equal(values[2 * t:2 * t + 2], reference(CONFIG, A, B)), t


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
