"""Wiring: settings -> Dapr adapter -> repository -> service -> API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agents.summarizer.api import router, subscribe
from agents.summarizer.persistence import ActivityRepository
from agents.summarizer.service import SummarizerService
from agents.summarizer.settings import SummarizerSettings
from chassis import DaprPort, create_app
from chassis.dapr import open_sidecar

__all__ = ["VERSION", "build_app"]

VERSION = "0.1.0"


def build_app(settings: SummarizerSettings | None = None, dapr: DaprPort | None = None) -> FastAPI:
    """The summarizer app; tests pass settings and a fake Dapr port."""
    settings = settings or SummarizerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_sidecar(dapr) as sidecar:
            app.state.service = SummarizerService(
                agent_id=settings.app_id, activity=ActivityRepository(sidecar, settings.state_store)
            )
            yield

    app = create_app(
        settings=settings,
        title="Hubspoke summarizer agent",
        version=VERSION,
        description="Extractive summaries; records every finished task it hears about.",
        routers=[router],
        lifespan=lifespan,
    )
    subscribe(app, settings.pubsub)
    return app
