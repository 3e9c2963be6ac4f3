"""Claims on work messages: one delivery at a time works on a message id.

Dapr delivers at least once, and copies of one message can arrive together:
an agent restarting gets its pending messages again while the sidecar still
retries them, and a task run again sends its work again under the same id.
A delivery claims the id in the state store before working (`WorkClaims.hold`)
and renews the claim while it works, however long that takes; a copy that
finds a live claim leaves the message to its holder. A claim not renewed for
`CLAIM_SECONDS` (its holder died) is taken over by the next copy. The expiry
is written in the claim itself, so this holds on any state store, whether or
not it deletes keys on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from chassis.dapr import DaprError, DaprPort, EtagMismatch

__all__ = ["CLAIM_SECONDS", "WorkClaims"]

log = logging.getLogger(__name__)

# Shorter than the ~17 s for which Dapr redelivers a message answered RETRY
# (components/common/resiliency-components.yaml), so a copy waiting on a dead
# holder's claim takes the work over before it is dead-lettered.
CLAIM_SECONDS = 10.0
_KEPT_S = 24 * 3600  # the key outlives any redelivery; its `until` decides


class _Claim(BaseModel):
    until: datetime


def _fresh_claim() -> bytes:
    until = datetime.now(UTC) + timedelta(seconds=CLAIM_SECONDS)
    return _Claim(until=until).model_dump_json().encode()


class WorkClaims:
    """Claims on message ids in `store` (keys `working-<message id>`)."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    @contextlib.asynccontextmanager
    async def hold(self, message_id: str) -> AsyncIterator[bool]:
        """Yields whether this delivery holds the claim (False: another live delivery
        does), and renews it until the block ends. Raises `DaprError` if the store
        cannot be reached to claim."""
        key = f"working-{message_id}"
        if not await self._claim(key):
            yield False
            return
        renewal = asyncio.create_task(self._renew(key))
        try:
            yield True
        finally:
            renewal.cancel()

    async def _claim(self, key: str) -> bool:
        held = await self._dapr.get_state(self._store, key)
        try:
            if held is None:
                await self._dapr.save_state(
                    self._store, key, _fresh_claim(), create_only=True, ttl_s=_KEPT_S
                )
            elif _Claim.model_validate_json(held.data).until <= datetime.now(UTC):
                # Its holder died mid-work: take it over, unless another copy just did.
                await self._dapr.save_state(
                    self._store, key, _fresh_claim(), etag=held.etag, ttl_s=_KEPT_S
                )
            else:
                return False
        except EtagMismatch:
            return False
        return True

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(CLAIM_SECONDS / 3)
            try:
                await self._dapr.save_state(self._store, key, _fresh_claim(), ttl_s=_KEPT_S)
            except DaprError as exc:  # a copy may take over; the work runs on meanwhile
                log.warning("claim %s not renewed: %s", key, exc)
