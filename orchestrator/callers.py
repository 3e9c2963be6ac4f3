"""Who calls the public API, and what they may do: a principal and its roles.

A caller without a role reads and streams only the tasks it created (their
`owner` is its `id`). The `operator` role may also read every task, decide
approvals, pause and resume agents, register and remove them, and read the
dead letters. Roles come from ORCHESTRATOR_API_KEY_ROLES for API keys and
from the token's `roles` claim (Entra ID app roles) for bearer tokens
(orchestrator/auth.py resolves them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["OPERATOR", "Caller", "Role"]

Role = Literal["operator"]
OPERATOR: Role = "operator"


class Caller(BaseModel):
    """An authenticated caller: `id` owns its tasks, `name` is what records say (`by`)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    roles: frozenset[Role] = frozenset()

    @property
    def is_operator(self) -> bool:
        return OPERATOR in self.roles
