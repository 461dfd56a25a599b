"""The Liberty reader on the OSU 0.18 um library (``make cells-osu018``): the values the energy
model prices with, for three cells, against numbers copied by hand from the text of
``osu018_stdcells.lib`` (units 1 pF, 1 ns, 1 V, 1 nW: every number reads as it is written); and
malformed files rejected with their line number, including the faults Yosys's ``libparse`` would
not report on its own (it hangs, ends the process or ignores the text)."""

import subprocess
import sys

import pytest

from energy.liberty import LibertyError, read_liberty
from synth.cells import osu018

LOAD = (0.005, 0.0125, 0.025, 0.075, 0.15)          # index_1 of the 5x5 and 5x6 energy tables


@pytest.fixture(scope="module")
def lib():
    return read_liberty(osu018().liberty)


def test_library_units_and_cells(lib):
    assert lib.voltage == 1.8                          # nom_voltage : 1.8 ;
    assert len(lib.cells) == 32                        # 32 `cell (` groups in the file


def test_inverter(lib):
    inv = lib.cell("INVX1")
    assert inv.inputs == {"A": 0.00932456} and inv.outputs == ("Y",)
    assert inv.leakage_nw == 0.0221741 and inv.area == 16.0
    assert not inv.sequential and inv.clocks == ()
    y = inv.output_energy["Y"]
    assert len(y.rise) == len(y.fall) == 1             # one arc, related_pin "A"
    rise, fall = y.rise[0], y.fall[0]                 # (fall_power comes first in the file)
    assert rise.load_axis == fall.load_axis == LOAD
    assert rise.slew_axis == fall.slew_axis == (0.06, 0.18, 0.42, 0.6, 1.2)
    assert rise.values[0] == (0.023555, 0.029044, 0.041387, 0.051684, 0.087278)
    assert fall.values[4] == (0.007605, 0.007297, 0.003652, 0.000737, 0.020842)
    assert inv.input_energy["A"].rise == inv.input_energy["A"].fall == ()


def test_nand_has_one_arc_per_related_pin(lib):
    nand = lib.cell("NAND2X1")
    assert nand.inputs == {"A": 0.0125, "B": 0.0129035}
    assert nand.leakage_nw == 0.0393659 and nand.area == 24.0
    y = nand.output_energy["Y"]
    assert len(y.rise) == len(y.fall) == 2
    assert y.rise[0].values[0][0] == 0.044515          # related_pin "A"
    assert y.rise[1].values[0][0] == 0.03356           # related_pin "B"
    assert y.fall[0].values[3] == (0.008135, 0.007795, 0.000701, 0.006495, 0.037106)
    assert y.fall[1].values[4][4] == 0.027187


def test_flip_flop(lib):
    dff = lib.cell("DFFPOSX1")
    assert dff.sequential and dff.clocks == ("CLK",)
    assert dff.inputs == {"CLK": 0.0279235, "D": 0.00882947} and dff.outputs == ("Q",)
    assert dff.leakage_nw == 0.160725 and dff.area == 96.0
    clk = dff.input_energy["CLK"]                     # passive_energy_template_6x1: slew only
    assert clk.rise[0].load_axis is None
    assert clk.rise[0].slew_axis == (0.06, 0.24, 0.48, 0.9, 1.2, 1.8)
    assert clk.rise[0].values == ((0.006865, 0.006943, 0.030508, 0.076138, 0.112244, 0.183321),)
    assert clk.fall[0].values[0][-1] == 0.338194
    assert dff.input_energy["D"].fall[0].values == ((0.08841, 0.087952, 0.097074, 0.107295,
                                                     0.139032),)
    q = dff.output_energy["Q"].rise[0]                # related_pin "CLK", energy_template_5x6
    assert q.load_axis == LOAD and q.slew_axis == (0.06, 0.24, 0.48, 0.9, 1.2, 1.8)
    assert q.values[0][:2] == (0.040752, 0.06407) and q.values[4][5] == 0.279888


@pytest.mark.parametrize("text, message", [
    ("library (x) {\n  cell (A) {\n    area : 1 ;\n", "line 2: group 'cell' is not closed"),
    # libparse alone ignores what follows the library group.
    ("library (x) {\n  cell (A) { area : 1 ; }\n}\n}\n",
     "line 4: expected an attribute or group name, found '}'"),
    ("this is not liberty", "line 1: expected '(', found 'is'"),
    # The syntax check lets a missing `;` pass; libparse names the line.
    ("library (x) {\n  capacitive_load_unit (1,pf);\n  cell (A) { area : 1  }\n}\n",
     "Syntax error in liberty file on line 3."),
    ("library (x) {\n  capacitive_load_unit (1);\n  cell (A) { area : 1 ; }\n}\n",
     "capacitive_load_unit ['1'] is not (scale, unit)"),
])
def test_malformed_file_is_one_line_error_with_the_path(tmp_path, text, message):
    bad = tmp_path / "bad.lib"
    bad.write_text(text)
    with pytest.raises(LibertyError) as info:
        read_liberty(bad)
    assert message in str(info.value)
    assert str(info.value).startswith(str(bad)) and "\n" not in str(info.value)


@pytest.mark.parametrize("text, message", [
    # libparse alone does not return on an unterminated string, and ends the process (status 1,
    # "No entries found in liberty file.") on an empty file: run in a process of its own.
    ("library (x) {\n  cell (A) { area : \"1 ; }\n}\n", "line 2: unterminated string"),
    ("", "expected exactly one top-level library"),
])
def test_faults_libparse_mishandles_are_caught_before_it(tmp_path, text, message):
    bad = tmp_path / "bad.lib"
    bad.write_text(text)
    code = ("import sys\nfrom energy.liberty import LibertyError, read_liberty\n"
            "try:\n    read_liberty(sys.argv[1])\nexcept LibertyError as exc:\n"
            "    print(exc)\n    sys.exit(3)\n")
    run = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 3, run.stderr
    assert run.stdout.startswith(str(bad)) and message in run.stdout
