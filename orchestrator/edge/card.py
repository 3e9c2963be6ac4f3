"""The hub's own A2A card: the whole system as one agent, for any A2A client.

Served open at `GET /.well-known/agent-card.json` (A2A: a public card is read
before authenticating; it says how to authenticate). It holds no secret and no
internal address: the skills of the registered agents are merged by skill id
(which agents offer them, and their Dapr app-ids, stay inside), beside the
hub's own skill, planning a request over them. The card is rebuilt when the
registry's catalog changes, never per request.

Card shape (A2A 1.0, proto JSON): name, description, version,
supportedInterfaces = JSONRPC at <public base>/a2a and HTTP+JSON at
<public base>/a2a/rest, each once as protocolVersion 1.0 (preferred) and once
as 0.3 (the same endpoints serve both: A2A 1.0 3.6.2), provider {organization,
url}, capabilities {streaming, extendedAgentCard: true}, securitySchemes +
securityRequirements as orchestrator/auth.py authenticates today,
defaultInput/OutputModes, skills. The SDK's card route adds the 0.3 fields
(url, preferredTransport, protocolVersion, security, `in` of an apiKey
scheme) from the 0.3 interfaces, so a 0.3 client parses the same card.

Two cards (A2A 1.0 3.1.11): the public one lists each skill in summary (id,
name, description, tags); the extended one, for authenticated callers
(GetExtendedAgentCard), adds the skills' examples and the Hubspoke
task extension (which agents offer each skill, what `metadata.hubspoke`
takes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from a2a.types import AgentCard
from google.protobuf.json_format import ParseDict

from chassis.card_signing import sign_own_card
from orchestrator.ports import AgentSkill
from orchestrator.settings import OrchestratorSettings

__all__ = [
    "A2A_PATH",
    "A2A_REST_PATH",
    "HUB_SKILL",
    "HUB_TASK_EXTENSION_URI",
    "HubCard",
    "security",
]

A2A_PATH = "/a2a"  # the JSON-RPC endpoint of the public edge
A2A_REST_PATH = "/a2a/rest"  # the base of its HTTP+JSON endpoints
A2A_PROTOCOL_VERSION = "1.0"
A2A_LEGACY_VERSION = "0.3"  # served to clients that send no A2A-Version (A2A 1.0, 3.6.2)
HUB_TASK_EXTENSION_URI = "https://hubspoke.dev/extensions/task/v1"
HUB_SKILL: dict[str, Any] = {
    "id": "plan",
    "name": "Plan and answer",
    "description": (
        "Answers a request in plain text by planning it over the registered agents' skills "
        "(one or several agent calls) and joining their answers."
    ),
    "tags": ["hubspoke", "planning", "multi-agent"],
    "examples": ["What is 17% of 240? Summarize: <text>"],
    "inputModes": ["text/plain"],
    "outputModes": ["text/plain", "application/json"],
}
_MAX_EXAMPLES = 5

SkillSource = Callable[[], Sequence[AgentSkill]]


def security(settings: OrchestratorSettings) -> dict[str, Any]:
    """`securitySchemes` and `securityRequirements` (alternatives) for the auth mode in use."""
    if settings.auth_mode == "entra":
        tenant = settings.entra_tenant_id
        schemes: dict[str, Any] = {
            "entraId": {
                "openIdConnectSecurityScheme": {
                    "description": (
                        "An Entra ID access token for audience "
                        f"{settings.entra_audience} in `Authorization: Bearer <token>`."
                    ),
                    "openIdConnectUrl": (
                        f"https://login.microsoftonline.com/{tenant}/v2.0/"
                        ".well-known/openid-configuration"
                    ),
                }
            }
        }
        return {
            "securitySchemes": schemes,
            "securityRequirements": [{"schemes": {"entraId": {"list": []}}}],
        }
    schemes = {
        "apiKey": {
            "apiKeySecurityScheme": {
                "description": "An API key of this Hubspoke system.",
                "location": "header",
                "name": "X-API-Key",
            }
        },
        "bearerApiKey": {
            "httpAuthSecurityScheme": {
                "description": "The same API key as `Authorization: Bearer <key>`.",
                "scheme": "Bearer",
            }
        },
    }
    return {
        "securitySchemes": schemes,
        "securityRequirements": [
            {"schemes": {"apiKey": {"list": []}}},
            {"schemes": {"bearerApiKey": {"list": []}}},
        ],
    }


def _merged_skills(skills: Sequence[AgentSkill]) -> list[dict[str, Any]]:
    """One card skill per skill id, however many agents offer it (A2A wants >= 1 tag)."""
    merged: dict[str, dict[str, Any]] = {}
    for skill in skills:
        entry = merged.setdefault(
            skill.skill_id,
            {
                "id": skill.skill_id,
                "name": skill.name or skill.skill_id,
                "description": skill.description,
                "tags": [],
                "examples": [],
            },
        )
        entry["tags"] += [t for t in skill.tags if t not in entry["tags"]]
        entry["examples"] += [e for e in skill.examples if e not in entry["examples"]]
    for entry in merged.values():
        entry["tags"] = entry["tags"] or [entry["id"]]
        entry["examples"] = entry["examples"][:_MAX_EXAMPLES]
    return [merged[k] for k in sorted(merged)]


def _summary(skill: dict[str, Any]) -> dict[str, Any]:
    """What an anonymous client needs of a skill: the fields A2A requires of one."""
    return {k: skill[k] for k in ("id", "name", "description", "tags")}


def _task_extension(skills: Sequence[AgentSkill]) -> dict[str, Any]:
    """The Hubspoke extension of the extended card: what `metadata.hubspoke` carries."""
    offered: dict[str, list[str]] = {}
    for skill in skills:
        agents = offered.setdefault(skill.skill_id, [])
        agents += [skill.app_id] if skill.app_id not in agents else []
    return {
        "uri": HUB_TASK_EXTENSION_URI,
        "description": (
            "Hubspoke task metadata: a message's metadata.hubspoke may name an agent (`agent`) "
            "and a budget in seconds (`deadlineSeconds`); a task's metadata.hubspoke lists "
            "the agents that answered and its steps."
        ),
        "required": False,
        "params": {
            "requestMetadata": ["agent", "deadlineSeconds"],
            "agentsBySkill": {k: sorted(v) for k, v in sorted(offered.items())},
        },
    }


def _interfaces(base: str) -> list[dict[str, str]]:
    """Each binding at 1.0 (preferred: listed first) and at 0.3, on the same URLs."""
    return [
        {"url": base + path, "protocolBinding": binding, "protocolVersion": version}
        for version in (A2A_PROTOCOL_VERSION, A2A_LEGACY_VERSION)
        for path, binding in ((A2A_PATH, "JSONRPC"), (A2A_REST_PATH, "HTTP+JSON"))
    ]


class HubCard:
    """Builds the hub's public and extended cards from the settings and the registered
    skills; caches them."""

    def __init__(self, settings: OrchestratorSettings, version: str, skills: SkillSource) -> None:
        self._settings = settings
        self._version = version
        self._skills = skills
        self._built: tuple[Sequence[AgentSkill] | None, AgentCard, AgentCard] = (
            None,
            *self._build(()),
        )

    def _cards(self) -> tuple[AgentCard, AgentCard]:
        # The registry returns the same (read-only) list until its catalog changes
        # (RegistryService.plannable_skills), so an unchanged list is an unchanged card.
        skills = self._skills()
        seen, public, extended = self._built
        if skills is not seen:
            public, extended = self._build(skills)
            self._built = (skills, public, extended)
        return public, extended

    def current(self) -> AgentCard:
        """The public card as of the registry now (skills in summary, no extension)."""
        return self._cards()[0]

    def extended(self) -> AgentCard:
        """The extended card as of the registry now: every skill whole, and the extension."""
        return self._cards()[1]

    def _build(self, skills: Sequence[AgentSkill]) -> tuple[AgentCard, AgentCard]:
        settings = self._settings
        merged = _merged_skills(skills)
        raw: dict[str, Any] = {
            "name": "Hubspoke",
            "description": (
                "A Hubspoke multi-agent system as one A2A agent: each message is a task, "
                "planned over the registered agents (Dapr service invocation inside); the "
                "A2A task id is the Hubspoke task id (GET /v1/tasks/{id} shows it too)."
            ),
            "version": self._version,
            "supportedInterfaces": _interfaces(settings.public_base_url()),
            "provider": {
                "organization": settings.provider_organization,
                "url": settings.provider_url,
            },
            "capabilities": {
                "streaming": True,
                "pushNotifications": True,
                "extendedAgentCard": True,
            },
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain", "application/json"],
            "skills": [HUB_SKILL, *map(_summary, merged)],
            **security(settings),
        }
        public = ParseDict(raw, AgentCard())
        raw["skills"] = [HUB_SKILL, *merged]
        raw["capabilities"]["extensions"] = [_task_extension(skills)]
        return sign_own_card(public, settings), sign_own_card(ParseDict(raw, AgentCard()), settings)
