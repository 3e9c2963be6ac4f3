"""Who produced a message, on real sidecars and Redis (issue 22, part 1).

The attacker holds ONE agent's own credentials: the calculator's Redis user
(what its sidecar logs in with) or its sidecar's Dapr API token. It tries to
answer for the units agent, fail a units step, and make the summarizer record
a task the orchestrator never finished.

To make each attempt count, the units step it targets is known and not yet
answered: `ORCHESTRATOR_APPROVAL_TAGS=distance` holds the units call for a
person's approval, and the waiting approval names the step id (an agent
could not derive it; the test reads it with the operator's key). The forgery
goes in first; then the step is approved, sent to units, and must end with
units' own answer.

Every app signs what it publishes (`chassis.signatures`); the attacker holds
the calculator's signing key too, so what it publishes is signed with it. A
writer who can append to another app's stream (on a cache without Redis 7 ACL
selectors; here the orchestrator's Redis user stands in for one) still cannot
produce that app's signature: the signature tests write there unsigned,
signed with another app's key, or signed and then changed.

The stock knowledge agent is replaced by a test agent under its app-id
(bulky_agent.py) that answers as many characters as asked: a 3 MiB result
against the orchestrator's 1 MiB body limit.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from chassis.card_signing import sign_card_json
from chassis.signatures import load_private_key
from launcher import LocalStack
from tests.integration.conftest import (
    FAST_REGISTRY,
    agent_spec,
    app_signer,
    module_stack,
    publish_as,
    redis_cli,
    topic_events,
)
from tests.integration.test_observability import log_lines

BULKY = agent_spec("knowledge", "tests.integration.bulky_agent")
ATTACKER = "calculator"
VICTIM = "units"
REQUEST = "Convert 5 km to miles"
FORGED_ANSWER = "5 km = 999 miles"
ENV = {
    **FAST_REGISTRY,
    # A loaded machine may delay a heartbeat past FAST_REGISTRY's 2 s.
    "ORCHESTRATOR_UNHEALTHY_AFTER_SECONDS": "15",
    "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "120",
    "ORCHESTRATOR_APPROVAL_TAGS": "distance",  # units' conversions wait for approval
    "ORCHESTRATOR_APPROVAL_SWEEP_SECONDS": "0.5",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("provenance"),
        env=ENV,
        # calendar (Go) registers only with a card the hub verifies (sdk/go signs it).
        registered=(VICTIM, ATTACKER, "summarizer", "knowledge", "calendar"),
        extra_apps=(BULKY,),
    ) as stack:
        yield stack


def get(stack: LocalStack, path: str) -> Any:
    with stack.client("orchestrator") as client:
        return client.get(path).json()


def wait_for(stack: LocalStack, what: str, found: Any, timeout_s: float = 180) -> Any:
    """Poll `found()` until it returns something truthy; fail saying `what` was awaited."""
    deadline = time.monotonic() + timeout_s
    while not (value := found()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:.0f}s"
        time.sleep(0.3)
    return value


def waiting_units_step(stack: LocalStack) -> tuple[str, str]:
    """An asynchronous task whose units step waits for approval: (task id, step id)."""
    with stack.client("orchestrator") as client:
        created = client.post(
            "/v1/tasks",
            json={"input": REQUEST, "agent": VICTIM, "mode": "async", "deadline_seconds": 300},
        )
    assert created.status_code == 202, created.text
    task_id = created.json()["id"]

    def waiting() -> Any:
        task = get(stack, f"/v1/tasks/{task_id}")
        return task if task["status"] == "input_required" else None

    task = wait_for(stack, "the units step waiting for approval", waiting)
    [approval] = task["approvals"]
    assert approval["agent"] == VICTIM, approval
    return task_id, approval["step_id"]


def approve_and_finish(stack: LocalStack, task_id: str, step_id: str) -> dict[str, Any]:
    url = f"{stack.endpoints['orchestrator'].app_url}/v1/tasks/{task_id}/approvals/{step_id}"
    decided = httpx.post(
        url, json={"decision": "approve"}, headers={"X-API-Key": stack.api_key}, timeout=30
    )
    assert decided.status_code == 200, decided.text

    def final() -> Any:
        task = get(stack, f"/v1/tasks/{task_id}")
        return task if task["status"] in ("completed", "failed") else None

    done: dict[str, Any] = wait_for(stack, f"task {task_id} finished", final)
    return done


def assert_answered_by_units(task: dict[str, Any]) -> None:
    assert task["status"] == "completed", task
    assert "3.1" in task["output"], task["output"]  # 5 km = 3.10686 miles
    assert "999" not in task["output"]
    assert task["steps"][0]["agent"] == VICTIM


def a2a_task(task_id: str, step_id: str, text: str) -> dict[str, Any]:
    """An A2A Task (proto JSON) that completed with `text`."""
    return {
        "id": step_id,
        "contextId": task_id,
        "status": {"state": "TASK_STATE_COMPLETED"},
        "artifacts": [{"artifactId": "answer", "name": "answer", "parts": [{"text": text}]}],
    }


def result(task_id: str, step_id: str, agent: str) -> dict[str, Any]:
    return {
        "taskId": task_id,
        "stepId": step_id,
        "agent": agent,
        "task": a2a_task(task_id, step_id, FORGED_ANSWER),
    }


def cloud_event(message_id: str, source: str, topic: str, data: Any) -> str:
    """A CloudEvent as Dapr's pubsub.redis stores it in the stream's `data` field."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": message_id,
            "source": source,
            "type": "com.dapr.event.sent",
            "topic": topic,
            "pubsubname": "pubsub",
            "datacontenttype": "application/json",
            "data": data,
        }
    )


def xadd(stack: LocalStack, stream: str, event: str) -> str:
    """Append to a stream as the attacker's Redis user; Redis's reply (an id, or an error)."""
    return redis_cli(stack, "XADD", stream, "*", "data", event, user=ATTACKER)


def signed_event(
    stack: LocalStack, app_id: str, topic: str, data: Any, message_id: str
) -> dict[str, Any]:
    """A CloudEvent signed by `app_id` for `topic`, as Dapr's pubsub.redis stores it."""
    envelope = app_signer(stack, app_id).envelope(topic, json.dumps(data).encode(), message_id)
    event: dict[str, Any] = json.loads(envelope)
    return {**event, "topic": topic, "pubsubname": "pubsub"}


def publish(stack: LocalStack, topic: str, data: Any, message_id: str) -> int:
    """Publish through the attacker's own sidecar (its Dapr API token), signed with its
    own key, as the chassis does; the HTTP status."""
    return publish_as(stack, ATTACKER, topic, data, message_id).status_code


def dead_letter(stack: LocalStack, message_id: str) -> dict[str, Any]:
    def noted() -> Any:
        letters = get(stack, "/v1/dead-letters")["dead_letters"]
        return next((d for d in letters if d["message_id"] == message_id), None)

    letter: dict[str, Any] = wait_for(stack, f"a dead-letter record of {message_id}", noted)
    return letter


def test_a_result_written_into_redis_with_an_agents_user_answers_no_other_agents_step(
    stack: LocalStack,
) -> None:
    task_id, step_id = waiting_units_step(stack)
    claim = cloud_event(
        secrets.token_hex(8), VICTIM, "agent.results.units", result(task_id, step_id, VICTIM)
    )
    # Neither the victim's results stream nor a shared one takes the calculator's writes.
    for stream in ("agent.results.units", "agent.results"):
        assert "NOPERM" in xadd(stack, stream, claim), stream
    # Its own stream does; whatever a message there claims, it is the calculator's word.
    message_id = secrets.token_hex(8)
    claimed = result(task_id, step_id, VICTIM)
    own = json.dumps(signed_event(stack, ATTACKER, "agent.results.calculator", claimed, message_id))
    assert "NOPERM" not in xadd(stack, "agent.results.calculator", own)
    letter = dead_letter(stack, message_id)
    assert letter["topic"] == "agent.results.calculator"
    assert "result for 'units' published on 'calculator'" in letter["reason"]

    assert_answered_by_units(approve_and_finish(stack, task_id, step_id))


def test_a_task_completed_written_into_redis_by_an_agent_is_not_recorded(
    stack: LocalStack,
) -> None:
    forged_task = secrets.token_hex(16)
    completed = {
        "task_id": forged_task,
        "agent": "calculator",
        "agents": ["calculator"],
        "status": "completed",
        "completed_at": datetime.now(UTC).isoformat(),
    }
    event = cloud_event(secrets.token_hex(8), "orchestrator", "task.completed", completed)
    assert "NOPERM" in xadd(stack, "task.completed", event)

    # A real task finishes after it: once the summarizer recorded that one, it has seen
    # everything appended to the stream before it.
    with stack.client("orchestrator") as client:
        real = client.post("/v1/tasks", json={"input": "2+3"}).json()["id"]

    def recorded() -> Any:
        with stack.client("summarizer") as summarizer:
            activity = summarizer.get("/v1/activity").json()
        ids = {t["task_id"] for t in activity["recent"]}
        return ids if real in ids else None

    ids = wait_for(stack, "the real task recorded by the summarizer", recorded)
    assert forged_task not in ids


def test_a_result_an_agent_publishes_for_another_agents_step_is_ignored(
    stack: LocalStack,
) -> None:
    task_id, step_id = waiting_units_step(stack)
    # The victim's topic is not the attacker's to publish on.
    assert publish(stack, "agent.results.units", result(task_id, step_id, VICTIM), "x1") == 403
    # Under its own name, on its own topic: stored as the calculator's answer, which the
    # units step never reads.
    assert publish(stack, "agent.results.calculator", result(task_id, step_id, ATTACKER), "x2") in (
        200,
        204,
    )
    # Claiming to be units on its own topic: dropped, with the reason.
    message_id = secrets.token_hex(8)
    assert publish(
        stack, "agent.results.calculator", result(task_id, step_id, VICTIM), message_id
    ) in (200, 204)
    assert "published on 'calculator'" in dead_letter(stack, message_id)["reason"]

    assert_answered_by_units(approve_and_finish(stack, task_id, step_id))


def test_a_dead_letter_an_agent_publishes_fails_no_other_agents_step(stack: LocalStack) -> None:
    task_id, step_id = waiting_units_step(stack)
    letter = {"taskId": task_id, "stepId": step_id, "agent": VICTIM, "reason": "forged"}
    for topic in ("tasks.deadletter.units", "tasks.deadletter"):
        assert publish(stack, topic, letter, secrets.token_hex(8)) == 403, topic
    message_id = secrets.token_hex(8)
    assert publish(stack, "tasks.deadletter.calculator", letter, message_id) in (200, 204)
    noted = dead_letter(stack, message_id)
    assert (noted["source"], noted["task_id"]) == (ATTACKER, task_id)

    assert_answered_by_units(approve_and_finish(stack, task_id, step_id))


def test_a_result_too_large_for_its_subscriber_is_refused_at_publish_with_a_dead_letter(
    stack: LocalStack,
) -> None:
    with stack.client("orchestrator") as client:
        created = client.post(
            "/v1/tasks",
            json={
                "input": f"repeat {3 * 1024 * 1024}",
                "agent": "knowledge",
                "mode": "async",
                "deadline_seconds": 150,
            },
        )
    assert created.status_code == 202, created.text
    task_id = created.json()["id"]

    def final() -> Any:
        task = get(stack, f"/v1/tasks/{task_id}")
        return task if task["status"] in ("completed", "failed") else None

    task = wait_for(stack, f"task {task_id} finished", final)
    assert task["status"] == "failed", task
    assert "exceeds the limit of" in task["error"], task["error"]
    letters = [d for d in get(stack, "/v1/dead-letters")["dead_letters"] if d["task_id"] == task_id]
    [letter] = letters
    assert letter["source"] == "knowledge"
    assert letter["reason"].startswith("knowledge gave up: the result was not published")
    size = re.search(r"a message of (\d+) bytes", letter["reason"])
    assert size is not None, letter["reason"]
    assert int(size.group(1)) > 3 * 1024 * 1024


def forgeries(stack: LocalStack, producer: str, topic: str, data: Any) -> dict[str, str]:
    """Message id -> CloudEvent (JSON) for `topic`: unsigned, signed by the attacker's key,
    and signed by `producer` then changed."""
    unsigned = cloud_event(secrets.token_hex(8), producer, topic, data)
    by_attacker = signed_event(stack, ATTACKER, topic, data, secrets.token_hex(8))
    changed = signed_event(stack, producer, topic, data, secrets.token_hex(8))
    changed["data"] = {**changed["data"], "taskId": f"{changed['data']['taskId']}-changed"}
    events = [unsigned, json.dumps(by_attacker), json.dumps(changed)]
    return {json.loads(e)["id"]: e for e in events}


def test_a_result_not_signed_by_its_topics_agent_is_dead_lettered_and_answers_nothing(
    stack: LocalStack,
) -> None:
    task_id, step_id = waiting_units_step(stack)
    # A writer the transport lets append to units' results stream (its user may here).
    forged = forgeries(stack, VICTIM, "agent.results.units", result(task_id, step_id, VICTIM))
    for event in forged.values():
        assert "NOPERM" not in redis_cli(
            stack, "XADD", "agent.results.units", "*", "data", event, user="orchestrator"
        )
    reasons = {message_id: dead_letter(stack, message_id)["reason"] for message_id in forged}
    unsigned, by_attacker, changed = reasons.values()
    assert unsigned == "signature: none on a message of 'units''s topic agent.results.units"
    for reason in (by_attacker, changed):
        assert reason.startswith("signature: not 'units''s for this message"), reason

    assert_answered_by_units(approve_and_finish(stack, task_id, step_id))


def refuse_forged_work(stack: LocalStack, agent: str, task_id: str, event_id_field: str) -> None:
    """Write work for `agent` into its requests stream unsigned, signed by the attacker,
    and signed by the hub then changed; assert `agent` drops each, logging the reason
    (its log line names the message under `event_id_field`), and its sidecar moves each
    to its dead letters, where the hub records it without failing anything (it is
    neither the agent's nor the hub's)."""
    work = {
        "taskId": task_id,
        "stepId": secrets.token_hex(16),
        "agent": agent,
        "deadline": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
        "request": {"message": {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "x"}]}},
    }
    topic = f"agent.requests.{agent}"
    forged = forgeries(stack, "orchestrator", topic, work)
    for event in forged.values():
        assert "NOPERM" not in redis_cli(
            stack, "XADD", topic, "*", "data", event, user="orchestrator"
        )
    for message_id in forged:
        letter = dead_letter(stack, message_id)
        assert letter["source"] == agent, letter
        assert letter["reason"].startswith("refused, not acted on: signature"), letter
    dropped = {
        line.get(event_id_field): line.get("reason", "")
        for line in log_lines(stack, agent)
        if line.get("msg") == "dropping work message"
    }
    for message_id in forged:
        assert dropped.get(message_id, "").startswith("signature: "), dropped


def test_work_not_signed_by_the_hub_is_refused_by_the_units_agent(stack: LocalStack) -> None:
    task_id, step_id = waiting_units_step(stack)
    refuse_forged_work(stack, VICTIM, task_id, "eventId")
    assert_answered_by_units(approve_and_finish(stack, task_id, step_id))


def test_work_not_signed_by_the_hub_is_refused_by_the_go_calendar_agent(
    stack: LocalStack,
) -> None:
    """sdk/go verifies work as the TypeScript and Python agents do."""
    refuse_forged_work(stack, "calendar", secrets.token_hex(8), "event_id")


def test_a_card_not_signed_by_its_own_apps_key_is_refused_at_registration(
    stack: LocalStack,
) -> None:
    """Every agent here registered with a signed card (units' signed in TypeScript); a
    card changed after signing, unsigned, or signed with another app's key is refused."""
    for app_id in (VICTIM, ATTACKER, "summarizer"):
        assert get(stack, f"/v1/agents/{app_id}")["health"] == "healthy", app_id
    with stack.client(ATTACKER) as calculator:
        card = calculator.get("/.well-known/agent-card.json").json()
    assert card["signatures"], card
    unsigned = {key: value for key, value in card.items() if key != "signatures"}
    changed = {**card, "description": "Answers everything, and converts units too."}
    by_units = sign_card_json(
        unsigned, VICTIM, load_private_key(stack.signing_keys.private[VICTIM])
    )
    expected = {
        "card signature: the card of 'calculator' is not signed": unsigned,
        "card signature: no signature on the card is 'calculator''s": changed,
    }
    for forged in [*expected.values(), by_units]:
        message = {
            "kind": "register",
            "app_id": ATTACKER,
            "instance_id": "forged",
            "card": forged,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        assert publish(stack, "agents.registry.calculator", message, secrets.token_hex(8)) in (
            200,
            204,
        )

    def refused() -> list[str]:
        said = [line.get("msg", "") for line in log_lines(stack, "orchestrator")]
        found = [m for m in said if "card signature" in m and "calculator" in m]
        return (
            found if all(any(r in m for m in found) for r in expected) and len(found) >= 3 else []
        )

    wait_for(stack, "the forged cards refused", refused)
    assert get(stack, f"/v1/agents/{ATTACKER}/card")["description"] == card["description"]


def units_instance(stack: LocalStack) -> str:
    """The instance id units announces itself under, read from its registry stream."""

    def announced() -> str | None:
        for topic in ("agents.registry.units", "agents.registry"):  # now, and before
            try:
                events = topic_events(stack, topic)
            except ValueError:  # NOPERM: the orchestrator's user may not read that name
                continue
            ids = [
                e["data"]["instance_id"]
                for e in events
                if isinstance(e.get("data"), dict) and e["data"].get("app_id") == VICTIM
            ]
            if ids:
                return str(ids[-1])
        return None

    instance: str = wait_for(stack, "a registration of units in Redis", announced)
    return instance


def test_an_agent_cannot_deregister_or_beat_for_another(stack: LocalStack) -> None:
    """The calculator's credentials cannot say goodbye (or beat) in units' name."""
    instance = units_instance(stack)
    before = get(stack, "/v1/agents/units")
    goodbye = {"kind": "deregister", "app_id": VICTIM, "instance_id": instance, "card": None}
    goodbye["sent_at"] = datetime.now(UTC).isoformat()
    beat = {**goodbye, "kind": "heartbeat", "card": {"name": "forged"}}
    for stream in ("agents.registry.units", "agents.registry"):
        event = cloud_event(secrets.token_hex(8), VICTIM, stream, goodbye)
        assert "NOPERM" in xadd(stack, stream, event), stream
    # Through its own sidecar, on every topic it may publish: taken as the calculator's.
    published = [
        publish(stack, topic, message, secrets.token_hex(8))
        for topic in ("agents.registry.calculator", "agents.registry")
        for message in (beat, goodbye)
    ]
    assert 403 in published  # the shared topic is gone
    refusals = [
        "deregister for 'units' was sent by 'calculator'",
        "heartbeat for 'units' was sent by 'calculator'",
    ]

    def refused() -> bool:
        # The log, not GET /v1/agents/refusals: the calculator's next real heartbeat
        # (every 0.5 s here) clears its refusal there.
        said = {line.get("msg", "") for line in log_lines(stack, "orchestrator")}
        return all(any(reason in msg for msg in said) for reason in refusals)

    wait_for(stack, "the forged registrations refused", refused)
    after = get(stack, "/v1/agents/units")
    assert after["health"] == "healthy", after
    assert after["live_instances"] == before["live_instances"]
    assert_answered_by_units(approve_and_finish(stack, *waiting_units_step(stack)))


def test_no_sidecar_was_refused_a_redis_command_it_needs(stack: LocalStack) -> None:
    """The ACLs grant what Dapr's Redis components send (runs after the flows above)."""
    refused = {
        process.name: [
            line for line in process.log_path.read_text().splitlines() if "NOPERM" in line
        ]
        for process in stack.supervisor.processes
        if process.name.endswith(".daprd")
    }
    assert refused, "no sidecar logs found"
    assert not any(refused.values()), refused
