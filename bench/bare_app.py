"""What the bench's trivial apps share (raw_apps.py, floor_apps.py): nothing but the hop.

A FastAPI app with only `/healthz` (for the launcher's and daprd's health
checks), one pooled aiohttp session to whatever it calls, the sidecar's API
token header, and serving under uvicorn with the settings the services use
(`chassis.serve`: no access log), importing nothing of Hubspoke (so the floor
measures Dapr alone). No validation, logging or telemetry, so
what is measured is the hop, not these apps.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
import uvicorn
from fastapi import FastAPI
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

__all__ = ["JSON", "BareAppSettings", "bare_app", "pooled_client", "run_role"]

JSON = "application/json"


class BareAppSettings(BaseSettings):
    """Where the app listens and its sidecar's API token, from the variables the launcher sets."""

    app_port: int = Field(validation_alias="APP_PORT", description="Port the app listens on.")
    dapr_api_token: SecretStr | None = Field(
        default=None, validation_alias="DAPR_API_TOKEN", description="The sidecar's API token."
    )

    def headers(self, *, token: bool = True) -> dict[str, str]:
        """JSON content type, and the sidecar's API token when there is one and `token`."""
        headers = {"content-type": JSON}
        if token and self.dapr_api_token:
            headers["dapr-api-token"] = self.dapr_api_token.get_secret_value()
        return headers


@asynccontextmanager
async def pooled_client(app: FastAPI, headers: dict[str, str]) -> AsyncIterator[None]:
    """One pooled aiohttp session for the app's life, at `app.state.client`, as
    `chassis.dapr.DaprSidecar` keeps one."""
    async with aiohttp.ClientSession(
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=30),
        connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30),
        cookie_jar=aiohttp.DummyCookieJar(),
    ) as client:
        app.state.client = client
        yield


def bare_app(
    title: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """A FastAPI app serving only `GET /healthz` (200 `{"status": "ok"}`)."""
    app = FastAPI(title=title, lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def run_role(module: str, roles: dict[str, Callable[[], tuple[FastAPI, int]]]) -> None:
    """Serve the app of the role named on the command line on 127.0.0.1 at its port.

    `roles` maps a role to a function building its app and port; a missing or
    unknown role exits with the usage line.
    """
    if len(sys.argv) != 2 or sys.argv[1] not in roles:
        sys.exit(f"usage: python -m {module} {'|'.join(roles)}")
    app, port = roles[sys.argv[1]]()
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
