"""An app's signer and verifier of messages, built from its settings.

See `chassis.signatures` for what is signed and how; this module only reads
`ServiceSettings` (`HUBSPOKE_SIGNING_KEY`, `HUBSPOKE_SIGNING_PUBLIC_KEYS`,
`HUBSPOKE_VERIFY_SIGNATURES`) and says loudly when verification is off.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from chassis.settings import ServiceSettings
from chassis.signatures import EventSigner, EventVerifier, load_private_key, load_public_keys

__all__ = [
    "EventVerifierDep",
    "signer_from",
    "verifier_from",
]

log = logging.getLogger(__name__)


def signer_from(settings: ServiceSettings) -> EventSigner | None:
    """The app's signer, or None if it has no key (its messages are then refused)."""
    if settings.signing_key is None:
        log.warning("no HUBSPOKE_SIGNING_KEY: messages of %s go out unsigned", settings.app_id)
        return None
    return EventSigner(settings.app_id, load_private_key(settings.signing_key.get_secret_value()))


def verifier_from(settings: ServiceSettings) -> EventVerifier:
    """The app's verifier; raises ValueError if the public keys do not parse."""
    keys = load_public_keys(settings.signing_public_keys)
    if not settings.verify_signatures:
        log.warning(
            "HUBSPOKE_VERIFY_SIGNATURES is off: %s acts on messages without checking who "
            "signed them; any holder of a Redis user or sidecar token may forge them",
            settings.app_id,
        )
    return EventVerifier(keys, enabled=settings.verify_signatures)


async def _event_verifier(request: Request) -> EventVerifier:
    verifier: EventVerifier = request.app.state.event_verifier  # set in the app's lifespan
    return verifier


EventVerifierDep = Annotated[EventVerifier, Depends(_event_verifier)]
