"""Error shapes of malformed JSON-RPC, and secrets in answers."""

from __future__ import annotations

from conformance.checks.errors import check_error_shapes
from conformance.checks.secrets import check_no_secrets
from conformance.ports import HttpAnswer, Transcript
from conformance.results import Outcome
from tests.unit.conformance.fakes import APP, FakeChannel


async def test_json_rpc_error_objects_pass() -> None:
    results = await check_error_shapes(FakeChannel(), APP)
    assert [(r.name, r.outcome) for r in results] == [
        ("jsonrpc.parse-error", Outcome.PASS),
        ("jsonrpc.unknown-method", Outcome.PASS),
        ("jsonrpc.invalid-params", Outcome.PASS),
    ]


async def test_a_crash_on_malformed_json_fails() -> None:
    channel = FakeChannel(rpc=lambda _: HttpAnswer(500, "Internal Server Error"))
    results = await check_error_shapes(channel, APP)
    assert all(r.outcome is Outcome.FAIL for r in results)
    assert "answered HTTP 500" in results[0].message


async def test_a_wrong_code_or_missing_id_fails() -> None:
    wrong = HttpAnswer(200, '{"jsonrpc": "2.0", "id": "x", "error": {"code": 1, "message": "?"}}')
    [parse, unknown, params] = await check_error_shapes(FakeChannel(rpc=lambda _: wrong), APP)
    assert "error code 1, expected -32700" in parse.message
    assert "error code 1, expected -32601" in unknown.message
    assert "id is 'x', expected 'conformance-1'" in params.message


async def test_a_plain_json_error_is_not_a_json_rpc_error() -> None:
    plain = HttpAnswer(400, '{"detail": "bad request"}')
    [parse, *_] = await check_error_shapes(FakeChannel(rpc=lambda _: plain), APP)
    assert "no JSON-RPC 2.0 error object" in parse.message


def test_a_leaked_secret_is_named_by_label_and_request_never_by_value() -> None:
    transcript = Transcript()
    transcript.record("SendMessage example[forecast#1]", "token is s3cr3t-value!")
    transcript.record("GET agent card", "{}")
    result = check_no_secrets(transcript, {"weather's app API token": "s3cr3t-value"})
    assert result.outcome is Outcome.FAIL
    assert "weather's app API token in the answer to SendMessage example[forecast#1]" in (
        result.message
    )
    assert "s3cr3t-value" not in result.message


def test_answers_without_secrets_pass_and_no_secret_list_is_not_checked() -> None:
    transcript = Transcript()
    transcript.record("GET agent card", "{}")
    assert check_no_secrets(transcript, {"api key": "k"}).outcome is Outcome.PASS
    assert check_no_secrets(transcript, {}).outcome is Outcome.SKIP
