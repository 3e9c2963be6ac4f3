"""A registered webhook: A2A's TaskPushNotificationConfig as the hub stores it (no I/O)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PushConfig", "PushConfigList"]


class PushConfig(BaseModel):
    """One webhook of one task, owned by whoever owns the task.

    `endpoint` and `path` are where the call goes: the allowlisted Dapr
    HTTPEndpoint whose base URL covers `url`, and the path below it.
    `token` is the client's (or one made here when it gave none): it signs
    each delivery (HMAC-SHA256 over the body) and travels as
    X-A2A-Notification-Token, as a2a-sdk's receivers expect.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=128)
    task_id: str
    url: str = Field(max_length=2048)
    token: str = Field(max_length=512)
    scheme: str = Field(default="", max_length=64)  # authentication.scheme, e.g. Bearer
    credentials: str = Field(default="", max_length=4096)
    endpoint: str
    path: str


class PushConfigList(BaseModel):
    """The webhooks of one task, in registration order (one state document per task)."""

    configs: list[PushConfig] = Field(default_factory=list)
