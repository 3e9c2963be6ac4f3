"""The app factory every service is built with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from chassis.limits import BodySizeLimit
from chassis.problems import install_error_handlers
from chassis.settings import ServiceSettings

__all__ = ["Health", "create_app"]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    status: str
    app_id: str
    version: str


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    description: str = "",
) -> FastAPI:
    """A FastAPI app with health, problem-JSON errors and a request size limit."""
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> Health:
        return Health(status="ok", app_id=settings.app_id, version=version)

    for router in routers:
        app.include_router(router)
    return app
