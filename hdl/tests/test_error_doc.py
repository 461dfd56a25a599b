"""The error table of docs/integration.md is what `sparq-rtl verilog` prints now (hdl.error_doc)."""

from pathlib import Path

import pytest

from hdl import error_doc

PAGE = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def test_committed_table_is_what_the_command_prints():
    text = PAGE.read_text(encoding="utf-8")
    assert error_doc.BEGIN in text and error_doc.END in text
    committed = text[text.index(error_doc.BEGIN):text.index(error_doc.END) + len(error_doc.END)]
    rendered = error_doc.render()
    if committed != rendered:
        old, new = committed.splitlines(), rendered.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b),
                     min(len(old), len(new)))
        pytest.fail(f"the error table of docs/integration.md differs from what sparq-rtl prints "
                    f"(first at table line {first + 1}: committed "
                    f"{old[first] if first < len(old) else '<end>'!r}, printed "
                    f"{new[first] if first < len(new) else '<end>'!r}): run `make docs`")


def test_update_replaces_only_the_table(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(f"before\n{error_doc.BEGIN}\nold table\n{error_doc.END}\nafter\n")
    assert error_doc.update(page) is True
    text = page.read_text()
    assert text.startswith(f"before\n{error_doc.BEGIN}\n") and text.endswith(f"{error_doc.END}\nafter\n")
    assert "| block | `block must be one of window, pair, pe, array, dotprod, not 'widget'`" in text
    assert error_doc.update(page) is False
    page.write_text("no table\n")
    with pytest.raises(ValueError, match=r"p.md has no generated error table"):
        error_doc.update(page)


def test_a_case_that_is_not_an_error_is_refused(monkeypatch):
    monkeypatch.setattr(error_doc, "CASES", (("ok", [["window", "-d", "out"]]),))
    with pytest.raises(RuntimeError, match=r"^sparq-rtl verilog window -d out: expected one "
                                           r"error line, got status 0"):
        error_doc.render()
