"""Paths: the agent serves a call only on the path its sidecar authorised.

The agents' access policy lets the orchestrator reach any one root segment.
daprd checks the method as written and forwards it undecoded, so a separator
encoded inside one segment (`.well-known%2Fagent-card.json`) passes the
policy; an agent that decodes the path before routing then serves a route
the policy never allowed. Each case below goes through the orchestrator's
daprd, which decodes the URL once (so `%252F` arrives at the agent as
`%2F`), and must be refused with a 4xx before any route answers. A plain
GET /healthz follows every case: a success resets Dapr's circuit breaker
count, which counts every 4xx as a failure, so the kit never opens it.
"""

from __future__ import annotations

from conformance import wire
from conformance.checks.hints import sidecar_hint
from conformance.ports import AgentChannel, HttpAnswer
from conformance.results import CheckResult, failed, passed

__all__ = ["PATH_CASES", "check_paths"]

_CARD = wire.CARD_PATH.replace("/", "%252F")
# name: (method as written after /v1.0/invoke/<app-id>/method/, what the agent receives)
PATH_CASES: dict[str, tuple[str, str]] = {
    "path.encoded-slash": (_CARD, "%2F between segments"),
    "path.encoded-slash-lowercase": (_CARD.replace("%252F", "%252f"), "%2f between segments"),
    "path.encoded-backslash": (_CARD.replace("%252F", "%255C"), "%5C between segments"),
    "path.double-encoding": (_CARD.replace("%252F", "%25252F"), "%252F (double encoding)"),
    "path.encoded-dot-segment": ("x%252F%252E%252E%252F" + _CARD, "x%2F%2E%2E%2F..."),
    "path.encoded-letter": ("%2568ealthz", "%68ealthz (an encoded 'h')"),
    "path.encoded-hash": ("healthz%2523x", "healthz%23x"),
    "path.encoded-question-mark": ("healthz%253Fx", "healthz%3Fx"),
}
_FIX = (
    "refuse, before routing, a raw path holding %2F %5C %25 %23 %3F, encoded letters or dots, "
    "control characters or empty segments (400 problem JSON); route on the raw path"
)


async def check_paths(channel: AgentChannel, app_id: str) -> list[CheckResult]:
    """GET each disguised path; each must draw a 4xx from the agent (or its sidecar)."""
    results = []
    for name, (method, received) in PATH_CASES.items():
        answer = await channel.get_method(app_id, method, what=f"GET {name}")
        results.append(_judge(name, received, answer))
        await channel.get_method(app_id, wire.HEALTH_METHOD, what="GET healthz")
    return results


def _judge(name: str, received: str, answer: HttpAnswer) -> CheckResult:
    if answer.status == 403 and sidecar_hint(answer.status, answer.text) is not None:
        return passed(name, "denied by the agent's sidecar (its access policy)")
    if 400 <= answer.status < 500:
        return passed(name, f"HTTP {answer.status} for a path holding {received}")
    return failed(
        name,
        f"answered HTTP {answer.status} ({answer.text[:80]!r}) for a path holding {received}: "
        f"{_FIX}",
    )
