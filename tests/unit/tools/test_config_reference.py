"""The settings reference in docs/configuration.md is what the settings classes say."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools import config_reference
from tools.config_reference import (
    BEGIN,
    END,
    PAGE,
    MissingDescription,
    python_rows,
    render_page,
    typescript_rows,
)


def test_the_committed_page_is_what_the_generator_writes() -> None:
    page = PAGE.read_text()
    assert render_page(page) == page, "run: .venv/bin/python -m tools.config_reference"


def test_the_check_command_fails_on_a_stale_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text(PAGE.read_text().replace("`ORCHESTRATOR_MAX_PLAN_STEPS`", "`RENAMED`"))
    monkeypatch.setattr(config_reference, "PAGE", stale)
    assert config_reference.main(["--check"]) == 1
    assert config_reference.main([]) == 0
    assert config_reference.main(["--check"]) == 0
    assert "`ORCHESTRATOR_MAX_PLAN_STEPS`" in stale.read_text()


class _Example(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMPLE_")

    mode: Literal["fast", "safe"] = Field(default="safe", description="How it runs.")
    retries: int = Field(default=3, ge=0, le=10, description="Tries after the first.")
    key: SecretStr | None = Field(default=None, description="The key.")
    names: list[str] = Field(default_factory=lambda: ["a"], description="Names.")
    port: int = Field(validation_alias="EXAMPLE_PORT_NUMBER", description="A port.")


def test_a_settings_class_becomes_rows_with_variable_type_default_and_description() -> None:
    rows = {row.variables: row for row in python_rows(_Example)}
    assert rows[("EXAMPLE_MODE",)].type == "one of `fast`, `safe`"
    assert rows[("EXAMPLE_MODE",)].default == "`safe`"
    assert rows[("EXAMPLE_RETRIES",)].type == "int, >= 0, <= 10"
    assert rows[("EXAMPLE_KEY",)].type == "secret or unset"
    assert rows[("EXAMPLE_KEY",)].default == "unset"
    assert rows[("EXAMPLE_NAMES",)].default == '`["a"]`'
    assert rows[("EXAMPLE_PORT_NUMBER",)].default == "required"
    assert rows[("EXAMPLE_PORT_NUMBER",)].description == "A port."


def test_only_the_fields_a_class_declares_are_its_rows() -> None:
    class _Child(_Example):
        extra: bool = Field(default=False, description="More.")

    assert [row.variables for row in python_rows(_Child)] == [("EXAMPLE_EXTRA",)]


def test_a_setting_without_a_description_is_refused() -> None:
    class _Undescribed(BaseSettings):
        quiet: bool = False

    with pytest.raises(MissingDescription, match="quiet"):
        python_rows(_Undescribed)


TS = """
export interface Settings {
  /** The agent's Dapr app-id. */
  appId: string;
  /** Seconds between heartbeats. */
  heartbeatSeconds: number;
  otlpEndpoint: string | undefined;
}
export function loadSettings(env: Env = process.env): Settings {
  const appId = text(env, 'APP_ID', text(env, 'HUBSPOKE_APP_ID', 'units'));
  return {
    appId,
    heartbeatSeconds: number(env, 'HUBSPOKE_HEARTBEAT_SECONDS', 5, 0.1, 300),
  };
}
"""


def test_the_typescript_settings_are_read_from_load_settings_and_their_doc_comments() -> None:
    rows = typescript_rows(TS)
    assert [(row.variables, row.type, row.default, row.description) for row in rows] == [
        (("APP_ID", "HUBSPOKE_APP_ID"), "string", "`units`", "The agent's Dapr app-id."),
        (
            ("HUBSPOKE_HEARTBEAT_SECONDS",),
            "number, >= 0.1, <= 300",
            "`5`",
            "Seconds between heartbeats.",
        ),
    ]


def test_a_typescript_setting_without_a_doc_comment_is_refused() -> None:
    source = TS.replace(
        "  };", "    otlpEndpoint: optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),\n  };"
    )
    with pytest.raises(MissingDescription, match="otlpEndpoint"):
        typescript_rows(source)


def test_the_page_keeps_what_lies_outside_the_markers() -> None:
    page = f"intro\n\n{BEGIN}\nold\n{END}\n\noutro\n"
    rendered = render_page(page, sections=())
    assert rendered == f"intro\n\n{BEGIN}\n\n\n\n{END}\n\noutro\n"
