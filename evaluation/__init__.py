"""Model-level evaluation: what SPARQ does to a trained network's accuracy.

- :func:`evaluate_model` quantizes a user's PyTorch model (ReLU convs) the way the SPARQ authors
  do and returns an :class:`EvalReport` (accuracy, per-layer SQNR against A8W8, zero statistics)
  for every setting in :data:`SETTINGS`.
- :mod:`evaluation.digits` trains the reference network on scikit-learn's bundled digits.
- ``python -m evaluation`` (``make eval``) runs the whole evaluation and writes ``build/eval/``.

PyTorch and scikit-learn come with the ``eval`` extra (``pip install -e '.[eval]'``); the rest of
:mod:`golden` does not need them.
"""

from .settings import Setting, SETTINGS, DEFAULT_SETTINGS, REFERENCE, resolve_settings
from .qconv import ConvLayer, LayerRun, PairCounts, run_layer, pair_counts
from .report import EvalReport, LayerInfo, SettingResult, sqnr_db
from .evaluate import evaluate_model, calibrate, quantized_layers

__all__ = [
    "Setting", "SETTINGS", "DEFAULT_SETTINGS", "REFERENCE", "resolve_settings",
    "ConvLayer", "LayerRun", "PairCounts", "run_layer", "pair_counts",
    "EvalReport", "LayerInfo", "SettingResult", "sqnr_db",
    "evaluate_model", "calibrate", "quantized_layers",
]
