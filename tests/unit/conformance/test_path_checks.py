"""The paths check: an agent refuses a path that routes elsewhere once decoded."""

from __future__ import annotations

from conformance.checks.paths import PATH_CASES, check_paths
from conformance.ports import HttpAnswer
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeChannel


async def test_an_agent_that_refuses_encoded_paths_passes() -> None:
    results = await check_paths(FakeChannel(), APP)
    assert [(r.name, r.outcome) for r in results] == [(n, Outcome.PASS) for n in PATH_CASES]


def decodes_before_routing(method: str) -> HttpAnswer:
    """An agent that decodes once more and serves what it finds (the bug)."""
    decoded = method.replace("%252F", "/").replace("%2568", "h")
    if decoded in (".well-known/agent-card.json", "healthz"):
        return HttpAnswer(200, '{"name": "Weather"}')
    return HttpAnswer(404, '{"detail": "no route"}')


async def test_an_agent_that_decodes_before_routing_fails_naming_the_fix() -> None:
    results = {r.name: r for r in await check_paths(FakeChannel(paths=decodes_before_routing), APP)}
    assert results["path.encoded-slash"].outcome is Outcome.FAIL
    assert "answered HTTP 200" in results["path.encoded-slash"].message
    assert "refuse, before routing" in results["path.encoded-slash"].message
    assert results["path.encoded-letter"].outcome is Outcome.FAIL
    assert results["path.encoded-backslash"].outcome is Outcome.PASS  # a 404: not served


async def test_a_sidecar_denial_passes_and_a_crash_fails() -> None:
    denied = HttpAnswer(403, '{"errorCode": "ERR_DIRECT_INVOKE", "message": "PermissionDenied"}')
    [first, *_] = await check_paths(FakeChannel(paths=lambda _: denied), APP)
    assert (first.outcome, first.message) == (
        Outcome.PASS,
        "denied by the agent's sidecar (its access policy)",
    )
    crash = HttpAnswer(500, "Internal Server Error")
    [first, *_] = await check_paths(FakeChannel(paths=lambda _: crash), APP)
    assert first.outcome is Outcome.FAIL


async def test_a_healthy_call_follows_each_case_so_the_breaker_never_opens() -> None:
    channel = FakeChannel()
    await check_paths(channel, APP)
    assert channel.methods[1::2] == ["healthz"] * len(PATH_CASES)
    assert channel.methods[0::2] == [method for method, _ in PATH_CASES.values()]
