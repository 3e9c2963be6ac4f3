"""Two trivial FastAPI apps: the raw-Dapr baseline and the plain-HTTP floor.

`front` takes `POST /run` and forwards the body to `back`'s `POST /echo`,
either through its own sidecar (`/v1.0/invoke/<back>/method/echo`, the
sidecar's HTTP API) or straight to back's port when `BENCH_BACK_URL` is set;
`back` answers with the body it got. Nothing else runs in a request: no
validation, logging or telemetry, so what is measured is the hop. Both serve
`/healthz` for the launcher's and daprd's health checks, under uvicorn with
the settings the services use (`chassis.serve`).

    python -m bench.raw_apps front|back
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import uvicorn
from fastapi import FastAPI, Request, Response
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["RawAppSettings", "build_back", "build_front"]

_JSON = "application/json"


class RawAppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BENCH_", extra="ignore", populate_by_name=True)

    app_port: int = Field(validation_alias="APP_PORT")
    dapr_http_port: int | None = Field(default=None, validation_alias="DAPR_HTTP_PORT")
    dapr_api_token: SecretStr | None = Field(default=None, validation_alias="DAPR_API_TOKEN")
    back_app_id: str = "bench-back"
    # Set: call back directly (the floor); unset: through the sidecar.
    back_url: str | None = None

    def echo_url(self) -> str:
        if self.back_url:
            return f"{self.back_url}/echo"
        return f"http://127.0.0.1:{self.dapr_http_port}/v1.0/invoke/{self.back_app_id}/method/echo"

    def sidecar_headers(self) -> dict[str, str]:
        headers = {"content-type": _JSON}
        if self.dapr_api_token and not self.back_url:
            headers["dapr-api-token"] = self.dapr_api_token.get_secret_value()
        return headers


def build_front(settings: RawAppSettings) -> FastAPI:
    """Forwards each body to back; one pooled aiohttp session, as `chassis.dapr.DaprSidecar`."""
    url, headers = settings.echo_url(), settings.sidecar_headers()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=30),
            connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
            cookie_jar=aiohttp.DummyCookieJar(),
        ) as client:
            app.state.client = client
            yield

    app = FastAPI(title="bench front", lifespan=lifespan)

    @app.post("/run")
    async def run(request: Request) -> Response:
        client: aiohttp.ClientSession = request.app.state.client
        async with client.post(url, data=await request.body()) as answer:
            return Response(await answer.read(), status_code=answer.status, media_type=_JSON)

    _add_health(app)
    return app


def build_back() -> FastAPI:
    """Echoes the body."""
    app = FastAPI(title="bench back")

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type=_JSON)

    _add_health(app)
    return app


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}


def main(role: str) -> None:
    settings = RawAppSettings()
    app = build_front(settings) if role == "front" else build_back()
    uvicorn.run(app, host="127.0.0.1", port=settings.app_port, log_config=None, access_log=False)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("front", "back"):
        sys.exit("usage: python -m bench.raw_apps front|back")
    main(sys.argv[1])
