from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from agents.knowledge.documents import Chunk, chunk_markdown, load_chunks
from agents.knowledge.embeddings import HashingEmbeddingGenerator, embed
from agents.knowledge.index import ChunkIndex
from agents.knowledge.main import build_app
from agents.knowledge.settings import KnowledgeSettings
from chassis.testing import InMemoryDapr
from tests.unit.a2a_messages import answer, reason, send

DOC = """# Guide

Intro line that says hello to everyone reading.

## Access control

Agents deny every caller by default; only the orchestrator may invoke them.
Identities come from mTLS certificates issued by Sentry.

## Deployment

Use kustomize to deploy the manifests to AKS clusters.
```
# not a heading inside code
```
"""


def test_chunks_follow_headings_and_keep_line_numbers() -> None:
    chunks = chunk_markdown("guide.md", DOC, max_chars=500)
    assert [(c.heading, c.first_line, c.last_line) for c in chunks] == [
        ("Guide", 3, 3),
        ("Access control", 7, 8),
        ("Deployment", 12, 12),
    ]
    assert chunks[1].citation == "guide.md § Access control, lines 7-8"


def test_long_sections_are_split_under_the_size_limit() -> None:
    text = "# T\n" + "\n".join(f"line number {i} with some words" for i in range(50))
    chunks = chunk_markdown("t.md", text, max_chars=200)
    assert len(chunks) > 5
    assert all(len(c.text) <= 200 for c in chunks)


def test_embeddings_are_unit_vectors_closer_for_related_text() -> None:
    a, b, c = embed("access control policy"), embed("the access control"), embed("kustomize aks")
    assert abs(float(a @ a) - 1) < 1e-9
    assert float(a @ b) > float(a @ c)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    (tmp_path / "guide.md").write_text(DOC)
    monkeypatch.chdir(tmp_path)
    settings = KnowledgeSettings(app_id="knowledge", documents=["guide.md", "missing.md"])
    with TestClient(build_app(settings, dapr=InMemoryDapr())) as test_client:
        yield test_client


def test_answers_with_the_relevant_lines_and_citations(client: TestClient) -> None:
    task = send(client, "what does the guide say about access control?")
    output, data = answer(task)
    assert output.startswith("Agents deny every caller by default")
    assert "Sources: [1] guide.md § Access control, lines 7-8" in output
    assert data["citations"][0]["section"] == "Access control"


def test_question_the_documents_do_not_cover_is_refused(client: TestClient) -> None:
    task = send(client, "zebra migration")
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert reason(task) == "the documents say nothing about that"


def test_a_document_named_in_the_question_is_cited_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "guide.md").write_text(DOC)
    (tmp_path / "notes.md").write_text("# Access control\n\nAccess control access control notes.\n")
    monkeypatch.chdir(tmp_path)
    settings = KnowledgeSettings(app_id="knowledge", documents=["notes.md", "guide.md"])
    with TestClient(build_app(settings, dapr=InMemoryDapr())) as client:
        _, data = answer(send(client, "what does the guide say on access control"))
    assert data["citations"][0]["source"] == "guide.md"


async def test_the_index_ranks_chunks_by_cosine_distance_closest_first() -> None:
    chunks = [
        Chunk("a.md", "Tracing", 1, 3, "spans and traces join across every hop"),
        Chunk("a.md", "Kubernetes", 4, 6, "deploy to AKS with the overlays"),
        Chunk("b.md", "Access control", 1, 2, "the sidecar checks access control policies"),
    ]
    generator = HashingEmbeddingGenerator(ai_model_id="test")
    index = ChunkIndex(generator)
    await index.build(chunks)
    question = "which access control policies does the sidecar check?"
    hits = await index.search(question, 2)
    vectors = [embed(f"{c.heading}\n{c.heading}\n{c.text}") for c in chunks]
    distances = [1 - float(np.dot(v, embed(question))) / float(np.linalg.norm(v)) for v in vectors]
    # Closest first; equal distances in document order.
    order = sorted(range(len(chunks)), key=lambda i: (distances[i], i))[:2]
    assert [(round(h.distance, 9), h.chunk.heading) for h in hits] == [
        (round(distances[i], 9), chunks[i].heading) for i in order
    ]
    assert hits[0].chunk.heading == "Access control"
    # A question with no content words is close to nothing, and still answers a list.
    assert [h.distance for h in await index.search("the the", 3)] == [1.0, 1.0, 1.0]


def test_a_documents_glob_loads_every_matching_page_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# B\n\nsecond page\n")
    (tmp_path / "docs" / "a.md").write_text("# A\n\nfirst page\n")
    (tmp_path / "README.md").write_text("# Readme\n\nfront door\n")
    chunks = load_chunks(["README.md", "docs/*.md", "missing/*.md"], tmp_path, 700)
    assert [(c.source, c.heading) for c in chunks] == [
        ("README.md", "Readme"),
        ("docs/a.md", "A"),
        ("docs/b.md", "B"),
    ]


def test_the_default_documents_are_the_readme_and_the_docs_pages() -> None:
    root = Path(__file__).resolve().parents[3]
    sources = {c.source for c in load_chunks(KnowledgeSettings(app_id="k").documents, root, 700)}
    assert {"README.md", "docs/security.md", "docs/deployment.md"} <= sources


def test_a_question_naming_a_document_is_answered_from_it_even_when_others_rank_higher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(8):
        (tmp_path / f"other{n}.md").write_text(f"# Access {n}\n\nAccess control rules access.\n")
    (tmp_path / "README.md").write_text(
        "# Boundaries\n\nSidecars, tokens, scopes and keys; access control policies too.\n"
    )
    monkeypatch.chdir(tmp_path)
    names = ["README.md", *(f"other{n}.md" for n in range(8))]
    settings = KnowledgeSettings(app_id="knowledge", documents=names, top_k=1)
    with TestClient(build_app(settings, dapr=InMemoryDapr())) as client:
        _, data = answer(send(client, "what does the README say about access control?"))
    assert [(c["source"], c["section"]) for c in data["citations"]] == [("README.md", "Boundaries")]
