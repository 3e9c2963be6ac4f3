"""A third-party A2A agent with no sidecar joins through the orchestrator's HTTPEndpoint.

Real parts only: the orchestrator beside a real daprd (mTLS, Sentry, Redis),
and an a2a-sdk server (tests/integration/external_agent.py) started as a
plain process on a port chosen before the stack, so the allowlist
(ORCHESTRATOR_EXTERNAL_AGENTS) and the launcher's HTTPEndpoint can name it.
That agent demands a bearer token, which only the HTTPEndpoint adds (from
the sidecar's secret store).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from a2a.client import ClientConfig, ClientFactory
from a2a.client.card_resolver import parse_agent_card
from a2a.types import AgentInterface, Message, Part, Role, SendMessageRequest, TaskState

from launcher import LocalStack, StackOptions
from launcher.toolchain import REPO_ROOT, ToolMissingError
from tests.integration.conftest import FAST_REGISTRY, STACKS

NAME = "wordcount"
PREFIX = "/ext"
CARD = ".well-known/agent-card.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class External:
    port: int
    token: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def card_url(self) -> str:
        return f"{self.url}{PREFIX}/{CARD}"

    def start(self) -> None:
        env = {**os.environ, "EXTERNAL_AGENT_TOKEN": self.token}
        argv = [sys.executable, "-m", "tests.integration.external_agent", str(self.port), PREFIX]
        self.process = subprocess.Popen(argv, env=env, cwd=REPO_ROOT)
        deadline = time.monotonic() + 60  # imports take seconds on a busy machine
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(f"{self.url}/seen-headers", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.kill()
        raise AssertionError("the external agent did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def seen_headers(self) -> dict[str, str]:
        return dict(httpx.get(f"{self.url}/seen-headers", timeout=5).json())


def _orchestrator_only_runfile(folder: Path) -> Path:
    """dapr.yaml with just the orchestrator (absolute paths): no agent is needed here."""
    runfile = yaml.safe_load((REPO_ROOT / "dapr.yaml").read_text())
    runfile["common"]["resourcesPaths"] = [
        str(REPO_ROOT / p) for p in runfile["common"]["resourcesPaths"]
    ]
    hub = next(a for a in runfile["apps"] if a["appID"] == "orchestrator")
    hub["appDirPath"] = str(REPO_ROOT)
    hub["configFilePath"] = str(REPO_ROOT / hub["configFilePath"])
    runfile["apps"] = [hub]
    path = folder / "dapr.yaml"
    path.write_text(yaml.safe_dump(runfile))
    return path


@pytest.fixture(scope="module")
def external() -> Iterator[External]:
    agent = External(port=_free_port(), token=secrets.token_urlsafe(24))
    agent.start()
    yield agent
    agent.kill()


@pytest.fixture(scope="module")
def hub(external: External, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    run_dir = tmp_path_factory.mktemp("external")
    allowlist = [
        {
            "name": NAME,
            "base_url": f"{external.url}{PREFIX}",
            "headers": [{"name": "Authorization", "secret": "wordcount-token"}],
        }
    ]
    options = StackOptions(
        runfile=_orchestrator_only_runfile(run_dir),
        free_ports=True,
        echo=False,
        run_dir=run_dir / "run",
        env={
            **FAST_REGISTRY,
            # Kept while the agent is killed and started again (FAST_REGISTRY: 5 s).
            "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "60",
            "ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps(allowlist),
            "HUBSPOKE_EXTERNAL_SECRETS": json.dumps(
                {"wordcount-token": f"Bearer {external.token}"}
            ),
        },
    )
    try:
        stack = LocalStack(options)
    except ToolMissingError as exc:
        pytest.fail(str(exc), pytrace=False)
    STACKS.append(stack)
    stack.start()
    yield stack
    stack.stop()


def _sidecar(stack: LocalStack) -> httpx.Client:
    tokens = stack.tokens["orchestrator"]
    ports = stack.endpoints["orchestrator"]
    return httpx.Client(
        base_url=ports.dapr_url, headers={"dapr-api-token": tokens.dapr_api_token}, timeout=10
    )


def test_orchestrator_sidecar_invokes_the_http_endpoint_by_name_with_its_secret_header(
    hub: LocalStack, external: External
) -> None:
    with _sidecar(hub) as sidecar:
        started = time.perf_counter()
        response = sidecar.get(f"/v1.0/invoke/{NAME}/method/{CARD}")
        elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Word counter"
    seen = external.seen_headers()
    # The agent answers only with the bearer token the HTTPEndpoint adds from the secret store.
    assert seen["authorization"] == f"Bearer {external.token}"
    # Neither of the orchestrator's Dapr tokens leaves for the third party.
    tokens = hub.tokens["orchestrator"]
    assert tokens.dapr_api_token not in seen.values()
    assert tokens.app_api_token not in seen.values()
    assert "traceparent" in seen  # Dapr's tracing covers the external hop
    print(f"card through the HTTPEndpoint: {elapsed_ms:.1f} ms")


def test_dapr_itself_invokes_any_url_so_the_registry_is_the_gate(
    hub: LocalStack, external: External
) -> None:
    """daprd 1.18.3 has no setting that turns off invocation by URL: this documents
    that the orchestrator's code (the only holder of its sidecar's token) must refuse
    URLs off the allowlist. If Dapr ever refuses this, update docs/agent-contract.md."""
    with _sidecar(hub) as sidecar:
        response = sidecar.get(f"/v1.0/invoke/{external.url}/method{PREFIX}/{CARD}")
    # The agent itself answered (no bearer token: the URL path adds no HTTPEndpoint header).
    assert response.status_code == 401, response.text
    assert response.json() == {"detail": "bearer token required"}
    # And the URL path sends the orchestrator's APP token along: never let code invoke URLs.
    assert external.seen_headers().get("dapr-api-token") == hub.tokens["orchestrator"].app_api_token


def test_card_url_off_the_allowlist_is_refused_with_422(
    hub: LocalStack, external: External
) -> None:
    off = [
        f"http://127.0.0.1:{_free_port()}{PREFIX}/{CARD}",  # another port
        f"{external.url}/extra/{CARD}",  # a path that only starts like the base
        f"https://127.0.0.1:{external.port}{PREFIX}/{CARD}",  # another scheme
        f"{external.url}{PREFIX}/../{CARD}",  # out of the base by dot segments
    ]
    with hub.client("orchestrator") as client:
        for url in off:
            response = client.post("/v1/agents", json={"card_url": url})
            assert response.status_code == 422, (url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "not under an allowlisted external agent base URL" in response.json()["detail"]
        assert client.get("/v1/agents").json()["count"] == 0


def test_registers_by_card_url_and_lists_it_healthy_with_its_skills(
    hub: LocalStack, external: External
) -> None:
    with hub.client("orchestrator") as client:
        created = client.post("/v1/agents", json={"card_url": external.card_url})
        assert created.status_code == 201, created.text
        agent = created.json()
        assert (agent["app_id"], agent["registration"]) == (NAME, "external")
        assert agent["contract_version"] == "a2a/v1"
        assert agent["owner"] == "Example Org"
        assert [s["id"] for s in agent["skills"]] == ["count-words"]
        listed = client.get("/v1/agents", params={"health": "healthy"}).json()["agents"]
        assert [a["app_id"] for a in listed] == [NAME]
        best = client.get("/v1/agents/search", params={"q": "how many words"}).json()
        assert best[0]["agent"]["app_id"] == NAME
        assert client.get(f"/v1/agents/{NAME}/card").json()["name"] == "Word counter"


async def _send_through_sidecar(hub: LocalStack, text: str) -> tuple[TaskState, str]:
    """An A2A SendMessage with the official client, to the orchestrator's own daprd."""
    ports = hub.endpoints["orchestrator"]
    token = hub.tokens["orchestrator"].dapr_api_token
    base = f"{ports.dapr_url}/v1.0/invoke/{NAME}/method/rpc"
    async with httpx.AsyncClient(headers={"dapr-api-token": token}, timeout=15) as http:
        fetched = await http.get(f"{ports.dapr_url}/v1.0/invoke/{NAME}/method/{CARD}")
        card = parse_agent_card(fetched.json())
        del card.supported_interfaces[:]
        card.supported_interfaces.append(
            AgentInterface(url=base, protocol_binding="JSONRPC", protocol_version="1.0")
        )
        client = ClientFactory(ClientConfig(httpx_client=http, streaming=False)).create(card)
        message = Message(
            message_id=secrets.token_hex(16),
            context_id=secrets.token_hex(16),
            role=Role.ROLE_USER,
            parts=[Part(text=text)],
        )
        async for event in client.send_message(SendMessageRequest(message=message)):
            task = event.task
            answer = " ".join(p.text for a in task.artifacts for p in a.parts)
            return task.status.state, answer
    raise AssertionError("no answer")


def test_a2a_message_through_the_orchestrator_sidecar_gets_the_agent_answer(
    hub: LocalStack,
) -> None:
    started = time.perf_counter()
    state, answer = asyncio.run(_send_through_sidecar(hub, "the quick brown fox jumps"))
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert state == TaskState.TASK_STATE_COMPLETED
    assert answer == "5 words"
    print(f"A2A SendMessage through the orchestrator's daprd: {elapsed_ms:.1f} ms")


def _health(hub: LocalStack) -> str:
    with hub.client("orchestrator") as client:
        return str(client.get(f"/v1/agents/{NAME}").json()["health"])


def _wait_health(hub: LocalStack, wanted: str, timeout_s: float = 15) -> float:
    started = time.monotonic()
    while _health(hub) != wanted:
        assert time.monotonic() - started < timeout_s, f"still not {wanted}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_turns_unhealthy_when_killed_healthy_again_when_back_and_is_removable(
    hub: LocalStack, external: External
) -> None:
    assert _health(hub) == "healthy"
    external.kill()
    down_s = _wait_health(hub, "unhealthy")
    external.start()
    up_s = _wait_health(hub, "healthy")
    print(f"unhealthy {down_s:.1f} s after the kill, healthy {up_s:.1f} s after the restart")
    with hub.client("orchestrator") as client:
        assert client.delete(f"/v1/agents/{NAME}").status_code == 204
        assert client.get(f"/v1/agents/{NAME}").status_code == 404
        assert client.get("/v1/agents").json()["count"] == 0
