"""The subset of the dapr CLI's Multi-App Run file (dapr.yaml) the launcher reads."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AppSpec", "RunFile", "load_runfile"]


class _Camel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)


class CommonSpec(_Camel):
    resources_paths: list[str] = Field(default_factory=list, alias="resourcesPaths")
    config_file_path: str | None = Field(default=None, alias="configFilePath")
    app_protocol: str = Field(default="http", alias="appProtocol")
    app_health_check_path: str = Field(default="/healthz", alias="appHealthCheckPath")
    env: dict[str, str] = Field(default_factory=dict)


class AppSpec(_Camel):
    app_id: str = Field(alias="appID", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    app_dir_path: str = Field(default=".", alias="appDirPath")
    app_port: int = Field(alias="appPort")
    dapr_http_port: int = Field(alias="daprHTTPPort")
    dapr_grpc_port: int = Field(alias="daprGRPCPort")
    command: list[str] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
    # The role's Dapr Configuration (access control differs by role).
    config_file_path: str | None = Field(default=None, alias="configFilePath")


class RunFile(_Camel):
    version: int = 1
    common: CommonSpec = Field(default_factory=CommonSpec)
    apps: list[AppSpec] = Field(min_length=1)


def load_runfile(path: Path) -> RunFile:
    """Parse and validate a dapr.yaml."""
    return RunFile.model_validate(yaml.safe_load(path.read_text()))
