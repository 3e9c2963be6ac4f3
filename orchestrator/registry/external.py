"""A third-party agent's card: plain A2A, checked with a2a-sdk, no Hubspoke extension (no I/O).

The card is parsed as the SDK's `AgentCard` (A2A 1.0 proto JSON; the SDK
maps v0.3 cards' `url`/`preferredTransport` onto `supportedInterfaces`) and
must pass the SDK's required-field validation. It must advertise a JSONRPC
interface whose URL lies under the agent's allowlisted base URL: the path
below it is where A2A calls go (`/v1.0/invoke/<name>/method/<path>`).
For the catalog it is given the Hubspoke shape with an extension made up
here: app-id = the HTTPEndpoint name, contract `a2a/v<major>`, owner = the
card's provider (or the name), no per-skill schemas, no asynchronous work.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from a2a.client.card_resolver import parse_agent_card
from a2a.types import AgentCard as SdkAgentCard
from a2a.utils.errors import InvalidParamsError
from a2a.utils.proto_utils import validate_proto_required_fields
from google.protobuf.json_format import MessageToDict, ParseError
from pydantic import ValidationError

from chassis.card import AgentCard, HubspokeCard, HubspokeExtension
from orchestrator.registry.allowlist import ExternalAgent

__all__ = ["ExternalCard", "ExternalCardError", "catalog_card", "parse_external_card"]

JSONRPC = "JSONRPC"


class ExternalCardError(ValueError):
    """The card is not a valid A2A card Hubspoke can call; the message says why."""


@dataclass(frozen=True)
class ExternalCard:
    card: HubspokeCard
    rpc_path: str  # the JSONRPC interface's path below the base URL (no leading slash)


def parse_external_card(raw: Any, agent: ExternalAgent) -> ExternalCard:
    """Validate `raw` as the card of allowlisted `agent`; ExternalCardError says why not."""
    sdk_card = _sdk_card(raw)
    rpc_path = _rpc_path(sdk_card, agent)
    return ExternalCard(card=_as_hubspoke(sdk_card, agent.name), rpc_path=rpc_path)


def catalog_card(raw: Any, name: str) -> HubspokeCard:
    """A stored external card in the catalog's shape (it was checked when registered)."""
    return _as_hubspoke(_sdk_card(raw), name)


def _sdk_card(raw: Any) -> SdkAgentCard:
    if not isinstance(raw, dict):
        raise ExternalCardError("the card is not a JSON object")
    try:
        sdk_card = parse_agent_card(copy.deepcopy(raw))
    except (ParseError, ValueError, TypeError) as exc:
        raise ExternalCardError(f"not an A2A agent card: {exc}") from exc
    try:
        validate_proto_required_fields(sdk_card)
    except InvalidParamsError as exc:
        errors = (exc.data or {}).get("errors", [])
        missing = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:8])
        raise ExternalCardError(f"the card lacks required A2A fields ({missing})") from exc
    return sdk_card


def _rpc_path(card: SdkAgentCard, agent: ExternalAgent) -> str:
    offered = [i for i in card.supported_interfaces if i.protocol_binding == JSONRPC]
    for interface in offered:
        path = agent.path_of(interface.url)
        if path is not None:
            return path
    if not offered:
        raise ExternalCardError("the card advertises no JSONRPC interface")
    urls = ", ".join(i.url for i in offered)
    raise ExternalCardError(
        f"no JSONRPC interface of the card lies under the allowlisted {agent.base_url} ({urls})"
    )


def _as_hubspoke(card: SdkAgentCard, name: str) -> HubspokeCard:
    body = MessageToDict(card)
    version = str(body.get("version", ""))
    major = (card.supported_interfaces[0].protocol_version or "1").split(".")[0]
    try:
        parsed = _catalog_card(body)
        extension = HubspokeExtension(
            app_id=name,
            contract_version=f"a2a/v{major if major.isdigit() else 1}",
            owner=(card.provider.organization if card.HasField("provider") else "") or name,
        )
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ExternalCardError(f"the card cannot be catalogued ({reasons})") from exc
    if parsed.version != version:
        parsed = parsed.model_copy(update={"version": version})
    return HubspokeCard(card=parsed, hubspoke=extension)


def _catalog_card(body: dict[str, Any]) -> AgentCard:
    """Our card model of `body`. Any version string is valid A2A, while our model
    wants SemVer: a card failing only that check is kept, its version as given."""
    try:
        return AgentCard.model_validate(body)
    except ValidationError as exc:
        if any(e["loc"] != ("version",) for e in exc.errors()):
            raise
        return AgentCard.model_validate({**body, "version": "0.0.0"})
