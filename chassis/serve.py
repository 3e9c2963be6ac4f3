"""Run a service under uvicorn with the chassis' settings and logging."""

from __future__ import annotations

import uvicorn

from chassis.logs import configure_logging
from chassis.settings import ServiceSettings

__all__ = ["serve"]


def serve(app_path: str, settings: ServiceSettings) -> None:
    """Serve `module:factory` (an app factory) on the settings' host and port."""
    token = settings.app_api_token
    configure_logging(
        settings.app_id, settings.log_level, [token.get_secret_value()] if token else []
    )
    uvicorn.run(
        app_path,
        factory=True,
        host=settings.app_host,
        port=settings.app_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
