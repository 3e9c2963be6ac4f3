"""Serve a Hubspoke service without its sidecar, for the benchmark's plain-HTTP floor.

The same `build_app` wiring and uvicorn settings as `python -m <service>`
(`chassis.serve`), but with a `DaprPort` that needs no daprd: the
orchestrator gets `DirectHttpPort` and `DirectA2ATransport` (agents called
straight on their ports, A2A included; state in memory) and an agent gets
`InMemoryDapr` (its state in memory; it does not self-register, the
benchmark registers it by pull). So a task runs exactly the orchestrator's
and the agent's code, minus Dapr.

    BENCH_APPS='{"calculator": "http://127.0.0.1:8001"}' BENCH_APP_TOKEN=... \\
    APP_PORT=8000 ORCHESTRATOR_API_KEYS=... python -m bench.direct_serve orchestrator
"""

from __future__ import annotations

import sys

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bench.direct_port import DirectA2ATransport, DirectHttpPort
from chassis.logs import configure_logging
from chassis.settings import ServiceSettings
from chassis.testing import InMemoryDapr

__all__ = ["SERVICES", "DirectSettings", "build"]

SERVICES = ("orchestrator", "calculator", "summarizer", "knowledge")


class DirectSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BENCH_", extra="ignore")

    apps: dict[str, str] = Field(
        default_factory=dict,
        description="JSON object: app-id -> base URL of every agent the orchestrator may call.",
    )
    app_token: SecretStr | None = Field(
        default=None, description="What the orchestrator presents to agents (their APP_API_TOKEN)."
    )

    def token(self) -> str | None:
        return None if self.app_token is None else self.app_token.get_secret_value()


def build(service: str, direct: DirectSettings) -> tuple[FastAPI, ServiceSettings]:
    """The service's app, wired to a sidecar-less port, and its settings."""
    if service == "orchestrator":
        from orchestrator.main import build_app as orchestrator_app
        from orchestrator.settings import OrchestratorSettings

        hub = OrchestratorSettings()
        transport = DirectA2ATransport(direct.apps, direct.token())
        agents_http = httpx.AsyncClient(base_url="http://direct", transport=transport)
        port = DirectHttpPort(direct.apps, direct.token())
        return orchestrator_app(hub, port, agents_http=agents_http), hub
    if service == "calculator":
        from agents.calculator.main import build_app as calculator_app
        from agents.calculator.settings import CalculatorSettings

        calculator = CalculatorSettings()
        return calculator_app(calculator, InMemoryDapr()), calculator
    if service == "summarizer":
        from agents.summarizer.main import build_app as summarizer_app
        from agents.summarizer.settings import SummarizerSettings

        summarizer = SummarizerSettings()
        return summarizer_app(summarizer, InMemoryDapr()), summarizer
    if service == "knowledge":
        from agents.knowledge.main import build_app as knowledge_app
        from agents.knowledge.settings import KnowledgeSettings

        knowledge = KnowledgeSettings()
        return knowledge_app(knowledge, InMemoryDapr()), knowledge
    raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")


def main(service: str) -> None:
    app, settings = build(service, DirectSettings())
    configure_logging(settings.app_id, settings.log_level)
    uvicorn.run(
        app,
        host=settings.app_host,
        port=settings.app_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit(f"usage: python -m bench.direct_serve {'|'.join(SERVICES)}")
    main(sys.argv[1])
