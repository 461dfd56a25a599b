"""docs/figures.py: documented figures tied to their reports (make figures, make check-figures).

The checker is tried on a small tree it is given (a doc, a report, a registry) and must fail when
a documented figure differs from its report; the repository's own registry must point at figures
that are in the docs, once each.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _figures():
    spec = importlib.util.spec_from_file_location("doc_figures", ROOT / "docs" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


figures = _figures()

REPORT_MD = """# Report

## Summary

| setting | accuracy |
|---|---:|
| int8 | 97.63 |

## Other
text
"""


def _tree(tmp_path, documented="97.63", block="| int8 | 97.63 |"):
    (tmp_path / "docs").mkdir()
    (tmp_path / "build" / "eval").mkdir(parents=True)
    (tmp_path / "build" / "eval" / "eval.md").write_text(REPORT_MD)
    (tmp_path / "build" / "eval" / "eval.json").write_text(json.dumps(
        {"summary": {"int8": {"mean": 0.976325}}, "runs": [{"cycles": 380232}]}))
    (tmp_path / "README.md").write_text(
        f"Accuracy: A8W8 {documented} % on digits; 380,232 cycles.\n")
    (tmp_path / "docs" / "results.md").write_text(
        "# Results\n\n<!-- generated from eval/eval.md#Summary -->\n"
        f"| setting | accuracy |\n|---|---:|\n{block}\n<!-- end generated -->\n")
    (tmp_path / "docs" / "figures.toml").write_text(
        '[[figure]]\ndoc = "README.md"\npattern = "A8W8 {} %"\nsource = "eval/eval.json"\n'
        'path = "summary.int8.mean"\nformat = "{:.2f}"\nscale = 100\n\n'
        '[[figure]]\ndoc = "README.md"\npattern = "; {} cycles"\nsource = "eval/eval.json"\n'
        'path = "runs.0.cycles"\nformat = "{:,}"\n')
    return tmp_path


def test_matching_figures_pass(tmp_path):
    root = _tree(tmp_path)
    assert figures.check(root) == ([], [])


def test_a_stale_single_figure_fails_naming_both_values(tmp_path):
    root = _tree(tmp_path, documented="97.81")
    diffs, missing = figures.check(root)
    assert diffs == ["README.md: 'A8W8 {} %' says 97.81, eval/eval.json gives 97.63"]
    assert missing == []


def test_a_stale_block_fails_and_update_rewrites_it(tmp_path):
    root = _tree(tmp_path, block="| int8 | 97.81 |")
    diffs, _ = figures.check(root)
    assert diffs == ["docs/results.md: block from eval/eval.md#Summary differs from the report "
                     "(make figures rewrites it)"]
    changed, missing = figures.update(root)
    assert changed == [Path("docs/results.md")] and missing == []
    assert "| int8 | 97.63 |" in (root / "docs" / "results.md").read_text()
    assert figures.check(root) == ([], [])


def test_a_report_without_the_section_is_a_difference(tmp_path):
    root = _tree(tmp_path)
    (root / "build" / "eval" / "eval.md").write_text("# Report\n\n## Other\ntext\n")
    assert figures.check(root)[0] == ["docs/results.md: eval/eval.md has no section 'Summary'"]
    assert figures.update(root) == ([], ["eval/eval.md#Summary"])


def test_missing_report_is_listed_not_passed(tmp_path):
    root = _tree(tmp_path)
    (root / "build" / "eval" / "eval.json").unlink()
    diffs, missing = figures.check(root)
    assert diffs == [] and missing == ["eval/eval.json"]


def test_cli_exit_codes(tmp_path, capsys):
    root = _tree(tmp_path, documented="97.81")
    assert figures.main(["check", "--root", str(root)]) == 1
    assert "differs: README.md: 'A8W8 {} %' says 97.81" in capsys.readouterr().out
    (root / "build" / "eval" / "eval.json").unlink()
    (root / "README.md").write_text("Accuracy: A8W8 97.63 % on digits; 380,232 cycles.\n")
    assert figures.main(["check", "--root", str(root)]) == 0
    assert figures.main(["check", "--root", str(root), "--require"]) == 1
    assert "1 report(s) missing" in capsys.readouterr().err
    (root / "docs" / "figures.toml").write_text('[[figure]]\ndoc = 1\n')
    assert figures.main(["check", "--root", str(root)]) == 2
    assert capsys.readouterr().err == "error: figures.toml: figure 1: 'doc' missing or not a string\n"


def test_a_ratio_of_two_reports(tmp_path):
    root = _tree(tmp_path)
    (root / "build" / "synth").mkdir()
    (root / "build" / "synth" / "a.json").write_text('{"metrics": {"luts": 319}}')
    (root / "build" / "synth" / "b.json").write_text('{"metrics": {"luts": 409}}')
    with open(root / "docs" / "figures.toml", "a") as f:
        f.write('\n[[figure]]\ndoc = "docs/results.md"\npattern = "LUT4 ratio {}."\n'
                'source = "synth/a.json"\npath = "metrics.luts"\nover_source = "synth/b.json"\n'
                'over_path = "metrics.luts"\nformat = "{:.3f}"\n')
    with open(root / "docs" / "results.md", "a") as f:
        f.write("LUT4 ratio 0.780.\n")
    assert figures.check(root) == ([], [])          # 319 / 409 = 0.77995
    (root / "build" / "synth" / "b.json").write_text('{"metrics": {"luts": 400}}')
    assert figures.check(root)[0] == ["docs/results.md: 'LUT4 ratio {}.' says 0.780, "
                                      "synth/a.json gives 0.797"]
    (root / "build" / "synth" / "b.json").unlink()
    assert figures.check(root) == ([], ["synth/b.json"])


def test_bad_registry_entries_are_named(tmp_path):
    root = _tree(tmp_path)
    (root / "docs" / "figures.toml").write_text(
        '[[figure]]\ndoc = "README.md"\npattern = "A8W8 %"\nsource = "eval/eval.json"\n'
        'path = "summary.int8.mean"\nformat = "{:.2f}"\n')
    with pytest.raises(figures.FigureError, match=r"figure 1: pattern 'A8W8 %' needs exactly one"):
        figures.check(root)
    (root / "docs" / "figures.toml").write_text(
        '[[figure]]\ndoc = "README.md"\npattern = "A8W8 {} %"\nsource = "eval/eval.json"\n'
        'path = "summary.fp32.mean"\nformat = "{:.2f}"\n')
    diffs, _ = figures.check(root)
    assert len(diffs) == 1 and "no 'fp32' on the path 'summary.fp32.mean'" in diffs[0]


def test_the_repository_registry_points_at_figures_in_the_docs():
    # Every registered figure is in its doc exactly once (the check would otherwise not know
    # which one to compare), and every generated block names a section of a report.
    for entry in figures.registry(ROOT):
        figures.documented(entry, ROOT)
    for doc in figures._docs(ROOT):
        for src, heading, _ in figures.blocks(doc.read_text()):
            assert src and heading, doc
