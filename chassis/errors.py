"""Errors as problem JSON (RFC 9457), mapped in one place for every service.

Exception tree:

    ServiceError              base of every error a service raises on purpose
    ├── BadRequestError       400 - the request cannot be understood
    ├── NotFoundError         404 - the named resource does not exist
    ├── ConflictError         409 - a concurrent write won
    ├── UnprocessableError    422 - well-formed, but cannot be acted on
    └── UpstreamError         502 - a dependency (agent, sidecar) failed

Inner layers raise these; `install_error_handlers` turns them, FastAPI's
validation errors and unexpected exceptions into JSON bodies with `status`,
`title` and `detail`, so no client ever sees an HTML page or a bare 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_RESPONSES",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "Problem",
    "ServiceError",
    "UnprocessableError",
    "UpstreamError",
    "install_error_handlers",
    "problem_response",
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


class ServiceError(Exception):
    """An error a service raises on purpose; carries its HTTP status."""

    status: ClassVar[int] = 500

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequestError(ServiceError):
    status = 400


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


class UnprocessableError(ServiceError):
    status = 422


class UpstreamError(ServiceError):
    status = 502


def problem_response(status: int, detail: str, **extra: Any) -> JSONResponse:
    """Build a problem JSON response."""
    body = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


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
