"""The hub's own A2A card: the whole system as one agent, for any A2A client.

Served open at `GET /.well-known/agent-card.json` (A2A: a public card is read
before authenticating; it says how to authenticate). It holds no secret and no
internal address: the skills of the registered agents are merged by skill id
(which agents offer them, and their Dapr app-ids, stay inside), beside the
hub's own skill, planning a request over them. The card is rebuilt when the
registry's catalog changes, never per request.

Card shape (A2A 1.0, proto JSON): name, description, version,
supportedInterfaces = [{url: <public base>/a2a, protocolBinding: JSONRPC,
protocolVersion: 1.0}, {url: <public base>/a2a/rest, protocolBinding:
HTTP+JSON, ...}], provider {organization, url}, capabilities
{streaming: true}, securitySchemes + securityRequirements as
orchestrator/auth.py authenticates today, defaultInput/OutputModes, skills.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from a2a.types import AgentCard
from google.protobuf.json_format import ParseDict

from chassis.card_signing import sign_own_card
from orchestrator.ports import AgentSkill
from orchestrator.settings import OrchestratorSettings

__all__ = ["A2A_PATH", "A2A_REST_PATH", "HUB_SKILL", "HubCard", "security"]

A2A_PATH = "/a2a"  # the JSON-RPC endpoint of the public edge
A2A_REST_PATH = "/a2a/rest"  # the base of its HTTP+JSON endpoints
A2A_PROTOCOL_VERSION = "1.0"
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


class HubCard:
    """Builds the hub's card from the settings and the registered skills; caches it."""

    def __init__(self, settings: OrchestratorSettings, version: str, skills: SkillSource) -> None:
        self._settings = settings
        self._version = version
        self._skills = skills
        self._built: tuple[Sequence[AgentSkill] | None, AgentCard] = (None, self._build(()))

    def current(self) -> AgentCard:
        """The card as of the registry now.

        The registry returns the same (read-only) list until its catalog changes
        (RegistryService.plannable_skills), so an unchanged list is an unchanged card.
        """
        skills = self._skills()
        seen, card = self._built
        if skills is not seen:
            card = self._build(skills)
            self._built = (skills, card)
        return card

    def _build(self, skills: Sequence[AgentSkill]) -> AgentCard:
        settings = self._settings
        raw: dict[str, Any] = {
            "name": "Hubspoke",
            "description": (
                "A Hubspoke multi-agent system as one A2A agent: each message is a task, "
                "planned over the registered agents (Dapr service invocation inside); the "
                "A2A task id is the Hubspoke task id (GET /v1/tasks/{id} shows it too)."
            ),
            "version": self._version,
            "supportedInterfaces": [
                {
                    "url": settings.public_base_url() + A2A_PATH,
                    "protocolBinding": "JSONRPC",
                    "protocolVersion": A2A_PROTOCOL_VERSION,
                },
                {
                    "url": settings.public_base_url() + A2A_REST_PATH,
                    "protocolBinding": "HTTP+JSON",
                    "protocolVersion": A2A_PROTOCOL_VERSION,
                },
            ],
            "provider": {
                "organization": settings.provider_organization,
                "url": settings.provider_url,
            },
            "capabilities": {"streaming": True, "pushNotifications": False},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain", "application/json"],
            "skills": [HUB_SKILL, *_merged_skills(skills)],
            **security(settings),
        }
        card = AgentCard()
        ParseDict(raw, card)
        return sign_own_card(card, settings)
