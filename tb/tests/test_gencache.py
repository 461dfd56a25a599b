"""The session's cache of generated Verilog (tb/gencache.py): a hit is read back, a miss converts,
and ``uncached`` converts every time."""

from hdl import generate
from hdl.config import SparqConfig
from tb import gencache


def test_hits_read_the_cache_and_misses_convert(tmp_path):
    previous = gencache.install(tmp_path)
    try:
        config = SparqConfig(options=2, rounding="truncate")
        first = generate.verilog("window", config)
        (entry,) = tmp_path.glob("*.v")
        assert entry.read_text() == first
        # The second request is read from the cache (the entry is altered to show it) ...
        entry.write_text("// cached\n")
        assert generate.verilog("window", config) == "// cached\n"
        # ... the converter runs when the cache is off, and gives the first text again ...
        with gencache.uncached():
            assert generate.verilog("window", config) == first
        assert len(list(tmp_path.glob("*.v"))) == 1
        # ... and another module name or configuration is another entry.
        assert "module w(" in generate.verilog("window", config, name="w")
        assert "module sparq_window_sparq_b4_o2_ne(" in generate.verilog(
            "window", SparqConfig(options=2))
        assert gencache.entries() == 3
    finally:
        gencache.install(previous)


def test_components_built_elsewhere_are_converted(tmp_path):
    # Only components from generate.build carry the arguments that determine their text.
    previous = gencache.install(tmp_path)
    try:
        from hdl.window import WindowSelector
        text = generate._convert(WindowSelector(SparqConfig()), "plain")
        assert "module plain(" in text
        assert gencache.entries() == 0
    finally:
        gencache.install(previous)


def test_a_miss_waits_for_the_worker_converting_the_same_design(tmp_path):
    # Another worker holds the design's lock (it is converting): this one waits, then reads the
    # text that worker wrote instead of converting the design a second time.
    import fcntl
    import threading

    previous = gencache.install(tmp_path)
    try:
        config = SparqConfig(options=3)
        key = gencache._key("window", config, generate.default_name("window", config))
        got = []
        with open(tmp_path / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            reader = threading.Thread(target=lambda: got.append(generate.verilog("window", config)))
            reader.start()
            reader.join(timeout=2)
            assert reader.is_alive() and not got          # waiting on the lock
            (tmp_path / f"{key}.v").write_text("// converted by the other worker\n")
        reader.join(timeout=60)
        assert got == ["// converted by the other worker\n"]
    finally:
        gencache.install(previous)


def _sources(root):
    for package in gencache.SOURCE_PACKAGES:
        (root / package / "tests").mkdir(parents=True)
        (root / package / "__init__.py").write_text(f"# {package}\n")
    return root


def test_the_digest_follows_the_generator_sources_and_nothing_else(tmp_path):
    root = _sources(tmp_path / "repo")
    first = gencache.sources_digest(root)
    assert gencache.sources_digest(root) == first
    # A test, or a file outside the generator's packages, does not change the generated text.
    (root / "hdl" / "tests" / "test_x.py").write_text("assert True\n")
    (root / "README.py").write_text("x = 1\n")
    assert gencache.sources_digest(root) == first
    # Nor does a comment or a docstring, nor moving code down a line ...
    init = root / "hdl" / "__init__.py"
    init.write_text('"""The package."""\n\n# more words\n' + init.read_text())
    assert gencache.sources_digest(root) == first
    (root / "hdl" / "m.py").write_text('def f():\n    return 1\n')
    with_m = gencache.sources_digest(root)
    (root / "hdl" / "m.py").write_text('\ndef f():\n    """Doc."""\n    # why\n    return 1\n')
    assert gencache.sources_digest(root) == with_m
    # ... but an edit of the code of any source the generator imports does, as does a file added
    # or renamed, and a docstring turned into code.
    (root / "hdl" / "m.py").write_text('def f():\n    return 2\n')
    assert gencache.sources_digest(root) != with_m
    (root / "hdl" / "m.py").write_text('def f():\n    x = "Doc."\n    return 1\n')
    assert gencache.sources_digest(root) != with_m
    first = gencache.sources_digest(root)
    for package in gencache.SOURCE_PACKAGES:
        init = root / package / "__init__.py"
        init.write_text(init.read_text() + "x = 1\n")
        edited = gencache.sources_digest(root)
        assert edited != first
        first = edited
    (root / "golden" / "added.py").write_text("")
    added = gencache.sources_digest(root)
    assert added != first
    (root / "golden" / "added.py").rename(root / "golden" / "moved.py")
    assert gencache.sources_digest(root) != added


def test_a_session_folder_is_kept_for_the_same_sources_and_others_are_pruned(tmp_path):
    root = _sources(tmp_path / "repo")
    cache = tmp_path / "cache"
    folder = gencache.session_folder(cache, root)
    (folder / "entry.v").write_text("module m; endmodule\n")
    assert gencache.session_folder(cache, root) == folder and (folder / "entry.v").exists()
    (root / "hdl" / "__init__.py").write_text("changed = True\n")
    other = gencache.session_folder(cache, root)
    assert other != folder and not folder.exists()
    assert [p.name for p in cache.iterdir()] == [other.name]
