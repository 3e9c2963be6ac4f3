"""Micro-benchmark: registry lookups with 10,000 registered agents.

Registers N synthetic agents (real cards, through the same RegistryService
code path the orchestrator runs, on the in-memory Dapr port) and times the
lookups the router and the query API make. Prints percentiles; asserts
nothing (numbers belong in reports, not in tests).

    .venv/bin/python -m bench.registry_lookup [--agents 10000] [--rounds 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chassis.agent import AgentDescription, Skill, build_card
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.settings import AgentSettings
from chassis.testing import InMemoryDapr
from orchestrator.registry.policy import RegistryPolicy
from orchestrator.registry.service import RegistryService
from orchestrator.registry.store import RegistryStore

DOMAINS = ["billing", "weather", "travel", "legal", "medical", "retail", "hr", "search", "code"]
VERBS = ["summarize", "translate", "classify", "extract", "answer", "plan", "review", "rank"]


def synthetic_card(i: int, rng: random.Random) -> dict[str, Any]:
    domain, verb = rng.choice(DOMAINS), rng.choice(VERBS)
    skill = Skill(
        id=f"{verb}-{domain}",
        name=f"{verb.title()} {domain}",
        description=f"{verb.title()} {domain} documents and questions, variant {i % 97}.",
        tags=(domain, verb, f"tier{i % 5}"),
        examples=(f"{verb} this {domain} request",),
    )
    agent = AgentDescription(
        name=f"Agent {i}",
        description=f"A {domain} agent that can {verb}.",
        version=f"{i % 3}.{i % 10}.0",
        skills=(skill,),
    )
    return build_card(agent, AgentSettings(app_id=f"agent-{i:05d}"))


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def report(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return (
        f"| {name} | {len(samples)} | {q[49]:.4f} | {q[89]:.4f} | {q[98]:.4f} | {ordered[-1]:.4f} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2_000)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime.now(UTC)
    dapr = InMemoryDapr()
    registry = RegistryService(
        store=RegistryStore(dapr, "statestore"),
        dapr=dapr,
        policy=RegistryPolicy(),
        verify_cards=False,
        clock=lambda: now,  # every agent is fresh: the timings are of lookups, not expiry
    )
    start = time.perf_counter()
    for i in range(args.agents):
        message = RegistrationMessage(
            kind=RegistrationKind.REGISTER,
            app_id=f"agent-{i:05d}",
            instance_id="i1",
            card=synthetic_card(i, rng),
            sent_at=now,
        )
        await registry.handle(message, sender=message.app_id)
    registered = time.perf_counter() - start
    start = time.perf_counter()
    await registry.load()
    loaded = time.perf_counter() - start

    ids = registry.catalog.ids()
    rounds = args.rounds
    print(f"registered {len(ids)} agents in {registered:.1f}s; reload from store {loaded:.2f}s\n")
    print("| lookup | n | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(report("get by app-id (view)", timed(lambda: registry.view(rng.choice(ids)), rounds)))
    print(report("health of one agent", timed(lambda: registry.health(rng.choice(ids)), rounds)))
    print(
        report(
            "filter by skill (ids)",
            timed(
                lambda: registry.catalog.filter(skill=f"{rng.choice(VERBS)}-{rng.choice(DOMAINS)}"),
                rounds,
            ),
        )
    )
    print(
        report(
            "filter by tag (ids)",
            timed(lambda: registry.catalog.filter(tag=f"tier{rng.randrange(5)}"), rounds // 10),
        )
    )
    print(
        report(
            "route a task (choose)",
            timed(
                lambda: registry.choose(
                    f"please {rng.choice(VERBS)} my {rng.choice(DOMAINS)} file", None
                ),
                rounds,
            ),
        )
    )
    print(
        report(
            "ranked search, top 5",
            timed(
                lambda: registry.catalog.search(f"{rng.choice(VERBS)} {rng.choice(DOMAINS)}"),
                rounds,
            ),
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
