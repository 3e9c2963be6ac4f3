"""The public edge: API keys, Entra ID tokens, and settings that refuse placeholders."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from chassis.errors import UnauthorizedError
from chassis.testing import InMemoryDapr
from orchestrator.auth import ApiKeys, EntraTokens
from orchestrator.main import build_app
from orchestrator.settings import OrchestratorSettings
from tests.unit.orchestrator.conftest import API_KEY, orchestrator_settings

TENANT = "00000000-0000-0000-0000-000000000001"
AUDIENCE = "api://hubspoke"


@pytest.fixture
def anonymous() -> Any:
    with TestClient(build_app(orchestrator_settings(), dapr=InMemoryDapr(), monitor=False)) as c:
        yield c


@pytest.mark.parametrize("path", ["/v1/tasks/" + "0" * 32, "/v1/agents", "/v1/agents/refusals"])
def test_public_routes_need_an_api_key(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "a valid API key is required (header X-API-Key)"
    assert anonymous.get(path, headers={"X-API-Key": "wrong"}).status_code == 401
    assert anonymous.get(path, headers={"X-API-Key": API_KEY}).status_code in (200, 404)


def test_key_is_also_accepted_as_bearer(anonymous: TestClient) -> None:
    response = anonymous.get("/v1/agents", headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200


def test_health_needs_no_key(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz").status_code == 200


def test_any_of_several_keys_works() -> None:
    keys = ApiKeys(["first", "second"])
    assert keys.authenticate("second", None).name == "api-key-1"
    with pytest.raises(UnauthorizedError):
        keys.authenticate(None, None)


def test_missing_api_keys_refuse_to_start() -> None:
    with pytest.raises(ValidationError, match="ORCHESTRATOR_API_KEYS is required"):
        OrchestratorSettings(app_id="orchestrator")


@pytest.mark.parametrize("key", ["change-me", "short-key"])
def test_production_refuses_placeholder_or_short_keys(key: str) -> None:
    with pytest.raises(ValidationError, match="placeholders or are shorter"):
        OrchestratorSettings(app_id="orchestrator", environment="production", api_keys=key)


def test_entra_mode_needs_tenant_and_audience() -> None:
    with pytest.raises(ValidationError, match="ORCHESTRATOR_ENTRA_TENANT_ID"):
        OrchestratorSettings(app_id="orchestrator", auth_mode="entra")


class Issuer:
    """Signs tokens like Entra ID would, with a key made for the test."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(self, **overrides: Any) -> str:
        claims = {
            "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
            "aud": AUDIENCE,
            "exp": int(time.time()) + 300,
            "oid": "user-object-id",
            **overrides,
        }
        return jwt.encode(claims, self.key, algorithm="RS256")


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def entra(issuer: Issuer) -> EntraTokens:
    return EntraTokens(
        tenant_id=TENANT, audience=AUDIENCE, signing_key=lambda _: issuer.key.public_key()
    )


def test_entra_token_for_this_api_is_accepted(entra: EntraTokens, issuer: Issuer) -> None:
    assert entra.authenticate(None, issuer.token()).id == "user-object-id"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "api://someone-else"}, "Audience"),
        ({"iss": "https://evil.example/v2.0"}, "issuer"),
        ({"exp": int(time.time()) - 10}, "expired"),
    ],
)
def test_entra_token_with_wrong_claims_is_refused(
    entra: EntraTokens, issuer: Issuer, claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(UnauthorizedError, match=reason):
        entra.authenticate(None, issuer.token(**claims))


def test_entra_token_signed_by_another_key_is_refused(entra: EntraTokens) -> None:
    with pytest.raises(UnauthorizedError, match="Signature"):
        entra.authenticate(None, Issuer().token())
