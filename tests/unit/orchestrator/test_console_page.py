"""The console's page and files: served with a strict Content-Security-Policy, nothing else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from orchestrator.console.api import CONTENT_SECURITY_POLICY, STATIC


def test_the_page_is_served_without_credentials_under_a_strict_policy(
    client: TestClient,
) -> None:
    response = client.get("/console", headers={"X-API-Key": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "Hubspoke operator console" in response.text


def test_the_page_has_no_inline_script_or_style() -> None:
    page = (STATIC / "index.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page
    assert "<style" not in page
    assert re.findall(r"\son[a-z]+=", page) == []  # no inline event handlers


@pytest.mark.parametrize("name", [p.name for p in STATIC.iterdir() if p.suffix != ".html"])
def test_every_file_is_served_with_its_type_and_the_policy(client: TestClient, name: str) -> None:
    response = client.get(f"/console/{name}")
    assert response.status_code == 200
    expected = {".js": "text/javascript", ".css": "text/css"}[name[name.rindex(".") :]]
    assert response.headers["content-type"].startswith(expected)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "path", ["/console/index.html", "/console/missing.js", "/console/..%2fapi.py", "/console/a.py"]
)
def test_nothing_else_is_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code in (400, 404, 422)  # 400: an encoded separator
