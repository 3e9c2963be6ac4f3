"""What a sidecar's error answer means for the agent's author (Dapr 1.18 error bodies)."""

from __future__ import annotations

__all__ = ["sidecar_hint"]


def sidecar_hint(status: int | None, body: str) -> str | None:
    """A fix when the error came from Dapr rather than from the agent, else None."""
    if status == 403 and ("access control" in body or "PermissionDenied" in body):
        return (
            "the agent's sidecar denied the orchestrator by its access policy: allow POST /a2a "
            "and GET /.well-known/* for app-id orchestrator (dapr-config/agent.yaml)"
        )
    if "circuit breaker is open" in body:
        return (
            "the orchestrator's circuit breaker for this agent is open after earlier failures: "
            "fix the first failure above"
        )
    if status in (404, 500) and "ERR_DIRECT_INVOKE" in body and "app channel" in body:
        return "the sidecar cannot reach the app: is it running and healthy (GET /healthz)?"
    return None
