"""Access to the conformance vectors produced by the authors' kernel (``../shared/vectors``).

The vectors live outside the repository, beside it; ``SPARQ_VECTORS`` overrides the folder.
"""

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["vector_dir", "VectorSet", "vector_sets"]


def vector_dir():
    """The vectors folder; raises FileNotFoundError (never skips) when it is missing."""
    folder = Path(os.environ.get("SPARQ_VECTORS",
                                 Path(__file__).resolve().parents[2] / "shared" / "vectors"))
    if not any(folder.glob("vectors_*.npz")):
        raise FileNotFoundError(f"no conformance vectors (vectors_*.npz) in {folder}; "
                                f"set SPARQ_VECTORS to the folder")
    return folder


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
