"""Steps sent with A2A SendMessage: examples completed, refusals rejected, deadlines kept.

- `example[<skill>#<n>]`: every example the card lists ends `completed` with an
  artifact `answer` holding a text part;
- `refusal.empty` / `refusal.oversized`: an empty text part, and a text over
  the design's 20,000-character limit, end `rejected` with a reason, as a
  JSON-RPC success (a 4xx/5xx would be retried by Dapr and counted against
  the agent's circuit breaker; the design makes refusals answers);
- `deadline`: a step whose `metadata.hubspoke.deadline` has passed ends
  `failed` (or `rejected`) at once, unworked.
"""

from __future__ import annotations

from datetime import timedelta

from conformance import wire
from conformance.checks.hints import sidecar_hint
from conformance.ports import AgentChannel, Answered, RpcFailed, SendOutcome, TransportFailed
from conformance.results import CheckResult, failed, passed
from conformance.steps import answer_text, state_name, status_text, step_request

__all__ = ["check_deadline", "check_examples", "check_refusals"]

_TASK_FIX = "answer a blocking SendMessage with a Task (JSON-RPC result)"


def _not_a_task(outcome: SendOutcome) -> str | None:
    """Why `outcome` is no Task (with the fix), or None when it is one."""
    if isinstance(outcome, TransportFailed):
        got = "no response" if outcome.status is None else f"HTTP {outcome.status}"
        hint = sidecar_hint(outcome.status, outcome.detail)
        if hint is not None:
            return f"got {got}: {hint}"
        return f"got {got} ({outcome.detail[:160]}): {_TASK_FIX}, whatever the outcome"
    if isinstance(outcome, RpcFailed):
        return f"got JSON-RPC error {outcome.code} {outcome.message[:160]!r}: {_TASK_FIX}"
    if outcome.task is None:
        return f"got a Message, not a Task: {_TASK_FIX} (state completed/rejected/failed)"
    return None


async def check_examples(
    channel: AgentChannel, app_id: str, examples: tuple[tuple[str, str], ...], budget: timedelta
) -> list[CheckResult]:
    """Send every example of the card as a step; each must end completed with an answer."""
    if not examples:
        return [failed("examples", "the card's skills list no examples: add at least one")]
    results, seen = [], dict[str, int]()
    for skill, text in examples:
        seen[skill] = seen.get(skill, 0) + 1
        name = f"example[{skill}#{seen[skill]}]"
        request = step_request(text, skill=skill, deadline_in=budget)
        outcome = await channel.send(app_id, request, what=f"SendMessage {name}")
        results.append(_completed(name, text, outcome))
    return results


def _completed(name: str, text: str, outcome: SendOutcome) -> CheckResult:
    problem = _not_a_task(outcome)
    if problem is not None:
        return failed(name, f"{text[:60]!r}: {problem}")
    assert isinstance(outcome, Answered)
    assert outcome.task is not None
    state = state_name(outcome.task)
    if state != "completed":
        return failed(
            name,
            f"{text[:60]!r} ended {state} ({status_text(outcome.task)[:160]!r}): the card's "
            "examples must be answered completed; fix the skill or the example",
        )
    answer = answer_text(outcome.task)
    if answer is None:
        return failed(
            name, f"{text[:60]!r} completed without an artifact 'answer' with a text part: add it"
        )
    return passed(name, f"{text[:60]!r} -> completed in {outcome.seconds:.2f}s: {answer[:60]!r}")


async def check_refusals(
    channel: AgentChannel, app_id: str, skill: str | None, budget: timedelta
) -> list[CheckResult]:
    """Inputs no agent may take must end `rejected`, with the reason, as a JSON-RPC success."""
    cases = {
        "refusal.empty": ("", "an empty text part"),
        "refusal.oversized": (
            "x" * (wire.MAX_INPUT_CHARS + 1),
            f"a text of {wire.MAX_INPUT_CHARS + 1} characters (limit {wire.MAX_INPUT_CHARS})",
        ),
    }
    results = []
    for name, (text, described) in cases.items():
        outcome = await channel.send(
            app_id, step_request(text, skill=skill, deadline_in=budget), what=f"SendMessage {name}"
        )
        results.append(_rejected(name, described, outcome))
    return results


def _rejected(name: str, described: str, outcome: SendOutcome) -> CheckResult:
    fix = (
        "a refusal is a JSON-RPC success (HTTP 200) with a Task in state rejected and the "
        "reason as its status message; errors and 4xx/5xx are retried by Dapr and open the "
        "agent's circuit breaker"
    )
    if isinstance(outcome, TransportFailed | RpcFailed):
        got = (
            f"HTTP {outcome.status}"
            if isinstance(outcome, TransportFailed)
            else f"JSON-RPC error {outcome.code} {outcome.message[:120]!r}"
        )
        hint = (
            sidecar_hint(outcome.status, outcome.detail)
            if isinstance(outcome, TransportFailed)
            else None
        )
        return failed(name, f"{described} got {got} instead of state rejected: {hint or fix}")
    if outcome.task is None:
        return failed(name, f"{described} got a Message, not a Task: {fix}")
    state, reason = state_name(outcome.task), status_text(outcome.task)
    if state != "rejected":
        return failed(name, f"{described} ended {state}, not rejected: {fix}")
    if not reason.strip():
        return failed(name, f"{described} was rejected without a reason: put it in status.message")
    return passed(name, f"{described} -> rejected: {reason[:80]!r}")


async def check_deadline(
    channel: AgentChannel, app_id: str, example: tuple[str, str] | None, prompt: timedelta
) -> CheckResult:
    """A step already past its deadline must not be worked on: failed/rejected within `prompt`."""
    skill, text = example or (None, "conformance: deadline check")
    request = step_request(text, skill=skill, deadline_in=-timedelta(minutes=1))
    outcome = await channel.send(app_id, request, what="SendMessage deadline")
    problem = _not_a_task(outcome)
    if problem is not None:
        return failed("deadline", f"a step past its deadline {problem}")
    assert isinstance(outcome, Answered)
    assert outcome.task is not None
    state = state_name(outcome.task)
    if state not in ("failed", "rejected"):
        return failed(
            "deadline",
            f"a step whose deadline passed a minute ago ended {state}: read "
            "metadata.hubspoke.deadline and, once it has passed, end the task failed with "
            "reason 'deadline passed' without working on it",
        )
    if outcome.seconds > prompt.total_seconds():
        return failed(
            "deadline",
            f"ended {state} but only after {outcome.seconds:.1f}s: check the deadline before "
            "working, not after",
        )
    reason = status_text(outcome.task)
    return passed("deadline", f"past deadline -> {state} in {outcome.seconds:.2f}s ({reason!r})")
