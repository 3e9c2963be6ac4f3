"""The hub's signature on the work the kit publishes, written from the scheme in
docs/security.md ("Signatures"), not from the chassis: the kit judges the wire.

An agent drops work not signed by the hub, and the kit acts as the hub: its
work message is a CloudEvent of its own carrying `hubspokesig` (Ed25519 over
the RFC 8785 canonical JSON of {producer, topic, id, data}, base64url) and
`hubspokekid` (`<app-id>:<first 16 hex digits of SHA-256 of the raw public key>`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["signed_event"]


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed_event(producer: str, private_key: str, topic: str, data: Any, event_id: str) -> bytes:
    """The CloudEvent (JSON bytes, for `application/cloudevents+json`) carrying `data`
    for `topic`, signed by `producer`'s key (base64url raw seed). ValueError if the
    key is not 32 bytes."""
    seed = base64.urlsafe_b64decode(private_key + "=" * (-len(private_key) % 4))
    if len(seed) != 32:
        raise ValueError("the signing key is not 32 bytes (base64url, raw)")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    signed = rfc8785.dumps({"producer": producer, "topic": topic, "id": event_id, "data": data})
    public = key.public_key().public_bytes_raw()
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": producer,
        "type": "com.dapr.event.sent",
        "datacontenttype": "application/json",
        "data": data,
        "hubspokesig": _b64url(key.sign(signed)),
        "hubspokekid": f"{producer}:{hashlib.sha256(public).hexdigest()[:16]}",
    }
    return json.dumps(event, separators=(",", ":")).encode()
