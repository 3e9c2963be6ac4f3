"""Hubspoke's A2A wire as the design states it (DESIGN-A2A, issue 13), for checking.

Kept apart from `chassis` on purpose: the kit must catch a chassis that
drifts from the design, which it could not if it read the chassis' constants.
"""

from __future__ import annotations

__all__ = [
    "A2A_METHOD",
    "CALLER_DAPR_PORT",
    "CARD_PATH",
    "CONTRACT_VERSION",
    "EXTENSION_URI",
    "HEALTH_METHOD",
    "MAX_INPUT_CHARS",
    "PROTOCOL_VERSION",
    "PUBSUB_BINDING",
    "jsonrpc_interface_url",
    "pubsub_interface_url",
    "registry_topic",
    "requests_topic",
    "results_topic",
]

CONTRACT_VERSION = "hubspoke.agent/v2"
EXTENSION_URI = "https://hubspoke.dev/extensions/agent/v2"
PUBSUB_BINDING = "https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1"
PROTOCOL_VERSION = "1.0"
# The JSON-RPC endpoint every agent serves (POST), and its card (GET).
A2A_METHOD = "a2a"
CARD_PATH = ".well-known/agent-card.json"
# Liveness, open to the orchestrator (GET).
HEALTH_METHOD = "healthz"
# A card's JSON-RPC URL is on the caller's own sidecar, at Dapr's default HTTP port.
CALLER_DAPR_PORT = 3500
# The longest step input the design lets an agent take (chassis MAX_INPUT_CHARS).
MAX_INPUT_CHARS = 20_000


def jsonrpc_interface_url(app_id: str) -> str:
    """The one JSONRPC interface URL a card of `app_id` may give."""
    return f"http://localhost:{CALLER_DAPR_PORT}/v1.0/invoke/{app_id}/method/{A2A_METHOD}"


def registry_topic(app_id: str) -> str:
    """The topic an agent registers, heartbeats and deregisters on (only it may publish there)."""
    return f"agents.registry.{app_id}"


def results_topic(app_id: str) -> str:
    """The topic an agent publishes its results on (only it may publish there)."""
    return f"agent.results.{app_id}"


def requests_topic(app_id: str) -> str:
    """The topic `app_id` takes asynchronous work from."""
    return f"agent.requests.{app_id}"


def pubsub_interface_url(app_id: str, pubsub: str = "pubsub") -> str:
    """The pub/sub binding's interface URL for `app_id`."""
    return f"dapr-pubsub://{pubsub}/{requests_topic(app_id)}"
