"""Wiring: settings -> Dapr adapter -> repository -> service -> API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chassis import DaprPort, create_app
from chassis.contract import TASK_COMPLETED_TOPIC
from chassis.dapr import open_sidecar
from orchestrator.api import router
from orchestrator.persistence import TaskRepository
from orchestrator.service import TaskService
from orchestrator.settings import OrchestratorSettings

__all__ = ["VERSION", "build_app"]

VERSION = "0.1.0"


def build_app(
    settings: OrchestratorSettings | None = None, dapr: DaprPort | None = None
) -> FastAPI:
    """The orchestrator app; tests pass settings and a fake Dapr port."""
    settings = settings or OrchestratorSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_sidecar(dapr) as sidecar:
            app.state.task_service = TaskService(
                dapr=sidecar,
                tasks=TaskRepository(sidecar, settings.state_store),
                agents=settings.agents,
                pubsub=settings.pubsub,
                completed_topic=TASK_COMPLETED_TOPIC,
            )
            yield

    return create_app(
        settings=settings,
        title="Hubspoke orchestrator",
        version=VERSION,
        description="Public task API: routes each task to an agent through Dapr.",
        routers=[router],
        lifespan=lifespan,
    )
