"""Who may call the public API: API keys by default, Entra ID tokens when configured.

`ORCHESTRATOR_AUTH_MODE=api-key` (default): a key from `ORCHESTRATOR_API_KEYS`
in `X-API-Key` (or as `Authorization: Bearer <key>`). An entry `name=key`
names its caller `name`; a bare key is `api-key-<index>`.
`ORCHESTRATOR_AUTH_MODE=entra`: an Entra ID access token (`Authorization:
Bearer <jwt>`) signed by the tenant's keys, for `ORCHESTRATOR_ENTRA_AUDIENCE`,
issued by `https://login.microsoftonline.com/<tenant>/v2.0`; the caller is
its `oid` (else `sub`), shown as `<name or upn> (<oid>)` when the token has one.

The caller's name is what recorded human actions (approvals) say was done `by`;
its id owns the tasks it creates. Its roles (orchestrator/callers.py): for a key,
what ORCHESTRATOR_API_KEY_ROLES gives its name; for a token, the known roles in
its `roles` claim (the Entra ID app roles assigned to the user or application).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast, get_args

import jwt

from chassis.errors import UnauthorizedError
from orchestrator.callers import Caller, Role
from orchestrator.settings import OrchestratorSettings, named_api_keys

__all__ = ["ApiKeys", "Authenticator", "EntraTokens", "build_authenticator", "known_roles"]


class Authenticator(Protocol):
    def authenticate(self, api_key: str | None, bearer: str | None) -> Caller:
        """The caller and its roles; raises UnauthorizedError."""
        ...


_KNOWN_ROLES: frozenset[str] = frozenset(get_args(Role))


def known_roles(claimed: object) -> frozenset[Role]:
    """The roles this service knows among `claimed` (a token's `roles` claim: a list of
    strings); anything else in it, or a claim of another shape, grants nothing."""
    if not isinstance(claimed, list):
        return frozenset()
    return frozenset(cast(Role, r) for r in claimed if isinstance(r, str) and r in _KNOWN_ROLES)


class ApiKeys:
    """API keys, as ORCHESTRATOR_API_KEYS lists them (`key` or `name=key` each), with the
    roles `roles` gives their names (ORCHESTRATOR_API_KEY_ROLES)."""

    def __init__(
        self, keys: Sequence[str], roles: Mapping[str, Sequence[Role]] | None = None
    ) -> None:
        self._keys = [(name, key.encode()) for name, key in named_api_keys(list(keys))]
        self._roles = {name: frozenset(held) for name, held in (roles or {}).items()}

    def authenticate(self, api_key: str | None, bearer: str | None) -> Caller:
        presented = (api_key or bearer or "").encode()
        for name, key in self._keys:
            if presented and hmac.compare_digest(presented, key):
                return Caller(id=name, name=name, roles=self._roles.get(name, frozenset()))
        raise UnauthorizedError("a valid API key is required (header X-API-Key)")


SigningKeyLookup = Callable[[str], Any]


class EntraTokens:
    """Validates Entra ID access tokens; `signing_key` maps a token to its JWKS key."""

    def __init__(self, *, tenant_id: str, audience: str, signing_key: SigningKeyLookup) -> None:
        self._issuer = f"https://login.microsoftonline.com/{tenant_id}/v2.0"
        self._audience = audience
        self._signing_key = signing_key

    def authenticate(self, api_key: str | None, bearer: str | None) -> Caller:
        if not bearer:
            raise UnauthorizedError("an Entra ID bearer token is required")
        try:
            claims = jwt.decode(
                bearer,
                self._signing_key(bearer),
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise UnauthorizedError(f"invalid bearer token: {exc}") from exc
        subject = str(claims.get("oid") or claims.get("sub") or "unknown")
        shown = claims.get("name") or claims.get("upn")
        name = f"{shown} ({subject})" if isinstance(shown, str) and shown else subject
        return Caller(id=subject, name=name, roles=known_roles(claims.get("roles")))


def build_authenticator(settings: OrchestratorSettings) -> Authenticator:
    if settings.auth_mode == "entra":
        tenant, audience = settings.entra_tenant_id or "", settings.entra_audience or ""
        jwks = jwt.PyJWKClient(
            f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys", cache_keys=True
        )
        return EntraTokens(
            tenant_id=tenant,
            audience=audience,
            signing_key=lambda token: jwks.get_signing_key_from_jwt(token).key,
        )
    return ApiKeys(settings.api_key_list(), settings.api_key_roles)
