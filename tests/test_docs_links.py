"""Every relative link in README.md and docs/*.md points to an existing file, and every #anchor to
a heading of the page it names (GitHub's anchor rules)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target), with an optional "title"; text may hold `code` but no ]
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def pages():
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def _prose_lines(path):
    """(line number, text) of the lines outside fenced code blocks, inline code removed."""
    inside = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield number, line


def slug(heading):
    """GitHub's anchor for a heading's text: Markdown emphasis and code marks and link targets
    dropped, lower case, punctuation other than - and _ removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("`", "").replace("*", "")
    text = text.lower()
    text = "".join(c for c in text if c.isalnum() or c in "-_ ")
    return text.replace(" ", "-")


def anchors(path):
    """Every anchor a Markdown page defines: one per heading (duplicates numbered -1, -2, ...)
    and explicit <a name=...> anchors."""
    seen = {}
    found = set()
    for _, line in _prose_lines(path):
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        found.update(_HTML_ANCHOR.findall(line))
    return found


def links(path):
    """(line number, target) of every link in the page's prose."""
    for number, line in _prose_lines(path):
        for target in _LINK.findall(_INLINE_CODE.sub("", line)):
            yield number, target


def broken_links(path, root=ROOT):
    problems = []
    for number, target in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):     # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(root)}:{number}: {target}"
        if not dest.exists():
            problems.append(f"{where}: no such file or folder")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{where}: {dest.relative_to(root)} has no heading with anchor "
                            f"#{anchor}")
        elif anchor and dest.suffix != ".md":
            problems.append(f"{where}: anchors are only checked in Markdown pages")
    return problems


def test_pages_exist():
    assert (ROOT / "README.md").exists()
    assert len(pages()) > 1, "docs/ holds no Markdown pages"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    problems = broken_links(page)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_check_finds_broken_links(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# Title here\n\n## The `x` block: ports\n",
                                            encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text("[ok](docs/b.md) [ok](docs/b.md#the-x-block-ports) [ok](#top)\n"
                    "# Top\n"
                    "[bad](docs/c.md) [bad](docs/b.md#nowhere) [bad](#missing)\n"
                    "`[not a link](nowhere.md)`\n"
                    "```\n[not a link](nowhere.md)\n```\n"
                    "[web](https://example.org/x#y)\n", encoding="utf-8")
    problems = broken_links(page, root=tmp_path)
    assert [p.split(": ")[1] for p in problems] == ["docs/c.md", "docs/b.md#nowhere", "#missing"]
