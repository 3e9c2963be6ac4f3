"""Routing: which registered agent a task goes to, where its calls go through Dapr,
and the skills the planner may use (the `orchestrator.ports.AgentDirectory` port).

Only routable agents take tasks: healthy, their card version's evaluation
passed, not paused (known.py says why one is held back).
"""

from __future__ import annotations

import re

from orchestrator.ports import AgentRoute, AgentSkill
from orchestrator.registry.allowlist import ExternalAllowlist
from orchestrator.registry.errors import NoAgentAvailable, UnknownAgent
from orchestrator.registry.evaluation import EvaluationState
from orchestrator.registry.known import KnownAgents
from orchestrator.registry.policy import Health, Registration

__all__ = ["Routing"]

# Digits joined by an operator, or "N% of": arithmetic goes to an "arithmetic" skill.
_ARITHMETIC = re.compile(
    r"\d\s*(?:[-+*/^x\N{MULTIPLICATION SIGN}\N{DIVISION SIGN}]|%\s*of|\*\*)\s*\(?\s*[-+]?\d"
)


class Routing:
    """Chooses and routes agents from `known` (external ones only while allowlisted)."""

    def __init__(self, known: KnownAgents, allowlist: ExternalAllowlist) -> None:
        self._known = known
        self._allowlist = allowlist
        self._skills: tuple[int, list[AgentSkill]] = (-1, [])

    def plannable_skills(self) -> list[AgentSkill]:
        """Every skill of every registered agent that passed its evaluation and is not
        paused (health is checked when one is called).

        Asked on every planned task: rebuilt only when the catalog or an agent's
        evaluation or pause changed, and the same (read-only) list is returned until then.
        """
        version, skills = self._skills
        current = hash((self._known.catalog.version, self._known.gate_changes))
        if version != current:
            skills = []
            for app_id in self._known.catalog.ids():
                entry = self._known.catalog.get(app_id)
                assert entry is not None
                if self._known.gated(app_id):
                    continue
                schemas = entry.card.hubspoke.skills
                for skill in entry.card.card.skills:
                    stated = schemas.get(skill.id)
                    approval = stated is not None and stated.approval == "required"
                    skills.append(
                        AgentSkill(
                            app_id,
                            skill.id,
                            skill.description,
                            tuple(skill.tags),
                            name=skill.name,
                            examples=tuple(skill.examples),
                            approval=approval,
                            arguments_schema=stated.arguments_schema if stated else None,
                        )
                    )
            self._skills = (current, skills)
        return skills

    def alternatives(self, skill: str, *, exclude: str) -> list[str]:
        """Other routable agents offering `skill` (for failover)."""
        return [
            app_id
            for app_id in self._known.catalog.filter(skill=skill)
            if app_id != exclude and self._known.routable(app_id)
        ]

    def undeliverable(self, app_id: str) -> bool:
        """Whether work queued for `app_id` can no longer be answered in good standing:
        the agent was removed (deregistered, or silent past the TTL) or is quarantined.

        Health does not count: a restarting agent fails its probes for seconds, yet
        its topic holds the work (or Dapr redelivers it) and the new process
        answers it. A dead-lettered message fails its step by itself (events_api).
        """
        if app_id not in self._known.records:
            return True
        return self._known.evaluation(app_id).state is EvaluationState.QUARANTINED

    def takes_async_work(self, app_id: str) -> bool:
        """Whether the agent's card says it takes work over pub/sub."""
        entry = self._known.catalog.get(app_id)
        return entry is not None and entry.card.hubspoke.async_work

    def route(self, app_id: str) -> AgentRoute:
        """Where A2A calls to `app_id` go through Dapr (see `AgentRoute`).

        An external agent is called by its HTTPEndpoint name at its card's JSONRPC
        path; only while its name is still on the allowlist (else NoAgentAvailable).
        A paused, quarantined or still evaluated agent has no route for tasks
        (AgentPaused, AgentQuarantined, AgentEvaluating).
        """
        if app_id in self._known.records and (blocked := self._known.blocked(app_id)) is not None:
            raise blocked
        return self.route_any(app_id)

    def route_any(self, app_id: str) -> AgentRoute:
        """The route whatever holds the agent back (its evaluation runs on it)."""
        record = self._known.records.get(app_id)
        if record is None or record.registration is not Registration.EXTERNAL:
            return AgentRoute(target=app_id, path="a2a")
        if app_id not in self._allowlist or record.rpc_path is None:
            raise NoAgentAvailable(f"external agent {app_id!r} is no longer allowlisted")
        return AgentRoute(target=app_id, path=record.rpc_path)

    def ensure_available(self, app_id: str, *, queued: bool = False) -> None:
        """Raise unless `app_id` is registered and routable.

        `queued`: the step's work goes to the agent's pub/sub topic if its card
        takes asynchronous work; the topic holds it while the agent restarts, so
        health is not required then, only that the agent is registered and not
        paused, quarantined or being evaluated (AgentPaused, AgentQuarantined,
        AgentEvaluating; UnknownAgent if it is not registered).
        """
        if queued and app_id in self._known.records and self.takes_async_work(app_id):
            if (blocked := self._known.blocked(app_id)) is not None:
                raise blocked
            return
        self.choose("", app_id)

    def choose(self, text: str, requested: str | None) -> str:
        """The routable agent a task goes to: the one named, else the best-ranked match.

        A named agent that is paused or quarantined raises a ConflictError (409), one
        still being evaluated or unhealthy NoAgentAvailable (503), saying why.
        """
        if requested is not None:
            if requested not in self._known.records:
                ids = self._known.catalog.ids()
                raise UnknownAgent(
                    f"unknown agent {requested!r}; registered agents: {', '.join(ids) or 'none'}",
                    known_agents=ids,
                )
            if (blocked := self._known.blocked(requested)) is not None:
                raise blocked
            if self._known.health(requested) is not Health.HEALTHY:
                raise NoAgentAvailable(f"agent {requested!r} is registered but unhealthy")
            return requested
        if _ARITHMETIC.search(text):
            candidates = self._known.catalog.filter(skill="arithmetic")
        else:
            candidates = [app_id for app_id, _ in self._known.catalog.search(text, limit=10)]
        # The fallback takes only what no skill matched: an arithmetic task must not
        # land on a summarizer because the calculator is down.
        candidates = candidates or self._known.catalog.filter(tag="fallback")
        for app_id in candidates:
            if self._known.routable(app_id):
                return app_id
        held = [a for a in candidates if self._known.gated(a)]
        if held:
            raise NoAgentAvailable(
                "agents able to take this task are paused, quarantined, being evaluated or "
                f"unhealthy: {', '.join(candidates)}"
            )
        if candidates:
            raise NoAgentAvailable(
                f"agents able to take this task are unhealthy: {', '.join(candidates)}"
            )
        raise NoAgentAvailable("no registered agent can take this task")
