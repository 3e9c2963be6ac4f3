"""The document collection: Markdown read into citable passages of plain text (knowledge layer).

A passage is one block of a section: a paragraph, a list item's paragraph or
a table row. It never crosses a heading, so it can be cited as "file,
section, lines". Markdown is parsed by markdown-it-py (CommonMark, plus
GitHub tables) and rendered to plain text from its tokens: emphasis, code
marks and link targets go, their words stay; fenced code, HTML and images go
(examples and listings, quoted back, answer nothing). A table row reads as
"<first cell>: <other cells>", with the column names when there are more
than two columns, so a row is a sentence.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["Passage", "load_passages", "parse_markdown"]


@dataclass(frozen=True)
class Passage:
    """One block of prose under a heading; lines are 1-based and inclusive."""

    source: str  # the file, relative to the root it was read from
    headings: tuple[str, ...]  # the section's heading and the headings above it
    first_line: int
    last_line: int
    text: str

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else self.source

    @property
    def citation(self) -> str:
        return f"{self.source} § {self.heading}, lines {self.first_line}-{self.last_line}"


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _inline_text(token: Token) -> str:
    """The words of an inline token: text and code spans, without marks, links or images."""
    words: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return " ".join("".join(words).split())


def _table_row(cells: list[str], columns: list[str]) -> str:
    named, *values = cells
    if len(columns) > 2:
        values = [f"{column} {value}" for column, value in zip(columns[1:], values, strict=False)]
    rest = "; ".join(v for v in values if v)
    row = f"{named}: {rest}" if rest else named
    return row if row.endswith((".", "!", "?")) else f"{row}."


def _blocks(tokens: list[Token]) -> Iterator[tuple[str, int, int, str]]:
    """(kind, first line, last line, text) of each heading, paragraph and table row."""
    columns: list[str] = []
    cells: list[str] = []
    row_lines = (0, 0)
    in_head = False
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "paragraph_open") and token.map:
            kind = "heading" if token.type == "heading_open" else "paragraph"
            text = _inline_text(tokens[i + 1])
            if text:
                yield kind, token.map[0] + 1, token.map[1], text
        elif token.type == "thead_open":
            in_head, columns = True, []
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            cells, row_lines = [], ((token.map or (0, 0))[0] + 1, (token.map or (0, 0))[1])
        elif token.type == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            cells.append(_inline_text(token))
        elif token.type == "tr_close":
            if in_head:
                columns = cells
            elif any(cells):
                yield "row", row_lines[0], row_lines[1], _table_row(cells, columns)


def parse_markdown(source: str, text: str) -> list[Passage]:
    """The passages of one Markdown document, in document order."""
    passages: list[Passage] = []
    headings: list[tuple[int, str]] = []  # (level, text) of the sections we are in
    tokens = _parser().parse(text)
    levels = {t.map[0] + 1: int(t.tag[1]) for t in tokens if t.type == "heading_open" and t.map}
    for kind, first, last, body in _blocks(tokens):
        if kind == "heading":
            level = levels[first]
            headings = [h for h in headings if h[0] < level] + [(level, body)]
        else:
            passages.append(Passage(source, tuple(h for _, h in headings), first, last, body))
    return passages


def _matching(globs: Iterable[str], root: Path) -> list[Path]:
    found: dict[Path, None] = {}  # ordered, without repeats
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                found[path] = None
    return list(found)


def load_passages(globs: Iterable[str], root: Path) -> list[Passage]:
    """The passages of every Markdown file under `root` matching one of `globs`
    ("docs/**/*.md"); a pattern that matches nothing is skipped, not fatal."""
    passages: list[Passage] = []
    for path in _matching(globs, root):
        name = path.relative_to(root).as_posix()
        passages += parse_markdown(name, path.read_text(encoding="utf-8"))
    return passages
