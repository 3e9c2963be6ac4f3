"""The agent card: A2A 1.0 as a2a-sdk reads it, plus what Hubspoke's design adds.

Checks (each a PASS/FAIL line):
- `card.fetch`: the card is served as JSON through the orchestrator's sidecar;
- `card.a2a`: it parses as an `a2a.types.AgentCard` (proto JSON, 1.0 field
  names only) and passes `a2a.utils.proto_utils.validate_proto_required_fields`;
- `card.hubspoke`: the Hubspoke extension v2 with this app-id, contract
  `hubspoke.agent/v2`, an owner, and input/output schemas for every skill;
- `card.interfaces`: only the design's interfaces (JSONRPC through the
  caller's sidecar; the dapr-pubsub binding exactly when it takes async work);
- `card.security`: the `daprMtls` and `daprApiToken` schemes, both required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from a2a.types import AgentCard
from a2a.utils.errors import InvalidParamsError
from a2a.utils.proto_utils import validate_proto_required_fields
from google.protobuf.json_format import ParseDict, ParseError

from conformance import wire
from conformance.checks.hints import sidecar_hint
from conformance.ports import HttpAnswer
from conformance.results import CheckResult, failed, passed

__all__ = ["CardFacts", "check_card"]

_SCHEMES_FIX = (
    "declare securitySchemes daprMtls (mtlsSecurityScheme) and daprApiToken "
    "(apiKeySecurityScheme, location header, name dapr-api-token) and one "
    "securityRequirements entry naming both"
)


@dataclass(frozen=True)
class CardFacts:
    """What later checks need from a card that could be read."""

    examples: tuple[tuple[str, str], ...]  # (skill id, example text)
    offers_pubsub: bool


def check_card(answer: HttpAnswer, app_id: str) -> tuple[list[CheckResult], CardFacts | None]:
    """All card checks on the fetched card; facts are None when no card could be read."""
    raw = _fetched(answer)
    if isinstance(raw, CheckResult):
        return [raw], None
    results = [
        passed(
            "card.fetch", f"served through the orchestrator's sidecar ({len(answer.text)} bytes)"
        )
    ]
    results.append(_a2a(raw))
    card = _parse(raw)
    extension = _extension_params(raw)
    results.append(_hubspoke(raw, extension, app_id))
    results.append(_interfaces(raw, extension, app_id))
    results.append(_security(card))
    return results, CardFacts(examples=_examples(raw), offers_pubsub=_offers_pubsub(raw, app_id))


def _fetched(answer: HttpAnswer) -> dict[str, Any] | CheckResult:
    hint = sidecar_hint(answer.status, answer.text)
    if hint is not None:
        return failed("card.fetch", f"GET /{wire.CARD_PATH} answered HTTP {answer.status}: {hint}")
    if answer.status != 200:
        return failed(
            "card.fetch",
            f"GET /{wire.CARD_PATH} through the orchestrator's sidecar answered HTTP "
            f"{answer.status}: serve the card there (and allow GET /.well-known/* to the "
            f"orchestrator in the agent's Dapr access policy); body: {answer.text[:200]!r}",
        )
    try:
        raw = answer.json()
    except ValueError:
        return failed("card.fetch", "the card is not JSON: serve it as application/json")
    if not isinstance(raw, dict):
        return failed("card.fetch", "the card is not a JSON object: serve an AgentCard object")
    return raw


def _parse(raw: dict[str, Any]) -> AgentCard | None:
    try:
        card: AgentCard = ParseDict(raw, AgentCard())
        return card
    except ParseError:
        return None


def _a2a(raw: dict[str, Any]) -> CheckResult:
    try:
        card = ParseDict(raw, AgentCard())
    except ParseError as exc:
        return failed(
            "card.a2a",
            f"the card is not an A2A 1.0 AgentCard ({exc}): use the 1.0 proto-JSON names "
            "(supportedInterfaces, securityRequirements, camelCase) and drop fields A2A 1.0 lacks",
        )
    try:
        validate_proto_required_fields(card)
    except InvalidParamsError as exc:
        errors = (exc.data or {}).get("errors", [])
        fixes = "; ".join(_required_fix(e["field"], e["message"]) for e in errors)
        return failed("card.a2a", fixes or f"a2a-sdk refused the card: {exc}")
    return passed("card.a2a", "parses as an A2A 1.0 AgentCard and has every required field")


_HINTS = {
    "provider.url": "(A2A 1.0 requires it when provider is present)",
    "skills[].tags": "(A2A 1.0 requires at least one tag per skill)",
    "default_input_modes": "(the media types the agent takes, e.g. text/plain)",
    "default_output_modes": "(the media types it answers, e.g. text/plain, application/json)",
    "supported_interfaces[].protocol_version": f'(use "{wire.PROTOCOL_VERSION}")',
}


def _camel(field: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), field)


def _required_fix(field: str, message: str) -> str:
    """'card lacks provider.url: set provider.url (A2A 1.0 requires it ...)'."""
    name = _camel(field)
    hint = _HINTS.get(re.sub(r"\[\d+\]", "[]", field), f"(a2a-sdk: {message})")
    return f"card lacks {name}: set {name} {hint}"


def _extension_params(raw: dict[str, Any]) -> dict[str, Any] | str:
    """The Hubspoke v2 extension's params, or why there are none."""
    extensions = (raw.get("capabilities") or {}).get("extensions") or []
    uris = [e.get("uri") for e in extensions if isinstance(e, dict)]
    for extension in extensions:
        if isinstance(extension, dict) and extension.get("uri") == wire.EXTENSION_URI:
            params = extension.get("params")
            return params if isinstance(params, dict) else "the extension has no params object"
    if any(
        isinstance(u, str) and u.startswith("https://hubspoke.dev/extensions/agent/") for u in uris
    ):
        return f"the card has an older Hubspoke extension ({uris}): move to {wire.EXTENSION_URI}"
    return f"capabilities.extensions lacks {wire.EXTENSION_URI}"


def _hubspoke(raw: dict[str, Any], params: dict[str, Any] | str, app_id: str) -> CheckResult:
    if isinstance(params, str):
        return failed(
            "card.hubspoke",
            f"{params}: add it with params appId, contractVersion {wire.CONTRACT_VERSION!r}, "
            "owner, skills (inputSchema/outputSchema per skill id), asyncWork",
        )
    problems = []
    if params.get("appId") != app_id:
        problems.append(
            f"params.appId is {params.get('appId')!r}: set it to the Dapr app-id {app_id!r}"
        )
    if params.get("contractVersion") != wire.CONTRACT_VERSION:
        problems.append(
            f"params.contractVersion is {params.get('contractVersion')!r}: "
            f"set {wire.CONTRACT_VERSION!r} and speak the A2A wire"
        )
    if not isinstance(params.get("owner"), str) or not params.get("owner"):
        problems.append("params.owner is missing: name the team that owns the agent")
    if not isinstance(params.get("asyncWork", False), bool):
        problems.append("params.asyncWork must be true or false")
    problems += _schema_problems(raw, params.get("skills"))
    if problems:
        return failed("card.hubspoke", "; ".join(problems))
    return passed("card.hubspoke", f"extension v2 for {app_id}, contract {wire.CONTRACT_VERSION}")


def _schema_problems(raw: dict[str, Any], schemas: Any) -> list[str]:
    if not isinstance(schemas, dict):
        return ["params.skills is missing: give {skill id: {inputSchema, outputSchema}}"]
    skill_ids = [s.get("id") for s in raw.get("skills") or [] if isinstance(s, dict)]
    problems = []
    for skill_id in skill_ids:
        entry = schemas.get(skill_id)
        for key in ("inputSchema", "outputSchema"):
            if not isinstance(entry, dict) or not isinstance(entry.get(key), dict):
                problems.append(f"params.skills[{skill_id!r}].{key} is missing: give a JSON Schema")
    unknown = sorted(set(schemas) - set(skill_ids))
    if unknown:
        problems.append(f"params.skills names skills the card lacks {unknown}: remove them")
    return problems


def _interfaces(raw: dict[str, Any], params: dict[str, Any] | str, app_id: str) -> CheckResult:
    interfaces = [i for i in raw.get("supportedInterfaces") or [] if isinstance(i, dict)]
    expected = {
        "JSONRPC": wire.jsonrpc_interface_url(app_id),
        wire.PUBSUB_BINDING: wire.pubsub_interface_url(app_id),
    }
    problems = []
    for interface in interfaces:
        binding, url = interface.get("protocolBinding"), interface.get("url")
        if binding not in expected:
            problems.append(
                f"interface {binding} {url} is not one of the design's: remove it (only JSONRPC "
                "through the caller's sidecar, and the dapr-pubsub binding for async work)"
            )
        elif url != expected[binding]:
            problems.append(
                f"the {binding} interface points at {url}: use {expected[binding]} "
                "(callers reach agents through their own sidecar, never the agent's port)"
            )
        elif interface.get("protocolVersion") != wire.PROTOCOL_VERSION:
            problems.append(
                f"the {binding} interface needs protocolVersion {wire.PROTOCOL_VERSION!r}"
            )
    bindings = [i.get("protocolBinding") for i in interfaces]
    if bindings[:1] != ["JSONRPC"] or bindings.count("JSONRPC") != 1:
        problems.append(
            f"list exactly one JSONRPC interface, first: {wire.jsonrpc_interface_url(app_id)}"
        )
    async_work = isinstance(params, dict) and params.get("asyncWork") is True
    if (wire.PUBSUB_BINDING in bindings) != async_work:
        problems.append(
            "the dapr-pubsub interface and params.asyncWork disagree: offer the interface "
            "exactly when the agent takes work on its topic (asyncWork true)"
        )
    if problems:
        return failed("card.interfaces", "; ".join(problems))
    return passed(
        "card.interfaces", f"only the design's interfaces: {', '.join(map(str, bindings))}"
    )


def _security(card: AgentCard | None) -> CheckResult:
    if card is None:
        return failed("card.security", f"the card could not be read as A2A: {_SCHEMES_FIX}")
    problems = []
    schemes = card.security_schemes
    if "daprMtls" not in schemes or not schemes["daprMtls"].HasField("mtls_security_scheme"):
        problems.append("securitySchemes.daprMtls is not an mtlsSecurityScheme")
    token = schemes.get("daprApiToken")
    if token is None or not token.HasField("api_key_security_scheme"):
        problems.append("securitySchemes.daprApiToken is not an apiKeySecurityScheme")
    elif (token.api_key_security_scheme.location, token.api_key_security_scheme.name) != (
        "header",
        "dapr-api-token",
    ):
        problems.append("daprApiToken must be location header, name dapr-api-token")
    if not any({"daprMtls", "daprApiToken"} <= set(r.schemes) for r in card.security_requirements):
        problems.append("no securityRequirements entry requires both daprMtls and daprApiToken")
    if problems:
        return failed("card.security", "; ".join(problems) + f": {_SCHEMES_FIX}")
    return passed("card.security", "daprMtls and daprApiToken declared and required together")


def _examples(raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    found = []
    for skill in raw.get("skills") or []:
        if isinstance(skill, dict):
            for example in skill.get("examples") or []:
                if isinstance(example, str) and example:
                    found.append((str(skill.get("id")), example))
    return tuple(found)


def _offers_pubsub(raw: dict[str, Any], app_id: str) -> bool:
    return any(
        isinstance(i, dict)
        and i.get("protocolBinding") == wire.PUBSUB_BINDING
        and i.get("url") == wire.pubsub_interface_url(app_id)
        for i in raw.get("supportedInterfaces") or []
    )
