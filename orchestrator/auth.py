"""Who may call the public API: API keys by default, Entra ID tokens when configured.

`ORCHESTRATOR_AUTH_MODE=api-key` (default): a key from `ORCHESTRATOR_API_KEYS`
in `X-API-Key` (or as `Authorization: Bearer <key>`). An entry `name=key`
names its caller `name`; a bare key is `api-key-<index>`.
`ORCHESTRATOR_AUTH_MODE=entra`: an Entra ID access token (`Authorization:
Bearer <jwt>`) signed by the tenant's keys, for `ORCHESTRATOR_ENTRA_AUDIENCE`,
issued by `https://login.microsoftonline.com/<tenant>/v2.0`; the caller is
its `oid` (else `sub`), shown as `<name or upn> (<oid>)` when the token has one.

The caller's name is what recorded human actions (approvals) say was done `by`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import jwt

from chassis.errors import UnauthorizedError
from orchestrator.settings import OrchestratorSettings, named_api_keys

__all__ = ["ApiKeys", "Authenticator", "EntraTokens", "build_authenticator"]


class Authenticator(Protocol):
    def authenticate(self, api_key: str | None, bearer: str | None) -> str:
        """The caller's name; raises UnauthorizedError."""
        ...


class ApiKeys:
    """API keys, as ORCHESTRATOR_API_KEYS lists them (`key` or `name=key` each)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = [(name, key.encode()) for name, key in named_api_keys(list(keys))]

    def authenticate(self, api_key: str | None, bearer: str | None) -> str:
        presented = (api_key or bearer or "").encode()
        for name, key in self._keys:
            if presented and hmac.compare_digest(presented, key):
                return name
        raise UnauthorizedError("a valid API key is required (header X-API-Key)")


SigningKeyLookup = Callable[[str], Any]


class EntraTokens:
    """Validates Entra ID access tokens; `signing_key` maps a token to its JWKS key."""

    def __init__(self, *, tenant_id: str, audience: str, signing_key: SigningKeyLookup) -> None:
        self._issuer = f"https://login.microsoftonline.com/{tenant_id}/v2.0"
        self._audience = audience
        self._signing_key = signing_key

    def authenticate(self, api_key: str | None, bearer: str | None) -> str:
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
        return f"{shown} ({subject})" if isinstance(shown, str) and shown else subject


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
    return ApiKeys(settings.api_key_list())
