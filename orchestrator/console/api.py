"""Serves the operator console's page and its static files under /console (routes only).

The files hold no data: the page asks the public API for everything, with the
operator's credential (X-API-Key or an Entra bearer token) on each call, so the
page itself is served without one. Every response carries a strict
Content-Security-Policy: scripts and styles from this origin only, nothing inline,
calls to this origin only, never framed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from chassis.errors import NotFoundError

__all__ = ["CONTENT_SECURITY_POLICY", "router"]

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidate: a new release's files show at once
}
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
# One flat folder of plainly named files: nothing else is served (no path walking).
_FILE_NAME = r"^[a-z][a-z0-9-]*\.(js|css|svg)$"

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def console_page() -> FileResponse:
    """The console's page."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=_HEADERS)


@router.get("/{name}")
async def console_file(name: Annotated[str, PathParam(pattern=_FILE_NAME)]) -> FileResponse:
    """One of the console's scripts, style sheets or images (404 for anything else)."""
    path = STATIC / name
    if not re.match(_FILE_NAME, name) or not path.is_file():
        raise NotFoundError(f"no console file {name!r}")
    return FileResponse(path, media_type=_MEDIA_TYPES[path.suffix], headers=_HEADERS)
