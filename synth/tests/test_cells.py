"""The cell-library locator: a missing or altered library is one clear error naming the fix."""

import hashlib

import pytest

from synth.cells import MAKE_TARGET, osu018, user_library
from synth.tools import SynthError


def _unpack(folder, lib=b"library (osu018_stdcells) { }\n", models=b"module INVX1(); endmodule\n"):
    # The layout `make cells-osu018` writes: the cell files, PACKAGE and SHA256SUMS.
    lib_dir = folder / "osu018"
    lib_dir.mkdir(parents=True)
    (lib_dir / "osu018_stdcells.lib").write_bytes(lib)
    (lib_dir / "osu018_stdcells.v").write_bytes(models)
    (lib_dir / "PACKAGE").write_text("qflow-tech-osu018 1.3.17+dfsg.1-3\n")
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in (("osu018_stdcells.lib", lib), ("osu018_stdcells.v", models)))
    (lib_dir / "SHA256SUMS").write_text(sums)
    return lib_dir


def test_bundled_library_is_found_with_its_provenance(tmp_path):
    lib_dir = _unpack(tmp_path)
    lib = osu018(tmp_path)
    assert lib.liberty == lib_dir / "osu018_stdcells.lib"
    assert lib.verilog == lib_dir / "osu018_stdcells.v"
    assert lib.package == "qflow-tech-osu018 1.3.17+dfsg.1-3"
    record = lib.provenance
    assert record["sha256"] == hashlib.sha256(b"library (osu018_stdcells) { }\n").hexdigest()
    assert record["package"] == lib.package and record["liberty"] == "osu018_stdcells.lib"


def test_missing_library_names_the_make_target(tmp_path):
    with pytest.raises(SynthError, match=f"not found in .*osu018: run `{MAKE_TARGET}`"):
        osu018(tmp_path)


def test_library_changed_after_unpacking_is_refused(tmp_path):
    lib_dir = _unpack(tmp_path)
    (lib_dir / "osu018_stdcells.lib").write_text("library (edited) { }\n")
    with pytest.raises(SynthError, match="osu018_stdcells.lib does not match its checksum"):
        osu018(tmp_path)


def test_cells_dir_from_the_environment(tmp_path, monkeypatch):
    _unpack(tmp_path)
    monkeypatch.setenv("SPARQ_CELLS_DIR", str(tmp_path))
    assert osu018().liberty.parent == tmp_path / "osu018"


def test_user_library_missing_files_name_the_option(tmp_path):
    with pytest.raises(SynthError, match="--liberty: no such file: .*nope.lib"):
        user_library(tmp_path / "nope.lib")
    lib = tmp_path / "mine.lib"
    lib.write_text("library (mine) { }\n")
    with pytest.raises(SynthError, match="--cell-models: no such file: .*nope.v"):
        user_library(lib, tmp_path / "nope.v")
    mine = user_library(lib)
    assert mine.name == "user" and mine.verilog is None
    assert mine.sha256 == hashlib.sha256(b"library (mine) { }\n").hexdigest()
