"""Benchmark: the registry at 10,000 agents, through a real daprd and its SQLite store.

Registers N synthetic agents (real cards) one by one through the same
RegistryService code path the orchestrator runs, on the orchestrator's own
sidecar adapter (`chassis.dapr.DaprSidecar`) against a real daprd whose state
store is the project's SQLite component (bench/state_sidecar.py). Reports:

- registrations per second at each thousand from 0 to N (one by one);
- with N registered: 1,000 more one by one, and 1,000 more arriving at once
  (`--concurrency`, as Dapr delivers a burst of messages), and 1,000 heartbeats;
- lookup percentiles (in memory: view, health, filters, route, search);
- what a second replica pays: a full load (its start-up), a sweep's reload
  when nothing changed, and after 100 registrations by the first replica.

Asserts nothing (numbers belong in reports, not in tests).

    .venv/bin/python -m bench.registry_lookup [--agents 10000] [--rounds 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.state_sidecar import STORE, cpu_seconds, sidecar_client, state_sidecar
from chassis.agent import AgentDescription, Skill, build_card
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.dapr import DaprPort
from chassis.settings import AgentSettings
from orchestrator.registry.policy import RegistryPolicy
from orchestrator.registry.service import RegistryService
from orchestrator.registry.store import RegistryStore

DOMAINS = ["billing", "weather", "travel", "legal", "medical", "retail", "hr", "search", "code"]
VERBS = ["summarize", "translate", "classify", "extract", "answer", "plan", "review", "rank"]


def _template(domain: str, verb: str) -> str:
    """A real card (chassis.agent.build_card) of agent 99999, as JSON text to stamp."""
    skill = Skill(
        id=f"{verb}-{domain}",
        name=f"{verb.title()} {domain}",
        description=f"{verb.title()} {domain} documents and questions, variant 99999.",
        tags=(domain, verb, "tier99999"),
        examples=(f"{verb} this {domain} request",),
    )
    agent = AgentDescription(
        name="Agent 99999",
        description=f"A {domain} agent that can {verb}.",
        version="99999.0.0",
        skills=(skill,),
    )
    return json.dumps(build_card(agent, AgentSettings(app_id="agent-99999")))


class Cards:
    """Synthetic cards: one real card per skill, stamped with each agent's number
    (building each card from scratch costs tens of ms: settings and JSON Schemas)."""

    def __init__(self, seed: int = 7) -> None:
        self._rng = random.Random(seed)
        self._templates: dict[tuple[str, str], str] = {}

    def card(self, i: int) -> dict[str, Any]:
        key = (self._rng.choice(DOMAINS), self._rng.choice(VERBS))
        if key not in self._templates:
            self._templates[key] = _template(*key)
        text = (
            self._templates[key]
            .replace("agent-99999", f"agent-{i:05d}")
            .replace("Agent 99999", f"Agent {i}")
            .replace("variant 99999", f"variant {i % 97}")
            .replace("tier99999", f"tier{i % 5}")
            .replace("99999.0.0", f"{i % 3}.{i % 10}.0")
        )
        card: dict[str, Any] = json.loads(text)
        return card


def message(i: int, kind: RegistrationKind, card: dict[str, Any]) -> RegistrationMessage:
    return RegistrationMessage(
        kind=kind, app_id=f"agent-{i:05d}", instance_id="i1", card=card, sent_at=datetime.now(UTC)
    )


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


async def seconds(work: Awaitable[object]) -> float:
    start = time.perf_counter()
    await work
    return time.perf_counter() - start


NOW = datetime.now(UTC)


def replica(dapr: DaprPort) -> RegistryService:
    """One orchestrator replica's registry on the shared store (cards not re-fetched;
    a clock that stands still: every agent stays fresh, the run measures storage)."""
    return RegistryService(
        store=RegistryStore(dapr, STORE),
        dapr=dapr,
        policy=RegistryPolicy(),
        verify_cards=False,
        clock=lambda: NOW,
    )


class Cpu:
    """CPU milliseconds this process and the sidecar used since the last `lap`."""

    def __init__(self, sidecar_pid: int) -> None:
        self._pid = sidecar_pid
        self._last = self._now()

    def _now(self) -> tuple[float, float]:
        return time.process_time(), cpu_seconds(self._pid)

    def lap(self) -> tuple[float, float]:
        now = self._now()
        used = ((now[0] - self._last[0]) * 1000, (now[1] - self._last[1]) * 1000)
        self._last = now
        return used


class Agents:
    """Synthetic agents and the messages they publish."""

    def __init__(self, registry: RegistryService, cpu: Cpu) -> None:
        self.registry = registry
        self.cpu = cpu
        self.cards: dict[int, dict[str, Any]] = {}

    def prepare(self, ids: range) -> None:
        """Build the cards of `ids` before any timing starts."""
        made = Cards()
        self.cards.update((i, made.card(i)) for i in ids)

    async def send(self, i: int, kind: RegistrationKind = RegistrationKind.REGISTER) -> None:
        sent = message(i, kind, self.cards[i])
        await self.registry.handle(sent, sender=sent.app_id)

    async def one_by_one(self, ids: range, kind: RegistrationKind) -> float:
        """Messages per second, each handled before the next is sent."""
        start = time.perf_counter()
        for i in ids:
            await self.send(i, kind)
        return len(ids) / (time.perf_counter() - start)

    async def at_once(
        self, ids: range, concurrency: int, kind: RegistrationKind = RegistrationKind.REGISTER
    ) -> tuple[float, int]:
        """Registrations per second with `concurrency` in flight, and how many failed."""
        gate = asyncio.Semaphore(concurrency)
        failed = 0

        async def one(i: int) -> None:
            nonlocal failed
            async with gate:
                try:
                    await self.send(i, kind)
                except Exception:  # counted and reported; the run goes on
                    failed += 1

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in ids))
        return len(ids) / (time.perf_counter() - start), failed


def row(what: str, n: int, rate: float, cpu: tuple[float, float], failed: int = 0) -> str:
    ours, sidecar = cpu
    return (
        f"| {what} | {rate:,.0f} | {ours / n:.2f} | {sidecar / n:.2f} | "
        f"{n * 1000 / (ours + sidecar):,.0f} | {failed} |"
    )


async def registrations(agents: Agents, n: int, concurrency: int) -> None:
    print(
        "| registrations | per s (wall) | CPU ms each, orchestrator code | CPU ms each, "
        "daprd | per s per core of CPU | failed |"
    )
    print("|---|---|---|---|---|---|")
    step = 1000
    for start in range(0, n, step):
        agents.cpu.lap()
        rate, failed = await agents.at_once(range(start, min(start + step, n)), concurrency)
        what = f"{start:,} -> {min(start + step, n):,}, {concurrency} at once"
        print(row(what, step, rate, agents.cpu.lap(), failed))
    agents.cpu.lap()
    one = await agents.one_by_one(range(n, n + step), RegistrationKind.REGISTER)
    print(row(f"{n:,} -> {n + step:,}, one by one", step, one, agents.cpu.lap()))
    burst, failed = await agents.at_once(range(n + step, n + 2 * step), concurrency)
    print(
        row(
            f"{n + step:,} -> {n + 2 * step:,}, {concurrency} at once",
            step,
            burst,
            agents.cpu.lap(),
            failed,
        )
    )
    beats, failed = await agents.at_once(range(0, step), concurrency, RegistrationKind.HEARTBEAT)
    print(row(f"1,000 heartbeats, {concurrency} at once", step, beats, agents.cpu.lap(), failed))
    print()


def lookups(registry: RegistryService, rounds: int) -> None:
    rng = random.Random(11)
    ids = registry.catalog.ids()
    print("| lookup | n | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(report("get by app-id (view)", timed(lambda: registry.view(rng.choice(ids)), rounds)))
    print(report("health of one agent", timed(lambda: registry.health(rng.choice(ids)), rounds)))
    by_skill = timed(
        lambda: registry.catalog.filter(skill=f"{rng.choice(VERBS)}-{rng.choice(DOMAINS)}"),
        rounds,
    )
    print(report("filter by skill (ids)", by_skill))
    by_tag = timed(lambda: registry.catalog.filter(tag=f"tier{rng.randrange(5)}"), rounds // 10)
    print(report("filter by tag (ids)", by_tag))
    route = timed(
        lambda: registry.choose(f"please {rng.choice(VERBS)} my {rng.choice(DOMAINS)} file", None),
        rounds,
    )
    print(report("route a task (choose)", route))
    search = timed(
        lambda: registry.catalog.search(f"{rng.choice(VERBS)} {rng.choice(DOMAINS)}"), rounds
    )
    print(report("ranked search, top 5", search))


async def replicas(dapr: DaprPort, first: Agents, n: int) -> None:
    """What a second replica pays to follow the first."""
    second = replica(dapr)
    cold = await seconds(second.load())
    idle = await seconds(second.catch_up())
    for i in range(n + 2000, n + 2100):
        await first.send(i)
    changed = await seconds(second.catch_up())
    known = len(second.catalog)
    print("| second replica | seconds |")
    print("|---|---|")
    print(f"| start-up: full load of {known - 100:,} agents | {cold:.3f} |")
    print(f"| sweep's reload, nothing changed | {idle:.4f} |")
    print(f"| sweep's reload after 100 registrations elsewhere | {changed:.4f} |")
    print(f"\n(the second replica then knows {known:,} agents)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-registry-") as run_dir,
        state_sidecar(Path(run_dir)) as sidecar,
    ):
        async with sidecar_client(sidecar.url) as dapr:
            first = Agents(replica(dapr), Cpu(sidecar.pid))
            first.prepare(range(args.agents + 2100))
            await registrations(first, args.agents, args.concurrency)
            lookups(first.registry, args.rounds)
            print()
            await replicas(dapr, first, args.agents)


if __name__ == "__main__":
    asyncio.run(main())
