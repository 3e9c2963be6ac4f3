"""Per-app Ed25519 signatures on the CloudEvents an app publishes.

A message's signature covers the RFC 8785 (JCS) canonical JSON of
`{"producer", "topic", "id", "data"}`: who published it, where, under which
CloudEvent id, and what. It travels in two CloudEvent extension attributes,
`hubspokesig` (the signature, base64url without padding) and `hubspokekid`
(the key id, `<app-id>:<fingerprint>`). A receiver checks it against the
public key of the app that owns the topic the message arrived on (never
against a key the message names), before acting on the message.

Keys are raw Ed25519 keys in base64url, the `d` and `x` of a JWK (RFC 8037),
so Node's `crypto` reads the same strings: `HUBSPOKE_SIGNING_KEY` (the app's
private key) and `HUBSPOKE_SIGNING_PUBLIC_KEYS` (a JSON object, app id ->
public key); see docs/security.md "Signatures".

Errors: `SignatureRefused` (a message fails the check; `.reason` says why;
a producer without a known key is a refusal too).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = [
    "KID_ATTRIBUTE",
    "SIGNATURE_ATTRIBUTE",
    "EventSigner",
    "EventVerifier",
    "SignatureRefused",
    "b64url",
    "canonical_event",
    "key_id",
    "load_private_key",
    "load_public_keys",
    "new_key_pair",
]

SIGNATURE_ATTRIBUTE = "hubspokesig"
KID_ATTRIBUTE = "hubspokekid"


class SignatureRefused(Exception):
    """A message's signature is missing, malformed, or not its producer's."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(raw: bytes) -> str:
    """base64url without padding (JWS, JWK)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def new_key_pair() -> tuple[str, str]:
    """A fresh key pair as (private `d`, public `x`), both base64url raw keys."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    return b64url(seed), b64url(_raw_public(private.public_key()))


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The private key from its base64url raw form. Raises ValueError if it is not one."""
    raw = _unb64url(text.strip())
    if len(raw) != 32:
        raise ValueError("an Ed25519 private key is 32 bytes (base64url, raw)")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public_keys(text: str) -> dict[str, Ed25519PublicKey]:
    """App id -> public key, from a JSON object of base64url raw keys. Raises ValueError."""
    listed = json.loads(text) if text.strip() else {}
    if not isinstance(listed, dict):
        raise ValueError("the public keys are a JSON object: app id -> base64url raw key")
    keys = {}
    for app_id, encoded in listed.items():
        raw = _unb64url(str(encoded))
        if len(raw) != 32:
            raise ValueError(f"the public key of {app_id!r} is not 32 bytes")
        keys[str(app_id)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def key_id(app_id: str, public_key: Ed25519PublicKey) -> str:
    """`<app-id>:<first 16 hex digits of SHA-256 of the raw public key>`."""
    return f"{app_id}:{hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]}"


def canonical_event(*, producer: str, topic: str, event_id: str, data: Any) -> bytes:
    """The bytes a message's signature covers (RFC 8785 canonical JSON)."""
    return rfc8785.dumps({"producer": producer, "topic": topic, "id": event_id, "data": data})


@dataclass(frozen=True)
class EventSigner:
    """Signs what `app_id` publishes with its private key."""

    app_id: str
    private_key: Ed25519PrivateKey

    @property
    def kid(self) -> str:
        return key_id(self.app_id, self.private_key.public_key())

    def envelope(self, topic: str, data: bytes, event_id: str | None = None) -> bytes:
        """A signed CloudEvent (JSON bytes) carrying `data` (JSON bytes) for `topic`.

        Published as `application/cloudevents+json`, Dapr keeps the extension
        attributes and adds its own (topic, pubsubname, trace ids).
        """
        parsed = json.loads(data)
        event_id = event_id or str(uuid.uuid4())
        signed = canonical_event(producer=self.app_id, topic=topic, event_id=event_id, data=parsed)
        event = {
            "specversion": "1.0",
            "id": event_id,
            "source": self.app_id,
            "type": "com.dapr.event.sent",
            "datacontenttype": "application/json",
            "data": parsed,
            SIGNATURE_ATTRIBUTE: b64url(self.private_key.sign(signed)),
            KID_ATTRIBUTE: self.kid,
        }
        return json.dumps(event, separators=(",", ":")).encode()


@dataclass(frozen=True)
class EventVerifier:
    """Checks a delivered CloudEvent against its topic owner's public key.

    `enabled=False` accepts every message (a setting that warns at start).
    """

    public_keys: Mapping[str, Ed25519PublicKey]
    enabled: bool = True

    def check(self, event: Any, *, producer: str, topic: str) -> None:
        """Return if `producer` signed `event` for `topic`; raise `SignatureRefused` if not."""
        if not self.enabled:
            return
        if not isinstance(event, dict):
            raise SignatureRefused("signature: the message is not a CloudEvent object")
        signature = event.get(SIGNATURE_ATTRIBUTE)
        if not isinstance(signature, str) or not signature:
            raise SignatureRefused(f"signature: none on a message of {producer!r}'s topic {topic}")
        key = self.public_keys.get(producer)
        if key is None:
            raise SignatureRefused(f"signature: no public key known for {producer!r}")
        try:
            signed = canonical_event(
                producer=producer,
                topic=topic,
                event_id=str(event.get("id")),
                data=event.get("data"),
            )
            key.verify(_unb64url(signature), signed)
        except (InvalidSignature, ValueError, rfc8785.CanonicalizationError):
            raise SignatureRefused(
                f"signature: not {producer!r}'s for this message on {topic}"
                " (signed by another key, or changed after signing)"
            ) from None

    def passes(self, event: Any, *, producer: str, topic: str) -> str | None:
        """Why `event` fails the check, or None if it passes."""
        try:
            self.check(event, producer=producer, topic=topic)
        except SignatureRefused as exc:
            return exc.reason
        return None
