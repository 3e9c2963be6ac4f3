"""The local launcher: Redis, one real daprd per app, and the apps, from dapr.yaml.

Used by `make run` (fixed ports from dapr.yaml, logs on the terminal) and by
the integration tests (free ports, a temporary run folder, logs in files).
"""

from launcher.stack import AppEndpoints, LocalStack, StackOptions

__all__ = ["AppEndpoints", "LocalStack", "StackOptions"]
