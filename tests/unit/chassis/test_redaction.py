"""Credentials are redacted from attributes, free text and the JSON log lines."""

from __future__ import annotations

import io
import json
import logging

import pytest

from chassis.logs import _JsonFormatter
from chassis.redaction import CREDENTIAL_KEYS, REDACTED, Redactor, is_credential_key

SECRET = "tok-1234567890abcdef"


@pytest.mark.parametrize("key", CREDENTIAL_KEYS)
def test_every_credential_key_matches_however_it_is_spelled(key: str) -> None:
    for spelled in (key, key.upper(), f"http.request.header.{key}", key.replace("-", "_")):
        assert is_credential_key(spelled), spelled


@pytest.mark.parametrize("key", ["http.url", "token_count", "db.connection_string", "api"])
def test_ordinary_keys_are_kept(key: str) -> None:
    assert not is_credential_key(key)


def test_attributes_lose_credential_values_and_known_secrets_anywhere() -> None:
    redactor = Redactor([SECRET])
    found = redactor.attributes(
        {
            "http.request.header.dapr-api-token": [SECRET],
            "Authorization": "Bearer abc",
            "http.url": f"http://x/?t={SECRET}",
            "nested": {"cookie": "a=b", "list": ["ok", SECRET]},
            "http.status_code": 401,
        }
    )
    assert found == {
        "http.request.header.dapr-api-token": REDACTED,
        "Authorization": REDACTED,
        "http.url": f"http://x/?t={REDACTED}",
        "nested": {"cookie": REDACTED, "list": ["ok", REDACTED]},
        "http.status_code": 401,
    }


@pytest.mark.parametrize(
    "text",
    [
        "dapr-api-token: abcdef",
        "headers={'Authorization': 'Bearer abcdef'}",
        '{"x-api-key": "abcdef"}',
        "DAPR_API_TOKEN=abcdef",
    ],
)
def test_header_pairs_in_free_text_are_redacted(text: str) -> None:
    redacted = Redactor().text(text)
    assert "abcdef" not in redacted
    assert REDACTED in redacted


def test_short_secrets_are_ignored_rather_than_mangling_text() -> None:
    assert Redactor(["ok", ""]).text("ok then") == "ok then"


def test_log_lines_never_carry_headers_or_the_apps_secrets() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_JsonFormatter("calculator", Redactor([SECRET])))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("refused call with token %s", SECRET, extra={"x-api-key": "k-abcdefgh"})
        logger.warning("headers: %s", {"dapr-api-token": "other-secret-value"})
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert SECRET not in text
    assert "k-abcdefgh" not in text
    assert "other-secret-value" not in text
    first = json.loads(text.splitlines()[0])
    assert first["msg"] == f"refused call with token {REDACTED}"
    assert first["x-api-key"] == REDACTED


@pytest.mark.parametrize("key", CREDENTIAL_KEYS)
def test_every_credential_key_is_redacted_in_free_text(key: str) -> None:
    for text in (f"{key}: abcdef", f"{key.upper().replace('-', '_')}=abcdef"):
        assert "abcdef" not in Redactor().text(text), text
