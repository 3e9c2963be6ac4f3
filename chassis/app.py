"""The app factory every service is built with."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from chassis.app_token import AppTokenGuard
from chassis.deadline import DeadlineGuard
from chassis.edge_tracing import EdgeTrust
from chassis.limits import BodySizeLimit
from chassis.problems import document_problems, install_error_handlers
from chassis.raw_path import RawPathGuard
from chassis.settings import ServiceSettings
from chassis.telemetry import configure_telemetry, instrument_app

__all__ = ["Health", "create_app"]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    status: str
    app_id: str
    version: str


def _frozen_after_start(lifespan: Lifespan | None) -> Lifespan:
    """Run `lifespan`, then move everything alive at start-up out of the collector's way.

    Semantic Kernel and its dependencies leave ~225k tracked objects behind; each
    full collection walked them all (139 ms measured in the orchestrator). Frozen,
    they are never scanned again; what requests allocate is collected as usual.
    """

    @asynccontextmanager
    async def frozen(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan is not None else nullcontext():
            gc.collect()
            gc.freeze()
            yield

    return frozen


def _document(app: FastAPI, settings: ServiceSettings, sidecar_only: tuple[str, ...]) -> None:
    """The app's OpenAPI document, with the errors the chassis answers (see problems.py)."""
    generate = app.openapi

    def guarded(path: str) -> bool:
        if settings.app_api_token is None or path == "/healthz":
            return False
        return not sidecar_only or path.startswith(sidecar_only)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate(), guarded=guarded, hidden=sidecar_only)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan | None = None,
    description: str = "",
    sidecar_only_paths: Sequence[str] = (),
) -> FastAPI:
    """A FastAPI app with health, problem-JSON errors, a request size limit and deadlines.

    A request whose raw path could name another route once decoded (`%2F`,
    `%25`, dot segments, control characters...) gets 400 before routing
    (chassis.raw_path): the app serves only the path its sidecar authorised.

    With APP_API_TOKEN set, requests must come through the sidecar: on every
    path but /healthz, or only under `sidecar_only_paths` when given (the
    orchestrator serves its public API on the same port; those paths, Dapr's
    callbacks, are then left out of its OpenAPI document). Only requests from the
    sidecar continue the caller's trace; the others start one of ours.
    """
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=_frozen_after_start(lifespan),
    )
    install_error_handlers(app)
    app.add_middleware(DeadlineGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    if settings.app_api_token is not None:
        app.add_middleware(
            AppTokenGuard,
            token=settings.app_api_token.get_secret_value(),
            guarded=sidecar_only_paths,
        )
    # Outermost of ours: nothing, the token check included, reads an ambiguous path.
    app.add_middleware(RawPathGuard)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> Health:
        return Health(status="ok", app_id=settings.app_id, version=version)

    for router in routers:
        app.include_router(router)
    _document(app, settings, tuple(sidecar_only_paths))
    configure_telemetry(settings.app_id, version)
    token = settings.app_api_token
    trust = EdgeTrust(
        app_token=token.get_secret_value() if token is not None else None,
        sidecar_paths=sidecar_only_paths,
    )
    instrument_app(app, trust)
    return app
