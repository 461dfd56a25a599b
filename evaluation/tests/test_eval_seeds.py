"""The multi-seed summary: one seed is one sample, said so, never "+- 0.00"."""

from types import SimpleNamespace

from evaluation.seeds import mean_spread, summary_table
from evaluation.settings import REFERENCE


def _report(acc_ref, acc_sparq):
    settings = [SimpleNamespace(name=REFERENCE, label="A8W8", kind="exact"),
                SimpleNamespace(name="sparq-b4-o5-ne", label="SPARQ 5opt", kind="sparq")]
    results = {REFERENCE: SimpleNamespace(accuracy=acc_ref, total=100, agree=100, loss=0.1),
               "sparq-b4-o5-ne": SimpleNamespace(accuracy=acc_sparq, total=100, agree=98,
                                                 loss=0.2)}
    return SimpleNamespace(settings=settings, results=results, n_test=100,
                           layers=[SimpleNamespace(name="conv2")],
                           sqnr=lambda setting, layer: 30.0)


def test_mean_spread():
    assert mean_spread(97.5, 0.0, 1) == "97.50 (one seed)"
    assert mean_spread(-0.25, 0.0, 1, signed=True) == "-0.25 (one seed)"
    assert mean_spread(97.5, 0.31, 3) == "97.50 +- 0.31"
    assert mean_spread(0.5, 0.1, 2, signed=True) == "+0.50 +- 0.10"


def test_one_seed_table_says_one_seed():
    table = summary_table([_report(0.98, 0.97)], [0])
    assert "+- 0.00" not in table and "+-" not in table
    assert "| SPARQ 5opt | 97.00 (one seed) | -1.00 (one seed) |" in table
    assert "test accuracy (%), one seed, no spread" in table


def test_several_seeds_give_mean_and_std():
    table = summary_table([_report(0.98, 0.97), _report(0.98, 0.99)], [0, 1])
    assert "| SPARQ 5opt | 98.00 +- 1.41 | +0.00 +- 1.41 |" in table
