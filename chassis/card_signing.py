"""Signed A2A agent cards (A2A 1.0 "Agent Card Signing"): JWS, detached payload, over
the RFC 8785 canonical card, with the app's Ed25519 key (`chassis.signatures`).

Signing and checking are the official SDK's (`a2a.utils.signing`): it canonicalises
the card as proto JSON without `signatures`, so a card a client reads verifies with
the same SDK. The protected header is `{"alg": "EdDSA", "kid": <app-id>:<fingerprint>,
"typ": "JOSE"}`. A card is checked against the public key of the app it registers
as, never a key it names: a card signed with another app's key is refused.

Errors: `CardSignatureRefused` (`.reason` says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from a2a.types import AgentCard
from a2a.utils.signing import (
    SignatureVerificationError,
    create_agent_card_signer,
    create_signature_verifier,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from jwt.api_jwk import PyJWK

from chassis.settings import ServiceSettings
from chassis.signatures import b64url, key_id, load_private_key

__all__ = [
    "CardSignatureRefused",
    "sign_card",
    "sign_card_json",
    "sign_own_card",
    "sign_own_card_json",
    "verify_card_json",
]

ALGORITHM = "EdDSA"


class CardSignatureRefused(Exception):
    """An agent card carries no valid signature by the key of the app it names."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _jwk(public: Ed25519PublicKey, private: Ed25519PrivateKey | None = None) -> PyJWK:
    fields = {"kty": "OKP", "crv": "Ed25519", "x": b64url(public.public_bytes_raw())}
    if private is not None:
        fields["d"] = b64url(private.private_bytes_raw())
    return PyJWK(fields, algorithm=ALGORITHM)


def sign_card(card: AgentCard, app_id: str, private_key: Ed25519PrivateKey) -> AgentCard:
    """`card` with one more signature, by `app_id`'s key (the proto is changed in place)."""
    public = private_key.public_key()
    header = {"alg": ALGORITHM, "kid": key_id(app_id, public), "typ": "JOSE"}
    signer = create_agent_card_signer(_jwk(public, private_key), header)  # type: ignore[arg-type]
    return signer(card)


def sign_card_json(
    card: dict[str, Any], app_id: str, private_key: Ed25519PrivateKey
) -> dict[str, Any]:
    """The card (proto JSON) with its `signatures`; raises ValueError if it is not a card."""
    parsed = AgentCard()
    ParseDict(card, parsed)
    signed = sign_card(parsed, app_id, private_key)
    return {**card, "signatures": [MessageToDict(s) for s in signed.signatures]}


def verify_card_json(card: Any, app_id: str, public_keys: Mapping[str, Ed25519PublicKey]) -> None:
    """Return if `card` carries a valid signature by `app_id`'s key; raise
    `CardSignatureRefused` if not (unsigned, another key, changed after signing)."""
    public = public_keys.get(app_id)
    if public is None:
        raise CardSignatureRefused(f"card signature: no public key known for {app_id!r}")
    parsed = AgentCard()
    try:
        ParseDict(card, parsed, ignore_unknown_fields=False)
    except (ParseError, TypeError, AttributeError) as exc:
        raise CardSignatureRefused(f"card signature: not an A2A AgentCard ({exc})") from None
    if not parsed.signatures:
        raise CardSignatureRefused(f"card signature: the card of {app_id!r} is not signed")
    verifier = create_signature_verifier(lambda _kid, _jku: _jwk(public), [ALGORITHM])
    try:
        verifier(parsed)
    except SignatureVerificationError:
        raise CardSignatureRefused(
            f"card signature: no signature on the card is {app_id!r}'s"
            " (signed by another key, or changed after signing)"
        ) from None


def sign_own_card(card: AgentCard, settings: ServiceSettings) -> AgentCard:
    """The app's A2A card signed with its key (`chassis.card_signing`); unsigned without one."""
    if settings.signing_key is None:
        return card
    key = load_private_key(settings.signing_key.get_secret_value())
    return sign_card(card, settings.app_id, key)


def sign_own_card_json(card: dict[str, Any], settings: ServiceSettings) -> dict[str, Any]:
    """`sign_own_card` for a card as proto JSON."""
    if settings.signing_key is None:
        return card
    key = load_private_key(settings.signing_key.get_secret_value())
    return sign_card_json(card, settings.app_id, key)
