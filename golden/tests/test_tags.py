"""Setting tags: one name per arithmetic setting, and the conformance vectors' names mapped to them."""

import pytest

from golden import vectors
from golden.sparq import WINDOWS
from golden.tags import parse_setting_tag, setting_tag, vector_setting


def test_tags_of_every_setting_round_trip():
    tags = []
    for bits, options in WINDOWS:
        if bits == 6:
            continue        # the 6-bit window exists only as the lone value under 3-bit windows
        for rounding in ("nearest-even", "truncate"):
            tag = setting_tag("sparq", bits=bits, options=options, rounding=rounding)
            assert parse_setting_tag(tag) == {"kind": "sparq", "bits": bits, "options": options,
                                              "rounding": rounding}
            tags.append(tag)
    assert len(set(tags)) == 10
    assert setting_tag("sparq") == "sparq-b4-o5-ne"
    assert setting_tag("sparq", bits=3) == "sparq-b3-o6-ne"
    assert setting_tag("int8") == "int8" and setting_tag("a4w8") == "a4w8"
    assert parse_setting_tag("a4w8")["kind"] == "a4w8"
    for kind in ("a3w8", "a2w8"):
        assert setting_tag(kind) == kind and parse_setting_tag(kind)["kind"] == kind


def test_every_vector_file_has_a_setting_tag():
    names = {vector_setting(s.path.name): s.kwargs for s in vectors.vector_sets()}
    assert len(names) == 10
    for tag, kwargs in names.items():
        parsed = parse_setting_tag(tag)
        assert (parsed["bits"], parsed["options"], parsed["rounding"]) == \
            (kwargs["bits"], kwargs["options"], kwargs["rounding"])
    assert vector_setting("bg4_opt5_round") == "sparq-b4-o5-ne"
    assert vector_setting("vectors_bg2_opt7_raw.npz") == "sparq-b2-o7-tr"


@pytest.mark.parametrize("call, error, message", [
    (lambda: setting_tag("fp8"), ValueError, "kind must be one of sparq, int8, a4w8, a3w8, a2w8, not 'fp8'"),
    (lambda: setting_tag("int8", options=3), ValueError,
     "bits, options and rounding apply to the sparq kind only; kind 'int8' got bits=4, options=3"),
    (lambda: setting_tag("sparq", bits=4.0), TypeError, "bits must be an integer, not 4.0"),
    (lambda: setting_tag("sparq", options=True), TypeError, "options must be an integer, not True"),
    (lambda: setting_tag("sparq", options=4), ValueError, "no SPARQ setting with bits=4, options=4"),
    (lambda: setting_tag("sparq", bits=6), ValueError, "no SPARQ setting with bits=6, options=3"),
    (lambda: setting_tag("sparq", rounding="up"), ValueError,
     "rounding must be one of nearest-even, truncate, not 'up'"),
    (lambda: parse_setting_tag("sparq4-5opt-round"), ValueError,
     "not a setting tag: 'sparq4-5opt-round' (expected int8, a4w8, a3w8, a2w8 or"),
    (lambda: parse_setting_tag("sparq-b4-o7-ne"), ValueError, "no SPARQ setting with bits=4, options=7"),
    (lambda: vector_setting("bg4_opt5"), ValueError, "not a conformance vector name: 'bg4_opt5'"),
])
def test_bad_tags(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)


def test_vectors_folder_override(tmp_path, monkeypatch):
    # Every reader goes through golden.vectors, which honours SPARQ_VECTORS.
    monkeypatch.setenv("SPARQ_VECTORS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no conformance vectors"):
        vectors.load(4, 5, "nearest-even")
    (tmp_path / "vectors_bg4_opt5_round.npz").write_bytes(vectors.DEFAULT_DIR.joinpath(
        "vectors_bg4_opt5_round.npz").read_bytes())
    assert vectors.vector_file(4, 5, "nearest-even").parent == tmp_path
    with pytest.raises(FileNotFoundError, match="bits=4, options=3"):
        vectors.load(4, 3, "nearest-even")
