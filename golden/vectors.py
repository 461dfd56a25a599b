"""Access to the conformance vectors produced by the authors' kernel.

The vectors ship inside the package, in ``golden/conformance/`` (see its README for the provenance:
the authors' CUDA GEMM kernel, gilshm/sparq at fb149e03, compiled for the CPU and run).
``SPARQ_VECTORS=/path`` overrides the folder for every reader (tests, benches, tools).

File names are the vectors' own (``vectors_bg<bits>_opt<options>_<raw|round>.npz``); the mapping to
the project's setting tags is :func:`vector_file` and the table in ``docs/golden.md``.
"""

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_DIR", "vector_dir", "vector_file", "load", "VectorSet", "vector_sets"]

#: The vectors shipped with the package.
DEFAULT_DIR = Path(__file__).resolve().parent / "conformance"

_ROUNDING_NAME = {"nearest-even": "round", "truncate": "raw"}


def vector_dir():
    """The vectors folder (``SPARQ_VECTORS`` or :data:`DEFAULT_DIR`); raises FileNotFoundError
    (never skips) when it holds no vectors."""
    folder = Path(os.environ.get("SPARQ_VECTORS") or DEFAULT_DIR)
    if not any(folder.glob("vectors_*.npz")):
        raise FileNotFoundError(f"no conformance vectors (vectors_*.npz) in {folder}; "
                                f"set SPARQ_VECTORS to the folder")
    return folder


def vector_file(bits, options, rounding):
    """Path of the vectors of one window setting, e.g. ``vectors_bg4_opt5_round.npz``."""
    if rounding not in _ROUNDING_NAME:
        raise ValueError(f"rounding must be one of {', '.join(_ROUNDING_NAME)}, not {rounding!r}")
    path = vector_dir() / f"vectors_bg{bits}_opt{options}_{_ROUNDING_NAME[rounding]}.npz"
    if not path.exists():
        raise FileNotFoundError(f"no conformance vectors for bits={bits}, options={options}, "
                                f"rounding={rounding!r}: {path} is missing")
    return path


def load(bits, options, rounding):
    """The arrays of one window setting's vector file, as a dict of NumPy arrays."""
    with np.load(vector_file(bits, options, rounding)) as data:
        return {k: data[k] for k in data.files}


class VectorSet:
    """One setting's vectors: ``name`` (e.g. ``bg4_opt5_round``), ``kwargs`` for the golden
    functions (bits, options, rounding), and ``arrays`` (the loaded ``.npz``)."""

    def __init__(self, path):
        self.path = Path(path)
        self.arrays = np.load(self.path)
        meta = json.loads(str(self.arrays["meta"]))
        self.name = meta["setting"]
        self.kwargs = dict(bits=meta["bit_group"], options=meta["n_opts_both"],
                           rounding="nearest-even" if meta["is_round"] else "truncate")

    def __getitem__(self, key):
        return self.arrays[key]

    def __repr__(self):
        return f"VectorSet({self.name})"


def vector_sets():
    """Every setting in the vectors folder, sorted by name."""
    return [VectorSet(p) for p in sorted(vector_dir().glob("vectors_*.npz"))]
