"""Wiring: settings -> Dapr adapter -> stores -> registry and task services -> API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from fastapi import FastAPI

from chassis import DaprPort, create_app
from chassis.contract import TASK_COMPLETED_TOPIC
from chassis.dapr import open_sidecar, pooled_session, sidecar_address
from chassis.provenance import signer_from, verifier_from
from chassis.signatures import load_public_keys
from chassis.version import system_version
from orchestrator import events_api
from orchestrator.auth import build_authenticator
from orchestrator.console import api as console_api
from orchestrator.conversations.store import ConversationStore
from orchestrator.edge import a2a_api
from orchestrator.edge.push.wiring import build_push
from orchestrator.metrics import observe_registry
from orchestrator.planning.deferred import DeferredPlanner
from orchestrator.ports import ExampleRunner, SkillCall, TaskPlanner, TaskPolicy
from orchestrator.registry import api as agents_api
from orchestrator.registry.allowlist import ExternalAllowlist
from orchestrator.registry.evaluator import EvaluationLimits
from orchestrator.registry.monitor import monitor_registry
from orchestrator.registry.policy import RegistryPolicy
from orchestrator.registry.service import RegistryService
from orchestrator.registry.store import RegistryStore
from orchestrator.settings import OrchestratorSettings
from orchestrator.tasks.a2a_client import A2AInvoker
from orchestrator.tasks.api import document_limits
from orchestrator.tasks.api import router as tasks_router
from orchestrator.tasks.approval_store import ApprovalIndex
from orchestrator.tasks.approvals import ApprovalService, sweep_approvals
from orchestrator.tasks.approvals_api import router as approvals_router
from orchestrator.tasks.examples import A2AExampleRunner
from orchestrator.tasks.feed import TaskFeed
from orchestrator.tasks.feed_api import router as task_feed_router
from orchestrator.tasks.jsonrpc_post import AiohttpPost, HttpxPost
from orchestrator.tasks.ownership import OwnedTasks
from orchestrator.tasks.recent import RecentTasks
from orchestrator.tasks.service import TaskService
from orchestrator.tasks.step_results import StepResults
from orchestrator.tasks.store import DeadLetterLog, TaskRepository
from orchestrator.tasks.traces import TraceQuery
from orchestrator.tasks.transports import InvocationTransport, PubSubTransport

if TYPE_CHECKING:
    from semantic_kernel.connectors.ai.chat_completion_client_base import (
        ChatCompletionClientBase,
    )

__all__ = ["build_app", "build_task_service"]


def build_registry(
    settings: OrchestratorSettings, dapr: DaprPort, examples: ExampleRunner | None = None
) -> RegistryService:
    """The registry; `examples` runs agents' evaluation examples (tasks' A2A path)."""
    policy = RegistryPolicy(
        reserved_app_ids=frozenset({settings.app_id}),
        unhealthy_after=timedelta(seconds=settings.unhealthy_after_seconds),
        remove_after=timedelta(seconds=settings.remove_after_seconds),
    )
    return RegistryService(
        store=RegistryStore(dapr, settings.registry_store),
        dapr=dapr,
        policy=policy,
        verify_cards=settings.verify_cards,
        probe_timeout_s=settings.probe_timeout_seconds,
        # An agent's card must be signed by its own key, with message signatures checked.
        card_keys=load_public_keys(settings.signing_public_keys)
        if settings.verify_signatures
        else None,
        allowlist=ExternalAllowlist(settings.external_agents),
        examples=examples,
        evaluation_limits=EvaluationLimits(
            example_timeout_s=settings.evaluation_timeout_seconds,
            concurrency=settings.evaluation_concurrency,
            retry_after=timedelta(seconds=settings.evaluation_retry_seconds),
        ),
    )


def build_task_service(
    settings: OrchestratorSettings,
    dapr: DaprPort,
    registry: RegistryService,
    results: StepResults,
    chat_service: ChatCompletionClientBase | None,
    a2a: A2AInvoker,
    recent: RecentTasks | None = None,
    approvals: ApprovalIndex | None = None,
) -> TaskService:
    invocation = InvocationTransport(
        a2a, routes=registry.route, timeout_s=settings.agent_timeout_seconds
    )
    messaging = PubSubTransport(
        dapr,
        pubsub=settings.pubsub,
        results=results,
        takes_work=registry.takes_async_work,
        undeliverable=registry.undeliverable,
        fallback=invocation,
    )
    return TaskService(
        dapr=dapr,
        tasks=TaskRepository(dapr, settings.state_store, recent),
        agents=registry,
        planner=lambda invoke: DeferredPlanner(lambda: _planner(settings, chat_service, invoke)),
        invocation=invocation,
        messaging=messaging,
        pubsub=settings.pubsub,
        task_queue=settings.task_queue,
        completed_topic=TASK_COMPLETED_TOPIC,
        policy=TaskPolicy(
            max_steps=settings.max_plan_steps,
            max_input_chars=settings.max_input_chars,
            deadline_s=settings.task_deadline_seconds,
            async_deadline_s=settings.async_task_deadline_seconds,
            max_deadline_s=settings.max_task_deadline_seconds,
            approval_tags=settings.approval_tag_set(),
            **_step_id_key(settings),
        ),
        on_pause=None if approvals is None else approvals.note,
        conversations=ConversationStore(
            dapr,
            settings.state_store,
            max_turns=settings.conversation_max_turns,
            max_bytes=settings.conversation_max_bytes,
            ttl_s=settings.conversation_ttl_seconds,
        ),
    )


def _planner(
    settings: OrchestratorSettings,
    chat_service: ChatCompletionClientBase | None,
    invoke: SkillCall,
) -> TaskPlanner:
    """The Semantic Kernel planner on the given or the configured model (imports SK: slow)."""
    from orchestrator.planning.chat_services import build_chat_service
    from orchestrator.planning.planner import Planner

    return Planner(chat_service or build_chat_service(settings), invoke)


def _step_id_key(settings: OrchestratorSettings) -> dict[str, bytes]:
    """The configured step-id key, if any (else TaskPolicy makes one)."""
    key = settings.step_id_key
    return {} if key is None else {"step_id_key": key.get_secret_value().encode()}


def _agent_invoker(given: httpx.AsyncClient | None) -> A2AInvoker:
    """A2A calls go out through our own sidecar, with its token (or through `given`)."""
    if given is not None:
        return A2AInvoker(HttpxPost(given))
    base_url, headers = sidecar_address()
    # Each call's own timeout (the step's budget) applies.
    return A2AInvoker(AiohttpPost(pooled_session(headers, base_url)))


def _trace_query(settings: OrchestratorSettings) -> TraceQuery:
    url = settings.trace_query_url
    return TraceQuery(httpx.AsyncClient(base_url=url, timeout=5) if url else None)


def build_app(
    settings: OrchestratorSettings | None = None,
    dapr: DaprPort | None = None,
    *,
    monitor: bool = True,
    chat_service: ChatCompletionClientBase | None = None,
    agents_http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The orchestrator app; tests pass settings, a fake Dapr port, may skip the monitor,
    and may give the HTTP client A2A calls to agents go out on (`agents_http`, whose
    base URL stands for our sidecar's)."""
    settings = settings or OrchestratorSettings()
    version = system_version()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_sidecar(dapr, signer=signer_from(settings)) as sidecar:
            app.state.event_verifier = verifier_from(settings)
            app.state.authenticator = build_authenticator(settings)
            a2a = _agent_invoker(agents_http)
            examples = A2AExampleRunner(a2a) if settings.evaluate_agents else None
            registry = build_registry(settings, sidecar, examples)
            await registry.load()  # serve nothing before the stored registry is back
            observe_registry(registry.count_by_health)
            app.state.registry = registry
            app.state.step_results = StepResults(sidecar, settings.state_store)
            app.state.dead_letters = DeadLetterLog(sidecar, settings.state_store)
            recent = RecentTasks(sidecar, settings.state_store)
            waiting = ApprovalIndex(sidecar, settings.state_store)
            app.state.task_service = build_task_service(
                settings,
                sidecar,
                registry,
                app.state.step_results,
                chat_service,
                a2a,
                recent=recent,
                approvals=waiting,
            )
            app.state.approvals = ApprovalService(
                tasks=TaskRepository(sidecar, settings.state_store),
                index=waiting,
                runner=app.state.task_service,
            )
            app.state.owned_tasks = OwnedTasks(app.state.task_service)
            app.state.task_feed = TaskFeed(
                tasks=TaskRepository(sidecar, settings.state_store), recent=recent
            )
            app.state.trace_query = _trace_query(settings)
            webhooks = ExternalAllowlist(
                settings.push_webhooks, kind="webhook", setting="ORCHESTRATOR_PUSH_WEBHOOKS"
            )
            push = build_push(settings, sidecar, app.state.task_service, webhooks, agents_http)
            app.state.a2a_edge = a2a_api.build_edge(
                settings,
                version,
                app.state.task_service,
                app.state.owned_tasks,
                registry.plannable_skills,
                push.configs,
                approvals=app.state.approvals,
                lister=app.state.task_feed,
            )
            sweepers = []
            if monitor:
                sweepers = [
                    asyncio.create_task(
                        monitor_registry(registry, settings.registry_sweep_seconds)
                    ),
                    asyncio.create_task(
                        sweep_approvals(app.state.approvals, settings.approval_sweep_seconds)
                    ),
                ]
            yield
            # Notifications still being published go out before the sidecar closes.
            await app.state.task_service.drain()
            await recent.drain()
            for sweeper in sweepers:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await push.aclose()
            await registry.aclose()
            await a2a.aclose()
            await app.state.trace_query.aclose()

    app = create_app(
        settings=settings,
        title="Hubspoke orchestrator",
        version=version,
        description="Public task API and agent registry; routes each task to an agent via Dapr.",
        # The task feed's routes first: /v1/tasks/events is not a task id.
        routers=[
            task_feed_router,
            tasks_router,
            approvals_router,
            events_api.router,
            agents_api.router,
            console_api.router,
        ],
        lifespan=lifespan,
        # The public API is served on this port too; only Dapr's callbacks need the app token,
        # and only they continue the caller's trace (the public routes start one of ours).
        sidecar_only_paths=("/dapr/", "/events/"),
    )
    document_limits(
        app,
        max_deadline_s=settings.max_task_deadline_seconds,
        max_input_chars=settings.max_input_chars,
    )
    a2a_api.install(app, settings, version)  # the hub as an A2A agent
    agents_api.subscribe(app, settings.pubsub, agents=settings.pubsub_agent_list())
    events_api.subscribe(
        app,
        app_id=settings.app_id,
        pubsub=settings.pubsub,
        task_queue=settings.task_queue,
        agents=settings.pubsub_agent_list(),
    )
    return app
