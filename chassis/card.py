"""Agent cards: how an agent describes itself (A2A AgentCard v1.0 + our extension).

Agents serve their card at `GET /.well-known/agent-card.json` in the shape of
an A2A (Agent2Agent protocol, v1.0) AgentCard, so third-party A2A tooling can
read it. What Hubspoke needs beyond A2A (the Dapr app-id, the contract
version, the owner, JSON schemas per skill) travels in one AgentExtension,
`capabilities.extensions[uri == HUBSPOKE_EXTENSION_URI].params`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from a2a.types import AgentCard as A2AAgentCard
from a2a.utils.errors import InvalidParamsError
from a2a.utils.proto_utils import validate_proto_required_fields
from google.protobuf.json_format import ParseDict, ParseError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

__all__ = [
    "A2A_PATH",
    "CARD_PATH",
    "DAPR_DEFAULT_HTTP_PORT",
    "HUBSPOKE_EXTENSION_URI",
    "PUBSUB_BINDING_URI",
    "AgentCard",
    "AgentExtension",
    "AgentSkill",
    "CardError",
    "EvaluationExample",
    "ExampleExpectation",
    "HubspokeCard",
    "HubspokeExtension",
    "SkillSchemas",
    "validate_a2a_card",
]

CARD_PATH = "/.well-known/agent-card.json"
HUBSPOKE_EXTENSION_URI = "https://hubspoke.dev/extensions/agent/v2"
A2A_PROTOCOL_VERSION = "1.0"
A2A_PATH = "/a2a"  # the JSON-RPC endpoint every Hubspoke agent serves, and nothing below it
# Our custom A2A binding: work and results over Dapr pub/sub (documented in chassis.contract).
PUBSUB_BINDING_URI = "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1"
# Where a caller reaches the agent: through ITS OWN sidecar, on Dapr's default HTTP port.
DAPR_DEFAULT_HTTP_PORT = 3500

# semver.org's grammar: MAJOR.MINOR.PATCH[-prerelease][+build]
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_APP_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"
_CONTRACT = r"^[a-z][a-z0-9.-]*/v[0-9]+$"


class CardError(ValueError):
    """A card is malformed or lacks what Hubspoke needs."""


class _A2A(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class AgentInterface(_A2A):
    url: str
    protocol_binding: str = "HTTP+JSON"
    protocol_version: str = A2A_PROTOCOL_VERSION


class AgentProvider(_A2A):
    organization: str
    url: str | None = None


class AgentExtension(_A2A):
    uri: str
    description: str | None = None
    required: bool = False
    params: dict[str, Any] = Field(default_factory=dict)


class AgentCapabilities(_A2A):
    streaming: bool = False
    push_notifications: bool = False
    extensions: list[AgentExtension] = Field(default_factory=list)


class AgentSkill(_A2A):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    tags: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    input_modes: list[str] = Field(default_factory=lambda: ["application/json"])
    output_modes: list[str] = Field(default_factory=lambda: ["application/json"])


class AgentCard(_A2A):
    """An A2A v1.0 AgentCard (the fields Hubspoke reads; others are kept)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=4000)
    version: str
    supported_interfaces: list[AgentInterface] = Field(default_factory=list)
    provider: AgentProvider | None = None
    capabilities: AgentCapabilities = Field(default_factory=AgentCapabilities)
    default_input_modes: list[str] = Field(default_factory=lambda: ["application/json"])
    default_output_modes: list[str] = Field(default_factory=lambda: ["application/json"])
    skills: list[AgentSkill] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError(f"version {value!r} is not SemVer (MAJOR.MINOR.PATCH)")
        return value

    def extension(self, uri: str) -> AgentExtension | None:
        return next((e for e in self.capabilities.extensions if e.uri == uri), None)


class SkillSchemas(_A2A):
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    # The skill's structured arguments (a data part beside the text), if it takes any.
    arguments_schema: dict[str, Any] | None = None
    # "required": every call of the skill waits for a person's approval first.
    approval: Literal["required", "none"] = "none"


class ExampleExpectation(_A2A):
    """What a smoke-evaluation example must give: the A2A state the task ends in and, for
    a completed one, texts that must all appear in the answer (case-insensitive)."""

    state: Literal["completed", "rejected"] = "completed"
    contains: list[str] = Field(default_factory=list, max_length=10)


class EvaluationExample(_A2A):
    """One example the registry runs through the agent (over Dapr) before routing to it."""

    skill: str = Field(min_length=1, max_length=64)
    input: str = Field(min_length=1, max_length=2000)
    expect: ExampleExpectation = Field(default_factory=ExampleExpectation)


class HubspokeExtension(_A2A):
    """Our fields of a card: `params` of the Hubspoke AgentExtension."""

    app_id: str = Field(pattern=_APP_ID)
    contract_version: str = Field(pattern=_CONTRACT)
    owner: str = Field(min_length=1, max_length=200)
    skills: dict[str, SkillSchemas] = Field(default_factory=dict)
    # The agent takes work over pub/sub (agent.requests.<app-id>), not only by invocation.
    async_work: bool = False
    # Run by the registry on every new card version; the agent is routable once all pass.
    evaluation: list[EvaluationExample] = Field(default_factory=list, max_length=20)


class HubspokeCard(BaseModel):
    """A validated card with its Hubspoke extension parsed."""

    card: AgentCard
    hubspoke: HubspokeExtension

    @property
    def app_id(self) -> str:
        return self.hubspoke.app_id

    @classmethod
    def parse(cls, raw: Any) -> HubspokeCard:
        """Validate a card as received; CardError says what is wrong. First the A2A SDK's
        rules (`validate_a2a_card`, the ones the conformance kit's card.a2a applies), so
        the registry accepts no card the kit fails; then Hubspoke's."""
        if isinstance(raw, dict):
            validate_a2a_card(raw)
        try:
            card = AgentCard.model_validate(raw)
        except ValidationError as exc:
            raise CardError(_describe(exc)) from exc
        extension = card.extension(HUBSPOKE_EXTENSION_URI)
        if extension is None:
            raise CardError(f"card has no extension {HUBSPOKE_EXTENSION_URI}")
        try:
            hubspoke = HubspokeExtension.model_validate(extension.params)
        except ValidationError as exc:
            raise CardError("hubspoke extension: " + _describe(exc)) from exc
        unknown = set(hubspoke.skills) - {s.id for s in card.skills}
        if unknown:
            raise CardError(f"schemas given for skills the card lacks: {sorted(unknown)}")
        untested = {e.skill for e in hubspoke.evaluation} - {s.id for s in card.skills}
        if untested:
            raise CardError(f"evaluation examples for skills the card lacks: {sorted(untested)}")
        return cls(card=card, hubspoke=hubspoke)


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'card'}: {e['msg']}" for e in exc.errors()[:5]
    )


def validate_a2a_card(raw: dict[str, Any]) -> A2AAgentCard:
    """The card as the official A2A SDK reads it: parsed into `a2a.types.AgentCard` (proto
    JSON, unknown fields refused) and checked by its required-field validation
    (`a2a.utils.proto_utils.validate_proto_required_fields`); CardError says what fails."""
    card = A2AAgentCard()
    try:
        ParseDict(raw, card)
    except ParseError as exc:
        raise CardError(f"not an A2A AgentCard: {exc}") from exc
    try:
        validate_proto_required_fields(card)
    except InvalidParamsError as exc:
        raise CardError(f"A2A required fields missing: {exc.data}") from exc
    return card
