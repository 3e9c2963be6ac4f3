"""What README.md and docs/*.md name exists: paths, links, make targets, modules, ports.

A document that names a file, an anchor, a `make` target or a `python -m`
module that no longer exists sends a newcomer nowhere; these tests fail first.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_MAKE = re.compile(r"\bmake ([a-z][a-z0-9-]*)")
_PYTHON_M = re.compile(r"\bpython3? -m ([A-Za-z_][\w.]*)")
_HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.M)
# Ignored folders that `make bench`, `make eval` and the console test write.
_WRITTEN_BY_COMMANDS = ("bench/results/", "eval/results/", "tests/artifacts/")
# A code span names a repository path when it starts with one of these.
_TOP = sorted(
    p.name
    for p in ROOT.iterdir()
    if not p.name.startswith(".") and p.name not in {"node_modules", "__pycache__"}
)


def _code(text: str) -> Iterator[str]:
    """The fenced blocks and the inline code spans of a Markdown text."""
    for block in _FENCE.finditer(text):
        yield block.group(0)
    yield from _SPAN.findall(_FENCE.sub("", text))


def _paths(span: str) -> Iterator[str]:
    for token in span.split():
        token = token.strip("`'\",;:()[]")
        token = token.removesuffix(".")
        head = token.split("/", 1)[0]
        if head not in _TOP or any(c in token for c in "<>{}$…") or "..." in token:
            continue
        if token.startswith(_WRITTEN_BY_COMMANDS):
            continue
        yield token


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {slug(h) for h in _HEADING.findall(_FENCE.sub("", page.read_text()))}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_repository_path_in_code_exists(doc: Path) -> None:
    missing = sorted(
        {
            path
            for span in _SPAN.findall(_FENCE.sub("", doc.read_text()))
            for path in _paths(span)
            if not (any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists())
        }
    )
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_reaches_a_file_and_its_heading(doc: Path) -> None:
    broken = []
    for target in _LINK.findall(_FENCE.sub("", doc.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        page = (doc.parent / file).resolve() if file else doc
        if not page.exists() or (anchor and page.suffix == ".md" and anchor not in _anchors(page)):
            broken.append(target)
    assert not broken, f"{doc.name} links to what does not exist: {broken}"


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, re.M))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_make_target_named_exists(doc: Path) -> None:
    named = {target for code in _code(doc.read_text()) for target in _MAKE.findall(code)}
    assert named <= _make_targets(), f"{doc.name}: no such make target: {named - _make_targets()}"


def _module_exists(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    local = [path.with_suffix(".py"), path / "__main__.py", path / "__init__.py"]
    return any(p.exists() for p in local) or importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_module_run_exists(doc: Path) -> None:
    named = {module for code in _code(doc.read_text()) for module in _PYTHON_M.findall(code)}
    missing = sorted(module for module in named if not _module_exists(module))
    assert not missing, f"{doc.name}: no such module for python -m: {missing}"


def _port_rows(doc: Path) -> dict[str, tuple[int, ...]]:
    """app-id -> ports, from a `| app | app port | daprd HTTP | daprd gRPC |` table."""
    rows: dict[str, tuple[int, ...]] = {}
    text = doc.read_text()
    if "| app | app port | daprd HTTP | daprd gRPC |" not in text:
        return rows
    table = text.split("| app | app port | daprd HTTP | daprd gRPC |", 1)[1]
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].split()[0]] = tuple(int(c) for c in cells[1:] if c)
    return rows


def test_the_port_tables_are_the_run_file_s_ports() -> None:
    run = yaml.safe_load((ROOT / "dapr.yaml").read_text())
    expected = {
        app["appID"]: (app["appPort"], app["daprHTTPPort"], app["daprGRPCPort"])
        for app in run["apps"]
    }
    tables = {doc.name: _port_rows(doc) for doc in DOCS if _port_rows(doc)}
    assert tables, "README.md has the port table"
    for name, rows in tables.items():
        apps = {app: ports for app, ports in rows.items() if app != "Redis"}
        assert apps == expected, f"{name}'s port table differs from dapr.yaml"
        assert rows.get("Redis") == (6390,), name


def test_the_readme_links_every_docs_page_and_stays_short() -> None:
    readme = (ROOT / "README.md").read_text()
    linked = {target.partition("#")[0] for target in _LINK.findall(readme)}
    pages = {p.relative_to(ROOT).as_posix() for p in DOCS[1:]}
    assert pages <= linked, f"docs pages the README does not link: {sorted(pages - linked)}"
    assert len(readme.splitlines()) <= 250


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("API (v1)", "api-v1"),
        ("Why not `dapr run -f .`", "why-not-dapr-run--f-"),
        ("6. Put it in the mesh", "6-put-it-in-the-mesh"),
    ],
)
def test_anchors_follow_github_s_rule(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor
