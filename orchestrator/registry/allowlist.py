"""Third-party A2A agents the orchestrator may call: an explicit allowlist (no I/O).

Each entry names one external agent and its base URL. The orchestrator never
calls a URL itself: for every entry its sidecar gets a Dapr `HTTPEndpoint`
resource of the same name (`http_endpoint_resource`), and calls go to
`/v1.0/invoke/<name>/method/<path>` on its own daprd, so Dapr's resiliency,
tracing, client TLS and headers from a secret store apply. Dapr itself
cannot refuse invocation of an arbitrary URL (`/v1.0/invoke/http://...`,
daprd 1.18.3: no configuration turns it off), so the allowlist is enforced
here: a card URL is accepted only under an entry's base URL, and only an
entry's name is ever used as an invocation target.

Entries come from `ORCHESTRATOR_EXTERNAL_AGENTS` (a JSON list), e.g.
`[{"name": "wordcount", "base_url": "https://agents.example.org/wc",
"headers": [{"name": "Authorization", "secret": "wordcount-token"}]}]`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chassis.errors import UnprocessableError
from chassis.paths import method_ambiguity

__all__ = [
    "SECRET_STORE",
    "ExternalAgent",
    "ExternalAllowlist",
    "HeaderSecret",
    "NotAllowed",
    "http_endpoint_resource",
]

# The secret store every sidecar has (components/common/secretstore.yaml); header
# values and TLS material are read from it by the sidecar, never by the app.
SECRET_STORE = "sidecar-secrets"  # noqa: S105 (a component name, not a secret)
_SECRET_NAME = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")]


class NotAllowed(UnprocessableError):
    """A URL lies outside every allowlisted base URL."""


class HeaderSecret(BaseModel):
    """A header the sidecar adds to every call, its value read from the secret store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$", description="The HTTP header name.")
    secret: _SECRET_NAME = Field(description="The secret's name in the sidecar's secret store.")
    # The key inside that secret; the name again by default (a local file store's shape).
    key: _SECRET_NAME | None = None


class ExternalAgent(BaseModel):
    """One allowlisted third-party agent: its HTTPEndpoint name and base URL."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The HTTPEndpoint's name, and the agent's app-id in the registry.
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    base_url: str = Field(max_length=2048)
    headers: tuple[HeaderSecret, ...] = ()
    # A PEM root CA (secret name in the store) for a server with a private CA.
    root_ca_secret: _SECRET_NAME | None = None

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url {value!r} is not an http(s) URL with a host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(f"base_url {value!r} may carry no query, fragment or credentials")
        return value.rstrip("/")

    def path_of(self, url: str) -> str | None:
        """The path of `url` below this base URL (no leading slash), or None if outside it.

        Compared on scheme, host, port and whole path segments: `https://a/x`
        does not cover `https://a/xy` nor `http://a/x`.
        """
        base, given = urlsplit(self.base_url), urlsplit(url)
        if (given.scheme, given.hostname, _port(given)) != (
            base.scheme,
            base.hostname,
            _port(base),
        ):
            return None
        if given.username or given.password or given.query or given.fragment:
            return None
        prefix = base.path.rstrip("/")
        if given.path != prefix and not given.path.startswith(prefix + "/"):
            return None
        rest = given.path[len(prefix) :].lstrip("/")
        if rest and method_ambiguity(rest) is not None:
            return None  # `..`, `%2F`...: it would not route where it reads
        return rest


def _port(parts: Any) -> int:
    return int(parts.port or (443 if parts.scheme == "https" else 80))


class ExternalAllowlist:
    """The allowlisted agents (or push-notification webhooks: `kind`, `setting`), by name."""

    def __init__(
        self,
        agents: list[ExternalAgent] | tuple[ExternalAgent, ...] = (),
        *,
        kind: str = "external agent",
        setting: str = "ORCHESTRATOR_EXTERNAL_AGENTS",
    ) -> None:
        self._by_name = {a.name: a for a in agents}
        if len(self._by_name) != len(agents):
            raise ValueError(f"{kind} names must be unique")
        self._kind = kind
        self._setting = setting

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> ExternalAgent | None:
        return self._by_name.get(name)

    def locate(self, url: str) -> tuple[ExternalAgent, str]:
        """The entry whose base URL covers `url`, and the path below it; NotAllowed if none."""
        for agent in self._by_name.values():
            path = agent.path_of(url)
            if path is not None:
                return agent, path
        allowed = ", ".join(a.base_url for a in self._by_name.values()) or "none configured"
        raise NotAllowed(
            f"{url!r} is not under an allowlisted {self._kind} base URL "
            f"({self._setting}; allowed: {allowed})"
        )


def http_endpoint_resource(
    agent: ExternalAgent,
    *,
    secret_store: str = SECRET_STORE,
    scopes: tuple[str, ...] = ("orchestrator",),
) -> dict[str, Any]:
    """The Dapr `HTTPEndpoint` resource (dapr.io/v1alpha1) for `agent`, as a YAML-ready dict.

    Header values and the root CA are secretKeyRefs into `secret_store`
    (locally SECRET_STORE; on Kubernetes `kubernetes`, resolved by the Dapr
    operator); `scopes` keeps the endpoint to the orchestrator's sidecar.
    """
    spec: dict[str, Any] = {"baseUrl": agent.base_url}
    if agent.headers:
        spec["headers"] = [
            {"name": h.name, "secretKeyRef": {"name": h.secret, "key": h.key or h.secret}}
            for h in agent.headers
        ]
    if agent.root_ca_secret:
        ref = {"name": agent.root_ca_secret, "key": agent.root_ca_secret}
        spec["clientTLS"] = {"rootCA": {"secretKeyRef": ref}}
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "HTTPEndpoint",
        "metadata": {"name": agent.name},
        "spec": spec,
        "auth": {"secretStore": secret_store},
        "scopes": list(scopes),
    }
