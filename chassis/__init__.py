"""The agent chassis: what every Hubspoke Python service is built from.

- `create_app`: FastAPI app with health, problem-JSON errors, a body limit
- `ServiceSettings`: APP_ID / APP_PORT and shared knobs from the environment
- `DaprPort` / `DaprSidecar`: invocation, state with ETags, publish
- `contract`: the orchestrator-agent contract v2 (A2A through Dapr)
- `serve`: run a service under uvicorn with JSON logs
"""

import os

# The a2a-sdk traces its own internals, ~40 spans per message (every event-queue
# operation); our HTTP server and client spans already show each hop. The SDK
# reads this switch once, when first imported, so it is set before any chassis
# module imports it; a deployment may still turn the spans on.
os.environ.setdefault("OTEL_INSTRUMENTATION_A2A_SDK_ENABLED", "false")

from chassis.app import create_app
from chassis.dapr import DaprPort, DaprSidecar
from chassis.serve import serve
from chassis.settings import ServiceSettings

__all__ = ["DaprPort", "DaprSidecar", "ServiceSettings", "create_app", "serve"]
