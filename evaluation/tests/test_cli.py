"""``sparq-rtl eval``: the evaluation's options under the sparq-rtl conventions (one-line errors,
the shared spellings -d and --eval-seeds, the install tier named), forwarded to
``python -m evaluation``."""

import pytest

from hdl import cli
from evaluation import __main__ as evaluation_main


def _run(argv, capsys):
    status = cli.main(["eval", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def forwarded(monkeypatch):
    """The argv ``python -m evaluation`` would get (its main replaced), and its status."""
    calls = []

    def main(argv=None):
        calls.append(list(argv))
        return 0
    monkeypatch.setattr(evaluation_main, "main", main)
    return calls


def test_options_are_forwarded(forwarded, capsys):
    status, out, err = _run(["-d", "build/e", "--eval-seeds", "3", "1", "--hw-images", "8",
                             "--retrain"], capsys)
    assert (status, out) == (0, "")
    assert forwarded == [["--seeds", "3", "1", "--out", "build/e", "--retrain",
                          "--hw-images", "8"]]
    # What it starts, and how to stop it.
    assert err == ("sparq-rtl eval: runs python -m evaluation --seeds 3 1 --out build/e "
                   "--retrain --hw-images 8 (trains and evaluates seeds 3 1 into build/e; "
                   "minutes); Ctrl-C stops it\n")
    # The evaluation's own spellings work too; nothing given, nothing forwarded but the defaults.
    assert _run(["--seeds", "2", "--out", "o"], capsys)[0] == 0
    assert _run([], capsys)[0] == 0
    assert forwarded[1:] == [["--seeds", "2", "--out", "o"], []]


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "x"], "argument --seeds: invalid int value: 'x'"),
    (["--eval-seeds", "x"], "argument --eval-seeds: invalid int value: 'x'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--outt", "x"], "unrecognized arguments: --outt x"),
    (["--see", "1"], "unrecognized arguments: --see 1"),     # no abbreviations
])
def test_bad_option_is_one_line(argv, message, forwarded, capsys):
    assert _run(argv, capsys) == (2, "", f"sparq-rtl: error: {message}\n")
    assert forwarded == []


def test_the_evaluations_own_errors_get_the_prefix(capsys):
    # evaluation.__main__ checks the settings itself and prints "error: ..."; sparq-rtl prefixes it.
    status, out, err = _run(["--settings", "nope", "--hw-images", "0"], capsys)
    assert (status, out) == (2, "")
    assert err.splitlines()[-1].startswith("sparq-rtl: error: unknown setting 'nope'; known "
                                           "settings: fp32, ")
    assert len(err.splitlines()) == 2          # what it starts, then the error


def test_missing_eval_tier_names_its_install_command(forwarded, capsys, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    assert _run(["--hw-images", "0"], capsys) == (
        1, "", "sparq-rtl: error: sparq-rtl eval needs the eval install tier (Python package "
               "'torch' is missing): pip install 'sparq-hw[eval]', from a clone pip install -e "
               "'.[eval]' or make eval\n")
    assert forwarded == []


def test_help_lists_the_evaluations_options(capsys):
    status, out, err = _run(["--help"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("usage: sparq-rtl eval [-h] [--workloads NAME [NAME ...]]")
    for option in ("--hw-images", "--settings", "-d DIR, --output-dir DIR", "--eval-seeds"):
        assert option in out
