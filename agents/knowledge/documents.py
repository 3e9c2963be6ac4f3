"""The document collection: Markdown split into citable chunks (knowledge layer).

A chunk never crosses a heading, so every chunk can be cited as
"file, section, lines". Fenced code blocks are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Chunk", "chunk_markdown", "load_chunks"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    source: str
    heading: str
    first_line: int
    last_line: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.source}:{self.first_line}-{self.last_line}"

    @property
    def citation(self) -> str:
        return f"{self.source} § {self.heading}, lines {self.first_line}-{self.last_line}"


def chunk_markdown(source: str, text: str, max_chars: int) -> list[Chunk]:
    """Split a Markdown document into chunks of at most about `max_chars` per section."""
    chunks: list[Chunk] = []
    heading = source
    block: list[tuple[int, str]] = []

    def flush() -> None:
        lines = [(n, line) for n, line in block if line.strip()]
        block.clear()
        while lines:
            taken: list[tuple[int, str]] = []
            size = 0
            while lines and (not taken or size + len(lines[0][1]) <= max_chars):
                taken.append(lines.pop(0))
                size += len(taken[-1][1]) + 1
            body = "\n".join(line for _, line in taken)
            chunks.append(Chunk(source, heading, taken[0][0], taken[-1][0], body))

    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:  # examples and listings: quoted back, they answer nothing
            continue
        match = _HEADING.match(line)
        if match:
            flush()
            heading = match.group(2)
            continue
        block.append((number, line))
    flush()
    return chunks


def load_chunks(paths: list[str], root: Path, max_chars: int) -> list[Chunk]:
    """Chunk every document that exists; a name may be a glob (`docs/*.md`, matches in
    name order); a missing one is skipped, not fatal."""
    chunks: list[Chunk] = []
    for name in paths:
        found = sorted(root.glob(name)) if any(c in name for c in "*?[") else [root / name]
        for path in found:
            if path.is_file():
                source = path.relative_to(root).as_posix()
                chunks += chunk_markdown(source, path.read_text(encoding="utf-8"), max_chars)
    return chunks
