"""Credentials never reach a log line, a span or a trace file: the one list, and how to apply it.

`CREDENTIAL_KEYS` names the headers (and attribute keys) whose values are
secrets. Both places that write telemetry use it: the launcher's OTLP
receiver (span, event, link and resource attributes) and the chassis' JSON
logs; the OpenTelemetry Collector configuration shipped in k8s/base is
checked against it by a unit test, so the three cannot drift apart.

A key matches when its last dotted segment, lower-cased with `_` read as `-`,
is in the list: `dapr-api-token`, `http.request.header.dapr-api-token` and
`rpc.grpc.request.metadata.dapr_api_token` all match. Values are redacted
too: known secret values (the run's tokens and keys) wherever they appear,
and `<credential key>: <value>` or `=` pairs inside free text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["CREDENTIAL_KEYS", "REDACTED", "Redactor", "is_credential_key"]

# dapr-api-token: daprd <-> app and app -> daprd tokens (APP_API_TOKEN, DAPR_API_TOKEN);
# x-api-key: the orchestrator's public API key; the rest: standard HTTP credentials.
CREDENTIAL_KEYS: tuple[str, ...] = (
    "dapr-api-token",
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
)
REDACTED = "[REDACTED]"

# `dapr-api-token: abc`, `Authorization=Bearer abc`, `"x-api-key": "abc"` in free text.
_KEY_ALTERNATIVES = "|".join(re.escape(k).replace("\\-", "[-_]") for k in CREDENTIAL_KEYS)
_PAIR = re.compile(
    rf"(?i)(?P<key>\b(?:{_KEY_ALTERNATIVES})\b[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>(?:bearer\s+|basic\s+)?[^\s\"',;}]+)"
)

# Every credential key contains one of these (whatever its separators).
_HINTS = ("token", "auth", "key", "cookie")


def is_credential_key(key: str) -> bool:
    """Whether an attribute or header name carries a credential (see the module docstring)."""
    last = key.rsplit(".", 1)[-1].strip().lower().replace("_", "-")
    return last in CREDENTIAL_KEYS


class Redactor:
    """Redacts credentials from text and attribute maps; `secrets` are values never to show.

    Secrets shorter than 8 characters are ignored: replacing them would
    mangle ordinary text, and no token of ours is that short.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def text(self, text: str) -> str:
        """`text` with every known secret and every `credential-key: value` pair redacted."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        lowered = text.lower()
        if not any(hint in lowered for hint in _HINTS):  # most text: skip the regex
            return text
        return _PAIR.sub(lambda m: m.group("key") + REDACTED, text)

    def value(self, value: Any) -> Any:
        """A scalar, list or mapping with the secrets inside it redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return self.attributes(value)
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def attributes(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """Credential keys keep their name with a redacted value; other values are scrubbed."""
        return {
            key: REDACTED if is_credential_key(key) else self.value(value)
            for key, value in attributes.items()
        }
