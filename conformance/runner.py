"""Which checks run, in what order, against one agent; `run_kit` on a running stack.

`run_checks` takes the ports (tests pass fakes); `run_kit` builds the real
adapters from the stack description. Deregistration runs last: it stops the
agent (only when given an `AgentControl`) and starts it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from conformance.adapters import OrchestratorRegistry, SidecarChannel, StackWorkBus
from conformance.checks.async_work import check_async_work
from conformance.checks.card import check_card
from conformance.checks.card_file import check_card_file
from conformance.checks.errors import check_error_shapes
from conformance.checks.paths import check_paths
from conformance.checks.registry import (
    check_deregistration,
    check_evaluation,
    check_heartbeat,
    check_registered,
)
from conformance.checks.secrets import check_no_secrets
from conformance.checks.tasks import check_deadline, check_examples, check_refusals
from conformance.ports import AgentChannel, AgentControl, RegistryView, Transcript, WorkBus
from conformance.results import Report, skipped
from conformance.stackfile import StackDescription

__all__ = ["KitOptions", "run_checks", "run_kit"]


@dataclass(frozen=True)
class KitOptions:
    """How long the kit waits; the defaults suit a stack with default registry timings."""

    step_timeout: timedelta = timedelta(seconds=30)  # each step's deadline
    deadline_prompt: timedelta = timedelta(seconds=5)  # a past-deadline step answered within
    async_wait: timedelta = timedelta(seconds=30)  # first result of published work within
    async_settle: timedelta = timedelta(seconds=5)  # how long to watch for a second result
    heartbeat_wait: timedelta = timedelta(seconds=15)  # last_seen advances within
    deregister_wait: timedelta = timedelta(seconds=10)  # deregister published, then unlisted


async def run_checks(
    app_id: str,
    *,
    channel: AgentChannel,
    bus: WorkBus,
    registry: RegistryView,
    transcript: Transcript,
    secrets: Mapping[str, str],
    control: AgentControl | None = None,
    options: KitOptions | None = None,
    shipped_card: tuple[str, str] | None = None,
) -> Report:
    """Every check against `app_id`, through the given ports; `shipped_card` is the card
    file the agent ships, (name, text), when it ships one."""
    options = options or KitOptions()
    report = Report(app_id)
    served = await channel.get_card(app_id)
    card_results, facts = check_card(served, app_id)
    report.add(*card_results)
    if shipped_card is not None and facts is not None:
        report.add(check_card_file(served, shipped_card[1], shipped_card[0]))
    first = facts.examples[0] if facts and facts.examples else None
    if facts is None:
        report.add(skipped("examples", "not checked: no readable card"))
    else:
        report.add(*await check_examples(channel, app_id, facts.examples, options.step_timeout))
    skill = first[0] if first else None
    report.add(*await check_refusals(channel, app_id, skill, options.step_timeout))
    report.add(await check_deadline(channel, app_id, first, options.deadline_prompt))
    report.add(*await check_error_shapes(channel, app_id))
    report.add(*await check_paths(channel, app_id))
    if facts is None:
        report.add(skipped("async.once", "not checked: no readable card"))
    else:
        report.add(
            await check_async_work(
                bus,
                transcript,
                app_id,
                first,
                offers_pubsub=facts.offers_pubsub,
                wait=options.async_wait,
                settle=options.async_settle,
            )
        )
    report.add(await check_registered(registry, app_id, options.heartbeat_wait))
    report.add(await check_heartbeat(registry, app_id, options.heartbeat_wait))
    report.add(await check_evaluation(registry, app_id, options.heartbeat_wait))
    report.add(check_no_secrets(transcript, secrets))
    report.add(await check_deregistration(registry, bus, control, app_id, options.deregister_wait))
    return _redacted(report, secrets)


def _redacted(report: Report, secrets: Mapping[str, str]) -> Report:
    """The report with every secret of the run masked: messages quote what agents answered."""

    def mask(text: str) -> str:
        for label, value in secrets.items():
            if value:
                text = text.replace(value, f"[{label}]")
        return text

    results = [replace(r, message=mask(r.message)) for r in report.results]
    return Report(report.app_id, results)


async def run_kit(
    app_id: str,
    stack: StackDescription,
    *,
    control: AgentControl | None = None,
    options: KitOptions | None = None,
    shipped_card: tuple[str, str] | None = None,
) -> Report:
    """Check `app_id` on the running stack described by `stack`."""
    options = options or KitOptions()
    transcript = Transcript()
    timeout_s = options.step_timeout.total_seconds() + 10
    async with (
        SidecarChannel(stack, transcript, timeout_s) as channel,
        StackWorkBus(stack, timeout_s) as bus,
        OrchestratorRegistry(stack, timeout_s) as registry,
    ):
        return await run_checks(
            app_id,
            channel=channel,
            bus=bus,
            registry=registry,
            transcript=transcript,
            secrets=stack.run_secrets,
            control=control,
            options=options,
            shipped_card=shipped_card,
        )
