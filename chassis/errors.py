"""Errors a service raises on purpose, each carrying the HTTP status it maps to.

Exception tree:

    ServiceError              base of every error a service raises on purpose
    ├── BadRequestError       400 - the request cannot be understood
    ├── UnauthorizedError     401 - no or bad credentials
    ├── ForbiddenError        403 - the caller is known but lacks the role
    ├── NotFoundError         404 - the named resource does not exist
    ├── ConflictError         409 - a concurrent write won
    ├── UnprocessableError    422 - well-formed, but cannot be acted on
    └── UpstreamError         502 - a dependency (agent, sidecar) failed

Inner layers raise these without knowing about HTTP frameworks;
`chassis.problems` turns them into problem JSON at the edge.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BadRequestError",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "ServiceError",
    "UnauthorizedError",
    "UnprocessableError",
    "UpstreamError",
]


class ServiceError(Exception):
    """An error a service raises on purpose; carries its HTTP status."""

    status: ClassVar[int] = 500

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequestError(ServiceError):
    status = 400


class UnauthorizedError(ServiceError):
    status = 401


class ForbiddenError(ServiceError):
    status = 403


class NotFoundError(ServiceError):
    status = 404


class ConflictError(ServiceError):
    status = 409


class UnprocessableError(ServiceError):
    status = 422


class UpstreamError(ServiceError):
    status = 502
