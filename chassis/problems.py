"""Every error leaves a service as problem JSON (RFC 9457): status, title, detail.

`install_error_handlers` maps `ServiceError`s, FastAPI's validation errors,
HTTP errors and unexpected exceptions, in this one place, so no client ever
sees an HTML page or a bare 500. A 405 names the path's methods in `Allow`.
`document_problems` makes the OpenAPI document say so: every error response
as `application/problem+json`, with the statuses every route can answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Send

from chassis.errors import ServiceError

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "Problem",
    "document_problems",
    "install_error_handlers",
    "problem_response",
    "problem_responses",
    "send_problem",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(BaseModel):
    """The JSON body of every error response."""

    model_config = ConfigDict(extra="allow")

    status: int = Field(ge=400, le=599)
    title: str
    detail: str


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for routes that may answer these statuses (problem JSON)."""
    return {code: {"model": Problem, "description": HTTPStatus(code).phrase} for code in codes}


PROBLEM_RESPONSES = problem_responses(404, 413, 422, 502)

# What the chassis itself may answer on any route, before or around the handler.
_ANY_ROUTE = {
    400: (
        "Bad Request: a `Hubspoke-Deadline` header that is not Unix seconds, or a path "
        "that could name another route once decoded (`%2F`, `%25`, `..`, control characters)"
    ),
    413: "Content Too Large: the body exceeds the service's limit",
    500: "Internal Server Error: a bug; the service log has the details",
    504: "Gateway Timeout: the caller's `Hubspoke-Deadline` passed",
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def document_problems(
    document: dict[str, Any], *, guarded: Callable[[str], bool], hidden: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Make an OpenAPI document say what the chassis does (changes and returns it).

    Every error response is `application/problem+json` with the `Problem`
    schema; every route lists the statuses the chassis may answer on it (and
    401 where `guarded(path)`: the app token is required); a route with
    parameters or a body lists 422. Paths under `hidden` (Dapr's callbacks)
    are not part of the document.
    """
    paths: dict[str, Any] = document.get("paths", {})
    for path in [p for p in paths if hidden and p.startswith(hidden)]:
        del paths[path]
    for path, operations in paths.items():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            extra = dict(_ANY_ROUTE)
            if guarded(path):
                extra[401] = "Unauthorized: the app token is missing (callers outside Dapr)"
            if operation.get("parameters") or operation.get("requestBody"):
                extra[422] = HTTPStatus(422).phrase
            for status, description in extra.items():
                responses.setdefault(str(status), {"description": description})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    # FastAPI's own 422 body is replaced by problem JSON everywhere.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


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


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem_response(exc.status_code, str(exc.detail))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path only.
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
    return response


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on the request's path (asked of the routes
    themselves: included routers keep their routes to themselves)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "internal error; the service log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error leave the app as problem JSON."""
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
