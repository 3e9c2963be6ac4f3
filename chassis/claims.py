"""Claims on work messages: one delivery at a time works on a message id.

Dapr delivers at least once, and copies of one message can arrive together:
an agent restarting gets its pending messages again while the sidecar still
retries them, and a task run again sends its work again under the same id.
A delivery claims the id in the state store before working; a copy that finds
a live claim leaves the message to its holder. A claim holds for
`CLAIM_SECONDS`, written in the claim itself, so a delivery whose process
died frees the message that long after it started, on any state store,
whether or not it expires keys on time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from chassis.dapr import DaprPort, EtagMismatch

__all__ = ["CLAIM_SECONDS", "WorkClaims"]

# Shorter than the ~17 s for which Dapr redelivers a message answered RETRY
# (components/common/resiliency-components.yaml), so a copy waiting on a dead
# holder's claim takes the work over before it is dead-lettered; longer than a
# piece of work usually takes.
CLAIM_SECONDS = 10.0
_KEPT_S = 24 * 3600  # the key outlives any redelivery; its `until` decides


class _Claim(BaseModel):
    until: datetime


class WorkClaims:
    """Claims on message ids in `store` (keys `working-<message id>`)."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def claim(self, message_id: str) -> bool:
        """Whether this delivery may work on the message: True once it holds the claim,
        False while another delivery holds a live one. Raises `DaprError` if the
        store cannot be reached."""
        key = f"working-{message_id}"
        now = datetime.now(UTC)
        mine = _Claim(until=now + timedelta(seconds=CLAIM_SECONDS)).model_dump_json().encode()
        held = await self._dapr.get_state(self._store, key)
        try:
            if held is None:
                await self._dapr.save_state(self._store, key, mine, create_only=True, ttl_s=_KEPT_S)
            elif _Claim.model_validate_json(held.data).until <= now:
                # Its holder died mid-work: take it over, unless another copy just did.
                await self._dapr.save_state(self._store, key, mine, etag=held.etag, ttl_s=_KEPT_S)
            else:
                return False
        except EtagMismatch:
            return False
        return True
