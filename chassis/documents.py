"""One JSON document in the state store, changed safely by concurrent writers.

`update_document` reads the document and its ETag, applies a change, and
writes it back only if nobody wrote it meanwhile (a new document is created
only if still absent); on a lost race it reads again and re-applies the
change. Every read-modify-write of shared state goes through here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from chassis.dapr import DaprPort, EtagMismatch

__all__ = ["update_document"]

M = TypeVar("M", bound=BaseModel)


async def update_document(
    dapr: DaprPort,
    store: str,
    key: str,
    model: type[M],
    change: Callable[[M], bool],
    *,
    attempts: int = 20,
) -> bool:
    """Apply `change` (it mutates the document; False means "nothing to write").

    A missing document starts as `model()`. Returns what `change` returned
    on the attempt that was written; raises EtagMismatch if every attempt lost.
    """
    for _ in range(attempts):
        item = await dapr.get_state(store, key)
        document = model() if item is None else model.model_validate_json(item.data)
        if not change(document):
            return False
        try:
            await dapr.save_state(
                store,
                key,
                document.model_dump_json().encode(),
                etag=None if item is None else item.etag,
                create_only=item is None,
            )
        except EtagMismatch:
            continue
        return True
    raise EtagMismatch(f"{store}/{key} still contended after {attempts} attempts")
