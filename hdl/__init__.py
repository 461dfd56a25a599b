"""SPARQ hardware: Amaranth 0.5 components that elaborate to standalone Verilog.

Import the configuration from :mod:`hdl.config`; every component takes one :class:`SparqConfig`.
"""

from .config import SparqConfig, DATAPATHS, ROUNDINGS, WINDOW_OPTIONS

__all__ = ["SparqConfig", "DATAPATHS", "ROUNDINGS", "WINDOW_OPTIONS"]
