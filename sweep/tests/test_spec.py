"""Sweep files: what they expand to, and every bad field as an error naming it."""

from pathlib import Path

import pytest

from sweep.spec import from_dict, load


def test_axes_expand_to_design_names_and_points():
    s = from_dict({"hardware": {"blocks": ["pe", "array", "window"], "options": [5, 2],
                                "rounding": ["truncate"], "sizes": ["2x2", "4x2"],
                                "max_k": [512]},
                   "synthesis": {"targets": ["generic", "ice40-pnr"], "seeds": [1, 7]},
                   "evaluation": {"seeds": [0, 1]}})
    assert s.designs == (
        "pe-sparq-b4-o5-tr-k512", "array-sparq-b4-o5-tr-2x2-k512", "array-sparq-b4-o5-tr-4x2-k512",
        "window-sparq-b4-o5-tr",
        "pe-sparq-b4-o2-tr-k512", "array-sparq-b4-o2-tr-2x2-k512", "array-sparq-b4-o2-tr-4x2-k512",
        "window-sparq-b4-o2-tr",
        # The baselines: no window logic.
        "pe-int8-k512", "array-int8-2x2-k512", "array-int8-4x2-k512",
        "pe-a4w8-k512", "array-a4w8-2x2-k512", "array-a4w8-4x2-k512")
    assert s.settings == ("sparq-b4-o5-tr", "sparq-b4-o2-tr", "int8", "a4w8")
    # generic once per design, ice40-pnr once per design and seed.
    assert len(s.points()) == 14 * 3
    assert ("pe-int8-k512", "generic", None) in s.points()
    assert ("pe-int8-k512", "ice40-pnr", 7) in s.points()
    assert (s.networks, s.eval_seeds, s.output) == (("digits",), (0, 1), "build/sweep/sweep")


def test_defaults_settings_and_designs():
    s = from_dict({})
    assert s.designs == ("pe-sparq-b4-o5-ne-k1152", "pe-int8-k1152", "pe-a4w8-k1152")
    assert (s.targets, s.seeds) == (("generic",), (1,))
    s = from_dict({"hardware": {"settings": ["sparq-b4-o3-ne"], "baselines": False,
                                "designs": ["pe-int8-k512", "window-*-o2-*"]}})
    assert s.designs == ("pe-sparq-b4-o3-ne-k1152", "pe-int8-k512", "window-sparq-b4-o2-ne",
                         "window-sparq-b4-o2-tr")
    # The dot-product unit: sizes and pairs crossed.
    s = from_dict({"hardware": {"blocks": ["dotprod"], "settings": ["int8"], "sizes": ["4x4"],
                                "pairs": [2, 4], "max_k": [64], "baselines": False}})
    assert s.designs == ("dotprod-int8-4x4p2-k64", "dotprod-int8-4x4p4-k64")
    # 3-bit and 2-bit windows bring the naive baseline of their width.
    s = from_dict({"hardware": {"bits": [3, 2]}})
    assert s.settings == ("sparq-b3-o6-ne", "sparq-b2-o7-ne", "int8", "a4w8", "a3w8", "a2w8")
    # Designs by name alone: no default setting added.
    assert from_dict({"hardware": {"designs": ["pe-int8-k1152"]}}).designs == ("pe-int8-k1152",)


def test_load_and_overrides(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[sweep]\nname = "x"\n[hardware]\noptions = [5]\n[synthesis]\n'
                 'targets = ["generic"]\n')
    assert load(f).designs[0] == "pe-sparq-b4-o5-ne-k1152"
    s = load(f, {"hardware.options": [3], "synthesis.targets": ["ice40"]})
    assert (s.designs[0], s.targets, s.name, s.output) == ("pe-sparq-b4-o3-ne-k1152", ("ice40",),
                                                           "x", "build/sweep/x")


BAD = [
    ({"hardwar": {}}, ValueError, "unknown table [hardwar] (known: sweep, hardware, synthesis, "
                                  "evaluation)"),
    ({"hardware": 3}, TypeError, "[hardware] must be a table, not 3"),
    ({"hardware": {"option": [5]}}, ValueError,
     "unknown field 'hardware.option' (known in [hardware]: blocks, settings, datapaths, bits, "
     "options, rounding, sizes, pairs, max_k, baselines, designs)"),
    ({"hardware": {"options": 5}}, TypeError, "hardware.options must be a list of integers, not 5"),
    ({"hardware": {"options": [5, "3"]}}, TypeError,
     "hardware.options must be a list of integers, not [5, '3']"),
    ({"hardware": {"options": [True]}}, TypeError,
     "hardware.options must be a list of integers, not [True]"),
    ({"hardware": {"blocks": "pe"}}, TypeError,
     "hardware.blocks must be a list of strings, not 'pe'"),
    ({"hardware": {"baselines": "yes"}}, TypeError,
     "hardware.baselines must be true or false, not 'yes'"),
    ({"sweep": {"name": 3}}, TypeError, "sweep.name must be a string, not 3"),
    ({"hardware": {"options": [5, 5]}}, ValueError, "hardware.options lists a value twice: [5, 5]"),
    ({"hardware": {"settings": ["int8"], "options": [5]}}, ValueError,
     "hardware.settings and hardware.options exclude each other: give setting tags or the axes "
     "that make them"),
    ({"hardware": {"settings": ["sparq-b5"]}}, ValueError,
     "hardware.settings: not a setting tag: 'sparq-b5' (expected int8, a4w8, a3w8, a2w8 or "
     "sparq-b<bits>-o<options>-<ne|tr>, e.g. sparq-b4-o5-ne)"),
    ({"hardware": {"options": [7]}}, ValueError,
     "hardware.bits/options/rounding (bits=4, options=7, rounding='nearest-even'): no SPARQ "
     "setting with bits=4, options=7; known: "),
    ({"hardware": {"rounding": ["up"]}}, ValueError,
     "hardware.bits/options/rounding (bits=4, options=None, rounding='up'): rounding must be one "
     "of nearest-even, truncate, not 'up'"),
    ({"hardware": {"datapaths": ["int4"]}}, ValueError,
     "hardware.datapaths: kind must be one of sparq, int8, a4w8, a3w8, a2w8, not 'int4'"),
    ({"hardware": {"blocks": ["mac"]}}, ValueError,
     "hardware.blocks: unknown block 'mac' (known: window, pair, pe, array, dotprod)"),
    ({"hardware": {"blocks": ["array"], "sizes": ["4by4"]}}, ValueError,
     "hardware.sizes: '4by4' is not a size ROWSxCOLS like '4x4'"),
    ({"hardware": {"blocks": ["array"], "sizes": ["04x4"]}}, ValueError,
     "hardware.sizes: '04x4' is not a size ROWSxCOLS like '4x4'"),
    ({"hardware": {"max_k": [0]}}, ValueError, "hardware.max_k must hold positive integers, not 0"),
    ({"hardware": {"max_k": [2000000]}}, ValueError,
     "hardware: design 'pe-sparq-b4-o5-ne-k2000000': max_k must be at most 1048576, not 2000000"),
    ({"hardware": {"blocks": ["array"], "sizes": ["100x100"]}}, ValueError,
     "hardware: design 'array-sparq-b4-o5-ne-100x100-k1152': "),
    ({"hardware": {"designs": ["pe-int16"]}}, ValueError,
     "hardware.designs: not a design name: 'pe-int16' (expected"),
    ({"hardware": {"designs": ["pe-*-k7"]}}, ValueError,
     "hardware.designs: unknown design 'pe-*-k7': the pattern matches no design of the default "
     "set (see --list)"),
    ({"hardware": {"blocks": ["window"], "settings": ["int8"], "baselines": False}}, ValueError,
     "hardware: the sweep has no design"),
    ({"synthesis": {"targets": ["ice41"]}}, ValueError,
     "synthesis.targets: unknown target 'ice41' (known: generic, liberty, ice40,"),
    ({"synthesis": {"targets": ["liberty"]}}, ValueError,
     "synthesis.targets: target 'liberty' needs a liberty file, which sweeps do not take; use "
     "sparq-rtl synth --liberty"),
    ({"synthesis": {"seeds": []}}, ValueError, "synthesis.seeds must hold at least one seed"),
    ({"synthesis": {"seeds": [-1]}}, ValueError,
     "synthesis.seeds: -1 is not a placement seed (0..18446744073709551615)"),
    ({"evaluation": {"networks": ["resnet"]}}, ValueError,
     "evaluation.networks: unknown network 'resnet' (known: digits, fashion)"),
    ({"evaluation": {"fashion_test": 0}}, ValueError,
     "evaluation.fashion_test must be at least 1, not 0"),
    ({"evaluation": {"fashion_dir": 3}}, TypeError,
     "evaluation.fashion_dir must be a string, not 3"),
    ({"evaluation": {"seeds": []}}, ValueError,
     "evaluation.seeds must hold at least one seed when evaluation.networks is not empty"),
    ({"evaluation": {"seeds": [-2]}}, ValueError,
     "evaluation.seeds must hold non-negative integers, not -2"),
]


@pytest.mark.parametrize("doc, error, message", BAD)
def test_bad_field_is_named(doc, error, message):
    with pytest.raises(error) as info:
        from_dict(doc)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_not_a_table():
    with pytest.raises(TypeError, match=r"^a sweep must be a table of tables, not \[\]$"):
        from_dict([])


def test_file_errors_name_the_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[hardware]\noptions = [5, 3\n")
    with pytest.raises(ValueError) as info:
        load(f)
    assert str(info.value).startswith(f"sweep file {str(f)!r}: not valid TOML: ")
    f.write_text("[hardware]\noptions = [9]\n")
    with pytest.raises(ValueError) as info:
        load(f)
    assert str(info.value).startswith(f"sweep file {str(f)!r}: hardware.bits/options/rounding ")
    with pytest.raises(ValueError) as info:
        load(tmp_path / "none.toml")
    assert str(info.value) == (f"sweep file {str(tmp_path / 'none.toml')!r} cannot be read: No "
                               f"such file or directory")


def test_example_sweep_file():
    # examples/sweep-small.toml, which `make sweep` runs: 5 PEs (3 SPARQ options, int8, a4w8),
    # 2 area targets + 1 routed target with 2 seeds = 4 points each.
    s = load(Path(__file__).resolve().parents[2] / "examples" / "sweep-small.toml")
    assert s.designs == tuple(f"pe-{v}-k1152" for v in (
        "sparq-b4-o5-ne", "sparq-b4-o3-ne", "sparq-b4-o2-ne", "int8", "a4w8"))
    assert len(s.points()) == 20 and s.output == "build/sweep/small"
