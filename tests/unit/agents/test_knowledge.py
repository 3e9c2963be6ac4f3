from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient

from agents.knowledge.documents import load_passages, parse_markdown
from agents.knowledge.embeddings import HashingEmbeddingGenerator, embed
from agents.knowledge.main import build_app
from agents.knowledge.service import NOT_SAID, KnowledgeService
from agents.knowledge.settings import KnowledgeSettings
from chassis.skills import SkillRequest
from chassis.testing import InMemoryDapr
from tests.unit.a2a_messages import answer, send

ROOT = Path(__file__).resolve().parents[3]

DOC = """# Guide

Intro line that says hello to everyone reading.

## Access control

Agents deny every caller by default; only the **orchestrator** may invoke them.
Identities come from [mTLS](https://example.org/mtls) certificates issued by `Sentry`.

| app | app port | daprd HTTP |
|---|---|---|
| orchestrator | 8000 | 3500 |

## Deployment

Use kustomize to deploy the manifests to AKS clusters.
```
# not a heading inside code
```
"""


def test_markdown_becomes_plain_passages_cited_by_section_and_lines() -> None:
    passages = parse_markdown("guide.md", DOC)
    assert [(p.heading, p.first_line, p.last_line) for p in passages] == [
        ("Guide", 3, 3),
        ("Access control", 7, 8),
        ("Access control", 12, 12),
        ("Deployment", 16, 16),
    ]
    # Marks and link targets go, their words stay.
    assert passages[1].text == (
        "Agents deny every caller by default; only the orchestrator may invoke them. "
        "Identities come from mTLS certificates issued by Sentry."
    )
    # A table row reads as a sentence, with its column names.
    assert passages[2].text == "orchestrator: app port 8000; daprd HTTP 3500."
    assert passages[1].citation == "guide.md § Access control, lines 7-8"
    assert passages[3].headings == ("Guide", "Deployment")


def test_embeddings_are_unit_vectors_closer_for_related_text() -> None:
    a, b, c = embed("access control policy"), embed("the access control"), embed("kustomize aks")
    assert abs(float(a @ a) - 1) < 1e-9
    assert float(a @ b) > float(a @ c)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(DOC)
    monkeypatch.chdir(tmp_path)
    settings = KnowledgeSettings(app_id="knowledge", documents=["docs/**/*.md", "missing.md"])
    with TestClient(build_app(settings, dapr=InMemoryDapr())) as test_client:
        yield test_client


def test_answers_with_the_sentence_and_cites_file_and_section(client: TestClient) -> None:
    output, data = answer(send(client, "what does the guide say about access control?"))
    assert output.startswith("Agents deny every caller by default")
    assert "Sources: [1] docs/guide.md § Access control, lines 7-8" in output
    assert data["citations"][0]["section"] == "Access control"


def test_a_question_the_documents_do_not_cover_is_answered_plainly(client: TestClient) -> None:
    output, data = answer(send(client, "zebra migration"))
    assert output.startswith(NOT_SAID)
    assert data["citations"] == []


# --- the project's own documents: the questions of issue 23 -------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def project() -> AsyncIterator[KnowledgeService]:
    from agents.knowledge.documents import load_passages
    from agents.knowledge.index import PassageIndex

    settings = KnowledgeSettings(app_id="knowledge")
    index = PassageIndex(HashingEmbeddingGenerator(ai_model_id="test"))
    await index.build(load_passages(settings.documents, ROOT))
    yield KnowledgeService(
        agent_id="knowledge", index=index, top_k=settings.top_k, min_coverage=settings.min_coverage
    )


async def ask(service: KnowledgeService, question: str) -> str:
    return (await service.answer(SkillRequest(task_id="t", input=question))).output


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("which Dapr version is pinned?", "1.18.3"),
        ("what does the orchestrator do when an agent is paused?", "paused agent gets no work"),
        ("where are the Kubernetes manifests kept?", "k8s/"),
        ("what port does the orchestrator listen on?", "8000"),
        ("what happens when Redis restarts?", "messages are kept"),
    ],
)
async def test_the_passage_that_answers_the_question_is_quoted(
    project: KnowledgeService, question: str, expected: str
) -> None:
    output = await ask(project, question)
    first_sentence = output.split(" [1]")[0]
    assert expected in first_sentence
    assert "\nSources: [1] " in output


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "question",
    [
        "which Dapr version is pinned?",
        "what happens when Redis restarts?",
        "how do I add an agent?",
        "what does the README say about access control?",
    ],
)
async def test_answers_are_whole_sentences_without_markdown(
    project: KnowledgeService, question: str
) -> None:
    quoted, _, _ = (await ask(project, question)).partition("\nSources:")
    for sentence in quoted.split(" [")[:-1]:
        sentence = sentence.split("] ", 1)[-1]
        assert sentence[0].isalnum() or sentence[0] in "\"'(~.", sentence
        assert sentence.endswith((".", "!", "?", ")", ":")), sentence
    for debris in ("`", "**", "](", "|", "](#", "```"):
        assert debris not in quoted, (debris, quoted)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "question", ["how do I bake bread?", "zebra migration", "who won the world cup in 2018?"]
)
async def test_what_the_documents_do_not_cover_is_said_plainly(
    project: KnowledgeService, question: str
) -> None:
    assert (await ask(project, question)).startswith(NOT_SAID)


def test_a_documents_glob_loads_every_matching_page_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# B\n\nsecond page\n")
    (tmp_path / "docs" / "a.md").write_text("# A\n\nfirst page\n")
    (tmp_path / "README.md").write_text("# Readme\n\nfront door\n")
    passages = load_passages(["README.md", "docs/*.md", "missing/*.md"], tmp_path)
    assert [p.source for p in passages] == ["README.md", "docs/a.md", "docs/b.md"]


def test_the_default_documents_are_the_readme_and_the_docs_pages() -> None:
    root = Path(__file__).resolve().parents[3]
    sources = {p.source for p in load_passages(KnowledgeSettings(app_id="k").documents, root)}
    assert {"README.md", "docs/security.md", "docs/deployment.md"} <= sources
