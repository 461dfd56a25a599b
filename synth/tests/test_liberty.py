"""The Liberty reader: the test library parses; malformed files fail with one line naming the
file and the line."""

from pathlib import Path

import pytest

from synth.liberty import LibertyError, parse_library, parse_liberty, read_liberty, liberty_cells

TINY = Path(__file__).parent / "data" / "tiny.lib"


def test_tiny_library_parses():
    lib = read_liberty(TINY)
    assert lib.kind == "library" and lib.args == ["sparq_tiny"]
    assert liberty_cells(lib) == {"BUF": "1.5", "INV": "1.0", "NAND2": "1.5", "NOR2": "1.5",
                                  "XOR2": "3.0", "DFF": "6.0"}
    dff = next(g for g in lib.groups if g.args == ["DFF"])
    assert [g.kind for g in dff.groups] == ["ff", "pin", "pin", "pin"]
    assert dff.groups[0].attrs["next_state"] == "D"


def test_comments_line_joins_and_complex_attributes():
    text = ('// a comment\nlibrary (x) { /* block\n comment */ capacitive_load_unit (1, pf) ;\n'
            '  cell (A) { area : 2 \\\n ; }\n}\n')
    lib = parse_liberty(text)
    assert lib.attrs["capacitive_load_unit"] == ["1", "pf"]
    assert liberty_cells(lib) == {"A": "2"}


@pytest.mark.parametrize("text, message", [
    ("library (x) {\n  cell (A) {\n    area : 1 ;\n", "line 2: group 'cell' is not closed"),
    ("library (x) {\n  cell (A) { area : \"1 ; }\n}\n", "line 2: unterminated string"),
    ("library (x) {\n  cell (A) { area : 1 ; }\n}\n}\n", "line 4: expected an attribute or group name, found '}'"),
    ("library (x) {\n  cell (A) { pin (Y) { direction : output ; } }\n}\n", "has no cell with an area"),
    ("library (x) {\n  cell (A) { area : big ; }\n}\n", "cell 'A': area 'big' is not a number"),
    ("library (x) { cell (A) { area : 1 ; } }\nlibrary (y) { }\n", "exactly one top-level library"),
    ("cell (A) { area : 1 ; }\n", "exactly one top-level library"),
    ("library (x) {\n  cell (A { area : 1 ; }\n}\n", "line 2: expected a value, found '{'"),
    ("library (x) {\n /* never closed\n", "line 2: unterminated comment"),
    ("", "exactly one top-level library"),
])
def test_malformed_text_is_one_line_error(text, message):
    with pytest.raises(LibertyError) as info:
        parse_liberty(text, where="liberty file 'f.lib'")
    assert message in str(info.value)
    assert str(info.value).startswith("liberty file 'f.lib'")
    assert "\n" not in str(info.value)


def test_syntax_check_alone_asks_nothing_of_the_cells():
    # parse_library (what energy.liberty checks a file with) takes a library without areas;
    # parse_liberty (what synthesis needs) rejects it.
    text = "library (x) {\n  cell (A) { pin (Y) { direction : output ; } }\n}\n"
    lib = parse_library(text)
    assert lib.kind == "library" and [g.args for g in lib.groups] == [["A"]]
    with pytest.raises(LibertyError, match="has no cell with an area"):
        parse_liberty(text)


def test_missing_file(tmp_path):
    with pytest.raises(LibertyError, match=r"liberty file '.*nope\.lib' does not exist"):
        read_liberty(tmp_path / "nope.lib")


def test_binary_file(tmp_path):
    path = tmp_path / "bin.lib"
    path.write_bytes(b"\xff\xfe\x00library")
    with pytest.raises(LibertyError, match="cannot be read"):
        read_liberty(path)
