"""Two trivial FastAPI apps: the raw-Dapr baseline and the plain-HTTP floor.

`front` takes `POST /run` and forwards the body to `back`'s `POST /echo`,
either through its own sidecar (`/v1.0/invoke/<back>/method/echo`, the
sidecar's HTTP API) or straight to back's port when `BENCH_BACK_URL` is set;
`back` answers with the body it got. Nothing else runs in a request
(bench/bare_app.py), so what is measured is the hop.

    python -m bench.raw_apps front|back
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI, Request, Response
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bench.bare_app import JSON, BareAppSettings, bare_app, pooled_client, run_role

__all__ = ["RawAppSettings", "build_back", "build_front"]


class RawAppSettings(BareAppSettings):
    model_config = SettingsConfigDict(env_prefix="BENCH_", extra="ignore", populate_by_name=True)

    dapr_http_port: int | None = Field(
        default=None, validation_alias="DAPR_HTTP_PORT", description="The sidecar's HTTP port."
    )
    back_app_id: str = Field(default="bench-back", description="App-id of the echo app.")
    back_url: str | None = Field(
        default=None,
        description="Set: call the echo app directly (the plain-HTTP floor); "
        "unset: through the sidecar.",
    )

    def echo_url(self) -> str:
        if self.back_url:
            return f"{self.back_url}/echo"
        return f"http://127.0.0.1:{self.dapr_http_port}/v1.0/invoke/{self.back_app_id}/method/echo"

    def sidecar_headers(self) -> dict[str, str]:
        return self.headers(token=not self.back_url)


def build_front(settings: RawAppSettings) -> FastAPI:
    """Forwards each body to back; one pooled aiohttp session, as `chassis.dapr.DaprSidecar`."""
    url, headers = settings.echo_url(), settings.sidecar_headers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pooled_client(app, headers):
            yield

    app = bare_app("bench front", lifespan)

    @app.post("/run")
    async def run(request: Request) -> Response:
        client: aiohttp.ClientSession = request.app.state.client
        async with client.post(url, data=await request.body()) as answer:
            return Response(await answer.read(), status_code=answer.status, media_type=JSON)

    return app


def build_back() -> FastAPI:
    """Echoes the body."""
    app = bare_app("bench back")

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type=JSON)

    return app


def _front() -> tuple[FastAPI, int]:
    settings = RawAppSettings()
    return build_front(settings), settings.app_port


def _back() -> tuple[FastAPI, int]:
    return build_back(), RawAppSettings().app_port


if __name__ == "__main__":
    run_role("bench.raw_apps", {"front": _front, "back": _back})
