"""Every error leaves a service as problem JSON (RFC 9457): status, title, detail.

`install_error_handlers` maps `ServiceError`s, FastAPI's validation errors,
HTTP errors and unexpected exceptions, in this one place, so no client ever
sees an HTML page or a bare 500.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from chassis.errors import ServiceError

__all__ = [
    "PROBLEM_RESPONSES",
    "Problem",
    "install_error_handlers",
    "problem_response",
    "send_problem",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """The JSON body of every error response."""

    model_config = ConfigDict(extra="allow")

    status: int
    title: str
    detail: str


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": HTTPStatus(code).phrase}
    for code in (404, 413, 422, 502)
}


def problem_response(status: int, detail: str, **extra: Any) -> JSONResponse:
    """Build a problem JSON response."""
    body = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def send_problem(send: Send, status: int, detail: str) -> None:
    """Answer from plain ASGI middleware, before FastAPI's handlers are involved."""
    body = json.dumps(
        {"status": status, "title": HTTPStatus(status).phrase, "detail": detail}
    ).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


async def _on_service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return problem_response(exc.status, exc.detail, **exc.extra)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return problem_response(422, _validation_detail(errors), errors=errors)


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(exc.status_code, str(exc.detail))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "internal error; the service log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error leave the app as problem JSON."""
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
