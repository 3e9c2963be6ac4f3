"""Copy a language's template into agents/<app-id>/ and declare the agent.

Errors (`NewAgentError`): a bad or taken name, or no template for the language.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from launcher.agents import MANIFEST_NAME, load_agents
from launcher.runfile import load_runfile
from tools.agents.generate import write_entries

__all__ = ["TEMPLATES", "NewAgentError", "create_agent", "templates"]

TEMPLATES = Path(__file__).parent / "templates"
# A Python module name and a Dapr app-id at once (no '-', '_' or upper case).
_NAME = re.compile(r"^[a-z][a-z0-9]{1,30}$")
_PLACEHOLDER = "{{name}}"


class NewAgentError(ValueError):
    """The agent cannot be created; the message says why."""


class TemplateEntry(BaseModel):
    """`template.yaml`: the dapr.yaml entry's fields that depend on the language."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    app_dir_path: str = Field(alias="appDirPath")
    command: list[str] = Field(min_length=1)


def templates() -> list[str]:
    """The languages with a template folder."""
    return sorted(p.name for p in TEMPLATES.iterdir() if (p / "template.yaml").is_file())


def create_agent(root: Path, name: str, language: str) -> list[str]:
    """Write agents/<name>/ from the template, its dapr.yaml entry and every other entry;
    returns the paths written, relative to `root`."""
    template = TEMPLATES / language
    if not (template / "template.yaml").is_file():
        raise NewAgentError(
            f"no template for {language!r} ({template} is absent); templates: "
            f"{', '.join(templates())}"
        )
    if not _NAME.fullmatch(name):
        raise NewAgentError(f"{name!r}: 2-31 lower-case letters and digits, a letter first")
    runfile = load_runfile(root / "dapr.yaml")
    folder = root / "agents" / name
    if name in {a.app_id for a in runfile.apps} or folder.exists():
        raise NewAgentError(f"{name!r} is taken (dapr.yaml or {folder})")
    entry = TemplateEntry.model_validate(
        yaml.safe_load((template / "template.yaml").read_text().replace(_PLACEHOLDER, name))
    )
    written = _copy(template, folder, name)
    if not (folder / MANIFEST_NAME).is_file():
        raise NewAgentError(f"the {language} template has no {MANIFEST_NAME}(.tmpl)")
    ports = [p for a in runfile.apps for p in (a.app_port, a.dapr_http_port, a.dapr_grpc_port)]
    app_port = max(a.app_port for a in runfile.apps) + 1
    http_port = max(a.dapr_http_port for a in runfile.apps) + 1
    grpc_port = max(a.dapr_grpc_port for a in runfile.apps) + 1
    if {app_port, http_port, grpc_port} & set(ports):
        raise NewAgentError(f"no free ports after {max(ports)} in dapr.yaml: set them by hand")
    declared = (root / "dapr.yaml").read_text()
    with (root / "dapr.yaml").open("a") as out:
        out.write(
            ("" if declared.endswith("\n") else "\n") + f"  - appID: {name}\n"
            f"    appDirPath: {entry.app_dir_path}\n"
            f"    appPort: {app_port}\n"
            f"    daprHTTPPort: {http_port}\n"
            f"    daprGRPCPort: {grpc_port}\n"
            "    configFilePath: ./dapr-config/agent.yaml\n"
            f"    command: {json.dumps(entry.command)}\n"
        )
    apps = tuple(a.app for a in load_agents(root))
    return [*written, "dapr.yaml", *write_entries(root, apps)]


def _copy(template: Path, folder: Path, name: str) -> list[str]:
    written = []
    for source in sorted(template.rglob("*")):
        relative = source.relative_to(template)
        if source.is_dir() or relative == Path("template.yaml") or "__pycache__" in relative.parts:
            continue
        target = folder / str(relative).removesuffix(".tmpl").replace(_PLACEHOLDER, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text().replace(_PLACEHOLDER, name))
        target.chmod(source.stat().st_mode)
        written.append(str(target.relative_to(folder.parent.parent)))
    return written
